"""A guided class over SSH (issue 12): instructors' keys open a console,
learners' sessions report to it, and its commands reach every learner.

The real OpenSSH client in tmux, against `python -m tutor serve`. The
console here is the stand-in in tests/standin (the real one is
tutor.ui.console): it shows each event it receives, records when it
arrived, and sends follow / free / message / end on f, g, r, m, e.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path

import pytest

from serve_helpers import REPO, Server, Tmux, authorize, make_key
from tutor.lesson import find_lesson, load_lessons

needs_ssh = pytest.mark.skipif(shutil.which("ssh") is None or shutil.which("ssh-keygen") is None,
                               reason="OpenSSH client is not installed")
needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
STANDIN = {"TUTOR_CONSOLE_APP": "class_console_standin:StandInConsole",
           "PYTHONPATH": os.pathsep.join(p for p in (str(REPO / "tests" / "standin"), os.environ.get("PYTHONPATH"))
                                         if p)}
LEARNERS = ("ana", "bob", "cid")
STEPS = len(find_lesson(load_lessons(None), "backprop-pytorch").steps)  # the lesson the console follows


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class-keys")
    made = {name: make_key(folder, name) for name in (*LEARNERS, "prof")}
    return folder, made


def class_server(keys, tmp_path_factory, name: str, env=None):
    """A server for the three learners and prof (as instructor); stopped at
    the end, with no traceback on its console."""
    folder, made = keys
    learners = authorize(folder / f"learners-{name}", *(made[n] for n in LEARNERS))
    instructors = authorize(folder / f"instructors-{name}", made["prof"])
    server = Server(tmp_path_factory.mktemp(f"class-{name}"), "--authorized-keys", str(learners),
                    "--instructor-keys", str(instructors), "--lang", "en", env=env).start()
    yield server
    server.stop()
    assert "Traceback" not in server.console(), server.console()


@pytest.fixture(scope="module")
def guided(keys, tmp_path_factory):
    """A class whose console is the tests' stand-in (it records events)."""
    yield from class_server(keys, tmp_path_factory, "standin", env=STANDIN)


@pytest.fixture
def tmux(request):
    terminal = Tmux(request.node.name[:20])
    yield terminal
    terminal.close()


def received(server: Server) -> list[dict]:
    path = Path(server.data_dir) / "standin-events.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wait_events(server: Server, match, count: int, timeout: float = 30) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [e for e in received(server) if match(e)]
        if len(found) >= count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"only {[e for e in received(server) if match(e)]} of {count}:\n{server.console()}")


@needs_ssh
@needs_tmux
def test_an_instructor_sees_the_class_and_leads_it(guided, keys, tmux):
    _, made = keys
    guided.wait_console("Instructors (1 keys in")
    assert f"open the console with: ssh -t -p {guided.port} -i THEIR_KEY NAME@127.0.0.1" in guided.console()
    tmux.open("prof", guided.ssh_command("prof", made["prof"], "-tt"), cols=100, rows=30)
    tmux.wait_for("prof", "console of prof", timeout=60)
    for name in LEARNERS:
        tmux.open(name, guided.ssh_command(name, made[name], "-tt"), cols=100, rows=30)
    for name in LEARNERS:
        tmux.wait_for(name, "Derivatives to update model parameters", timeout=60)
    joins = wait_events(guided, lambda e: e["event"] == "join", 3)
    assert sorted(e["learner"] for e in joins) == sorted(LEARNERS)
    tmux.wait_for("prof", "EV join cid|EV join bob|EV join ana")

    # a key and a step each reach the console within a second
    for name in LEARNERS:
        tmux.keys(name, "Enter")
    steps = wait_events(guided, lambda e: e["event"] == "step", 3)
    key_events = wait_events(guided, lambda e: e["event"] == "key", 3)
    for event in joins + steps + key_events:
        assert event["received"] - event["t"] < 1.0, event
    assert {e["session"] for e in joins} == {e["session"] for e in steps}

    # follow: every learner goes to the instructor's step and cannot leave it
    tmux.keys("prof", "f")
    for name in LEARNERS:
        screen = tmux.wait_for(name, r"following prof")
        assert f"step 4/{STEPS}" in screen
    tmux.keys("ana", "n")
    tmux.wait_for("ana", "wait for the instructor to release you")
    assert f"step 4/{STEPS}" in tmux.screen("ana")
    # answers still count, and reach the console normalised
    tmux.keys("ana", "a")
    tmux.keys("ana", "-l", "999x1")
    tmux.keys("ana", "Enter")
    answer = wait_events(guided, lambda e: e["event"] == "answer", 1)[0]
    assert (answer["learner"], answer["verdict"], answer["answer"], answer["tries"]) == ("ana", "wrong", "999, 1", 1)
    assert answer["received"] - answer["t"] < 1.0
    tmux.wait_for("prof", "EV answer ana backprop-pytorch wrong 999, 1")
    tmux.keys("ana", "Escape")

    tmux.keys("prof", "g")
    for name in LEARNERS:
        tmux.wait_for(name, f"step 5/{STEPS}")
    # free: the learners step on their own again
    tmux.keys("prof", "r")
    for name in LEARNERS:
        deadline = time.monotonic() + 10
        while "following prof" in tmux.screen(name) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "following prof" not in tmux.screen(name)
    tmux.keys("bob", "n")
    tmux.wait_for("bob", f"step 6/{STEPS}")

    # a message stays on every learner's status line
    tmux.keys("prof", "m")
    for name in LEARNERS:
        tmux.wait_for(name, "prof: Look at the shape now")

    # the end: every learner is told, progress saved, sessions closed cleanly
    tmux.keys("prof", "e")
    for name in LEARNERS:
        screen = tmux.wait_for(name, r"EXIT=\d+", timeout=30)
        assert "The instructor has ended the class. Your progress is saved." in screen
        assert "EXIT=0" in screen
    leaves = wait_events(guided, lambda e: e["event"] == "leave", 3)
    assert sorted(e["learner"] for e in leaves) == sorted(LEARNERS)
    guided.wait_console("prof ended the class: 3 learner(s) told")
    # the console is still open, and the progress is in the store
    assert "EV leave" in tmux.screen("prof")
    from tutor.progress import ProgressStore, default_store_path

    store = ProgressStore(default_store_path(guided.data_dir), "bob")
    try:
        assert store.position("backprop-pytorch") == 5
    finally:
        store.close()


