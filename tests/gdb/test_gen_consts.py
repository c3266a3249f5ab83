#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""scripts/gdb/gen_consts.py on a made-up header and two .c files, with the
host compiler: the values must be what C says (expressions, enums with and
without initialisers, macros built on other macros and on enumerators), a
.c file's macros must be kept apart from another's and from the headers',
names that are not integer constants must be skipped and listed, and a
missing required name must fail the build.  Prints PASS:/FAIL: lines."""
import os
import runpy
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "..", "..", "scripts", "gdb", "gen_consts.py")
CC = os.environ.get("HOSTCC", "gcc")

HEADER = r"""
#ifndef T_H
#define T_H
#define ORDERS 11
#define BIG (1UL << (ORDERS - 1))   /* comment */
#define NEG (-3)
#define MULTI (ORDERS + \
	       2)
#define NAME "a string"
#define ATTR __attribute__((aligned(64)))
#define FN(x) ((x) + 1)
enum colour { RED, GREEN = 5, BLUE, /* trailing */ NR_COLOURS };
enum { ANON_A = BIG * 2, ANON_B };
#define FROM_ENUM (NR_COLOURS * 10)
// a line comment #define NOT_ME 1
#endif
"""

WANT = {"ORDERS": 11, "BIG": 1024, "NEG": -3, "MULTI": 13, "RED": 0,
        "GREEN": 5, "BLUE": 6, "NR_COLOURS": 7, "ANON_A": 2048,
        "ANON_B": 2049, "FROM_ENUM": 70}


# Two .c files: their own #defines, evaluated with the header's names,
# kept apart (the same name twice), a bad one dropped.
C_FILES = {
    "a.c": "#include \"t.h\"\n#define LOCAL_X (ORDERS * 2)\n"
           "#define SAME 1\n#define BROKEN no_such_thing\n"
           "#define FN2(a) (a)\nint f(void) { return LOCAL_X; }\n",
    "b.c": "#define SAME 2\n#define FROM_TYPE sizeof(struct not_here)\n",
}


def run(tmp, require):
    out = os.path.join(tmp, "c.py")
    r = subprocess.run([sys.executable, GEN, "--cc", "%s -I%s" % (CC, tmp),
                        "--require", require, "-o", out,
                        os.path.join(tmp, "t.h")] +
                       [os.path.join(tmp, c) for c in sorted(C_FILES)],
                       capture_output=True, text=True, cwd=tmp)
    return r, out


def main():
    bad = []
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "t.h"), "w") as f:
            f.write(HEADER)
        for name, text in C_FILES.items():
            with open(os.path.join(tmp, name), "w") as f:
                f.write(text)
        r, out = run(tmp, "ORDERS,NR_COLOURS")
        if r.returncode:
            print("FAIL: gdb/gen_consts: exit %d: %s" % (r.returncode,
                                                         r.stderr[-300:]))
            return 1
        mod = runpy.run_path(out)
        for name, value in WANT.items():
            if mod["CONSTS"].get(name) != value:
                bad.append("%s = %s, want %d" % (name,
                                                 mod["CONSTS"].get(name),
                                                 value))
        for name in ("NAME", "ATTR"):
            if name in mod["CONSTS"] or name not in mod["SKIPPED"]:
                bad.append("%s should be skipped" % name)
        for name in ("FN", "T_H", "NOT_ME"):
            if name in mod["CONSTS"]:
                bad.append("%s should not be a constant" % name)
        if mod["ENUMS"].get("colour") != ["RED", "GREEN", "BLUE",
                                          "NR_COLOURS"]:
            bad.append("ENUMS['colour'] = %s" % mod["ENUMS"].get("colour"))
        if mod["KIND"].get("ORDERS") != "define" or \
                mod["KIND"].get("RED") != "enum":
            bad.append("KIND is wrong: %s" % mod["KIND"])
        a = mod["LOCAL"].get(os.path.join(tmp, "a.c"), {})
        b = mod["LOCAL"].get(os.path.join(tmp, "b.c"), {})
        if a != {"LOCAL_X": 22, "SAME": 1} or b != {"SAME": 2}:
            bad.append("LOCAL = %s" % mod["LOCAL"])
        if "LOCAL_X" in mod["CONSTS"]:
            bad.append("a .c file's macro leaked into CONSTS")
        if mod.get("BIG") != 1024:
            bad.append("module attribute BIG missing")
        r, _ = run(tmp, "ORDERS,NO_SUCH_NAME")
        if r.returncode == 0 or "NO_SUCH_NAME" not in r.stderr:
            bad.append("a missing required name did not fail the build")
    if bad:
        print("FAIL: gdb/gen_consts: " + "; ".join(bad))
        return 1
    print("PASS: gdb/gen_consts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
