"""Issue 11's escape list, tried in a served session over the real SSH client.

tests/test_sandbox.py tries every escape through `run_untrusted` in the test's
own process. Here the same list goes the way a learner's code really goes on
a classroom server: typed into the editor of a session served by
`tutor serve` and reached by the OpenSSH client in tmux, run with Ctrl+R by
the session's step process, in a sandboxed grandchild of it. The terminal is
100x40 so that each whole message is on screen at once (the escapes name
long temporary paths; at 80x24 the question pane shows the first lines and
"more: Down").

One server and two learners for the whole module (CI time): ana types each
escape into the practice lesson's first code exercise, one after another
(F7 selects all, so what she types replaces the last try); bea sits at the
menu the whole time, a bystander. For each escape the test reads what ana
sees (the question column of her screen: the verdict and why, in order) and
then the harm it would have done: no secret on her screen, no file planted,
no connection made, the server, both sessions and every process under them
the same processes as before (none ended, none left over). After the list,
a right solution is still judged right, bea still steps through a lesson,
the progress store holds every try and passes SQLite's integrity check, and
the host key is unchanged.

Checked against a server without the sandbox: a sitecustomize on the
server's PYTHONPATH that makes `sandbox_kernel.why_unavailable` return a
reason, and `--allow-unsandboxed-code`. Then every escape the kernel's locks
stop fails here (the reads, the write, the socket, os.system, subprocess,
ctypes' kill and system, the signals; the fork bomb was tried as one fork
whose child sleeps, since unsandboxed, as root, a real one is one), while
those the fork, the rlimits and the harness stop (the loop, 10 GB, the
recursion, a crash, 100 MB of output, stdout, the exits) still pass.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import socket
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from serve_helpers import Server, Tmux, authorize, make_key
from test_code_e2e import place
from tutor import sandbox_kernel
from tutor.progress import ProgressStore
from tutor.serve.limits import tree_pids

pytestmark = [
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
    pytest.mark.skipif(shutil.which("ssh") is None or shutil.which("ssh-keygen") is None,
                       reason="the OpenSSH client is not installed"),
    pytest.mark.skipif(sandbox_kernel.why_unavailable() is not None,
                       reason=f"this kernel cannot sandbox: {sandbox_kernel.why_unavailable()}"),
]

BLOCKED = "An exercise cannot use files, the network or other programs: only the lesson's values."
SECRETS = ("SQLite format", "OPENSSH PRIVATE KEY", "ssh-ed25519")  # the store's and the host key's first bytes


@dataclass(frozen=True)
class Escape:
    name: str
    code: str  # lines typed one by one; {store}, {key}, {planted}, {port}, {server} filled in
    says: tuple[str, ...]  # what ana's question column must say, in order


ESCAPES = [
    Escape("read the progress store", "print(open({store!r}, 'rb').read(64))",
           ("x Not yet", "Line 1: PermissionError: [Errno 13] Permission denied", BLOCKED)),
    Escape("read the host key", "print(open({key!r}).read())",
           ("x Not yet", "Line 1: PermissionError: [Errno 13] Permission denied", BLOCKED)),
    Escape("write a file", "open({planted!r}, 'w').write('import os')",
           ("x Not yet", "Line 1: PermissionError: [Errno 13] Permission denied", BLOCKED)),
    Escape("open a socket", "import socket\nsocket.create_connection(('127.0.0.1', {port}))",
           ("x Not yet", "Line 2: PermissionError: [Errno 1] Operation not permitted", BLOCKED)),
    Escape("os.system", "import os\nos.system('touch {planted}')",
           ("x Not yet", "Line 2: PermissionError: [Errno 1] os.system: an exercise cannot start other programs",
            BLOCKED)),
    Escape("subprocess", "import subprocess\nsubprocess.run(['touch', {planted!r}])",
           ("x Not yet", "Line 2: PermissionError: [Errno 1] Operation not permitted", BLOCKED)),
    Escape("fork bomb", "import os\nwhile True: os.fork()",
           ("x Not yet", "Line 2: PermissionError: [Errno 1] Operation not permitted", "while True: os.fork()",
            BLOCKED)),
    Escape("while True: pass", "while True: pass",
           ("x Not yet", "your code took too long. Is there a loop that never ends?")),
    Escape("allocate 10 GB", "x = torch.zeros(10 * 2**30 // 4)",
           ("x Not yet", "Line 1: RuntimeError:", "can't allocate memory: you tried to allocate 10737418240 bytes")),
    Escape("deep recursion", "def f(n): return f(n + 1)\nf(0)",
           ("x Not yet", "Line 1: RecursionError: maximum recursion depth exceeded", "def f(n): return f(n + 1)")),
    Escape("ctypes: libc's kill and system",
           "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
           "k = libc.kill(os.getppid(), 9); e = os.strerror(ctypes.get_errno())\n"
           "print('kill:', k, e, 'system:', libc.system(b'touch {planted}'))",
           ("x Not yet", "Your code printed:", "kill: -1 Operation not permitted system: 32512")),
    Escape("ctypes: a crash", "import ctypes\nctypes.string_at(0)",
           ("x Not yet", "Your code crashed the process that ran it (SIGSEGV); the tutor is fine.")),
    Escape("print 100 MB", "print('x' * 100_000_000)",
           ("x Not yet", "Your code printed:", "(too much output: only the first 16000 characters are shown)",
            "xxxxxxxxxx")),
    Escape("close stdout", "import sys\nsys.stdout.close()\nprint('after')",
           ("x Not yet", "Line 3: ValueError: I/O operation on closed file.")),
    Escape("sys.exit()", "import sys\nsys.exit(3)",
           ("x Not yet", "Line 2: SystemExit: 3",
            "Your code asked to end the program (SystemExit): the exercise needs it to run to its end.")),
    Escape("os._exit", "import os\nos._exit(3)",
           ("x Not yet", "Your code ended the process that ran it (exit status 3) before the checks")),
    Escape("signal the parent", "import os\nos.kill(os.getppid(), 9)",
           ("x Not yet", "Line 2: PermissionError: [Errno 1] Operation not permitted", BLOCKED)),
    Escape("signal the server", "import os\nos.kill({server}, 9)",
           ("x Not yet", "Line 2: PermissionError: [Errno 1] Operation not permitted", BLOCKED)),
]


def question_column(screen: str) -> str:
    """The right-hand column (question, verdict, values) as one line of
    words: what ana reads, however the panel wrapped it."""
    right = (line.split("│")[-1] for line in screen.splitlines() if "│" in line)
    return " ".join(" ".join(part.split()) for part in right)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class Classroom:
    """The module's one server, its two learners, and what must not change."""

    def __init__(self, root: Path):
        keys = root / "keys"
        keys.mkdir()
        self.ana, bea = make_key(keys, "ana"), make_key(keys, "bea")
        self.data = root / "data"
        place(self.data, "ana")
        self.planted = root / "planted"  # the folder each escape tries to write into
        self.planted.mkdir()
        self.server = Server(self.data, "--authorized-keys", str(authorize(keys / "authorized_keys", self.ana, bea)),
                             "--lang", "en").start()
        self.key = self.data / "ssh_host_ed25519_key"
        self.key_hash = sha256(self.key)
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen()
        self.listener.setblocking(False)
        self.tmux = Tmux("escapes")
        self.tmux.open("ana", self.server.ssh_command("ana", self.ana, "-tt"), cols=100, rows=40)
        self.tmux.open("bea", self.server.ssh_command("bea", bea, "-tt"), cols=100, rows=40)
        self.tmux.wait_for("bea", r"learner: bea", timeout=60)
        self.tmux.wait_for("ana", r"learner: ana", timeout=60)
        self.tmux.keys("ana", *(["Down"] * 10), "Enter")  # the practice lesson, the last one
        self.tmux.wait_for("ana", r"a: write in the", timeout=60)
        self.runs = 0
        # a first run of the starter: the step process that runs code is up
        screen = self.run("grad = ____")
        assert "A blank (____) is still there" in question_column(screen), screen
        self.sessions = self.server.session_pids()
        assert set(self.sessions) == {"tutor ana", "tutor bea"}, self.sessions
        self.processes = set(tree_pids(self.server.proc.pid))

    def fill(self, code: str) -> str:
        return code.format(store=str(self.data / "progress.sqlite3"), key=str(self.key),
                           planted=str(self.planted / "planted.py"), port=self.listener.getsockname()[1],
                           server=self.server.proc.pid)

    def run(self, code: str, key: str = "C-r") -> str:
        """Types `code` into ana's editor in place of what is there, runs it,
        and returns her screen once this run's verdict is on it."""
        self.tmux.keys("ana", "a", "F7")  # into the editor; select all: the typing replaces it
        time.sleep(0.5)  # as a person would: F7's sequence and the typing apart
        for i, line in enumerate(self.fill(code).split("\n")):
            if i:
                self.tmux.keys("ana", "Enter")
            self.tmux.keys("ana", "-l", line)
        self.tmux.keys("ana", key)
        self.runs += 1
        screen = self.tmux.wait_for("ana", rf"\(run {self.runs}\)|\+ Right: your code passes", timeout=60)
        self.tmux.keys("ana", "Escape")  # out of the editor: the lesson's keys work again
        self.tmux.wait_for("ana", r"a: write in the")
        return screen

    def harm(self) -> list[str]:
        """Whatever the last escape did that can be seen from outside. What
        it finds becomes the next escape's starting point, so each escape
        answers for its own harm only."""
        found = []
        if self.server.proc.poll() is not None:
            found.append(f"the server ended ({self.server.proc.returncode})")
            return found
        sessions = self.server.session_pids()
        if sessions != self.sessions:
            found.append(f"the sessions changed: {self.sessions} -> {sessions}")
            self.sessions = sessions
        now = set(tree_pids(self.server.proc.pid))
        if now != self.processes:  # a step process killed (and replaced), a child left running
            found.append(f"processes ended: {sorted(self.processes - now)}, new: {sorted(now - self.processes)}")
            self.processes = now
        planted = sorted(self.planted.iterdir())
        if planted:
            found.append(f"files written: {[p.name for p in planted]}")
            for path in planted:
                path.unlink()
        try:
            self.listener.accept()[0].close()
            found.append("a connection reached the listening socket")
        except BlockingIOError:
            pass
        if sha256(self.key) != self.key_hash:
            found.append("the host key changed")
        return found

    def close(self) -> None:
        self.tmux.close()
        self.server.stop()
        self.listener.close()


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    room = Classroom(tmp_path_factory.mktemp("escapes"))
    try:
        yield room
    finally:
        room.close()


