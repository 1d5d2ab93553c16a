"""How many learners one classroom server holds, and how it feels to them.

Starts `python -m tutor serve --open` on a free loopback port and connects
simulated learners (asyncssh clients with 80x24 PTYs). Each learner opens
the first lesson and walks it forward and back (`n` / `p`), waiting a think
time between keys. Three kinds of row (issue 14's targets, 2 cores, 24 GB):

- reading learners (10-30 s between keys), one row per size in `--sizes`,
  added to the same server: the server's total memory (PSS summed over the
  server, the pre-fork process, every session and every step process: PSS
  splits shared pages fairly, so the sum is what the machine spends), the
  memory each learner adds ((total - total with no learners) / learners,
  their step processes included), key-to-frame median and p95 (a key
  leaving the learner to the frame with the new "step k/m" arriving),
  errors (a key with no frame in 30 s) and dropped sessions. Targets: at
  most 18 MB a learner, p95 at most 100 ms, 0 errors, 0 dropped;
- "class joins": 100 learners joining within 10 s on a fresh server, from
  ssh connect to the menu on screen: p95 at most 300 ms;
- a class following the instructor: 150 learners pressing a key every
  1-3 s: key-to-frame p95 at most 250 ms;
- a fifth of the class running code (issue 11): 100 learners, 20 of them at
  the practice lesson's first code exercise pressing Ctrl+R on their
  answer every think time (a run in a sandboxed process, its verdict drawn,
  the try stored; the answer has a known mistake, so each verdict numbers
  its run), the others reading: key-to-frame p95 at most 250 ms,
  for the readers' keys and for the runs (Ctrl+R to the verdict's frame)
  apart.

Each row says its targets and whether they were met.

The machine is protected: learners are added in waves of 10, and a row
stops, reporting the count reached, when available memory falls under
2 GB or a wave's key p95 (the keys of the last 30 s) passes 1 s. No process
is left behind: every process seen in the server's tree is ended at the
end, on an error and on Ctrl-C (or SIGTERM) too.

    python benchmarks/bench_serve.py                      # every row (~10 min)
    python benchmarks/bench_serve.py --rows reading --sizes 10 50 100
    python benchmarks/bench_serve.py --rows reading --sizes 1000   # the lecture hall
    python benchmarks/bench_serve.py --rows reading --sizes 1000 --arrival 10   # ... arriving over 10 min
    python benchmarks/bench_serve.py --rows joins active
    python benchmarks/bench_serve.py --rows coding --coding 100 --coders 20
    python benchmarks/bench_serve.py --hardening          # issue 13's two attack rows (~4 min)
    python benchmarks/bench_serve.py --console 100        # issue 12: a console open beside 100 learners

`--hardening` (issue 13) keeps 50 learners working and adds, one row each:

- a flood of 2,000 idle TCP connections (from 127.0.0.2, holding on and
  never saying a word) while 10 newcomers connect from 127.0.0.1: the
  working learners' p95 key-to-frame stays under 250 ms, and every newcomer
  reaches the menu within 2 s;
- 10 learners with 65535x65535 windows (the server draws them at the
  500x200 cap) opening a lesson and stepping: the server's memory grows by
  no more than the seat budget (60 MB) per session.

The load generator shares the machine's cores with the server; its own CPU
use is part of what is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pty
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from serve_helpers import Learner, Server  # noqa: E402
from tutor.serve.limits import (  # noqa: E402
    SEAT_BUDGET_MB,
    available_memory_mb,
    children,
    pss_kb,
    tree_pids,
    tree_pss_kb,
)
from tutor.serve.merging import merging_activity, merging_report, merging_settings  # noqa: E402

STEP = re.compile(r"step (\d+)/(\d+)")
WAVE = 10                   # learners connecting at once
MEMORY_FLOOR_MB = 2048      # stop adding learners below this much available memory
WAVE_P95_LIMIT = 1.0        # seconds: stop adding learners past this key p95
WAVE_KEYS_SECONDS = 30.0    # a wave's p95 is over the keys of the last this many seconds
WAVE_MIN_KEYS = 20          # fewer keys than this say nothing yet


async def stopped_within(stop: asyncio.Event, seconds: float) -> bool:
    """A learner's think time: wait `seconds`, or less if the row stops
    meanwhile (then True)."""
    try:
        await asyncio.wait_for(stop.wait(), seconds)
        return True
    except TimeoutError:
        return False


@dataclass(frozen=True)
class Target:
    """A row's targets (None: not judged)."""
    mb_per_learner: float | None = None
    p95_ms: float | None = None
    errors: int | None = None

    def judge(self, mb: float | None, p95_ms: float | None, errors: int, dropped: int,
              reached: int, wanted: int) -> str:
        parts, met = [], reached >= wanted
        if reached < wanted:
            parts.append(f"{wanted} learners")
        if self.mb_per_learner is not None:
            parts.append(f"<= {self.mb_per_learner:g} MB")
            met = met and mb is not None and mb <= self.mb_per_learner
        if self.p95_ms is not None:
            parts.append(f"p95 <= {self.p95_ms:g} ms")
            met = met and p95_ms is not None and p95_ms <= self.p95_ms
        if self.errors is not None:
            parts.append(f"{self.errors} errors, 0 dropped")
            met = met and errors <= self.errors and dropped == 0
        return f"{', '.join(parts)}: {'met' if met else 'MISSED'}"


