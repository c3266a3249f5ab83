# SPDX-License-Identifier: MIT
"""What every check of tests/gdb shares: PASS/FAIL lines, running a
command and keeping its output in the log, the console log, and whether
the kernel has a structure."""
import os
import time
import traceback

import gdb

from rvmm import kmem

CONSOLE = os.environ.get("RVMM_CONSOLE", "")
START = time.time()
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


def console_size():
    return os.path.getsize(CONSOLE)


def console_since(offset):
    with open(CONSOLE, errors="replace") as f:
        f.seek(offset)
        return f.read().replace("\r", "")


def structure_exists(name, kind):
    if kind == "symbol":
        return kmem.has_symbol(name)
    try:
        kmem.ctype(name)
        return True
    except gdb.GdbError:
        return False
