#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""docs/bad-inputs.md: check that every row names a test that exists.

    python3 scripts/bad_inputs.py check [docs/bad-inputs.md]

The catalogue's table has four columns: area | bad input | report | test.
For every row this checks that the fourth column names at least one file
of the repository (tests/..., scripts/..., kernel/...), that every file it
names exists, and that every test or case name it quotes (a word such as
test_zero, c_full, or a suite.case pair) appears in one of the files the
row names.  It prints one PASS/FAIL line per area (the `docs` test group)
and exits 1 when a row is wrong, so the table cannot keep pointing at a
test that was renamed or removed.  Python 3 standard library only.
"""
import os
import re
import sys

FILE_RE = re.compile(r"\b((?:tests|scripts|kernel|mm|lib|arch)/[\w./-]+\.(?:c|h|py|sh|log|expect))\b")
DIR_RE = re.compile(r"\b(tests/ktap/corpus)/?\b")
# Names a row quotes for its test: test_*, c_* (ktest's self-test cases),
# and the case part of suite.case.
NAME_RE = re.compile(r"\b(test_\w+|c_\w+)\b")
SUITE_CASE_RE = re.compile(r"\b([a-z][\w]*)\.(test_\w+)\b")


def rows(path):
    """(line number, [cells]) for each table row after the header."""
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line.startswith("|"):
                continue
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
            if len(cells) != 4 or set(cells[0]) <= set("-: "):
                continue
            if cells[0] == "area":
                continue
            yield n, cells


def check_row(root, cells):
    """The problems of one row (empty when it is right)."""
    test = cells[3]
    files = FILE_RE.findall(test)
    dirs = DIR_RE.findall(test)
    if not files and not dirs:
        return ["names no test file"]
    problems = []
    texts = []
    for rel in files:
        path = os.path.join(root, rel)
        if not os.path.isfile(path):
            problems.append("no file " + rel)
            continue
        with open(path, encoding="utf-8", errors="replace") as f:
            texts.append(f.read())
    for rel in dirs:
        path = os.path.join(root, rel)
        if not os.path.isdir(path):
            problems.append("no folder " + rel)
    if problems or not texts:
        return problems
    for name in set(NAME_RE.findall(FILE_RE.sub("", test))):
        if not any(name in t for t in texts):
            problems.append("%s is in none of %s" % (name, ", ".join(files)))
    return problems


def check(path):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    by_area = {}
    total = 0
    for n, cells in rows(path):
        total += 1
        area = cells[0].split(" (")[0]
        errs = by_area.setdefault(area, [])
        for p in check_row(root, cells):
            errs.append("line %d: %s" % (n, p))
    if total == 0:
        print("FAIL: docs/bad-inputs: no rows in %s" % path)
        return 1
    status = 0
    for area, errs in by_area.items():
        name = "docs/bad-inputs/" + re.sub(r"[^\w.]+", "-", area).strip("-")
        if errs:
            print("FAIL: %s: %s%s" % (name, errs[0],
                  " (+%d more)" % (len(errs) - 1) if len(errs) > 1 else ""))
            status = 1
        else:
            print("PASS: %s" % name)
    print("PASS: docs/bad-inputs/count: %d rows" % total if total >= 60 else
          "FAIL: docs/bad-inputs/count: %d rows, fewer than 60" % total)
    return status or (total < 60)


def main(argv):
    if len(argv) >= 2 and argv[1] == "check":
        return check(argv[2] if len(argv) > 2 else "docs/bad-inputs.md")
    print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
