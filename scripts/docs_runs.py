# SPDX-License-Identifier: MIT
"""The runs behind the generated docs, and the pieces recipes are made of
(scripts/docs.py drives them; scripts/docs_recipes.py uses them).

Runs (each happens once per `make docs`, its output kept in build/docs/):
  Boot(mem, smp, args, bios, pipe)  QEMU to power-off (monitor=0 is
                                added); pipe: a shell command fed the
                                console, its output appended
  Monitor(cmds, mem, smp, args) QEMU to the mm> prompt, then each command
                                typed after the previous prompt came back;
                                a command (CMD, {KEY: REGEX}) keeps group 1
                                of REGEX in its output for "{KEY}" in the
                                commands after it
  Gdb(mem, smp, args)           QEMU halted, gdb-multiarch in batch mode
                                running the commands of every recipe that
                                names this run, in recipe order; its
                                console log is the run's text as well
  Command(*cmds)                shell commands on the host (a script's
                                own messages)
  File(path)                    a log file (the self-test's fixture)
Recipes:
  Transcript(run, *parts)  console lines: parts pick them (Block, Pick,
                           Grep, Lit; From(run, part) from another run);
                           masks rewrite what varies
  GdbTranscript(run, *cmds)  "(gdb) CMD" and its output per Cmd
  Fig(run, regex, after, group)  group 1 (or group) of the first line
                           matching regex on
                           the console (after the line(s) matching after)
  Picture(run, out, title) the last memory map of the run drawn by
                           scripts/memmap_svg.py: files OUT.svg, OUT.txt
Every wait ends on an event (a port accepting, a prompt, an exit) and is
bounded by a timeout multiplied by TEST_TIMEOUT_SCALE.
"""
import concurrent.futures
import json
import os
import re
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCALE = float(os.environ.get("TEST_TIMEOUT_SCALE", "1") or "1")
QEMU = os.environ.get("QEMU", "qemu-system-riscv64")
GDB = os.environ.get("GDB", "gdb-multiarch")
OPENSBI = os.environ.get(
    "OPENSBI", "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.elf")


class RunError(Exception):
    pass


class DuplicateRecipe(Exception):
    """A recipe name given twice: the second would silently replace the
    first."""

    def __init__(self, name):
        super().__init__(name)
        self.name = name


class Recipes(dict):
    """Recipes by name.  A name can be given once: setting it again, or
    merging a dict that has it, raises DuplicateRecipe."""

    def __init__(self, items=()):
        super().__init__()
        self.update(items)

    def __setitem__(self, name, recipe):
        if name in self:
            raise DuplicateRecipe(name)
        super().__setitem__(name, recipe)

    def update(self, items=(), **more):
        for name, recipe in dict(items, **more).items():
            self[name] = recipe


# ---- masks: what legitimately varies between runs ---------------------------

# A pointer printed by %p or GDB (8 hex digits and more without leading
# zeros), and a symbol's offset/size: they move whenever code changes.
ADDRESS = (r"\b0x[1-9a-f][0-9a-f]{7,}\b", "0x…")
SYMOFF = (r"(?<=\w)\+0x[0-9a-f]+(/0x[0-9a-f]+)?\b", lambda m: "+0x…" + (
    "/0x…" if m.group(1) else ""))
# The same in decimal, as GDB shows an unsigned long argument.
CALLER = (r"\b(caller=)\d+", r"\1…")
MS = (r"\b\d+ ms\b", "… ms")
DEFAULT_MASKS = (ADDRESS, SYMOFF, CALLER)


def apply_masks(line, masks):
    for pat, rep in masks:
        line = re.sub(pat, rep, line)
    return line


# ---- picking console lines ------------------------------------------------

class Block:
    """From the first line matching start (searched from the position the
    previous part left), through the line matching end or n lines."""

    def __init__(self, start, end=None, n=None):
        self.start, self.end, self.n = start, end, n

    def take(self, lines, pos):
        i = _find(lines, self.start, pos)
        if self.n is not None:
            return lines[i:i + self.n], i + self.n
        j = _find(lines, self.end, i + 1)
        return lines[i:j + 1], j + 1


class Pick:
    """The first line matching each pattern, in order; ordered=False: each
    searched from the same position (the lines may come in any order)."""

    def __init__(self, *pats, ordered=True):
        self.pats, self.ordered = pats, ordered

    def take(self, lines, pos):
        out, start = [], pos
        for p in self.pats:
            i = _find(lines, p, pos if self.ordered else start)
            out.append(lines[i])
            pos = max(pos, i + 1)
        return out, pos


