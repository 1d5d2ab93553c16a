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
their PSS per learner. With `--smaps`, one session's
private dirty pages by kind of mapping (the heap, anonymous memory, the
interpreter, torch's libraries...), to see where the rest goes.

    python benchmarks/bench_memory.py                 # 20 learners
    python benchmarks/bench_memory.py -n 50 --smaps
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
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

WAVE = 10
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
    print(f"{label:<26} {learners:>8} {per:>12.1f} {pss:>12.1f} {dirty:>14.1f} {len(step_stats):>6} {step_pss:>14.1f}",
          flush=True)


async def run(count: int, show_smaps: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp) / "data", "--open", "--lang", "en", "--max-sessions", str(count + 5),
                        "--idle-timeout", "0")
        server.start()
        learners: list[Learner] = []
        try:
            await asyncio.sleep(1)
            base_kb = tree_pss_kb(server.proc.pid)
            print(f"no learners: {base_kb / 1024:.0f} MB (server + pre-fork process, PSS)")
            print(f"{'when':<26} {'learners':>8} {'MB/learner':>12} {'session PSS':>12} "
                  f"{'session dirty':>14} {'steps':>6} {'step PSS/l.':>14}")
            for first in range(0, count, WAVE):
                wave = [Learner(server.port, f"l{i:04d}", None) for i in range(first, min(count, first + WAVE))]
                await asyncio.gather(*(w.connect(timeout=120) for w in wave))
                await asyncio.gather(*(w.wait_for(rf"learner: {w.user}", timeout=120) for w in wave))
                learners.extend(wave)
            await asyncio.sleep(SETTLE_SECONDS)
            measure("at the menu", server, base_kb, len(learners))
            if show_smaps:
                print_smaps(next(iter(server.session_pids().values())))

            async def walk(learner: Learner) -> None:
                mark = await learner.press("\r")
                await learner.wait_for(r"step \d+/\d+", mark, timeout=120)
                for target in (2, 3):
                    mark = await learner.press("n")
                    await learner.wait_for(rf"step {target}/\d+", mark, timeout=60)

            for first in range(0, len(learners), WAVE):
                await asyncio.gather(*(walk(w) for w in learners[first:first + WAVE]))
            measure("just after those steps", server, base_kb, len(learners))
            await asyncio.sleep(SETTLE_SECONDS)
            measure("after them, settled", server, base_kb, len(learners))
            if show_smaps:
                print_smaps(next(iter(server.session_pids().values())))
        finally:
            await asyncio.gather(*(w.close() for w in learners), return_exceptions=True)
            server.stop()


def print_smaps(pid: int) -> None:
    kinds = dirty_by_mapping(pid)
    top = ", ".join(f"{name} {kb / 1024:.1f}" for name, kb in kinds.most_common(8) if kb >= 100)
    print(f"  one session's Private_Dirty MB by mapping: {top}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--learners", type=int, default=20)
    parser.add_argument("--smaps", action="store_true", help="one session's private dirty pages by mapping")
    args = parser.parse_args()
    started = time.monotonic()
    asyncio.run(run(args.learners, args.smaps))
    print(f"({time.monotonic() - started:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
