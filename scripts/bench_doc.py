# SPDX-License-Identifier: MIT
"""docs/bench.md's figures and tables, generated from docs/bench/*.csv.

`bench.py report` copies the last run's CSVs to docs/bench/ and fills the
markers of docs/bench.md from them; `bench.py check-doc` (the docs test
group) checks, without running anything, that every marker still equals
what those CSVs say.  docs/bench.md ("Generated figures") explains the
markers:

    <!-- fig: bench:EXPR -->VALUE<!-- /fig -->

    <!-- bench-table: NAME -->
    | ... |
    <!-- /bench-table -->

EXPR is one of
    NAME.FIELD[@Q]        one figure of kernel.csv: FIELD is median or max;
                          Q a -march (rv64imac, the default; rv64imac_zbb)
                          or a config (micro, scale, init-1G, ...)
    REF/REF               the ratio of two figures (one decimal; two digits
                          below 1; 0/0 is n/a, N/0 inf;
                          either may be a number: a target, a batch size)
    min(GLOB.FIELD[@Q])   the least of every row whose name matches GLOB
    max(GLOB.FIELD[@Q])   the greatest
    range(GLOB.FIELD[@Q]) "least-greatest"
    run(kernel|host)      which run produced those CSVs: date and commit
    host(WL,N,A,B)        host benchmark, N threads: calls/s of A over calls/s
                          of B in the same repetition, "median (min-max)";
                          WL * gives the range of the medians of every workload
    verdict(E<=N;E>=N..)  "met" if every clause holds, else "missed"
and NAME is a table of TABLES.  Python 3 standard library only.
"""
import csv
import fnmatch
import os
import re

FIG = re.compile(r"<!-- fig: (bench:[^ ]+) -->(.*?)<!-- /fig -->")
TABLE = re.compile(r"^<!-- bench-table: ([\w.-]+) -->$")
TABLE_END = "<!-- /bench-table -->"
REF = re.compile(r"^(.+)\.(median|max)(?:@([\w.-]+))?$")
BASELINE = "sheap"
ZBB = "rv64imac_zbb"
DEFAULT_Q = "rv64imac"


class BenchDocError(Exception):
    pass


def _read(path):
    if not os.path.exists(path):
        return None
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def _stamp(path):
    """'DATE UTC, commit REV' from the first line of a run's .md."""
    if not os.path.exists(path):
        return None
    with open(path) as f:
        line = f.readline()
    m = re.match(r"Measured (.+ UTC) at commit (\S+)", line)
    if not m:
        return None
    reps = re.search(r"\((\d+) repetitions", line)
    return "%s, commit %s%s" % (m.group(1), m.group(2), (
        ", %s repetitions" % reps.group(1)) if reps else "")


class Data:
    """The CSVs of one run, as docs/bench/ (or a fixture) holds them."""

    def __init__(self, folder):
        self.folder = folder
        self.kernel = _read(os.path.join(folder, "kernel.csv")) or []
        self.host_reps = _read(os.path.join(folder, "host-reps.csv"))
        self.programs = _read(os.path.join(folder, "programs.csv"))
        self.stamps = {"kernel": _stamp(os.path.join(folder, "kernel.md")),
                       "host": _stamp(os.path.join(folder, "host.md"))}

    def rows(self, glob, q=DEFAULT_Q):
        return [r for r in self.kernel if fnmatch.fnmatchcase(r["name"], glob)
                and q in (r["march"], r["config"])]

    def get(self, name, field, q=DEFAULT_Q):
        """The figure's CSV text, or None."""
        for r in self.rows(name, q):
            if r["name"] == name:
                return r[field]
        return None

    def need(self, name, field, q=DEFAULT_Q):
        v = self.get(name, field, q)
        if v is None:
            raise BenchDocError("no row %s@%s in kernel.csv" % (name, q))
        return v

    def workloads(self):
        """The churn workloads of the run, in its order (bench/workload.c)."""
        return [n.split(".")[1] for n in self.names("churn.*.%s.malloc"
                                                    % BASELINE)]

    def names(self, glob, q=DEFAULT_Q):
        seen = []
        for r in self.rows(glob, q):
            if r["name"] not in seen:
                seen.append(r["name"])
        return seen


