"""How many learners one classroom server holds, and how it feels to them.

Starts `python -m tutor serve --open` on a free loopback port, then connects
simulated learners (asyncssh clients with 80x24 PTYs) in steps of
N = 10, 50, 100, 200. Each learner opens the first lesson and walks it
forward and back (`n` / `p`), waiting a random think time between keys.
For each N it prints:

- the server's total memory: PSS summed over the server, the pre-fork
  process and every session (PSS splits shared pages fairly, so the sum is
  what the machine really spends);
- memory per extra session: (total - total with no learners) / N;
- key-to-frame latency: from a key leaving the learner to the frame with
  the new "step k/m" arriving, median and p95 over every key in the window.

It also measures one `python -m tutor` started fresh on a PTY, to show what
the pre-fork process saves per learner.

    python benchmarks/bench_serve.py                 # the full table (~5 min)
    python benchmarks/bench_serve.py --sizes 10 50   # a quicker look
    python benchmarks/bench_serve.py --hardening     # the two attack rows (~4 min)
    python benchmarks/bench_serve.py --console 100   # issue 12: a console open beside 100 learners

`--hardening` (issue 13) keeps 50 learners working and adds, one row each:

- a flood of 2,000 idle TCP connections (from 127.0.0.2, holding on and
  never saying a word) while 10 newcomers connect from 127.0.0.1: the
  working learners' p95 key-to-frame stays under 250 ms, and every newcomer
  reaches the menu within 2 s;
- 10 learners with 65535x65535 windows (the server draws them at the
  500x200 cap) opening a lesson and stepping: the server's memory grows by
  no more than the seat budget (60 MB) per session.

A learner reads each step (text, code, values, plot) before the next key:
10-30 s by default. Each key costs a session about 0.15 s of CPU (the app
redrawing at 80x24), so two cores serve about 13 keys a second in all; the
keys/s column shows the load each row put on them (`--think 3 9` shows what
happens past that).

Targets (2 cores, 24 GB): 200 learners, <= 40 MB per session, p95 < 250 ms
at 100 learners. The load generator shares the machine's two cores with the
server; its own CPU use is part of what is measured.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pty
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from serve_helpers import Learner, Server  # noqa: E402
from tutor.serve.limits import SEAT_BUDGET_MB, pss_kb, tree_pids, tree_pss_kb  # noqa: E402

STEP = re.compile(r"step (\d+)/(\d+)")


class Walker:
    """One simulated learner: opens lesson 1, then steps n/p with think time."""

    def __init__(self, port: int, name: str, rng: random.Random, think: tuple[float, float],
                 cols: int = 80, rows: int = 24):
        self.learner = Learner(port, name, None, cols=cols, rows=rows)
        self.name = name
        self.rng = rng
        self.think = think
        self.latencies: list[float] = []
        self.recording = False
        self.errors = 0
        self.step, self.total = 1, 1
        self.forward = True
        self.menu_seconds = 0.0

    async def start(self) -> None:
        began = time.perf_counter()
        await self.learner.connect(timeout=120)
        await self.learner.wait_for(rf"learner: {self.name}", timeout=120)
        self.menu_seconds = time.perf_counter() - began
        mark = await self.learner.press("\r")
        await self.learner.wait_for(r"step 1/\d+", mark, timeout=120)
        found = STEP.findall(self.learner.text(mark))
        self.total = int(found[-1][1])

    async def walk(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), self.rng.uniform(*self.think))
                return
            except TimeoutError:
                pass
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
                continue
            self.step = target
            if self.recording:
                self.latencies.append(seconds)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


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
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    os.close(master)
    return value


async def run(sizes: list[int], window: float, think: tuple[float, float], seed: int) -> None:
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        spawned = fresh_process_pss_mb(Path(tmp) / "fresh")
        server = Server(data, "--open", "--lang", "en", "--max-sessions", str(max(sizes) + 5),
                        "--idle-timeout", "0").start()
        try:
            await asyncio.sleep(1)
            base_kb = tree_pss_kb(server.proc.pid)
            server_kb, forker_kb = pss_kb(server.proc.pid), pss_kb(server.forker_pid)
            print(f"no learners: server {server_kb / 1024:.0f} MB + pre-fork process "
                  f"{forker_kb / 1024:.0f} MB = {base_kb / 1024:.0f} MB (PSS)")
            print(f"a fresh `python -m tutor` on a PTY: {spawned:.0f} MB (PSS)\n")
            print(f"{'learners':>8} {'total MB':>9} {'MB/session':>10} {'keys':>6} "
                  f"{'keys/s':>6} {'median ms':>9} {'p95 ms':>7} {'max ms':>7} {'errors':>6} {'load':>5}")
            walkers: list[Walker] = []
            stop = asyncio.Event()
            tasks: list[asyncio.Task] = []
            menus: list[float] = []
            for size in sizes:
                new = [Walker(server.port, f"l{i:03d}", random.Random(rng.random()), think)
                       for i in range(len(walkers), size)]
                for start in range(0, len(new), 10):  # connect in waves of ten
                    await asyncio.gather(*(w.start() for w in new[start:start + 10]))
                walkers.extend(new)
                tasks.extend(asyncio.create_task(w.walk(stop)) for w in new)
                await asyncio.sleep(think[1])          # every walker has pressed a key at least once
                for w in walkers:
                    w.latencies.clear()
                    w.recording = True
                await asyncio.sleep(window)
                for w in walkers:
                    w.recording = False
                total_kb = tree_pss_kb(server.proc.pid)
                sessions = len(tree_pids(server.forker_pid)) - 1
                keys = [x for w in walkers for x in w.latencies]
                errors = sum(w.errors for w in walkers)
                per = (total_kb - base_kb) / 1024 / max(1, sessions)
                menus.extend(w.menu_seconds for w in new)
                if keys:
                    print(f"{size:>8} {total_kb / 1024:>9.0f} {per:>10.1f} {len(keys):>6} "
                          f"{len(keys) / window:>6.1f} "
                          f"{statistics.median(keys) * 1000:>9.0f} {percentile(keys, 0.95) * 1000:>7.0f} "
                          f"{max(keys) * 1000:>7.0f} {errors:>6} {os.getloadavg()[0]:>5.1f}", flush=True)
                else:
                    print(f"{size:>8} {total_kb / 1024:>9.0f} {per:>10.1f} {0:>6}", flush=True)
            stop.set()
            print(f"\nssh connect to menu on screen (learners joining in waves of 10): "
                  f"median {statistics.median(menus) * 1000:.0f} ms, p95 {percentile(menus, 0.95) * 1000:.0f} ms")
            await asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.gather(*(w.learner.close() for w in walkers), return_exceptions=True)
        finally:
            server.stop()
    print(f"think time {think[0]:g}-{think[1]:g} s between keys; {window:g} s measured per row; "
          f"{os.cpu_count()} CPUs")


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
                    flood_size: int, newcomers: int) -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, flood_size + 1024)), hard))
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "data", "--open", "--lang", "en", "--max-sessions",
                        str(workers + 2 * newcomers + 5), "--idle-timeout", "0").start()
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


async def console_row(learners: int, window: float, think: tuple[float, float], seed: int) -> None:
    """`--console`: LEARNERS learners walking a lesson and one instructor's
    console open (the tests' stand-in console, which draws every event it
    receives and records when it arrived). Prints the learners' key-to-frame
    median and p95 (target p95 < 250 ms) and how long their events took to
    reach the console, from the moment they happened (`t`) to the console
    reading them (target p95 < 1 s)."""
    import json

    from serve_helpers import authorize, make_key

    rng = random.Random(seed)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        names = [f"l{i:03d}" for i in range(learners)]
        keys = {name: make_key(folder, name) for name in [*names, "prof"]}
        env = {"TUTOR_CONSOLE_APP": "class_console_standin:StandInConsole",
               "PYTHONPATH": os.pathsep.join([str(REPO / "tests" / "standin"), os.environ.get("PYTHONPATH", "")])}
        data = folder / "data"
        server = Server(data, "--authorized-keys", str(authorize(folder / "learners", *(keys[n] for n in names))),
                        "--instructor-keys", str(authorize(folder / "instructors", keys["prof"])),
                        "--lang", "en", "--max-sessions", str(learners + 5), "--idle-timeout", "0",
                        env=env).start()
        try:
            console = Learner(server.port, "prof", keys["prof"], cols=100, rows=30)
            await console.connect(timeout=120)
            await console.wait_for("console of prof", timeout=120)
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
            events = [json.loads(line) for line in record.read_text().splitlines() if line.strip()]
            lags = [(e["received"] - e["t"]) * 1000 for e in events if began <= e["t"] <= ended]
            kinds = sorted({e["event"] for e in events if began <= e["t"] <= ended})
            print(f"{learners} learners, 1 console, {window:g} s measured, think {think[0]:g}-{think[1]:g} s, "
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
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 100, 200])
    parser.add_argument("--window", type=float, default=60.0, help="seconds measured per size")
    parser.add_argument("--think", type=float, nargs=2, default=[10.0, 30.0], metavar=("MIN", "MAX"),
                        help="seconds a learner reads a step before the next key (uniform; "
                             "default 10-30)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--console", type=int, default=None, metavar="LEARNERS",
                        help="issue 12: LEARNERS learners and one instructor's console open (e.g. 100)")
    args = parser.parse_args()
    if args.console:
        asyncio.run(console_row(args.console, args.window, tuple(args.think), args.seed))
        return
    if args.hardening:
        asyncio.run(hardening(args.workers, args.window, tuple(args.think), args.seed, args.flood,
                              args.newcomers))
        return
    asyncio.run(run(sorted(args.sizes), args.window, tuple(args.think), args.seed))


if __name__ == "__main__":
    main()
