#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A scripted session at the kernel's mm> prompt, checked line by line.

    python3 tests/monitor/session.py --kernel build/kernel.elf [--log FILE]

Boots QEMU (ktest=none, so the prompt comes quickly), waits for each
prompt, types a command, and checks what came back: the meminfo figures
against each other and against a block handed out and given back, the
buddyinfo and unusable-index tables, the health verdict going degraded on a
double free (with its console line) and healthy again on `health ack`,
kmalloc/kfree (a block listed by leaks, a double kfree counted once),
txn-demo (memory used in the transaction, every figure back after the
abort), fault injection (a rule armed, one kmalloc failed on purpose, the
counts, the verdict unmoved, a bad rule refused), the validator, an
unknown command, every kind of refused input (an address that is not RAM
or not page-aligned, a free the allocator rejects, a line too long or with
too many words, a command without its argument, bad numbers, a bad mode
switch: each message checked, the leaks table, meminfo and the validator
unchanged afterwards), the memory map against the counters
(tests/monitor/memmap_checks.py), and poweroff ending QEMU with status 0.
Timeouts are generous and multiplied by $TEST_TIMEOUT_SCALE (default 1);
every wait ends on what QEMU prints (the prompt), never on a fixed sleep.  Prints "PASS: monitor/..."
or "FAIL: monitor/...: why" per check; exits 1 if any failed.
Python 3 standard library only.
"""
import argparse
import codecs
import os
import re
import select
import subprocess
import sys
import time

from memmap_checks import check_memmap

PROMPT = "mm> "
SCALE = float(os.environ.get("TEST_TIMEOUT_SCALE", "1") or "1")


class Session:
    def __init__(self, argv, log):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT)
        self.buf = ""
        # UTF-8 (the arrows of the health lines) may be split across reads
        self.dec = codecs.getincrementaldecoder("utf-8")("replace")
        self.log = log
        self.failed = 0

    def read_until(self, marker, timeout):
        """Everything up to and including marker; None on timeout/EOF.
        timeout (seconds) is multiplied by TEST_TIMEOUT_SCALE."""
        end = time.monotonic() + timeout * SCALE
        fd = self.p.stdout.fileno()
        while marker not in self.buf:
            left = end - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                return None
            text = self.dec.decode(chunk).replace("\r", "")
            self.log.write(text)
            self.buf += text
        i = self.buf.index(marker) + len(marker)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def run(self, cmd, timeout=120):
        """Type cmd; return its output (without the echo and the prompt)."""
        self.p.stdin.write((cmd + "\r").encode())
        self.p.stdin.flush()
        out = self.read_until("\n" + PROMPT, timeout)
        if out is None:
            return None
        out = out[: -len(PROMPT)]
        first = out.find("\n")  # the echoed command line
        return out[first + 1:] if first >= 0 else out

    def check(self, name, ok, why=""):
        if ok:
            print(f"PASS: monitor/{name}")
        else:
            self.failed += 1
            print(f"FAIL: monitor/{name}: {why}")
        return ok


def field_kb(text, label):
    m = re.search(r"^" + re.escape(label) + r":\s+(\d+) kB$", text or "",
                  re.M)
    return int(m.group(1)) if m else None


def check_help(s):
    out = s.run("help") or ""
    want = ["meminfo", "buddyinfo", "slabinfo", "health", "leaks",
            "owners", "txn-demo", "kmalloc", "kfree", "pages", "fail", "validate"]
    missing = [c for c in want if not re.search(r"^  " + re.escape(c) + " ",
                                                out, re.M)]
    s.check("help", not missing, f"help does not list {missing}")


def check_meminfo(s, tag):
    out = s.run("meminfo")
    f = {k: field_kb(out, k) for k in ("MemTotal", "MemFree", "MemUsed",
                                       "DMAFree", "NormalFree", "DMATotal",
                                       "NormalTotal")}
    if not s.check(f"meminfo/{tag}/fields", None not in f.values(),
                   f"missing fields: {f}"):
        return None
    s.check(f"meminfo/{tag}/sums",
            f["MemTotal"] == f["DMATotal"] + f["NormalTotal"]
            and f["MemFree"] == f["DMAFree"] + f["NormalFree"]
            and f["MemUsed"] == f["MemTotal"] - f["MemFree"],
            f"figures do not add up: {f}")
    return f


def check_pages(s, before):
    out = s.run("pages 3") or ""
    m = re.search(r"order-3 block at (0x[0-9a-f]+) .*zone (\w+)", out)
    if not s.check("pages/alloc", m, f"no address in {out!r}"):
        return
    addr = m.group(1)
    after = check_meminfo(s, "block-out")
    if before and after:
        s.check("pages/meminfo-drops-32k",
                before["MemFree"] - after["MemFree"] == 32,
                f"MemFree {before['MemFree']} -> {after['MemFree']}")
    out = s.run("leaks") or ""
    s.check("leaks/lists-block", addr in out and "1 block" in out,
            f"leaks output {out!r}")
    out = s.run(f"pages free {addr}") or ""
    s.check("pages/free", "pages free: done" in out, f"{out!r}")
    again = check_meminfo(s, "block-back")
    if before and again:
        s.check("pages/meminfo-back", again["MemFree"] == before["MemFree"],
                f"MemFree {before['MemFree']} -> {again['MemFree']}")
    out = s.run("leaks") or ""
    s.check("leaks/empty", "0 blocks" in out, f"{out!r}")
    # the same block again: a double free, refused and reported
    out = s.run(f"pages free {addr} 3") or ""
    s.check("pages/double-free-refused",
            "bad free_pages" in out and "double free" in out
            and "pages free: refused: invalid or double free (the line "
            "above says why); nothing freed" in out and "done" not in out,
            f"{out!r}")


def check_health(s):
    out = s.run("health") or ""
    s.check("health/degraded-after-bad-free",
            "verdict: degraded" in out
            and "mm: allocators healthy → degraded: 1 bad free refused" in out
            and re.search(r"^allocators\s+degraded\s+bad frees 1 ", out, re.M),
            f"{out!r}")
    out = s.run("health ack") or ""
    s.check("health/ack-logs-healthy",
            "mm: allocators degraded → healthy: no reason left" in out,
            f"{out!r}")
    out = s.run("health") or ""
    s.check("health/healthy", "verdict: healthy" in out
            and re.search(r"^DMA zone\s+\w+\s+free ", out, re.M)
            and re.search(r"^Normal zone\s+healthy\s+free ", out, re.M),
            f"{out!r}")


def check_kmalloc(s):
    out = s.run("kmalloc 100") or ""
    m = re.search(r"^kmalloc: 100 bytes at (0x[0-9a-f]+) \(usable (\d+)", out,
                  re.M)
    if not s.check("kmalloc/alloc", m and int(m.group(2)) >= 100,
                   f"{out!r}"):
        return
    addr = m.group(1)
    out = s.run("leaks") or ""
    s.check("leaks/lists-kmalloc",
            f"kmalloc(100) block at {addr}" in out and "1 block " in out,
            f"{out!r}")
    out = s.run("kmalloc") or ""
    row = re.search(r"^kmalloc: kmalloc-128\s+(\d+)\s", out, re.M)
    s.check("kmalloc/table", "kmalloc: mode two-tier" in out
            and row and int(row.group(1)) >= 1, f"{out!r}")
    out = s.run("kmalloc nonsense") or ""
    s.check("kmalloc/bad-mode", "cannot switch to 'nonsense'" in out,
            f"{out!r}")
    out = s.run(f"kfree {addr}") or ""
    s.check("kfree/done", "kfree: done" in out, f"{out!r}")
    out = s.run("leaks") or ""
    s.check("leaks/kmalloc-gone", "0 blocks" in out, f"{out!r}")
    out = s.run(f"kfree {addr}") or ""
    s.check("kfree/double-refused", "kfree: refused" in out
            and addr in out and "double free" in out, f"{out!r}")
    out = s.run("health") or ""
    s.check("health/kfree-counted-once",
            "mm: allocators healthy → degraded: 1 bad free refused" in out,
            f"{out!r}")
    s.run("health ack")


def demo_figures(out, when):
    m = re.search(r"^txn-demo: " + when + r":\s+free pages (\d+), kmalloc "
                  r"blocks live (\d+), txn-demo cache objects out (\d+), "
                  r"heap bytes used (\d+)$", out, re.M)
    return tuple(int(x) for x in m.groups()) if m else None


def check_txn_demo(s):
    out = s.run("txn-demo") or ""
    before, during, after = (demo_figures(out, w)
                             for w in ("before", "during", "after"))
    if not s.check("txn-demo/figures", before and during and after,
                   f"{out!r}"):
        return
    s.check("txn-demo/during-uses-memory",
            during[0] < before[0] and during[1] == before[1] + 1
            and during[2] == before[2] + 1 and during[3] > before[3],
            f"before {before} during {during}")
    s.check("txn-demo/abort",
            "aborted: 4 allocations freed newest first, 1 deferred free "
            "undone" in out, f"{out!r}")
    s.check("txn-demo/all-back", after == before
            and "every figure is back: yes" in out
            and "still allocated, contents intact" in out,
            f"before {before} after {after}: {out!r}")


def check_fail(s):
    out = s.run("fail kind:kmalloc nth:1") or ""
    s.check("fail/arm", "fail: armed kind:kmalloc,nth:1" in out, f"{out!r}")
    out = s.run("kmalloc 64") or ""
    s.check("fail/injected", "kmalloc: 64 bytes failed: injected fault"
            in out, f"{out!r}")
    out = s.run("kmalloc 64") or ""
    m = re.search(r"^kmalloc: 64 bytes at (0x[0-9a-f]+) ", out, re.M)
    s.check("fail/once-only", m, f"{out!r}")
    if m:
        s.run(f"kfree {m.group(1)}")
    out = s.run("fail") or ""
    s.check("fail/show", "rule: off" in out
            and re.search(r"^injected: .* kmalloc 1 .* total 1$", out, re.M),
            f"{out!r}")
    out = s.run("health") or ""
    s.check("fail/not-judged", "verdict: healthy" in out
            and re.search(r"^faults\s+off; 1 failure injected since boot",
                          out, re.M), f"{out!r}")
    out = s.run("fail kind:fs") or ""
    s.check("fail/bad-rule", "fail: bad item 'kind:fs'" in out, f"{out!r}")
    out = s.run("fail off") or ""
    s.check("fail/off", "fail: off; the rule injected 1 failure\n" in out,
            f"{out!r}")


def check_tables(s):
    out = s.run("buddyinfo") or ""
    rows = re.findall(r"^Node 0, zone\s+(\w+)((?:\s+\d+){11})", out, re.M)
    idx = re.findall(r"^Node 0, zone\s+(\w+)((?:\s+\d\.\d{3}){11})", out,
                     re.M)
    s.check("buddyinfo", [r[0] for r in rows] == ["DMA", "Normal"]
            and [r[0] for r in idx] == ["DMA", "Normal"],
            f"{out!r}")
    out = s.run("validate") or ""
    s.check("validate", "validate: every invariant holds" in out, f"{out!r}")
    out = s.run("report") or ""
    heads = re.findall(r"^==> (.*) <==$", out, re.M)
    s.check("report/sections", heads[:5] == [
        "/proc/meminfo", "/proc/buddyinfo",
        "/sys/kernel/debug/extfrag/unusable_index", "/proc/zoneinfo",
        "pagestats"] and heads[-2:] == ["health", "end of mm report"],
        f"sections {heads}")


def check_errors(s):
    out = s.run("pages 11") or ""
    s.check("pages/bad-order", "failed: invalid argument" in out, f"{out!r}")
    out = s.run("pages x") or ""
    s.check("pages/junk", "bad order 'x'" in out, f"{out!r}")
    out = s.run("frobnicate") or ""
    s.check("unknown-command", "unknown command 'frobnicate'" in out,
            f"{out!r}")
    out = s.run("slabinfo") or ""
    s.check("slabinfo", "slabinfo - version: 2.1" in out, f"{out!r}")
    # booted without mm.page_owner=1 (docs/page_owner.md)
    out = s.run("owners") or ""
    s.check("owners/off",
            "page_owner: off (boot with mm.page_owner=1)\n" in out,
            f"{out!r}")


def leaks_count(out):
    m = re.search(r"^leaks: (\d+) blocks? allocated at this prompt", out or "",
                  re.M)
    return int(m.group(1)) if m else None


def refused(s, name, cmd, want, extra=()):
    """Type cmd; its output must contain every line start in want (the
    whole message, not a word of it) and nothing like success."""
    out = s.run(cmd)
    if out is None:
        return s.check(name, False, f"no prompt after {cmd!r}")
    lines = out.splitlines()
    missing = [w for w in want if not any(ln.startswith(w) for ln in lines)]
    bad = [ln for ln in lines if re.search(r": done|bytes at 0x|block at 0x",
                                           ln)]
    return s.check(name, not missing and not bad
                   and all(e in out for e in extra),
                   f"{cmd!r}: missing {missing}, success lines {bad}, "
                   f"output {out!r}")


def check_bad_addresses(s):
    """Addresses no block can start at, and frees the allocator rejects:
    refused, and the leaks table keeps the block exactly once."""
    refused(s, "refuse/pages-free-not-ram", "pages free 0xdeadb000",
            ["pages free: refused: 0xdeadb000 is not RAM the page "
             "allocator manages (no struct page); nothing freed"])
    refused(s, "refuse/pages-free-unaligned", "pages free 0xdeadbeef",
            ["pages free: refused: 0xdeadbeef is not page-aligned (a "
             "block starts on a page); nothing freed"])
    refused(s, "refuse/pages-free-zero", "pages free 0",
            ["pages free: refused: 0x0 is not RAM"])
    out = s.run("pages 2") or ""
    m = re.search(r"order-2 block at (0x[0-9a-f]+)", out)
    if not s.check("refuse/setup-block", m, f"{out!r}"):
        return
    addr = m.group(1)
    # An order-2 block freed as order 3: where the block lies decides
    # which check refuses it first.
    why = ("wrong order" if (int(addr, 16) >> 12) % 8 == 0
           else "page not aligned to the order")
    refused(s, "refuse/pages-free-wrong-order", f"pages free {addr} 3",
            ["page_alloc: bad free_pages(",
             "pages free: refused: invalid or double free (the line above "
             "says why); nothing freed"], extra=(why,))
    refused(s, "refuse/pages-free-tail-page",
            f"pages free {int(addr, 16) + 4096:#x} 0",
            ["page_alloc: bad free_pages(", "pages free: refused: invalid or "
             "double free"])
    refused(s, "refuse/pages-free-unknown-no-order", "pages free 0x80200000",
            ["pages free: refused: 0x80200000 was not allocated here; give "
             "its order: pages free ADDR ORDER"])
    m = re.search(r"^kmalloc: 64 bytes at (0x[0-9a-f]+) ",
                  s.run("kmalloc 64") or "", re.M)
    if m:
        km = m.group(1)
        refused(s, "refuse/pages-free-of-kmalloc-block", f"pages free {km}",
                [f"pages free: refused: {km} came from 'kmalloc': kfree "
                 f"{km}"])
        s.run(f"kfree {km}")
    else:
        s.check("refuse/pages-free-of-kmalloc-block", False, "no block")
    refused(s, "refuse/kfree-of-pages-block", f"kfree {addr}",
            [f"kfree: refused: {addr} came from 'pages': pages free {addr}"])
    out = s.run("leaks") or ""
    s.check("refuse/leaks-keeps-block-once",
            out.count(f"block at {addr} ") == 1 and leaks_count(out) == 1,
            f"{out!r}")
    out = s.run(f"pages free {addr}") or ""
    s.check("refuse/free-after-refusals", "pages free: done" in out,
            f"{out!r}")
    out = s.run("pages 2") or ""
    m = re.search(r"order-2 block at (0x[0-9a-f]+)", out)
    again = m.group(1) if m else None
    out = s.run("leaks") or ""
    s.check("refuse/leaks-no-duplicate", again and leaks_count(out) == 1
            and out.count(f"block at {again} ") == 1, f"{out!r}")
    if again:
        s.run(f"pages free {again}")
    out = s.run("leaks") or ""
    s.check("refuse/leaks-empty-again", leaks_count(out) == 0, f"{out!r}")


def check_bad_lines(s):
    """Lines run whole or not at all; commands without their arguments
    print their usage."""
    line = "kmalloc 1" + " " * 130 + "0"
    refused(s, "refuse/line-too-long", line,
            ["monitor: line too long (more than 127 characters); nothing "
             "run"])
    out = s.run("leaks" + " " * 122) or ""  # exactly 127 characters
    s.check("refuse/line-of-127-runs", leaks_count(out) == 0, f"{out!r}")
    refused(s, "refuse/line-of-128", "leaks" + " " * 123,
            ["monitor: line too long"])
    refused(s, "refuse/too-many-words", "fail a b c d e f g h",
            ["monitor: more than 8 words on the line; nothing run"])
    for cmd, usage in (("kfree", "kfree ADDR"),
                       ("pages", "pages ORDER [dma] | free ADDR [ORDER]")):
        refused(s, f"usage/{cmd}", cmd,
                [f"{cmd}: missing argument; nothing run", f"usage: {usage}"])
    refused(s, "usage/pages-free", "pages free",
            ["pages free: missing ADDR; nothing done",
             "usage: pages ORDER [dma] | free ADDR [ORDER]"])
    refused(s, "usage/kfree-extra", "kfree 0x1000 0x2000",
            ["kfree: too many arguments; nothing run", "usage: kfree ADDR"])
    refused(s, "usage/meminfo-extra", "meminfo now",
            ["meminfo: too many arguments; nothing run", "usage: meminfo"])
    refused(s, "usage/health-word", "health nack",
            ["health: unknown word 'nack'; nothing done",
             "usage: health [ack]"])
    refused(s, "usage/pages-word", "pages 2 dmx",
            ["pages: unknown word 'dmx'; nothing done", "usage: pages "])
    refused(s, "usage/kmalloc-word", "kmalloc 64 dmx",
            ["kmalloc: unknown word 'dmx'; nothing done", "usage: kmalloc "])


def check_bad_numbers(s):
    num = "(a number such as 12 or 0x1f"
    for name, cmd, what in (
            ("kmalloc-junk", "kmalloc 12abc", "kmalloc: bad size '12abc'"),
            ("kmalloc-negative", "kmalloc -5", "kmalloc: bad size '-5'"),
            ("kmalloc-overflow", "kmalloc 99999999999999999999",
             "kmalloc: bad size '99999999999999999999'"),
            ("kmalloc-suffix-overflow", "kmalloc 0xffffffffffffG",
             "kmalloc: bad size '0xffffffffffffG'"),
            ("pages-suffix", "pages 1K", "pages: bad order '1K'"),
            ("pages-hex-junk", "pages 0x", "pages: bad order '0x'"),
            ("kfree-junk", "kfree 0xzz", "kfree: bad address '0xzz'"),
            ("pages-free-junk", "pages free 0x8020000g",
             "pages free: bad address '0x8020000g'"),
            ("pages-free-order", "pages free 0x80200000 2x",
             "pages free: bad order '2x'")):
        refused(s, f"bad-number/{name}", cmd, [f"{what} {num}"])
    out = s.run("kfree 0") or ""
    s.check("kfree/null", "kfree: NULL: nothing to free (kfree(NULL) does "
            "nothing)" in out, f"{out!r}")


def check_bad_switch(s):
    refused(s, "refuse/kmalloc-switch-half", "kmalloc simple nonsense",
            ["kmalloc: cannot switch to 'nonsense' (one of the modes "
             "two-tier simple hybrid, and debug or nodebug); nothing "
             "switched"])
    refused(s, "refuse/kmalloc-two-modes", "kmalloc simple hybrid",
            ["kmalloc: cannot switch to 'hybrid'"])
    out = s.run("kmalloc") or ""
    s.check("refuse/kmalloc-mode-unchanged",
            "kmalloc: mode two-tier, debug off" in out, f"{out!r}")


def check_full_table(s):
    """With every slot of the monitor's table taken, a further allocation
    is refused before it is made; huge sizes are the allocator's to
    refuse, with its reason."""
    refused(s, "refuse/kmalloc-huge", "kmalloc 0xffffffffffffffff",
            ["kmalloc: 18446744073709551615 bytes failed: "])
    refused(s, "refuse/kmalloc-1G", "kmalloc 1G",
            ["kmalloc: 1073741824 bytes failed: out of memory"])
    addrs = []
    for _ in range(32):
        m = re.search(r"^kmalloc: 8 bytes at (0x[0-9a-f]+) ",
                      s.run("kmalloc 8") or "", re.M)
        if m:
            addrs.append(m.group(1))
    if not s.check("refuse/table-filled", len(addrs) == 32,
                   f"{len(addrs)} of 32 blocks"):
        return
    refused(s, "refuse/table-full-kmalloc", "kmalloc 8",
            ["kmalloc: the monitor already holds 32 blocks; free some "
             "first"])
    refused(s, "refuse/table-full-pages", "pages 0",
            ["pages: the monitor already holds 32 blocks; free some first"])
    out = s.run("leaks") or ""
    s.check("refuse/table-full-leaks", leaks_count(out) == 32, f"{out!r}")
    done = sum("kfree: done" in (s.run(f"kfree {a}") or "") for a in addrs)
    s.check("refuse/table-emptied", done == 32, f"{done} of 32 freed")


def check_refusals(s):
    """Every refused input says so and changes nothing: meminfo, the
    leaks table and the validator agree before and after."""
    before = check_meminfo(s, "before-refusals")
    check_bad_addresses(s)
    check_bad_lines(s)
    check_bad_numbers(s)
    check_bad_switch(s)
    after = check_meminfo(s, "after-refusals")
    if before and after:
        s.check("refuse/meminfo-unchanged",
                before["MemFree"] == after["MemFree"]
                and before["MemUsed"] == after["MemUsed"],
                f"before {before} after {after}")
    check_full_table(s)  # (its 32 blocks may leave a slab page behind)
    out = s.run("leaks") or ""
    s.check("refuse/leaks-empty", leaks_count(out) == 0, f"{out!r}")
    out = s.run("validate") or ""
    s.check("refuse/validate", "validate: every invariant holds" in out,
            f"{out!r}")
    out = s.run("health") or ""
    s.check("refuse/bad-frees-counted",
            re.search(r"^allocators\s+degraded\s+bad frees 2 ", out, re.M),
            f"{out!r}")
    s.run("health ack")



def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--qemu", default="qemu-system-riscv64")
    ap.add_argument("--bios", required=True)
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--log", default="/dev/null")
    a = ap.parse_args()
    argv = [a.qemu, "-machine", "virt", "-nographic", "-bios", a.bios,
            "-m", "256M", "-smp", "2", "-kernel", a.kernel,
            "-append", "ktest=none"]
    with open(a.log, "w") as log:
        s = Session(argv, log)
        try:
            if not s.check("boot", s.read_until(PROMPT, 300) is not None,
                           "no mm> prompt within %d s" % (300 * SCALE)):
                return 1
            check_help(s)
            before = check_meminfo(s, "boot")
            check_pages(s, before)
            check_health(s)
            check_kmalloc(s)
            check_txn_demo(s)
            check_fail(s)
            check_tables(s)
            check_errors(s)
            check_refusals(s)
            check_memmap(s)
            s.p.stdin.write(b"poweroff\r")
            s.p.stdin.flush()
            s.read_until("poweroff\n", 60)
            try:
                rc = s.p.wait(60 * SCALE)
            except subprocess.TimeoutExpired:
                rc = "timeout"
            s.check("poweroff", rc == 0, f"QEMU exit status {rc}")
        finally:
            if s.p.poll() is None:
                s.p.kill()
                s.p.wait()
    return 1 if s.failed else 0


if __name__ == "__main__":
    sys.exit(main())
