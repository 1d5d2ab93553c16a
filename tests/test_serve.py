"""The classroom server, end to end: a real `python -m tutor serve` and the
real OpenSSH client (in tmux, so assertions read the screen a learner sees),
plus asyncssh clients where many learners are needed at once.

Two servers are started for the whole file (each warms torch once): a
roomy one for the learner journeys and a one-seat, short-idle one for the
limits. Unit tests of the small pieces come first.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from serve_helpers import REPO, Learner, Server, Tmux, authorize, make_key

from tutor.serve.keys import KeyFileError, read_authorized_keys
from tutor.serve.limits import default_max_sessions
from tutor.serve.names import sanitize_learner
from tutor.serve.session import color_system

needs_ssh = pytest.mark.skipif(shutil.which("ssh") is None or shutil.which("ssh-keygen") is None,
                               reason="the OpenSSH client is not installed")
needs_tmux = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


# ---------------------------------------------------------------- small pieces


@pytest.mark.parametrize("raw, name", [
    ("ana", "ana"),
    ("Ana.Souza", "ana.souza"),
    ("João", "joão"),
    ("ana@laptop", "ana@laptop"),
    ("  bob smith ", "bob-smith"),
    ("evil\x1b[2Jname", "evil-2jname"),
    ("x" * 100, "x" * 32),
    ("---", None),
    ("", None),
    (None, None),
    ("\n\t", None),
])
def test_learner_names_are_reduced_to_a_safe_canonical_form(raw, name):
    assert sanitize_learner(raw) == name


@pytest.mark.parametrize("term, colorterm, system", [
    ("xterm-256color", "", "256"),
    ("xterm-256color", "truecolor", "truecolor"),
    ("xterm-direct", "", "truecolor"),
    ("screen-256color", "", "256"),
    ("xterm", "", "standard"),
    ("vt100", "24bit", "truecolor"),
])
def test_colour_system_follows_the_client_terminal(term, colorterm, system):
    assert color_system(term, colorterm) == system


@needs_ssh
def test_authorized_keys_comments_name_learners(tmp_path):
    ana, bob = make_key(tmp_path, "ana"), make_key(tmp_path, "bob")
    ana_line = Path(f"{ana}.pub").read_text().strip()
    bob_type, bob_b64, _ = Path(f"{bob}.pub").read_text().split()
    keys_file = tmp_path / "authorized_keys"
    keys_file.write_text(f"# the class\n\n{ana_line}\nrestrict,from=\"10.0.0.0/8\" {bob_type} {bob_b64}\n")
    keys = read_authorized_keys(keys_file)
    assert [(k.comment, k.line) for k in keys] == [("ana", 3), (None, 4)]


def test_a_bad_authorized_keys_line_is_reported_by_number(tmp_path):
    keys_file = tmp_path / "authorized_keys"
    keys_file.write_text("# ok\nhello world\n")
    with pytest.raises(KeyFileError, match="line 2"):
        read_authorized_keys(keys_file)
    keys_file.write_text("# only comments\n")
    with pytest.raises(KeyFileError, match="no keys"):
        read_authorized_keys(keys_file)


def test_default_seats_are_sized_to_memory():
    assert 1 <= default_max_sessions() <= 250


def _serve(*args, env=None):
    return subprocess.run([sys.executable, "-m", "tutor", "serve", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, **(env or {})))


def test_refuses_to_start_without_saying_who_may_join(tmp_path):
    result = _serve("--data-dir", str(tmp_path), "--lang", "en")
    assert result.returncode == 2
    assert "--authorized-keys FILE" in result.stderr and "--open" in result.stderr
    assert "Traceback" not in result.stderr
    result = _serve("--data-dir", str(tmp_path), "--lang", "pt")
    assert result.returncode == 2 and "diga quem pode entrar" in result.stderr


@pytest.mark.parametrize("args, message", [
    (["--authorized-keys", "/nonexistent/keys"], "cannot use the authorized keys file /nonexistent/keys"),
    (["--open", "--port", "70000"], "a port is 0-65535"),
    (["--open", "--max-sessions", "0"], "at least 1 seat"),
    (["--open", "--idle-timeout", "soon"], "expected a whole number"),
    (["--open", "--authorized-keys", "x"], "not allowed with argument"),
    (["--open", "--lessons", "/nonexistent/lessons"], "the lessons cannot be loaded"),
])
def test_bad_options_get_one_clear_line(tmp_path, args, message):
    result = _serve("--data-dir", str(tmp_path), "--lang", "en", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_help_explains_the_classroom():
    result = _serve("--help")
    assert result.returncode == 0
    for option in ("--authorized-keys", "--open", "--max-sessions", "--idle-timeout", "--session-memory"):
        assert option in result.stdout
    assert "ssh -p PORT NAME@HOST" in " ".join(result.stdout.split())


# ---------------------------------------------------------------- a real classroom


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keys")
    made = {name: make_key(folder, name) for name in ("ana", "bob", "cid", "stranger")}
    made.update({f"s{i:02d}": make_key(folder, f"s{i:02d}") for i in range(20)})
    return folder, made


@pytest.fixture(scope="module")
def classroom(keys, tmp_path_factory):
    folder, made = keys
    allowed = [k for name, k in made.items() if name != "stranger"]
    keys_file = authorize(folder / "authorized_keys", *allowed)
    server = Server(tmp_path_factory.mktemp("data"), "--authorized-keys", str(keys_file),
                    "--lang", "en", "--max-sessions", "30").start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def one_seat(keys, tmp_path_factory):
    folder, made = keys
    keys_file = authorize(folder / "authorized_keys_small", made["ana"], made["bob"])
    server = Server(tmp_path_factory.mktemp("data-small"), "--authorized-keys", str(keys_file),
                    "--lang", "pt", "--max-sessions", "1", "--idle-timeout", "8").start()
    yield server
    server.stop()


@pytest.fixture
def tmux(request):
    terminal = Tmux(request.node.name[:20].replace("[", "-").replace("]", ""))
    yield terminal
    terminal.close()


@needs_ssh
@needs_tmux
def test_a_learner_steps_a_lesson_resizes_and_resumes_after_a_disconnect(classroom, keys, tmux):
    _, made = keys
    tmux.open("ana", classroom.ssh_command("anything", made["ana"], "-tt"), cols=100, rows=30)
    screen = tmux.wait_for("ana", r"learner: ana")           # the key's comment names the learner
    assert "The derivative is a slope" in screen
    classroom.wait_console("+ ana joined")

    tmux.keys("ana", "Enter")
    tmux.wait_for("ana", r"step 1/5")
    tmux.keys("ana", "n")
    screen = tmux.wait_for("ana", r"step 2/5")
    assert "x.grad" in screen                                 # live values of the step
    width = max(len(line.rstrip()) for line in screen.splitlines())
    assert width == 100

    tmux.resize("ana", 130, 40)                               # the window change reaches the app
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        screen = tmux.screen("ana")
        lines = screen.splitlines()
        if len(lines) >= 40 and max(len(line.rstrip()) for line in lines) == 130:
            break
        time.sleep(0.2)
    else:
        raise AssertionError("the app never redrew at 130x40:\n" + screen)
    assert "step 2/5" in screen

    tmux.kill_window("ana")                                   # the learner's laptop lid closes
    classroom.wait_console("- ana left (disconnected")
    assert "ana" not in "".join(classroom.session_pids())

    tmux.open("ana2", classroom.ssh_command("anything", made["ana"], "-tt"), cols=100, rows=30)
    screen = tmux.wait_for("ana2", r"learner: ana")
    assert re.search(r"The derivative is a slope\s+\S+\s+2/5", screen), screen
    tmux.keys("ana2", "Enter")
    tmux.wait_for("ana2", r"step 2/5")                        # back where she was
    tmux.keys("ana2", "q")
    screen = tmux.wait_for("ana2", r"EXIT=0")
    assert "Progress saved. See you next time, ana!" in screen


@needs_ssh
def test_commands_get_one_polite_line_and_sftp_is_refused(classroom, keys):
    _, made = keys
    result = subprocess.run(classroom.ssh_command("ana", made["ana"]) + ["ls"],
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("This server only runs the tutor")
    assert result.stdout == ""
    result = subprocess.run(classroom.ssh_command("ana", made["ana"], "-s") + ["sftp"],
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 255 and "subsystem request failed" in result.stderr  # no SFTP


@needs_ssh
def test_without_a_terminal_the_learner_is_told_to_use_ssh_t(classroom, keys):
    _, made = keys
    result = subprocess.run(classroom.ssh_command("ana", made["ana"], "-T"),
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 1
    assert "connect with a terminal, e.g. ssh -t" in result.stderr


@needs_ssh
def test_forwarding_is_refused(classroom, keys):
    _, made = keys
    result = subprocess.run(
        classroom.ssh_command("ana", made["ana"], "-N", "-o", "ExitOnForwardFailure=yes",
                              "-R", "0:127.0.0.1:9"),
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 255
    assert "forwarding failed" in result.stderr.lower()


@needs_ssh
def test_an_unknown_key_is_refused(classroom, keys):
    _, made = keys
    result = subprocess.run(classroom.ssh_command("ana", made["stranger"], "-tt"),
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 255
    assert "Permission denied (publickey)" in result.stderr


@needs_ssh
async def test_a_full_classroom_turns_the_next_learner_away_and_idle_sessions_end(one_seat, keys):
    _, made = keys
    ana = await Learner(one_seat.port, "x", made["ana"]).connect()
    try:
        await ana.wait_for(r"aluno: ana|ana")
        one_seat.wait_console("+ ana entrou (1/1)")
        bob = await Learner(one_seat.port, "x", made["bob"]).connect()
        await bob.wait_for(r"A sala está cheia, tente de novo daqui a pouco")
        assert await asyncio.wait_for(bob.proc.wait_closed(), 10) is None
        assert bob.proc.exit_status == 1
        await bob.close()
        one_seat.wait_console("x bob recusado: sala cheia (1 lugares)")
        # --idle-timeout 8: no keys from ana, so her session ends, progress saved
        await ana.wait_for(r"Sua sessão terminou após 8 s sem atividade\. Progresso salvo", timeout=30)
        one_seat.wait_console("- ana saiu (inativo; 0/1)")
    finally:
        await ana.close()


@needs_ssh
async def test_twenty_learners_at_once_each_get_their_own_tutor(classroom, keys):
    """The 20-learner run: each connects, sees the menu under their own name,
    opens the first lesson and steps it. Runs in CI (about 20 s on 2 cores)."""
    _, made = keys
    names = [f"s{i:02d}" for i in range(20)]
    learners = [Learner(classroom.port, "class", made[name]) for name in names]
    try:
        await asyncio.gather(*(learner.connect() for learner in learners))

        async def journey(learner: Learner, name: str) -> None:
            await learner.wait_for(rf"learner: {name}", timeout=90)
            mark = await learner.press("\r")
            await learner.wait_for(r"step 1/5", mark, timeout=90)
            mark = await learner.press("n")
            await learner.wait_for(r"step 2/5", mark, timeout=90)

        await asyncio.gather(*(journey(learner, name) for learner, name in zip(learners, names)))
        sessions = classroom.session_pids()
        assert all(f"tutor {name}" in sessions for name in names)
        assert len({sessions[f"tutor {name}"] for name in names}) == 20
    finally:
        await asyncio.gather(*(learner.close() for learner in learners))


@needs_ssh
async def test_killing_one_session_leaves_the_others_going(classroom, keys):
    _, made = keys
    bob = await Learner(classroom.port, "x", made["bob"]).connect()
    cid = await Learner(classroom.port, "x", made["cid"]).connect()
    try:
        await bob.wait_for(r"learner: bob")
        await cid.wait_for(r"learner: cid")
        os.kill(classroom.session_pids()["tutor bob"], signal.SIGKILL)
        await bob.wait_for(r"Your session stopped unexpectedly \(signal 9\)")
        await asyncio.wait_for(bob.proc.wait_closed(), 10)
        classroom.wait_console("- bob left (signal 9")

        mark = await cid.press("\r")
        await cid.wait_for(r"step 1/5", mark)
        mark = await cid.press("n")
        await cid.wait_for(r"step 2/5", mark)
        assert "tutor cid" in classroom.session_pids()
    finally:
        await bob.close()
        await cid.close()


@needs_ssh
async def test_stopping_the_server_ends_the_class_in_order(keys, tmp_path):
    """SIGTERM: learners are told, every process ends, none is left a zombie."""
    folder, made = keys
    keys_file = authorize(tmp_path / "authorized_keys", made["ana"], made["bob"])
    server = Server(tmp_path / "data", "--authorized-keys", str(keys_file), "--lang", "en").start()
    try:
        learners = [await Learner(server.port, "x", made[n]).connect() for n in ("ana", "bob")]
        for learner, name in zip(learners, ("ana", "bob")):
            await learner.wait_for(rf"learner: {name}")
        forker = server.forker_pid
        sessions = list(server.session_pids().values())
        assert len(sessions) == 2
        server.proc.send_signal(signal.SIGTERM)
        for learner, name in zip(learners, ("ana", "bob")):
            await learner.wait_for(rf"The class is over: the server is closing\. Your progress is saved\. Thank you, {name}!")
            await asyncio.wait_for(learner.proc.wait_closed(), 15)
            await learner.close()
        assert await asyncio.to_thread(server.proc.wait, 30) == 0
        assert "Class closed." in server.console()
        for pid in [forker, *sessions]:
            assert not Path(f"/proc/{pid}").exists(), f"process {pid} outlived the class"
    finally:
        server.stop(signal.SIGKILL)


LIMITS_LESSON = '''
id = "limits"
order = 1
title = { en = "Limits", pt = "Limites" }

[[steps]]
id = "start"
title = { en = "Start here", pt = "Comece aqui" }
text = { en = "Nothing yet.", pt = "Nada ainda." }

[[steps]]
id = "hog"
title = { en = "A huge tensor", pt = "Um tensor enorme" }
text = { en = "Four gigabytes.", pt = "Quatro gigabytes." }
code = """
big = torch.ones(1024, 1024, 1024)
"""

[[steps]]
id = "spin"
title = { en = "A long loop", pt = "Um laço longo" }
text = { en = "Forever.", pt = "Para sempre." }
code = """
total = 0
for i in range(10 ** 10):
    total += i
