# SPDX-License-Identifier: MIT
"""The checks of tests/gdb at mm_debug_checkpoint(): the commands' numbers
against the report the kernel printed just before, section by section;
and the constants against the debug info."""
import re

import gdb

from rvmm import consts as K
from rvmm import kmem
from rvmm import slabview

from .common import CONSOLE, check, cmd, cmd_error


# ---- constants ------------------------------------------------------------------

@check("consts")
def check_consts():
    bad = []
    for tag, names in K.C.ENUMS.items():
        for n in names:
            try:
                v = int(gdb.parse_and_eval(n))
            except gdb.error:
                continue  # an enum no compiled code uses has no DWARF
            if v != K.C.CONSTS[n]:
                bad.append("%s: generated %d, debug info %d" %
                           (n, K.C.CONSTS[n], v))
    z = gdb.parse_and_eval("zones")
    sizes = [("zones[]", z.type, K.MAX_NR_ZONES),
             ("free_area[]", z[0]["free_area"].type, K.MAX_ORDER),
             ("pcp[]", z[0]["pcp"].type, K.NR_CPUS),
             ("wmark[]", z[0]["wmark"].type, K.NR_WMARK)]
    for what, t, want in sizes:
        if t.range()[1] + 1 != want:
            bad.append("%s has %d entries, generated %d" %
                       (what, t.range()[1] + 1, want))
    if not K.C.CONSTS.get("PAGE_SIZE") == 1 << K.PAGE_SHIFT:
        bad.append("PAGE_SIZE != 1 << PAGE_SHIFT")
    return bad


# ---- the checkpoint: compare with the kernel's own report ----------------------

def kernel_report():
    """The sections of the last report after the self-tests:
    {"/proc/buddyinfo": [lines], "/proc/zoneinfo": [lines], ...}, split at
    the "==> NAME <==" header lines (the layout of mm_report())."""
    with open(CONSOLE, errors="replace") as f:
        text = f.read().replace("\r", "")
    i = text.rfind("mm: state after the self-tests")
    if i < 0:
        raise AssertionError("the console has no 'mm: state after the "
                             "self-tests' report")
    sections, cur = {}, None
    for line in text[i:].splitlines():
        m = re.match(r"^==> (.*) <==$", line)
        if m:
            cur = sections.setdefault(m.group(1), [])
        elif cur is not None:
            cur.append(line)
    for name in ("/proc/buddyinfo", "/proc/zoneinfo"):
        if name not in sections:
            raise AssertionError("the report has no '==> %s <==' section"
                                 % name)
    return sections


def parse_zoneinfo(lines):
    """{zone: {field: value, 'pcp': {cpu: (count, high, batch)}}}."""
    zones, cur = {}, None
    keys = {"pages free": "free", "min": "min", "low": "low", "high": "high",
            "spanned": "spanned", "present": "present", "managed": "managed",
            "lowmem_reserve": "reserve", "start_pfn:": "start_pfn"}
    for line in lines:
        m = re.match(r"^Node 0, zone\s+(\S+)\s*$", line)
        if m:
            cur = zones.setdefault(m.group(1), {"pcp": {}})
            continue
        if cur is None:
            continue
        m = re.match(r"^\s+(pages free|min|low|high|spanned|present|managed"
                     r"|lowmem_reserve|start_pfn:)\s+(0x[0-9a-f]+|\d+)", line)
        if m:
            cur[keys[m.group(1)]] = int(m.group(2), 0)
        m = re.match(r"^\s+cpu: (\d+) count: (\d+) high: (\d+) batch: (\d+)",
                     line)
        if m:
            cur["pcp"][int(m.group(1))] = tuple(int(x) for x in m.groups()[1:])
    return zones