class Grep:
    """Every line matching pat from the position on, up to n of them."""

    def __init__(self, pat, n=None):
        self.pat, self.n = pat, n

    def take(self, lines, pos):
        out = [ln for ln in lines[pos:] if re.search(self.pat, ln)]
        if not out:
            raise RunError("no line matches %r" % self.pat)
        return out[:self.n], pos


class From:
    """A part taken from another run's console (from its start)."""

    def __init__(self, run, part):
        self.run, self.part = run, part


class Lit:
    """A line of the doc's own ("..." for lines left out)."""

    def __init__(self, text="..."):
        self.text = text

    def take(self, lines, pos):
        return [self.text], pos


def _after(lines, after):
    """The position after the line matching after (a pattern, or a list
    of them found one after the other); 0 without one."""
    pos = 0
    for pat in [after] if isinstance(after, str) else after or ():
        pos = _find(lines, pat, pos) + 1
    return pos


def _find(lines, pat, pos):
    for i in range(pos, len(lines)):
        if re.search(pat, lines[i]):
            return i
    raise RunError("no line matching %r in the run's output" % pat)


class Transcript:
    kind = "transcript"

    def __init__(self, run, *parts, masks=DEFAULT_MASKS, after=None,
                 notes=(), col=0):
        self.run, self.parts, self.masks, self.after = run, parts, masks, after
        self.notes, self.col = notes, col

    def render(self, runner):
        lines = runner.console(self.run)
        pos = _after(lines, self.after)
        out = []
        for p in self.parts:
            if isinstance(p, From):
                got, _ = p.part.take(runner.console(p.run), 0)
            else:
                got, pos = p.take(lines, pos)
            out += got
        out = [apply_masks(ln, self.masks).rstrip() for ln in out]
        return [self.annotate(ln) for ln in out]

    def annotate(self, line):
        """notes: (pattern, text) pairs; a line matching the pattern gets
        the doc's own comment at column col (the first that matches)."""
        for pat, text in self.notes:
            if re.search(pat, line):
                return "%s %s" % (line.ljust(self.col - 1), text)
        return line


class Fig:
    kind = "fig"

    def __init__(self, run, regex, after=None, group=1):
        self.run, self.regex, self.after = run, regex, after
        self.group = group

    def render(self, runner):
        lines = runner.console(self.run)
        pos = _after(lines, self.after)
        i = _find(lines, self.regex, pos)
        return re.search(self.regex, lines[i]).group(self.group)


class Picture:
    """A memory map the run printed (the last one), drawn as
    scripts/memmap_svg.py draws it: files OUT.svg and OUT.txt (the map's
    text), relative to the document's directory."""
    kind = "files"

    def __init__(self, run, out, title):
        self.run, self.out, self.title = run, out, title

    def render(self, runner):
        import memmap_svg
        try:
            m = memmap_svg.parse("\n".join(runner.console(self.run)))
        except memmap_svg.Refused as e:
            raise RunError("run %s: no memory map: line %d: %s" % (
                self.run, e.args[0], e.args[1]))
        return {self.out + ".txt": m["text"],
                self.out + ".svg": memmap_svg.svg(m, self.title)}


class Cmd:
    """One GDB command of a session.  show=False: run, not shown.  head:
    keep the first n output lines (then "..."); keep: only lines matching
    one of these patterns (in order, "..." for a gap); start: only
    lines from the first one matching this pattern on; mask: extra
    (pattern, replacement) pairs; note: a "# comment" shown after the
    command at column 54.  {=EXPR} in the command is replaced by
    EXPR's value (GDB expression) in hex, in the run and in the doc."""

    def __init__(self, line, show=True, head=None, keep=None, masks=(),
                 start=None, note=None):
        self.line, self.show, self.head, self.keep = line, show, head, keep
        self.start, self.note = start, note
        self.masks = masks
        self.index = None


