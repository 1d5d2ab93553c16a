"""Helpers for the classroom server's end-to-end tests and benchmark.

A real server runs in a subprocess (`python -m tutor serve`) on a free
loopback port with a temporary data folder; learners are the real OpenSSH
client inside tmux (what a learner sees, as a terminal draws it), or
asyncssh clients with PTYs when many are needed at once.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SSH_OPTIONS = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
               "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR",
               "-o", "ConnectTimeout=20"]
_ANSI = re.compile(rb"\x1b\[[0-9;?<>=!]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()][0-9A-Za-z]|\x1b[=>78c]")


def make_key(folder: Path, comment: str) -> Path:
    """A fresh ed25519 key pair (no passphrase) whose comment is `comment`."""
    path = folder / f"key-{comment}"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)],
                   check=True)
    return path


def authorize(keys_file: Path, *keys: Path) -> Path:
    keys_file.write_text("".join(Path(f"{k}.pub").read_text() for k in keys))
    return keys_file


def strip_ansi(data: bytes) -> str:
    return _ANSI.sub(b"", data).decode("utf-8", "replace")


class Server:
    """`python -m tutor serve` in a subprocess; its console lines collected."""

    def __init__(self, data_dir: Path, *args: str, env: dict | None = None):
        self.data_dir = data_dir
        self.args = ["--port", "0", "--data-dir", str(data_dir), *args]
        self.env = dict(os.environ, **(env or {}))
        self.lines: list[str] = []
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        self._ready = threading.Event()

    def start(self, timeout: float = 120) -> Server:
        # A session of its own: detached from any terminal the tests run in,
        # as a server started by a service manager is (SIGHUP: reload keys).
        self.proc = subprocess.Popen([sys.executable, "-m", "tutor", "serve", *self.args],
                                     cwd=REPO, env=self.env, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     start_new_session=True)
        threading.Thread(target=self._read, daemon=True).start()
        if not self._ready.wait(timeout) or self.port is None:
            self.stop()
            raise RuntimeError("server did not start:\n" + self.console())
        return self

    def _read(self) -> None:
        for raw in self.proc.stdout:
            line = raw.decode("utf-8", "replace").rstrip("\n")
            self.lines.append(line)
            found = re.search(r":(\d+) \((?:seats|lugares): ", line)
            if found:
                self.port = int(found.group(1))
                self._ready.set()
        self._ready.set()

    def console(self) -> str:
        return "\n".join(self.lines)

    def wait_console(self, text: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.console():
                return
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared on the console:\n{self.console()}")

    def _named(self) -> dict[int, str]:
        from tutor.serve.limits import tree_pids

        names = {}
        for pid in tree_pids(self.proc.pid):
            try:
                names[pid] = Path(f"/proc/{pid}/comm").read_text().strip()
            except OSError:
                pass
        return names

    @property
    def forker_pid(self) -> int:
        forkers = [pid for pid, name in self._named().items() if name == "tutor forker"]
        assert forkers, "the server has no pre-fork process"
        return forkers[0]

    def session_pids(self) -> dict[str, int]:
        """{process name: pid} of the learners' session processes (children
        of the pre-fork process, or of the server once that one died)."""
        named = self._named()

        def parent(pid: int) -> int:
            try:
                return int(Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                return 0

        # A session's own children (a step run in a process) carry its name: skip them.
        return {name: pid for pid, name in named.items()
                if name.startswith("tutor ") and name != "tutor forker" and named.get(parent(pid)) != name}

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int:
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def ssh_command(self, user: str, key: Path, *extra: str) -> list[str]:
        return ["ssh", "-p", str(self.port), "-i", str(key), *SSH_OPTIONS, *extra, f"{user}@127.0.0.1"]


class Tmux:
    """A private tmux server: one window per learner, each running ssh."""

    def __init__(self, name: str):
        self.socket = f"tutor-serve-{name}-{os.getpid()}"

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.socket, *args], check=True,
                              capture_output=True, text=True).stdout

    def open(self, window: str, command: list[str], cols: int = 80, rows: int = 24) -> None:
        shell = " ".join(_quote(c) for c in command) + "; echo EXIT=$?; sleep 600"
        try:
            self.run("has-session", "-t", "tests")
            self.run("new-window", "-t", "tests", "-n", window, shell)
        except subprocess.CalledProcessError:
            self.run("new-session", "-d", "-s", "tests", "-n", window, "-x", str(cols), "-y", str(rows), shell)
        self.resize(window, cols, rows)

    def resize(self, window: str, cols: int, rows: int) -> None:
        self.run("resize-window", "-t", f"tests:{window}", "-x", str(cols), "-y", str(rows))

    def screen(self, window: str) -> str:
        return self.run("capture-pane", "-p", "-t", f"tests:{window}")

    def keys(self, window: str, *keys: str) -> None:
        self.run("send-keys", "-t", f"tests:{window}", *keys)

    def wait_for(self, window: str, pattern: str, timeout: float = 30) -> str:
        """The screen once `pattern` (a regex) is on it."""
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen(window)
            if re.search(pattern, screen):
                return screen
            time.sleep(0.2)
        raise AssertionError(f"{pattern!r} never appeared in window {window}:\n{screen}")

    def kill_window(self, window: str) -> None:
        self.run("kill-window", "-t", f"tests:{window}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True)


def _quote(word: str) -> str:
    import shlex

    return shlex.quote(word)


class Learner:
    """An asyncssh client with a PTY: keys in, the terminal's byte stream out."""

    def __init__(self, port: int, user: str, key: Path | None, cols: int = 80, rows: int = 24,
                 env: dict[str, str] | None = None):
        self.port, self.user, self.key = port, user, key
        self.env = env or {}
        self.size = (cols, rows)
        self.output = bytearray()
        self._changed: asyncio.Event | None = None
        self.conn = self.proc = None
        self._reader: asyncio.Task | None = None

    async def connect(self, timeout: float = 60) -> Learner:
        import asyncssh

        self._changed = asyncio.Event()
        self.conn = await asyncio.wait_for(asyncssh.connect(
            "127.0.0.1", self.port, username=self.user, known_hosts=None,
            client_keys=[str(self.key)] if self.key else None, agent_path=None), timeout)
        self.proc = await self.conn.create_process(term_type="xterm-256color", term_size=self.size,
                                                   encoding=None, env=self.env)
        self._reader = asyncio.create_task(self._read())
        return self

    async def _read(self) -> None:
        while True:
            data = await self.proc.stdout.read(65536)
            if not data:
                self._changed.set()
                return
            self.output += data
            self._changed.set()

    def mark(self) -> int:
        return len(self.output)

    def text(self, since: int = 0) -> str:
        return strip_ansi(bytes(self.output[since:]))

    async def wait_for(self, pattern: str, since: int = 0, timeout: float = 30) -> float:
        """Seconds until `pattern` (a regex) appears in the output after `since`."""
        start = time.perf_counter()
        deadline = start + timeout
        regex = re.compile(pattern)
        while True:
            if regex.search(self.text(since)):
                return time.perf_counter() - start
            if self._reader.done():
                raise AssertionError(f"{self.user}: connection ended before {pattern!r}:\n{self.text()[-2000:]}")
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                raise AssertionError(f"{self.user}: {pattern!r} never came:\n{self.text(since)[-2000:]}")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                pass

    async def press(self, keys: str | bytes) -> int:
        """Send keys; returns the output mark just before them."""
        mark = self.mark()
        self.proc.stdin.write(keys.encode() if isinstance(keys, str) else keys)
        return mark

    async def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            try:
                await asyncio.wait_for(self.conn.wait_closed(), 10)
            except TimeoutError:
                pass
        if self._reader is not None:
            self._reader.cancel()


async def idle_connections(port: int, count: int, source: str, hold: float) -> list[bool]:
    """Open `count` TCP connections from `source` that never say a word;
    after `hold` seconds, whether the server still keeps each one open."""
    streams = []
    for _ in range(count):
        try:
            streams.append(await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0)), 5))
        except (TimeoutError, OSError):
            streams.append(None)
    await asyncio.sleep(hold)
    still_open = []
    for pair in streams:
        if pair is None:
            still_open.append(False)
            continue
        reader, writer = pair
        still_open.append(not await closed_by_server(reader))
        writer.close()
    return still_open


async def closed_by_server(reader: asyncio.StreamReader, wait: float = 0.05) -> bool:
    """Read what is there (the SSH banner, say); True once the server closed."""
    try:
        while True:
            data = await asyncio.wait_for(reader.read(4096), wait)
            if not data:
                return True
    except TimeoutError:
        return False
    except OSError:
        return True
