# SPDX-License-Identifier: MIT
"""mm-health: the health figures and verdict, computed from the structures.

mm/health.c judges each zone (free pages against the watermarks, Linux's
unusable free space index at MM_FRAG_ORDER, the failure rate over a
recent window of attempts) and the allocators (validator failures, slab
corruption reports, refused frees since the baseline).  This module does
the same from memory alone, without calling mm_health_get() (which takes
a lock and moves the failure-rate window): the window is read from the
snapshot ring zone_window[] as window_update() reads it, without pushing.
The thresholds come from mm/health.h, RW_SLOTS from mm/health.c, through
the generated constants.
"""
import gdb

from . import consts as K
from . import kmem
from . import slabview


def health_sym(name):
    return kmem.sym(name, "mm/health.c: the health checker is not in this "
                    "kernel", file_suffix="mm/health.c")


def names(table, n):
    """Strings of a static const char *table[] of mm/health.c."""
    t = health_sym(table)
    return [t[i].string() if int(t[i]) else "?" for i in range(n)]


def permille(a, b):
    return a * 1000 // b if b else 0


def unusable_index(nr_free, order):
    """Linux's unusable_free_index() in 1/1000 (mm_unusable_index())."""
    free = sum(n << o for o, n in enumerate(nr_free))
    suitable = sum(n << o for o, n in enumerate(nr_free) if o >= order)
    return 1000 if not free else (free - suitable) * 1000 // free


def zone_counts(z, zi):
    """allocs + fails, fails of zone z as mm_stats_zone() counts them
    (injected failures left out of fails)."""
    injected = kmem.sym("page_injected", file_suffix="mm/stats.c")[zi]
    allocs = fails = 0
    for o in range(K.MAX_ORDER):
        allocs += int(z["nr_alloc"][o])
        nf, inj = int(z["nr_fail"][o]), int(injected[o])
        fails += nf - inj if nf > inj else 0
    allocs += sum(int(z["pcp"][c]["nr_alloc"]) for c in range(K.NR_CPUS))
    return allocs + fails, fails


def window(zi, a, f):
    """(attempts, failures, rate in 1/10000) of the window ending now, as
    window_update() computes it (its snapshot push is left out)."""
    w = health_sym("zone_window")[zi]
    slots = K.C.LOCAL["mm/health.c"]["RW_SLOTS"]
    n, newest = int(w["n"]), int(w["newest"])
    if n == 0:  # the boot baseline (0, 0)
        aa, ff, n, newest = [0] * slots, [0] * slots, 1, 0
    else:
        aa = [int(w["a"][i]) for i in range(slots)]
        ff = [int(w["f"][i]) for i in range(slots)]
    pick = (newest + slots - (n - 1)) % slots
    for k in range(n):
        idx = (newest + slots - k) % slots
        if a - aa[idx] >= K.get("MM_RATE_WINDOW"):
            pick = idx
            break
    att, fail = a - aa[pick], f - ff[pick]
    return att, fail, fail * 10000 // att if att else 0


