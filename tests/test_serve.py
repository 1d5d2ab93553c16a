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

from serve_helpers import REPO, SSH_OPTIONS, Learner, Server, Tmux, authorize, idle_connections, make_key
from tutor.serve.child import color_system
from tutor.serve.keys import KeyFileError, read_authorized_keys
from tutor.serve.limits import default_max_sessions
from tutor.serve.names import sanitize_learner

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
    """A key's comment names its learner; a key without one gets a name
    from its fingerprint, never one its holder picks."""
    from tutor.serve.keys import fingerprint_name

    ana, bob = make_key(tmp_path, "ana"), make_key(tmp_path, "bob")
    ana_line = Path(f"{ana}.pub").read_text().strip()
    bob_type, bob_b64, _ = Path(f"{bob}.pub").read_text().split()
    keys_file = tmp_path / "authorized_keys"
    keys_file.write_text(f"# the class\n\n{ana_line}\nrestrict,pty,from=\"10.0.0.0/8\" {bob_type} {bob_b64}\n")
    keys = read_authorized_keys(keys_file)
    assert [(k.comment, k.line) for k in keys] == [("ana", 3), (None, 4)]
    assert keys[0].name == "ana"
    assert keys[1].name == fingerprint_name(keys[1].key)
    digest = subprocess.run(["ssh-keygen", "-l", "-E", "sha256", "-f", f"{bob}.pub"],
                            capture_output=True, text=True, check=True).stdout.split()[1]
    import base64

    raw = base64.b64decode(digest.split(":", 1)[1] + "=")
    assert keys[1].name == "key-" + raw.hex()[:12]            # the start of its SHA256 fingerprint


@needs_ssh
@pytest.mark.parametrize("options, problem", [
    ('command="ls"', "option command cannot be honoured"),
    ("restrict", "forbid a terminal"),
    ("no-pty", "forbid a terminal"),
    ('from="10.0.0.0/33"', "not an address range"),
    ("frobnicate", "unknown option 'frobnicate'"),
    ('environment="A=1"', "option environment cannot be honoured"),
    ('from="10.0.0.1', "quotes are not closed"),
])
def test_options_the_server_cannot_honour_are_refused_with_file_and_line(tmp_path, options, problem):
    ana = make_key(tmp_path, "ana")
    keys_file = tmp_path / "authorized_keys"
    keys_file.write_text("# one\n" + f"{options} " + Path(f"{ana}.pub").read_text())
    with pytest.raises(KeyFileError) as error:
        read_authorized_keys(keys_file)
    assert str(error.value).startswith(f"{keys_file}:2: ")
    assert problem in str(error.value)


@needs_ssh
def test_quoted_options_may_hold_commas_spaces_and_ssh_dash(tmp_path):
    ana = make_key(tmp_path, "ana")
    keys_file = tmp_path / "authorized_keys"
    keys_file.write_text('from="ssh-gateway,127.0.0.0/8, !127.0.0.9",permitopen="h:1",no-agent-forwarding '
                         + Path(f"{ana}.pub").read_text())
    (key,) = read_authorized_keys(keys_file)
    assert key.name == "ana"
    assert key.allows("127.0.0.1") and not key.allows("127.0.0.9") and not key.allows("10.1.1.1")


@pytest.mark.parametrize("patterns, address, allowed", [
    (("10.0.0.0/8",), "10.2.3.4", True),
    (("10.0.0.0/8",), "127.0.0.1", False),
    (("10.*", "!10.0.0.5"), "10.0.0.5", False),
    (("10.*", "!10.0.0.5"), "10.0.0.6", True),
    (("!10.0.0.5",), "10.0.0.6", False),               # only negations: nothing is allowed
    (("127.0.0.?",), "127.0.0.1", True),
    (("127.0.0.?",), "127.0.0.12", False),
    (("10.0.0.0/8",), "::ffff:10.0.0.1", True),
    (("2001:db8::/32",), "2001:db8::1", True),
    (("*.example.org",), "10.0.0.1", False),            # host names are never looked up
])
def test_from_follows_openssh_patterns(patterns, address, allowed):
    from tutor.serve.keys import match_from

    assert match_from(patterns, address) is allowed


