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
import time
import traceback

import gdb

from rvmm import consts as K
from rvmm import kmem
from rvmm import slabview

CONSOLE = os.environ.get("RVMM_CONSOLE", "")
START = time.time()
# Fast-path hits on cpu 0 tolerated per window before giving up on it.
WINDOW_LIMIT = 400
failures = 0


def report(name, ok, reason=""):
    global failures
    print("# %.1f s since gdb started" % (time.time() - START))
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


class Hunt:
    """A place to stop before the checkpoint: a breakpoint location, a
    predicate ready(cpu) saying whether this hit is a good one, and the
    check to run there (check(cpu) reports PASS or FAIL; given a string,
    the reason why no stop happened).  other_hart: only on a hart that is
    neither cpu 0 nor hart 0.  windowed: a fast path, armed only while
    arch_run_on_all_cpus() runs (see hunt())."""

    def __init__(self, location, ready, check, other_hart=True,
                 windowed=True):
        self.location, self.ready, self.check = location, ready, check
        self.other_hart, self.windowed = other_hart, windowed
        self.bp = None

    def wants(self, cpu):
        if cpu is None or (self.other_hart and (cpu[0] == 0 or cpu[1] == 0)):
            return False
        return self.ready(cpu[0])


def hunt(stop_bp, hunts):
    """Continue until every hunt has had its stop (and run its check),
    or until stop_bp, failing the hunts not done.

    A breakpoint in a fast path is hit thousands of times on cpu 0, and
    each hit costs a round trip to QEMU, so the windowed breakpoints are
    enabled only while arch_run_on_all_cpus() runs (the tests' way of
    putting every hart to work), and for at most WINDOW_LIMIT unwanted
    hits per call.  Which self-test runs first does not matter."""
    window = gdb.Breakpoint("arch_run_on_all_cpus", internal=True)
    todo = {}
    for h in hunts:
        h.bp = gdb.Breakpoint(h.location, internal=True)
        h.bp.enabled = not h.windowed
        todo[h.bp.number] = h

    def arm(on):
        for h in todo.values():
            if h.windowed:
                h.bp.enabled = on

    finish_nr, misses = None, 0
    gdb.events.stop.connect(on_stop)
    try:
        while todo:
            hit = continue_to_stop()
            if stop_bp.number in hit:
                break
            mine = [n for n in hit if n in todo]
            if window.number in hit:
                finish_nr = gdb.FinishBreakpoint(gdb.newest_frame(),
                                                 internal=True).number
                arm(True)
                misses = 0
            elif finish_nr in hit:
                finish_nr = None
                arm(False)
            elif mine:
                h = todo[mine[0]]
                if h.wants(kmem.current_cpu()):
                    del todo[mine[0]]
                    h.bp.delete()
                    h.check(kmem.current_cpu()[0])
                    # no windowed hunt left: stop stopping at the window
                    window.enabled = any(x.windowed for x in todo.values())
                    continue
                if h.windowed:
                    misses += 1
                    if misses > WINDOW_LIMIT:
                        arm(False)
            else:
                break
    finally:
        gdb.events.stop.disconnect(on_stop)
        window.delete()
        try:
            here = gdb.selected_frame().name()
        except gdb.error as e:  # the target is gone
            here = "'%s'" % e
        for h in todo.values():
            h.bp.delete()
            h.check("reached %s first: no good stop in %s%s" %
                    (here, h.location, " on a hart other than cpu 0 and "
                     "hart 0" if h.other_hart else ""))


def pcp_ready(cpu):
    """cpu's per-CPU list of some zone holds pages and is not locked."""
    zs = kmem.zones()
    return any(int(zs[zi]["pcp"][cpu]["count"]) and
               not int(zs[zi]["pcp"][cpu]["pcp_lock"])
               for zi in range(K.MAX_NR_ZONES))


def cache_arg():
    """The cache argument of the __kmem_cache_alloc frame, or None."""
    try:
        return gdb.selected_frame().read_var("c")
    except ValueError:
        return None


def magazine_ready(cpu):
    """The cache being allocated from has objects in cpu's magazine."""
    c = cache_arg()
    if c is None:  # optimised out: take the first stop
        return True
    cc = c["kc_cpu"][cpu]
    return int(cc["cc_avail"]) > 0 and not int(cc["cc_lock"])


@check("other-hart/pages")
def check_other_hart(where):
    """Stopped in the per-CPU page allocation path on cpu `where` (or where
    is the reason why not)."""
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


