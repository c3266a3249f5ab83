#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The shape of docs/tour.md's exercises, and its prose (the `docs` group).

    python3 scripts/tour_check.py [docs/tour.md]

Each exercise is a paragraph opening with "**Exercise N.**" (or "**Exercise
N (a remark).**"), numbered 1, 2, ... in order; it asks a question (a
"?"), says how to find the answer ("Find it:"), and is followed by one
folded answer, <details><summary>Answer</summary> ... </details>, before
the next exercise.  An answer that is a number the kernel prints holds
it as a generated figure (<!-- fig: NAME -->...<!-- /fig -->), which
scripts/docs.py check compares with a real run: that is how the answers
are checked.  There must be at least MIN_EXERCISES exercises, and more
than half of the answers must hold such a figure.  Outside fenced blocks
and figures, the prose may quote no address (0x and five or more hex
digits) and no source line number (file.c:N, "line N"): those go stale
at the next change; a transcript or a figure carries them instead.

Prints "PASS: docs/tour/NAME" or "FAIL: docs/tour/NAME: why" per check;
exits 1 on a failure.  Python 3 standard library only.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIN_EXERCISES = 10
EXERCISE = re.compile(r"^\*\*Exercise (\d+)(?: \([^)]*\))?\.\*\*")
OPEN = "<details><summary>Answer</summary>"
CLOSE = "</details>"
FIG = re.compile(r"<!-- fig: [\w.-]+ -->.*?<!-- /fig -->")
STALE = [(re.compile(r"\b0x[0-9a-fA-F]{5,}"), "an address"),
         (re.compile(r"\b[\w/.-]+\.[chS]:\d+"), "a source line number"),
         (re.compile(r"\blines? \d+"), "a source line number")]


def prose_lines(lines):
    """(number, text) of every line outside fenced blocks, figures cut
    out."""
    fenced = False
    for n, ln in enumerate(lines, 1):
        if ln.startswith("```"):
            fenced = not fenced
        elif not fenced and not ln.startswith("    "):  # not code
            yield n, FIG.sub("", ln)


def exercises(lines):
    """[(number, first line index, question text, answer text or None)]"""
    found = []
    i = 0
    while i < len(lines):
        m = EXERCISE.match(lines[i])
        if not m:
            i += 1
            continue
        start, question = i, []
        while i < len(lines) and lines[i] != OPEN and not (
                i > start and EXERCISE.match(lines[i])):
            question.append(lines[i])
            i += 1
        answer = None
        if i < len(lines) and lines[i] == OPEN:
            j = i + 1
            while j < len(lines) and lines[j] != CLOSE:
                j += 1
            if j < len(lines):
                answer = "\n".join(lines[i + 1:j])
            i = j
        found.append((int(m.group(1)), start, " ".join(question), answer))
    return found


def check(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    results = []

    def verdict(name, problem):
        results.append((name, problem))

    ex = exercises(lines)
    numbers = [n for n, _, _, _ in ex]
    verdict("numbering", None if numbers == list(range(1, len(ex) + 1))
            else "exercises numbered %s, not 1..%d" % (numbers, len(ex)))
    verdict("count", None if len(ex) >= MIN_EXERCISES else
            "%d exercises, fewer than %d" % (len(ex), MIN_EXERCISES))
    checked = 0
    for n, start, q, a in ex:
        problems = []
        if "?" not in q:
            problems.append("asks no question")
        if "Find it:" not in q:
            problems.append("says nowhere how to find the answer "
                            "(\"Find it:\")")
        if a is None:
            problems.append("has no folded answer (%s ... %s)" % (OPEN,
                                                                  CLOSE))
        elif not a.strip():
            problems.append("its answer is empty")
        elif FIG.search(a):
            checked += 1
        verdict("exercise-%d" % n, "; ".join(problems) or None)
    verdict("checked-answers", None if 2 * checked > len(ex) else
            "only %d of %d answers hold a generated figure" % (checked,
                                                               len(ex)))
    stale = ["line %d quotes %s: %r" % (n, what, m.group(0))
             for n, ln in prose_lines(lines)
             for pat, what in STALE for m in [pat.search(ln)] if m]
    verdict("prose", "; ".join(stale) or None)
    for name, problem in results:
        print("%s: docs/tour/%s%s" % ("FAIL" if problem else "PASS", name,
                                      ": " + problem if problem else ""))
    print("tour: %d exercises, %d answers checked by a generated figure" % (
        len(ex), checked))
    return sum(1 for _, p in results if p)


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        ROOT, "docs", "tour.md")
    sys.exit(1 if check(path) else 0)


if __name__ == "__main__":
    main()