def test_a_bad_authorized_keys_line_is_reported_by_number(tmp_path):
    keys_file = tmp_path / "authorized_keys"
    keys_file.write_text("# ok\nhello world\n")
    with pytest.raises(KeyFileError, match=f"{keys_file}:2: not an SSH public key"):
        read_authorized_keys(keys_file)
    keys_file.write_text("# only comments\n")
    with pytest.raises(KeyFileError, match="no keys"):
        read_authorized_keys(keys_file)


def test_the_gate_caps_waiting_connections_and_reports_a_burst_once():
    from tutor.serve.gate import Gate, waiting_caps

    assert waiting_caps(65536, 250) == (512, 64)
    assert waiting_caps(1024, 250) == (32, 32)          # few descriptors: a small door, never none
    gate = Gate(max_waiting=5, max_per_address=3)
    assert [gate.admit("10.0.0.1") for _ in range(4)] == [None, None, None, "address"]
    assert [gate.admit("10.0.0.2") for _ in range(3)] == [None, None, "total"]
    gate.leave_waiting("10.0.0.1")
    assert gate.admit("10.0.0.3") is None and gate.waiting_total == 5
    assert gate.burst_report() == (2, [("10.0.0.1", 1), ("10.0.0.2", 1)])
    assert gate.burst_report() is None                  # reported once


def test_the_open_file_limit_is_raised_at_start_where_allowed():
    code = ("import resource; from tutor.serve.gate import raise_fd_limit\n"
            "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
            "resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))\n"
            "print(raise_fd_limit(), resource.getrlimit(resource.RLIMIT_NOFILE)[0], hard)")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    returned, now, hard = (int(x) for x in result.stdout.split())
    assert returned == now == min(65536, hard) > 256


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


def test_the_warm_parent_runs_and_draws_every_step_before_the_class_and_says_so(classroom, one_seat):
    """It runs every lesson once and walks every step at 80x24 in the
    teacher's --lang (tutor/serve/forker.py, tests/test_shared_lines.py),
    then tells the teacher how long the class waited for it."""
    from tutor.lesson import load_lessons

    lessons = load_lessons(None)
    steps = sum(len(lesson.steps) for lesson in lessons)
    classroom.wait_console("drawn ahead")
    assert re.search(rf"Ready in [\d.]+ s: {len(lessons)} lessons run once for the class, "
                     rf"and {steps} of their steps drawn ahead for 80x24 terminals", classroom.console())
    one_seat.wait_console("desenhados de antemão")
    assert re.search(rf"Pronto em [\d.]+ s: {len(lessons)} lições rodadas uma vez para a turma "
                     rf"e {steps} dos seus passos desenhados", one_seat.console())


@pytest.fixture(scope="module")
def classroom(keys, tmp_path_factory):
    folder, made = keys
    allowed = [k for name, k in made.items() if name != "stranger"]
    keys_file = authorize(folder / "authorized_keys", *allowed)
    server = Server(tmp_path_factory.mktemp("data"), "--authorized-keys", str(keys_file),
                    "--lang", "en", "--max-sessions", "30").start()
    yield server
    server.stop()
    if "Traceback" in server.console():  # a session failed: show why
        print(server.console())


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
    deadline = time.monotonic() + 5  # the session and its step process end, and are collected, within moments
    while "ana" in "".join(classroom.session_pids()) and time.monotonic() < deadline:
        time.sleep(0.1)
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


