# SPDX-License-Identifier: MIT
"""The stops of tests/gdb before the checkpoint: places in the middle of
the self-tests (a fast path on another hart, an open transaction, a heap
in use, the leak report, an unhealthy verdict) where the commands must
work and agree with what the kernel holds or prints."""
import re

import gdb

from rvmm import consts as K
from rvmm import kmem
from rvmm import slabview

from .common import check, cmd, console_since, console_size

# ---- a stop on another hart -------------------------------------------------------

STOPS = []
# A window's fast-path hits on cpu 0 tolerated before it is closed early.
WINDOW_LIMIT = 200
# Windows opened per worker function and test case: a test that calls
# arch_run_on_all_cpus() in a loop of small rounds is not watched forever.
WINDOW_TRIES = 3


def on_stop(event):
    STOPS.append([bp.number for bp in getattr(event, "breakpoints", [])])


def continue_to_stop():
    """Continue; the numbers of the breakpoints that stopped the target."""
    del STOPS[:]
    gdb.execute("continue", to_string=True)
    return STOPS[-1] if STOPS else []


class Hunt:
    """A place to stop before the checkpoint: a breakpoint location, a
    predicate ready(cpu) saying whether this hit is a good one (returning
    what the check needs, or something false to go on), and the check to
    run there: check(cpu, what) reports PASS or FAIL (given a string
    instead of a cpu: why no stop happened).  other_hart: only on a hart
    that is neither cpu 0 nor hart 0.  windowed: a fast path, armed only
    while arch_run_on_all_cpus() runs (see hunt())."""

    def __init__(self, location, ready, check, other_hart=False,
                 windowed=False):
        self.location, self.ready, self.check = location, ready, check
        self.other_hart, self.windowed = other_hart, windowed
        self.bp = None

    def wants(self, cpu):
        if cpu is None or (self.other_hart and (cpu[0] == 0 or cpu[1] == 0)):
            return None
        return self.ready(cpu[0])


def window_key():
    """Who opens this window: the worker function and the test case
    running (ktest_on_all_cpus() passes every worker through one
    wrapper, so the case tells the callers apart)."""
    try:
        fn = int(gdb.selected_frame().read_var("fn"))
    except ValueError:
        fn = 0
    case = kmem.sym("cur_test", file_suffix="kernel/ktest.c") \
        if kmem.has_symbol("cur_test", "kernel/ktest.c") else 0
    return fn, int(case)


def hunt(stop_bp, hunts):
    """Continue until every hunt has had its stop (and run its check),
    or until stop_bp, failing the hunts not done.

    A breakpoint in a fast path is hit thousands of times on cpu 0, and
    each hit costs a round trip to QEMU, so the windowed breakpoints are
    enabled only while arch_run_on_all_cpus() runs (the tests' way of
    putting every hart to work): from its entry to its return, for at most
    WINDOW_LIMIT unwanted hits, and for at most WINDOW_TRIES calls by the
    same test case with the same worker function.  Which self-test runs first does not matter.
    (Watchpoints on the other harts' per-CPU counters would stop exactly
    there for free, but QEMU 7.2 was seen to hand such a hit to the guest
    as a breakpoint exception under load: not a risk a test may take.)"""
    window = gdb.Breakpoint("arch_run_on_all_cpus", internal=True)
    todo, tries = {}, {}
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
                key = window_key()
                tries[key] = tries.get(key, 0) + 1
                if tries[key] <= WINDOW_TRIES:
                    # (a window left by longjmp never saw its finish)
                    finish_nr = gdb.FinishBreakpoint(
                        gdb.newest_frame(), internal=True).number
                    arm(True)
                    misses = 0
            elif finish_nr in hit:
                finish_nr = None
                arm(False)
            elif mine:
                h = todo[mine[0]]
                what = h.wants(kmem.current_cpu())
                if what:
                    del todo[mine[0]]
                    h.bp.delete()
                    h.check(kmem.current_cpu()[0], what)
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
                     "hart 0" if h.other_hart else ""), None)


def pcp_ready(cpu):
    """cpu's per-CPU list of some zone (the first found) holds pages and
    is not locked: its zone index."""
    zs = kmem.zones()
    for zi in range(K.MAX_NR_ZONES):
        p = zs[zi]["pcp"][cpu]
        if int(p["count"]) and not int(p["pcp_lock"]):
            return (zi,)
    return None


def cache_arg():
    """The cache argument of the __kmem_cache_alloc frame, or None."""
    try:
        return gdb.selected_frame().read_var("c")
    except ValueError:
        return None