def parse_mm_zones(out):
    zones, cur = {}, None
    for line in out.splitlines():
        m = re.match(r"^zone (\S+)\s+\[mem 0x([0-9a-f]+)-", line)
        if m:
            cur = zones.setdefault(m.group(1), {"pcp": {}})
            cur["start_pfn"] = int(m.group(2), 16) >> K.PAGE_SHIFT
            continue
        if cur is None:
            continue
        for key in ("spanned", "present", "managed", "free", "min", "low",
                    "high"):
            m = re.search(r"\b%s (\d+)" % key, line)
            if m and line.lstrip().startswith(("pages", "marks")):
                cur[key] = int(m.group(1))
        m = re.search(r"lowmem_reserve (\d+)", line)
        if m:
            cur["reserve"] = int(m.group(1))
        if line.lstrip().startswith("per-CPU"):
            batch = int(re.search(r"batch (\d+)", line).group(1))
            for c, n, h in re.findall(r"cpu(\d+) (\d+)/(\d+)", line):
                cur["pcp"][int(c)] = (int(n), int(h), batch)
    return zones


@check("checkpoint/buddyinfo")
def check_buddyinfo(report):
    want = [ln for ln in report["/proc/buddyinfo"]
            if ln.startswith("Node 0, zone")]
    out = cmd("mm-buddyinfo")
    got = [ln for ln in out.splitlines() if ln.startswith("Node 0, zone")]
    if len(want) != K.MAX_NR_ZONES:
        return ["the kernel printed %d buddyinfo lines" % len(want)]
    return ["kernel '%s' != mm-buddyinfo '%s'" % (w, g)
            for w, g in zip(want, got) if w.rstrip() != g.rstrip()] + \
        ([] if len(got) == len(want) else ["mm-buddyinfo printed %d lines"
                                           % len(got)])


@check("checkpoint/zones")
def check_zones(report):
    want = parse_zoneinfo(report["/proc/zoneinfo"])
    got = parse_mm_zones(cmd("mm-zones"))
    bad = []
    if len(want) != K.MAX_NR_ZONES:
        return ["the kernel's zoneinfo has %d zones" % len(want)]
    fields = {"free", "min", "low", "high", "spanned", "present", "managed",
              "reserve", "start_pfn"}
    for name, w in want.items():
        if not fields <= set(w) or not w["pcp"]:
            bad.append("zone %s: the kernel's zoneinfo lacks %s (its layout "
                       "changed?)" % (name, sorted(fields - set(w)) or "pcp"))
        g = got.get(name)
        if g is None:
            bad.append("mm-zones has no zone %s" % name)
            continue
        for key, value in w.items():
            if g.get(key) != value:
                bad.append("zone %s %s: kernel %s, mm-zones %s" %
                           (name, key, value, g.get(key)))
    return bad


@check("checkpoint/free-lists")
def check_free_lists():
    out = cmd("mm-buddyinfo check")
    return [] if "check: every free list is consistent" in out else \
        ["mm-buddyinfo check: " + out.strip().splitlines()[-1]]


def first_free_block(zi):
    """(order, pfn) of the first block on the highest non-empty free list
    of zone zi, or None."""
    mm = kmem.MemMap()
    z = kmem.zones()[zi]
    for o in reversed(range(K.MAX_ORDER)):
        area = z["free_area"][o]
        if int(area["nr_free"]):
            pg = next(kmem.list_entries(area["free_list"], mm.t, "lru", 2))
            return o, mm.pfn_of(pg)
    return None


@check("checkpoint/mm-page")
def check_mm_page():
    bad = []
    for zi in range(K.MAX_NR_ZONES):
        blk = first_free_block(zi)
        if blk is None:
            continue
        order, pfn = blk
        out = cmd("mm-page pfn=0x%x" % pfn)
        if "free block of order %d" % order not in out:
            bad.append("pfn 0x%x (free_area[%d] head): %s" %
                       (pfn, order, out.strip().splitlines()[-1]))
        if order:
            out = cmd("mm-page 0x%x" % (((pfn + 1) << K.PAGE_SHIFT) + 8))
            if "page 1 inside the free block of order %d at pfn 0x%x" % \
                    (order, pfn) not in out:
                bad.append("pfn 0x%x (tail of a free block): %s" %
                           (pfn + 1, out.strip().splitlines()[-1]))
        v = cmd("print mem_map[0x%x]" % (pfn - kmem.MemMap().start))
        if "pfn 0x%x [buddy] order %d" % (pfn, order) not in v:
            bad.append("pretty-printer of pfn 0x%x: %s" % (pfn, v[:80]))
        out = cmd("print zones[%d]" % zi)
        f = kmem.zones()[zi]
        if "managed %d" % int(f["managed_pages"]) not in out:
            bad.append("pretty-printer of zones[%d]: %s" % (zi, out[:80]))
    out = cmd("mm-page &zones")
    if "(kernel)" not in out:
        bad.append("mm-page &zones does not say reserved (kernel)")
    mm = kmem.MemMap()
    e = cmd_error("mm-page pfn=0x%x" % mm.end)
    if not e or "outside the struct page array" not in e:
        bad.append("mm-page past the end of mem_map: %s" % e)
    e = cmd_error("mm-page kmalloc(1)")
    if not e or "function call" not in e:
        bad.append("mm-page accepted a function call: %s" % e)
    return bad