class GdbTranscript:
    kind = "transcript"

    def __init__(self, run, *cmds, masks=DEFAULT_MASKS):
        self.run, self.cmds, self.masks = run, cmds, masks

    def render(self, runner):
        steps = runner.gdb_steps(self.run)
        out = []
        for c in self.cmds:
            if not c.show:
                continue
            step = steps[c.index]
            if step["cmd"] is None:
                raise RunError("the GDB session ended before %r" % c.line)
            body = step["out"].rstrip("\n").split("\n")
            body = [] if body == [""] else body
            if c.start:
                i = _find(body, c.start, 0)
                body = (["..."] if i else []) + body[i:]
            if c.keep:
                body = _keep(body, c.keep)
            if c.head is not None and len(body) > c.head:
                body = body[:c.head] + ["..."]
            masks = tuple(self.masks) + tuple(c.masks)
            shown = [apply_masks(ln, masks).rstrip()
                     for ln in ["(gdb) " + step["cmd"]] + body]
            if c.note:
                shown[0] = "%s # %s" % (shown[0].ljust(52), c.note)
            out += shown
        return out


def _keep(body, pats):
    out, last = [], -1
    for i, ln in enumerate(body):
        if any(re.search(p, ln) for p in pats):
            if last != i - 1 and (out or i > 0):
                out.append("...")
            out.append(ln)
            last = i
    if out and last != len(body) - 1:
        out.append("...")
    return out


# ---- runs ----------------------------------------------------------------

class Boot:
    """pipe: a shell command fed the console on its standard input, with
    QEMU's exit status in $RC; its output follows the console, after a
    line '==> pipe: COMMAND'."""

    def __init__(self, mem="256M", smp=1, args="", timeout=300, bios=None,
                 pipe=None):
        self.mem, self.smp, self.args, self.timeout = mem, smp, args, timeout
        self.bios = bios or OPENSBI
        self.pipe = pipe

    def qemu(self, kernel, args):
        return [QEMU, "-machine", "virt", "-nographic", "-bios", self.bios,
                "-m", self.mem, "-smp", str(self.smp), "-kernel", kernel,
                "-append", args]

    def execute(self, runner, name):
        argv = self.qemu(runner.kernel, ("monitor=0 " + self.args).strip())
        try:
            p = subprocess.run(argv, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT,
                               timeout=self.timeout * SCALE)
        except subprocess.TimeoutExpired:
            raise RunError("run %s: QEMU did not end within %d s" % (
                name, self.timeout * SCALE))
        text = p.stdout.decode("utf-8", "replace")
        if self.pipe:
            q = subprocess.run(["sh", "-c", self.pipe], cwd=ROOT,
                               input=p.stdout, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT,
                               env=dict(os.environ, RC=str(p.returncode)),
                               timeout=60 * SCALE)
            text += "\n==> pipe: %s\n%s" % (
                self.pipe, q.stdout.decode("utf-8", "replace"))
        return {"console": text}


class Command:
    """Shell commands run from the repository root, one after the other;
    their standard output and error, in order."""

    def __init__(self, *cmds, timeout=60):
        self.cmds, self.timeout = cmds, timeout

    def execute(self, runner, name):
        text = ""
        for c in self.cmds:
            try:
                p = subprocess.run(["sh", "-c", c], cwd=ROOT,
                                   stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT,
                                   timeout=self.timeout * SCALE)
            except subprocess.TimeoutExpired:
                raise RunError("run %s: %r did not end" % (name, c))
            text += p.stdout.decode("utf-8", "replace")
        return {"console": text}


class File:
    def __init__(self, path):
        self.path = path

    def execute(self, runner, name):
        with open(self.path, encoding="utf-8") as f:
            return {"console": f.read()}


class Monitor(Boot):
    def __init__(self, cmds, mem="256M", smp=1, args="", timeout=300):
        super().__init__(mem, smp, args, timeout)
        self.cmds = cmds

    def execute(self, runner, name):
        sys.path.insert(0, os.path.join(ROOT, "tests", "monitor"))
        import session  # the monitor test's prompt-driven session
        log = open(os.path.join(runner.build, name + ".session"), "w")
        s = session.Session(self.qemu(runner.kernel, self.args), log)
        text = s.read_until("\n" + session.PROMPT, self.timeout)
        if text is None:
            raise RunError("run %s: no mm> prompt" % name)
        text = text[:-len(session.PROMPT)]
        found = {}
        for c in self.cmds:
            c, capture = c if isinstance(c, tuple) else (c, {})
            c = c.format(**found)
            out = s.run(c, self.timeout)
            if out is None:
                raise RunError("run %s: no prompt after %r" % (name, c))
            for key, pat in capture.items():
                m = re.search(pat, out)
                if not m:
                    raise RunError("run %s: %r printed no %r" % (name, c,
                                                                 pat))
                found[key] = m.group(1)
            text += session.PROMPT + c + "\n" + out
        s.p.stdin.write(b"poweroff\r")
        s.p.stdin.flush()
        try:
            s.p.wait(self.timeout * SCALE)
        except subprocess.TimeoutExpired:
            s.p.kill()
        log.close()
        return {"console": text}


