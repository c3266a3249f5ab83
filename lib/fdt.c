/* SPDX-License-Identifier: MIT */
/*
 * Bounds-checked flattened device tree reader: memory, reserved ranges,
 * harts, timebase, boot arguments and model from a DTB (see lib/fdt.h).
 *
 * 1. Format (Devicetree Specification v0.4, chapter 5)
 *
 *      +-----------------+ 0
 *      | header (40 B)   |  big-endian u32s: magic 0xd00dfeed, totalsize,
 *      +-----------------+  off_dt_struct, off_dt_strings, off_mem_rsvmap,
 *      | rsvmap          |  version, last_comp_version, boot_cpuid_phys,
 *      +-----------------+  size_dt_strings, size_dt_struct (v17)
 *      | structure block |  tokens: BEGIN_NODE name\0 (pad 4) | PROP len
 *      +-----------------+  nameoff data (pad 4) | END_NODE | NOP | END
 *      | strings block   |  property names, NUL-terminated
 *      +-----------------+ totalsize
 *
 * 2. Checks.  The header must fit in max_len, and totalsize too; every block
 *    must lie inside totalsize (computed in 64 bits, so no offset can wrap).
 *    The walk reads each token only after checking it lies inside the
 *    structure block, and the position strictly grows at every token, so a
 *    corrupted blob ends the loop at the block's end at the latest.  Node
 *    names and property names must be NUL-terminated inside their blocks.
 *    Nesting is limited to FDT_DEPTH levels (an explicit stack, no
 *    recursion).  Properties must precede subnodes (spec 5.4.2): that is
 *    what makes a parent's #address-cells known when a child is read.
 *
 * 3. Interpretation.  A node's reg is decoded with its parent's
 *    #address-cells / #size-cells (default 2 and 1, spec 2.3.5), at the
 *    node's END_NODE, when all of its properties have been seen:
 *      /<any> with device_type "memory"   -> info->mem  (root's cells)
 *      /reserved-memory/<child> with reg  -> info->rsv  (reserved-memory's)
 *      /cpus/cpu@N, status absent/"okay"  -> info->hartid (cpus' cells)
 *    then the header's memory reservation block -> info->rsv "fdt-rsvmap".
 */
#include "lib/fdt.h"
#include "lib/string.h"

#include <stdbool.h>

#define FDT_MAGIC 0xd00dfeedU
#define FDT_BEGIN_NODE 1U
#define FDT_END_NODE 2U
#define FDT_PROP 3U
#define FDT_NOP 4U
#define FDT_END 9U

#define FDT_V16_HEADER 36U /* version 16 lacks size_dt_struct */
#define FDT_V17_HEADER 40U
#define FDT_DEPTH 16

enum node_kind {
	N_ROOT,
	N_TOP, /* any child of the root (a memory node if device_type says so) */
	N_RESV,
	N_RESV_CHILD,
	N_CPUS,
	N_CPU,
	N_CHOSEN,
	N_OTHER,
};

struct node {
	char name[FDT_NAME_LEN];
	enum node_kind kind;
	uint32_t addr_cells, size_cells; /* for this node's children */
	bool has_child, is_memory, disabled;
	const uint8_t *reg;
	uint32_t reg_len;
};

