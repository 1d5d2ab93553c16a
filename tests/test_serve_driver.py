"""A served session's terminal driver (tutor/serve/session_driver.py): the
same keys as Textual's LinuxDriver, a lone Escape included, a prompt exit,
and no wake-ups while the learner only reads.

Each test runs a small Textual app on a real PTY in a child process (the
driver reads the process's own stdin), the way a session runs."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent

APP = r'''
import sys, time
from textual.app import App
from tutor.serve.session_driver import SessionDriver

log = open(sys.argv[1], "a", buffering=1)
waits = []

class Counting(SessionDriver):
    @staticmethod
    def _wait_seconds(parser):
        seconds = SessionDriver._wait_seconds(parser)
        waits.append(seconds)
        return seconds

class Keys(App):
    def on_key(self, event):
        log.write(f"key {event.key}\n")
        if event.key == "w":       # report the input thread's waits so far
            log.write(f"waits {len(waits)} timed {sum(1 for w in waits if w is not None)}\n")
        if event.key == "q":
            log.write(f"quit {time.monotonic()}\n")
            self.exit()

Keys(driver_class=Counting).run(mouse=False)
log.write(f"exited {time.monotonic()}\n")
'''


class PtyApp:
    def __init__(self, tmp_path: Path):
        self.log = tmp_path / "log"
        self.log.touch()
        script = tmp_path / "app.py"
        script.write_text(APP)
        master, slave = pty.openpty()
        env = dict(os.environ, TERM="xterm-256color", PYTHONPATH=str(REPO))
        self.proc = subprocess.Popen([sys.executable, str(script), str(self.log)], stdin=slave, stdout=slave,
                                     stderr=slave, env=env, start_new_session=True)
        os.close(slave)
        self.master = master
        os.set_blocking(master, False)

    def lines(self) -> list[str]:
        self._drain()
        return self.log.read_text().splitlines()

    def _drain(self) -> None:
        try:
            while os.read(self.master, 65536):
                pass
        except (BlockingIOError, OSError):
            pass

    def wait_line(self, prefix: str, timeout: float = 30) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [line for line in self.lines() if line.startswith(prefix)]
            if found:
                return found[-1]
            time.sleep(0.02)
        raise AssertionError(f"{prefix!r} never came: {self.lines()}")

    def press(self, data: bytes) -> None:
        os.write(self.master, data)

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        os.close(self.master)


@pytest.fixture
def app(tmp_path):
    running = PtyApp(tmp_path)
    yield running
    running.close()


def ready(app: PtyApp) -> None:
    """Keys sent before the app reads the terminal would be lost: press
    until one is seen."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        app.press(b"r")
        try:
            app.wait_line("key r", timeout=0.5)
            return
        except AssertionError:
            continue
    raise AssertionError(f"the app never read a key: {app.lines()}")


def test_keys_and_a_lone_escape_arrive_and_the_app_exits_at_once(app):
    ready(app)
    app.press(b"a")
    app.wait_line("key a")
    app.press(b"\x1b")      # a lone Escape: told from a sequence by the parser's deadline
    app.wait_line("key escape", timeout=5)
    app.press(b"\x1b[A")    # a whole sequence is one key
    app.wait_line("key up")
    app.press(b"q")
    quit_at = float(app.wait_line("quit").split()[1])
    exited_at = float(app.wait_line("exited").split()[1])
    assert app.proc.wait(10) == 0
    assert "key [" not in " ".join(app.lines())
    # leaving wakes the input thread through its pipe: no poll interval to wait out
    assert exited_at - quit_at < 1.0


def test_the_input_thread_sleeps_while_no_key_comes(app):
    ready(app)
    app.press(b"w")
    before = app.wait_line("waits")
    time.sleep(1.0)          # Textual's own driver wakes 10 times in this second
    app.press(b"w")
    deadline = time.monotonic() + 10
    while (after := app.wait_line("waits")) == before and time.monotonic() < deadline:
        time.sleep(0.02)
    waits_before, waits_after = int(before.split()[1]), int(after.split()[1])
    # one wait per key read (or two, when the parser looked for more), none for the idle second
    assert waits_after - waits_before <= 3, (before, after)
    app.press(b"q")
    assert app.proc.wait(10) == 0
