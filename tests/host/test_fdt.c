/* SPDX-License-Identifier: MIT */
/*
 * lib/fdt.c on the host: real QEMU virt trees (tests/host/dtb/), every
 * truncation, thousands of random corruptions, hand-built trees for the
 * reserved-memory, cpu-status and error paths.
 */
#include "lib/fdt.h"
#include "lib/prng.h"
#include "tests/host/hosttest.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BOOTARGS "ktest=all monitor=0 mm.dma_limit=16M"
#define BLOB_MAX 65536

/* ---- loading fixtures ---------------------------------------------------- */

static unsigned char *load(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = malloc(BLOB_MAX);
	size_t n = 0;

	if (f && buf)
		n = fread(buf, 1, BLOB_MAX, f);
	if (f)
		fclose(f);
	if (!n) {
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

/* A copy in a buffer of exactly len bytes, so ASan sees any over-read. */
static unsigned char *exact_copy(const unsigned char *src, size_t len)
{
	unsigned char *p = malloc(len ? len : 1);

	memcpy(p, src, len);
	return p;
}

/* ---- a small FDT writer for hand-built trees ------------------------------ */

struct fdtw {
	unsigned char st[4096], str[1024];
	size_t st_len, str_len;
	uint64_t rsv[8][2];
	unsigned int nr_rsv;
	uint32_t version;
};

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24, p[1] = v >> 16, p[2] = v >> 8, p[3] = v;
}

static void st32(struct fdtw *w, uint32_t v)
{
	put32(w->st + w->st_len, v);
	w->st_len += 4;
}

static void st_bytes(struct fdtw *w, const void *p, size_t n)
{
	memcpy(w->st + w->st_len, p, n);
	w->st_len += n;
	while (w->st_len % 4)
		w->st[w->st_len++] = 0;
}

static void w_begin(struct fdtw *w, const char *name)
{
	st32(w, 1);
	st_bytes(w, name, strlen(name) + 1);
}

static void w_end(struct fdtw *w)
{
	st32(w, 2);
}

static void w_prop(struct fdtw *w, const char *name, const void *d, size_t n)
{
	st32(w, 3);
	st32(w, (uint32_t)n);
	st32(w, (uint32_t)w->str_len);
	memcpy(w->str + w->str_len, name, strlen(name) + 1);
	w->str_len += strlen(name) + 1;
	st_bytes(w, d, n);
}

static void w_str(struct fdtw *w, const char *name, const char *s)
{
	w_prop(w, name, s, strlen(s) + 1);
}

/* A property of n cells given as uint64 values, each written in cells[i]. */
static void w_cells(struct fdtw *w, const char *name, const uint64_t *v,
		    const unsigned int *ncells, unsigned int n)
{
	unsigned char d[128];
	size_t len = 0;

	for (unsigned int i = 0; i < n; i++) {
		if (ncells[i] == 2) {
			put32(d + len, (uint32_t)(v[i] >> 32));
			len += 4;
		}
		put32(d + len, (uint32_t)v[i]);
		len += 4;
	}
	w_prop(w, name, d, len);
}

static void w_u32(struct fdtw *w, const char *name, uint32_t v)
{
	uint64_t x = v;
	unsigned int one = 1;

	w_cells(w, name, &x, &one, 1);
}

/* reg = <base size> with the given cell counts. */
static void w_reg(struct fdtw *w, unsigned int ac, unsigned int sc,
		  uint64_t base, uint64_t size)
{
	uint64_t v[2] = {base, size};
	unsigned int c[2] = {ac, sc};

	w_cells(w, "reg", v, c, sc ? 2 : 1);
}

/* Assemble header + rsvmap + structure + strings; returns the length. */
static size_t w_finish(struct fdtw *w, unsigned char *out)
{
	size_t off_rsv = 40, off_st = off_rsv + 16 * (w->nr_rsv + 1);
	size_t off_str = off_st + w->st_len + 4, total = off_str + w->str_len;

	memset(out, 0, total);
	st32(w, 9);
	put32(out, 0xd00dfeed);
	put32(out + 4, (uint32_t)total);
	put32(out + 8, (uint32_t)off_st);
	put32(out + 12, (uint32_t)off_str);
	put32(out + 16, (uint32_t)off_rsv);
	put32(out + 20, w->version ? w->version : 17);
	put32(out + 24, 16);
	put32(out + 32, (uint32_t)w->str_len);
	put32(out + 36, (uint32_t)w->st_len);
	for (unsigned int i = 0; i < w->nr_rsv; i++) {
		put32(out + off_rsv + 16 * i, (uint32_t)(w->rsv[i][0] >> 32));
		put32(out + off_rsv + 16 * i + 4, (uint32_t)w->rsv[i][0]);
		put32(out + off_rsv + 16 * i + 8,
		      (uint32_t)(w->rsv[i][1] >> 32));
		put32(out + off_rsv + 16 * i + 12, (uint32_t)w->rsv[i][1]);
	}
	memcpy(out + off_st, w->st, w->st_len);
	memcpy(out + off_str, w->str, w->str_len);
	return total;
}

/*
 * The standard hand-built tree: root cells 2/2, memory with two ranges (one
 * above 4 GiB), /reserved-memory with rac/rsc cells and three children (one
 * with reg, one disabled, one without reg), cpus 0 and 3 okay and 1
 * disabled plus a cpu-map, chosen bootargs, one rsvmap entry.
 */
static size_t build_tree(unsigned char *out, unsigned int rac, unsigned int rsc)
{
	static struct fdtw w;
	uint64_t mem[4] = {0x80000000, 0x40000000, 0x100000000, 0x10000000};
	unsigned int c4[4] = {2, 2, 2, 2};

	memset(&w, 0, sizeof(w));
	w.rsv[w.nr_rsv][0] = 0x87000000, w.rsv[w.nr_rsv++][1] = 0x2000;
	w_begin(&w, "");
	w_u32(&w, "#address-cells", 2);
	w_u32(&w, "#size-cells", 2);
	w_str(&w, "model", "hand-built");
	w_begin(&w, "memory@80000000");
	w_cells(&w, "reg", mem, c4, 4);
	w_str(&w, "device_type", "memory");
	w_end(&w);
	w_begin(&w, "reserved-memory");
	w_u32(&w, "#address-cells", rac);
	w_u32(&w, "#size-cells", rsc);
	w_begin(&w, "mmode_resv0@80000000");
	w_reg(&w, rac, rsc, 0x80000000, 0x40000);
	w_end(&w);
	w_begin(&w, "gone@90000000");
	w_reg(&w, rac, rsc, 0x90000000, 0x1000);
	w_str(&w, "status", "disabled");
	w_end(&w);
	w_begin(&w, "dynamic");
	w_u32(&w, "size", 0x1000);
	w_end(&w);
	w_end(&w);
	w_begin(&w, "cpus");
	w_u32(&w, "#address-cells", 1);
	w_u32(&w, "#size-cells", 0);
	w_u32(&w, "timebase-frequency", 1000000);
	w_begin(&w, "cpu@0");
	w_reg(&w, 1, 0, 0, 0);
	w_str(&w, "status", "okay");
	w_end(&w);
	w_begin(&w, "cpu@1");
	w_str(&w, "status", "disabled");
	w_reg(&w, 1, 0, 1, 0);
	w_end(&w);
	w_begin(&w, "cpu@3");
	w_reg(&w, 1, 0, 3, 0);
	w_end(&w);
	w_begin(&w, "cpu-map");
	w_u32(&w, "reg", 7);
	w_end(&w);
	w_end(&w);
	w_begin(&w, "chosen");
	w_str(&w, "bootargs", "a=1 b");
	w_end(&w);
	w_end(&w);
	return w_finish(&w, out);
}

/* ---- consistency of any successful parse --------------------------------- */

static bool in_blob(const char *s, const unsigned char *b, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	if (!s[0])
		return true; /* "" may be a literal */
	return p >= b && p < b + len && memchr(p, 0, (size_t)(b + len - p));
}

static bool ranges_ok(const struct fdt_range *r, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (!r[i].size || r[i].base + r[i].size < r[i].base ||
		    !memchr(r[i].name, 0, FDT_NAME_LEN))
			return false;
	return true;
}

static bool consistent(int rc, const struct fdt_info *i, const unsigned char *b,
		       size_t len)
{
	if (rc != FDT_OK)
		return rc < 0 && rc >= FDT_ERR_BADPROP && i->nr_mem == 0 &&
		       i->nr_rsv == 0 && i->nr_cpus == 0 && !i->bootargs[0];
	return i->nr_mem >= 1 && i->nr_mem <= FDT_MAX_MEM &&
	       i->nr_rsv <= FDT_MAX_RSV && i->nr_cpus <= FDT_MAX_CPUS &&
	       i->totalsize <= len && ranges_ok(i->mem, i->nr_mem) &&
	       ranges_ok(i->rsv, i->nr_rsv) && in_blob(i->bootargs, b, len) &&
	       in_blob(i->model, b, len);
}

/* ---- the groups ------------------------------------------------------------ */

static const struct fixture {
	const char *mem;
	uint64_t bytes;
	unsigned int smp;
} fixtures[] = {
	{"64M", 64ULL << 20, 1},   {"64M", 64ULL << 20, 4},
	{"64M", 64ULL << 20, 8},   {"256M", 256ULL << 20, 1},
	{"256M", 256ULL << 20, 4}, {"256M", 256ULL << 20, 8},
	{"1G", 1ULL << 30, 1},	   {"1G", 1ULL << 30, 4},
	{"1G", 1ULL << 30, 8},	   {"4G", 4ULL << 30, 1},
	{"4G", 4ULL << 30, 4},	   {"4G", 4ULL << 30, 8},
};
#define NR_FIXTURES (sizeof(fixtures) / sizeof(fixtures[0]))

static unsigned char *blobs[NR_FIXTURES];
static size_t blob_len[NR_FIXTURES];

static void test_qemu(void)
{
	struct ht_group g;
	struct fdt_info info;
	char path[256];

	ht_begin(&g, "qemu-trees");
	for (size_t k = 0; k < NR_FIXTURES; k++) {
		const struct fixture *f = &fixtures[k];
		snprintf(path, sizeof(path), "tests/host/dtb/virt-%s-smp%u.dtb",
			 f->mem, f->smp);
		blobs[k] = load(path, &blob_len[k]);
		if (!ht_check(&g, blobs[k] != NULL, "cannot read %s", path))
			continue;
		int rc = fdt_parse(blobs[k], blob_len[k], &info);
		ht_check(&g, rc == FDT_OK, "%s: %s", path, fdt_strerror(rc));
		ht_check(&g,
			 info.nr_mem == 1 && info.mem[0].base == 0x80000000 &&
				 info.mem[0].size == f->bytes &&
				 !strcmp(info.mem[0].name, "memory@80000000"),
			 "%s: memory wrong (nr %u)", path, info.nr_mem);
		ht_check(&g, info.nr_cpus == f->smp, "%s: %u cpus", path,
			 info.nr_cpus);
		for (unsigned int c = 0; c < info.nr_cpus; c++)
			ht_check(&g, info.hartid[c] == c, "%s: hartid[%u]=%u",
				 path, c, info.hartid[c]);
		ht_check(&g, info.timebase_hz == 10000000, "%s: timebase",
			 path);
		ht_check(&g, !strcmp(info.bootargs, BOOTARGS),
			 "%s: bootargs '%s'", path, info.bootargs);
		ht_check(&g, !strcmp(info.model, "riscv-virtio,qemu"),
			 "%s: model '%s'", path, info.model);
		ht_check(&g, info.nr_rsv == 0 && info.totalsize == blob_len[k],
			 "%s: rsv %u totalsize %u", path, info.nr_rsv,
			 info.totalsize);
	}
	ht_end(&g);
}

/* Every prefix, both as a short buffer and with totalsize patched to fit. */
static void test_truncate(void)
{
	struct ht_group g;
	struct fdt_info info;

	ht_begin(&g, "truncate");
	for (size_t k = 0; k < NR_FIXTURES; k++) {
		if (!blobs[k])
			continue;
		for (size_t len = 0; len < blob_len[k]; len++) {
			unsigned char *p = exact_copy(blobs[k], len);
			int rc = fdt_parse(p, len, &info);
			ht_check(&g, rc < 0 && consistent(rc, &info, p, len),
				 "fixture %zu cut at %zu: rc %d", k, len, rc);
			if (len >= 8) {
				put32(p + 4, (uint32_t)len);
				rc = fdt_parse(p, len, &info);
				ht_check(&g, consistent(rc, &info, p, len),
					 "fixture %zu resized to %zu: rc %d", k,
					 len, rc);
			}
			free(p);
		}
	}
	ht_end(&g);
}

static void test_corrupt(void)
{
	struct ht_group g;
	struct fdt_info info;
	struct prng r;
	unsigned long errors = 0, oks = 0;

	ht_begin(&g, "corrupt");
	prng_seed(&r, 0xfd7);
	for (int it = 0; it < 30000; it++) {
		size_t k = prng_below(&r, NR_FIXTURES);
		if (!blobs[k])
			continue;
		unsigned char *p = exact_copy(blobs[k], blob_len[k]);
		unsigned int flips = 1 + (unsigned int)prng_below(&r, 4);
		for (unsigned int f = 0; f < flips; f++) {
			size_t pos = prng_below(&r, blob_len[k]);
			/* half the time hit the header and the struct start */
			if (prng_below(&r, 2))
				pos %= 256;
			p[pos] = (unsigned char)prng_next(&r);
		}
		int rc = fdt_parse(p, blob_len[k], &info);
		ht_check(&g, consistent(rc, &info, p, blob_len[k]),
			 "iteration %d: inconsistent result, rc %d", it, rc);
		rc ? errors++ : oks++;
		free(p);
	}
	ht_check(&g, errors > 1000 && oks > 1000,
		 "suspicious mix: %lu errors, %lu successes", errors, oks);
	ht_end(&g);
}

static void check_hand(struct ht_group *g, unsigned int rac, unsigned int rsc)
{
	static unsigned char blob[8192];
	struct fdt_info i;
	size_t len = build_tree(blob, rac, rsc);
	unsigned char *p = exact_copy(blob, len);
	int rc = fdt_parse(p, len, &i);

	ht_check(g, rc == FDT_OK, "cells %u/%u: %s", rac, rsc,
		 fdt_strerror(rc));
	ht_check(g,
		 i.nr_mem == 2 && i.mem[0].base == 0x80000000 &&
			 i.mem[0].size == 0x40000000 &&
			 i.mem[1].base == 0x100000000 &&
			 i.mem[1].size == 0x10000000,
		 "cells %u/%u: memory", rac, rsc);
	ht_check(g,
		 i.nr_rsv == 2 && i.rsv[0].base == 0x80000000 &&
			 i.rsv[0].size == 0x40000 &&
			 !strcmp(i.rsv[0].name, "mmode_resv0@80000000") &&
			 i.rsv[1].base == 0x87000000 &&
			 i.rsv[1].size == 0x2000 &&
			 !strcmp(i.rsv[1].name, "fdt-rsvmap"),
		 "cells %u/%u: reserved (nr %u)", rac, rsc, i.nr_rsv);
	ht_check(g, i.nr_cpus == 2 && i.hartid[0] == 0 && i.hartid[1] == 3,
		 "cells %u/%u: cpus (nr %u)", rac, rsc, i.nr_cpus);
	ht_check(g,
		 i.timebase_hz == 1000000 && !strcmp(i.bootargs, "a=1 b") &&
			 !strcmp(i.model, "hand-built"),
		 "cells %u/%u: timebase/bootargs/model", rac, rsc);
	free(p);
}

static void test_handbuilt(void)
{
	struct ht_group g;

	ht_begin(&g, "reserved-memory-cells");
	check_hand(&g, 1, 1);
	check_hand(&g, 2, 2);
	check_hand(&g, 2, 1);
	check_hand(&g, 1, 2);
	ht_end(&g);
}

/* Parse a tree built by fn and expect rc. */
static void expect(struct ht_group *g, const char *what, struct fdtw *w,
		   int want)
{
	static unsigned char blob[8192];
	struct fdt_info i;
	size_t len = w_finish(w, blob);
	unsigned char *p = exact_copy(blob, len);
	int rc = fdt_parse(p, len, &i);

	ht_check(g, rc == want && consistent(rc, &i, p, len),
		 "%s: got %d (%s), want %d", what, rc, fdt_strerror(rc), want);
	free(p);
}

static void memory_node(struct fdtw *w)
{
	w_begin(w, "memory@80000000");
	w_str(w, "device_type", "memory");
	w_reg(w, 2, 1, 0x80000000, 0x1000000); /* root cells default to 2/1 */
	w_end(w);
}

static void test_errors(void)
{
	static struct fdtw w;
	struct ht_group g;

	ht_begin(&g, "error-paths");
	memset(&w, 0, sizeof(w)); /* no memory node */
	w_begin(&w, "");
	w_end(&w);
	expect(&g, "no memory", &w, FDT_ERR_NOMEM);

	memset(&w, 0, sizeof(w)); /* reg not a whole number of entries */
	w_begin(&w, "");
	w_begin(&w, "memory");
	w_str(&w, "device_type", "memory");
	w_u32(&w, "reg", 5);
	w_end(&w);
	w_end(&w);
	expect(&g, "short reg", &w, FDT_ERR_BADPROP);

	memset(&w, 0, sizeof(w)); /* 17 cpus */
	w_begin(&w, "");
	memory_node(&w);
	w_begin(&w, "cpus");
	w_u32(&w, "#address-cells", 1);
	w_u32(&w, "#size-cells", 0);
	for (unsigned int c = 0; c <= FDT_MAX_CPUS; c++) {
		char name[16];
		snprintf(name, sizeof(name), "cpu@%u", c);
		w_begin(&w, name);
		w_reg(&w, 1, 0, c, 0);
		w_end(&w);
	}
	w_end(&w);
	w_end(&w);
	expect(&g, "too many cpus", &w, FDT_ERR_TOOMANY);

	memset(&w, 0, sizeof(w)); /* nesting deeper than the walker allows */
	w_begin(&w, "");
	memory_node(&w);
	for (int d = 0; d < 40; d++)
		w_begin(&w, "deep");
	for (int d = 0; d < 40; d++)
		w_end(&w);
	w_end(&w);
	expect(&g, "deep nesting", &w, FDT_ERR_BADSTRUCT);

	memset(&w, 0, sizeof(w)); /* a property after a subnode */
	w_begin(&w, "");
	memory_node(&w);
	w_u32(&w, "#size-cells", 1);
	w_end(&w);
	expect(&g, "property after subnode", &w, FDT_ERR_BADSTRUCT);

	memset(&w, 0, sizeof(w)); /* unterminated bootargs */
	w_begin(&w, "");
	memory_node(&w);
	w_begin(&w, "chosen");
	w_prop(&w, "bootargs", "abcd", 4);
	w_end(&w);
	w_end(&w);
	expect(&g, "unterminated bootargs", &w, FDT_ERR_BADPROP);

	memset(&w, 0, sizeof(w)); /* unsupported version */
	w.version = 15;
	w_begin(&w, "");
	memory_node(&w);
	w_end(&w);
	expect(&g, "version 15", &w, FDT_ERR_VERSION);

	memset(&w, 0, sizeof(w)); /* missing END_NODE of the root */
	w_begin(&w, "");
	memory_node(&w);
	expect(&g, "unclosed root", &w, FDT_ERR_BADSTRUCT);
	ht_end(&g);
}

static void test_header(void)
{
	static unsigned char blob[8192];
	struct ht_group g;
	struct fdt_info i;
	size_t len = build_tree(blob, 1, 1);

	ht_begin(&g, "header");
	ht_check(&g, fdt_parse(blob, len, &i) == FDT_OK, "clean tree");
	blob[0] ^= 1;
	ht_check(&g, fdt_parse(blob, len, &i) == FDT_ERR_MAGIC, "magic");
	blob[0] ^= 1;
	ht_check(&g, fdt_parse(blob, len - 1, &i) == FDT_ERR_TRUNCATED,
		 "max_len below totalsize");
	ht_check(&g, fdt_parse(NULL, 0, &i) == FDT_ERR_TRUNCATED, "NULL");
	put32(blob + 8, (uint32_t)len); /* structure block at the very end */
	ht_check(&g, fdt_parse(blob, len, &i) == FDT_ERR_BADOFFSET,
		 "off_dt_struct past the end");
	len = build_tree(blob, 1, 1);
	put32(blob + 32, 0xfffffff0); /* strings size wraps */
	ht_check(&g, fdt_parse(blob, len, &i) == FDT_ERR_BADOFFSET,
		 "size_dt_strings wraps");
	ht_end(&g);
}

static void test_strerror(void)
{
	struct ht_group g;
	const char *unknown = fdt_strerror(1);

	ht_begin(&g, "strerror");
	for (int e = FDT_OK; e >= FDT_ERR_BADPROP; e--) {
		ht_check(&g,
			 fdt_strerror(e) && strcmp(fdt_strerror(e), unknown),
			 "code %d has no message", e);
		for (int o = FDT_OK; o > e; o--)
			ht_check(&g, strcmp(fdt_strerror(e), fdt_strerror(o)),
				 "codes %d and %d share a message", e, o);
	}
	ht_check(&g, !strcmp(fdt_strerror(-100), unknown), "-100 not unknown");
	ht_end(&g);
}

int main(void)
{
	ht_prog = "fdt";
	test_qemu();
	test_truncate();
	test_corrupt();
	test_handbuilt();
	test_errors();
	test_header();
	test_strerror();
	for (size_t k = 0; k < NR_FIXTURES; k++)
		free(blobs[k]);
	return ht_exit();
}