struct walker {
	const uint8_t *blob;
	uint64_t pos, end; /* inside the structure block */
	uint64_t strings, str_size; /* strings block */
	int depth; /* nodes open; stack[depth-1] is current */
	struct node stack[FDT_DEPTH];
	struct fdt_info *info;
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static uint64_t align4(uint64_t v)
{
	return (v + 3U) & ~(uint64_t)3;
}

/* True when [off, off+len) lies inside [0, limit). */
static bool inside(uint64_t off, uint64_t len, uint64_t limit)
{
	return off <= limit && len <= limit - off;
}

/* Length of the NUL-terminated string at p within n bytes, -1 if none. */
static long str_in(const uint8_t *p, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		if (!p[i])
			return i;
	return -1;
}

/* A string property: exactly one NUL-terminated string of len bytes. */
static bool prop_is(const uint8_t *data, uint32_t len, const char *s)
{
	size_t n = strlen(s);

	return len == n + 1 && !memcmp(data, s, n + 1);
}

static bool name_is(const char *name, const char *base)
{
	size_t n = strlen(base);

	return !strncmp(name, base, n) && (name[n] == '\0' || name[n] == '@');
}

/*
 * Check the header and the block bounds.  Fills the walker's block limits;
 * returns FDT_OK or the first problem found.
 */
static int check_header(const uint8_t *b, size_t max_len, struct walker *w)
{
	if (!b || max_len < FDT_V16_HEADER)
		return FDT_ERR_TRUNCATED;
	if (be32(b) != FDT_MAGIC)
		return FDT_ERR_MAGIC;
	uint32_t total = be32(b + 4), version = be32(b + 20);
	if (version < 16 || be32(b + 24) > 17)
		return FDT_ERR_VERSION;
	uint32_t hdr = version >= 17 ? FDT_V17_HEADER : FDT_V16_HEADER;
	if (total > max_len)
		return FDT_ERR_TRUNCATED;
	if (total < hdr)
		return FDT_ERR_BADOFFSET;
	uint32_t off_struct = be32(b + 8), off_strings = be32(b + 12);
	uint32_t off_rsv = be32(b + 16), size_strings = be32(b + 32);
	uint32_t size_struct =
		version >= 17 ? be32(b + 36) : total - off_struct;
	if (!inside(off_struct, size_struct, total) || off_struct < hdr ||
	    off_struct % 4 || !inside(off_strings, size_strings, total) ||
	    !inside(off_rsv, 16, total) || off_rsv % 8 || off_rsv < hdr)
		return FDT_ERR_BADOFFSET;
	w->pos = off_struct;
	w->end = (uint64_t)off_struct + (size_struct & ~3U);
	w->strings = off_strings;
	w->str_size = size_strings;
	return FDT_OK;
}

/* Decode ncells (0..2) big-endian cells at p. */
static uint64_t cells(const uint8_t *p, uint32_t ncells)
{
	return ncells == 2 ? be64(p) : ncells == 1 ? be32(p) : 0;
}

/*
 * Append every (address, size) pair of reg to table[*nr] (capacity cap),
 * decoded with the parent's cells.  Zero-sized entries are skipped.
 */
static int add_reg(const struct node *n, const struct node *parent,
		   struct fdt_range *table, unsigned int *nr, unsigned int cap)
{
	uint32_t ac = parent->addr_cells, sc = parent->size_cells;
	uint32_t entry = 4 * (ac + sc);

	if (ac < 1 || ac > 2 || sc > 2 || n->reg_len % entry)
		return FDT_ERR_BADPROP;
	for (uint32_t off = 0; off < n->reg_len; off += entry) {
		uint64_t base = cells(n->reg + off, ac);
		uint64_t size = cells(n->reg + off + 4 * ac, sc);
		if (!size)
			continue;
		if (base + size < base)
			return FDT_ERR_BADPROP;
		if (*nr >= cap)
			return FDT_ERR_TOOMANY;
		table[*nr].base = base;
		table[*nr].size = size;
		str_copy(table[*nr].name, n->name, FDT_NAME_LEN);
		(*nr)++;
	}
	return FDT_OK;
}

static int add_cpu(const struct node *n, const struct node *parent,
		   struct fdt_info *info)
{
	uint32_t ac = parent->addr_cells;

