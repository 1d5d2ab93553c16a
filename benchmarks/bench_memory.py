"""What one served session costs in memory, at the menu and in a lesson.

A smaller, quicker companion to `bench_serve.py`'s reading rows (issue 14:
at most 18 MB PSS a session): starts `python -m tutor serve --open`,
connects N learners (80x24 PTYs, waves of 10) and, with no think-time
walking in between, measures twice:

- at the menu, once every learner's menu is on screen and the sessions
  have settled;
- just after a lesson's first steps: each learner opens the first lesson
  and steps forward twice (`enter`, `n`, `n`); each session's step process
  (the lesson's code runs in a process forked from the session) is alive;
- after those steps, settled: a step process ends after a few idle
  seconds, as while a class reads.

Each row: the memory the learners added to the server's whole process
tree, per learner ((tree PSS - tree PSS before them) / N: PSS splits shared
pages fairly, so that is what the machine spends), and the mean PSS and
Private_Dirty of a session process itself, the step processes alive and
their PSS per learner, and what the kernel keeps for a session outside
any PSS: its page tables and its mappings (VMAs, a few hundred bytes each;
with KSM on, a session's marks split its heap into more of them). They
count against the machine's available memory, which is what stops
`bench_serve.py`'s 1,000 row. With `--smaps`, one session's
private dirty pages by kind of mapping (the heap, anonymous memory, the
interpreter, torch's libraries...), to see where the rest goes, and (as
root, through /proc/PID/pagemap) how much of it is the parent's pages
copied on a write and how much memory of its own. With
`--trace`, the server's sessions trace their allocations
(TUTOR_SESSION_TRACE, tutor/serve/child.py): one session's live
allocations at the menu and after the steps, and the sites that grew most
between the two (the session's new objects only; pages of the parent's it
copies by writing to them do not show here: see docs/scaling.md;
tracing costs memory of its own, so the rows read high then).

    python benchmarks/bench_memory.py                 # 20 learners
    python benchmarks/bench_memory.py -n 50 --smaps
    python benchmarks/bench_memory.py -n 10 --trace
    python benchmarks/bench_memory.py -n 50 --settle 120   # with KSM on: after its pass
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import struct
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

from serve_helpers import Learner, Server  # noqa: E402
from tutor.serve.limits import tree_pids, tree_pss_kb  # noqa: E402
from tutor.serve.merging import merging_activity, merging_report, merging_settings  # noqa: E402

WAVE = 10
PAGE = 4096
PFN_MASK = (1 << 55) - 1
SETTLE_SECONDS = 6.0   # past the step process's idle end (3 s) and the app's prefetch


def rollup(pid: int) -> dict[str, int]:
    """smaps_rollup's kB fields of one process ({} if it is gone)."""
    out: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            for line in f:
                parts = line.split()
                if len(parts) == 3 and parts[2] == "kB":
                    out[parts[0].rstrip(":")] = int(parts[1])
    except OSError:
        pass
    return out


def dirty_by_mapping(pid: int) -> Counter:
    """Private_Dirty kB of one process, by kind of mapping."""
    kinds: Counter = Counter()
    kind = "?"
    with open(f"/proc/{pid}/smaps", encoding="utf-8", errors="replace") as f:
        for line in f:
            first = line.split(maxsplit=1)[0]
            if "-" in first and not first.endswith(":"):
                fields = line.split()
                name = fields[5] if len(fields) > 5 else ""
                kind = name.rsplit("/", 1)[-1] if name else "[anon]"
                if "libtorch" in kind or "libc10" in kind or "libgomp" in kind:
                    kind = "libtorch*"
                elif name.startswith("/") and ".so" in kind and "python" not in kind:
                    kind = "other .so"
            elif first == "Private_Dirty:":
                kinds[kind] += int(line.split()[1])
    return kinds


