#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run the in-kernel benchmarks under QEMU -icount and collect the figures.

  bench.py run-all [--kernel K] [--kernel-zbb K] [--out build/bench] [--quick]
      every boot `make bench` makes: the micro and heap benchmarks with the
      default -march and with Zbb, scaling on 8 harts, mm_init and pages at 128M/1G/4G;
      writes OUT/kernel.csv and OUT/kernel.md (and one .log per boot).
  bench.py run --label L [--mem M] [--smp N] [--filter F] [--kernel K] ...
      one boot; writes OUT/L.log and OUT/L.csv.
  bench.py check LOG [--expect NAME,...]
      the smoke test: every "# bench:" line well formed, the run started
      and ended with failed=0, no "# bench-error:"; prints PASS/FAIL lines.
  bench.py programs [--so build/host/libmm_malloc.so] [--out build/bench]
      real programs (gcc, python3, sort, xz -T2, git, sqlite3, bash, perl) on
      glibc, on kmalloc through libmm_malloc.so, and on jemalloc and
      mimalloc, all by LD_PRELOAD; run times as ratios to glibc in the
      same repetition, appended to OUT/host.md as a section, and
      OUT/programs.csv.
  bench.py report [--out build/bench] [--docs docs/bench] [--doc docs/bench.md]
      copies the last run's CSVs (and kernel.md, host.md) to docs/bench/,
      draws the gnuplot SVGs there, and regenerates every bench marker of
      docs/bench.md from those copies (scripts/bench_doc.py).
  bench.py check-doc [DOC] [--data docs/bench]
      PASS/FAIL per marker: the doc's figures and tables equal what the
      CSVs in --data say (the docs test group; runs no benchmark).
  bench.py self-test [--show]
      check-doc on the fixture tests/docs/fixture/bench/: a wrong figure
      or table cell must fail, naming the marker and both values.

A figure line, as the kernel prints it (bench/bench.h):
  # bench: <name> median=<n> max=<n> unit=<instr|ratio|bytes|percent>
