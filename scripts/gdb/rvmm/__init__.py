# SPDX-License-Identifier: MIT
"""rvmm's GDB commands and pretty-printers (docs/gdb.md).

build/gdbinit (made from scripts/gdbinit.tmpl) puts scripts/gdb and
build/gdb on sys.path and imports this package, which registers:

  mm-zones  mm-buddyinfo  mm-page  mm-slabinfo  mm-cache  mm-kmalloc
  mm-txn    mm-leaks      mm-health  mm-heap    mm-memmap  mm-help

one class per command (its docstring is `help mm-NAME` and `mm-help
NAME`; its first line the summary that `mm-help` and GDB's `help
user-defined` list: every command registers as gdb.COMMAND_USER, which
tests/gdb checks), and the pretty-printers for struct page, struct zone
and struct kmem_cache.
Every command only reads memory; see kmem.py for the rules.
"""
from . import consts  # noqa: F401  (fails early if the build lacks it)
from .cmd_zones import MmZones, MmBuddyinfo
from .cmd_page import MmPage
from .cmd_slab import MmSlabinfo, MmCache
from .cmd_kmalloc import MmKmalloc
from .cmd_txn import MmTxn
from .cmd_leaks import MmLeaks
from .cmd_health import MmHealth
from .cmd_heap import MmHeap
from .cmd_memmap import MmMemmap
from .cmd_help import MmHelp
from . import printers

COMMAND_CLASSES = [MmZones, MmBuddyinfo, MmPage, MmSlabinfo, MmCache,
                   MmKmalloc, MmTxn, MmLeaks, MmHealth, MmHeap, MmMemmap]

commands = [cls() for cls in COMMAND_CLASSES]
MmHelp(commands)
printers.register()
