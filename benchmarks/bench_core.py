"""The core's costs, without the app: loading lessons, running each lesson,
checking an answer, writing progress.

    python benchmarks/bench_core.py [--runs N]

Prints one table of medians and p95s over N runs (torch already imported and
warm, one thread, as in the app). The machine may be shared: read the
numbers as orders of magnitude, and compare rows of one run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tutor.checking import check
from tutor.lesson import load_lessons
from tutor.progress import ProgressStore
from tutor.runner import InProcessRun, LessonRun, load_torch


def timed(fn, runs: int) -> tuple[float, float]:
    """Median and p95 of fn() in milliseconds."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(0.95 * len(samples)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    rows: list[tuple[str, float, float]] = []
    from tutor.lesson import default_lessons_dir
    from tutor.lesson import lesson_files as _lesson_files
    from tutor.lesson.check import check_files

    files, _ = _lesson_files(default_lessons_dir())
    rows.append(("parse + validate the 8 lesson files", *timed(lambda: check_files(files), args.runs)))
    load_lessons()  # fills the lesson cache, as the first start does
    rows.append(("load them from the lesson cache", *timed(load_lessons, args.runs)))
    load_torch(warm=True)
    lessons = load_lessons()
    for lesson in lessons:
        rows.append((f"run lesson {lesson.id} ({len(lesson.steps)} steps) in this process",
                     *timed(lambda lesson=lesson: InProcessRun(lesson).run_all(), args.runs)))
        rows.append(("  the same in a child process (fork, run, end)",
                     *timed(lambda lesson=lesson: _in_child(lesson), args.runs)))
    # what a learner's `n` costs beyond the step itself: one round trip to a
    # child that is already running (the app forks one per lesson, once)
    slope = lessons[0]
    rows.append(("  a step re-run in this process (slope step 1)",
                 *timed(lambda: _rerun(InProcessRun(slope)), args.runs * 5)))
    warm = LessonRun(slope)
    warm.run_to(0)
    rows.append(("  the same in a running child (round trip)", *timed(lambda: _rerun(warm), args.runs * 5)))
    warm.close()
    rows.append(("  a fresh child's first step (fork + step)", *timed(lambda: _first(slope), args.runs)))

    practice = next(lesson for lesson in lessons if lesson.id == "practice")
    result = next(r for r in LessonRun(practice).run_all() if r.step.question and r.step.question.kind == "number")
    rows.append(("check a number answer",
                 *timed(lambda: check(result.step.question, result.expected, "0.5", "en"), args.runs * 50)))
    rows.append(("refuse a 10 MB paste", *timed(lambda: _refuse(result), args.runs)))

    with tempfile.TemporaryDirectory() as folder:
        store = ProgressStore(Path(folder) / "progress.sqlite3", "bench")
        rows.append(("store: save the position", *timed(lambda: store.set_position("slope", 1, 5), args.runs * 5)))
        rows.append(("store: record an answer",
                     *timed(lambda: store.record_answer("practice", "q", "0.5", False), args.runs * 5)))
        store.close()

    width = max(len(name) for name, _, _ in rows)
    print(f"{'what':<{width}}  {'median ms':>10}  {'p95 ms':>8}")
    for name, median, p95 in rows:
        print(f"{name:<{width}}  {median:>10.3f}  {p95:>8.3f}")
    return 0


def _in_child(lesson) -> None:
    run = LessonRun(lesson)
    run.run_all()
    run.close()


def _rerun(run) -> None:
    run.reset()
    run.run_to(0)


def _first(lesson) -> None:
    run = LessonRun(lesson)
    run.run_to(0)
    run.close()


def _refuse(result) -> None:
    from tutor.checking import AnswerError

    try:
        check(result.step.question, result.expected, "9" * 10_000_000, "en")
    except AnswerError:
        return
    raise AssertionError("a 10 MB answer was accepted")


if __name__ == "__main__":
    sys.exit(main())