@needs_ssh
@needs_tmux
def test_an_instructor_opens_the_tutor_itself_with_the_tutor_command(guided, keys, tmux):
    _, made = keys
    tmux.open("prof", guided.ssh_command("prof", made["prof"], "-tt", ) + ["tutor"], cols=100, rows=30)
    screen = tmux.wait_for("prof", "Derivatives to update model parameters", timeout=60)
    assert "console of" not in screen


def _first_screen(server: Server, tmux: Tmux, window: str, user: str, key: Path) -> str:
    # not in BatchMode: with --open and instructors' keys, a learner passes
    # keyboard-interactive authentication (no prompt), which BatchMode turns off
    command = ["BatchMode=no" if word == "BatchMode=yes" else word for word in server.ssh_command(user, key, "-tt")]
    tmux.open(window, command, cols=100, rows=30)
    return tmux.wait_for(window, "Derivatives to update model parameters|console of", timeout=60)


@needs_ssh
@needs_tmux
@pytest.mark.parametrize("mode", ["keys", "open"])
def test_a_learners_key_never_opens_the_console(keys, tmp_path, tmux, mode):
    _, made = keys
    instructors = authorize(tmp_path / "instructors", made["prof"])
    who = (["--open"] if mode == "open" else
           ["--authorized-keys", str(authorize(tmp_path / "learners", made["ana"], made["prof"]))])
    server = Server(tmp_path / "data", *who, "--instructor-keys", str(instructors), "--lang", "en",
                    env=STANDIN).start()
    try:
        # the learner's key (and with --open, a learner named like the instructor)
        screen = _first_screen(server, tmux, "ana", "prof" if mode == "open" else "ana", made["ana"])
        assert "Derivatives to update model parameters" in screen and "console of" not in screen
        # the instructor's key opens the console (also when it is in the learners' file too)
        screen = _first_screen(server, tmux, "prof", "anyone", made["prof"])
        assert "console of prof" in screen
    finally:
        server.stop()
    assert "Traceback" not in server.console()


