"""The app's numbers, measured through a real pseudo-terminal.

    python benchmarks/bench_app.py [--runs 5] [--lessons all|ID,ID] [--size 80x24] [--no-bytecode]
                                  [--instructions] [--step-runs 0: start-up only]

Prints three tables:

1. start-up: time from exec to the first frame on the terminal, `python -m
   tutor` against a bare Textual app started the same way (a `python -m`
   module showing one line), and their ratio (target <= 1.25x), with the
   bytecode compiled as an installed tutor has it (and, with --no-bytecode,
   also with nothing compiled kept; with --instructions, also counted in
   instructions under valgrind, which a busy machine does not change);
2. key press to updated frame: for every step of the chosen lessons, the time
   from writing `n` to the last byte of the redraw it causes (the redraw ends
   when the terminal has been quiet for QUIET seconds), median and p95
   (target p95 < 35 ms except a training loop); beside it, the machine's
   yardstick: the same for a bare Textual app that redraws its whole
   screen on each key, run before each pass, and the tutor's key time over
   it (the machine's speed moves both; the ratio compares runs on machines
   of different speed);
3. bytes written to the terminal per step (target < 6 KB at 80x24, 256
   colours).

Everything runs as a learner would see it: TERM=xterm-256color,
TEXTUAL_COLOR_SYSTEM=256, a temporary TUTOR_DATA_DIR, the window size set
on the PTY. No timing is asserted anywhere: this prints, a person reads.
"""

from __future__ import annotations

import argparse
import fcntl
import json
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
# The machine's yardstick for the keys: a bare Textual app that redraws its
# whole 80x24 text on each `n` (a Static, new words on every line). Its key
# time moves with the machine (its speed, what else runs) and not with the
# tutor, so the tutor's key time over it compares runs on machines of
# different speed: stops 21 and 23 measured the same key work at p95 29-32
# and 14-16 ms.
BARE_KEYS_APP = textwrap.dedent(
    """
    from textual.app import App
    from textual.widgets import Static

    WORDS = "the slope of the loss tells each weight which way and how far to step".split()


    def page(k):
        lines = (" ".join(WORDS[(k + row + i) % len(WORDS)] for i in range(14)) for row in range(22))
        return "\\n".join(line[:78] for line in lines)


    class BareKeys(App):
        k = 0  # the page on screen

        def compose(self):
            yield Static("BARE-KEYS-READY\\n" + page(0), id="page")

        def on_key(self, event):
            if event.key == "n":
                self.k += 1
                self.query_one("#page", Static).update(page(self.k))

    if __name__ == "__main__":
        BareKeys().run()
    """
)
YARDSTICK_KEYS = 48  # keys a pass, as many as a pass over the tutor's steps


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
        self.cpu_at_data = 0.0  # the app's CPU seconds when its output last arrived
        self.key_cpu = 0.0

    def read(self, timeout: float) -> bytes:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return b""
        try:
            data = os.read(self.master, 65536)
        except OSError:
            return b""
        self.cpu_at_data = self.cpu()
        self.buffer += data
        return data

    def cpu(self) -> float:
        """Seconds the app's threads have run on a CPU (the kernel's
        schedstat, in ns): what a key costs, whatever else the machine runs,
        where wall time on a shared machine counts the waits too."""
        total = 0
        for task in Path(f"/proc/{self.proc.pid}/task").glob("*/schedstat"):
            try:
                total += int(task.read_text().split()[0])
            except (OSError, ValueError, IndexError):
                pass  # a thread that just ended
        return total / 1e9

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
        seconds to the first byte of it). `self.sent` and `self.last` keep
        the clock times of the key and of the redraw's last byte."""
        self.quiet(0.05)
        cpu_before = self.cpu()
        sent = self.sent = self.last = time.perf_counter()
        os.write(self.master, data)
        # the first byte of the answer, then the rest of the redraw
        first = self.read(5.0)
        if not first:
            return float("nan"), 0, float("nan")
        first_at = time.perf_counter()
        last, total = self.quiet()
        self.last = last
        # CPU up to the redraw's last byte (the next step's prefetch starts
        # PREFETCH_DELAY after the frame, so it is not counted)
        self.key_cpu = self.cpu_at_data - cpu_before
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


