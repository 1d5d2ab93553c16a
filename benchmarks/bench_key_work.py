"""The Python work of each step key, counted: the same every run within 1%.

Time on this shared 2-core machine moves by 1.4-1.7x within minutes, so a
change worth 5% of a key cannot be seen in `bench_app.py`'s milliseconds
without many alternating runs. This counts instead what the UI thread
executes for a key: Python bytecode instructions (`sys.settrace` opcode
events, in thousands) from `n` to its frame, which the lesson screen draws
inside the key's action (`LessonScreen._accept`, tutor/ui/draw_now.py).
Work done in C (Rich's and Textual's are Python; the interpreter's own
allocations are not counted) and the terminal's writing are left out. A
few keys vary a little from run to run (whether a step run ahead had
finished when the key came), so totals agree within 1%, not exactly.

The count is a proxy for time, and it can mislead: opcodes differ in cost.
At stop 23 a change that skipped the widget rows covered by others cut
the count by 15% and the UI thread's CPU time by under 1% (the rows came
from Textual's caches: README, "Numbers"). Check a change's time too.

One app, headless at 80x24, goes through every lesson as a learner does:
from the menu into a lesson, `n` to its last step, back to the menu, the
next lesson. sgd's and training's animated loops are left out, as in
`bench_app.py`. Tracing makes the pass ~50x slower (about a minute);
the counts do not depend on it.

    python benchmarks/bench_key_work.py            # the table
    python benchmarks/bench_key_work.py --keys 15  # and the 15 costliest keys
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tutor.lesson import load_lessons  # noqa: E402
from tutor.progress import ProgressStore  # noqa: E402
from tutor.ui.app import make_app  # noqa: E402
from tutor.ui.screens.lesson import LessonScreen  # noqa: E402

SKIP = {("sgd", "loop"), ("training", "loop")}  # the animated training loops


class Counter:
    """Opcodes executed inside LessonScreen._accept while `on`."""

    def __init__(self) -> None:
        self.on = False
        self.count = 0
        self.keys: list[tuple[str, int]] = []  # ("lesson/step", opcodes)

    def _trace(self, frame, event, arg):
        frame.f_trace_opcodes = True
        if event == "opcode":
            self.count += 1
        return self._trace

    def install(self) -> None:
        accept = LessonScreen._accept
        counter = self

        def counted(screen, *args, **kwargs):
            if not counter.on:
                return accept(screen, *args, **kwargs)
            counter.count = 0
            sys.settrace(counter._trace)
            try:
                return accept(screen, *args, **kwargs)
            finally:
                sys.settrace(None)
                counter.keys.append((f"{screen.lesson.id}/{screen.step.id}", counter.count))

        LessonScreen._accept = counted  # type: ignore[method-assign]


async def _settle(app, pilot) -> None:
    """Until the screen shows its step's result and nothing runs."""
    for _ in range(400):
        await pilot.pause()
        await app.workers.wait_for_complete()
        screen = app.screen
        if isinstance(screen, LessonScreen) and screen.result is not None and not screen.busy:
            return
        await pilot.pause(0.05)
    raise SystemExit("bench_key_work: a step never finished")


async def _walk(counter: Counter, size: tuple[int, int]) -> None:
    lessons = load_lessons(None)
    with tempfile.TemporaryDirectory() as tmp:
        store = ProgressStore(Path(tmp) / "progress.sqlite3", "bench")
        app = make_app(lessons=lessons, lang="en", learner="bench", store=store)
        async with app.run_test(size=size) as pilot:
            await pilot.pause(0.5)
            for position, lesson in enumerate(lessons):
                await pilot.press("home", *["down"] * position, "enter")
                await _settle(app, pilot)
                await pilot.pause(0.3)  # the next step runs ahead, as while a learner reads
                for step in lesson.steps[1:]:
                    counter.on = (lesson.id, step.id) not in SKIP
                    await pilot.press("n")
                    counter.on = False
                    await _settle(app, pilot)
                    await pilot.pause(0.2)
                await pilot.press("l")
                await pilot.pause(0.3)
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keys", type=int, default=10, help="the costliest keys listed (default 10)")
    parser.add_argument("--size", default="80x24", help="terminal size (default 80x24)")
    args = parser.parse_args()
    width, height = (int(part) for part in args.size.split("x"))
    counter = Counter()
    counter.install()
    asyncio.run(_walk(counter, (width, height)))
    counts = sorted(count / 1000 for _, count in counter.keys)
    n = len(counts)

    def at(share: float) -> float:
        return counts[min(n - 1, int(n * share))]

    print(f"# bench_key_work: {args.size}, {n} keys (every step of every lesson but the animated loops)")
    print("Python opcodes on the UI thread from a key to its frame, thousands (the same every run):")
    print(f"{'median':>8}{'p90':>8}{'p95':>8}{'max':>8}{'mean':>8}{'total':>10}")
    print(f"{statistics.median(counts):>8.1f}{at(0.90):>8.1f}{at(0.95):>8.1f}{counts[-1]:>8.1f}"
          f"{statistics.mean(counts):>8.1f}{sum(counts):>10.1f}")
    print(f"\nthe {args.keys} costliest keys:")
    for key, count in sorted(counter.keys, key=lambda item: -item[1])[:args.keys]:
        print(f"{count / 1000:>8.1f}  {key}")


if __name__ == "__main__":
    main()