class Health:
    """mm_health_get()'s figures, verdicts and reasons."""

    def __init__(self):
        kmem.ctype("struct mm_health", "mm/health.h",
                   fields=("verdict", "zone", "reason"))
        self.vnames = names("verdict_names", 3)
        self.snames = names("subject_names", K.get("MM_NR_SUBJECTS"))
        self.subject = [0] * K.get("MM_NR_SUBJECTS")
        self.reasons, self.cut = [], False
        zs = kmem.zones()
        self.zones = [self.eval_zone(zs[i], i) for i in range(
            K.MAX_NR_ZONES)]
        self.eval_allocators()
        self.verdict = max(self.subject)

    def add_reason(self, s, level, text):
        self.subject[s] = max(self.subject[s], level)
        if len(self.reasons) == K.get("MM_HEALTH_MAX_REASONS"):
            self.cut = True
            return
        self.reasons.append((s, level, text[:K.get("MM_REASON_LEN") - 1]))

    def eval_zone(self, z, zi):
        managed = int(z["managed_pages"])
        buddy = int(z["free_pages"])
        free = buddy + kmem.zone_pcp_count(z)
        nr_free = [int(z["free_area"][o]["nr_free"])
                   for o in range(K.MAX_ORDER)]
        zh = {"name": kmem.zone_name(z), "managed": managed, "free": free,
              "buddy": buddy, "free_pm": permille(free, managed),
              "usage_pm": 1000 - permille(free, managed) if managed else 0,
              "largest": max([o for o, n in enumerate(nr_free) if n],
                             default=-1),
              "unusable": [unusable_index(nr_free, o)
                           for o in range(K.MAX_ORDER)],
              "below_low": bool(int(z["below_low"])),
              "low_events": int(z["wm_low_events"]),
              "refusals": int(z["wm_refusals"]), "verdict": 0}
        zh["fail"] = window(zi, *zone_counts(z, zi))
        self.subject[zi] = 0
        if managed:
            self.judge_zone(z, zi, zh)
            zh["verdict"] = self.subject[zi]
        return zh

    def judge_zone(self, z, zi, zh):
        w = z["wmark"]
        lo, mid, hi = (int(w[K.get(n)]) for n in
                       ("WMARK_MIN", "WMARK_LOW", "WMARK_HIGH"))
        pm, buddy = permille(zh["buddy"], zh["managed"]), zh["buddy"]
        crit, degr = K.get("MM_CRITICAL"), K.get("MM_DEGRADED")
        if buddy < lo:
            self.add_reason(zi, crit, "free %d.%d%% below min watermark (%d"
                            " < %d pages)" % (pm // 10, pm % 10, buddy, lo))
        elif buddy < mid:
            self.add_reason(zi, degr, "free %d.%d%% below low watermark (%d"
                            " < %d pages)" % (pm // 10, pm % 10, buddy, mid))
        elif zh["below_low"]:
            self.add_reason(zi, degr, "free %d.%d%% not yet back above high"
                            " watermark (%d < %d pages)" %
                            (pm // 10, pm % 10, buddy, hi))
        order, limit = K.get("MM_FRAG_ORDER"), K.get("MM_FRAG_LIMIT")
        u = zh["unusable"][order]
        if buddy >= hi and u > limit:
            self.add_reason(zi, degr, "order-%d unusable free space index "
                            "%d.%03d > %d.%03d (largest free block order %d)"
                            % (order, u // 1000, u % 1000, limit // 1000,
                               limit % 1000, zh["largest"]))
        att, fail, rate = zh["fail"]
        if att >= K.get("MM_RATE_MIN") and rate > K.get("MM_FAIL_LIMIT_BP"):
            self.add_reason(zi, degr, "failure rate %d.%02d%% over the last "
                            "%d attempts (%d failed)" %
                            (rate // 100, rate % 100, att, fail))

    def eval_allocators(self):
        s = K.get("MM_SUBJ_ALLOCATORS")
        self.subject[s] = 0
        total, self.corrupt_total = damage_totals()
        self.bad_total = total
        self.bad = total - min(int(health_sym("bad_free_base")), total)
        self.vfailed = bool(int(health_sym("validate_failed")))
        self.vfailures = int(health_sym("validate_failures"))
        base = min(int(health_sym("corrupt_base")), self.corrupt_total)
        self.corrupt = self.corrupt_total - base
        if self.vfailed:
            n = self.vfailures
            self.add_reason(s, K.get("MM_CRITICAL"), "corruption: "
                            "mm_validate() failed (%d time%s since boot)" %
                            (n, "" if n == 1 else "s"))
        if self.corrupt:
            self.add_reason(s, K.get("MM_CRITICAL"), "corruption: %d report%s"
                            " from the allocators' checks (%d since boot)" %
                            (self.corrupt, "" if self.corrupt == 1 else "s",
                             self.corrupt_total))
        if self.bad:
            self.add_reason(s, K.get("MM_DEGRADED"), "%d bad free%s refused "
                            "(%d since boot)" % (self.bad, "" if self.bad ==
                                                 1 else "s", total))
        self.eval_txn_faults(s)

    def eval_txn_faults(self, s):
        """Transactions (misuse, frees that could not be deferred, open
        now) and fault injection (armed, failures injected), as
        mm_stats_get() gathers them and judge_txn() judges them."""
        self.txn_open = self.txn_misuse_total = self.txn_lost_total = 0
        if kmem.has_symbol("txn_cpus"):
            cpus = kmem.sym("txn_cpus")
            for c in iter_array(cpus):
                st = c["st"]
                self.txn_open += int(c["depth"])
                self.txn_misuse_total += int(st["misuse"]) + \
                    int(st["leftovers"])
                self.txn_lost_total += int(st["lost"])
        self.txn_misuse = self.txn_misuse_total - int(
            health_sym("misuse_base"))
        self.txn_lost = self.txn_lost_total - int(health_sym("lost_base"))
        self.fault_armed = self.injected = 0
        if kmem.has_symbol("fstats", "mm/fault.c"):
            self.fault_armed = bool(int(kmem.sym(
                "fault", file_suffix="mm/fault.c")["armed"]))
            self.injected = int(kmem.sym(
                "fstats", file_suffix="mm/fault.c")["injected_total"])
        degr = K.get("MM_DEGRADED")
        if self.txn_lost:
            self.add_reason(s, degr, "%d free%s in transactions could not be "
                            "deferred (an abort cannot restore them)" %
                            (self.txn_lost, "" if self.txn_lost == 1
                             else "s"))
        if self.txn_misuse:
            self.add_reason(s, degr, "%d transaction misuse%s reported (%d "
                            "since boot)" % (self.txn_misuse, "" if
                                             self.txn_misuse == 1 else "s",
                                             self.txn_misuse_total))

    def lines(self):
        """mm_report_health()'s lines."""
        v = self.vnames
        out = ["verdict: %s" % v[self.verdict]]
        for zi, zh in enumerate(self.zones):
            if not zh["managed"]:
                out.append("%-12s empty" % self.snames[zi])
                continue
            order = K.get("MM_FRAG_ORDER")
            u, (att, fail, rate) = zh["unusable"][order], zh["fail"]
            out.append("%-12s %-8s free %d.%d%% used %d.%d%% largest order "
                       "%d unusable(%d) %d.%03d failures %d.%02d%% (%d/%d) "
                       "low-watermark events %d refused %d" %
                       (self.snames[zi], v[zh["verdict"]],
                        zh["free_pm"] // 10, zh["free_pm"] % 10,
                        zh["usage_pm"] // 10, zh["usage_pm"] % 10,
                        zh["largest"], order, u // 1000, u % 1000,
                        rate // 100, rate % 100, fail, att,
                        zh["low_events"], zh["refusals"]))
        s = K.get("MM_SUBJ_ALLOCATORS")
        out.append("%-12s %-8s bad frees %d (%d since boot) corruption "
                   "reports %d (%d since boot) validator failures %d%s" %
                   (self.snames[s], v[self.subject[s]], self.bad,
                    self.bad_total, self.corrupt, self.corrupt_total,
                    self.vfailures, " (last one failed)" if self.vfailed
                    else ""))
        out.append("%-12s %d open; misuse %d (%d since boot); frees not "
                   "deferred %d (%d since boot)" %
                   ("transactions", self.txn_open, self.txn_misuse,
                    self.txn_misuse_total, self.txn_lost,
                    self.txn_lost_total))
        out.append("%-12s %s; %d failure%s injected since boot (not judged)"
                   % ("faults", "armed" if self.fault_armed else "off",
                      self.injected, "" if self.injected == 1 else "s"))
        out += ["reason: %s: %s: %s" % (self.snames[sub], v[lvl], text)
                for sub, lvl, text in self.reasons]
        if self.cut:
            out.append("reason: (more reasons than %d)" %
                       K.get("MM_HEALTH_MAX_REASONS"))
        return out

    def unusable_lines(self):
        """mm_report_unusable()'s lines."""
        out = []
        for zh in self.zones:
            out.append("Node 0, zone %8s " % zh["name"] +
                       "".join("%d.%03d " % (u // 1000, u % 1000)
                               for u in zh["unusable"]) +
                       (" (empty)" if not zh["managed"] else ""))
        return out


def iter_array(a):
    return (a[i] for i in range(a.type.range()[1] + 1))


def kmalloc_caches():
    """Addresses of the caches kmalloc serves from (km_caches[][] and the
    zero-size cache): their refused frees are kmalloc's (mm/stats.c)."""
    if not kmem.has_symbol("km_caches"):
        return set()
    out = {int(kmem.sym("km_zero_cache"))}
    for row in iter_array(kmem.sym("km_caches")):
        out |= {int(c) for c in iter_array(row)}
    return out - {0}


def damage_totals():
    """(refused frees, corruption reports) since boot over every
    allocator, each counted once, as mm_stats_get() sums them into
    bad_frees and corrupt."""
    bad = sum(int(x) for x in iter_array(kmem.sym("page_alloc_bad_frees")))
    bad += sum(int(x) for x in iter_array(kmem.sym("slab_bad_frees")))
    owned = kmalloc_caches()
    corrupt = 0
    for c in slabview.caches():
        corrupt += int(c["kc_nr_corrupt"])
        if int(c) in owned:
            bad -= sum(int(x) for x in iter_array(c["kc_nr_bad_free"]))
    if kmem.has_symbol("km_slow"):
        slow = kmem.sym("km_slow")
        bad += sum(int(x) for x in iter_array(slow["bad_mode"]))
        corrupt += sum(int(slow[f]) for f in ("redzone_errors",
                                              "poison_errors",
                                              "zero_errors"))
    if kmem.has_symbol("heaps", "mm/heap.c"):
        from . import cmd_heap
        bad += sum(int(h["hp_nr_bad_free"]) for h in cmd_heap.heaps())
    bad += other_bad_frees()
    return bad, corrupt


# The other allocators' lists (mm_stats.other_bad_frees): list variable,
# its file, the element type, the list member, the refused-free counter.
OTHER_LISTS = (
    ("pools", "mm/pool.c", "struct k_mem_slab", "ms_node", "ms_nr_bad_free"),
    ("arenas", "mm/arena.c", "struct arena", "ar_node", "ar_nr_bad_reset"),
    ("mempools", "mm/mempool.c", "mempool_t", "mp_node", "mp_nr_bad_free"),
    ("dma_pools", "mm/dma.c", "struct dma_pool", "dp_node",
     "dp_nr_bad_free"),
)


def other_bad_frees():
    """Refused frees of the pools, arenas (resets), mempools and DMA
    buffers and pools, as pool_bad_frees_total() & co. sum them."""
    bad = 0
    for name, cfile, tname, member, field in OTHER_LISTS:
        if not kmem.has_symbol(name, cfile):
            continue
        head = kmem.sym(name, cfile, file_suffix=cfile)
        try:
            for e in kmem.list_entries(head, gdb.lookup_type(tname),
                                       member, 4096):
                bad += int(e[field])
        except kmem.ListBroken as e:
            raise gdb.GdbError("rvmm: the list %s is broken (%s)" %
                               (name, e))
    if kmem.has_symbol("dma_nr_bad_free", "mm/dma.c"):
        bad += int(kmem.sym("dma_nr_bad_free", file_suffix="mm/dma.c"))
    return bad


def meminfo_lines():
    """mm_report_meminfo()'s lines (pages in kB, as Linux's meminfo)."""
    zs = kmem.zones()
    tot = {"managed": 0, "free": 0, "used": 0, "peak": 0, "pcp": 0,
           "reserved": 0}
    per = []
    for i in range(K.MAX_NR_ZONES):
        z = zs[i]
        managed, pcp = int(z["managed_pages"]), kmem.zone_pcp_count(z)
        free = int(z["free_pages"]) + pcp
        used = managed - free if managed > free else 0
        low = int(z["min_free_seen"])
        peak = max(managed - low if managed > low else 0, used)
        for k, v in (("managed", managed), ("free", free), ("used", used),
                     ("peak", peak), ("pcp", pcp),
                     ("reserved", int(z["present_pages"]) - managed)):
            tot[k] += v
        per.append((managed, free))
    slab = 0
    for c in slabview.caches():
        f = slabview.cache_figures(c, [])
        slab += f["slabs"] * f["pages"]

    def kb(label, pages):
        return "%-16s%8d kB" % (label, pages << (K.PAGE_SHIFT - 10))
    out = [kb("MemTotal:", tot["managed"]), kb("MemFree:", tot["free"]),
           kb("MemUsed:", tot["used"]), kb("MemPeakUsed:", tot["peak"]),
           kb("PerCPULists:", tot["pcp"]), kb("Reserved:", tot["reserved"]),
           kb("Slab:", slab)]
    for i, name in enumerate(("DMA", "Normal")[:K.MAX_NR_ZONES]):
        out += [kb("%sTotal:" % name, per[i][0]),
                kb("%sFree:" % name, per[i][1])]
    return out


class MmHealth(gdb.Command):
    """The health figures and verdict, computed from the structures.

Usage: mm-health

The meminfo figures; each zone's unusable free space index per order
(Linux's /sys/kernel/debug/extfrag/unusable_index); then the verdict: per
zone its free and used share, largest free block, the order-MM_FRAG_ORDER
unusable index, the failure rate over the recent window, watermark
events; for the allocators the refused frees and corruption reports since
the baseline and the validator's failures; transactions (open, misuse,
frees that could not be deferred) and fault injection; and every reason,
as the kernel's mm_report_health() prints them.  Nothing is called or updated:
the failure-rate window is read as the kernel would read it now."""

    NAME = "mm-health"

    def __init__(self):
        super().__init__(self.NAME, gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        kmem.require_mm(self.NAME)
        if arg.strip():
            raise gdb.GdbError("mm-health takes no argument")
        h = Health()
        gdb.write("health seen from %s\n" % kmem.where_str())
        gdb.write("==> meminfo <==\n")
        for line in meminfo_lines():
            gdb.write(line + "\n")
        gdb.write("==> unusable free space index <==\n")
        for line in h.unusable_lines():
            gdb.write(line + "\n")
        gdb.write("==> health <==\n")
        for line in h.lines():
            gdb.write(line + "\n")
