"""A code exercise end to end: typed in a real terminal (tmux, 80x24) and
run; and in a served session over the real OpenSSH client, where an escape
attempt (reading the server's progress store) is stopped with a clear
message and the session goes on to a right answer."""

from __future__ import annotations

import shutil
import sys
import time

import pytest

from serve_helpers import Server, authorize, make_key
from serve_helpers import Tmux as SshTmux
from test_terminal import Tmux
from tutor.lesson import load_lessons
from tutor.progress import ProgressStore

needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
needs_ssh = pytest.mark.skipif(shutil.which("ssh") is None or shutil.which("ssh-keygen") is None,
                               reason="the OpenSSH client is not installed")

LESSONS = {lesson.id: lesson for lesson in load_lessons(None)}
PRACTICE = LESSONS["practice"]
GRADIENTS = next(i for i, s in enumerate(PRACTICE.steps) if s.id == "write-gradients")


def place(data_dir, learner: str) -> None:
    """The learner left off at the practice lesson's first code exercise."""
    data_dir.mkdir(parents=True, exist_ok=True)
    store = ProgressStore(data_dir / "progress.sqlite3", learner)
    store.set_position("practice", GRADIENTS, len(PRACTICE.steps))
    store.close()


@needs_tmux
def test_a_solution_typed_in_a_real_terminal_is_right(tmp_path):
    data_dir = tmp_path / "data"
    place(data_dir, "default")
    env = {"TUTOR_DATA_DIR": str(data_dir), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "TERM": "xterm-256color"}
    term = Tmux([sys.executable, "-m", "tutor", "--lang", "en", "--lesson", "practice"], env)
    try:
        term.wait_for("9. Write it: the gradients", "Your code", "grad = ____", timeout=90)
        term.wait_for("a: write in the editor")
        term.keys("a")
        term.wait_for("Esc leaves the editor")
        term.keys("F7")  # select all: what is typed replaces the starter
        time.sleep(0.5)  # as a person would: F7's sequence and the typing apart
        term.type("loss.backward()")
        term.keys("Enter")
        term.type("grad = model[0].weight.grad")
        term.keys("C-r")
        screen = term.wait_for("+ Right: your code passes", timeout=60)
        assert "+ grad: right" in screen
        term.keys("Escape")  # alone: Esc then q in one burst reads as Alt+q
        term.wait_for("a: write in the editor")
        term.keys("q")
        term.wait_for("EXITED 0", timeout=20)
    finally:
        term.close()
    store = ProgressStore(data_dir / "progress.sqlite3", "default")
    try:
        assert store.code("practice", "write-gradients") == "loss.backward()\ngrad = model[0].weight.grad"
        assert store.question("practice", "write-gradients").solved
    finally:
        store.close()


@needs_ssh
@needs_tmux
def test_a_served_learner_runs_code_and_an_escape_is_stopped(tmp_path):
    keys = tmp_path / "keys"
    keys.mkdir()
    ana = make_key(keys, "ana")
    data_dir = tmp_path / "data"
    place(data_dir, "ana")
    server = Server(data_dir, "--authorized-keys", str(authorize(keys / "authorized_keys", ana)),
                    "--lang", "en").start()
    tmux = SshTmux("code-e2e")
    progress = data_dir / "progress.sqlite3"
    try:
        tmux.open("ana", server.ssh_command("ana", ana, "-tt"), cols=80, rows=24)
        tmux.wait_for("ana", r"learner: ana", timeout=60)
        tmux.keys("ana", *(["Down"] * 10), "Enter")  # the practice lesson, the last one
        tmux.wait_for("ana", r"Your code", timeout=60)
        tmux.wait_for("ana", r"a: write in the")

        # the escape: read the server's progress store (every learner's answers)
        tmux.keys("ana", "a", "F7")
        time.sleep(0.5)
        tmux.keys("ana", "-l", f"print(open({str(progress)!r}, 'rb').read(40))")
        tmux.keys("ana", "C-r")
        screen = tmux.wait_for("ana", r"PermissionError", timeout=60)
        right = " ".join(" ".join(line.split("│")[-1].split()) for line in screen.splitlines())  # the question
        assert "x Not yet (run 1). Line 1: PermissionError" in right
        assert "An exercise cannot use files" in right  # why, in the learner's words
        assert "SQLite" not in screen  # nothing of the file came back

        # the session goes on: the right code is right
        tmux.keys("ana", "a", "F7")
        time.sleep(0.5)
        tmux.keys("ana", "-l", "loss.backward()")
        tmux.keys("ana", "Enter")
        tmux.keys("ana", "-l", "grad = model[0].weight.grad")
        tmux.keys("ana", "F5")
        tmux.wait_for("ana", r"\+ Right: your code passes", timeout=60)
        tmux.keys("ana", "Escape")
        tmux.wait_for("ana", r"a: write in the")
        tmux.keys("ana", "q")
        tmux.wait_for("ana", r"EXIT=0", timeout=30)
    finally:
        tmux.close()
        server.stop()
    assert "Traceback" not in server.console()
    store = ProgressStore(progress, "ana")
    try:
        assert store.code("practice", "write-gradients") == "loss.backward()\ngrad = model[0].weight.grad"
        attempts = store.question("practice", "write-gradients").attempts
        assert [a.correct for a in attempts] == [False, True]
    finally:
        store.close()