def kernel_side(pid: int) -> tuple[int, int]:
    """What the kernel keeps for one process outside its PSS: its page
    tables (kB, /proc/PID/status's VmPTE) and its mappings (VMAs, a few
    hundred bytes each). (0, 0) if it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            pte = next((int(line.split()[1]) for line in f if line.startswith("VmPTE:")), 0)
        with open(f"/proc/{pid}/maps", "rb") as f:
            vmas = sum(1 for _ in f)
    except OSError:
        return 0, 0
    return pte, vmas


def measure(label: str, server: Server, base_kb: int, learners: int) -> None:
    sessions = list(server.session_pids().values())
    total = tree_pss_kb(server.proc.pid)
    stats = [rollup(pid) for pid in sessions]
    stats = [s for s in stats if s]
    step_stats = [s for s in (rollup(kid) for pid in sessions for kid in tree_pids(pid)[1:]) if s]
    step_pss = sum(s["Pss"] for s in step_stats) / 1024 / max(1, learners)
    per = (total - base_kb) / 1024 / max(1, learners)
    pss = statistics.mean(s["Pss"] for s in stats) / 1024
    dirty = statistics.mean(s["Private_Dirty"] for s in stats) / 1024
    kernel = [k for k in (kernel_side(pid) for pid in sessions) if k[1]]
    pte = statistics.mean(k[0] for k in kernel) if kernel else 0
    vmas = statistics.mean(k[1] for k in kernel) if kernel else 0
    print(f"{label:<26} {learners:>8} {per:>12.1f} {pss:>12.1f} {dirty:>14.1f} {len(step_stats):>6} {step_pss:>14.1f}"
          f" {pte:>12.0f} {vmas:>6.0f}", flush=True)


async def run(count: int, show_smaps: bool, trace: bool = False, settle: float = SETTLE_SECONDS) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {"TUTOR_SESSION_TRACE": tmp} if trace else {}
        server = Server(Path(tmp) / "data", "--open", "--lang", "en", "--max-sessions", str(count + 5),
                        "--idle-timeout", "0", env=env)
        server.start()
        learners: list[Learner] = []
        try:
            await asyncio.sleep(1)
            base_kb = tree_pss_kb(server.proc.pid)
            print(f"no learners: {base_kb / 1024:.0f} MB (server + pre-fork process, PSS); {merging_settings()}")
            began, ksm_before = time.monotonic(), merging_activity()
            print(f"{'when':<26} {'learners':>8} {'MB/learner':>12} {'session PSS':>12} "
                  f"{'session dirty':>14} {'steps':>6} {'step PSS/l.':>14} {'page tbl kB':>12} {'VMAs':>6}")
            for first in range(0, count, WAVE):
                wave = [Learner(server.port, f"l{i:04d}", None) for i in range(first, min(count, first + WAVE))]
                await asyncio.gather(*(w.connect(timeout=120) for w in wave))
                await asyncio.gather(*(w.wait_for(rf"learner: {w.user}", timeout=120) for w in wave))
                learners.extend(wave)
            await asyncio.sleep(settle)
            measure("at the menu", server, base_kb, len(learners))
            traced = next(iter(server.session_pids().values()))
            if show_smaps:
                print_smaps(traced, server.forker_pid)
            if trace:
                at_menu = await take_snapshot(traced, Path(tmp), 1)

            async def walk(learner: Learner) -> None:
                mark = await learner.press("\r")
                await learner.wait_for(r"step \d+/\d+", mark, timeout=120)
                for target in (2, 3):
                    mark = await learner.press("n")
                    await learner.wait_for(rf"step {target}/\d+", mark, timeout=60)

            for first in range(0, len(learners), WAVE):
                await asyncio.gather(*(walk(w) for w in learners[first:first + WAVE]))
            measure("just after those steps", server, base_kb, len(learners))
            await asyncio.sleep(settle)
            measure("after them, settled", server, base_kb, len(learners))
            print(merging_report(ksm_before, time.monotonic() - began))
            if show_smaps:
                print_smaps(traced, server.forker_pid)
            if trace:
                print_growth(at_menu, await take_snapshot(traced, Path(tmp), 2))
        finally:
            await asyncio.gather(*(w.close() for w in learners), return_exceptions=True)
            server.stop()


async def take_snapshot(pid: int, where: Path, number: int):
    """Ask a tracing session for its allocations (SIGUSR2) and load them."""
    import tracemalloc

    os.kill(pid, signal.SIGUSR2)
    path = where / f"session-{pid}-{number}.trace"
    for _ in range(600):
        await asyncio.sleep(0.1)
        try:
            snapshot = tracemalloc.Snapshot.load(str(path))
            snapshot.peak = int(path.with_suffix(".peak").read_text())
            return snapshot
        except (OSError, EOFError, ValueError):
            continue   # not written yet, or half written
    raise RuntimeError(f"session {pid} wrote no allocation snapshot")


def print_growth(before, after, top: int = 25) -> None:
    """What one session allocated between two snapshots, by source line,
    then the call chains of the largest."""
    def total(snapshot) -> float:
        return sum(stat.size for stat in snapshot.statistics("filename")) / 1024 / 1024

    print(f"  one session's traced allocations: {total(before):.1f} MB at the menu "
          f"(at most {before.peak / 2**20:.1f} MB till then), {total(after):.1f} MB after the steps "
          f"(at most {after.peak / 2**20:.1f} MB on the way)", flush=True)
    print("  by file: " + ", ".join(f"{short(stat.traceback[0].filename)} {stat.size_diff / 1024:+.0f} kB"
                                    for stat in after.compare_to(before, "filename")[:12]))
    for stat in after.compare_to(before, "lineno")[:top]:
        frame = stat.traceback[0]
        print(f"  {stat.size_diff / 1024:+9.0f} kB {stat.count_diff:+7d}  {short(frame.filename)}:{frame.lineno}")
    print("  the largest by call chain:")
    for stat in after.compare_to(before, "traceback")[:8]:
        print(f"  {stat.size_diff / 1024:+9.0f} kB {stat.count_diff:+7d}")
        for frame in list(stat.traceback)[-8:]:
            print(f"      {short(frame.filename)}:{frame.lineno}")


def short(filename: str) -> str:
    """A source file's name from its package on (`textual/cache.py`,
    `tutor/ui/app.py`, `asyncio/locks.py`)."""
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1]
    if "/tutor/" in filename:
        return "tutor/" + filename.split("/tutor/", 1)[1]
    if "/lib/python3" in filename:
        return filename.split("/lib/python3", 1)[1].partition("/")[2]
    return filename


def print_smaps(pid: int, parent: int) -> None:
    kinds = dirty_by_mapping(pid)
    top = ", ".join(f"{name} {kb / 1024:.1f}" for name, kb in kinds.most_common(8) if kb >= 100)
    print(f"  one session's Private_Dirty MB by mapping: {top}", flush=True)
    copied, new = copied_or_new(pid, parent)
    if copied or new:
        print(f"  ... of its own pages: {copied / 1024:.1f} copied from the pre-fork parent (written after "
              f"the fork), {new / 1024:.1f} new", flush=True)


def _frames(pid: int, low: int, high: int) -> list[int]:
    """/proc/PID/pagemap's entries for the pages from `low` to `high`."""
    with open(f"/proc/{pid}/pagemap", "rb") as f:
        f.seek(low // PAGE * 8)
        data = f.read((high - low) // PAGE * 8)
    return list(struct.unpack(f"{len(data) // 8}Q", data))


def copied_or_new(pid: int, parent: int) -> tuple[int, int]:
    """kB of a session's pages mapped by it alone: those at an address where
    the parent has a page too (a copy made when the session wrote to a
    shared page) and the others (memory the session allocated). Needs the
    page frame numbers, which only root reads: (0, 0) without them."""
    copied = new = 0
    try:
        with open(f"/proc/{pid}/maps", encoding="utf-8", errors="replace") as f:
            ranges = [tuple(int(x, 16) for x in line.split()[0].split("-")) for line in f]
        for low, high in ranges:
            if high - low > 1 << 36:
                continue   # a reservation, not memory
            try:
                mine = _frames(pid, low, high)
            except OSError:
                continue   # [vsyscall] and the like
            try:
                theirs = _frames(parent, low, high)
            except OSError:
                theirs = []
            for i, entry in enumerate(mine):
                if not entry >> 63 & 1 or not entry >> 56 & 1:
                    continue   # not present, or shared with another process
                if not entry & PFN_MASK:
                    return 0, 0   # frame numbers hidden: not root
                present = i < len(theirs) and theirs[i] >> 63 & 1
                copied += present * PAGE // 1024
                new += (not present) * PAGE // 1024
    except OSError:
        return 0, 0
    return copied, new


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--learners", type=int, default=20)
    parser.add_argument("--smaps", action="store_true", help="one session's private dirty pages by mapping")
    parser.add_argument("--trace", action="store_true",
                        help="one session's allocations (tracemalloc) that grew from the menu to after the steps")
    parser.add_argument("--settle", type=float, default=SETTLE_SECONDS, metavar="SECONDS",
                        help="how long the learners sit still before the menu's and the settled rows "
                             f"(default {SETTLE_SECONDS:g}; with KSM on, long enough for its pass)")
    args = parser.parse_args()
    started = time.monotonic()
    asyncio.run(run(args.learners, args.smaps, args.trace, args.settle))
    print(f"({time.monotonic() - started:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
