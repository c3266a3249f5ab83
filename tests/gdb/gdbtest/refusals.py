# SPDX-License-Identifier: MIT
"""tests/gdb: what the commands say when they cannot answer -- before
mm_init() (one line saying so and what to do, never an empty table or a
verdict of zeros) and for bad arguments (one line naming the command and
the problem; negative numbers with a minus sign, never 0x-1)."""
import gdb

from .common import check

# Every command (and its variants) that reads the kernel's state.
EARLY = ["mm-zones", "mm-buddyinfo", "mm-buddyinfo check",
         "mm-page pfn=0x80000", "mm-page &zones", "mm-slabinfo",
         "mm-cache kmalloc-256", "mm-kmalloc", "mm-txn", "mm-leaks",
         "mm-leaks all", "mm-health", "mm-heap", "mm-heap system",
         "mm-memmap"]

# command, the start of its one-line error (after mm_init)
BAD_ARGS = [
    ("mm-heap nosuch", "mm-heap: no heap named 'nosuch', and it is not an "
     "expression for one (heaps: system@0x"),
    ("mm-heap -1", "mm-heap: -0x1 is not a registered heap (heaps: "),
    ("mm-heap 1.5", "mm-heap: '1.5' is a double, not a heap"),
    ("mm-cache nosuch", "mm-cache: no cache named 'nosuch' (caches: "),
    ("mm-cache -1", "mm-cache: -0x1 is not a cache on the list of caches"),
    ("mm-page pfn=-1", "mm-page: pfn -0x1 is outside the struct page array"),
    ("mm-page -4096", "mm-page: pfn -0x1 is outside the struct page array"),
    ("mm-page page=-8", "mm-page: -0x8 is not a struct page in mem_map"),
    ("mm-page pfn=nosuch", "mm-page: bad pfn 'nosuch' (No symbol "
     "\"nosuch\" in current context.)"),
    ("mm-page pfn=1.5", "mm-page: bad pfn '1.5' (not an integer: double)"),
    ("mm-page pfn=", "mm-page: bad pfn '' (give a number or an "
     "expression)"),
    ("mm-page 2.5", "mm-page: bad address '2.5' (not an integer or a "
     "pointer: double)"),
    ("mm-page nosuch", "mm-page: bad address 'nosuch' (No symbol"),
    ("mm-buddyinfo nonsense", "usage: mm-buddyinfo [check]"),
    ("mm-leaks some", "usage: mm-leaks [all]"),
    ("mm-zones now", "mm-zones takes no argument"),
]


def one_line_error(line):
    """(error message or None, output printed)."""
    try:
        out = gdb.execute(line, to_string=True)
    except gdb.error as e:
        print("(gdb) %s\nerror: %s" % (line, e))
        return str(e), ""
    print("(gdb) %s\n%s" % (line, out), end="")
    return None, out


def plain(err):
    """Problems of an error text that must be one plain line."""
    bad = []
    if "\n" in err.strip():
        bad.append("more than one line")
    if "Traceback" in err or "Error occurred in Python" in err:
        bad.append("a Python traceback")
    if "0x-" in err:
        bad.append("a negative number as 0x-")
    return bad


def stop_at(function):
    """Continue to function (a hardware breakpoint: paging is not on
    yet); None when stopped there, else why not."""
    bp = gdb.Breakpoint(function, type=gdb.BP_HARDWARE_BREAKPOINT,
                        internal=True)
    try:
        gdb.execute("continue", to_string=True)
        name = gdb.selected_frame().name()
    finally:
        bp.delete()
    return None if name == function else "stopped in %s" % name


def refusals(lines, why):
    """Problems unless each command fails with the not-initialised line."""
    bad = []
    for line in lines:
        name = line.split()[0]
        want = ("%s: mm is not initialised yet (%s); stop once it is: "
                "break mm_debug_checkpoint, then continue" % (name, why))
        err, out = one_line_error(line)
        if err is None:
            bad.append("%s printed %r instead of refusing" % (line, out[:80]))
        elif err != want:
            bad.append("%s: %r, expected %r" % (line, err, want))
        else:
            bad += ["%s: %s" % (line, p) for p in plain(err)]
    return bad


@check("before-mm-init")
def check_before_init():
    """Stopped at mm_init(): every command refuses in one line saying mm
    is not initialised and what to do; mm-help says so too.  Stopped at
    slab_init() (inside mm_init()), the commands still refuse."""
    why = stop_at("mm_init")
    if why:
        return ["could not stop at mm_init: %s" % why]
    bad = refusals(EARLY, "mm_init() has not run: mem_map is NULL")
    err, out = one_line_error("mm-help")
    if err is not None or "mm is not initialised (mm_init() has not run: " \
            "mem_map is NULL)" not in out:
        bad.append("mm-help before mm_init: %r %r" % (err, out[-200:]))
    # half-way: the page array is there, the slab layer not yet
    why = stop_at("slab_init")
    if why:
        return bad + ["could not stop at slab_init: %s" % why]
    return bad + refusals(["mm-zones", "mm-slabinfo", "mm-health"],
                          "mm_init() has not finished: no slab cache yet")


@check("bad-arguments")
def check_bad_args():
    """Bad numbers, unknown heap and cache names: one line each, naming
    the command and what was wrong."""
    bad = []
    for line, want in BAD_ARGS:
        err, out = one_line_error(line)
        if err is None:
            bad.append("%s printed %r instead of refusing" % (line, out[:80]))
        elif not err.startswith(want):
            bad.append("%s: %r, expected it to start %r" % (line, err, want))
        else:
            bad += ["%s: %s" % (line, p) for p in plain(err)]
    return bad
