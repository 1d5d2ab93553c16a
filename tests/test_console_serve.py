"""The real instructor console (tutor.ui.console) over SSH, end to end: the
OpenSSH client in tmux against `python -m tutor serve --instructor-keys`,
an instructor and three learners. The roster shows the class, a wrong
answer shows in the question view with its count (two spellings of one
answer counted as one), and follow / free / message / end reach every
learner from the console's keys."""

from __future__ import annotations

import re
import shutil
import time

import pytest

from serve_helpers import Server, Tmux, authorize, make_key

pytestmark = [
    pytest.mark.skipif(shutil.which("ssh") is None or shutil.which("ssh-keygen") is None,
                       reason="OpenSSH client is not installed"),
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]
LEARNERS = ("ana", "bob", "cid")


@pytest.fixture
def tmux(request):
    terminal = Tmux("console-e2e")
    yield terminal
    terminal.close()


def test_the_console_leads_a_class_over_ssh(tmp_path, tmux):
    made = {name: make_key(tmp_path, name) for name in (*LEARNERS, "prof")}
    learners = authorize(tmp_path / "learners", *(made[n] for n in LEARNERS))
    instructors = authorize(tmp_path / "instructors", made["prof"])
    server = Server(tmp_path / "data", "--authorized-keys", str(learners), "--instructor-keys", str(instructors),
                    "--lang", "en").start()
    try:
        tmux.open("prof", server.ssh_command("prof", made["prof"], "-tt"), cols=100, rows=30)
        tmux.wait_for("prof", r"prof · 0 of 0 learner\(s\) connected", timeout=60)
        for name in LEARNERS:
            tmux.open(name, server.ssh_command(name, made[name], "-tt"), cols=100, rows=30)
        for name in LEARNERS:
            tmux.wait_for(name, "Derivatives to update model parameters", timeout=60)
        screen = tmux.wait_for("prof", r"3 of 3 learner\(s\) connected", timeout=10)
        for name in LEARNERS:
            assert re.search(rf"^ ?{name}\s+●", screen, re.M), screen

        # follow me: asked first, then every learner is at the picked question's step
        tmux.keys("prof", "f")
        tmux.wait_for("prof", "Bring every learner to slope, step 5 of 5")
        tmux.keys("prof", "y")
        for name in LEARNERS:
            tmux.wait_for(name, "following prof", timeout=15)
        tmux.wait_for("prof", "Following you · slope · step 5/5")
        tmux.wait_for("prof", r"slope +5/5.*\n.*slope +5/5.*\n.*slope +5/5")  # the roster follows them

        # two spellings of one answer, and the other answer
        for name, typed in (("ana", "+"), ("bob", "positive"), ("cid", "-")):
            tmux.keys(name, "a")
            tmux.keys(name, "-l", typed)
            tmux.keys(name, "Enter")
        tmux.keys("prof", "r")  # free: the question view comes back
        for name in LEARNERS:
            deadline = time.monotonic() + 10
            while "following prof" in tmux.screen(name) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert "following prof" not in tmux.screen(name)
        screen = tmux.wait_for("prof", r"right \d · wrong \d · not yet 0", timeout=10)
        right, wrong = (int(n) for n in re.search(r"right (\d) · wrong (\d)", screen).groups())
        if wrong == 2:  # "+" and "positive" are one wrong answer, given by two learners
            assert re.search(r"│\s*\+\s+2 learner\(s\)", screen), screen
        else:
            assert (right, wrong) == (2, 1) and re.search(r"-\s+1 learner\(s\)", screen), screen

        # a message on every learner's status line
        tmux.keys("prof", "m")
        tmux.wait_for("prof", "A message for every learner")
        tmux.keys("prof", "-l", "look at the sign")
        tmux.keys("prof", "Enter")
        for name in LEARNERS:
            tmux.wait_for(name, "prof: look at the sign", timeout=15)

        # the end, asked first
        tmux.keys("prof", "e")
        tmux.wait_for("prof", "End the class?")
        tmux.keys("prof", "y")
        for name in LEARNERS:
            screen = tmux.wait_for(name, r"EXIT=\d+", timeout=30)
            assert "The instructor has ended the class. Your progress is saved." in screen
        tmux.wait_for("prof", r"class ended.*|0 of 3 learner\(s\) connected", timeout=15)
    finally:
        server.stop()
    assert "Traceback" not in server.console(), server.console()