# ---- formatting --------------------------------------------------------

def num(text):
    """A CSV figure as the doc prints it: integers with thousands commas,
    decimals as the kernel printed them."""
    if text is None:
        return "-"
    if re.fullmatch(r"-?\d+", text):
        return "{:,}".format(int(text))
    return text


def ratio(a, b):
    if b == 0:
        return "n/a" if a == 0 else "inf"
    x = a / b
    if x >= 100:
        return "{:,}".format(int(round(x)))
    return "%.1f" % x if x >= 1 else "%.2g" % x


def _median(v):
    v = sorted(v)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


# ---- expressions -------------------------------------------------------

def _ref(text):
    m = REF.match(text)
    if not m:
        raise BenchDocError("%r is not NAME.median or NAME.max[@Q]" % text)
    return m.group(1), m.group(2), m.group(3) or DEFAULT_Q


def evaluate(d, expr):
    """The text a marker bench:EXPR must hold."""
    m = re.fullmatch(r"(min|max|range)\((.+)\)", expr)
    if m:
        name, field, q = _ref(m.group(2))
        rows = d.rows(name, q)
        if not rows:
            raise BenchDocError("no row matches %s@%s in kernel.csv" %
                                (name, q))
        texts = sorted((r[field] for r in rows), key=float)
        lo, hi = num(texts[0]), num(texts[-1])
        return {"min": lo, "max": hi,
                "range": lo if lo == hi else "%s-%s" % (lo, hi)}[m.group(1)]
    m = re.fullmatch(r"run\((kernel|host)\)", expr)
    if m:
        s = d.stamps[m.group(1)]
        if not s:
            raise BenchDocError("no %s.md with a 'Measured ... at commit' "
                                "line" % m.group(1))
        return s
    m = re.fullmatch(r"host\(([^,]+),(\d+),([^,]+),([^,]+)\)", expr)
    if m and m.group(1) == "*":
        return host_range(d, m.group(2), m.group(3), m.group(4))
    if m:
        return host_ratio(d, m.group(1), m.group(2), m.group(3), m.group(4))
    m = re.fullmatch(r"verdict\((.+)\)", expr)
    if m:
        return verdict(d, m.group(1))
    if "/" in expr:
        a, b = expr.split("/", 1)
        return ratio(_operand(d, a), _operand(d, b))
    return num(d.need(*_ref(expr)))


def _operand(d, text):
    """A ratio's operand: a figure, or a number written in the marker (a
    parameter or an outside reference such as a target, never a result)."""
    if re.fullmatch(r"\d+(?:\.\d+)?", text):
        return float(text)
    return float(d.need(*_ref(text)))


def _bounds(text):
    """(least, greatest) of a figure's text: '1,234', '0.5 (..)', 'a-b'."""
    first = text.split(" ")[0].replace(",", "")
    if first == "inf":
        return float("inf"), float("inf")
    lo, _, hi = first.partition("-")
    return float(lo), float(hi or lo)


def verdict(d, clauses):
    """'met' if every clause EXPR<=N or EXPR>=N holds, else 'missed'.  A
    range must hold at both ends; an n/a ratio (0/0) is left out."""
    met = True
    for clause in clauses.split(";"):
        m = re.fullmatch(r"(.+)(<=|>=)([\d.]+)", clause)
        if not m:
            raise BenchDocError("verdict clause %r is not EXPR<=N or "
                                "EXPR>=N" % clause)
        text = evaluate(d, m.group(1))
        if text == "n/a":
            continue
        lo, hi = _bounds(text)
        n = float(m.group(3))
        met &= hi <= n if m.group(2) == "<=" else lo >= n
    return "met" if met else "missed"


def host_range(d, threads, a, b):
    """The least and greatest median of host_ratio over the workloads."""
    if d.host_reps is None:
        raise BenchDocError("no host-reps.csv (make bench-host)")
    wls = []
    for r in d.host_reps:
        if r["wl"] not in wls:
            wls.append(r["wl"])
    v = sorted(float(host_ratio(d, wl, threads, a, b).split(" ")[0])
               for wl in wls)
    return "%s-%s" % (_host_num(v[0]), _host_num(v[-1]))


