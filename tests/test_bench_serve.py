"""The serving benchmark's safety rules: it stops adding learners before the
machine suffers, and it never leaves a process behind. (Its numbers are the
benchmark's to print, not the tests' to assert.)"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench_serve  # noqa: E402
from bench_serve import MEMORY_FLOOR_MB, WAVE_MIN_KEYS, WAVE_P95_LIMIT, Leftovers, start_time, stop_reason  # noqa: E402


def test_learners_stop_being_added_when_memory_runs_short():
    assert stop_reason(MEMORY_FLOOR_MB + 1, []) is None
    why = stop_reason(MEMORY_FLOOR_MB - 1, [])
    assert why is not None and "available memory" in why


def test_learners_stop_being_added_when_a_waves_keys_are_slow():
    fast = [0.05] * WAVE_MIN_KEYS
    assert stop_reason(None, fast) is None
    slow = [0.05] * (WAVE_MIN_KEYS - 2) + [WAVE_P95_LIMIT + 1] * 2  # a p95 past the limit
    why = stop_reason(None, slow)
    assert why is not None and "p95" in why
    # a handful of keys says nothing yet
    assert stop_reason(None, [WAVE_P95_LIMIT + 1] * (WAVE_MIN_KEYS - 1)) is None


def _alive(pid: int) -> bool:
    return start_time(pid) is not None


def test_every_process_seen_in_the_tree_is_ended_and_no_other():
    # a "server" whose "session" (a grandchild) would outlive it
    parent = subprocess.Popen([sys.executable, "-c",
                               "import subprocess, sys, time\n"
                               "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
                               "time.sleep(60)"])
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        deadline = time.monotonic() + 10
        leftovers = Leftovers()
        while time.monotonic() < deadline and len(leftovers.seen) < 2:
            leftovers.note(parent.pid)
            time.sleep(0.05)
        grandchild = next(pid for pid in leftovers.seen if pid != parent.pid)
        parent.send_signal(signal.SIGKILL)  # the server dies; its session lives on
        parent.wait()
        assert _alive(grandchild)
        ended = leftovers.end()
        assert grandchild in ended
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and _alive(grandchild):
            time.sleep(0.05)
        assert not _alive(grandchild)
        assert bystander.poll() is None  # never seen in the tree: left alone
    finally:
        for proc in (parent, bystander):
            proc.kill()
            proc.wait()


def test_a_recycled_pid_is_not_ended():
    leftovers = Leftovers()
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        deadline = time.monotonic() + 5
        while start_time(other.pid) is None and time.monotonic() < deadline:
            time.sleep(0.01)
        leftovers.seen[other.pid] = start_time(other.pid) - 1  # "an earlier process with this pid"
        assert leftovers.end() == []
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()


def test_the_benchmark_ends_what_it_saw_even_when_interrupted(monkeypatch):
    """Ctrl-C (or SIGTERM) in the middle of a row: main() still ends every
    process it saw."""
    session = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        async def interrupted(args, leftovers):
            leftovers.note(session.pid)
            raise KeyboardInterrupt

        monkeypatch.setattr(bench_serve, "run", interrupted)
        monkeypatch.setattr(sys, "argv", ["bench_serve.py", "--rows", "joins"])
        before = signal.getsignal(signal.SIGTERM)
        try:
            bench_serve.main()
        finally:
            signal.signal(signal.SIGTERM, before)
        assert session.wait(5) == -signal.SIGKILL
    finally:
        session.kill()
        session.wait()


def test_a_coders_run_counts_at_the_frame_with_its_own_verdict():
    """The coding rows time Ctrl+R to the frame with that run's verdict; the
    last run's verdict is on screen already, so the run's number tells them
    apart."""
    from tutor.ui.widgets.code_editor import STRINGS

    def verdict(n: int) -> str:
        return "x " + STRINGS.get("wrong", "en", n=n)

    assert re.search(bench_serve.run_frame(3), verdict(3))
    assert not re.search(bench_serve.run_frame(3), verdict(2))
    assert not re.search(bench_serve.run_frame(3), verdict(13))
    assert bench_serve.RUN_COUNT.findall(f"{verdict(9)} ... {verdict(10)}") == ["9", "10"]


def test_coders_start_at_the_code_exercise_with_an_answer_it_judges_wrong(tmp_path):
    from tutor.lesson import load_lessons
    from tutor.progress import ProgressStore

    bench_serve.place_at_code_exercise(tmp_path, "c0000")
    lesson = next(x for x in load_lessons(None) if x.id == bench_serve.CODE_LESSON)
    with ProgressStore(tmp_path / "progress.sqlite3", "c0000") as store:
        step = lesson.steps[store.position(bench_serve.CODE_LESSON)]
        assert store.last_lesson() == bench_serve.CODE_LESSON
    assert step.id == bench_serve.CODE_STEP and step.question.kind == "code"
    # one of the exercise's own known mistakes (its example is validated to match it)
    examples = [m.example.strip() for m in step.question.code.mistakes]
    assert "\n".join(bench_serve.ANSWER) in examples
    assert lesson.id == load_lessons(None)[-1].id  # the menu's last lesson: Down, Down, ... Enter opens it


def test_cpu_seconds_count_a_process_and_the_children_it_reaped():
    burn = "import os, time\npid = os.fork()\nif pid == 0:\n    t = time.process_time()\n" \
           "    while time.process_time() - t < 0.3: pass\n    os._exit(0)\nos.waitpid(pid, 0)\n" \
           "t = time.process_time()\nwhile time.process_time() - t < 0.2: pass\nprint('done', flush=True)\n" \
           "time.sleep(30)\n"
    proc = subprocess.Popen([sys.executable, "-c", burn], stdout=subprocess.PIPE)
    try:
        assert proc.stdout.readline() == b"done\n"
        own, reaped = bench_serve.cpu_seconds(proc.pid)
        assert 0.15 <= own < 2 and 0.25 <= reaped < 2
    finally:
        proc.kill()
        proc.wait()
    assert bench_serve.cpu_seconds(proc.pid) == (0.0, 0.0)


def test_cpu_a_key_is_each_kinds_cpu_over_the_keys():
    before = dict.fromkeys(bench_serve.CPU_KINDS, 1.0)
    after = {"sessions": 3.0, "step processes": 1.0, "server": 1.1, "pre-fork process": 1.0}
    line = bench_serve.cpu_a_key(before, after, 0.05, 100)
    assert line == ("CPU a key (ms): sessions 20.0, step processes 0.0, server 1.0, pre-fork process 0.0, "
                    "this load generator 0.5")