@check("checkpoint/slabinfo")
def check_slabinfo(report):
    if "/proc/slabinfo" not in report:
        return ["the kernel's report after the self-tests has no '==> "
                "/proc/slabinfo <==' section to compare with (report_mm() "
                "in kernel/main.c, or mm_report(), must print slab_report())"]
    want = [ln for ln in report["/proc/slabinfo"]
            if " : tunables " in ln and not ln.startswith("#")]
    out = cmd("mm-slabinfo")
    got = [ln for ln in out.splitlines()
           if " : tunables " in ln and not ln.startswith("#")]
    bad = []
    if not want:
        bad.append("the kernel's slabinfo lists no cache")
    if len(want) != len(got):
        bad.append("the kernel lists %d caches, mm-slabinfo %d" %
                   (len(want), len(got)))
    bad += ["kernel '%s' != mm-slabinfo '%s'" % (w, g)
            for w, g in zip(want, got) if w.rstrip() != g.rstrip()]
    return bad


@check("checkpoint/mm-cache")
def check_caches():
    """Every cache walked: objects live + in magazines = the cache's count,
    no problem reported; mm-page agrees on one object of each state; the
    struct kmem_cache pretty-printer shows the same counts."""
    bad, seen_states = [], set()
    for c in slabview.caches():
        out = cmd("mm-cache 0x%x" % int(c))
        for line in out.splitlines():
            if "problem" in line:
                bad.append("%s: %s" % (slabview.name_of(c), line.strip()))
        m = re.search(r"^total: (\d+) live, (\d+) in magazines, (\d+) free "
                      r"on slabs; the cache counts (\d+) in use", out, re.M)
        if not m:
            bad.append("mm-cache %s printed no total" % slabview.name_of(c))
            continue
        live, mag, free, count = (int(x) for x in m.groups())
        if live + mag != count:
            bad.append("%s: live %d + magazines %d != %d" %
                       (slabview.name_of(c), live, mag, count))
        bad += check_objects(c, seen_states)
        p = gdb.execute("print *(struct kmem_cache *)0x%x" % int(c),
                        to_string=True)
        if "kmem_cache %s: " % slabview.name_of(c) not in p or \
                "%d/%d in use" % (count, live + mag + free) not in p:
            bad.append("pretty-printer of %s: %s" % (slabview.name_of(c),
                                                      p[:100]))
    return bad


def check_objects(c, seen_states):
    """mm-page on the first object of each state not yet checked."""
    bad = []
    mm = kmem.MemMap()
    g = slabview.Geometry(c)
    mags = slabview.magazines(c, g)
    for lname, pg, pfn in slabview.slabs(c, mm):
        if pg is None:
            continue
        base = kmem.phys_to_virt(pfn << K.PAGE_SHIFT)
        st = slabview.SlabState(g, pg, base, mags)
        for state, idx, want in (
                ("live", st.live, "live (allocated"),
                ("free", st.free, "free, on the slab's freelist"),
                ("magazine", list(st.mag), "'s magazine (free)")):
            if state in seen_states or not idx:
                continue
            seen_states.add(state)
            out = cmd("mm-page 0x%x" % (g.obj(base, idx[0]) + 1))
            if "+0x1 into object #%d" % idx[0] not in out or want not in out \
                    or "slab of cache %s" % slabview.name_of(c) not in out:
                bad.append("mm-page of a %s object: %s" %
                           (state, " / ".join(out.splitlines()[-2:])))
    return bad