Only figures are parsed; they are never compared with targets here.
"""
import argparse
import csv
import datetime
import os
import re
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_doc  # noqa: E402

LINE = re.compile(r"^# bench: (\S+) median=(\d+(?:\.\d+)?) "
                  r"max=(\d+(?:\.\d+)?) unit=(instr|ratio|bytes|percent)$")
OPENSBI = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf"
ICOUNT = "shift=0,align=off,sleep=off"
FIELDS = ["config", "march", "name", "median", "max", "unit"]


def qemu_cmd(kernel, mem, smp, args):
    return [os.environ.get("QEMU", "qemu-system-riscv64"), "-machine", "virt",
            "-nographic", "-bios", os.environ.get("OPENSBI", OPENSBI),
            "-m", mem, "-smp", str(smp), "-icount", ICOUNT,
            "-kernel", kernel, "-append", args]


def boot(kernel, mem, smp, args, log, timeout):
    """One QEMU boot; returns (exit status, console text)."""
    cmd = qemu_cmd(kernel, mem, smp, args)
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
        rc, out = p.returncode, p.stdout.decode(errors="replace")
    except subprocess.TimeoutExpired as e:
        rc, out = 124, (e.stdout or b"").decode(errors="replace")
    with open(log, "w") as f:
        f.write("$ " + " ".join(cmd) + "\n" + out)
    return rc, out.replace("\r", "")


def parse(text):
    """(figures, march, problems) of one console log."""
    figs, problems, march = [], [], "?"
    started = ended = False
    for line in text.splitlines():
        if line.startswith("# bench-info: start "):
            started = True
            m = re.search(r"march=(\S+)", line)
            march = m.group(1) if m else "?"
        elif line.startswith("# bench-info: end "):
            ended = True
            if "failed=0" not in line:
                problems.append(line)
        elif line.startswith("# bench-error:"):
            problems.append(line)
        elif line.startswith("# bench:"):
            m = LINE.match(line)
            if not m:
                problems.append("malformed: " + line)
            else:
                figs.append(m.groups())
    if not started:
        problems.append("no '# bench-info: start' line")
    if not ended:
        problems.append("no '# bench-info: end' line")
    return figs, march, problems


def run_one(a, label, kernel, mem, smp, filt):
    os.makedirs(a.out, exist_ok=True)
    args = "monitor=0 ktest=none bench=" + filt + (" bench.quick" if a.quick else "")
    rc, text = boot(kernel, mem, smp, args, os.path.join(a.out, label + ".log"),
                    a.timeout)
    figs, march, problems = parse(text)
    if rc != 0:
        problems.append("QEMU exit status %d" % rc)
    rows = [dict(zip(FIELDS, (label, march) + f)) for f in figs]
    with open(os.path.join(a.out, label + ".csv"), "w", newline="") as f:
        w = csv.DictWriter(f, FIELDS)
        w.writeheader()
        w.writerows(rows)
    for p in problems:
        print("bench: %s: %s" % (label, p), file=sys.stderr)
    print("bench: %s: %d figures (%s, MEM=%s, SMP=%s)" % (label, len(rows),
          march, mem, smp))
    return rows, not problems


def write_tables(rows, out, stem, command):
    with open(os.path.join(out, stem + ".csv"), "w", newline="") as f:
        w = csv.DictWriter(f, FIELDS)
        w.writeheader()
        w.writerows(rows)
    with open(os.path.join(out, stem + ".md"), "w") as f:
        f.write(markdown(rows, command))


def markdown(rows, command):
    rev = subprocess.run(["git", "describe", "--always", "--dirty"],
                         capture_output=True, text=True).stdout.strip() or "?"
    lines = ["Measured %s UTC at commit %s with:\n" %
             (datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"), rev),
             "    " + command + "\n",
             "Instructions are exact guest counts under QEMU `-icount %s`, "
             "per call, the reading's own cost subtracted.\n" % ICOUNT,
             "| config | -march | figure | median | max | unit |",
             "|---|---|---|---:|---:|---|"]
    for r in rows:
        lines.append("| %s | %s | %s | %s | %s | %s |" % tuple(
            r[k] for k in FIELDS))
    return "\n".join(lines) + "\n"


def cmd_run(a):
    rows, ok = run_one(a, a.label, a.kernel, a.mem, a.smp, a.filter)
    return 0 if ok and rows else 1


def cmd_run_all(a):
    plan = [("micro", a.kernel, "256M", 4, "page,slab,kmalloc,allocs,churn,frag")]
    if a.kernel_zbb:
        plan.append(("micro-zbb", a.kernel_zbb, "256M", 4, "page,slab,kmalloc,allocs,churn,frag"))
    plan.append(("scale", a.kernel, "256M", 8, "scale"))
    # mm_init per page of RAM, and the page allocator's worst cases
    # (refill, drain, splits) at more than the default MEM
    for mem in ("128M", "1G", "4G"):
        plan.append(("init-" + mem, a.kernel, mem, 1, "init,page"))
    rows, ok = [], True
    for label, kernel, mem, smp, filt in plan:
        r, good = run_one(a, label, kernel, mem, smp, filt)
        rows += r
        ok &= good
    write_tables(rows, a.out, "kernel", "make bench")
    print("bench: %d figures in %s/kernel.md and kernel.csv" % (len(rows), a.out))
    return 0 if ok else 1


def cmd_check(a):
    with open(a.log, errors="replace") as f:
        text = f.read().replace("\r", "")
    figs, _, problems = parse(text)
    names = {f[0] for f in figs}
    for want in filter(None, (a.expect or "").split(",")):
        if not any(n == want or n.startswith(want + ".") for n in names):
            problems.append("no figure named %s*" % want)
    prefix = a.prefix
    if problems:
        for p in problems:
            print("FAIL: %s: %s" % (prefix, p))
        return 1
    print("PASS: %s: %d well-formed figures" % (prefix, len(figs)))
    return 0


HOST_LINE = re.compile(r"^# bench-host: peer=(\S+) wl=(\S+) threads=(\d+) "
                       r"ns_per_op=([\d.]+) failures=(\d+)$")
HOST_FIELDS = ["wl", "threads", "peer", "ratio_min", "ratio_median",
               "ratio_max", "ns_per_op_median", "reps"]
HOST_REP_FIELDS = ["wl", "threads", "peer", "rep", "ns_per_op"]


def median(v):
    v = sorted(v)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def cmd_host(a):
    """Run every peer's program in turn, a.reps times; ratios to mimalloc."""
    peers = a.peers.split()
    times = {}  # (wl, threads, peer) -> [ns per rep]
    ok = True
    for rep in range(a.reps):
        for peer in peers:
            prog = os.path.join(a.dir, "bench-host-" + peer)
            steps = a.slow_steps if peer in a.slow.split() else a.steps
            p = subprocess.run([prog, str(steps)], capture_output=True,
                               text=True, timeout=a.timeout)
            if p.returncode != 0:
                print("bench: host: %s failed (status %d): %s" %
                      (peer, p.returncode, p.stderr.strip()[-300:]),
                      file=sys.stderr)
                ok = False
            for line in p.stdout.splitlines():
                if line.startswith("# bench-host-info:") and rep == 0:
                    print("bench: host: " + line[19:])
                m = HOST_LINE.match(line)
                if m:
                    name, wl, thr, ns, fails = m.groups()
                    times.setdefault((wl, int(thr), peer), []).append(float(ns))
        print("bench: host: repetition %d of %d done" % (rep + 1, a.reps))
    rows = []
    for (wl, thr, peer), v in sorted(times.items(), key=lambda kv: (
            [w for (w, _, _) in times].index(kv[0][0]), kv[0][1],
            peers.index(kv[0][2]))):
        ref = times.get((wl, thr, "mimalloc"))
        if not ref or len(ref) != len(v):
            continue
        ratios = [x / r for x, r in zip(v, ref)]
        rows.append({"wl": wl, "threads": thr, "peer": peer,
                     "ratio_min": "%.2f" % min(ratios),
                     "ratio_median": "%.2f" % median(ratios),
                     "ratio_max": "%.2f" % max(ratios),
                     "ns_per_op_median": "%.1f" % median(v),
                     "reps": len(v)})
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "host.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, HOST_FIELDS)
        w.writeheader()
        w.writerows(rows)
    # Every repetition's time, so that the report can take ratios against
    # any peer of the same repetition (glibc, jemalloc, mimalloc) with
    # their spread, not only against mimalloc.
    with open(os.path.join(a.out, "host-reps.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(HOST_REP_FIELDS)
        for (wl, thr, peer), v in times.items():
            for rep, ns in enumerate(v, 1):
                w.writerow([wl, thr, peer, rep, "%.3f" % ns])
    rev = subprocess.run(["git", "describe", "--always", "--dirty"],
                         capture_output=True, text=True).stdout.strip() or "?"
    lines = ["Measured %s UTC at commit %s with `make bench-host` (%d "
             "repetitions, peers run in turn in each; %d steps per workload, "
             "%d for %s).\n" % (datetime.datetime.utcnow().strftime(
                 "%Y-%m-%d %H:%M"), rev, a.reps, a.steps, a.slow_steps, a.slow),
             "Wall time per call relative to mimalloc in the same repetition "
             "(below 1: faster than mimalloc); min / median / max over the "
             "repetitions.\n",
             "| workload | threads | allocator | min | median | max | ns per call (median) |",
             "|---|---:|---|---:|---:|---:|---:|"]
    for r in rows:
        lines.append("| %s | %s | %s | %s | %s | %s | %s |" % tuple(
            r[k] for k in HOST_FIELDS[:7]))
    with open(os.path.join(a.out, "host.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("bench: host: %d rows in %s/host.md, host.csv and host-reps.csv" %
          (len(rows), a.out))
    return 0 if ok and rows else 1


# The programs of `bench.py programs`: (name, shell command).  INPUT is a
# generated 24 MB text file, TMP a scratch folder.
PROGRAMS = [
    ("gcc -c -O2 mm/slab.c",
     "gcc -c -O2 -g -std=gnu11 -I. -DHOST -o {tmp}/slab.o mm/slab.c"),
    ("python3 workload", "python3 tests/preload/workload.py > /dev/null"),
    ("sort --parallel=2 24 MB", "sort --parallel=2 -S 50% {input} > /dev/null"),
    ("xz -T2 -3 8 MB", "head -c 8000000 {input} | xz -T2 -3 -c > /dev/null"),
    ("git log --stat", "git log --stat -n 300 > /dev/null"),
    ("sqlite3 200k rows", "sqlite3 :memory: < tests/preload/workload.sql > /dev/null"),
    ("bash subshells", "bash tests/preload/pipeline.sh > /dev/null"),
    ("perl 4 ithreads", "perl tests/preload/threads.pl > /dev/null"),
]
PROGRAM_FIELDS = ["program", "peer", "ratio_min", "ratio_median", "ratio_max",
                  "seconds_median", "reps"]


def find_lib(pattern):
    """The first shared library matching pattern under /usr/lib, or None."""
    import glob
    for d in ("/usr/lib/*-linux-gnu", "/usr/lib", "/usr/lib64"):
        hits = sorted(glob.glob(os.path.join(d, pattern)))
        if hits:
            return hits[0]
    return None


def cmd_programs(a):
    """Each program on each allocator in turn, a.reps times."""
    tmp = os.path.join(a.out, "programs-tmp")
    os.makedirs(tmp, exist_ok=True)
    inp = os.path.join(tmp, "input.txt")
    if not os.path.exists(inp):
        subprocess.run(["awk", 'BEGIN { srand(12); for (i = 0; i < 600000; i++) '
                        'printf "%08x %7d %s\\n", int(rand() * 4294967296), i, '
                        'substr("the quick brown fox jumps over the lazy dog", '
                        '1 + int(rand() * 20)) }'],
                       stdout=open(inp, "w"), check=True)
    peers = [("glibc", None), ("kmalloc", os.path.abspath(a.so)),
             ("jemalloc", find_lib("libjemalloc.so.2")),
             ("mimalloc", find_lib("libmimalloc.so.2*"))]
    peers = [(n, lib) for n, lib in peers if n == "glibc" or lib]
    times = {}  # (program, peer) -> [seconds per rep]
    ok = True
    for rep in range(a.reps):
        for prog, cmd in PROGRAMS:
            cmd = cmd.format(tmp=tmp, input=inp)
            for peer, lib in peers:
                env = dict(os.environ)
                env.pop("LD_PRELOAD", None)
                if lib:
                    env["LD_PRELOAD"] = lib
                t0 = time.monotonic()
                p = subprocess.run(["sh", "-c", cmd], env=env,
                                   capture_output=True, timeout=a.timeout)
                dt = time.monotonic() - t0
                if p.returncode != 0:
                    print("bench: programs: %s on %s failed (status %d): %s" %
                          (prog, peer, p.returncode,
                           p.stderr.decode(errors="replace")[-300:]),
                          file=sys.stderr)
                    ok = False
                times.setdefault((prog, peer), []).append(dt)
        print("bench: programs: repetition %d of %d done" % (rep + 1, a.reps))
    rows = []
    for prog, _ in PROGRAMS:
        ref = times[(prog, "glibc")]
        for peer, _ in peers:
            v = times[(prog, peer)]
            ratios = [x / r for x, r in zip(v, ref)]
            rows.append({"program": prog, "peer": peer,
                         "ratio_min": "%.2f" % min(ratios),
                         "ratio_median": "%.2f" % median(ratios),
                         "ratio_max": "%.2f" % max(ratios),
                         "seconds_median": "%.3f" % median(v),
                         "reps": len(v)})
    with open(os.path.join(a.out, "programs.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, PROGRAM_FIELDS)
        w.writeheader()
        w.writerows(rows)
    lines = ["", "## Real programs (LD_PRELOAD)", "",
             "Measured %s UTC with `make bench-host` (%d repetitions; in each, "
             "every program runs on every allocator in turn). Wall time of "
             "the whole program relative to glibc in the same repetition "
             "(below 1: faster than glibc); min / median / max over the "
             "repetitions. kmalloc is build/host/libmm_malloc.so "
             "(docs/host.md), including its per-process start-up; jemalloc "
             "and mimalloc are Debian's libraries.\n" % (
                 datetime.datetime.utcnow().strftime("%Y-%m-%d %H:%M"), a.reps),
             "| program | allocator | min | median | max | seconds (median) |",
             "|---|---|---:|---:|---:|---:|"]
    for r in rows:
        lines.append("| %s | %s | %s | %s | %s | %s |" % tuple(
            r[k] for k in PROGRAM_FIELDS[:6]))
    with open(os.path.join(a.out, "host.md"), "a") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))
    shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def gnuplot(script, out_svg):
    if not shutil.which("gnuplot"):
        print("bench: gnuplot missing (make bench-report installs it)",
              file=sys.stderr)
        return False
    p = subprocess.run(["gnuplot"], input=script, text=True,
                       capture_output=True)
    if p.returncode != 0:
        print("bench: gnuplot failed for %s: %s" % (out_svg, p.stderr),
              file=sys.stderr)
    return p.returncode == 0


def bars(rows, title, out_svg, data_path, ylabel="instructions per call"):
    """A clustered bar chart: one cluster per row label, one bar per column."""
    labels = sorted({r[0] for r in rows}, key=lambda x: [r[0] for r in rows].index(x))
    cols = sorted({r[1] for r in rows}, key=lambda x: [r[1] for r in rows].index(x))
    val = {(r[0], r[1]): r[2] for r in rows}
    with open(data_path, "w") as f:
        f.write("label " + " ".join(cols) + "\n")
        for l in labels:
            f.write(l + " " + " ".join(str(val.get((l, c), "NaN")) for c in cols) + "\n")
    plots = ", ".join("'%s' using %d:xtic(1) title '%s'" % (data_path, i + 2, c)
                      for i, c in enumerate(cols))
    script = """set terminal svg size 900,420 dynamic background rgb 'white'
set output '%s'
set title '%s'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set ylabel '%s'
set key top left
set xtics rotate by -30
plot %s
""" % (out_svg, title, ylabel, plots)
    return gnuplot(script, out_svg)


# What `report` copies to docs/bench/: the in-kernel run (required), and
# the host run when build/bench holds one (else docs/bench/ keeps the last).
RUN_FILES = ["kernel.csv", "kernel.md"]
HOST_FILES = ["host.csv", "host-reps.csv", "host.md", "programs.csv"]


def cmd_report(a):
    src = os.path.join(a.out, "kernel.csv")
    if not os.path.exists(src):
        print("bench: %s missing: run `make bench` first" % src, file=sys.stderr)
        return 1
    rows = read_csv(src)
    os.makedirs(a.docs, exist_ok=True)
    for name in RUN_FILES + HOST_FILES:
        if os.path.exists(os.path.join(a.out, name)):
            shutil.copy(os.path.join(a.out, name), os.path.join(a.docs, name))
    ok = plots(a, rows)
    # The doc's figures and tables, from the copies it travels with.
    ok &= bench_doc.process(a.doc, bench_doc.Data(a.docs), "update",
                            sys.stdout) == 0
    print("bench: report in %s/ and %s" % (a.docs, a.doc))
    return 0 if ok else 1


def plots(a, rows):
    ok = True
    # churn: malloc median per workload and backend (default -march)
    churn = []
    for r in rows:
        m = re.match(r"churn\.([^.]+)\.([^.]+)\.malloc$", r["name"])
        if m and r["config"] == "micro" and m.group(2) != "null":
            churn.append((m.group(1), m.group(2), r["median"]))
        elif m and r["config"] == "micro-zbb" and m.group(2) == "tlsf":
            churn.append((m.group(1), "tlsf-zbb", r["median"]))
    if churn:
        ok &= bars(churn, "churn: malloc median per call (rv64imac; tlsf also with Zbb)",
                   os.path.join(a.docs, "churn.svg"),
                   os.path.join(a.out, "churn.dat"))
    page = []
    for r in rows:
        m = re.match(r"page\.(o\d+)\.(pcp|buddy|refill|drain)\.(alloc|free)$",
                     r["name"])
        if m and r["config"] in ("micro", "micro-zbb"):
            page.append(("%s.%s.%s" % m.groups(), r["march"], r["median"]))
    if page:
        ok &= bars(page, "alloc_pages / free_pages: median per call",
                   os.path.join(a.docs, "pages.svg"),
                   os.path.join(a.out, "pages.dat"))
    scale = []
    for r in rows:
        m = re.match(r"scale\.(pages|kmalloc64|xfree64|burst64)\.h(\d+)\.(alloc|free)$",
                     r["name"])
        if m:
            scale.append(("%s-harts" % m.group(2),
                          "%s.%s" % (m.group(1), m.group(3)), r["median"]))
    if scale:
        ok &= bars(scale, "churn on N harts: median per call",
                   os.path.join(a.docs, "scale.svg"),
                   os.path.join(a.out, "scale.dat"))
    return ok


def cmd_check_doc(a):
    """Every bench marker of the doc equals what docs/bench/*.csv say."""
    n = bench_doc.process(a.doc, bench_doc.Data(a.data), "check", sys.stdout)
    return 1 if n else 0


def cmd_self_test(a):
    """check-doc on tests/docs/fixture/bench (no benchmark runs)."""
    return 1 if bench_doc.self_test(a.show) else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("run", "run-all"):
        p = sub.add_parser(name)
        p.add_argument("--kernel", default="build/kernel.elf")
        p.add_argument("--out", default="build/bench")
        p.add_argument("--quick", action="store_true")
        p.add_argument("--timeout", type=int, default=900)
        if name == "run":
            p.add_argument("--label", default="run")
            p.add_argument("--mem", default="256M")
            p.add_argument("--smp", type=int, default=4)
            p.add_argument("--filter", default="all")
        else:
            p.add_argument("--kernel-zbb", default="")
    p = sub.add_parser("host")
    p.add_argument("--dir", default="build/bench-host")
    p.add_argument("--out", default="build/bench")
    p.add_argument("--peers",
                   default="glibc jemalloc mimalloc kmalloc tlsf sheap")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--steps", type=int, default=1000000)
    p.add_argument("--slow", default="sheap",
                   help="peers that get --slow-steps (O(n) heaps)")
    p.add_argument("--slow-steps", type=int, default=20000)
    p.add_argument("--timeout", type=int, default=1800)
    p = sub.add_parser("programs")
    p.add_argument("--so", default="build/host/libmm_malloc.so")
    p.add_argument("--out", default="build/bench")
    p.add_argument("--reps", type=int, default=5)
    p.add_argument("--timeout", type=int, default=600)
    p = sub.add_parser("check")
    p.add_argument("log")
    p.add_argument("--expect", default="")
    p.add_argument("--prefix", default="bench/smoke")
    p = sub.add_parser("report")
    p.add_argument("--out", default="build/bench")
    p.add_argument("--docs", default="docs/bench")
    p.add_argument("--doc", default="docs/bench.md")
    p = sub.add_parser("check-doc")
    p.add_argument("doc", nargs="?", default="docs/bench.md")
    p.add_argument("--data", default="docs/bench")
    p = sub.add_parser("self-test")
    p.add_argument("--show", action="store_true",
                   help="also print what each failing check said")
    a = ap.parse_args()
    return {"run": cmd_run, "run-all": cmd_run_all, "check": cmd_check,
            "report": cmd_report, "host": cmd_host, "programs": cmd_programs,
            "check-doc": cmd_check_doc, "self-test": cmd_self_test}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