@pytest.mark.skipif(not Path("/proc/self/ksm_stat").exists(), reason="needs Linux 6.4+ with KSM")
def test_the_pre_fork_process_is_not_offered_to_ksm_and_the_console_says_whether_it_runs(classroom):
    # Each session marks only the pages it writes (tutor/serve/merging.py,
    # tests/test_merging.py); a mark on the pre-fork process would pass to
    # every session and have KSM scan all of each one's memory.
    stat = Path(f"/proc/{classroom.forker_pid}/ksm_stat").read_text()
    assert "ksm_merge_any: no" in stat and "ksm_mergeable: no" in stat
    running = Path("/sys/kernel/mm/ksm/run").read_text().strip() == "1"
    classroom.wait_console("the sessions share their identical pages")
    assert ("(KSM is on)" in classroom.console()) is running
    assert ("KSM is off on this machine" in classroom.console()) is not running


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
async def test_a_reading_learner_keeps_no_step_process(classroom, keys):
    """A step process's pages cost as much as the session itself. At the
    lesson's default params the warm parent ran it before the fork
    (runner.share_results), so opening it starts none; any other run's
    process ends once idle, and the lesson still steps with every value
    shown (the code ran; its results were kept)."""
    from tutor.serve.forker import STEP_CHILD_IDLE_SECONDS
    from tutor.serve.limits import children

    _, made = keys
    ana = await Learner(classroom.port, "x", made["ana"]).connect()
    try:
        await ana.wait_for(r"learner: ana")
        mark = await ana.press("\r")
        await ana.wait_for(r"step \d/5", mark)  # where ana left off, in another test perhaps
        at = int(re.findall(r"step (\d)/5", ana.text(mark))[-1])
        session = classroom.session_pids()["tutor ana"]
        assert not any(_running(pid) for pid in children(session)), "the shared results were not used"
        deadline = time.monotonic() + STEP_CHILD_IDLE_SECONDS + 20
        while time.monotonic() < deadline and any(_running(pid) for pid in children(session)):
            await asyncio.sleep(0.2)
        assert not any(_running(pid) for pid in children(session)), "an idle step process lives on"
        for n, key in ((at + 1, "n"), (at + 2, "n")) if at <= 3 else ((at - 1, "p"), (at - 2, "p")):
            mark = await ana.press(key)
            await ana.wait_for(rf"step {n}/5", mark)
        assert not any(_running(pid) for pid in children(session))
        assert "Traceback" not in ana.text() and "could not run" not in ana.text()
    finally:
        await ana.close()


@needs_ssh
async def test_each_session_runs_the_thread_that_offers_its_own_pages_to_ksm(classroom, keys):
    # tutor/serve/merging.py: it marks nothing while KSM is off (tests/test_merging.py)
    from tutor.serve.merging import THREAD_NAME

    _, made = keys
    cid = await Learner(classroom.port, "x", made["cid"]).connect()
    try:
        await cid.wait_for(r"learner: cid")
        session = classroom.session_pids()["tutor cid"]
        names = [task.read_text().strip() for task in Path(f"/proc/{session}/task").glob("*/comm")]
        assert THREAD_NAME in names
    finally:
        await cid.close()


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
    _, made = keys
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
            await learner.wait_for(
                rf"The class is over: the server is closing\. Your progress is saved\. Thank you, {name}!")
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
text = { en = "One gigabyte.", pt = "Um gigabyte." }
code = """
big = torch.ones(256, 1024, 1024)
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
    """--open, the default memory cap, a tight CPU cap, and a lesson that
    misbehaves on purpose."""
    folder = tmp_path_factory.mktemp("open")
    lessons = folder / "lessons"
    lessons.mkdir()
    (lessons / "01-limits.toml").write_text(LIMITS_LESSON)
    server = Server(folder / "data", "--open", "--lang", "en", "--lessons", str(lessons),
                    "--session-cpu", "3").start()
    yield server
    server.stop()


@needs_ssh
async def test_memory_and_cpu_limits_stop_a_runaway_session_politely(open_class):
    """The default memory cap (8 seat budgets, 480 MB) turns a 1 GB tensor
    into an error on the step (the machine never sees it); --session-cpu
    ends a session that computes forever, and the learner is told why."""
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
@needs_tmux
def test_a_learner_with_accents_in_their_name_reaches_the_menu(open_class, keys, tmux):
    """`ssh joão@host`: the name keeps its letters, on screen and in the
    session's process name, and nothing of Python shows."""
    _, made = keys
    tmux.open("joao", open_class.ssh_command("João", made["ana"], "-tt"))
    screen = tmux.wait_for("joao", r"learner: joão|Traceback|stopped unexpectedly", timeout=60)
    assert "learner: joão" in screen, screen
    assert "tutor joão" in open_class.session_pids()
    tmux.keys("joao", "q")
    screen = tmux.wait_for("joao", r"EXIT=")
    assert "See you next time, joão!" in screen and "EXIT=0" in screen
    assert "Traceback" not in screen


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