@check("checkpoint/txn")
def check_txn_report(report):
    if "transactions" not in report:
        return ["the kernel's report after the self-tests has no '==> "
                "transactions <==' section (it must print mm_txn_report())"]
    want = [ln for ln in report["transactions"] if ln.startswith("txn:")]
    out = cmd("mm-txn")
    got = [ln for ln in out.splitlines() if ln.startswith("txn:")]
    bad = []
    if len([w for w in want if not w.startswith("txn: hart")]) != 2:
        bad.append("the kernel's transactions section lacks its two "
                   "totals lines")
    open_harts = [w for w in want if w.startswith("txn: hart")]
    if len(open_harts) != len(re.findall(r"^hart \d+: ", out, re.M)):
        bad.append("the kernel shows %d harts with open transactions, "
                   "mm-txn %d" % (len(open_harts),
                                  len(re.findall(r"^hart ", out, re.M))))
    totals = [w for w in want if not w.startswith("txn: hart")]
    bad += ["kernel '%s' != mm-txn '%s'" % (w, g)
            for w, g in zip(totals, got) if w != g]
    return bad


@check("checkpoint/heaps")
def check_heaps(report):
    if "heaps" not in report:
        return ["the kernel's report after the self-tests has no '==> heaps "
                "<==' section (it must print heap_report())"]
    want = [ln for ln in report["heaps"] if ln.strip()]
    out = cmd("mm-heap")
    got = out.splitlines()[1:]
    bad = []
    if len(want) < 2:
        bad.append("the kernel's heaps section lists no heap")
    if [w.rstrip() for w in want] != [g.rstrip() for g in got]:
        bad.append("kernel %s != mm-heap %s" % (want, got))
    for name in [ln.split()[0] for ln in want[1:]]:
        out = cmd("mm-heap %s" % name)
        if "every invariant holds" not in out:
            bad.append("mm-heap %s: %s" % (name, out.splitlines()[-1]))
    return bad


@check("checkpoint/kmalloc")
def check_kmalloc(report):
    if "kmalloc" not in report:
        return ["the kernel's report after the self-tests has no '==> "
                "kmalloc <==' section (it must print kmalloc_report())"]
    want = [ln.rstrip() for ln in report["kmalloc"]
            if ln.startswith("kmalloc:")]
    got = [ln.rstrip() for ln in cmd("mm-kmalloc").splitlines()
           if ln.startswith("kmalloc:")]
    bad = []
    if len(want) < K.get("KMALLOC_NR_ROWS") + 2:
        bad.append("the kernel's kmalloc section has %d lines" % len(want))
    if len(want) != len(got):
        bad.append("the kernel printed %d kmalloc lines, mm-kmalloc %d" %
                   (len(want), len(got)))
    return bad + ["kernel '%s' != mm-kmalloc '%s'" % (w, g)
                  for w, g in zip(want, got) if w != g]


@check("checkpoint/health")
def check_health_report(report):
    """mm-health's three sections equal the kernel's report's meminfo,
    unusable_index and health sections."""
    out = cmd("mm-health")
    mine, cur = {}, None
    for line in out.splitlines():
        m = re.match(r"^==> (.*) <==$", line)
        if m:
            cur = mine.setdefault(m.group(1), [])
        elif cur is not None:
            cur.append(line.rstrip())
    bad = []
    for theirs, ours in (("/proc/meminfo", "meminfo"),
                         ("/sys/kernel/debug/extfrag/unusable_index",
                          "unusable free space index"),
                         ("health", "health")):
        if theirs not in report:
            bad.append("the kernel's report has no '==> %s <==' section" %
                       theirs)
            continue
        want = [ln.rstrip() for ln in report[theirs] if ln.strip()]
        got = mine.get(ours, [])
        if not want or want != got:
            bad.append("%s: kernel %s != mm-health %s" % (theirs, want, got))
    return bad
