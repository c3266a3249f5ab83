#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Docs that cannot go stale: transcripts and figures generated from runs.

    python3 scripts/docs.py update [DOC.md ...]   regenerate them in place
    python3 scripts/docs.py check [DOC.md ...]    compare; PASS/FAIL per item
    python3 scripts/docs.py list                  every recipe and its run
    python3 scripts/docs.py --self-test           the checker on a fixture

A Markdown file marks what is generated (docs/docs.md explains them):

    <!-- transcript: NAME -->
    ```
    ...lines made by recipe NAME...
    ```
    <!-- /transcript -->

    ... the DMA zone manages <!-- fig: NAME -->3589<!-- /fig --> pages ...

    <!-- files: NAME -->
    ![a picture](memmap/boot.svg)     ...files the recipe writes, beside
                                      the document (docs/memmap/*)

NAME is a recipe of scripts/docs_recipes.py: which run produces the text
(a boot: MEM, SMP, boot arguments; a session at the mm> prompt; a GDB
session against QEMU) and which lines to keep, with the masks for what
legitimately varies between runs (timings, instruction counts, random
secrets, addresses).  Each run needed by the chosen files happens once and
feeds every recipe that names it.  `check` prints "PASS: docs/<doc>/<name>"
or "FAIL: docs/<doc>/<name>: line N differs: ..." and exits 1 on a
failure; `update` rewrites only the marked blocks and the generated
files.  A recipe name defined twice is refused.  Python 3 standard
library only.
"""
import argparse
import glob
import importlib
import os
import re
import sys
import tempfile
import traceback

sys.dont_write_bytecode = True  # no __pycache__ in the tree
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import docs_runs  # noqa: E402

MARK = re.compile(r"^<!-- transcript: ([\w.-]+) -->$")
FILES = re.compile(r"^<!-- files: ([\w.-]+) -->$")
END = "<!-- /transcript -->"
FIG = re.compile(r"<!-- fig: ([\w.-]+) -->(.*?)<!-- /fig -->")


class DocError(Exception):
    pass


def parse(text):
    """The marked items of a document, in order: ('transcript', name,
    first body line index, end index, fence), ('fig', name, line
    index, value) and ('files', name, line index)."""
    lines = text.split("\n")
    items = []
    i = 0
    while i < len(lines):
        for m in FIG.finditer(lines[i]):
            items.append(("fig", m.group(1), i, m.group(2)))
        m = FILES.match(lines[i])
        if m:
            items.append(("files", m.group(1), i))
        m = MARK.match(lines[i])
        if not m:
            i += 1
            continue
        name = m.group(1)
        if i + 1 >= len(lines) or not lines[i + 1].startswith("```"):
            raise DocError("line %d: transcript %s: no fenced block right "
                           "after its marker" % (i + 1, name))
        j = i + 2
        while j < len(lines) and lines[j] != "```":
            j += 1
        if j + 1 >= len(lines) or lines[j + 1] != END:
            raise DocError("line %d: transcript %s: the fenced block is not "
                           "followed by %s" % (i + 1, name, END))
        items.append(("transcript", name, i + 2, j, lines[i + 1]))
        i = j + 2
    return lines, items


def load_recipes(module):
    """Import the recipe module (docs_recipes); a recipe name given twice
    is refused, naming the line of the second definition."""
    try:
        return importlib.import_module(module)
    except docs_runs.DuplicateRecipe as e:
        where = [f for f in traceback.extract_tb(e.__traceback__)
                 if os.path.basename(f.filename) == module + ".py"]
        raise DocError("recipe %s is defined twice (%s)" % (
            e.name, "%s line %d" % (os.path.relpath(where[-1].filename, ROOT)
                                    if where[-1].filename.startswith(ROOT)
                                    else os.path.basename(where[-1].filename),
                                    where[-1].lineno) if where else module))


def first_difference(want, have):
    """'line N differs: ...' for the first differing line, or None."""
    for n, (a, b) in enumerate(zip(want, have), 1):
        if a != b:
            return "line %d differs: doc %r, kernel %r" % (n, a, b)
    if len(want) != len(have):
        n = min(len(want), len(have)) + 1
        if len(want) > len(have):
            return "line %d differs: doc %r, kernel has no more lines" % (
                n, want[n - 1])
        return "line %d differs: doc has no more lines, kernel %r" % (
            n, have[n - 1])
    return None


def files(where, have, mode, out):
    """Compare (check) or write (update) the generated files have (a dict:
    path relative to the document's directory -> text); the first
    difference, or None."""
    for rel, text in sorted(have.items()):
        path = os.path.join(where, rel)
        try:
            with open(path, encoding="utf-8") as f:
                old = f.read()
        except OSError:
            old = None
        if mode == "update":
            if old != text:
                with open(path, "w", encoding="utf-8") as f:
                    f.write(text)
                print("docs: updated %s" % (os.path.relpath(path, ROOT) if
                                            path.startswith(ROOT) else rel),
                      file=out)
            continue
        if old is None:
            return "%s is missing" % rel
        diff = first_difference(old.split("\n"), text.split("\n"))
        if diff:
            return "%s %s" % (rel, diff.replace("doc ", "file ", 1))
    return None


def process(path, recipes, runner, mode, out=sys.stdout):
    """Check or update one document; returns the number of failures."""
    rel = os.path.relpath(path, ROOT) if path.startswith(ROOT) else path
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        lines, items = parse(text)
    except DocError as e:
        print("FAIL: %s: %s" % (rel, e), file=out)
        return 1
    failures = 0
    verdicts = []
    new = list(lines)
    # Replace from the end so earlier indexes stay valid.
    for item in reversed(items):
        kind, name = item[0], item[1]
        recipe = recipes.get(name)
        label = "%s/%s" % (rel, name)
        if recipe is None or recipe.kind != kind:
            verdicts.append("FAIL: %s: no %s recipe named %s in scripts/"
                            "docs_recipes.py" % (label, kind, name))
            failures += 1
            continue
        try:
            have = recipe.render(runner)
        except docs_runs.RunError as e:
            verdicts.append("FAIL: %s: %s" % (label, e))
            failures += 1
            continue
        if kind == "files":
            diff = files(os.path.dirname(path), have, mode, out)
        elif kind == "transcript":
            start, end = item[2], item[3]
            diff = first_difference(lines[start:end], have)
            if mode == "update":
                new[start:end] = have
        else:
            idx, value = item[2], item[3]
            diff = None if value == have else (
                "figure is %r in the doc, %r in the kernel's output (doc "
                "line %d)" % (value, have, idx + 1))
            if mode == "update":
                new[idx] = new[idx].replace(
                    "<!-- fig: %s -->%s<!-- /fig -->" % (name, value),
                    "<!-- fig: %s -->%s<!-- /fig -->" % (name, have), 1)
        if mode == "check":
            if diff:
                verdicts.append("FAIL: %s: %s %s" % (label, kind, diff))
                failures += 1
            else:
                verdicts.append("PASS: %s" % label)
    for v in reversed(verdicts):
        print(v, file=out)
    if mode == "update":
        result = "\n".join(new)
        if result != text:
            with open(path, "w", encoding="utf-8") as f:
                f.write(result)
            print("docs: updated %s" % rel, file=out)
    return failures


def default_docs():
    return sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))) + [
        os.path.join(ROOT, "README.md")]  # its reading path's figures


def marked_names(paths):
    names = set()
    for p in paths:
        with open(p, encoding="utf-8") as f:
            try:
                names |= {item[1] for item in parse(f.read())[1]}
            except DocError:
                pass
    return names


def count_items(paths):
    """'N transcripts, N figures, N files markers' of the documents."""
    n = {"transcript": 0, "fig": 0, "files": 0}
    for p in paths:
        with open(p, encoding="utf-8") as f:
            try:
                for item in parse(f.read())[1]:
                    n[item[0]] += 1
            except DocError:
                pass
    return "%d transcripts, %d figures, %d generated-file markers" % (
        n["transcript"], n["fig"], n["files"])


def needed_runs(paths, recipes):
    runs = set()
    for p in paths:
        with open(p, encoding="utf-8") as f:
            try:
                _, items = parse(f.read())
            except DocError:
                continue
        for item in items:
            r = recipes.get(item[1])
            if r is not None:
                runs.add(r.run)
    return runs


# ---- self-test: the checker on a fixture, without QEMU ---------------------

def self_test(show=False):
    """The checker against tests/docs/fixture: the fixture passes; an
    edited figure, transcript line or generated picture fails, naming
    the doc, the item and the first differing line; update repairs it;
    malformed markers, unknown recipes and a recipe defined twice are
    refused."""
    fixture = os.path.join(ROOT, "tests", "docs", "fixture")
    sys.path.insert(0, fixture)
    import fixture_recipes  # noqa: E402
    recipes = fixture_recipes.RECIPES
    runner = docs_runs.Runner(fixture_recipes.RUNS, build=None)
    with open(os.path.join(fixture, "doc.md"), encoding="utf-8") as f:
        good = f.read()
    failed = 0

    pics = {}  # the fixture's generated files, relative to doc.md
    for name in os.listdir(os.path.join(fixture, "pic")):
        with open(os.path.join(fixture, "pic", name), encoding="utf-8") as f:
            pics[os.path.join("pic", name)] = f.read()

    def case(name, text, want_fail, want=(), update_to=None, edit=None):
        nonlocal failed
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "doc.md")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            os.mkdir(os.path.join(d, "pic"))
            for rel, body in pics.items():
                with open(os.path.join(d, rel), "w", encoding="utf-8") as f:
                    f.write(body)
            if edit:
                edit(d)
            log = _Capture()
            n = process(path, recipes, runner, "check", log)
            problems = []
            if bool(n) != want_fail:
                problems.append("check %s" % ("passed" if not n else
                                              "failed: " + log.text))
            problems += ["output lacks %r" % w for w in want
                         if w not in log.text]
            if update_to is not None:
                process(path, recipes, runner, "update", _Capture())
                with open(path, encoding="utf-8") as f:
                    if f.read() != update_to:
                        problems.append("update did not restore the doc")
                for rel, body in pics.items():
                    with open(os.path.join(d, rel), encoding="utf-8") as f:
                        if f.read() != body:
                            problems.append("update did not restore " + rel)
                if process(path, recipes, runner, "check", _Capture()):
                    problems.append("check fails after update")
        print("%s: docs/self-test/%s%s" % (
            "FAIL" if problems else "PASS", name,
            (": " + "; ".join(problems)) if problems else ""))
        if show:  # what the check said (docs/docs.md quotes it)
            for ln in log.text.splitlines():
                print("    " + ln.replace(d + os.sep, ""))
        failed += bool(problems)

    case("fixture-passes", good, False)
    fig = good.replace("-->3589<!--", "-->3590<!--", 1)
    assert fig != good, "the fixture has no figure 3589"
    case("edited-figure", fig, True,
         ["doc.md/dma-managed: fig figure is '3590' in the doc, '3589'"],
         update_to=good)
    line = good.replace("Normal      0      3", "Normal      0      4", 1)
    assert line != good, "the fixture has no such buddyinfo line"
    case("edited-transcript", line, True,
         ["doc.md/buddyinfo: transcript line 2 differs: doc "
          "'Node 0, zone   Normal      0      4"], update_to=good)
    short = "\n".join(ln for ln in good.split("\n") if not ln.startswith(
        "Node 0, zone   Normal      0      3"))
    case("missing-line", short, True, ["line 2 differs"], update_to=good)
    addr = good.replace("free_pages(0x…", "free_pages(0x8fe44840", 1)
    assert addr != good, "the fixture has no masked address"
    case("masked-address", addr, True,
         ["bad-free: transcript line 1 differs", "free_pages(0x8fe44840",
          "free_pages(0x…"], update_to=good)

    def edit_svg(d):  # the picture's background recoloured by hand
        path = os.path.join(d, "pic", "map.svg")
        with open(path, encoding="utf-8") as f:
            svg = f.read()
        assert 'fill="#ffffff"' in svg, "the fixture picture has no white"
        with open(path, "w", encoding="utf-8") as f:
            f.write(svg.replace('fill="#ffffff"', 'fill="#fffff0"', 1))

    case("edited-picture", good, True,
         ["doc.md/picture: files pic/map.svg line ", " differs: file "],
         update_to=good, edit=edit_svg)
    case("missing-picture", good, True,
         ["doc.md/picture: files pic/map.txt is missing"], update_to=good,
         edit=lambda d: os.remove(os.path.join(d, "pic", "map.txt")))
    case("unknown-recipe", good.replace("fig: dma-managed", "fig: nosuch"),
         True, ["no fig recipe named nosuch"])
    case("unclosed", good.replace(END, "", 1), True,
         ["is not followed by <!-- /transcript -->"])
    failed += not duplicate_refused()
    return failed


def duplicate_refused():
    """A recipe module that names one recipe twice is refused, with the
    line of the second definition."""
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "dup_recipes.py"), "w") as f:
            f.write("from docs_runs import Fig, Recipes\n"
                    "R = Recipes()\n"
                    "R['twice'] = Fig('log', 'x')\n"
                    "R['twice'] = Fig('log', 'x')\n")
        sys.path.insert(0, d)
        try:
            load_recipes("dup_recipes")
            why = "the module was accepted"
        except DocError as e:
            want = "recipe twice is defined twice (dup_recipes.py line 4)"
            why = None if str(e) == want else "said %r" % str(e)
        finally:
            sys.path.remove(d)
            sys.modules.pop("dup_recipes", None)
    print("%s: docs/self-test/duplicate-recipe%s" % (
        "FAIL" if why else "PASS", ": " + why if why else ""))
    return why is None


class _Capture:
    def __init__(self):
        self.text = ""

    def write(self, s):
        self.text += s


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mode", nargs="?", choices=("check", "update", "list"))
    ap.add_argument("docs", nargs="*")
    ap.add_argument("--self-test", action="store_true")
    ap.add_argument("--show", action="store_true",
                    help="with --self-test: also what each check printed")
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "docs"),
                    help="where the runs' logs go (default build/docs)")
    ap.add_argument("--kernel", default=os.path.join(ROOT, "build",
                                                     "kernel.elf"))
    a = ap.parse_args()
    if a.self_test:
        sys.exit(1 if self_test(a.show) else 0)
    try:
        docs_recipes = load_recipes("docs_recipes")
    except DocError as e:
        print("FAIL: docs/recipes: %s" % e)
        sys.exit(1)
    recipes = docs_recipes.RECIPES
    if a.mode == "list":
        for name, r in sorted(recipes.items()):
            print("%-28s %-10s run %s" % (name, r.kind, r.run))
        return
    if a.mode is None:
        ap.error("say check, update or list")
    paths = [os.path.abspath(p) for p in a.docs] or default_docs()
    runner = docs_runs.Runner(docs_recipes.RUNS, build=a.build,
                              kernel=a.kernel)
    try:
        runner.prepare(needed_runs(paths, recipes))
    except docs_runs.RunError as e:
        print("FAIL: docs/runs: %s" % e)
        sys.exit(1)
    failures = sum(process(p, recipes, runner, a.mode) for p in paths)
    if not a.docs:  # every recipe must be used: no forgotten ones
        used = marked_names(paths)
        for name in sorted(set(recipes) - used):
            print("FAIL: docs/recipes/%s: no document in docs/ marks it "
                  "(scripts/docs_recipes.py)" % name)
            failures += 1
    print("docs: %s %s in %d documents" % (
        count_items(paths), "checked" if a.mode == "check" else "made",
        len(paths)))
    if a.mode == "update":
        print("docs: %d item%s not generated" % (
            failures, "" if failures == 1 else "s") if failures else
            "docs: every transcript and figure regenerated")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