# ---------------------------------------------------------------- hardening (issue 13)


@needs_ssh
async def test_a_failing_session_shows_one_line_and_logs_the_traceback(tmp_path):
    """A session that fails (here: its data folder was deleted under the
    running server) shows the learner one friendly line; the traceback,
    with the server's paths, goes to the server's log only."""
    import shutil

    server = Server(tmp_path / "data", "--open", "--lang", "en").start()
    learner = Learner(server.port, "ana", None)
    try:
        shutil.rmtree(tmp_path / "data")
        await learner.connect()
        await learner.wait_for(r"Your session stopped unexpectedly", timeout=60)
        await asyncio.wait_for(learner.proc.wait_closed(), 15)
        seen = learner.text()
        assert "Traceback" not in seen and 'File "/' not in seen and "Error" not in seen, seen
        assert [line for line in seen.splitlines() if line.strip()] == [
            "Your session stopped unexpectedly (exit code 70). Progress up to your last step is saved: "
            "connect again to go on."]
        server.wait_console("session of 'ana' failed:\nTraceback")
        server.wait_console("FileNotFoundError")
    finally:
        await learner.close()
        server.stop()


@needs_ssh
async def test_a_huge_window_is_drawn_at_the_cap_and_one_session_per_connection(classroom, keys):
    """65535x65535 from the start or after a resize: the app draws at
    500x200 and says so; a second session on the same connection is refused."""
    _, made = keys
    big = Learner(classroom.port, "x", made["s18"], cols=65535, rows=65535)
    grows = Learner(classroom.port, "x", made["s19"])
    try:
        await big.connect()
        await big.wait_for(r"learner: s18", timeout=60)
        await big.wait_for(r"Your window is larger than 500x200", timeout=30)
        mark = await big.press("\r")
        await big.wait_for(r"n next\s+p back", mark, timeout=60)     # the lesson screen's keys
        pid = classroom.session_pids()["tutor s18"]
        rows, cols = _pty_size(pid)
        assert (cols, rows) == (500, 200)

        await grows.connect()
        await grows.wait_for(r"learner: s19", timeout=60)
        assert "larger than" not in grows.text()
        grows.proc.change_terminal_size(65535, 65535)
        await grows.wait_for(r"Your window is larger than 500x200", timeout=30)

        second = await big.conn.create_process(term_type="xterm", term_size=(80, 24), encoding=None)
        out = await asyncio.wait_for(second.stdout.read(), 30)
        assert b"One tutor per connection" in out
        await asyncio.wait_for(second.wait_closed(), 10)
        assert list(classroom.session_pids()).count("tutor s18") == 1
    finally:
        await big.close()
        await grows.close()


