#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Read a KTAP (or TAP 13/14) log and print one PASS/FAIL line per test.

    python3 scripts/ktap.py [--prefix P] [--exit-status N] [--timeout] [LOG]
    python3 scripts/ktap.py --self-test

Prints "PASS: P/<suite>/<case>" or "FAIL: P/<suite>/<case>: <reason>" per
case (a skipped case prints "PASS: ... # SKIP reason"), a line for a suite
that failed on its own (the runner's page/validator check) or whose results
do not match its plan, and "PASS: P/boot" or "FAIL: P/boot: <reason>" for
the run as a whole: a crash (Oops:, Kernel panic:, AddressSanitizer, UBSan
"runtime error:"), a timeout (--timeout), "Bail out!", an exit status that
the results do not explain, or top-level results that do not match the plan.
Exits 1 when anything failed.

Strict about structure, at the top level and in every suite: a level with
results must have a plan line; the results must be numbered 1, 2, 3 ... in
order (a duplicated or renumbered line fails), and there must be exactly as
many as the plan says (fewer: the output stopped; more: lines were repeated
or the plan is wrong).  `--self-test` runs the built-in cases below and
then every broken log of tests/ktap/corpus/ (NAME.log, with NAME.expect
giving the verdict and the lines it must produce): one PASS/FAIL line each.

Nesting is read from indentation, as KTAP version 1 specifies
(Documentation/dev-tools/ktap.rst in Linux): a "KTAP version"/"TAP version"
or "# Subtest:" line deeper than the current level opens a subtest, whose
result line is the next "ok"/"not ok" at the parent's indentation.
Python 3.11 standard library only.
"""
import argparse
import os
import re
import shlex
import sys

VERSION_RE = re.compile(r"^(K?TAP) version (\d+)")
SUBTEST_RE = re.compile(r"^# Subtest: (.*)")
PLAN_RE = re.compile(r"^1\.\.(\d+)\s*(?:#\s*(.*))?$")
RESULT_RE = re.compile(r"^(not ok|ok)\s+(\d+)\s*(?:-\s*)?([^#]*?)\s*(?:#\s*(.*))?$")
BAIL_RE = re.compile(r"^Bail out!\s*(.*)")
STATS_RE = re.compile(r"^# (?:Totals|[\w.-]+): pass:\d+ fail:\d+")
CRASH_RE = re.compile(
    r"(Oops: |Kernel panic: |ERROR: AddressSanitizer|ERROR: LeakSanitizer"
    r"|runtime error: )")
MAX_REASON = 2  # diagnostic lines quoted in a FAIL reason


class Test:
    """One level of the tree: a run, a suite or a case."""

    def __init__(self, indent, name=""):
        self.indent = indent
        self.name = name
        self.plan = None
        self.plan_skip = None
        self.children = []   # finished results at this level
        self.pending = []    # diagnostics since the last result
        self.ok = None
        self.directive = ""
        self.diags = []      # diagnostics that came before our result line
        self.sub = None      # the nested level, when we had one
        self.header = []     # diagnostics before the plan line
        self.number = None   # the number on our result line


def strip_prefix(line):
    """Indentation (tabs count as 8) and the text after it."""
    body = line.lstrip(" \t")
    return len(line[: len(line) - len(body)].expandtabs(8)), body


class Parser:
    def __init__(self):
        self.root = None
        self.stack = []
        self.crash = None
        self.crash_where = None
        self.bail = None

    def where(self):
        names = [t.name for t in self.stack[1:] if t.name]
        last = self.stack[-1].children[-1].name if self.stack and \
            self.stack[-1].children else None
        s = "/".join(names) or "top level"
        return f"in {s}" + (f" after {last}" if last else "")

    def feed(self, raw):
        line = raw.rstrip("\r\n")
        if CRASH_RE.search(line) and not self.crash:
            self.crash = line.strip()
            self.crash_where = self.where() if self.root else None
        indent, body = strip_prefix(line)
        if self.root is None:
            if VERSION_RE.match(body):
                self.root = Test(indent)
                self.stack = [self.root]
            return
        m = BAIL_RE.match(body)
        if m:
            self.bail = self.bail or m.group(1) or "no reason"
            return
        if VERSION_RE.match(body):
            self.open(indent, "")
            return
        m = SUBTEST_RE.match(body)
        if m:
            top = self.stack[-1]
            if top is not self.root and top.indent == indent and \
                    not top.name and not top.children:
                top.name = m.group(1).strip()
            else:
                self.open(indent, m.group(1).strip())
            return
        m = PLAN_RE.match(body)
        if m:
            lvl = self.level_for(indent)
            lvl.plan = int(m.group(1))
            lvl.plan_skip = m.group(2)
            lvl.header, lvl.pending = lvl.pending, []
            return
        m = RESULT_RE.match(body)
        if m:
            self.result(indent, m)
            return
        if body.startswith("#") and not STATS_RE.match(body):
            lvl = self.level_for(indent, open_new=False)
            lvl.pending.append(body[1:].strip())

    def open(self, indent, name):
        self.close_deeper(indent + 1)
        self.stack.append(Test(indent, name))

    def level_for(self, indent, open_new=True):
        """The open level at this indentation (opened if deeper)."""
        for lvl in reversed(self.stack):
            if lvl.indent == indent:
                return lvl
            if lvl.indent < indent:
                if open_new:
                    self.stack.append(Test(indent))
                    return self.stack[-1]
                return lvl
        return self.stack[0]

    def finish(self):
        """Give every subtest still open at the end a failed result."""
        while len(self.stack) > 1:
            sub = self.stack.pop()
            t = Test(self.stack[-1].indent, sub.name or "?")
            t.ok = False
            t.sub = sub
            t.diags = sub.pending or ["output ended before its result"]
            self.stack[-1].children.append(t)

    def close_deeper(self, indent):
        """Close levels indented >= indent; return the outermost closed."""
        closed = None
        while len(self.stack) > 1 and self.stack[-1].indent >= indent:
            closed = self.stack.pop()
            last = closed.children[-1] if closed.children else None
            if closed.pending and last and not last.ok and not last.diags:
                last.diags = closed.pending
                closed.pending = []
            if closed.pending and self.stack:
                # diagnostics after the last case belong to the suite result
                self.stack[-1].pending.extend(closed.pending)
                closed.pending = []
        return closed

    def result(self, indent, m):
        sub = self.close_deeper(indent + 1)
        lvl = self.level_for(indent)
        t = Test(indent, m.group(3).strip() or f"test{m.group(2)}")
        t.ok = m.group(1) == "ok"
        t.directive = (m.group(4) or "").strip()
        t.number = int(m.group(2))
        prev = lvl.children[-1] if lvl.children else None
        if t.ok and prev and not prev.ok and not prev.diags:
            prev.diags = lvl.pending  # TAP 13: diagnostics follow the result
        else:
            t.diags = lvl.pending
        lvl.pending = []
        if sub is not None:
            t.sub = sub
            if sub.name and not m.group(3).strip():
                t.name = sub.name
        lvl.children.append(t)


def reason_of(diags, default):
    lines = [d for d in diags if d]
    return " | ".join(lines[:MAX_REASON]) if lines else default


def directive_kind(d):
    word = d.split()[0].upper() if d else ""
    return word if word in ("SKIP", "TODO", "XFAIL") else ""


def numbering_problem(results):
    """Why the result lines of one level are not numbered 1, 2, 3 ...
    (a duplicated, skipped or renumbered line), or None."""
    seen = {}
    for i, t in enumerate(results, 1):
        if t.number is None:  # made up for a level cut short
            continue
        if t.number in seen:
            return (f"result {t.number} appears twice ({seen[t.number]}, "
                    f"then {t.name} as result {i})")
        seen[t.number] = t.name
        if t.number != i:
            return (f"results out of order: {t.name} is numbered "
                    f"{t.number}, expected {i}")
    return None


def structure_problems(lvl, results):
    """What is wrong with one level's plan and numbering (strings)."""
    n = len(results)
    out = []
    made_up = any(t.number is None for t in results)
    if lvl.plan is None and n and not made_up:
        out.append(f"no plan line for its {n} results")
    elif lvl.plan is not None and n > lvl.plan:
        out.append(f"plan 1..{lvl.plan} but {n} results")
    why = numbering_problem(results)
    if why:
        out.append(why)
    return out


def report_test(t, path, out):
    """PASS/FAIL lines for test t (and its cases); returns failures."""
    kind = directive_kind(t.directive)
    cases = t.sub.children if t.sub else []
    fails = 0
    for c in cases:
        fails += report_test(c, f"{path}/{c.name}", out)
    if t.sub and t.sub.plan is not None and len(cases) < t.sub.plan:
        out.append(f"FAIL: {path}: only {len(cases)} of {t.sub.plan} "
                   "results reported")
        fails += 1
    problems = structure_problems(t.sub, cases) if t.sub else []
    if problems:
        out.append(f"FAIL: {path}: " + "; ".join(problems))
        fails += 1
    if kind == "SKIP" and not cases:
        out.append(f"PASS: {path} # {t.directive}")
    elif kind in ("TODO", "XFAIL"):
        out.append(f"PASS: {path} # {t.directive}")
    elif not t.ok and fails == 0:
        own = t.diags
        out.append(f"FAIL: {path}: " + reason_of(own, "not ok"))
        fails += 1
    elif t.ok and not cases:
        out.append(f"PASS: {path}")
    return fails


def analyse(lines, prefix, exit_status=None, timeout=False):
    """Return (output lines, failed?) for a log."""
    p = Parser()
    for ln in lines:
        p.feed(ln)
    out = []
    fails = 0
    boot = []
    if p.root is None:
        boot.append("no KTAP output (did the kernel boot?)")
    else:
        unfinished = p.where() if len(p.stack) > 1 else None
        n = len(p.root.children)
        p.finish()
        for t in p.root.children:
            fails += report_test(t, f"{prefix}/{t.name}", out)
        if p.root.plan is None:
            boot.append(f"no plan line; output ended {unfinished or p.where()}"
                        f" after {n} results")
        elif n < p.root.plan:
            boot.append(f"plan 1..{p.root.plan} but only {n} results; "
                        f"output ended {unfinished or p.where()}")
        boot += [x for x in structure_problems(p.root, p.root.children)
                 if not x.startswith("no plan line")]
    if p.crash:
        where = f" ({p.crash_where})" if p.crash_where else ""
        boot.insert(0, f"crashed{where}: {p.crash}")
    if p.bail:
        boot.append(f"Bail out! {p.bail}")
    if timeout:
        boot.insert(0, "timed out")
    if exit_status is not None:
        if exit_status != 0 and fails == 0 and not boot:
            why = reason_of(p.root.header + p.root.pending, "") \
                if p.root else ""
            boot.append(f"exit status {exit_status} but no test failed"
                        + (f" ({why})" if why else ""))
        elif exit_status == 0 and (fails or boot) and not timeout:
            boot.append("exit status 0 although tests failed")
    if boot:
        out.append(f"FAIL: {prefix}/boot: " + "; ".join(boot))
    else:
        out.append(f"PASS: {prefix}/boot")
    return out, bool(fails or boot)


# ---- self-test ------------------------------------------------------------

GOOD = """\
OpenSBI v1.1
KTAP version 1
1..2
    KTAP version 1
    # Subtest: alpha
    1..2
    ok 1 test_one
    ok 2 test_two # SKIP no hardware
# alpha: pass:1 fail:0 skip:1 total:2
ok 1 alpha
    KTAP version 1
    # Subtest: beta
    1..1
page_alloc: some console noise
    ok 1 test_three
ok 2 beta
# Totals: pass:2 fail:0 skip:1 total:3
"""

FAILED = """\
KTAP version 1
1..1
    KTAP version 1
    # Subtest: page_alloc
    1..3
    ok 1 test_a
    # mm/page_alloc.c:123: expected x == 1, but x == 2
    # second line
    # third line
    not ok 2 test_b
    not ok 3 test_c # TODO not written yet
not ok 1 page_alloc
"""

SUITE_ONLY = """\
KTAP version 1
1..2
    KTAP version 1
    # Subtest: leaky
    1..1
    ok 1 test_a
    # leaky: 3 pages missing after the suite (10 free before, 7 after)
# leaky: pass:1 fail:0 skip:0 total:1
not ok 1 leaky
ok 2 gone # SKIP init failed (-12)
"""

CRASH = """\
KTAP version 1
1..2
    KTAP version 1
    # Subtest: slab
    1..4
    ok 1 test_a
Oops: load page fault at 0x0 in slab_alloc+0x1c/0x80
"""

TRUNCATED = """\
KTAP version 1
1..3
\tKTAP version 1
\t# Subtest: one
\t1..1
\tok 1 - a
ok 1 - one
"""

PLAIN_TAP = """\
TAP version 13
1..3
ok 1 - first
not ok 2 - second
# failed badly
ok 3 third # skip not here
"""

ASAN = """\
KTAP version 1
1..1
    KTAP version 1
    # Subtest: heap
    1..1
==1234==ERROR: AddressSanitizer: heap-use-after-free on address 0x6020
"""


def self_test():
    cases = [
        # (name, log, args, expected lines (prefixes), expected failed)
        ("passing run", GOOD, {"exit_status": 0},
         ["PASS: k/alpha/test_one", "PASS: k/alpha/test_two # SKIP no hardware",
          "PASS: k/beta/test_three", "PASS: k/boot"], False),
        ("failed case", FAILED, {"exit_status": 1},
         ["PASS: k/page_alloc/test_a",
          "FAIL: k/page_alloc/test_b: mm/page_alloc.c:123: expected x == 1,"
          " but x == 2 | second line",
          "PASS: k/page_alloc/test_c # TODO not written yet",
          "PASS: k/boot"], True),
        ("suite-level failure and skipped suite", SUITE_ONLY, {},
         ["PASS: k/leaky/test_a",
          "FAIL: k/leaky: leaky: 3 pages missing after the suite",
          "PASS: k/gone # SKIP init failed (-12)", "PASS: k/boot"], True),
        ("crash mid-suite", CRASH, {"exit_status": 3},
         ["PASS: k/slab/test_a",
          "FAIL: k/slab: only 1 of 4 results reported",
          "FAIL: k/boot: crashed (in slab after test_a): Oops: load page"],
         True),
        ("truncated plan", TRUNCATED, {},
         ["PASS: k/one/a", "FAIL: k/boot: plan 1..3 but only 1 results"],
         True),
        ("exit status mismatch", GOOD, {"exit_status": 1},
         ["FAIL: k/boot: exit status 1 but no test failed"], True),
        ("exit status explained by a top-level diagnostic",
         "KTAP version 1\n# ktest: 'nosuch' matches no suite or case\n1..0\n",
         {"exit_status": 1},
         ["FAIL: k/boot: exit status 1 but no test failed (ktest: 'nosuch'"
          " matches no suite or case)"], True),
        ("timeout", GOOD.split("    KTAP version 1\n    # Subtest: beta")[0],
         {"timeout": True, "exit_status": 124},
         ["PASS: k/alpha/test_one", "FAIL: k/boot: timed out; plan 1..2 but"
          " only 1 results"], True),
        ("plain TAP 13", PLAIN_TAP, {},
         ["PASS: k/first", "FAIL: k/second: failed badly",
          "PASS: k/third # skip not here", "PASS: k/boot"], True),
        ("sanitizer report", ASAN, {},
         ["FAIL: k/boot: crashed (in heap): ==1234==ERROR: AddressSanitizer"],
         True),
        ("no KTAP at all", "OpenSBI v1.1\nhang\n", {"exit_status": 124},
         ["FAIL: k/boot: no KTAP output"], True),
    ]
    bad = 0
    for name, log, kw, want, want_failed in cases:
        out, failed = analyse(log.splitlines(), "k", **kw)
        missing = [w for w in want if not any(o.startswith(w) for o in out)]
        if missing or failed != want_failed:
            bad += 1
            print(f"FAIL: ktap.py/self-test/{name}: missing {missing}, "
                  f"failed={failed} (want {want_failed}); got:")
            for o in out:
                print(f"    {o}")
        else:
            print(f"PASS: ktap.py/self-test/{name}")
    return 1 if bad or corpus_test() else 0


CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                      "tests", "ktap", "corpus")


