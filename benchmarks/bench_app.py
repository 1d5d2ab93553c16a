"""The app's numbers, measured through a real pseudo-terminal.

    python benchmarks/bench_app.py [--runs 5] [--lessons all|ID,ID] [--size 80x24] [--no-bytecode]

Prints three tables:

1. start-up: time from exec to the first frame on the terminal, `python -m
   tutor` against a bare Textual app started the same way (a `python -m`
   module showing one line), and their ratio (target <= 1.25x), with the
   bytecode compiled as an installed tutor has it (and, with --no-bytecode,
   also with nothing compiled kept);
2. key press to updated frame: for every step of the chosen lessons, the time
   from writing `n` to the last byte of the redraw it causes (the redraw ends
   when the terminal has been quiet for QUIET seconds), median and p95
   (target p95 < 35 ms except a training loop);
3. bytes written to the terminal per step (target < 6 KB at 80x24, 256
   colours).

Everything runs as a learner would see it: TERM=xterm-256color,
TEXTUAL_COLOR_SYSTEM=256, a temporary TUTOR_DATA_DIR, the window size set
on the PTY. No timing is asserted anywhere: this prints, a person reads.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUIET = 0.4  # seconds of silence that end a redraw (a step result may follow its text)
BARE_APP = textwrap.dedent(
    """
    from textual.app import App
    from textual.widgets import Static

    class Bare(App):
        def compose(self):
            yield Static("BARE-APP-READY")

    if __name__ == "__main__":
        Bare().run()
    """
)


class Pty:
    """A child process on its own pseudo-terminal, with everything it writes
    timestamped as it arrives."""

    def __init__(self, argv: list[str], env: dict[str, str], size: tuple[int, int], cwd: Path):
        self.master, slave = os.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.started = time.perf_counter()
        self.proc = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=cwd,
                                     start_new_session=True, close_fds=True)
        os.close(slave)
        self.buffer = bytearray()

    def read(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return b""
        try:
            data = os.read(self.master, 65536)
        except OSError:
            return b""
        self.buffer += data
        return data

    def wait_for(self, needle: bytes, timeout: float = 60.0) -> float:
        """Seconds since start when `needle` first appeared in the output."""
        deadline = time.perf_counter() + timeout
        while needle not in self.buffer:
            if time.perf_counter() > deadline:
                raise TimeoutError(f"{needle!r} never appeared")
            self.read(0.05)
        return time.perf_counter() - self.started

    def quiet(self, quiet: float = QUIET, limit: float = 30.0) -> tuple[float, int]:
        """Read until nothing arrives for `quiet` seconds; returns (time of
        the last byte, bytes read)."""
        last = time.perf_counter()
        total = 0
        deadline = last + limit
        while time.perf_counter() < deadline:
            data = self.read(quiet)
            if not data:
                break
            total += len(data)
            last = time.perf_counter()
        return last, total

    def key(self, data: bytes) -> tuple[float, int, float]:
        """Write a key; (seconds to the end of the redraw it caused, bytes,
        seconds to the first byte of it)."""
        self.quiet(0.05)
        sent = time.perf_counter()
        os.write(self.master, data)
        # the first byte of the answer, then the rest of the redraw
        first = self.read(5.0)
        if not first:
            return float("nan"), 0, float("nan")
        first_at = time.perf_counter()
        last, total = self.quiet()
        return last - sent, total + len(first), first_at - sent

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        os.close(self.master)


def environment(data_dir: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "NO_COLOR", "COLORTERM")}
    env.update(TERM="xterm-256color", TEXTUAL_COLOR_SYSTEM="256", TUTOR_DATA_DIR=data_dir,
               LANG="C.UTF-8", LC_ALL="C.UTF-8", PYTHONPATH=str(ROOT))
    return env


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def startup(runs: int, size: tuple[int, int], bytecode: bool = True) -> list[tuple[float, float]]:
    """(bare, tutor) seconds from exec to the first frame, `runs` times.

    Measured as a learner starts it: with the bytecode of every module
    already compiled (pip compiles it at install; a checkout writes
    __pycache__ on its first run) and the lesson cache already filled. One
    start of each app that is not counted comes first and does both, into
    temporary folders (PYTHONPYCACHEPREFIX, TUTOR_CACHE_DIR), so the numbers
    do not depend on the caller's environment (a PYTHONDONTWRITEBYTECODE=1
    left in it made every start compile all of the tutor's modules).
    `bytecode=False` measures exactly that case: nothing compiled is kept.
    """
    pairs = []
    with tempfile.TemporaryDirectory() as tmp:
        bare_dir = Path(tmp) / "bare"
        bare_dir.mkdir()
        (bare_dir / "bare_app.py").write_text(BARE_APP)
        env = environment(str(Path(tmp) / "data"))
        env["TUTOR_CACHE_DIR"] = str(Path(tmp) / "cache")
        if bytecode:
            env.pop("PYTHONDONTWRITEBYTECODE", None)
            env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        else:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        for run in range(runs + 1):
            bare = Pty([sys.executable, "-m", "bare_app"], env, size, bare_dir)
            try:
                t_bare = bare.wait_for(b"BARE-APP-READY")
            finally:
                bare.close()
            tutor = Pty([sys.executable, "-m", "tutor", "--lang", "en"], env, size, ROOT)
            try:
                t_tutor = tutor.wait_for(b"Derivatives")
            finally:
                tutor.close()
            if run > 0:  # the first start of each compiled and cached: not counted
                pairs.append((t_bare, t_tutor))
    return pairs


def print_startup(title: str, pairs: list[tuple[float, float]]) -> None:
    bare = [b for b, _ in pairs]
    tutor = [t for _, t in pairs]
    print(f"\n## Start-up, {title}: exec to first frame (seconds)")
    print(f"{'app':<28}{'median':>8}{'min':>8}{'max':>8}")
    print(f"{'bare Textual app':<28}{statistics.median(bare):>8.3f}{min(bare):>8.3f}{max(bare):>8.3f}")
    print(f"{'python -m tutor (menu)':<28}{statistics.median(tutor):>8.3f}{min(tutor):>8.3f}{max(tutor):>8.3f}")
    ratios = [t / b for b, t in pairs]
    print(f"ratio tutor/bare: median {statistics.median(ratios):.2f}x (per run: "
          + ", ".join(f"{r:.2f}" for r in ratios) + ")  target <= 1.25x")


def steps(lesson_ids: list[str], size: tuple[int, int]) -> list[dict]:
    from tutor.lesson import load_lessons

    lessons = load_lessons(None)
    order = [lesson.id for lesson in lessons]
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        app = Pty([sys.executable, "-m", "tutor", "--lang", "en"], environment(tmp), size, ROOT)
        try:
            app.wait_for(b"Derivatives")
            app.quiet(1.0)
            cursor = 0
            for lesson_id in lesson_ids:
                lesson = lessons[order.index(lesson_id)]
                while cursor < order.index(lesson_id):
                    app.key(b"\x1b[B")
                    cursor += 1
                app.key(b"\r")
                app.quiet(1.5, limit=60)  # the first step (and, once, torch) is ready
                for index in range(1, len(lesson.steps)):
                    step = lesson.steps[index]
                    seconds, nbytes, first = app.key(b"n")
                    animated = step.plot is not None and step.plot.animate
                    rows.append({"lesson": lesson_id, "step": index + 1, "id": step.id,
                                 "ms": seconds * 1000, "first_ms": first * 1000, "bytes": nbytes, "animated": animated,
                                 "question": step.question is not None})
                app.key(b"l")
        finally:
            app.close()
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="start-up runs of each app (default 5)")
    parser.add_argument("--step-runs", type=int, default=3, help="passes over the steps (default 3)")
    parser.add_argument("--lessons", default="all", help="lesson ids, comma-separated (default all)")
    parser.add_argument("--size", default="80x24", help="terminal size (default 80x24)")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="also time start-up with no compiled bytecode kept (every module compiled each start)")
    args = parser.parse_args()
    cols, rows = (int(x) for x in args.size.split("x"))
    from tutor.lesson import load_lessons

    ids = [lesson.id for lesson in load_lessons(None)] if args.lessons == "all" else args.lessons.split(",")
    load = os.getloadavg()[0]
    print(f"# bench_app: {cols}x{rows}, TERM=xterm-256color, TEXTUAL_COLOR_SYSTEM=256, "
          f"{os.cpu_count()} cores, load average {load:.1f} at start")

    print_startup("bytecode compiled (as installed)", startup(args.runs, (cols, rows)))
    if args.no_bytecode:
        print_startup("nothing compiled kept (PYTHONDONTWRITEBYTECODE=1)",
                      startup(args.runs, (cols, rows), bytecode=False))

    all_rows: list[dict] = []
    for _ in range(args.step_runs):
        all_rows += steps(ids, (cols, rows))
    print(f"\n## Key `n` to updated frame, and bytes per step ({args.step_runs} passes)")
    print(f"{'lesson':<18}{'step':>5} {'id':<16}{'first ms':>9}{'done ms':>9}{'max ms':>8}{'bytes':>8}  note")
    keyed: dict[tuple, list[dict]] = {}
    for row in all_rows:
        keyed.setdefault((row["lesson"], row["step"]), []).append(row)
    for (lesson_id, step), group in keyed.items():
        ms = [r["ms"] for r in group]
        nbytes = statistics.median(r["bytes"] for r in group)
        if group[0]["animated"]:
            note = "training loop (animated)"
        else:
            note = "question: values hidden" if group[0]["question"] else ""
        first = statistics.median(r["first_ms"] for r in group)
        print(f"{lesson_id:<18}{step:>5} {group[0]['id']:<16}{first:>9.1f}{statistics.median(ms):>9.1f}{max(ms):>8.1f}"
              f"{nbytes:>8.0f}  {note}")
    plain = [r for r in all_rows if not r["animated"]]
    ms = [r["ms"] for r in plain]
    nbytes = [r["bytes"] for r in plain]
    firsts = [r["first_ms"] for r in plain]
    print(f"\nall steps but the training loop ({len(plain)} key presses):")
    print(f"  first byte of the redraw (new text on screen): median {statistics.median(firsts):.1f} ms, "
          f"p95 {percentile(firsts, 0.95):.1f} ms")
    print(f"  last byte (values and plot drawn):             median {statistics.median(ms):.1f} ms, "
          f"p95 {percentile(ms, 0.95):.1f} ms (target p95 < 35 ms)")
    print(f"bytes per step: median {statistics.median(nbytes):.0f}, p95 {percentile(nbytes, 0.95):.0f}, "
          f"max {max(nbytes)} (target < 6144)")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    if shutil.which(sys.executable) is None:
        sys.exit("python not found")
    sys.exit(main())