"""
'''


@pytest.fixture(scope="module")
def open_class(tmp_path_factory):
    """--open, tight limits, and a lesson that misbehaves on purpose."""
    folder = tmp_path_factory.mktemp("open")
    lessons = folder / "lessons"
    lessons.mkdir()
    (lessons / "01-limits.toml").write_text(LIMITS_LESSON)
    server = Server(folder / "data", "--open", "--lang", "en", "--lessons", str(lessons),
                    "--session-memory", "512", "--session-cpu", "3").start()
    yield server
    server.stop()


@needs_ssh
async def test_memory_and_cpu_limits_stop_a_runaway_session_politely(open_class):
    """--session-memory turns a 4 GB tensor into an error on the step (the
    machine never sees it); --session-cpu ends a session that computes
    forever, and the learner is told why."""
    server = open_class
    learner = Learner(server.port, "dan", None)
    try:
        await learner.connect()
        await learner.wait_for(r"learner: dan")
        mark = await learner.press("\r")
        await learner.wait_for(r"step 1/3", mark)
        mark = await learner.press("n")
        await learner.wait_for(r"step 2/3", mark)
        await learner.wait_for(r"DefaultCPUAllocator: can't allocate|MemoryError", mark, timeout=60)
        assert "tutor dan" in server.session_pids()           # the session lives on
        mark = await learner.press("n")
        await learner.wait_for(r"Your session used up its computing time \(3 s of CPU\)\. Progress saved",
                               mark, timeout=60)
        await asyncio.wait_for(learner.proc.wait_closed(), 15)
        server.wait_console("- dan left (CPU allowance spent")
    finally:
        await learner.close()


@needs_ssh
async def test_open_classroom_names_learners_by_user_and_dies_with_the_server(open_class):
    """--open: the SSH user name is the learner (a name with nothing usable
    in it is refused); if the server is killed outright, the pre-fork
    process and every session end with it (PR_SET_PDEATHSIG).
    (Last in the file: it kills the module's open server.)"""
    server = open_class
    try:
        nameless = await Learner(server.port, "---", None).connect()
        await nameless.wait_for(r"Choose a learner name with letters or digits")
        await nameless.close()
        eva = await Learner(server.port, "Eva", None).connect()
        await eva.wait_for(r"learner: eva")
        forker = server.forker_pid
        session = server.session_pids()["tutor eva"]
        server.proc.kill()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (_running(forker) or _running(session)):
            await asyncio.sleep(0.1)
        assert not _running(forker), "the pre-fork process outlived a killed server"
        assert not _running(session), "a session outlived a killed server"
        await eva.close()
    finally:
        server.stop(signal.SIGKILL)


def _running(pid: int) -> bool:
    """Alive, not a zombie (an orphan's zombie is for init to reap)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@needs_ssh
async def test_each_learner_gets_their_own_locale_unless_the_teacher_sets_one(tmp_path, classroom, keys):
    """Without --lang, a learner whose ssh client sends LANG=pt_BR gets the
    tutor in Portuguese and one who sends no locale the server's language;
    with --lang, the teacher's language is everyone's."""
    server = Server(tmp_path / "data", "--open", env={"LANG": "C.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}).start()
    ana = Learner(server.port, "ana", None, env={"LANG": "pt_BR.UTF-8"})
    bob = Learner(server.port, "bob", None)
    _, made = keys
    eve = Learner(classroom.port, "class", made["s00"], env={"LANG": "pt_BR.UTF-8"})  # --lang en
    try:
        await asyncio.gather(ana.connect(), bob.connect(), eve.connect())
        await ana.wait_for(r"Derivadas para atualizar")
        await bob.wait_for(r"Derivatives to update")
        await eve.wait_for(r"Derivatives to update")
        assert "Derivadas" not in bob.text() and "Derivadas" not in eve.text()
    finally:
        await asyncio.gather(ana.close(), bob.close(), eve.close())
        server.stop()