@check("other-hart/slab")
def check_other_hart_slab(where):
    """Stopped at the entry of __kmem_cache_alloc() on cpu `where`."""
    if isinstance(where, str):
        return [where]
    bad = []
    cmd("bt 3")
    out = cmd("mm-slabinfo")
    if not re.search(r"seen from cpu %d \(hart" % where, out):
        bad.append("mm-slabinfo does not say it runs on cpu %d" % where)
    rows = [ln for ln in out.splitlines()
            if " : tunables " in ln and not ln.startswith("#")]
    if len(rows) != len(slabview.caches()):
        bad.append("mm-slabinfo printed %d caches of %d" %
                   (len(rows), len(slabview.caches())))
    # The cache being allocated from: this hart's magazine is stable here
    # (its hart is at the entry of __kmem_cache_alloc; others touch it only
    # under its cc_lock).
    c = cache_arg()
    if c is None:  # optimised out: any cache will do
        c = slabview.caches()[0]
    cc = c["kc_cpu"][where]
    if not int(cc["cc_lock"]) and int(cc["cc_avail"]):
        obj = int(cc["cc_objs"][int(cc["cc_avail"]) - 1])
        out = cmd("mm-page 0x%x" % obj)
        if "slab of cache %s" % slabview.name_of(c) not in out or \
                "in cpu %d's magazine" % where not in out:
            bad.append("mm-page of the hottest object of cpu %d's magazine:"
                       " %s" % (where, " / ".join(out.splitlines()[-2:])))
    else:
        out = cmd("mm-page 0x%x" % int(c))
        if "slab of cache" not in out and "reserved" not in out:
            bad.append("mm-page of the cache itself: %s" %
                       out.splitlines()[-1])
    cmd("mm-cache 0x%x" % int(c))  # may see others mid-update: no verdict
    return bad


def txn_log(cpu):
    """(depth, log length) of cpu's transaction log, read directly."""
    tc = gdb.parse_and_eval("txn_cpus")[cpu]
    tail = tc["tail"]
    n = int(tail["ts_base"]) + int(tail["ts_nr"]) if int(tail) else 0
    return int(tc["depth"]), n, int(tc["lock"])


def txn_ready(cpu):
    """A nested transaction with a few entries, its log not locked."""
    depth, n, lock = txn_log(cpu)
    return depth >= 2 and n >= 3 and not lock


@check("open-txn")
def check_open_txn(where):
    """Stopped in mm_txn_commit() with nested transactions open: mm-txn
    lists every level and every entry of the log, and each logged object
    is still allocated."""
    if isinstance(where, str):
        return [where]
    bad = []
    depth, n, _ = txn_log(where)
    cmd("bt 2")
    out = cmd("mm-txn")
    m = re.search(r"^hart %d: (\d+) open, log (\d+) entries" % where, out,
                  re.M)
    if not m or (int(m.group(1)), int(m.group(2))) != (depth, n):
        bad.append("mm-txn does not show hart %d with %d open, %d entries"
                   % (where, depth, n))
    levels = re.findall(r"^  level \d+ ", out, re.M)
    entries = re.findall(r"^    #\d+ ", out, re.M)
    if len(levels) != depth or len(entries) != n:
        bad.append("mm-txn listed %d levels and %d entries, the log has %d "
                   "and %d" % (len(levels), len(entries), depth, n))
    bad += ["logged object not allocated: " + ln.strip()
            for ln in out.splitlines() if "!!" in ln]
    return bad


def heap_arg():
    try:
        return gdb.selected_frame().read_var("h")
    except ValueError:
        return None


def heap_ready(cpu):
    """k_heap_free() on a heap with a few used blocks, its lock free."""
    h = heap_arg()
    return h is not None and int(h) and \
        int(h["hp_nr_alloc"]) - int(h["hp_nr_free"]) >= 4 and \
        not int(h["hp_lock"]["sl_locked"])