def _host_times(d, wl, threads, peer):
    if d.host_reps is None:
        raise BenchDocError("no host-reps.csv (make bench-host)")
    return {r["rep"]: float(r["ns_per_op"]) for r in d.host_reps
            if r["wl"] == wl and r["threads"] == str(threads)
            and r["peer"] == peer}


def host_ratio(d, wl, threads, a, b):
    """calls/s of a over calls/s of b, per repetition: median (min-max)."""
    ta, tb = _host_times(d, wl, threads, a), _host_times(d, wl, threads, b)
    reps = sorted(set(ta) & set(tb))
    if not reps:
        raise BenchDocError("no host figure for %s and %s on %s, %s threads"
                            % (a, b, wl, threads))
    v = [tb[r] / ta[r] for r in reps]
    return "%s (%s-%s)" % (_host_num(_median(v)), _host_num(min(v)),
                           _host_num(max(v)))


def _host_num(x):
    return "%.2f" % x if x >= 0.1 else "%.2g" % x


# ---- tables ------------------------------------------------------------

def _table(head, rows, align):
    out = ["| " + " | ".join(head) + " |",
           "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def _backends(d, wl):
    """(backend, march) rows of a churn table: two-tier, TLSF with and
    without Zbb, the baseline, then the others in the CSV's order; a Zbb
    row for any other backend whose figures differ with Zbb."""
    found = [n.split(".")[2] for n in d.names("churn.%s.*.malloc" % wl)]
    order = [b for b in ("two-tier", "tlsf", BASELINE) if b in found]
    order += [b for b in found if b not in order]
    out = []
    for b in order:
        out.append((b, DEFAULT_Q))
        keys = ["churn.%s.%s.%s" % (wl, b, op) for op in ("malloc", "free")]
        plain = [d.get(k, f) for k in keys for f in ("median", "max")]
        zbb = [d.get(k, f, ZBB) for k in keys for f in ("median", "max")]
        if any(zbb) and (b == "tlsf" or zbb != plain):
            out.append((b, ZBB))
    return out


def _pair(d, wl, b, q):
    v = [d.get("churn.%s.%s.%s" % (wl, b, op), "median", q)
         for op in ("malloc", "free")]
    return None if None in v else float(v[0]) + float(v[1])


def table_churn(d, wl):
    if wl not in d.workloads():
        raise BenchDocError("no churn.%s.* rows in kernel.csv" % wl)
    base = _pair(d, wl, BASELINE, DEFAULT_Q)
    rows = []
    for b, q in _backends(d, wl):
        k = "churn.%s.%s." % (wl, b)
        pair = _pair(d, wl, b, q)
        rows.append([("**%s**" % b) if b == BASELINE else b, q,
                     num(d.get(k + "malloc", "median", q)),
                     num(d.get(k + "malloc", "max", q)),
                     num(d.get(k + "free", "median", q)),
                     num(d.get(k + "free", "max", q)),
                     num(d.get("overhead.%s.%s" % (wl, b), "median", q)),
                     ratio(base, pair) if base and pair else "-"])
    return _table(["backend", "-march", "malloc median", "malloc max",
                   "free median", "free max", "overhead",
                   "%s / this (median pair)" % BASELINE],
                  rows, "llrrrrrr")


def _all_backends(d):
    """Every (backend, march) of the churn tables, grouped by backend."""
    found = []
    for wl in d.workloads():
        found += [bq for bq in _backends(d, wl) if bq not in found]
    order = []
    for b, _ in found:
        if b not in order:
            order.append(b)
    return [(b, q) for b in order for q in (DEFAULT_Q, ZBB) if (b, q) in found]


def table_overhead(d):
    wls = d.workloads()
    rows = [[b, q] + [num(d.get("overhead.%s.%s" % (wl, b), "median", q))
                      for wl in wls] for b, q in _all_backends(d)]
    return _table(["backend", "-march"] + ["`%s`" % w for w in wls],
                  rows, "ll" + "r" * len(wls))


def table_worst(d):
    wls = d.workloads()
    rows = []
    for b, q in _all_backends(d):
        cells = []
        for wl in wls:
            k = "churn.%s.%s." % (wl, b)
            cells.append("%s / %s" % (num(d.get(k + "malloc", "max", q)),
                                      num(d.get(k + "free", "max", q))))
        rows.append([b, q] + cells)
    return _table(["backend", "-march"] + ["`%s`" % w for w in wls],
                  rows, "ll" + "r" * len(wls))


def table_frag(d):
    rows = []
    for name in d.names("frag.*.usfi"):
        b = name.split(".")[1]
        for q in (DEFAULT_Q, ZBB):
            vals = [d.get("frag.%s.%s" % (b, f), "median", q)
                    for f in ("usfi", "largest", "first_large")]
            if q == ZBB and (vals == [d.get("frag.%s.%s" % (b, f), "median")
                                      for f in ("usfi", "largest",
                                                "first_large")]
                             or not any(vals)):
                continue
            rows.append([b, q, num(vals[0]), num(vals[1]),
                         {"100": "yes", "0": "no"}.get(vals[2], num(vals[2]))])
    return _table(["backend", "-march", "USFI (64 KiB), %",
                   "largest request that succeeds, bytes",
                   "first 64 KiB request"],
                  rows, "llrrr")


def table_scale(d):
    rows = []
    for name in d.names("scale.*.alloc"):
        _, churn, h, _ = name.split(".")
        k = "scale.%s.%s." % (churn, h)
        rows.append([churn, h[1:], num(d.get(k + "alloc", "median")),
                     num(d.get(k + "alloc", "max")),
                     num(d.get(k + "free", "median")),
                     num(d.get(k + "free", "max")),
                     num(d.get(k + "nolock", "median"))])
    return _table(["churn", "harts", "alloc median", "alloc max",
                   "free median", "free max", "no shared lock, %"],
                  rows, "lrrrrrr")


def _figures(d, globs):
    """Every row whose name matches one of globs, in the CSV's order:
    median and max, and with Zbb."""
    rows = []
    for g in globs:
        for name in d.names(g):
            rows.append(["`%s`" % name, num(d.get(name, "median")),
                         num(d.get(name, "max")),
                         num(d.get(name, "median", ZBB)),
                         num(d.get(name, "max", ZBB)),
                         d.rows(name)[0]["unit"]])
    return _table(["figure", "median", "max", "median (Zbb)", "max (Zbb)",
                   "unit"], rows, "lrrrrl")


def table_kmalloc(d):
    rows = []
    for name in d.names("kmalloc.*.fast.alloc"):
        size = name.split(".")[1]
        cells = [size]
        for path, op in (("fast", "alloc"), ("fast", "free"),
                         ("slow", "alloc"), ("slow", "free")):
            k = "kmalloc.%s.%s.%s" % (size, path, op)
            cells += [num(d.get(k, "median")), num(d.get(k, "max"))]
        rows.append(cells)
    return _table(["size", "fast alloc", "max", "fast free", "max",
                   "slow alloc", "max", "slow free", "max"],
                  rows, "r" * 9)


def table_host(d, peer="kmalloc"):
    if d.host_reps is None:
        return ["(no host run recorded: `make bench-host`, then `make "
                "bench-report`)"]
    keys = []
    for r in d.host_reps:
        if r["peer"] == peer and (r["wl"], r["threads"]) not in keys:
            keys.append((r["wl"], r["threads"]))
    rows = [["`%s`" % wl, t] + [host_ratio(d, wl, t, peer, ref)
                                for ref in ("glibc", "jemalloc", "mimalloc")]
            for wl, t in keys]
    return _table(["workload", "threads", "vs glibc", "vs jemalloc",
                   "vs mimalloc"], rows, "lrrrr")


def table_host_all(d):
    if d.host_reps is None:
        return ["(no host run recorded)"]
    peers, keys = [], []
    for r in d.host_reps:
        if r["peer"] not in peers and r["peer"] != "mimalloc":
            peers.append(r["peer"])
        if (r["wl"], r["threads"]) not in keys:
            keys.append((r["wl"], r["threads"]))
    rows = [["`%s`" % wl, t] + [host_ratio(d, wl, t, p, "mimalloc")
                                for p in peers] for wl, t in keys]
    return _table(["workload", "threads"] + peers, rows,
                  "lr" + "r" * len(peers))


def table_programs(d):
    if d.programs is None:
        return ["(no run of real programs recorded: `make bench-host`)"]
    peers = []
    for r in d.programs:
        if r["peer"] not in peers and r["peer"] != "glibc":
            peers.append(r["peer"])
    val = {(r["program"], r["peer"]): "%s (%s-%s)" % (
        r["ratio_median"], r["ratio_min"], r["ratio_max"]) for r in d.programs}
    progs = []
    for r in d.programs:
        if r["program"] not in progs:
            progs.append(r["program"])
    rows = [[p] + [val.get((p, x), "-") for x in peers] for p in progs]
    return _table(["program"] + peers, rows, "l" + "r" * len(peers))


# churn.<workload> is table_churn(d, workload) for any workload of the run.
TABLES = {
    "overhead": table_overhead,
    "worst": table_worst,
    "frag": table_frag,
    "scale": table_scale,
    "pages": lambda d: _figures(d, ["page.*"]),
    "kmalloc": table_kmalloc,
    "others": lambda d: _figures(d, ["kmalloc.*.debug.*", "slab.*", "txn.*",
                                     "pool.*", "arena.*", "mempool.*",
                                     "init.*"]),
    "host": table_host,
    "host-all": table_host_all,
    "programs": table_programs,
}


# ---- the document ------------------------------------------------------

def parse(text):
    """('fig', expr, line index, value) and ('table', name, first line,
    end line) items of a document."""
    lines = text.split("\n")
    items = []
    i = 0
    while i < len(lines):
        for m in FIG.finditer(lines[i]):
            items.append(("fig", m.group(1)[len("bench:"):], i, m.group(2)))
        m = TABLE.match(lines[i])
        if m:
            j = i + 1
            while j < len(lines) and lines[j] != TABLE_END:
                if TABLE.match(lines[j]):
                    break
                j += 1
            if j >= len(lines) or lines[j] != TABLE_END:
                raise BenchDocError("line %d: bench-table %s has no %s" %
                                    (i + 1, m.group(1), TABLE_END))
            items.append(("table", m.group(1), i + 1, j))
            i = j
        i += 1
    return lines, items


def render(d, kind, name):
    if kind == "fig":
        return evaluate(d, name)
    if name.startswith("churn."):
        return table_churn(d, name[len("churn."):])
    if name not in TABLES:
        raise BenchDocError("no table named %s (scripts/bench_doc.py "
                            "TABLES)" % name)
    return TABLES[name](d)


def process(path, d, mode, out, label=None):
    """Check or update one document against d; returns the failures."""
    label = label or path
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        lines, items = parse(text)
    except BenchDocError as e:
        print("FAIL: %s: %s" % (label, e), file=out)
        return 1
    new, verdicts, errors = list(lines), [], []
    csvs = os.path.join(d.folder, "*.csv")
    for kind, name, a, b in reversed(items):
        item = "%s/%s%s" % (label, "bench:" if kind == "fig" else
                            "bench-table:", name)
        try:
            have = render(d, kind, name)
        except BenchDocError as e:
            errors.append("FAIL: %s: %s (doc line %d)" % (item, e, a + 1))
            verdicts.append(errors[-1])
            continue
        if kind == "fig":
            diff = None if b == have else (
                "the doc says %r, %s say %r (doc line %d)" % (b, csvs, have,
                                                             a + 1))
            new[a] = new[a].replace("<!-- fig: bench:%s -->%s<!-- /fig -->"
                                    % (name, b), "<!-- fig: bench:%s -->%s"
                                    "<!-- /fig -->" % (name, have), 1)
        else:
            diff = _first_difference(lines[a:b], have, csvs, a)
            new[a:b] = have
        verdicts.append(("FAIL: %s: %s" % (item, diff)) if diff else
                        ("PASS: %s" % item))
    if mode == "check":
        for v in reversed(verdicts):
            print(v, file=out)
        return sum(v.startswith("FAIL") for v in verdicts)
    for v in reversed(errors):  # what could not be generated
        print(v, file=out)
    result = "\n".join(new)
    if result != text:
        with open(path, "w", encoding="utf-8") as f:
            f.write(result)
        print("bench: updated %s" % label, file=out)
    return len(errors)


def _first_difference(want, have, csvs, start):
    for n, (x, y) in enumerate(zip(want, have), 1):
        if x != y:
            return "table line %d differs (doc line %d): doc %r, %s say %r" % (
                n, start + n, x, csvs, y)
    if len(want) != len(have):
        return "table has %d lines in the doc, %d from %s" % (
            len(want), len(have), csvs)
    return None


# ---- self-test: check-doc on a fixture, no benchmark run ---------------

class _Capture:
    def __init__(self):
        self.text = ""

    def write(self, s):
        self.text += s


def self_test(show=False):
    """The fixture tests/docs/fixture/bench/ (doc.md and a run's CSVs)
    passes; a wrong figure, ratio, verdict or table cell fails, naming the
    marker and both values, and update restores the doc exactly; a marker
    naming no row, an unknown table and an unclosed table are refused."""
    import tempfile
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    fixture = os.path.join(root, "tests", "docs", "fixture", "bench")
    data = Data(fixture)
    with open(os.path.join(fixture, "doc.md"), encoding="utf-8") as f:
        good = f.read()
    failed = 0

    def case(name, text, want_fail, want=(), restore=False):
        nonlocal failed
        log = _Capture()
        problems = []
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "doc.md")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            n = process(path, data, "check", log, label="doc.md")
            if bool(n) != want_fail:
                problems.append("check %s" % ("passed" if not n else
                                              "failed: " + log.text))
            problems += ["output lacks %r" % w for w in want
                         if w not in log.text]
            if restore:
                process(path, data, "update", _Capture(), label="doc.md")
                with open(path, encoding="utf-8") as f:
                    if f.read() != good:
                        problems.append("update did not restore the doc")
        print("%s: bench/self-test/%s%s" % (
            "FAIL" if problems else "PASS", name,
            (": " + "; ".join(problems)) if problems else ""))
        if show:
            for ln in log.text.splitlines():
                if ln.startswith("FAIL"):
                    print("    " + ln.replace(fixture, "docs/bench"))
        failed += bool(problems)

    def edit(old, new):
        assert old in good, "the fixture has no %r" % old
        return good.replace(old, new, 1)

    case("fixture-passes", good, False)
    case("wrong-figure",
         edit("two-tier.malloc.median -->88<",
              "two-tier.malloc.median -->89<"),
         True, ["doc.md/bench:churn.u64.two-tier.malloc.median: the doc "
                "says '89', ", "say '88'"], restore=True)
    case("wrong-ratio", edit(
        "two-tier.malloc.median -->1.7<", "two-tier.malloc.median -->17<"),
        True, ["the doc says '17', ", "say '1.7'"], restore=True)
    case("wrong-verdict", edit("<=60) -->met<", "<=60) -->missed<"), True,
         ["the doc says 'missed', ", "say 'met'"], restore=True)
    case("wrong-table-cell", edit("| tlsf | rv64imac_zbb | 279 |",
                                  "| tlsf | rv64imac_zbb | 278 |"),
         True, ["doc.md/bench-table:churn.u64: table line 5 differs",
                "'| tlsf | rv64imac_zbb | 278 |"], restore=True)
    case("missing-table-line", "\n".join(
        ln for ln in good.split("\n") if not ln.startswith("| tlsf |")),
        True, ["table line 4 differs"], restore=True)
    case("unknown-row", edit("fig: bench:page.o0.pcp.alloc.median",
                             "fig: bench:page.o0.nosuch.alloc.median"),
         True, ["no row page.o0.nosuch.alloc@rv64imac in kernel.csv"])
    case("unknown-table",
         edit("bench-table: churn.u64", "bench-table: nosuch"),
         True, ["no table named nosuch"])
    case("unclosed-table", edit(TABLE_END, ""), True,
         ["bench-table churn.u64 has no <!-- /bench-table -->"])
    return failed
