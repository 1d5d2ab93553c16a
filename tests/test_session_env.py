"""What an SSH session's child sets up before the app runs (no SSH needed):
its environment describes the learner's terminal and nothing of the
server's, and the app runs keyboard-only."""

from __future__ import annotations

import asyncio

from tutor.serve import child


def test_the_environment_never_carries_columns_lines_or_the_servers_no_color(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("LINES", "24")
    monkeypatch.setenv("NO_COLOR", "1")
    env = child.child_environment({"term": "xterm-256color", "colorterm": ""}, "/data")
    assert "COLUMNS" not in env and "LINES" not in env
    assert "NO_COLOR" not in env
    assert env["TERM"] == "xterm-256color" and env["TEXTUAL_COLOR_SYSTEM"] == "256"


def test_no_color_only_when_the_client_sent_it():
    env = child.child_environment({"term": "xterm", "colorterm": "truecolor", "no_color": True}, "/data")
    assert env["NO_COLOR"] == "1"
    assert env["COLORTERM"] == "truecolor" and env["TEXTUAL_COLOR_SYSTEM"] == "truecolor"


def test_the_session_runs_the_app_without_mouse_tracking():
    class RecordingApp:
        return_code = 0

        async def run_async(self, **options):
            self.options = options

        def exit(self):  # pragma: no cover - only a signal would call it
            pass

    app = RecordingApp()
    assert asyncio.run(child._run(app)) == 0
    assert app.options.get("mouse") is False


CPU_HOG = '''
import asyncio, os, sys, time
from tutor.serve import child
from tutor.serve.limits import apply_session_limits

class BlockingApp:
    """A render that never yields: the event loop is blocked throughout."""
    return_code = 0

    async def run_async(self, **options):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            pass

    def exit(self):
        pass

    def notify(self, *args, **kwargs):
        pass

# A session is forked from the warm parent, so its CPU count starts at 0
# (this process's imports must not count against the cap).
pid = os.fork()
if pid == 0:
    apply_session_limits(0, 1)
    os._exit(asyncio.run(child._run(BlockingApp())))
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status) % 256)
'''


def test_the_cpu_cap_holds_while_a_render_blocks_the_loop(tmp_path):
    """--session-cpu 1: the session ends about a second of CPU later, as
    "CPU spent" (so the learner is told why), even though the event loop
    never runs again."""
    import subprocess
    import sys
    import time
    from pathlib import Path

    repo = Path(__file__).resolve().parent.parent
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-c", CPU_HOG], cwd=repo, capture_output=True,
                            text=True, timeout=60)
    took = time.monotonic() - start
    assert result.returncode == child.EXIT_CPU_SPENT, result.stderr
    # Before: the loop's handler never ran, and the kernel's SIGKILL came
    # at 11 s of CPU (-9: the learner was told of a crash, not the cap).
    assert took < 15, took


def test_the_forker_waits_for_a_thread_the_kernel_has_not_ended_yet(monkeypatch):
    """A thread the warm-up left is gone from Python (joined) a moment
    before it is gone from /proc: the forker waits for it rather than
    refusing to start ("2 threads after warm-up")."""
    from tutor.serve import forker

    counts = iter([2, 2, 2, 1])
    monkeypatch.setattr(forker, "thread_count", lambda: next(counts, 1))
    assert forker.single_threaded(5) == 1
    stuck = iter([2] * 1000)
    monkeypatch.setattr(forker, "thread_count", lambda: next(stuck, 2))
    assert forker.single_threaded(0.05) == 2  # a thread that never ends is still refused


def test_a_tracing_session_writes_its_allocations_at_each_sigusr2(tmp_path):
    """TUTOR_SESSION_TRACE (bench_memory.py --trace): each SIGUSR2 leaves a
    snapshot holding what the session allocated since tracing began, and
    the most it held at once in between."""
    import os
    import signal
    import tracemalloc

    kept = signal.getsignal(signal.SIGUSR2)
    try:
        child._trace_allocations(str(tmp_path))
        os.kill(os.getpid(), signal.SIGUSR2)
        held = [bytearray(1000) for _ in range(2000)]   # ~2 MB while tracing
        del held
        os.kill(os.getpid(), signal.SIGUSR2)
    finally:
        tracemalloc.stop()
        signal.signal(signal.SIGUSR2, kept)
    first = tmp_path / f"session-{os.getpid()}-1"
    second = tmp_path / f"session-{os.getpid()}-2"
    assert isinstance(tracemalloc.Snapshot.load(str(first) + ".trace"), tracemalloc.Snapshot)
    assert tracemalloc.Snapshot.load(str(second) + ".trace").traces
    assert int((second.with_suffix(".peak")).read_text()) > 2_000_000 > int(first.with_suffix(".peak").read_text())
