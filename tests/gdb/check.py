# SPDX-License-Identifier: MIT
"""tests/gdb: drive the mm commands against a live kernel (run by run.sh).

Runs inside gdb-multiarch (batch mode), attached to a QEMU halted at reset
with the project's commands loaded (build/gdbinit's recipe).  The console
log's path is in RVMM_CONSOLE.  Prints one "PASS: gdb/<name>" or
"FAIL: gdb/<name>: <reason>" line per check:

  consts      every generated enumerator equals the debug info's value;
              the arrays have the generated sizes
  other-hart  stop in an allocation fast path on a hart other than cpu 0,
              in the middle of the self-tests: the commands work there
  checkpoint  stop at mm_debug_checkpoint() after the self-tests; the
              commands' numbers equal the report the kernel just printed
              (buddyinfo line for line, zoneinfo field by field), the free
              lists check out, mm-page decodes frames whose state is known
              independently, and the pretty-printers show the same
  pending     commands whose structure is not in this kernel yet raise a
              gdb.GdbError naming the missing symbol
"""
import os
import re
import traceback

import gdb

from rvmm import consts as K
from rvmm import kmem

CONSOLE = os.environ.get("RVMM_CONSOLE", "")
# Fast-path hits on cpu 0 tolerated per window before giving up on it.
WINDOW_LIMIT = 400
failures = 0


def report(name, ok, reason=""):
    global failures
    if ok:
        print("PASS: gdb/%s" % name, flush=True)
    else:
        failures += 1
        print("FAIL: gdb/%s: %s" % (name, reason), flush=True)


def check(name):
    """Decorator: run a check; an exception is a FAIL with its reason."""
    def wrap(fn):
        def run(*args):
            try:
                problems = fn(*args)
            except Exception as e:  # noqa: BLE001  (any error is a FAIL)
                traceback.print_exc()
                report(name, False, "%s: %s" % (type(e).__name__, e))
                return False
            report(name, not problems, "; ".join(problems or [])[:600])
            return not problems
        return run
    return wrap


def cmd(line):
    out = gdb.execute(line, to_string=True)
    print("(gdb) %s\n%s" % (line, out), end="")
    return out


def cmd_error(line):
    """The gdb.error message of a command expected to fail, or None."""
    try:
        gdb.execute(line, to_string=True)
    except gdb.error as e:
        print("(gdb) %s\nerror: %s" % (line, e))
        return str(e)
    return None


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


# ---- a stop on another hart -------------------------------------------------------

STOPS = []


def on_stop(event):
    STOPS.append([bp.number for bp in getattr(event, "breakpoints", [])])


def continue_to_stop():
    """Continue; the numbers of the breakpoints that stopped the target."""
    del STOPS[:]
    gdb.execute("continue", to_string=True)
    return STOPS[-1] if STOPS else []


def run_until_other_hart(fast_path, stop_bp):
    """Continue until fast_path is hit on a hart whose cpu id is not 0.

    A breakpoint in a fast path is hit thousands of times on cpu 0, and
    each hit costs a round trip to QEMU, so it is enabled only while
    arch_run_on_all_cpus() runs (the tests' way of putting every hart to
    work), and for at most WINDOW_LIMIT cpu-0 hits per call.  Returns the
    cpu id, or a reason string."""
    window = gdb.Breakpoint("arch_run_on_all_cpus", internal=True)
    fast = gdb.Breakpoint(fast_path, internal=True)
    fast.enabled = False
    finish, finish_nr = None, None
    misses = 0
    gdb.events.stop.connect(on_stop)
    try:
        while True:
            hit = continue_to_stop()
            if stop_bp.number in hit:
                return "reached %s first: no allocation through %s on a " \
                       "hart other than cpu 0" % (stop_bp.location,
                                                  fast_path)
            if window.number in hit:
                finish = gdb.FinishBreakpoint(gdb.newest_frame(),
                                              internal=True)
                finish_nr = finish.number
                fast.enabled, misses = True, 0
            elif finish_nr in hit:
                fast.enabled, finish, finish_nr = False, None, None
            elif fast.number in hit:
                cpu = kmem.current_cpu()
                if cpu and cpu[0] != 0 and cpu[1] != 0:
                    return cpu[0]
                misses += 1
                if misses > WINDOW_LIMIT:
                    fast.enabled = False
            else:
                return "stopped for another reason in %s" % \
                       gdb.selected_frame().name()
    finally:
        gdb.events.stop.disconnect(on_stop)
        for bp in (window, fast, finish):
            if bp is not None and bp.is_valid():
                bp.delete()