def magazine_ready(cpu):
    """The cache being allocated from has objects in cpu's magazine, and
    its cc_lock is free: (cache address,)."""
    c = cache_arg()
    if c is None:
        return None
    cc = c["kc_cpu"][cpu]
    if int(cc["cc_avail"]) > 0 and not int(cc["cc_lock"]):
        return (int(c),)
    return None


@check("other-hart/pages")
def check_other_hart(where, ctx):
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
    # pcp_alloc; another hart touches it only under its pcp_lock, free).
    p = kmem.zones()[ctx[0]]["pcp"][where]
    first = int(p["list"]["next"]) - kmem.offsetof(
        gdb.lookup_type("struct page"), "lru")
    out = cmd("mm-page page=0x%x" % first)
    if "cpu %d's per-CPU list" % where not in out:
        bad.append("mm-page of the first page on cpu %d's list: %s" %
                   (where, out.strip().splitlines()[-1]))
    out = cmd("mm-page _start")
    if "reserved" not in out or "(kernel)" not in out:
        bad.append("mm-page _start does not say reserved (kernel)")
    return bad


@check("other-hart/slab")
def check_other_hart_slab(where, ctx):
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
    # This hart's magazine is stable here (its hart is at the entry of
    # __kmem_cache_alloc; others touch it only under its cc_lock, free).
    c = kmem.ptr(ctx[0], slabview.cache_type()).dereference()
    cc = c["kc_cpu"][where]
    obj = int(cc["cc_objs"][int(cc["cc_avail"]) - 1])
    out = cmd("mm-page 0x%x" % obj)
    if "slab of cache %s" % slabview.name_of(c) not in out or \
            "in cpu %d's magazine" % where not in out:
        bad.append("mm-page of the hottest object of cpu %d's magazine:"
                   " %s" % (where, " / ".join(out.splitlines()[-2:])))
    cmd("mm-cache 0x%x" % ctx[0])  # may see others mid-update: no verdict
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
def check_open_txn(where, ctx):
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
def check_heap_walk(where, ctx):
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


def leaks_ready(cpu):
    return int(kmem.sym("km_nr_tracked", file_suffix="mm/kmalloc_debug.c"))


@check("leaks")
def check_leaks(where, ctx):
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


def health_ready(cpu):
    """mm_health_get() while something is wrong: refused frees since the
    baseline, a failed validator, or a zone below its low watermark."""
    from rvmm import cmd_health as H
    if int(H.health_sym("validate_failed")):
        return True
    zs = kmem.zones()
    return any(int(zs[i]["below_low"]) for i in range(K.MAX_NR_ZONES))


@check("health-verdict")
def check_health_verdict(where, ctx):
    """Stopped at the entry of mm_health_get() while the kernel is not
    healthy: mm-health's verdicts, figures and reasons equal what the
    call then returns in its struct mm_health."""
    if isinstance(where, str):
        return [where]
    from rvmm import cmd_health as H
    mine = H.Health()
    out = cmd("mm-health")
    hp = gdb.selected_frame().read_var("h")
    cmd("finish")
    if gdb.selected_frame().name() == "mm_health_get":
        return ["finish did not return from mm_health_get()"]
    h = hp.dereference()
    bad = []
    if int(h["verdict"]) != mine.verdict:
        bad.append("verdict: kernel %d, mm-health %d" % (int(h["verdict"]),
                                                        mine.verdict))
    subj = [int(h["subject"][i]) for i in range(len(mine.subject))]
    if subj != mine.subject:
        bad.append("subjects: kernel %s, mm-health %s" % (subj,
                                                          mine.subject))
    theirs = [(int(r["subject"]), int(r["level"]), r["text"].string())
              for r in (h["reason"][i] for i in range(int(h["nr_reasons"])))]
    if theirs != mine.reasons:
        bad.append("reasons: kernel %s, mm-health %s" % (theirs,
                                                         mine.reasons))
    if not theirs:
        bad.append("the kernel found no reason: the stop was not useful")
    for zi, zh in enumerate(mine.zones):
        k = h["zone"][zi]
        pairs = [("free_pm", int(k["free_pm"])),
                 ("usage_pm", int(k["usage_pm"])),
                 ("largest", int(k["largest_order"])),
                 ("fail", (int(k["fail"]["attempts"]),
                           int(k["fail"]["failures"]),
                           int(k["fail"]["rate_bp"]))),
                 ("unusable", [int(k["unusable"][o])
                               for o in range(K.MAX_ORDER)])]
        bad += ["zone %d %s: kernel %s, mm-health %s" % (zi, n, v, zh[n])
                for n, v in pairs if zh[n] != v]
    if "verdict: %s" % mine.vnames[mine.verdict] not in out:
        bad.append("mm-health printed no verdict line")
    return bad