READING_TARGET = Target(mb_per_learner=18, p95_ms=100, errors=0)
JOINS_TARGET_MS = 300
ACTIVE_TARGET = Target(p95_ms=250)


def stop_reason(available_mb: int | None, recent_keys: list[float]) -> str | None:
    """Why no more learners may be added, or None: available memory under
    MEMORY_FLOOR_MB, or the recent keys' p95 past WAVE_P95_LIMIT (judged
    only on WAVE_MIN_KEYS keys or more)."""
    if available_mb is not None and available_mb < MEMORY_FLOOR_MB:
        return f"available memory {available_mb} MB < {MEMORY_FLOOR_MB} MB"
    if len(recent_keys) >= WAVE_MIN_KEYS:
        p95 = percentile(recent_keys, 0.95)
        if p95 > WAVE_P95_LIMIT:
            return f"key p95 {p95 * 1000:.0f} ms > {WAVE_P95_LIMIT * 1000:.0f} ms"
    return None


def start_time(pid: int) -> int | None:
    """The process's start time (clock ticks since boot), None if it is gone
    or a zombie: with the pid, it names one process, never a recycled pid."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None
    if fields[0] in (b"Z", b"X"):
        return None
    return int(fields[19])


class Leftovers:
    """Every process seen in the server's tree, ended at the end if alive:
    the benchmark never leaves a session or a step process behind."""

    def __init__(self) -> None:
        self.seen: dict[int, int] = {}

    def note(self, root: int) -> None:
        for pid in tree_pids(root):
            began = start_time(pid)
            if began is not None:
                self.seen.setdefault(pid, began)

    def end(self) -> list[int]:
        """SIGKILL each noted process still alive (the same process: same
        start time); the pids ended."""
        ended = []
        for pid, began in self.seen.items():
            if start_time(pid) == began:
                try:
                    os.kill(pid, signal.SIGKILL)
                    ended.append(pid)
                except ProcessLookupError:
                    pass
        return ended


class Walker:
    """One simulated learner: opens lesson 1, then steps n/p with think time."""

    def __init__(self, port: int, name: str, rng: random.Random, think: tuple[float, float],
                 cols: int = 80, rows: int = 24):
        self.learner = Learner(port, name, None, cols=cols, rows=rows)
        self.name = name
        self.rng = rng
        self.think = think
        self.latencies: list[float] = []
        self.recent: list[tuple[float, float]] = []  # (when done, seconds), for the stop rule
        self.recording = False
        self.errors = 0
        self.step, self.total = 1, 1
        self.forward = True
        self.menu_seconds = 0.0

    @property
    def dropped(self) -> bool:
        reader = self.learner._reader
        return reader is not None and reader.done()

    async def start(self, open_lesson: bool = True) -> None:
        began = time.perf_counter()
        await self.learner.connect(timeout=120)
        await self.learner.wait_for(rf"learner: {self.name}", timeout=120)
        self.menu_seconds = time.perf_counter() - began
        if not open_lesson:
            return
        mark = await self.learner.press("\r")
        await self.learner.wait_for(r"step \d+/\d+", mark, timeout=120)
        found = STEP.findall(self.learner.text(mark))
        self.step, self.total = int(found[-1][0]), int(found[-1][1])

    async def walk(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            if await stopped_within(stop, self.rng.uniform(*self.think)):
                return
            if self.step >= self.total:
                self.forward = False
            elif self.step <= 1:
                self.forward = True
            target = self.step + (1 if self.forward else -1)
            mark = await self.learner.press("n" if self.forward else "p")
            try:
                seconds = await self.learner.wait_for(rf"step {target}/{self.total}", mark, timeout=30)
            except AssertionError:
                self.errors += 1
                if self.dropped:
                    return
                continue
            self.step = target
            self.recent.append((time.monotonic(), seconds))
            if self.recording:
                self.latencies.append(seconds)


async def start_after(walker: Walker, delay: float) -> None:
    await asyncio.sleep(delay)
    await walker.start()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def recent_keys(walkers: list[Walker], seconds: float = WAVE_KEYS_SECONDS) -> list[float]:
    since = time.monotonic() - seconds
    return [x for w in walkers for when, x in w.recent if when >= since]


def fresh_process_pss_mb(data_dir: Path) -> float:
    """PSS of `python -m tutor` started on its own PTY, once its menu is up
    and torch has loaded in the background (what a spawned session costs)."""
    master, slave = pty.openpty()
    env = dict(os.environ, TERM="xterm-256color", TUTOR_DATA_DIR=str(data_dir))
    proc = subprocess.Popen([sys.executable, "-m", "tutor", "--lang", "en"], cwd=REPO, env=env,
                            stdin=slave, stdout=slave, stderr=slave, start_new_session=True)
    os.close(slave)
    os.set_blocking(master, False)
    seen = b""
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline and b"Lesson" not in seen:
            try:
                seen += os.read(master, 65536)
            except BlockingIOError:
                time.sleep(0.05)
            except OSError:
                break
        # torch and the first optimizer load in a background worker after the
        # menu: wait until the process stops growing.
        value, steady_since = 0.0, time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - steady_since < 3:
            time.sleep(0.5)
            try:
                os.read(master, 65536)
            except OSError:
                pass
            now = pss_kb(proc.pid) / 1024
            if now > value + 1:
                value, steady_since = now, time.monotonic()
    finally:
        proc.kill()
        proc.wait()
        os.close(master)
    return value


class Bench:
    """One server for a group of rows, and what must be ended afterwards."""

    def __init__(self, tmp: Path, seats: int, leftovers: Leftovers):
        self.server = Server(tmp / "data", "--open", "--lang", "en", "--max-sessions", str(seats),
                             "--idle-timeout", "0")
        self.leftovers = leftovers
        self.walkers: list[Walker] = []
        self.tasks: list[asyncio.Task] = []
        self.stop = asyncio.Event()
        self.base_kb = 0

    async def __aenter__(self) -> Bench:
        self.server.start()
        self.leftovers.note(self.server.proc.pid)
        await asyncio.sleep(1)
        self.base_kb = tree_pss_kb(self.server.proc.pid)
        return self

    async def __aexit__(self, *exc) -> None:
        self.stop.set()
        try:
            await asyncio.wait_for(asyncio.gather(*self.tasks, return_exceptions=True), 40)
            await asyncio.wait_for(asyncio.gather(*(w.learner.close() for w in self.walkers),
                                                  return_exceptions=True), 60)
        except (TimeoutError, asyncio.CancelledError):
            pass
        finally:
            self.leftovers.note(self.server.proc.pid)
            self.server.stop()

    def sessions(self) -> list[int]:
        return list(self.server.session_pids().values())

    async def add(self, count: int, think: tuple[float, float], rng: random.Random,
                  walk: bool = True, wave_every: float = 0.0) -> str | None:
        """Add learners in waves of WAVE until `count` are in, a wave at most
        every `wave_every` seconds, its learners spread through it (0: each
        wave at once, as soon as the last is in); the stop rule's reason if
        it stopped them first."""
        loop = asyncio.get_running_loop()
        next_wave = loop.time()
        while len(self.walkers) < count:
            await asyncio.sleep(max(0.0, next_wave - loop.time()))
            next_wave = loop.time() + wave_every
            why = stop_reason(available_memory_mb(), recent_keys(self.walkers))
            if why:
                return why
            new = [Walker(self.server.port, f"l{i:04d}", random.Random(rng.random()), think)
                   for i in range(len(self.walkers), min(count, len(self.walkers) + WAVE))]
            # arriving over time, a wave's learners come one by one through its interval
            results = await asyncio.gather(*(start_after(w, i * wave_every / len(new)) for i, w in enumerate(new)),
                                           return_exceptions=True)
            for w, result in zip(new, results):
                if isinstance(result, BaseException):
                    w.errors += 1
            self.walkers.extend(new)
            if walk:
                self.tasks.extend(asyncio.create_task(w.walk(self.stop)) for w in new)
            self.leftovers.note(self.server.proc.pid)
            if len(self.walkers) % 100 == 0:
                recent = recent_keys(self.walkers)
                keys = (f", keys of the last {WAVE_KEYS_SECONDS:.0f} s p95 "
                        f"{percentile(recent, 0.95) * 1000:.0f} ms" if recent else "")
                print(f"  ... {len(self.walkers)} learners in, {available_memory_mb()} MB available, "
                      f"load {os.getloadavg()[0]:.1f}{keys}", file=sys.stderr, flush=True)
        return None

    async def measure(self, window: float) -> tuple[list[float], int, int, str | None]:
        """Record every key for `window` seconds (stopping early if the stop
        rule says so): the latencies, errors, dropped sessions, and why it
        stopped early (or None)."""
        for w in self.walkers:
            w.latencies.clear()
            w.recording = True
        errors_before = sum(w.errors for w in self.walkers)
        why = None
        deadline = time.monotonic() + window
        while time.monotonic() < deadline:
            await asyncio.sleep(min(5.0, max(0.0, deadline - time.monotonic())))
            avail = available_memory_mb()
            if avail is not None and avail < MEMORY_FLOOR_MB:
                why = stop_reason(avail, [])
                break
        for w in self.walkers:
            w.recording = False
        keys = [x for w in self.walkers for x in w.latencies]
        errors = sum(w.errors for w in self.walkers) - errors_before
        dropped = sum(w.dropped for w in self.walkers)
        return keys, errors, dropped, why


def print_header() -> None:
    print(f"{'row':<22} {'learners':>8} {'total MB':>9} {'MB/learner':>10} {'steps':>5} {'keys':>5} "
          f"{'median ms':>9} {'p95 ms':>7} {'max ms':>7} {'errors':>6} {'dropped':>7} {'load':>5}  target",
          flush=True)


def row(label: str, bench: Bench, keys: list[float], errors: int, dropped: int, target: Target,
        wanted: int, why: str | None) -> None:
    server = bench.server
    total_kb = tree_pss_kb(server.proc.pid)
    learners = len(bench.walkers)
    per = (total_kb - bench.base_kb) / 1024 / max(1, learners)
    steps = sum(1 for pid in bench.sessions() for kid in children(pid) if start_time(kid) is not None)
    median = statistics.median(keys) * 1000 if keys else None
    p95 = percentile(keys, 0.95) * 1000 if keys else None
    top = max(keys) * 1000 if keys else None

    def ms(value: float | None) -> str:
        return "-" if value is None else f"{value:.0f}"

    verdict = target.judge(per, p95, errors, dropped, learners, wanted)
    print(f"{label:<22} {learners:>8} {total_kb / 1024:>9.0f} {per:>10.1f} {steps:>5} {len(keys):>5} "
          f"{ms(median):>9} {ms(p95):>7} {ms(top):>7} {errors:>6} {dropped:>7} {os.getloadavg()[0]:>5.1f}  "
          f"{verdict}" + (f"  (stopped: {why})" if why else ""), flush=True)


async def reading_rows(sizes: list[int], window: float, think: tuple[float, float], seed: int,
                       leftovers: Leftovers, arrival: float = 0.0) -> None:
    """One reading row per size; with `arrival` (minutes) the largest class
    arrives one learner after another, evenly over that time (the stop
    rules still checked every WAVE learners), instead of in waves of WAVE
    at once, each as soon as the last one is in."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        spawned = fresh_process_pss_mb(Path(tmp) / "fresh")
        async with Bench(Path(tmp), max(sizes) + 5, leftovers) as bench:
            server = bench.server
            print(f"no learners: server {pss_kb(server.proc.pid) / 1024:.0f} MB + pre-fork process "
                  f"{pss_kb(server.forker_pid) / 1024:.0f} MB = {bench.base_kb / 1024:.0f} MB (PSS); "
                  f"a fresh `python -m tutor` on a PTY: {spawned:.0f} MB; {merging_settings()}", flush=True)
            print_header()
            began, ksm_before = time.monotonic(), merging_activity()
            wave_every = arrival * 60 / max(1, -(-max(sizes) // WAVE))
            for size in sizes:
                why = await bench.add(size, think, rng, wave_every=wave_every)
                if why is None:
                    await asyncio.sleep(think[1])  # every walker has pressed a key at least once
                keys, errors, dropped, late = await bench.measure(window)
                why = why or late
                if why is None and keys and percentile(keys, 0.95) > WAVE_P95_LIMIT:
                    why = f"key p95 {percentile(keys, 0.95) * 1000:.0f} ms > {WAVE_P95_LIMIT * 1000:.0f} ms"
                label = f"reading {think[0]:g}-{think[1]:g} s" + (f", in {arrival:g} min" if arrival else "")
                row(label, bench, keys, errors, dropped, READING_TARGET,
                    size, why)
                print(f"  {merging_report(ksm_before, time.monotonic() - began)}", flush=True)
                if why:
                    break
            menus = [w.menu_seconds for w in bench.walkers if w.menu_seconds]
            if menus:
                print(f"ssh connect to menu on screen (waves of {WAVE}): median "
                      f"{statistics.median(menus) * 1000:.0f} ms, p95 {percentile(menus, 0.95) * 1000:.0f} ms")


async def joins_row(count: int, within: float, seed: int, leftovers: Leftovers) -> None:
    """`count` learners joining a fresh server within `within` seconds, each
    at its own moment: ssh connect to the menu on screen."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        async with Bench(Path(tmp), count + 5, leftovers) as bench:
            walkers = [Walker(bench.server.port, f"j{i:04d}", random.Random(rng.random()), (10, 30))
                       for i in range(count)]
            moments = sorted(rng.uniform(0, within) for _ in walkers)
            server = bench.server
            cpu_before, mine = cpu_by_kind(server.proc.pid, server.forker_pid), time.process_time()
            began = time.monotonic()
            stopped: list[str] = []

            async def join(walker: Walker, at: float) -> None:
                await asyncio.sleep(max(0.0, began + at - time.monotonic()))
                if stopped:
                    return
                why = stop_reason(available_memory_mb(), [])
                if why:
                    stopped.append(why)
                    return
                bench.walkers.append(walker)
                try:
                    await walker.start(open_lesson=False)
                except (AssertionError, TimeoutError, OSError):
                    walker.errors += 1

            await asyncio.gather(*(join(w, at) for w, at in zip(walkers, moments)))
            cpu_after, mine = cpu_by_kind(server.proc.pid, server.forker_pid), time.process_time() - mine
            bench.leftovers.note(bench.server.proc.pid)
            menus = [w.menu_seconds for w in bench.walkers if w.menu_seconds]
            errors = sum(w.errors for w in bench.walkers)
            p95 = percentile(menus, 0.95) * 1000 if menus else None
            met = (p95 is not None and p95 <= JOINS_TARGET_MS and errors == 0
                   and len(bench.walkers) == count)
            median = f"{statistics.median(menus) * 1000:.0f}" if menus else "-"
            print(f"{'class joins':<22} {len(bench.walkers):>8} {'':>9} {'':>10} {'':>5} {len(menus):>5} "
                  f"{median:>9} {'-' if p95 is None else f'{p95:.0f}':>7} "
                  f"{max(menus) * 1000 if menus else 0:>7.0f} {errors:>6} "
                  f"{sum(w.dropped for w in bench.walkers):>7} {os.getloadavg()[0]:>5.1f}  "
                  f"{count} joining within {within:g} s, connect to menu p95 <= {JOINS_TARGET_MS} ms: "
                  f"{'met' if met else 'MISSED'}" + (f"  (stopped: {stopped[0]})" if stopped else ""),
                  flush=True)
            if menus:
                print(f"  {cpu_a_key(cpu_before, cpu_after, mine, len(menus)).replace('a key', 'a join')}",
                      flush=True)


CPU_KINDS = ("sessions", "step processes", "server", "pre-fork process")


def cpu_seconds(pid: int) -> tuple[float, float]:
    """(the process's own CPU seconds, those of its children it reaped), from
    /proc/PID/stat; (0, 0) once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tick, (int(fields[13]) + int(fields[14])) / tick


def cpu_by_kind(server_pid: int, forker_pid: int | None) -> dict[str, float]:
    """CPU seconds so far of the server's processes, by kind: the server,
    the pre-fork process (its own), the sessions (its children) and the
    step processes (the sessions' children: alive, plus those a session has
    reaped)."""
    totals = dict.fromkeys(CPU_KINDS, 0.0)
    totals["server"] = cpu_seconds(server_pid)[0]
    if forker_pid is None:
        return totals
    totals["pre-fork process"] = cpu_seconds(forker_pid)[0]
    for session in children(forker_pid):
        own, reaped = cpu_seconds(session)
        totals["sessions"] += own
        totals["step processes"] += reaped + sum(cpu_seconds(kid)[0] for kid in children(session))
    return totals


def cpu_a_key(before: dict[str, float], after: dict[str, float], mine: float, keys: int) -> str:
    """One line: milliseconds of CPU a key, by kind (sessions that ended
    between the two readings are not counted: the rows keep theirs)."""
    parts = [f"{kind} {(after[kind] - before[kind]) * 1000 / keys:.1f}" for kind in CPU_KINDS]
    return f"CPU a key (ms): {', '.join(parts)}, this load generator {mine * 1000 / keys:.1f}"


async def active_row(count: int, window: float, think: tuple[float, float], seed: int,
                     leftovers: Leftovers) -> None:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        async with Bench(Path(tmp), count + 5, leftovers) as bench:
            why = await bench.add(count, think, rng)
            if why is None:
                await asyncio.sleep(think[1])
            server = bench.server
            before, mine = cpu_by_kind(server.proc.pid, server.forker_pid), time.process_time()
            keys, errors, dropped, late = await bench.measure(window)
            after, mine = cpu_by_kind(server.proc.pid, server.forker_pid), time.process_time() - mine
            row(f"following {think[0]:g}-{think[1]:g} s", bench, keys, errors, dropped, ACTIVE_TARGET,
                count, why or late)
            if keys:
                print(f"  {cpu_a_key(before, after, mine, len(keys))}", flush=True)


# ---------------------------------------------------------------- issue 11: a fifth of the class runs code

CODING_TARGET = Target(p95_ms=250, errors=0)
CODE_LESSON, CODE_STEP = "practice", "write-gradients"
# A learner's answer with a known mistake (`grad` transposed), line by line:
# its verdict says "Not yet (run N)", so each run's frame is told from the
# last one's (a right answer's verdict reads the same every run, and a frame
# that changes nothing is never sent). Its run costs what a right one does,
# plus the mistake's message.
ANSWER = ("loss.backward()", "grad = model[0].weight.grad.T")
KEY_DOWN, KEY_F7, KEY_RUN = "\x1b[B", "\x1b[18~", "\x12"  # F7 selects all in the editor; Ctrl+R runs
RUN_COUNT = re.compile(r"\(run (\d+)\)")


def run_frame(n: int) -> str:
    """The pattern of the frame that shows the verdict of the learner's run `n`."""
    return rf"Not yet \(run {n}\)"


def place_at_code_exercise(data_dir: Path, learner: str) -> None:
    """`learner` left off at the practice lesson's first code exercise: the
    menu's last lesson opens there."""
    from tutor.lesson import load_lessons
    from tutor.progress import ProgressStore

    lesson = next(x for x in load_lessons(None) if x.id == CODE_LESSON)
    index = next(i for i, step in enumerate(lesson.steps) if step.id == CODE_STEP)
    data_dir.mkdir(parents=True, exist_ok=True)
    store = ProgressStore(data_dir / "progress.sqlite3", learner)
    try:
        store.set_position(CODE_LESSON, index, len(lesson.steps))
    finally:
        store.close()


class Coder(Walker):
    """A learner at a code exercise: types an answer once, then presses
    Ctrl+R every think time; a key's time is to the frame with that run's
    verdict ("Not yet (run N)")."""

    runs = 0

    async def start(self, open_lesson: bool = True) -> None:
        learner = self.learner
        began = time.perf_counter()
        await learner.connect(timeout=120)
        await learner.wait_for(rf"learner: {self.name}", timeout=120)
        self.menu_seconds = time.perf_counter() - began
        mark = await learner.press(KEY_DOWN * 12 + "\r")  # the last lesson: the practice
        await learner.wait_for(r"a: write in the", mark, timeout=120)
        await learner.press("a")
        await asyncio.sleep(0.3)  # keys apart, as a person types them: F7 then the text
        await learner.press(KEY_F7)
        await asyncio.sleep(0.3)
        await learner.press(ANSWER[0])
        await learner.press("\r")
        await learner.press(ANSWER[1])
        await asyncio.sleep(0.3)
        mark = await learner.press(KEY_RUN)
        self.runs = 1
        await learner.wait_for(run_frame(1), mark, timeout=120)

    async def walk(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            if await stopped_within(stop, self.rng.uniform(*self.think)):
                return
            mark = await self.learner.press(KEY_RUN)
            self.runs += 1
            try:
                seconds = await self.learner.wait_for(run_frame(self.runs), mark, timeout=30)
            except AssertionError:
                self.errors += 1
                if self.dropped:
                    return
                seen = RUN_COUNT.findall(self.learner.text())
                self.runs = int(seen[-1]) if seen else 0  # in step with the app again
                continue
            self.recent.append((time.monotonic(), seconds))
            if self.recording:
                self.latencies.append(seconds)


async def coding_row(count: int, coders: int, window: float, think: tuple[float, float], seed: int,
                     leftovers: Leftovers) -> None:
    """`count` learners on one server, `coders` of them at a code exercise
    pressing Ctrl+R every think time, the others reading lesson 1 (n/p).
    Two rows: the readers' key to frame, and the coders' run key to the
    verdict's frame; target p95 <= 250 ms for both."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        names = [f"c{i:04d}" for i in range(coders)]
        for name in names:
            place_at_code_exercise(Path(tmp) / "data", name)
        async with Bench(Path(tmp), count + 5, leftovers) as bench:
            why = None
            for start in range(0, coders, WAVE):
                why = stop_reason(available_memory_mb(), recent_keys(bench.walkers))
                if why:
                    break
                new = [Coder(bench.server.port, name, random.Random(rng.random()), think)
                       for name in names[start:start + WAVE]]
                results = await asyncio.gather(*(c.start() for c in new), return_exceptions=True)
                for c, result in zip(new, results):
                    if isinstance(result, BaseException):
                        c.errors += 1
                bench.walkers.extend(new)
                bench.tasks.extend(asyncio.create_task(c.walk(bench.stop)) for c in new)
                bench.leftovers.note(bench.server.proc.pid)
            why = why or await bench.add(count, think, rng)
            if why is None:
                await asyncio.sleep(think[1])  # every learner has pressed a key at least once
            errors_before = {id(w): w.errors for w in bench.walkers}
            _, _, _, late = await bench.measure(window)
            why = why or late
            for label, group in (
                (f"coding: {count - coders} read", [w for w in bench.walkers if not isinstance(w, Coder)]),
                (f"coding: {coders} run code", [w for w in bench.walkers if isinstance(w, Coder)]),
            ):
                keys = [x for w in group for x in w.latencies]
                errors = sum(w.errors - errors_before.get(id(w), 0) for w in group)
                dropped = sum(w.dropped for w in group)
                row(label, bench, keys, errors, dropped, CODING_TARGET, count, why)


async def run(args: argparse.Namespace, leftovers: Leftovers) -> None:
    think = tuple(args.think)
    if "joins" in args.rows:
        print_header()
        await joins_row(args.joins, args.joins_within, args.seed, leftovers)
    if "active" in args.rows:
        if "joins" not in args.rows:
            print_header()
        await active_row(args.active, args.window, tuple(args.active_think), args.seed, leftovers)
    if "coding" in args.rows:
        if not {"joins", "active"} & set(args.rows):
            print_header()
        await coding_row(args.coding, args.coders, args.window, think, args.seed, leftovers)
    if "reading" in args.rows:
        await reading_rows(sorted(args.sizes), args.window, think, args.seed, leftovers, args.arrival)
    print(f"reading: {think[0]:g}-{think[1]:g} s between keys; {args.window:g} s measured per row; "
          f"{os.cpu_count()} CPUs; load {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


async def flood(port: int, count: int, source: str, stop: asyncio.Event) -> tuple[int, int]:
    """`count` idle connections from `source`, held until `stop`; returns
    (connections made, connections the server had closed by then)."""
    streams = []
    for start in range(0, count, 200):
        results = await asyncio.gather(*(
            asyncio.wait_for(asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0)), 10)
            for _ in range(start, min(count, start + 200))), return_exceptions=True)
        streams.extend(r for r in results if not isinstance(r, BaseException))
    await stop.wait()
    closed = 0
    for reader, writer in streams:
        try:
            while True:
                data = await asyncio.wait_for(reader.read(4096), 0.001)
                if not data:
                    closed += 1
                    break
        except (TimeoutError, OSError):
            pass
        writer.close()
    return len(streams), closed


async def newcomer_menu_seconds(port: int, name: str, cols: int = 80, rows: int = 24) -> tuple[float, Learner]:
    learner = Learner(port, name, None, cols=cols, rows=rows)
    began = time.perf_counter()
    await learner.connect(timeout=60)
    await learner.wait_for(rf"learner: {name}", timeout=60)
    return time.perf_counter() - began, learner


async def hardening(workers: int, window: float, think: tuple[float, float], seed: int,
                    flood_size: int, newcomers: int, leftovers: Leftovers) -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, flood_size + 1024)), hard))
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "data", "--open", "--lang", "en", "--max-sessions",
                        str(workers + 2 * newcomers + 5), "--idle-timeout", "0").start()
        leftovers.note(server.proc.pid)
        walkers: list[Walker] = []
        tasks: list[asyncio.Task] = []
        extra: list[Learner] = []
        stop = asyncio.Event()
        try:
            base_kb = tree_pss_kb(server.proc.pid)
            walkers = [Walker(server.port, f"w{i:03d}", random.Random(rng.random()), think)
                       for i in range(workers)]
            for start in range(0, workers, 10):
                await asyncio.gather(*(w.start() for w in walkers[start:start + 10]))
            tasks = [asyncio.create_task(w.walk(stop)) for w in walkers]
            await asyncio.sleep(think[1])

            async def measure(label: str, during) -> None:
                for w in walkers:
                    w.latencies.clear()
                    w.recording = True
                began_kb = tree_pss_kb(server.proc.pid)
                note = await during()
                for w in walkers:
                    w.recording = False
                keys = [x for w in walkers for x in w.latencies]
                leftovers.note(server.proc.pid)
                total_kb = tree_pss_kb(server.proc.pid)
                p95 = percentile(keys, 0.95) * 1000 if keys else float("nan")
                print(f"{label:<26} {len(keys):>5} {statistics.median(keys) * 1000 if keys else 0:>9.0f} "
                      f"{p95:>7.0f} {total_kb / 1024:>9.0f} {(total_kb - began_kb) / 1024:>+8.0f}  {note}",
                      flush=True)

            async def quiet() -> str:
                await asyncio.sleep(window)
                return f"{workers} learners working"

            async def flooded() -> str:
                held = asyncio.Event()
                flooding = asyncio.create_task(flood(server.port, flood_size, "127.0.0.2", held))
                await asyncio.sleep(2)
                times = []
                for i in range(newcomers):
                    seconds, learner = await newcomer_menu_seconds(server.port, f"n{i:02d}")
                    times.append(seconds)
                    extra.append(learner)
                await asyncio.sleep(max(0.0, window - 2 - sum(times)))
                held.set()
                made, closed = await flooding
                over = sum(t > 2 for t in times)
                return (f"{made} idle connections ({closed} closed by the server); newcomers to menu: "
                        f"max {max(times):.2f} s, {over} over 2 s")

            async def huge_windows() -> str:
                bigs = [Walker(server.port, f"b{i:02d}", random.Random(rng.random()), think,
                               cols=65535, rows=65535) for i in range(newcomers)]
                await asyncio.gather(*(b.start() for b in bigs))
                for b in bigs:
                    extra.append(b.learner)
                    tasks.append(asyncio.create_task(b.walk(stop)))
                await asyncio.sleep(window)
                per = [pss_kb(pid) / 1024 for pid in tree_pids(server.forker_pid)[1:]]
                sessions = len(per)
                grown = (tree_pss_kb(server.proc.pid) - base_kb) / 1024
                return (f"{newcomers} windows of 65535x65535: {grown / sessions:.1f} MB a session "
                        f"(budget {SEAT_BUDGET_MB}), largest {max(per):.0f} MB")

            print(f"{'row':<26} {'keys':>5} {'median ms':>9} {'p95 ms':>7} {'total MB':>9} {'grew MB':>8}  note")
            await measure("baseline", quiet)
            await measure("flood of idle connections", flooded)
            await measure("huge windows", huge_windows)
        finally:
            stop.set()
            await asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.gather(*(w.learner.close() for w in walkers), *(x.close() for x in extra),
                                 return_exceptions=True)
            server.stop()
            refusals = [line for line in server.lines if "connections refused" in line]
            print(f"server console: {len(refusals)} line(s) about refused connections"
                  + (f", e.g. {refusals[0]!r}" if refusals else ""))
    print(f"think time {think[0]:g}-{think[1]:g} s between keys; {window:g} s measured per row; "
          f"{os.cpu_count()} CPUs; load {os.getloadavg()[0]:.1f}")

# ---------------------------------------------------------------- issue 12: a console open beside the class


async def console_row(learners: int, window: float, think: tuple[float, float], seed: int,
                      real: bool = False) -> None:
    """`--console`: LEARNERS learners walking a lesson and one instructor's
    console open (the tests' stand-in console, which draws every event it
    receives and records when it arrived). Prints the learners' key-to-frame
    median and p95 (target p95 < 250 ms) and how long their events took to
    reach the console, from the moment they happened (`t`) to the console
    reading them (target p95 < 1 s). `--real-console`: the instructor's
    console itself (tutor.ui.console), refreshing its roster; it records
    nothing, so only the learners' keys are measured (its own event-to-screen
    times: benchmarks/bench_console.py)."""
    import json

    from serve_helpers import authorize, make_key

    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        names = [f"l{i:03d}" for i in range(learners)]
        keys = {name: make_key(folder, name) for name in [*names, "prof"]}
        env = {} if real else {
            "TUTOR_CONSOLE_APP": "class_console_standin:StandInConsole",
            "PYTHONPATH": os.pathsep.join([str(REPO / "tests" / "standin"), os.environ.get("PYTHONPATH", "")])}
        data = folder / "data"
        server = Server(data, "--authorized-keys", str(authorize(folder / "learners", *(keys[n] for n in names))),
                        "--instructor-keys", str(authorize(folder / "instructors", keys["prof"])),
                        "--lang", "en", "--max-sessions", str(learners + 5), "--idle-timeout", "0",
                        env=env).start()
        try:
            console = Learner(server.port, "prof", keys["prof"], cols=100, rows=30)
            await console.connect(timeout=120)
            await console.wait_for("prof · " if real else "console of prof", timeout=120)
            walkers = []
            for name in names:
                walker = Walker(server.port, name, random.Random(rng.random()), think)
                walker.learner.key = keys[name]
                walkers.append(walker)
            for start in range(0, len(walkers), 10):
                await asyncio.gather(*(w.start() for w in walkers[start:start + 10]))
            stop = asyncio.Event()
            tasks = [asyncio.create_task(w.walk(stop)) for w in walkers]
            await asyncio.sleep(think[1])
            began = time.time()
            for w in walkers:
                w.latencies.clear()
                w.recording = True
            await asyncio.sleep(window)
            for w in walkers:
                w.recording = False
            ended = time.time()
            stop.set()
            keys_ms = [x * 1000 for w in walkers for x in w.latencies]
            record = data / "standin-events.jsonl"
            events = [json.loads(line) for line in record.read_text().splitlines() if line.strip()] if not real else []
            lags = [(e["received"] - e["t"]) * 1000 for e in events if began <= e["t"] <= ended]
            kinds = sorted({e["event"] for e in events if began <= e["t"] <= ended})
            kind = "real" if real else "stand-in"
            print(f"{learners} learners, 1 {kind} console, {window:g} s measured, think {think[0]:g}-{think[1]:g} s, "
                  f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
            print(f"{'':>28} {'count':>6} {'median ms':>9} {'p95 ms':>7} {'max ms':>7}")
            for label, values in (("learners' key to frame", keys_ms), ("event to console", lags)):
                if values:
                    print(f"{label:>28} {len(values):>6} {statistics.median(values):>9.0f} "
                          f"{percentile(values, 0.95):>7.0f} {max(values):>7.0f}")
                else:
                    print(f"{label:>28} {0:>6}")
            print(f"events seen by the console: {', '.join(kinds)}; "
                  f"learner errors {sum(w.errors for w in walkers)}")
            await asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.gather(console.close(), *(w.learner.close() for w in walkers), return_exceptions=True)
        finally:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hardening", action="store_true",
                        help="the attack rows: an idle-connection flood and huge windows beside working learners")
    parser.add_argument("--workers", type=int, default=50, help="with --hardening: learners working")
    parser.add_argument("--flood", type=int, default=2000, help="with --hardening: idle connections")
    parser.add_argument("--newcomers", type=int, default=10,
                        help="with --hardening: newcomers during the flood, and huge windows")
    parser.add_argument("--rows", nargs="+", choices=["joins", "active", "coding", "reading"],
                        default=["joins", "active", "coding", "reading"])
    parser.add_argument("--coding", type=int, default=100, help="learners in the coding rows (issue 11)")
    parser.add_argument("--coders", type=int, default=20,
                        help="of them, learners at a code exercise pressing Ctrl+R every think time")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 100, 200],
                        help="reading rows: learners in each (added to the same server)")
    parser.add_argument("--joins", type=int, default=100, help="learners in the class-joins row")
    parser.add_argument("--joins-within", type=float, default=10.0, help="seconds the class joins within")
    parser.add_argument("--active", type=int, default=150, help="learners in the following-the-instructor row")
    parser.add_argument("--active-think", type=float, nargs=2, default=[1.0, 3.0], metavar=("MIN", "MAX"))
    parser.add_argument("--window", type=float, default=60.0, help="seconds measured per row")
    parser.add_argument("--think", type=float, nargs=2, default=[10.0, 30.0], metavar=("MIN", "MAX"),
                        help="seconds a reading learner reads a step before the next key (uniform; "
                             "default 10-30)")
    parser.add_argument("--arrival", type=float, default=0.0, metavar="MINUTES",
                        help="reading rows: the class arrives over this many minutes, one learner "
                             "after another, instead of in waves of 10 at once, each as soon as the "
                             "last is in")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--console", type=int, default=None, metavar="LEARNERS",
                        help="issue 12: LEARNERS learners and one instructor's console open (e.g. 100)")
    parser.add_argument("--real-console", action="store_true",
                        help="with --console: the instructor's console itself instead of the tests' stand-in")
    args = parser.parse_args()
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    # SIGTERM as Ctrl-C: the rows' own clean-up runs, then the leftovers'
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    leftovers = Leftovers()
    try:
        if args.console:
            asyncio.run(console_row(args.console, args.window, tuple(args.think), args.seed, args.real_console))
        elif args.hardening:
            asyncio.run(hardening(args.workers, args.window, tuple(args.think), args.seed, args.flood,
                                  args.newcomers, leftovers))
        else:
            asyncio.run(run(args, leftovers))
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
    finally:
        ended = leftovers.end()
        if ended:
            print(f"ended {len(ended)} process(es) left behind: {ended[:10]}", file=sys.stderr)


if __name__ == "__main__":
    main()