def read_expect(path):
    """(verdict failed?, analyse() keywords, expected PASS/FAIL lines) of a
    corpus NAME.expect: "verdict: pass|fail", "args: --exit-status N
    --timeout", and the lines (prefixes) the log must produce; # comments."""
    failed, kw, want = None, {}, []
    ap = argparse.ArgumentParser(add_help=False)
    ap.add_argument("--exit-status", type=int)
    ap.add_argument("--timeout", action="store_true")
    with open(path, encoding="utf-8") as f:
        for line in f.read().splitlines():
            if line.startswith("verdict:"):
                failed = line.split(":", 1)[1].strip() == "fail"
            elif line.startswith("args:"):
                a = ap.parse_args(shlex.split(line.split(":", 1)[1]))
                kw = {"exit_status": a.exit_status, "timeout": a.timeout}
            elif line.startswith(("PASS:", "FAIL:")):
                want.append(line)
    if failed is None:
        raise ValueError(f"{path}: no 'verdict: pass|fail' line")
    return failed, kw, want


def corpus_case(log):
    """Problems of one corpus log against its .expect (empty: as expected).
    Every expected line must start an output line, and every FAIL line
    of the output must be expected."""
    want_failed, kw, want = read_expect(log[:-len(".log")] + ".expect")
    with open(log, encoding="utf-8") as f:
        out, failed = analyse(f.read().splitlines(), "k", **kw)
    bad = [f"missing {w!r}" for w in want
           if not any(o.startswith(w) for o in out)]
    bad += [f"unexpected {o!r}" for o in out if o.startswith("FAIL:")
            and not any(o.startswith(w) for w in want)]
    if failed != want_failed:
        bad.append(f"verdict {'fail' if failed else 'pass'}, expected "
                   f"{'fail' if want_failed else 'pass'}")
    return bad, out


