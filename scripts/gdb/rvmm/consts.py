# SPDX-License-Identifier: MIT
"""The C headers' constants, as scripts/gdb/gen_consts.py generated them.

Everything numeric that the commands need (orders, zone count, page size,
flag bits, class counts) comes from build/gdb/rvmm_consts.py, which the
compiler wrote from the headers at build time.  This module only imports
it and derives name tables from it (the PG_* flags, the zone names).
"""
try:
    import rvmm_consts as C
except ImportError as e:  # the build has not generated it
    raise ImportError("rvmm: build/gdb/rvmm_consts.py is missing; run "
                      "`make build/gdb/rvmm_consts.py` (or `make gdb`)") from e


def get(name):
    """The value of a generated constant; KeyError names what is missing."""
    try:
        return C.CONSTS[name]
    except KeyError:
        raise KeyError("constant %s is not in build/gdb/rvmm_consts.py "
                       "(headers: %s)" % (name, " ".join(C.SOURCES))) from None


def has(name):
    return name in C.CONSTS


# Flag families whose prefix also starts other constants (SLAB_NAME_LEN,
# SLAB_MAX_OBJS ...): their members by name; the values are generated.
FLAG_NAMES = {
    "SLAB_": ("SLAB_HWCACHE_ALIGN", "SLAB_RED_ZONE", "SLAB_POISON",
              "SLAB_STORE_USER", "SLAB_NO_HOOKS"),
}


def flag_table(prefix, exclude_suffixes=("_MASK", "_ALL")):
    """[(short name, bit)] of single-bit #defines starting with prefix,
    lowest bit first: e.g. flag_table("PG_") -> [("reserved", 1), ...].
    For the families of FLAG_NAMES only the names listed there."""
    out = []
    for name, value in C.CONSTS.items():
        if not name.startswith(prefix) or name.endswith(exclude_suffixes):
            continue
        if prefix in FLAG_NAMES and name not in FLAG_NAMES[prefix]:
            continue
        if C.KIND.get(name) != "define":
            continue
        if value > 0 and value & (value - 1) == 0:
            out.append((name[len(prefix):], value))
    return sorted(out, key=lambda nv: nv[1])


def flags_str(value, prefix):
    """'buddy|head' for value's bits, unknown bits in hex; '-' for 0."""
    parts, rest = [], int(value)
    for name, bit in flag_table(prefix):
        if rest & bit:
            parts.append(name)
            rest &= ~bit
    if rest:
        parts.append("0x%x" % rest)
    return "|".join(parts) if parts else "-"


def enum_names(tag, drop_count=True):
    """Enumerators of enum tag in order, without the trailing count
    (MAX_NR_ZONES, NR_WMARK ...) when drop_count."""
    names = list(C.ENUMS.get(tag, []))
    if drop_count and names and (names[-1].startswith(("MAX_", "NR_")) or
                                 "_NR_" in names[-1]):
        names.pop()
    return names


PAGE_SHIFT = get("PAGE_SHIFT")
PAGE_SIZE = get("PAGE_SIZE")
NR_CPUS = get("NR_CPUS")
MAX_ORDER = get("MAX_ORDER")
MAX_NR_ZONES = get("MAX_NR_ZONES")
NR_WMARK = get("NR_WMARK")
PG_reserved = get("PG_reserved")
PG_buddy = get("PG_buddy")
PG_pcp = get("PG_pcp")
PG_head = get("PG_head")
PG_slab = get("PG_slab")
PG_large = get("PG_large")
