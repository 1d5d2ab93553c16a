"""The instructor console under a class of 100: does it keep up?

    python benchmarks/bench_console.py [--learners 100] [--seconds 10] [--size 80x24] [--sort key]

Runs the console headless (Textual's test driver) against an in-memory link
(`tutor.ui.console.memory_link.MemoryLink`) that plays a class: every
learner joins and shows a step, then each sends a key event every second
(the sessions' own cap), a step every 5 s and an answer every 10 s,
staggered, for `--seconds`. It prints:

- event -> screen: from the event's push to the end of the first redraw
  that shows it (the roster, bars and question view rebuilt from the model;
  the frame is painted right after it). The target is 1 s at p95;
- the cost of one redraw on the UI thread, and of applying one event;
- `--sort key` sorts the roster by the last key's age, so the order moves
  on nearly every redraw (the table is rebuilt, not updated cell by cell);
- the event loop's lag: how late a 10 ms sleep wakes while the class
  streams in (what a key the instructor presses waits for).

The machine may be shared: read orders of magnitude, compare rows of one run.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tutor.lesson import load_lessons
from tutor.ui.console.app import ConsoleApp
from tutor.ui.console.memory_link import MemoryLink


def pct(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def run(learners: int, seconds: float, size: tuple[int, int], data: Path,
              sort: str = "learner") -> dict[str, list[float]]:
    lessons = load_lessons(None)
    link = MemoryLink("bench", store_path=data / "progress.sqlite3")
    app = ConsoleApp(link, lang="en", lessons=lessons)
    pushed: list[float] = []  # push time of the n-th event
    applied = 0
    shown_upto = 0
    latency: list[float] = []
    redraw_ms: list[float] = []
    apply_us: list[float] = []
    lag_ms: list[float] = []

    original_apply = app.state.apply

    def apply(event):  # the model's apply, timed and counted
        nonlocal applied
        started = time.perf_counter()
        changed = original_apply(event)
        apply_us.append((time.perf_counter() - started) * 1e6)
        applied += 1
        return changed

    app.state.apply = apply  # type: ignore[method-assign]

    def push(event: dict) -> None:
        pushed.append(time.perf_counter())
        link.push(event)

    async with app.run_test(size=size) as pilot:
        screen = app.screen
        original_redraw = screen.redraw

        def redraw() -> None:
            nonlocal shown_upto
            upto = applied
            started = time.perf_counter()
            original_redraw()
            done = time.perf_counter()
            redraw_ms.append((done - started) * 1000)
            for i in range(shown_upto, upto):
                latency.append(done - pushed[i])
            shown_upto = max(shown_upto, upto)

        screen.redraw = redraw  # type: ignore[method-assign]
        screen.sort_by = sort
        await pilot.pause(0.5)
        names = [f"learner{n:03d}" for n in range(learners)]
        by_id = {lesson.id: lesson for lesson in lessons}
        place = {}
        for n, name in enumerate(names):
            lesson = lessons[n % len(lessons)]
            place[name] = [lesson.id, 0]
            push({"event": "join", "learner": name, "session": f"s{n}", "t": time.time(), "lang": "en"})
        stop = time.perf_counter() + seconds

        async def lag_probe() -> None:
            while time.perf_counter() < stop:
                started = time.perf_counter()
                await asyncio.sleep(0.01)
                lag_ms.append((time.perf_counter() - started - 0.01) * 1000)

        probe = asyncio.create_task(lag_probe())
        tick = 0
        while time.perf_counter() < stop:
            # one tenth of the class per 100 ms: each learner's key once a second
            for n in range(tick % 10, learners, 10):
                name = names[n]
                now = time.time()
                push({"event": "key", "learner": name, "session": f"s{n}", "t": now})
                if (tick // 10 + n) % 5 == 0:
                    lesson_id, index = place[name]
                    steps = by_id[lesson_id].steps
                    index = (index + 1) % len(steps)
                    place[name][1] = index
                    push({"event": "step", "learner": name, "session": f"s{n}", "t": now, "lesson": lesson_id,
                          "step": steps[index].id, "index": index, "steps": len(steps)})
                    if steps[index].question is not None and (tick // 10 + n) % 10 == 0:
                        push({"event": "answer", "learner": name, "session": f"s{n}", "t": now,
                              "lesson": lesson_id, "step": steps[index].id, "question": steps[index].id,
                              "verdict": "wrong", "answer": str(n % 4), "tries": 1})
            tick += 1
            await asyncio.sleep(0.1)
        await probe
        await pilot.pause(1.0)
        link.close()
        await pilot.pause(0.2)
    return {"latency_ms": [x * 1000 for x in latency], "redraw_ms": redraw_ms, "apply_us": apply_us,
            "lag_ms": lag_ms, "events": [float(len(pushed))], "rows": [float(len(app.state.learners))]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--size", default="80x24")
    parser.add_argument("--sort", default="learner", help="the roster's sort column (learner, key, stuck, ...)")
    args = parser.parse_args()
    width, height = (int(x) for x in args.size.split("x"))
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        result = asyncio.run(run(args.learners, args.seconds, (width, height), Path(folder), args.sort))
    events = int(result["events"][0])
    print(f"{args.learners} learners, {events} events in {args.seconds:.0f} s "
          f"({events / args.seconds:.0f}/s), console at {args.size}, roster of {int(result['rows'][0])} "
          f"sorted by {args.sort}")
    print(f"{'measure':<34}{'median':>10}{'p95':>10}{'max':>10}  target")
    rows = [
        ("event -> screen (ms)", result["latency_ms"], "p95 < 1000"),
        ("one redraw, UI thread (ms)", result["redraw_ms"], ""),
        ("apply one event (us)", result["apply_us"], ""),
        ("event loop lag, 10 ms sleep (ms)", result["lag_ms"], ""),
    ]
    for name, samples, target in rows:
        if samples:
            print(f"{name:<34}{statistics.median(samples):>10.2f}{pct(samples, 95):>10.2f}"
                  f"{max(samples):>10.2f}  {target}")
    print(f"redraws: {len(result['redraw_ms'])} in {args.seconds:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