def corpus_test():
    """One PASS/FAIL line per log of tests/ktap/corpus; 1 if any failed."""
    try:
        logs = sorted(f for f in os.listdir(CORPUS) if f.endswith(".log"))
    except OSError as e:
        print(f"FAIL: ktap.py/corpus: cannot read {CORPUS}: {e}")
        return 1
    if not logs:
        print(f"FAIL: ktap.py/corpus: no .log file in {CORPUS}")
        return 1
    bad = 0
    for name in logs:
        try:
            problems, out = corpus_case(os.path.join(CORPUS, name))
        except (OSError, ValueError) as e:
            problems, out = [str(e)], []
        if problems:
            bad += 1
            print(f"FAIL: ktap.py/corpus/{name[:-4]}: " + "; ".join(problems))
            for o in out:
                print(f"    {o}")
        else:
            print(f"PASS: ktap.py/corpus/{name[:-4]}")
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--prefix", default="ktap")
    ap.add_argument("--exit-status", type=int)
    ap.add_argument("--timeout", action="store_true",
                    help="the run was killed by a timeout")
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("log", nargs="?", help="log file (default: stdin)")
    a = ap.parse_args()
    if a.self_test:
        return self_test()
    if a.log:
        with open(a.log, encoding="utf-8", errors="replace") as f:
            lines = f.read().splitlines()
    else:
        lines = sys.stdin.read().splitlines()
    out, failed = analyse(lines, a.prefix, a.exit_status, a.timeout)
    print("\n".join(out))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