class Gdb(Boot):
    """QEMU halted on a free port, gdb-multiarch -batch with the gdbinit
    of `make gdb` and scripts/docs_gdb.py running the commands."""

    def __init__(self, mem="256M", smp=1, args="", timeout=600):
        super().__init__(mem, smp, args, timeout)
        self.cmds = []

    def execute(self, runner, name):
        base = os.path.join(runner.build, name)
        steps = [c.line for c in self.cmds]
        with open(base + ".steps.json", "w") as f:
            json.dump(steps, f)
        console = open(base + ".console", "wb")
        q, port = None, None
        for _ in range(5):  # the port may be taken between bind and QEMU
            port = free_port()
            q = subprocess.Popen(
                self.qemu(runner.kernel, ("monitor=0 " + self.args).strip())
                + ["-S", "-gdb", "tcp:127.0.0.1:%d" % port],
                stdin=subprocess.DEVNULL, stdout=console,
                stderr=subprocess.STDOUT)
            if wait_port(port, q, 120 * SCALE):
                break
            q.kill()
            q.wait()
            q = None
        if q is None:
            raise RunError("run %s: QEMU did not start a gdbstub" % name)
        with open(os.path.join(ROOT, "scripts", "gdbinit.tmpl")) as f:
            init = f.read().replace("@KERNEL@", runner.kernel).replace(
                "@PORT@", str(port)).replace("@ROOT@", ROOT)
        with open(base + ".gdbinit", "w") as f:
            f.write(init)
        env = dict(os.environ, RVMM_DOCS_STEPS=base + ".steps.json")
        try:
            g = subprocess.run(
                [GDB, "-q", "-nx", "-batch", "-x", base + ".gdbinit", "-x",
                 os.path.join(ROOT, "scripts", "docs_gdb.py")],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, env=env,
                timeout=self.timeout * SCALE)
            glog = g.stdout
        except subprocess.TimeoutExpired as e:
            glog = e.stdout or b""
        finally:
            q.kill()
            q.wait()
            console.close()
        with open(base + ".gdb.log", "wb") as f:
            f.write(glog)
        out = [{"cmd": None, "out": ""} for _ in steps]
        for chunk in glog.decode("utf-8", "replace").split("\x1e@@")[1:]:
            head, _, body = chunk.partition("\n")
            m = re.match(r"step (\d+) (.*)", head)
            if m:
                out[int(m.group(1))] = {"cmd": m.group(2), "out": body}
        with open(base + ".console", encoding="utf-8",
                  errors="replace") as f:
            text = f.read()
        return {"console": text, "steps": out}


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_port(port, proc, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=5).close()
            return True
        except OSError:
            time.sleep(0.05)  # poll again; the deadline bounds it
    return False


def collect(runs, recipes):
    """Give each Gdb run the commands of its recipes, in recipe order."""
    for r in recipes.values():
        for c in getattr(r, "cmds", ()):
            run = runs[r.run]
            c.index = len(run.cmds)
            run.cmds.append(c)


class Runner:
    def __init__(self, runs, build, kernel=None):
        self.runs, self.build, self.kernel = runs, build, kernel
        self.results = {}

    def prepare(self, names, jobs=2):
        """Do the runs, two at a time (the GDB session and the boots); the
        slowest first."""
        if self.build:
            os.makedirs(self.build, exist_ok=True)
        order = sorted(names, key=lambda n: (
            not isinstance(self.runs.get(n), Gdb), n))
        with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
            for f in [pool.submit(self._get, n) for n in order]:
                f.result()  # raises a RunError of any run

    def _get(self, name):
        if name not in self.results:
            run = self.runs.get(name)
            if run is None:
                raise RunError("no run named %s" % name)
            t0 = time.monotonic()
            res = run.execute(self, name)
            res["lines"] = res["console"].replace("\r", "").split("\n")
            if self.build:
                with open(os.path.join(self.build, name + ".log"), "w") as f:
                    f.write(res["console"])
                if not isinstance(run, (File, Command)):
                    print("docs: run %s: %.1f s" % (
                        name, time.monotonic() - t0), file=sys.stderr)
            self.results[name] = res
        return self.results[name]

    def console(self, name):
        return self._get(name)["lines"]

    def gdb_steps(self, name):
        return self._get(name)["steps"]