@check("heap-walk")
def check_heap_walk(where):
    """Stopped in k_heap_free() on a heap in use: mm-heap walks it with
    every invariant holding and as many used blocks as allocations minus
    frees; mm-page places the block being freed in it."""
    if isinstance(where, str):
        return [where]
    bad = []
    h = heap_arg()
    cmd("bt 2")
    out = cmd("mm-heap 0x%x" % int(h))
    live = int(h["hp_nr_alloc"]) - int(h["hp_nr_free"])
    m = re.search(r"^(\d+) blocks \((\d+) used, (\d+) free\), (.*)$", out,
                  re.M)
    if not m:
        return ["mm-heap printed no summary"]
    if int(m.group(2)) != live:
        bad.append("mm-heap found %s used blocks, the heap counts %d" %
                   (m.group(2), live))
    if m.group(4) != "every invariant holds":
        bad.append("mm-heap: " + "; ".join(
            ln for ln in out.splitlines() if ln.startswith("problem")))
    mem = int(gdb.selected_frame().read_var("mem"))
    out = cmd("mm-page 0x%x" % mem)
    if "the start of the payload of the used block 0x%x" % (mem - K.get(
            "TLSF_HDR")) not in out:
        bad.append("mm-page of the block being freed: " +
                   out.strip().splitlines()[-1])
    return bad


def console_size():
    return os.path.getsize(CONSOLE)


def console_since(offset):
    with open(CONSOLE, errors="replace") as f:
        f.seek(offset)
        return f.read().replace("\r", "")


def leaks_ready(cpu):
    return int(kmem.sym("km_nr_tracked", file_suffix="mm/kmalloc_debug.c"))


@check("leaks")
def check_leaks(where):
    """Stopped at the entry of kmalloc_leak_report() with tracked blocks:
    mm-leaks prints what the kernel then prints (sites without the
    function size the kernel's %pS adds)."""
    if isinstance(where, str):
        return [where]
    out = cmd("mm-leaks")
    got = [ln for ln in out.splitlines() if ln.startswith("kmalloc:")]
    start = console_size()
    cmd("finish")
    if gdb.selected_frame().name() == "kmalloc_leak_report":
        return ["finish did not return from kmalloc_leak_report()"]
    printed = console_since(start).splitlines()
    want = [re.sub(r"(\+0x[0-9a-f]+)/0x[0-9a-f]+$", r"\1", ln.rstrip())
            for ln in printed if ln.startswith("kmalloc:")][:len(got)]
    if len(got) < 4:
        return ["mm-leaks printed %d lines" % len(got)]
    return ["kernel '%s' != mm-leaks '%s'" % (w, g)
            for w, g in zip(want, got) if w != g] + \
        ([] if len(want) == len(got) else
         ["the kernel printed %d lines, mm-leaks %d" % (len(want), len(got))])


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
    no problem reported; mm-page agrees on one object of each state."""
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


# ---- commands whose structures are missing --------------------------------------

PENDING = [
    # command, what must exist for it to work, how to probe for it
    ("mm-slabinfo", "struct kmem_cache", "type"),
    ("mm-cache kmalloc-64", "struct kmem_cache", "type"),
    ("mm-kmalloc", "kmalloc_class_size", "symbol"),
    ("mm-txn", "struct mm_txn", "type"),
    ("mm-leaks", "struct km_track", "type"),
    ("mm-health", "struct mm_health", "type"),
    ("mm-heap 0", "struct k_heap", "type"),
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
    slab = structure_exists("struct kmem_cache", "type")
    hunts = [Hunt("pcp_alloc", pcp_ready, check_other_hart)]
    if slab:
        hunts.append(Hunt("__kmem_cache_alloc", magazine_ready,
                          check_other_hart_slab))
    if structure_exists("struct mm_txn", "type"):
        hunts.append(Hunt("mm_txn_commit", txn_ready, check_open_txn,
                          other_hart=False, windowed=False))
    if structure_exists("struct k_heap", "type"):
        hunts.append(Hunt("k_heap_free", heap_ready, check_heap_walk,
                          other_hart=False, windowed=False))
    if structure_exists("struct km_track", "type"):
        hunts.append(Hunt("kmalloc_leak_report", leaks_ready, check_leaks,
                          other_hart=False, windowed=False))
    hunt(stop_bp, hunts)
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
    if slab:
        check_slabinfo(sections)
        check_caches()
    if structure_exists("struct mm_txn", "type"):
        check_txn_report(sections)
    if structure_exists("struct k_heap", "type"):
        check_heaps(sections)
    if structure_exists("kmalloc_class_size", "symbol"):
        check_kmalloc(sections)
    check_pending()


try:
    main()
except Exception as e:  # noqa: BLE001
    traceback.print_exc()
    report("driver", False, "%s: %s" % (type(e).__name__, e))
print("gdb-check: %d failure%s" % (failures, "" if failures == 1 else "s"))
gdb.execute("kill")
