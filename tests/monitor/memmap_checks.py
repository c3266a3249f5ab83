# SPDX-License-Identifier: MIT
"""The monitor's `memmap` and `fragment`, and scripts/memmap_svg.py on
what `memmap` printed (tests/monitor/session.py runs check_memmap()).

The map's counts per kind must agree with the kernel's own counters at
the same prompt: free blocks per order with buddyinfo, free, per-CPU,
slab and reserved pages with meminfo, every frame counted once.  That
holds after boot, after `fragment` broke free memory into order-0
blocks (which the map must show), and after `fragment free`.  Every bad
argument is one line and changes nothing; the SVG script draws the map
and refuses malformed maps with a line saying where; `make memmap-svg`
draws a real boot's map after the commands it is given."""
import os
import re
import subprocess
import tempfile
import xml.etree.ElementTree as ET

LEGEND = re.compile(r"^  (\S)  (.{38}) +(\d+) pages(?: in (\d+) blocks?)?$",
                    re.M)
HEADER = re.compile(r"^memmap: \[mem 0x([0-9a-f]{16})-0x([0-9a-f]{16})\] "
                    r"(\d+) pages; one character = (\d+) pages \((\d+) KiB\), "
                    r"64 per row$", re.M)
SCALE = float(os.environ.get("TEST_TIMEOUT_SCALE", "1") or "1")
SVG = os.path.join(os.path.dirname(__file__), "..", "..", "scripts",
                   "memmap_svg.py")


def parse_map(out):
    """{"pages", "group", "rows": [str], "kinds": {what: (char, pages,
    blocks)}} of a map, or None."""
    h = HEADER.search(out or "")
    if not h:
        return None
    rows = re.findall(r"^0x[0-9a-f]{16} (\S+)$", out, re.M)
    kinds = {m.group(2).rstrip(): (m.group(1), int(m.group(3)),
                                   int(m.group(4)) if m.group(4) else None)
             for m in LEGEND.finditer(out)}
    return {"pages": int(h.group(3)), "group": int(h.group(4)),
            "rows": rows, "kinds": kinds}


def pages_of(m, prefix):
    return sum(v[1] for k, v in m["kinds"].items() if k.startswith(prefix))