FIRST_FRAME_PROBE = textwrap.dedent(
    """
    # Runs `python -m MODULE ARGS...`, and ends the process right after it
    # writes the first frame that holds FIRST_FRAME_MARKER.
    import os, runpy, sys
    from textual.drivers.linux_driver import LinuxDriver

    marker = os.environ["FIRST_FRAME_MARKER"]
    write = LinuxDriver.write

    def write_then_end(self, data):
        write(self, data)
        if marker in data:
            self.flush()
            os._exit(0)

    LinuxDriver.write = write_then_end
    sys.argv = sys.argv[1:]
    runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
    """
)


def instructions(size: tuple[int, int]) -> tuple[float, float] | None:
    """(bare, tutor) millions of instructions from exec to the first frame,
    counted by valgrind (callgrind): the same every run, whatever else the
    machine is doing, where the seconds of `startup` vary by 20-50% on a
    shared machine. Instructions are not seconds (a cache miss costs more
    than an add), but the same interpreter running the same kind of code
    makes their ratio a fair stand-in. None without valgrind."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    counts = []
    with tempfile.TemporaryDirectory() as tmp:
        bare_dir = Path(tmp) / "bare"
        bare_dir.mkdir()
        (bare_dir / "bare_app.py").write_text(BARE_APP)
        probe = Path(tmp) / "first_frame_probe.py"
        probe.write_text(FIRST_FRAME_PROBE)
        env = environment(str(Path(tmp) / "data"))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env.update(TUTOR_CACHE_DIR=str(Path(tmp) / "cache"), PYTHONPYCACHEPREFIX=str(Path(tmp) / "pycache"))
        for argv, cwd, marker in ((["bare_app"], bare_dir, "BARE-APP-READY"),
                                  (["tutor", "--lang", "en"], ROOT, "Derivatives")):
            env["FIRST_FRAME_MARKER"] = marker
            if cwd == bare_dir:
                env["PYTHONPATH"] = f"{bare_dir}{os.pathsep}{ROOT}"
            else:
                env["PYTHONPATH"] = str(ROOT)
            log = Path(tmp) / "callgrind.log"
            for counted in (False, True):  # the first run compiles the bytecode and fills the lesson cache
                command = [sys.executable, str(probe), *argv]
                if counted:
                    command = [valgrind, "--tool=callgrind", f"--log-file={log}",
                               f"--callgrind-out-file={Path(tmp) / 'callgrind.out'}", *command]
                app = Pty(command, env, size, cwd)
                try:
                    app.proc.wait(300)
                finally:
                    app.close()
            found = [line for line in log.read_text().splitlines() if "Collected :" in line]
            if not found:
                return None
            counts.append(int(found[-1].split(":")[-1]) / 1e6)
    return counts[0], counts[1]


def print_instructions(counts: tuple[float, float] | None) -> None:
    print("\n## Start-up in instructions (valgrind), exec to first frame: the same every run")
    if counts is None:
        print("valgrind not found (or it counted nothing): skipped")
        return
    bare, tutor = counts
    print(f"{'bare Textual app':<28}{bare:>10.1f} M")
    print(f"{'python -m tutor (menu)':<28}{tutor:>10.1f} M")
    print(f"ratio tutor/bare: {tutor / bare:.3f}x  target <= 1.25x (issue 3), 1.10x (issue 14)")


def print_startup(title: str, pairs: list[tuple[float, float]]) -> None:
    bare = [b for b, _ in pairs]
    tutor = [t for _, t in pairs]
    print(f"\n## Start-up, {title}: exec to first frame (seconds)")
    print(f"{'app':<28}{'median':>8}{'min':>8}{'max':>8}")
    print(f"{'bare Textual app':<28}{statistics.median(bare):>8.3f}{min(bare):>8.3f}{max(bare):>8.3f}")
    print(f"{'python -m tutor (menu)':<28}{statistics.median(tutor):>8.3f}{min(tutor):>8.3f}{max(tutor):>8.3f}")
    ratios = [t / b for b, t in pairs]
    print(f"ratio tutor/bare: median {statistics.median(ratios):.2f}x (per run: "
          + ", ".join(f"{r:.2f}" for r in ratios) + ")  target <= 1.25x (issue 3), 1.10x (issue 14)")


def yardstick(size: tuple[int, int]) -> list[tuple[float, float]]:
    """(ms, the app's CPU ms) from `n` to the last byte of the redraw, for
    YARDSTICK_KEYS keys of the bare app that redraws its whole screen."""
    keys = []
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "bare_keys_app.py").write_text(BARE_KEYS_APP)
        app = Pty([sys.executable, "-m", "bare_keys_app"], environment(tmp), size, Path(tmp))
        try:
            app.wait_for(b"BARE-KEYS-READY")
            app.quiet(1.0)
            for _ in range(YARDSTICK_KEYS):
                seconds, _nbytes, _first = app.key(b"n")
                keys.append((seconds * 1000, app.key_cpu * 1000))
        finally:
            app.close()
    return keys


def steps(lesson_ids: list[str], size: tuple[int, int], probe: Path | None = None,
          profile: Path | None = None) -> list[dict]:
    """One pass over the steps: a row per `n`. With `probe`, the app runs
    under benchmarks/app_probe.py, which appends its timeline there (and,
    with `profile`, a cProfile of each key into that folder)."""
    from tutor.lesson import load_lessons

    lessons = load_lessons(None)
    order = [lesson.id for lesson in lessons]
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        env = environment(tmp)
        argv = [sys.executable, "-m", "tutor", "--lang", "en"]
        if probe is not None:
            argv = [sys.executable, str(ROOT / "benchmarks" / "app_probe.py"), "--lang", "en"]
            env["TUTOR_PROBE_FILE"] = str(probe)
            if profile is not None:
                env["TUTOR_PROBE_PROFILE"] = str(profile)
        app = Pty(argv, env, size, ROOT)
        try:
            app.wait_for(b"Derivatives")
            app.quiet(1.0)
            cursor = 0
            for lesson_id in lesson_ids:
                lesson = lessons[order.index(lesson_id)]
                while cursor != order.index(lesson_id):  # Down, or Up for lessons given out of order
                    move = 1 if cursor < order.index(lesson_id) else -1
                    app.key(b"\x1b[B" if move > 0 else b"\x1b[A")
                    cursor += move
                app.key(b"\r")
                app.quiet(1.5, limit=60)  # the first step (and, once, torch) is ready
                for index in range(1, len(lesson.steps)):
                    step = lesson.steps[index]
                    seconds, nbytes, first = app.key(b"n")
                    animated = step.plot is not None and step.plot.animate
                    rows.append({"lesson": lesson_id, "step": index + 1, "id": step.id,
                                 "ms": seconds * 1000, "first_ms": first * 1000, "bytes": nbytes, "animated": animated,
                                 "question": step.question is not None, "sent": app.sent, "last": app.last,
                                 "cpu_ms": app.key_cpu * 1000})
                app.key(b"l")
        finally:
            app.close()
    return rows


def read_probe(path: Path) -> list[dict]:
    events = []
    for line in path.read_text().splitlines():
        try:
            events.append(json.loads(line))
        except ValueError:
            continue  # a line cut by the app's end
    events.sort(key=lambda e: e["t"])
    return events


def breakdown(row: dict, events: list[dict]) -> dict:
    """Where one key's time went, from the probe's events between the key
    and the redraw's last byte (milliseconds; see app_probe.py)."""
    sent, last = row["sent"], row["last"]
    inside = [e for e in events if sent <= e["t"] <= last + 0.001]

    def first(kind: str) -> dict | None:
        return next((e for e in inside if e["k"] == kind), None)

    def total(kind: str, **match) -> float:
        return sum((e["end"] - e["t"]) * 1000 for e in inside
                   if e["k"] == kind and all(e.get(k) == v for k, v in match.items()))

    key_in, key_ui, action = first("key_in"), first("key_ui"), first("action")
    cached = first("cached")
    accept = first("accept")
    writes = [e for e in inside if e["k"] == "write"]
    out = {
        "in": (key_in["t"] - sent) * 1000 if key_in else float("nan"),
        "lag": (key_ui["t"] - key_in["t"]) * 1000 if key_in and key_ui else float("nan"),
        "action": (action["end"] - action["t"]) * 1000 if action else float("nan"),
        "cached": bool(cached and cached["cached"]),
        # a result not ready: from the key's action to the screen taking the result
        "wait": ((accept["t"] - action["end"]) * 1000 if accept and action and accept["t"] > action["end"]
                 else 0.0),
        "run_to": total("run_to"),
        "update": total("update"),
        "render": total("render"),
        "layout": total("layout"),
        "canvas": total("canvas"),
        "gc": total("gc"),
        "gc2": total("gc", gen=2),
        "store": total("store"),
        "frames": len(writes),
        "write": (writes[0]["t"] - sent) * 1000 if writes else float("nan"),
        "out": (last - writes[-1]["t"]) * 1000 if writes else float("nan"),
    }
    return out


BREAKDOWN_COLUMNS = [
    ("in", "key read by the driver's thread"),
    ("lag", "key waiting for the UI thread (the event loop busy)"),
    ("action", "the key's action on the UI thread (cached steps: the whole drawing)"),
    ("wait", "waiting for a result not ready (worker, TEXT_DELAY)"),
    ("update", "Textual's screen updates: layout and render"),
    ("layout", "of which: a new layout (a pane shown, hidden or resized), with its render"),
    ("render", "of which: rendering the changed regions (plot canvases are laid out here)"),
    ("canvas", "plotext laying out the plot"),
    ("gc", "garbage collection (any thread)"),
    ("store", "progress store calls"),
    ("write", "key to the first frame handed to the writer thread"),
    ("out", "last frame handed over to its last byte read here"),
]


def print_breakdown(rows: list[dict], events: list[dict]) -> None:
    for row in rows:
        row["why"] = breakdown(row, events)
    print("\n## Where each step's time goes (median over passes, ms; app_probe.py)")
    for name, meaning in BREAKDOWN_COLUMNS:
        print(f"  {name:<7} {meaning}")
    print("  ready   passes whose result was ready (no runner round trip)")
    print("  frames  frames written for the key")
    head = f"{'lesson':<17}{'step':>5} {'id':<16}{'done':>7}"
    head += "".join(f"{name:>7}" for name, _ in BREAKDOWN_COLUMNS) + f"{'ready':>6}{'frames':>7}"
    print(head)
    keyed: dict[tuple, list[dict]] = {}
    for row in rows:
        keyed.setdefault((row["lesson"], row["step"]), []).append(row)
    for (lesson_id, step), group in keyed.items():
        med = {name: statistics.median(r["why"][name] for r in group) for name, _ in BREAKDOWN_COLUMNS}
        ready = sum(r["why"]["cached"] for r in group)
        frames = statistics.median(r["why"]["frames"] for r in group)
        line = f"{lesson_id:<17}{step:>5} {group[0]['id']:<16}{statistics.median(r['ms'] for r in group):>7.1f}"
        line += "".join(f"{med[name]:>7.1f}" for name, _ in BREAKDOWN_COLUMNS)
        line += f"{ready:>4}/{len(group)}{frames:>7.0f}"
        print(line)
    slow = sorted((r for r in rows if not r["animated"]), key=lambda r: -r["ms"])[:12]
    print("\nthe slowest keys, one by one:")
    for r in slow:
        why = r["why"]
        parts = "  ".join(f"{name} {why[name]:.1f}" for name, _ in BREAKDOWN_COLUMNS)
        print(f"  {r['lesson']}/{r['id']}: {r['ms']:.1f} ms  ready={why['cached']}  {parts}  gc2 {why['gc2']:.1f}")


def print_profiles(rows: list[dict], folder: Path, over_ms: float) -> None:
    """cProfile of the UI thread for the keys slower than `over_ms`, summed."""
    import pstats

    files = sorted(folder.glob("key-*.prof"))
    starts = [(float(f.stem[4:]), f) for f in files]
    chosen = []
    for r in rows:
        if r["animated"] or r["ms"] <= over_ms:
            continue
        chosen += [f for t, f in starts if r["sent"] <= t <= r["last"]]
    print(f"\n## cProfile of the UI thread, keys over {over_ms:.0f} ms ({len(chosen)} keys)")
    if not chosen:
        return
    import io

    stream = io.StringIO()
    stats = pstats.Stats(*[str(f) for f in chosen], stream=stream)
    stats.strip_dirs()
    for order, count in (("cumulative", 45), ("tottime", 20)):
        stream.seek(0)
        stream.truncate()
        stats.sort_stats(order).print_stats(count)
        text = stream.getvalue()
        print(text[text.index("   ncalls"):] if "   ncalls" in text else text)


# (what, issue, limit, unit) for the summary: issue 3's targets (kept by
# issues 9 and 10) and issue 14's local bar
TARGETS = [
    ("first frame, tutor / bare Textual app", "3", 1.25, "x"),
    ("first frame, tutor / bare Textual app", "14", 1.10, "x"),
    ("first frame in instructions (valgrind), tutor / bare", "3", 1.25, "x"),
    ("first frame in instructions (valgrind), tutor / bare", "14", 1.10, "x"),
    ("key to updated frame p95 (all but the training loop)", "3", 35.0, "ms"),
    ("key to updated frame p95 (all but the training loop)", "14", 16.0, "ms"),
    ("bytes per step p95 (was: every step under 6 KB)", "3", 6144, "B"),
    ("bytes per step median", "14", 4096, "B"),
]


def print_targets(measured: dict[str, float]) -> None:
    print("\n## Targets")
    print(f"{'what':<56}{'issue':>6}{'result':>10}{'target':>10}  verdict")
    for what, issue, limit, unit in TARGETS:
        value = measured.get(what)
        if value is None:
            continue
        shown = f"{value:.2f}x" if unit == "x" else f"{value:.1f} ms" if unit == "ms" else f"{value:.0f} B"
        target = f"{limit:.2f}x" if unit == "x" else f"{limit:.0f} ms" if unit == "ms" else f"{limit:.0f} B"
        print(f"{what:<56}{issue:>6}{shown:>10}{target:>10}  {'met' if value <= limit else 'MISSED'}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="start-up runs of each app (default 5; 0: skip start-up)")
    parser.add_argument("--step-runs", type=int, default=3, help="passes over the steps (default 3; 0: skip the steps)")
    parser.add_argument("--lessons", default="all", help="lesson ids, comma-separated (default all)")
    parser.add_argument("--size", default="80x24", help="terminal size (default 80x24)")
    parser.add_argument("--instructions", action="store_true",
                        help="also count start-up in instructions under valgrind (the same every run, "
                             "unlike seconds on a shared machine; about a minute)")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="also time start-up with no compiled bytecode kept (every module compiled each start)")
    parser.add_argument("--probe", action="store_true",
                        help="run the app under benchmarks/app_probe.py and print where each key's time goes")
    parser.add_argument("--profile", type=float, metavar="MS", default=None,
                        help="with --probe: cProfile the UI thread, and print the profile of the keys over MS ms "
                             "(cProfile slows every call: read the shares, not the times)")
    parser.add_argument("--profile-dir", type=Path, default=None,
                        help="with --profile: keep each key's profile (key-T.prof) in this folder")
    args = parser.parse_args()
    cols, rows = (int(x) for x in args.size.split("x"))
    from tutor.lesson import load_lessons

    ids = [lesson.id for lesson in load_lessons(None)] if args.lessons == "all" else args.lessons.split(",")
    load = os.getloadavg()[0]
    print(f"# bench_app: {cols}x{rows}, TERM=xterm-256color, TEXTUAL_COLOR_SYSTEM=256, "
          f"{os.cpu_count()} cores, load average {load:.1f} at start")
    measured: dict[str, float] = {}

    if args.runs > 0:
        pairs = startup(args.runs, (cols, rows))
        print_startup("bytecode compiled (as installed)", pairs)
        measured[TARGETS[0][0]] = statistics.median(t / b for b, t in pairs)
        if args.no_bytecode:
            print_startup("nothing compiled kept (PYTHONDONTWRITEBYTECODE=1)",
                          startup(args.runs, (cols, rows), bytecode=False))

    if args.instructions:
        counts = instructions((cols, rows))
        print_instructions(counts)
        if counts is not None:
            measured[TARGETS[2][0]] = counts[1] / counts[0]
    if args.step_runs <= 0:  # start-up only
        print_targets(measured)
        print(f"load average at the end: {os.getloadavg()[0]:.1f}")
        return 0
    all_rows: list[dict] = []
    with tempfile.TemporaryDirectory() as probe_dir:
        probe = Path(probe_dir) / "probe.jsonl" if args.probe or args.profile is not None else None
        profile = (args.profile_dir or Path(probe_dir) / "profiles") if args.profile is not None else None
        bare_keys: list[tuple[float, float]] = []
        for _ in range(args.step_runs):  # the yardstick beside each pass: the same moment of the machine
            bare_keys += yardstick((cols, rows))
            all_rows += steps(ids, (cols, rows), probe, profile)
        print(f"\n## Key `n` to updated frame, and bytes per step ({args.step_runs} passes)")
        print(f"{'lesson':<18}{'step':>5} {'id':<16}{'first ms':>9}{'done ms':>9}{'max ms':>8}{'cpu ms':>8}"
              f"{'bytes':>8}  note")
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
            cpu = statistics.median(r["cpu_ms"] for r in group)
            print(f"{lesson_id:<18}{step:>5} {group[0]['id']:<16}{first:>9.1f}{statistics.median(ms):>9.1f}"
                  f"{max(ms):>8.1f}{cpu:>8.1f}{nbytes:>8.0f}  {note}")
        if probe is not None:
            print_breakdown(all_rows, read_probe(probe))
        if profile is not None:
            print_profiles(all_rows, profile, args.profile)
    plain = [r for r in all_rows if not r["animated"]]
    ms = [r["ms"] for r in plain]
    nbytes = [r["bytes"] for r in plain]
    firsts = [r["first_ms"] for r in plain]
    print(f"\nall steps but the training loop ({len(plain)} key presses):")
    print(f"  first byte of the redraw (new text on screen): median {statistics.median(firsts):.1f} ms, "
          f"p95 {percentile(firsts, 0.95):.1f} ms")
    print(f"  last byte (values and plot drawn):             median {statistics.median(ms):.1f} ms, "
          f"p95 {percentile(ms, 0.95):.1f} ms")
    cpus = [r["cpu_ms"] for r in plain]
    print(f"  the app's CPU time to the last byte:          median {statistics.median(cpus):.1f} ms, "
          f"p95 {percentile(cpus, 0.95):.1f} ms (less noisy than wall time on a busy machine)")
    print(f"bytes per step: median {statistics.median(nbytes):.0f}, p95 {percentile(nbytes, 0.95):.0f}, "
          f"max {max(nbytes)}")
    bare_ms = [ms for ms, _ in bare_keys]
    bare_cpus = [cpu for _, cpu in bare_keys]
    print(f"the machine's yardstick, a bare Textual app redrawing its whole screen ({len(bare_keys)} keys):")
    print(f"  last byte: median {statistics.median(bare_ms):.1f} ms, p95 {percentile(bare_ms, 0.95):.1f} ms; "
          f"the app's CPU median {statistics.median(bare_cpus):.1f} ms, p95 {percentile(bare_cpus, 0.95):.1f} ms")
    print(f"  the tutor's key over the yardstick's: median {statistics.median(ms) / statistics.median(bare_ms):.2f}x, "
          f"p95 {percentile(ms, 0.95) / percentile(bare_ms, 0.95):.2f}x (compares machines of different speed)")
    measured[TARGETS[4][0]] = percentile(ms, 0.95)
    measured[TARGETS[6][0]] = percentile(nbytes, 0.95)
    measured[TARGETS[7][0]] = statistics.median(nbytes)
    print_targets(measured)
    if args.probe or args.profile is not None:
        print("(under app_probe.py: its wrappers add a little to every key)")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    if shutil.which(sys.executable) is None:
        sys.exit("python not found")
    sys.exit(main())