	if (ac < 1 || ac > 2 || n->reg_len < 4 * ac)
		return FDT_ERR_BADPROP;
	uint64_t hart = cells(n->reg, ac);
	if (hart > UINT32_MAX)
		return FDT_ERR_BADPROP;
	if (info->nr_cpus >= FDT_MAX_CPUS)
		return FDT_ERR_TOOMANY;
	info->hartid[info->nr_cpus++] = (uint32_t)hart;
	return FDT_OK;
}

/* All properties of the current node are known: record what it describes. */
static int finish_node(struct walker *w)
{
	const struct node *n = &w->stack[w->depth - 1];
	const struct node *parent = w->depth > 1 ? n - 1 : NULL;
	struct fdt_info *info = w->info;

	if (!n->reg || n->disabled)
		return FDT_OK;
	if (n->kind == N_TOP && n->is_memory)
		return add_reg(n, parent, info->mem, &info->nr_mem,
			       FDT_MAX_MEM);
	if (n->kind == N_RESV_CHILD)
		return add_reg(n, parent, info->rsv, &info->nr_rsv,
			       FDT_MAX_RSV);
	if (n->kind == N_CPU)
		return add_cpu(n, parent, info);
	return FDT_OK;
}

static enum node_kind kind_of(const struct walker *w, const char *name)
{
	if (w->depth == 0)
		return N_ROOT;
	enum node_kind parent = w->stack[w->depth - 1].kind;
	if (parent == N_ROOT) {
		if (!strcmp(name, "reserved-memory"))
			return N_RESV;
		if (!strcmp(name, "cpus"))
			return N_CPUS;
		if (name_is(name, "chosen"))
			return N_CHOSEN;
		return N_TOP;
	}
	if (parent == N_RESV)
		return N_RESV_CHILD;
	if (parent == N_CPUS && name_is(name, "cpu"))
		return N_CPU;
	return N_OTHER;
}

static int begin_node(struct walker *w)
{
	const uint8_t *name = w->blob + w->pos;
	long len = str_in(name, w->end - w->pos);

	if (len < 0 || w->depth >= FDT_DEPTH)
		return FDT_ERR_BADSTRUCT;
	if (w->depth == 0 && len != 0)
		return FDT_ERR_BADSTRUCT; /* the root is named "" */
	if (w->depth > 0)
		w->stack[w->depth - 1].has_child = true;
	struct node *n = &w->stack[w->depth];
	memset(n, 0, sizeof(*n));
	n->kind = kind_of(w, (const char *)name);
	n->addr_cells = 2;
	n->size_cells = 1;
	str_copy(n->name, (const char *)name, FDT_NAME_LEN);
	w->depth++;
	w->pos += align4((uint64_t)len + 1);
	return FDT_OK;
}

/* A 4-byte cell property: #address-cells and friends. */
static int read_u32(const uint8_t *data, uint32_t len, uint32_t *out)
{
	if (len != 4)
		return FDT_ERR_BADPROP;
	*out = be32(data);
	return FDT_OK;
}

/* A NUL-terminated string property, returned as pointing into the blob. */
static int read_str(const uint8_t *data, uint32_t len, const char **out)
{
	if (len == 0 || data[len - 1] != '\0')
		return FDT_ERR_BADPROP;
	*out = (const char *)data;
	return FDT_OK;
}

static int use_prop(struct walker *w, const char *pname, const uint8_t *data,
		    uint32_t len)
{
	struct node *n = &w->stack[w->depth - 1];
	struct fdt_info *info = w->info;

	if (!strcmp(pname, "#address-cells"))
		return read_u32(data, len, &n->addr_cells);
	if (!strcmp(pname, "#size-cells"))
		return read_u32(data, len, &n->size_cells);
	if (!strcmp(pname, "reg")) {
		n->reg = data;
		n->reg_len = len;
	} else if (!strcmp(pname, "status")) {
		n->disabled = !prop_is(data, len, "okay") &&
			      !prop_is(data, len, "ok");
	} else if (!strcmp(pname, "device_type")) {
		n->is_memory = prop_is(data, len, "memory");
	} else if (n->kind == N_ROOT && !strcmp(pname, "model")) {
		return read_str(data, len, &info->model);
	} else if (n->kind == N_CHOSEN && !strcmp(pname, "bootargs")) {
		return read_str(data, len, &info->bootargs);
	} else if (!strcmp(pname, "timebase-frequency") &&
		   (n->kind == N_CPUS ||
		    (n->kind == N_CPU && !info->timebase_hz))) {
		if (len != 4 && len != 8)
			return FDT_ERR_BADPROP;
		info->timebase_hz = cells(data, len / 4);
	}
	return FDT_OK;
}

static int prop(struct walker *w)
{
	if (w->depth == 0 || w->stack[w->depth - 1].has_child ||
	    !inside(w->pos, 8, w->end))
		return FDT_ERR_BADSTRUCT;
	uint32_t len = be32(w->blob + w->pos);
	uint32_t nameoff = be32(w->blob + w->pos + 4);
	w->pos += 8;
	if (!inside(w->pos, len, w->end) || nameoff >= w->str_size)
		return FDT_ERR_BADPROP;
	const uint8_t *pname = w->blob + w->strings + nameoff;
	if (str_in(pname, w->str_size - nameoff) < 0)
		return FDT_ERR_BADPROP;
	const uint8_t *data = w->blob + w->pos;
	w->pos += align4(len);
	if (w->pos > w->end)
		return FDT_ERR_BADSTRUCT;
	return use_prop(w, (const char *)pname, data, len);
}

/* Walk the structure block token by token; FDT_OK once FDT_END is reached. */
static int walk(struct walker *w)
{
	bool root_done = false;

	while (inside(w->pos, 4, w->end)) {
		uint32_t token = be32(w->blob + w->pos);
		int rc = FDT_OK;
		w->pos += 4;
		switch (token) {
		case FDT_BEGIN_NODE:
			rc = root_done ? FDT_ERR_BADSTRUCT : begin_node(w);
			break;
		case FDT_END_NODE:
			if (w->depth == 0)
				return FDT_ERR_BADSTRUCT;
			rc = finish_node(w);
			root_done = --w->depth == 0;
			break;
		case FDT_PROP:
			rc = prop(w);
			break;
		case FDT_NOP:
			break;
		case FDT_END:
			return root_done ? FDT_OK : FDT_ERR_BADSTRUCT;
		default:
			return FDT_ERR_BADSTRUCT;
		}
		if (rc)
			return rc;
	}
	return FDT_ERR_BADSTRUCT; /* ran off the block without FDT_END */
}

/* The header's memory reservation block: (address, size) pairs to (0, 0). */
static int read_rsvmap(const uint8_t *b, struct fdt_info *info)
{
	for (uint64_t off = be32(b + 16);; off += 16) {
		if (!inside(off, 16, info->totalsize))
			return FDT_ERR_BADOFFSET;
		uint64_t base = be64(b + off), size = be64(b + off + 8);
		if (!base && !size)
			return FDT_OK;
		if (!size)
			continue;
		if (base + size < base)
			return FDT_ERR_BADPROP;
		if (info->nr_rsv >= FDT_MAX_RSV)
			return FDT_ERR_TOOMANY;
		info->rsv[info->nr_rsv].base = base;
		info->rsv[info->nr_rsv].size = size;
		str_copy(info->rsv[info->nr_rsv].name, "fdt-rsvmap",
			 FDT_NAME_LEN);
		info->nr_rsv++;
	}
}

static int parse(const uint8_t *b, size_t max_len, struct fdt_info *info)
{
	struct walker w;
	int rc;

	memset(&w, 0, sizeof(w));
	w.blob = b;
	w.info = info;
	rc = check_header(b, max_len, &w);
	if (rc)
		return rc;
	info->totalsize = be32(b + 4);
	rc = walk(&w);
	if (rc)
		return rc;
	rc = read_rsvmap(b, info);
	if (rc)
		return rc;
	return info->nr_mem ? FDT_OK : FDT_ERR_NOMEM;
}

/*
 * See lib/fdt.h.  On any error *info is reset to empty (no ranges, no cpus,
 * bootargs and model ""), so a caller that ignores the code still sees
 * nothing half-parsed.
 */
int fdt_parse(const void *fdt, size_t max_len, struct fdt_info *info)
{
	int rc;

	memset(info, 0, sizeof(*info));
	info->bootargs = "";
	info->model = "";
	rc = parse(fdt, max_len, info);
	if (rc) {
		memset(info, 0, sizeof(*info));
		info->bootargs = "";
		info->model = "";
	}
	return rc;
}

const char *fdt_strerror(int err)
{
	switch (err) {
	case FDT_OK:
		return "ok";
	case FDT_ERR_MAGIC:
		return "not a device tree (bad magic)";
	case FDT_ERR_TRUNCATED:
		return "blob shorter than its header says";
	case FDT_ERR_VERSION:
		return "unsupported device tree version";
	case FDT_ERR_BADSTRUCT:
		return "malformed structure block";
	case FDT_ERR_BADOFFSET:
		return "header offset or size out of range";
	case FDT_ERR_NOMEM:
		return "no /memory node with a usable reg";
	case FDT_ERR_TOOMANY:
		return "more ranges or cpus than the tables hold";
	case FDT_ERR_BADPROP:
		return "property with an impossible length";
	default:
		return "unknown device tree error";
	}
}
