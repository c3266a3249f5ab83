# SPDX-License-Identifier: MIT
"""tests/gdb: GDB's own help knows every mm command.  Every registered
mm-* command (GDB's `complete mm-` lists them, whichever file registered
them) appears in `help user-defined` and in `mm-help` with the first line
of its docstring, and `mm-help NAME` prints what `help NAME` prints."""
import gdb

from .common import check


def docstrings():
    """NAME -> docstring of every mm command class rvmm registered."""
    import rvmm
    out = {}
    for c in list(rvmm.commands) + [rvmm.MmHelp]:
        out[c.NAME] = (c.__doc__ or "").strip()
    return out


@check("help")
def check_help():
    bad = []
    registered = [ln.strip() for ln in
                  gdb.execute("complete mm-", to_string=True).splitlines()
                  if ln.strip()]
    docs = docstrings()
    user = gdb.execute("help user-defined", to_string=True).splitlines()
    listing = gdb.execute("mm-help", to_string=True).splitlines()
    if not registered:
        bad.append("`complete mm-` lists no command")
    for name in registered:
        doc = docs.get(name)
        if doc is None:
            bad.append("%s is registered but is not in rvmm.commands" % name)
            continue
        first = doc.splitlines()[0]
        if "%s -- %s" % (name, first) not in user:
            bad.append("help user-defined lacks '%s -- %s' (register it "
                       "with gdb.COMMAND_USER)" % (name, first))
        if "  %-13s %s" % (name, first) not in listing:
            bad.append("mm-help lacks %s with '%s'" % (name, first))
        usage = gdb.execute("mm-help " + name, to_string=True).strip()
        full = gdb.execute("help " + name, to_string=True).strip()
        if usage != full or usage != doc:
            bad.append("mm-help %s differs from help %s or the docstring"
                       % (name, name))
    try:
        gdb.execute("mm-help nosuch", to_string=True)
        bad.append("mm-help nosuch did not fail")
    except gdb.error as e:
        if "no command mm-nosuch" not in str(e):
            bad.append("mm-help nosuch: %s" % e)
    return bad
