#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Draw the kernel's physical memory map (`memmap`, `mm-memmap`) as SVG.

    memmap_svg.py [-o OUT.svg] [--map N] [--title TEXT] [--save-text F] INPUT

INPUT is the text of a map as the monitor's `memmap` or GDB's `mm-memmap`
prints it, alone or inside a console log ("-": standard input).  A log
may hold several maps: the last is drawn, or the Nth with --map N (1 is
the first).  Each character becomes a cell coloured by its kind, each
row is labelled with its physical address, and the legend (with the
pages of each kind) is drawn below.  Free buddy blocks go from light
(order 0) to dark green (the largest order), so fragmentation shows as
pale cells.  --save-text writes the text of the map drawn (without the
rest of the log).  Input that is not such a map is refused with one line
saying where (FILE:LINE) and what was expected; nothing is written then.
`make memmap-svg` boots the kernel and runs this on its map
(docs/buddy.md, "Pictures of memory").  Python 3 standard library only.
"""
import argparse
import re
import sys
from xml.sax.saxutils import escape

HEADER = re.compile(r"memmap: \[mem 0x([0-9a-f]{16})-0x([0-9a-f]{16})\] "
                    r"(\d+) pages; one character = (\d+) pages "
                    r"\((\d+) KiB\), (\d+) per row$")
ROW = re.compile(r"0x([0-9a-f]{16}) (\S+)$")
LEGEND = re.compile(r"  (\S)  (.{38}) +(\d+) pages(?: in (\d+) blocks?)?$")
TOTALS = re.compile(r"memmap: (\d+) pages free \(buddy (\d+) \+ per-CPU "
                    r"(\d+)\)$")
PAGE = 4096

# Colours of the kinds that are not free blocks, by their character.
PALETTE = {
    "p": "#7fb8e6", "s": "#f0a030", "k": "#b070d0", "d": "#40a0a0",
    "a": "#a0a040", "#": "#9a9a9a", "?": "#ff0000", "t": "#a02020",
    "K": "#203080", "D": "#e040a0", "F": "#202020", "M": "#806040",
    "-": "#ffffff",
}
OTHER = "#ffe000"  # a kind this script does not know


class Refused(Exception):
    """Not a map: (line number, what is wrong)."""


def free_colour(order, top):
    """Light green for order 0 to dark green for order top."""
    t = order / max(top, 1)
    lo, hi = (0xd8, 0xf0, 0xd0), (0x10, 0x60, 0x20)
    return "#%02x%02x%02x" % tuple(int(a + (b - a) * t) for a, b in
                                   zip(lo, hi))


def find_header(lines, which):
    """Index of the header line of the map to draw."""
    heads = [i for i, ln in enumerate(lines) if ln.startswith("memmap: [mem")]
    if not heads:
        raise Refused(1, "no map header ('memmap: [mem 0x...-0x...] N "
                      "pages; one character = ...'): is this the output "
                      "of memmap or mm-memmap?")
    if which is None:
        return heads[-1]
    if not 1 <= which <= len(heads):
        raise Refused(1, "--map %d: the input holds %d map%s" %
                      (which, len(heads), "" if len(heads) == 1 else "s"))
    return heads[which - 1]


def parse_header(line, no):
    m = HEADER.match(line)
    if not m:
        raise Refused(no, "malformed map header %r" % line[:80])
    start, last = int(m.group(1), 16), int(m.group(2), 16)
    pages, group, kib, cols = (int(m.group(i)) for i in range(3, 7))
    if last < start or (last + 1 - start) != pages * PAGE or not group or \
            group & (group - 1) or kib * 1024 != group * PAGE or not cols:
        raise Refused(no, "the header's figures do not agree: %r" %
                      line[:80])
    return {"start": start, "pages": pages, "group": group, "cols": cols}


def parse_rows(lines, i, m):
    """The rows from line i on; returns (rows, index of the next line)."""
    cells = (m["pages"] + m["group"] - 1) // m["group"]
    rows, step = [], m["cols"] * m["group"] * PAGE
    while i < len(lines) and lines[i].startswith("0x"):
        r = ROW.match(lines[i])
        if not r:
            raise Refused(i + 1, "malformed row %r (an address, one space, "
                          "the characters)" % lines[i][:80])
        want = m["start"] + len(rows) * step
        if int(r.group(1), 16) != want:
            raise Refused(i + 1, "row address 0x%s, expected 0x%016x" %
                          (r.group(1), want))
        left = cells - len(rows) * m["cols"]
        if len(r.group(2)) != min(left, m["cols"]):
            raise Refused(i + 1, "row of %d characters, expected %d" %
                          (len(r.group(2)), max(min(left, m["cols"]), 0)))
        rows.append((i + 1, r.group(2)))
        i += 1
    if len(rows) * m["cols"] < cells:
        raise Refused(i + 1, "%d rows, expected %d" %
                      (len(rows), -(-cells // m["cols"])))
    return rows, i


def parse_legend(lines, i, m):
    """The legend from line i on: [(char, what, pages, blocks)]."""
    if i >= len(lines) or not lines[i].startswith("legend:"):
        raise Refused(i + 1, "expected the 'legend:' line after the rows")
    i += 2  # its two lines of text
    kinds = []
    while i < len(lines) and LEGEND.match(lines[i]):
        g = LEGEND.match(lines[i]).groups()
        kinds.append((g[0], g[1].rstrip(), int(g[2]),
                      int(g[3]) if g[3] else None))
        i += 1
    if not kinds:
        raise Refused(i + 1, "no legend entries ('  C  what   N pages')")
    if i >= len(lines) or not TOTALS.match(lines[i]):
        raise Refused(i + 1, "expected 'memmap: N pages free (buddy N + "
                      "per-CPU N)' after the legend")
    total = sum(k[2] for k in kinds)
    if total != m["pages"]:
        raise Refused(i + 1, "the legend counts %d pages, the header %d" %
                      (total, m["pages"]))
    return kinds


def parse(text, which=None):
    """The map to draw: header figures, rows, legend; Refused if bad."""
    lines = text.replace("\r", "").split("\n")
    h = find_header(lines, which)
    m = parse_header(lines[h], h + 1)
    m["rows"], i = parse_rows(lines, h + 1, m)
    m["kinds"] = parse_legend(lines, i, m)
    m["text"] = "\n".join(lines[h:i + len(m["kinds"]) + 3]) + "\n"
    known = {k[0] for k in m["kinds"]}
    for no, row in m["rows"]:
        bad = sorted(set(row) - known)
        if bad:
            raise Refused(no, "character %r is not in the legend" % bad[0])
    return m


def colours(kinds):
    orders = {}
    for ch, what, _, _ in kinds:
        o = re.search(r"free buddy block, order (\d+)", what)
        if o:
            orders[ch] = int(o.group(1))
    top = max(orders.values(), default=0)
    return {ch: free_colour(orders[ch], top) if ch in orders else
            PALETTE.get(ch, OTHER) for ch, _, _, _ in kinds}


def size_str(n):
    for unit, shift in (("GiB", 30), ("MiB", 20)):
        if n >= 1 << shift and not n % (1 << shift):
            return "%d %s" % (n >> shift, unit)
    return "%d KiB" % (n >> 10)


CELL, LEFT, TOP, LINE = 10, 150, 46, 18


def draw_cells(m, col, out):
    for r, (_, row) in enumerate(m["rows"]):
        y = TOP + r * CELL
        out.append('<text x="%d" y="%d" class="addr">0x%016x</text>' %
                   (LEFT - 8, y + CELL - 1, m["start"] +
                    r * m["cols"] * m["group"] * PAGE))
        c = 0
        while c < len(row):
            n = len(row) - c - len(row[c:].lstrip(row[c]))
            out.append('<rect x="%d" y="%d" width="%d" height="%d" '
                       'fill="%s"><title>%s</title></rect>' %
                       (LEFT + c * CELL, y, n * CELL, CELL, col[row[c]],
                        escape(row[c])))
            c += n


def draw_legend(m, col, y, out):
    half = (len(m["kinds"]) + 1) // 2
    for n, (ch, what, pages, blocks) in enumerate(m["kinds"]):
        x = 10 + (n // half) * 330
        yy = y + (n % half) * LINE
        extra = "" if blocks is None else " in %d block%s" % (
            blocks, "" if blocks == 1 else "s")
        out.append('<rect x="%d" y="%d" width="12" height="12" fill="%s" '
                   'stroke="#808080"/>' % (x, yy - 10, col[ch]))
        out.append('<text x="%d" y="%d"><tspan class="mono">%s</tspan>  '
                   '%s: %d pages%s</text>' %
                   (x + 18, yy, escape(ch), escape(what), pages, extra))
    return y + half * LINE


def svg(m, title):
    col = colours(m["kinds"])
    width = LEFT + m["cols"] * CELL + 20
    out = []
    draw_cells(m, col, out)
    grid_end = TOP + len(m["rows"]) * CELL
    end = draw_legend(m, col, grid_end + 30, out)
    head = ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
            'font-family="sans-serif" font-size="12">' %
            (max(width, 680), end + 10),
            '<style>.addr{font-family:monospace;font-size:9px;'
            'text-anchor:end}.mono{font-family:monospace;'
            'font-weight:bold}</style>',
            '<rect width="100%" height="100%" fill="#ffffff"/>',
            '<text x="10" y="18" font-size="14">%s</text>' % escape(title),
            '<text x="10" y="36">%s of RAM from 0x%x; one cell = %d pages '
            '(%s), %d cells per row</text>' %
            (size_str(m["pages"] * PAGE), m["start"], m["group"],
             size_str(m["group"] * PAGE), m["cols"]),
            '<rect x="%d" y="%d" width="%d" height="%d" fill="none" '
            'stroke="#808080"/>' % (LEFT, TOP, m["cols"] * CELL,
                                    len(m["rows"]) * CELL))
    return "\n".join(list(head) + out + ["</svg>"]) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input", help="a map, or a console log holding maps "
                    "('-': standard input)")
    ap.add_argument("-o", "--output", help="the SVG (default: standard "
                    "output)")
    ap.add_argument("--map", type=int, help="draw the Nth map of the input "
                    "(1: the first; default: the last)")
    ap.add_argument("--title", default="Physical memory map",
                    help="the picture's title")
    ap.add_argument("--save-text", metavar="FILE",
                    help="also write the text of the map drawn to FILE")
    a = ap.parse_args()
    name = "<stdin>" if a.input == "-" else a.input
    try:
        if a.input == "-":
            text = sys.stdin.read()
        else:
            with open(a.input, encoding="utf-8", errors="replace") as f:
                text = f.read()
        m = parse(text, a.map)
    except OSError as e:
        sys.exit("memmap_svg.py: %s: %s" % (name, e.strerror))
    except Refused as e:
        sys.exit("memmap_svg.py: %s:%d: %s" % (name, e.args[0], e.args[1]))
    out = svg(m, a.title)
    if a.save_text:
        with open(a.save_text, "w") as f:
            f.write(m["text"])
    if a.output:
        with open(a.output, "w") as f:
            f.write(out)
    else:
        sys.stdout.write(out)


if __name__ == "__main__":
    main()