def test_a_bad_instructors_file_stops_the_server_with_file_and_line(tmp_path):
    import subprocess
    import sys

    bad = tmp_path / "instructors"
    bad.write_text("# the instructors\nssh-ed25519 not-a-key prof\n")
    result = subprocess.run([sys.executable, "-m", "tutor", "serve", "--open", "--instructor-keys", str(bad),
                             "--data-dir", str(tmp_path / "data"), "--lang", "en", "--port", "0"],
                            cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert f"{bad}:2:" in result.stderr
    assert "Traceback" not in result.stderr


@needs_ssh
@needs_tmux
def test_the_instructors_file_is_reloaded_on_change_and_on_sighup(keys, tmp_path, tmux):
    import signal

    _, made = keys
    instructors = authorize(tmp_path / "instructors", made["prof"])
    server = Server(tmp_path / "data", "--open", "--instructor-keys", str(instructors), "--lang", "en",
                    env=STANDIN).start()
    try:
        assert "console of" not in _first_screen(server, tmux, "ana1", "ana", made["ana"])
        authorize(instructors, made["prof"], made["ana"])  # ana becomes an instructor
        server.wait_console(f"Keys reloaded: 2 authorized keys from {instructors}")
        assert "console of ana" in _first_screen(server, tmux, "ana2", "ana", made["ana"])
        # the same size and time stamp: only SIGHUP (detached server) tells the server
        stamp = instructors.stat()
        authorize(instructors, made["prof"], made["bob"])
        os.utime(instructors, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
        server.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while server.console().count("Keys reloaded: 2 authorized keys") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert "console of bob" in _first_screen(server, tmux, "bob", "bob", made["bob"])
        assert "console of" not in _first_screen(server, tmux, "ana3", "ana", made["ana"])
        assert server.proc.poll() is None
    finally:
        server.stop()
    assert "Traceback" not in server.console()


def test_help_tells_how_instructors_log_in():
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "tutor", "serve", "--help"], cwd=REPO, capture_output=True,
                            text=True, timeout=60)
    text = " ".join(result.stdout.split())
    assert result.returncode == 0
    assert "--instructor-keys FILE" in text and "instructor's console instead of the tutor" in text


@pytest.fixture(scope="module")
def real_console_class(keys, tmp_path_factory):
    """The same class with the real instructor console (tutor.ui.console)."""
    yield from class_server(keys, tmp_path_factory, "real")


@needs_ssh
@needs_tmux
def test_the_real_console_shows_the_class_and_leads_it(real_console_class, keys, tmux):
    """The instructor console itself over OpenSSH, with three learners: the
    roster shows the class; follow me brings every learner to the question;
    two spellings of one wrong answer count as one in the question view;
    free, message and end reach every learner."""
    server = real_console_class
    _, made = keys
    server.wait_console("Instructors (1 keys in")
    assert "has no instructor console" not in server.console()
    tmux.open("prof", server.ssh_command("prof", made["prof"], "-tt"), cols=100, rows=30)
    tmux.wait_for("prof", r"prof · 0 of \d+ learner", timeout=60)
    for name in LEARNERS:
        tmux.open(name, server.ssh_command(name, made[name], "-tt"), cols=100, rows=30)
    for name in LEARNERS:
        tmux.wait_for(name, "Derivatives to update model parameters", timeout=60)
    screen = tmux.wait_for("prof", r"prof · 3 of 3 learner\(s\) connected", timeout=10)
    for name in LEARNERS:
        assert re.search(rf"^ ?{name}\s+●", screen, re.M), screen

    # follow me: asked first, then every learner is at the picked question's step
    tmux.keys("prof", "f")  # the question the question view shows: slope's checkpoint
    tmux.wait_for("prof", "Bring every learner to slope, step 5 of 5")
    tmux.keys("prof", "y")
    for name in LEARNERS:
        tmux.wait_for(name, r"following prof", timeout=15)
        assert "step 5/5" in tmux.screen(name)
    tmux.wait_for("prof", "Following you · slope · step 5/5")
    tmux.wait_for("prof", r"slope +5/5.*\n.*slope +5/5.*\n.*slope +5/5")  # the roster follows them

    # two spellings of one answer ("+" and "positive"), and the other answer
    for name, typed in (("ana", "+"), ("bob", "positive"), ("cid", "-")):
        tmux.keys(name, "a")
        tmux.keys(name, "-l", typed)
        tmux.keys(name, "Enter")
    tmux.wait_for("ana", "x Not quite")
    tmux.wait_for("prof", r"ana\s+●\s+slope\s+5/5\s+0/1")  # the roster: tried one, none right
    tmux.keys("prof", "r")  # free: the question view comes back
    for name in LEARNERS:
        deadline = time.monotonic() + 10
        while "following prof" in tmux.screen(name) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "following prof" not in tmux.screen(name)
    screen = tmux.wait_for("prof", r"right 1 · wrong 2 · not yet 0", timeout=10)
    assert re.search(r"│\s*\+\s+2 learner\(s\)", screen), screen  # one answer, given by two learners

    # a message on every learner's status line
    tmux.keys("prof", "m")
    tmux.wait_for("prof", "A message for every learner")
    tmux.keys("prof", "-l", "Look at the sign")
    tmux.keys("prof", "Enter")
    for name in LEARNERS:
        tmux.wait_for(name, "prof: Look at the sign", timeout=15)

    # the end, asked first
    tmux.keys("prof", "e")
    tmux.wait_for("prof", "End the class?")
    tmux.keys("prof", "y")
    for name in LEARNERS:
        screen = tmux.wait_for(name, r"EXIT=\d+", timeout=30)
        assert "The instructor has ended the class. Your progress is saved." in screen and "EXIT=0" in screen
    tmux.wait_for("prof", r"prof · 0 of 3 learner")