def _pty_size(pid: int) -> tuple[int, int]:
    """(rows, cols) of the terminal a process has on fd 0."""
    import fcntl
    import struct
    import termios

    fd = os.open(f"/proc/{pid}/fd/0", os.O_RDONLY | os.O_NOCTTY)
    try:
        rows, cols, _, _ = struct.unpack("HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8))
    finally:
        os.close(fd)
    return rows, cols


@needs_ssh
async def test_idle_connections_are_capped_and_timed_out(keys, tmp_path):
    """Connections that never open a session: beyond 64 from one address
    they are refused at once (one console line for the burst), the rest
    are closed after 10 s, an `ssh -N` too; learners from elsewhere get in
    meanwhile."""
    _, made = keys
    keys_file = authorize(tmp_path / "authorized_keys", made["ana"])
    server = Server(tmp_path / "data", "--authorized-keys", str(keys_file), "--lang", "en").start()
    quiet = None
    try:
        flood = asyncio.create_task(idle_connections(server.port, 100, "127.0.0.3", hold=2))
        await asyncio.sleep(1)
        ana = Learner(server.port, "x", made["ana"])
        await ana.connect()
        await ana.wait_for(r"learner: ana", timeout=60)
        await ana.close()
        still_open = await flood
        assert 0 < sum(still_open) <= 64, sum(still_open)
        server.wait_console("connections refused (127.0.0.3")
        await asyncio.sleep(6)
        refusals = [line for line in server.lines if "connections refused" in line]
        assert len(refusals) == 1, refusals

        quiet = subprocess.Popen(server.ssh_command("x", made["ana"], "-N"), stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert await asyncio.to_thread(quiet.wait, 30) is not None   # closed by the server
        late = await idle_connections(server.port, 3, "127.0.0.4", hold=12)
        assert late == [False, False, False]
    finally:
        if quiet is not None and quiet.poll() is None:
            quiet.kill()
            quiet.wait()
        server.stop()


@needs_ssh
@needs_tmux
def test_keys_file_options_names_and_reload_like_openssh(keys, tmp_path, tmux):
    """from= is honoured (CIDR and negation), a key without a comment gets
    a name from its fingerprint, and the file is read again when it changes
    or, detached, on SIGHUP."""
    _, made = keys

    def line(name: str, options: str = "", comment: bool = True, width: int = 0) -> str:
        kind, blob, *_ = Path(f"{made[name]}.pub").read_text().split()
        return " ".join(p for p in (options, kind, blob, name if comment else "") if p).ljust(width) + "\n"

    keys_file = tmp_path / "authorized_keys"
    keys_file.write_text(line("ana", 'from="127.0.0.0/8,!127.0.0.2"') + line("bob", 'from="10.0.0.0/8"')
                         + line("cid", comment=False))
    server = Server(tmp_path / "data", "--authorized-keys", str(keys_file), "--lang", "en").start()
    try:
        def denied(name: str, source: str = "127.0.0.1") -> bool:
            result = subprocess.run(server.ssh_command("x", made[name], "-tt", "-b", source),
                                    capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
            return result.returncode == 255 and "Permission denied" in result.stderr

        assert denied("ana", "127.0.0.2")                       # a negated address
        assert denied("bob")                                    # not from 10/8
        server.wait_console("key of bob (line 2) refused from 127.0.0.1")
        tmux.open("ana", server.ssh_command("x", made["ana"], "-tt", "-b", "127.0.0.1"))
        tmux.wait_for("ana", r"learner: ana", timeout=60)
        cid_name = _fingerprint_name(made["cid"])
        tmux.open("cid", server.ssh_command("mallory", made["cid"], "-tt"))   # the user name is not the name
        tmux.wait_for("cid", rf"learner: {cid_name}", timeout=60)

        keys_file.write_text(keys_file.read_text() + line("stranger"))   # changed: read again
        server.wait_console("Keys reloaded: 4 authorized keys")
        tmux.open("stranger", server.ssh_command("x", made["stranger"], "-tt"))
        tmux.wait_for("stranger", r"learner: stranger", timeout=60)

        # The same size and time stamp: only SIGHUP tells the server.
        before = keys_file.stat()
        width = len(line("stranger")) - 1
        swapped = keys_file.read_text().replace(line("stranger"), line("s00", width=width))
        assert len(swapped) == before.st_size
        keys_file.write_text(swapped)
        os.utime(keys_file, ns=(before.st_atime_ns, before.st_mtime_ns))
        time.sleep(3)
        assert denied("s00")
        server.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 20
        while server.console().count("Keys reloaded: 4 authorized keys") < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert server.console().count("Keys reloaded: 4 authorized keys") == 2
        assert server.proc.poll() is None                        # SIGHUP did not end the class
        assert not denied("s00") and denied("stranger")
    finally:
        server.stop()


def _fingerprint_name(key: Path) -> str:
    """`key-` and the start of the key's SHA256 fingerprint in hex, as
    ssh-keygen computes it."""
    import base64

    digest = subprocess.run(["ssh-keygen", "-l", "-E", "sha256", "-f", f"{key}.pub"],
                            capture_output=True, text=True, check=True).stdout.split()[1]
    return "key-" + base64.b64decode(digest.split(":", 1)[1] + "=").hex()[:12]


@needs_ssh
@needs_tmux
def test_closing_the_teachers_terminal_ends_the_class_in_order(tmp_path, keys, tmux):
    """The server in a terminal; the terminal closes (SIGHUP): learners are
    told the class is over and their progress saved, as with Ctrl-C."""
    _, made = keys
    keys_file = authorize(tmp_path / "authorized_keys", made["ana"])
    console = tmp_path / "console.txt"
    command = [sys.executable, "-m", "tutor", "serve", "--port", "0", "--data-dir", str(tmp_path / "data"),
               "--authorized-keys", str(keys_file), "--lang", "en"]
    tmux.open("teacher", ["sh", "-c", f'cd {REPO} && exec "$@" 2>&1 | tee {console}', "sh", *command])
    deadline = time.monotonic() + 120
    port = None
    while time.monotonic() < deadline and port is None:
        found = re.search(r":(\d+) \(seats: ", console.read_text() if console.exists() else "")
        port = int(found.group(1)) if found else None
        time.sleep(0.2)
    assert port, tmux.screen("teacher")
    learner = ["ssh", "-p", str(port), "-i", str(made["ana"]), *SSH_OPTIONS, "-tt", "x@127.0.0.1"]
    tmux.open("ana", learner, cols=120)
    tmux.wait_for("ana", r"learner: ana", timeout=60)
    tmux.keys("ana", "Enter")
    tmux.wait_for("ana", r"step 1/5")
    tmux.kill_window("teacher")                                # the teacher's terminal closes
    screen = tmux.wait_for("ana", r"EXIT=", timeout=30)
    assert "The class is over: the server is closing. Your progress is saved. Thank you, ana!" in screen
    from tutor.progress import ProgressStore

    with ProgressStore(tmp_path / "data" / "progress.sqlite3", "ana") as store:
        assert store.position("slope") == 0
    assert "Closing this terminal (SIGHUP) ends the class" in console.read_text()


@needs_ssh
async def test_learners_outlive_the_warm_parent_and_a_new_one_takes_over(tmp_path):
    """The pre-fork process is killed: running sessions go on, the server
    says so and starts another; a newcomer meanwhile reads that the tutor
    is starting (never a blank screen), then gets it. A frozen one: the
    newcomer is told at once too."""
    import stat

    server = Server(tmp_path / "data", "--open", "--lang", "en").start()
    ana, bob, cid = (Learner(server.port, n, None) for n in ("ana", "bob", "cid"))
    try:
        await ana.connect()
        await ana.wait_for(r"learner: ana", timeout=60)
        old = server.forker_pid
        os.kill(old, signal.SIGKILL)
        server.wait_console("The session forker stopped unexpectedly")
        await bob.connect()
        mark = await ana.press("\r")
        await ana.wait_for(r"step 1/5", mark, timeout=30)          # ana never noticed
        await bob.wait_for(r"Starting your tutor, one moment", timeout=10)
        server.wait_console("A new session forker is ready", timeout=180)
        await bob.wait_for(r"learner: bob", timeout=60)
        assert "tutor ana" in server.session_pids()

        new = server.forker_pid
        assert new != old
        os.kill(new, signal.SIGSTOP)
        try:
            await cid.connect()
            took = await cid.wait_for(r"Starting your tutor, one moment", timeout=10)
            assert took < 5
        finally:
            os.kill(new, signal.SIGCONT)
        await cid.wait_for(r"learner: cid", timeout=60)

        data = tmp_path / "data"                                      # item 10: private files
        assert stat.S_IMODE(data.stat().st_mode) == 0o700
        for name in ("progress.sqlite3", "ssh_host_ed25519_key"):
            assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name
    finally:
        await asyncio.gather(ana.close(), bob.close(), cid.close())
        server.stop()