@pytest.mark.parametrize("escape", ESCAPES, ids=[e.name for e in ESCAPES])
def test_an_escape_typed_in_a_served_session_is_stopped_with_a_clear_message(classroom, escape):
    screen = classroom.run(escape.code)
    seen = question_column(screen)
    at = 0
    for phrase in escape.says:
        found = seen.find(phrase, at)
        assert found >= 0, f"{escape.name}: {phrase!r} is not on ana's screen (after {seen[:at][-80:]!r}):\n{screen}"
        at = found + len(phrase)
    assert not [s for s in SECRETS if s in screen], f"{escape.name}: a secret is on ana's screen:\n{screen}"
    harm = classroom.harm()
    assert not harm, f"{escape.name}: {harm}"


def test_after_the_escapes_the_session_the_server_and_the_other_learner_go_on(classroom):
    screen = classroom.run("loss.backward()\ngrad = model[0].weight.grad", key="F5")
    assert "+ Right: your code passes every check." in question_column(screen)
    harm = classroom.harm()
    assert not harm, harm

    classroom.tmux.keys("bea", "Enter")  # bea, at the menu all along, opens a lesson and steps on
    classroom.tmux.wait_for("bea", r"step 1/\d+", timeout=60)
    classroom.tmux.keys("bea", "n")
    classroom.tmux.wait_for("bea", r"step 2/\d+", timeout=30)

    for who in ("ana", "bea"):
        classroom.tmux.keys(who, "q")
    for who in ("ana", "bea"):
        classroom.tmux.wait_for(who, r"EXIT=0", timeout=30)
    assert classroom.server.stop() == 0
    assert "Traceback" not in classroom.server.console()

    store = classroom.data / "progress.sqlite3"
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    progress = ProgressStore(store, "ana")
    try:
        attempts = progress.question("practice", "write-gradients").attempts
        assert [a.correct for a in attempts] == [False] * (classroom.runs - 1) + [True]
        assert progress.code("practice", "write-gradients") == "loss.backward()\ngrad = model[0].weight.grad"
    finally:
        progress.close()
    assert sha256(classroom.key) == classroom.key_hash
    assert not any(classroom.planted.iterdir())
    assert not re.search(r"\bplanted\b", "\n".join(p.name for p in classroom.data.iterdir()))
