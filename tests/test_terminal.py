"""`python -m tutor` in a real terminal (tmux, 80x24), driven by keys.

This is the learner's path, end to end: the real command line, a real
terminal, the escape sequences tmux sends for arrow keys (in a burst, as a
fast typist or an SSH link delivers them), torch loading in the background,
and the screen read back as text.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tutor.lesson import load_lessons
from tutor.progress import ProgressStore

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

ROOT = Path(__file__).resolve().parents[1]


class Tmux:
    """One private tmux server (its own socket) running one window."""

    def __init__(self, command: list[str], env: dict[str, str], width: int = 80, height: int = 24):
        self.socket = f"tutor-test-{uuid.uuid4().hex[:8]}"
        args = ["new-session", "-d", "-x", str(width), "-y", str(height)]
        for key, value in env.items():
            args += ["-e", f"{key}={value}"]
        shell = " ".join(_quote(part) for part in command)
        # keep the window after the program exits, so its last words can be read
        self.run(*args, f"cd {_quote(str(ROOT))} && {shell}; echo EXITED $?; sleep 30")

    def run(self, *args: str) -> str:
        out = subprocess.run(["tmux", "-L", self.socket, "-f", "/dev/null", *args],
                             capture_output=True, text=True, timeout=20)
        return out.stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p")

    def keys(self, *keys: str) -> None:
        self.run("send-keys", *keys)

    def type(self, text: str) -> None:
        self.run("send-keys", "-l", text)

    def wait_for(self, *needles: str, timeout: float = 60.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if all(needle in screen for needle in needles):
                return screen
            time.sleep(0.1)
        raise AssertionError(f"never saw {needles!r}; the screen was:\n{screen}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=20)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


@pytest.fixture
def data_dir(tmp_path):
    return tmp_path / "data"


@pytest.fixture
def term(data_dir):
    env = {
        "TUTOR_DATA_DIR": str(data_dir),
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TERM": "xterm-256color",
        "PYTHONPATH": str(ROOT),
    }
    tmux = Tmux([sys.executable, "-m", "tutor", "--lang", "en"], env)
    yield tmux
    tmux.close()


def test_backprop_pytorch_gradient_shapes_on_a_real_terminal(term, data_dir):
    lessons = load_lessons(None)
    index = next(i for i, lesson in enumerate(lessons) if lesson.id == "backprop-pytorch")
    lesson = lessons[index]
    m = len(lesson.steps)
    question_step = next(i for i, s in enumerate(lesson.steps) if "model[0].weight.grad" in s.show)

    term.wait_for("Derivatives to update model parameters", "Enter open")
    # one burst: the arrows must all land before Enter opens the lesson
    term.keys(*(["Down"] * index), "Enter")
    term.wait_for(f"Backpropagation in PyTorch | step 1/{m}")
    for n in range(2, question_step + 2):
        term.keys("n")
        term.wait_for(f"step {n}/{m}")
    screen = term.wait_for("Shape of model[0].weight.grad?", "Predict first")
    assert "8x16" not in screen  # predict, then reveal

    term.keys("a")
    # the box has the focus (the key line says so); now letters are the answer
    term.wait_for("Enter checks · Esc leaves the box")
    term.type("8, 16")
    term.keys("Enter")
    screen = term.wait_for("Right!", "model[0].weight.grad", "8x16")
    assert "computed value" in screen
    # a verdict leaves the focus in the box (right or wrong alike): Esc
    # leaves it, and only that; then n is the next step again
    term.keys("Escape")
    term.wait_for("a or Enter: answer")
    assert "Backpropagation in PyTorch | step" in term.screen()

    # the next steps show the other layers' gradients
    shapes = {"4x8", "2x4"}
    seen: set[str] = set()
    for n in range(question_step + 2, m + 1):
        term.keys("n")
        screen = term.wait_for(f"step {n}/{m}", timeout=30)
        screen = _settled(term)
        seen |= {shape for shape in shapes if shape in screen}
    assert seen == shapes, screen

    term.keys("q")
    term.wait_for("EXITED 0", timeout=20)
    store = ProgressStore(data_dir / "progress.sqlite3", "default")
    try:
        assert store.position("backprop-pytorch") == m - 1
        record = store.question("backprop-pytorch", lesson.steps[question_step].id)
        assert record.solved and record.attempts[0].answer == "8, 16"
    finally:
        store.close()


def test_too_small_terminal_then_grown(term):
    term.wait_for("Derivatives to update model parameters")
    term.run("resize-window", "-x", "70", "-y", "20")
    term.wait_for("Make the window at least 80x24.", "70x20")
    term.run("resize-window", "-x", "80", "-y", "24")
    term.wait_for("Derivatives to update model parameters", "Enter open")
    term.keys("q")
    term.wait_for("EXITED 0", timeout=20)


def test_unknown_lesson_is_a_clear_error(data_dir):
    env = dict(os.environ, TUTOR_DATA_DIR=str(data_dir), PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-m", "tutor", "--lesson", "nope", "--lang", "en"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "There is no lesson 'nope'" in out.stderr
    assert "backprop-pytorch" in out.stderr
    assert "Traceback" not in out.stderr


def _settled(term: Tmux, quiet: float = 0.4, timeout: float = 10.0) -> str:
    """The screen once it stopped changing (the step's values are drawn)."""
    last = term.screen()
    still_since = time.monotonic()
    deadline = still_since + timeout
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = term.screen()
        if now != last:
            last, still_since = now, time.monotonic()
        elif time.monotonic() - still_since >= quiet and "running..." not in now:
            return now
    return last