def kernel_figures(s):
    """Free blocks per order (buddyinfo, all zones) and meminfo in pages."""
    out = s.run("buddyinfo") or ""
    blocks = [0] * 11
    for row in re.findall(r"^Node 0, zone\s+\w+((?:\s+\d+){11})\s*$", out,
                          re.M):
        blocks = [a + int(b) for a, b in zip(blocks, row.split())]
    info = s.run("meminfo") or ""
    kb = {k: int(v) for k, v in re.findall(r"^(\w+):\s+(\d+) kB$", info,
                                            re.M)}
    return blocks, {k: v // 4 for k, v in kb.items()}


def agreement(m, blocks, mem):
    """Problems between the map's counts and the kernel's counters."""
    bad = []
    for o in range(11):
        got = m["kinds"].get("free buddy block, order %d" % o)
        if not got or got[2] != blocks[o] or got[1] != blocks[o] << o:
            bad.append("order %d: map %s, buddyinfo %d blocks" %
                       (o, got, blocks[o]))
    pcp = m["kinds"].get("free page on a per-CPU list", (0, None))[1]
    free = pages_of(m, "free ")
    for what, got, want in (
            ("free pages", free, mem.get("MemFree")),
            ("per-CPU pages", pcp, mem.get("PerCPULists")),
            ("slab pages", pages_of(m, "slab"), mem.get("Slab")),
            ("reserved pages", pages_of(m, "reserved") +
             pages_of(m, "page tables") + pages_of(m, "not RAM"),
             mem.get("Reserved")),
            ("all frames", sum(v[1] for v in m["kinds"].values()),
             m["pages"])):
        if got != want:
            bad.append("%s: map %s, kernel %s" % (what, got, want))
    cells = -(-m["pages"] // m["group"])
    if len("".join(m["rows"])) != cells:
        bad.append("%d characters for %d groups" %
                   (len("".join(m["rows"])), cells))
    return bad


def check_counts(s, tag):
    """`memmap`, then buddyinfo and meminfo: the same figures."""
    m = parse_map(s.run("memmap"))
    if not s.check(f"memmap/{tag}/parsed", m and len(m["kinds"]) >= 20,
                   f"no map with its legend: {m}"):
        return None
    blocks, mem = kernel_figures(s)
    bad = agreement(m, blocks, mem)
    s.check(f"memmap/{tag}/counts-agree", not bad, "; ".join(bad))
    return m


HELD = re.compile(r"^fragment: holding (\d+) pages, from (0x[0-9a-f]+) to "
                  r"(0x[0-9a-f]+); give them back with: fragment free$", re.M)


def check_fragment(s, before):
    out = s.run("fragment 2048") or ""
    f = re.search(r"^fragment: took (\d+) order-0 pages, gave back the "
                  r"(\d+) at odd frame numbers ", out, re.M)
    held = HELD.search(out)
    if not s.check("fragment/done", f and held and int(f.group(1)) == 2048
                   and int(held.group(1)) + int(f.group(2)) == 2048,
                   f"{out!r}"):
        return
    after = check_counts(s, "fragmented")
    if after:
        o0 = "free buddy block, order 0"
        s.check("fragment/order-0-blocks",
                after["kinds"][o0][2] >= before["kinds"][o0][2] +
                int(f.group(2)) - 16 and "0" in "".join(after["rows"]),
                f"order-0 blocks {before['kinds'][o0]} -> "
                f"{after['kinds'][o0]}")
    for name, cmd, want in (
            ("fragment-held", "fragment 16", "fragment: refused: pages are "
             "still held (fragment free first); nothing done"),
            ("fragment-junk", "fragment 12x", "fragment: bad number of "
             "pages '12x' (a number such as 16 or 0x100); nothing done")):
        out = s.run(cmd) or ""
        s.check(f"memmap/refuse/{name}", out.strip() == want, f"{out!r}")
    check_freed_behind(s, int(held.group(1)), held.group(2))
    back = check_counts(s, "after-fragment-free")
    if back:
        s.check("fragment/all-back", pages_of(back, "free ") ==
                pages_of(before, "free "),
                f"free {pages_of(before, 'free ')} -> "
                f"{pages_of(back, 'free ')}")


def check_freed_behind(s, nr, lo):
    """A held page given back with `pages free` behind fragment's back is
    no longer fragment's: it holds one page fewer, `fragment free` gives
    back the others only, and every invariant still holds."""
    out = s.run(f"pages free {lo} 0") or ""
    s.check("fragment/freed-behind", "pages free: done" in out, f"{out!r}")
    out = s.run("fragment") or ""
    m = HELD.search(out)
    s.check("fragment/holding", m and int(m.group(1)) == nr - 1 and
            int(m.group(2), 16) > int(lo, 16), f"{out!r}")
    out = s.run("fragment free") or ""
    s.check("fragment/free", re.search(r"^fragment: gave back %d pages; "
                                       % (nr - 1), out, re.M), f"{out!r}")
    out = s.run("fragment") or ""
    s.check("fragment/none-held", out.strip() == "fragment: holding 0 pages",
            f"{out!r}")
    out = s.run("validate") or ""
    s.check("fragment/validate", "validate: every invariant holds" in out,
            f"{out!r}")


def check_refusals(s, m):
    """Bad arguments: one line each; the map afterwards is the same."""
    usage = "usage: memmap [PAGES]"
    for name, cmd, want in (
            ("not-power-of-two", "memmap 3", "memmap: refused: 3 pages per "
             "character is not a power of two; nothing printed"),
            ("zero", "memmap 0", "memmap: refused: 0 pages per character; "
             "nothing printed"),
            ("junk", "memmap x", "memmap: bad number of pages 'x' (a number "
             "such as 16 or 0x100); nothing done"),
            ("suffix", "memmap 4K", "memmap: bad number of pages '4K'"),
            ("negative", "memmap -4", "memmap: bad number of pages '-4'"),
            ("too-many-rows", "memmap 1", "memmap: refused: 1 pages per "
             "character needs 1024 rows, more than 256 (at least 4 pages "
             "per character); nothing printed"),
            ("too-big", "memmap 0x100000", "memmap: refused: 1048576 pages "
             "per character is more than the map needs (at most 65536); "
             "nothing printed"),
            ("two-args", "memmap 16 32", "memmap: too many arguments; "
             "nothing run"),
            ("fragment-too-many", "fragment 0x7fffffff", "fragment: "
             "refused: more pages than are free; nothing done"),
            ("fragment-zero", "fragment 0", "fragment: refused: 0 pages; "
             "nothing done")):
        out = s.run(cmd) or ""
        lines = [ln for ln in out.splitlines() if ln != usage]
        s.check(f"memmap/refuse/{name}", len(lines) == 1 and
                lines[0].startswith(want), f"{cmd!r}: {out!r}")
    again = parse_map(s.run("memmap"))
    s.check("memmap/refuse/unchanged", again and again["rows"] == m["rows"]
            and again["kinds"] == m["kinds"], "the map changed")


def check_fixed_show(s, m):
    """Every reserved range of the boot (the kernel, the device tree, the
    firmware's, the struct page array) shows in the default map: the
    mixing rule lets no other kind hide it."""
    missing = [what for what, v in m["kinds"].items()
               if what.startswith("reserved") and v[1] and
               v[0] not in "".join(m["rows"])]
    s.check("memmap/fixed-kinds-show", not missing and
            pages_of(m, "reserved") > 0, f"not in the map: {missing}")


def check_group(s):
    m = parse_map(s.run("memmap 256"))
    s.check("memmap/group-256", m and m["group"] == 256 and
            len(m["rows"]) == -(-m["pages"] // (256 * 64)),
            f"{m and (m['group'], len(m['rows']))}")


def svg_run(text, *extra):
    with tempfile.TemporaryDirectory() as tmp:
        src, out = os.path.join(tmp, "map.txt"), os.path.join(tmp, "m.svg")
        with open(src, "w") as f:
            f.write(text)
        r = subprocess.run(["python3", SVG, src, "-o", out, *extra],
                           capture_output=True, text=True)
        body = open(out).read() if os.path.exists(out) else None
        return r.returncode, r.stderr.replace(src, "MAP"), body


def check_svg(s, text):
    """The script draws the map; broken maps are refused, saying where."""
    rc, err, body = svg_run(text)
    cells = 0
    if body:
        root = ET.fromstring(body)
        cells = sum(int(r.get("width", 0)) // 10 for r in root.iter(
            "{http://www.w3.org/2000/svg}rect") if r.find(
            "{http://www.w3.org/2000/svg}title") is not None)
    m = parse_map(text)
    s.check("memmap/svg/draws", rc == 0 and m and cells ==
            len("".join(m["rows"])), f"rc {rc} {err!r}, {cells} cells")
    lines = text.split("\n")
    row = next(i for i, ln in enumerate(lines) if ln.startswith("0x"))
    broken = {
        "no-header": ("\n".join(lines[1:]), "MAP:1: no map header"),
        "bad-char": ("\n".join(lines[:row] + [lines[row][:-1] + "Z"] +
                               lines[row + 1:]),
                     "MAP:%d: character 'Z' is not in the legend" %
                     (row + 1)),
        "short-row": ("\n".join(lines[:row] + [lines[row][:-1]] +
                                lines[row + 1:]),
                      "MAP:%d: row of 63 characters, expected 64" %
                      (row + 1)),
        "missing-row": ("\n".join(lines[:row] + lines[row + 1:]),
                        "MAP:%d: row address" % (row + 1)),
        "no-legend": ("\n".join(lines[:row + len(m["rows"])]),
                      "MAP:%d: expected the 'legend:' line" %
                      (row + len(m["rows"]) + 1)),
    }
    for name, (bad, want) in broken.items():
        rc, err, body = svg_run(bad)
        s.check(f"memmap/svg/refuse-{name}", rc != 0 and body is None and
                err.strip().startswith("memmap_svg.py: " + want) and
                err.count("\n") == 1, f"rc {rc}, {err!r}")


def make_svg(out, args, do):
    """`make memmap-svg` into out.{svg,txt}: (status, output)."""
    root = os.path.join(os.path.dirname(__file__), "..", "..")
    r = subprocess.run(
        [os.environ.get("MAKE", "make"), "-s", "--no-print-directory", "-C",
         root, "memmap-svg", "MEM=64M", "SMP=2", "ARGS=" + args,
         "MEMMAP_DO=" + do, "MEMMAP_OUT=" + out],
        capture_output=True, text=True, timeout=600 * SCALE)
    return r.returncode, r.stdout + r.stderr


def check_make_svg(s):
    """make memmap-svg draws the map of a real boot after MEMMAP_DO; with
    no prompt to type at, it fails saying there is no map."""
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "frag")
        rc, log = make_svg(out, "ktest=none", "fragment 1024;kmalloc 64")
        text = open(out + ".txt").read() if rc == 0 else ""
        m = parse_map(text)
        o0 = m and m["kinds"]["free buddy block, order 0"]
        s.check("memmap/make-svg", rc == 0 and o0 and o0[2] >= 500 and
                os.path.getsize(out + ".svg") > 1000 and
                text.startswith("memmap: [mem 0x0000000080000000-"
                                "0x0000000083ffffff] 16384 pages;"),
                f"rc {rc}: {log[-300:]!r}, order 0: {o0}")
        rc, log = make_svg(os.path.join(tmp, "none"), "ktest=none monitor=0",
                           "")
        s.check("memmap/make-svg-no-map", rc != 0 and "no map header" in log
                and not os.path.exists(os.path.join(tmp, "none.svg")),
                f"rc {rc}: {log[-300:]!r}")


def check_memmap(s):
    out = s.run("help") or ""
    s.check("memmap/help", re.search(r"^  memmap +\[PAGES\] ", out, re.M) and
            re.search(r"^  fragment +\[PAGES\|free\] ", out, re.M),
            f"{out!r}")
    m = check_counts(s, "boot")
    if not m:
        return
    check_fixed_show(s, m)
    check_group(s)
    check_refusals(s, m)
    check_fragment(s, m)
    text = s.run("memmap") or ""
    check_svg(s, text[text.find("memmap: [mem"):])
    check_make_svg(s)