@check("other-hart/pages")
def check_other_hart(stop_bp):
    where = run_until_other_hart("pcp_alloc", stop_bp)
    if isinstance(where, str):
        return [where]
    bad = []
    cmd("info threads")
    cmd("bt 3")
    out = cmd("mm-zones")
    if not re.search(r"seen from cpu %d \(hart" % where, out):
        bad.append("mm-zones does not say it runs on cpu %d" % where)
    if len(re.findall(r"^zone ", out, re.M)) != K.MAX_NR_ZONES:
        bad.append("mm-zones did not print every zone")
    out = cmd("mm-buddyinfo")
    if len(re.findall(r"^Node 0, zone", out, re.M)) != K.MAX_NR_ZONES:
        bad.append("mm-buddyinfo did not print every zone")
    cmd("mm-buddyinfo check")  # may see other harts mid-update: no verdict
    # This hart's own per-CPU list is stable here (it is at the entry of
    # pcp_alloc; another hart touches it only under its pcp_lock).
    zs = kmem.zones()
    for zi in range(K.MAX_NR_ZONES):
        p = zs[zi]["pcp"][where]
        if int(p["pcp_lock"]) or not int(p["count"]):
            continue
        first = int(p["list"]["next"]) - kmem.offsetof(
            gdb.lookup_type("struct page"), "lru")
        out = cmd("mm-page page=0x%x" % first)
        if "cpu %d's per-CPU list" % where not in out:
            bad.append("mm-page of the first page on cpu %d's list: %s" %
                       (where, out.strip().splitlines()[-1]))
        break
    out = cmd("mm-page _start")
    if "reserved" not in out or "(kernel)" not in out:
        bad.append("mm-page _start does not say reserved (kernel)")
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


# ---- commands whose structures are missing --------------------------------------

PENDING = [
    # command, what must exist for it to work, how to probe for it
    ("mm-slabinfo", "struct kmem_cache", "type"),
    ("mm-cache kmalloc-64", "struct kmem_cache", "type"),
    ("mm-kmalloc", "kmalloc_class_size", "symbol"),
    ("mm-txn", "struct mm_txn", "type"),
    ("mm-leaks", "kmalloc_leak_report", "symbol"),
    ("mm-health", "struct mm_health", "type"),
    ("mm-heap 0", "struct heap", "type"),
]


def structure_exists(name, kind):
    if kind == "symbol":
        return kmem.has_symbol(name)
    try:
        kmem.ctype(name)
        return True
    except gdb.GdbError:
        return False


@check("pending")
def check_pending():
    bad = []
    for line, needs, kind in PENDING:
        if structure_exists(needs, kind):
            continue  # checked by its own test once it is written
        e = cmd_error(line)
        if e is None:
            bad.append("%s printed output without %s" % (line, needs))
        elif needs not in e:
            bad.append("%s: error does not name %s: %s" % (line, needs, e))
    return bad


def main():
    check_consts()
    stop_bp = gdb.Breakpoint("mm_debug_checkpoint")
    check_other_hart(stop_bp)
    if stop_bp.hit_count == 0:
        gdb.execute("continue", to_string=True)
    if gdb.selected_frame().name() != "mm_debug_checkpoint":
        report("checkpoint", False, "stopped in %s, not at "
               "mm_debug_checkpoint" % gdb.selected_frame().name())
        return
    try:
        sections = kernel_report()
    except (OSError, AssertionError) as e:
        report("checkpoint", False, str(e))
        return
    check_buddyinfo(sections)
    check_zones(sections)
    check_free_lists()
    check_mm_page()
    check_pending()


try:
    main()
except Exception as e:  # noqa: BLE001
    traceback.print_exc()
    report("driver", False, "%s: %s" % (type(e).__name__, e))
print("gdb-check: %d failure%s" % (failures, "" if failures == 1 else "s"))
gdb.execute("kill")
