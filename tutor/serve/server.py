"""The classroom: an asyncssh server that gives each learner their own tutor.

The server process only moves bytes: between each learner's SSH channel
and the master side of that learner's PTY. The app itself runs in a child
of the pre-fork process (see forker.py), one OS process per learner, so a
crash, a runaway computation or a killed process touches nobody else.

Nothing but the tutor is offered: no shell, no commands, no port or agent
or X11 forwarding, no SFTP.
"""

from __future__ import annotations

import asyncio
import errno
import fcntl
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import termios
import time
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh

from tutor.i18n import detect_lang

from . import protocol
from .child import EXIT_CPU_SPENT, SIGNAL_WINDOW_CAPPED
from .class_hub import ClassHub
from .gate import BURST_SECONDS, WAIT_SECONDS, Gate, waiting_caps
from .keys import AuthorizedKey, KeyFileError, read_authorized_keys
from .limits import MAX_COLS, MAX_ROWS
from .names import sanitize_learner
from .strings import say

GRACE_SECONDS = 5.0
END_NOTICE_SECONDS = 3.0        # a learner reads "the class has ended" this long before the session ends
MAX_CONSOLES = 4                # instructors' consoles at once (they take no learner's seat)
IUTF8 = getattr(termios, "IUTF8", 0o40000)  # Linux value; Python 3.11 does not export it
WRITE_BUFFER_HIGH = 256 * 1024
FORKER_START_TIMEOUT = 180.0
SPAWN_NOTICE_SECONDS = 2.0       # then the learner reads that the tutor is starting
SPAWN_TIMEOUT_SECONDS = 60.0     # then that it could not start (a new forker warms in ~12-45 s)
SESSIONS_PER_CONNECTION = 1
KEYS_POLL_SECONDS = 2.0
PR_SET_CHILD_SUBREAPER = 36


class ForkerError(Exception):
    """The pre-fork process failed to start or to fork."""


def set_window_size(fd: int, rows: int, cols: int, xpixel: int = 0, ypixel: int = 0) -> None:
    """TIOCSWINSZ: the kernel then sends SIGWINCH to the app on the PTY."""
    rows = rows if rows > 0 else 24
    cols = cols if cols > 0 else 80
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, xpixel, ypixel))


def set_capped_window_size(fd: int, rows: int, cols: int, xpixel: int = 0, ypixel: int = 0) -> bool:
    """The learner's window, at most MAX_COLS x MAX_ROWS; True when capped.

    A window of 65535x65535 would have the app lay out four billion cells."""
    capped = cols > MAX_COLS or rows > MAX_ROWS
    set_window_size(fd, min(rows, MAX_ROWS), min(cols, MAX_COLS),
                    xpixel if not capped else 0, ypixel if not capped else 0)
    return capped


def _duration(seconds: float) -> str:
    """`45 s`, `30 min`: the same in both languages."""
    return f"{round(seconds)} s" if seconds < 120 else f"{round(seconds / 60)} min"


def log(line: str) -> None:
    """One line on the console. A console that went away (the teacher's
    terminal closed) must not stop the class."""
    try:
        print(f"{time.strftime('%H:%M:%S')} {line}", flush=True)
    except (OSError, ValueError):
        pass


# ---------------------------------------------------------------- the forker, seen from here


class ForkerHandle:
    """Starts the pre-fork process and talks to it.

    `start()` blocks and runs before the event loop exists. A new one is
    started while the class goes on (when the old one died) with
    `launch()` in the event loop's thread, so that the death signal the
    pre-fork process asks for is tied to a thread that lives as long as the
    server, then `wait_ready()` in a worker thread.
    """

    def __init__(self, config: dict):
        self.config = config
        self.sock: socket.socket | None = None
        self.process: subprocess.Popen | None = None
        self.pid: int | None = None
        self.merging = "unsupported"  # merging.ksm_state(), as the forker found it
        self.warm: dict = {}  # what its warm-up did (forker.warm_up's report)
        self._waiting: dict[int, asyncio.Future] = {}
        self._next_id = 0
        self.on_exit = lambda pid, code, cpu: None
        self.on_lost = lambda: None
        self.last_heard = time.monotonic()

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        config = dict(self.config, parent=os.getpid())
        env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   PYTHONUTF8="1")
        cwd = str(Path(__file__).resolve().parent.parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (cwd, env.get("PYTHONPATH", "")) if p)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tutor.serve.forker", str(theirs.fileno()), json.dumps(config)],
                pass_fds=[theirs.fileno()], stdin=subprocess.DEVNULL, env=env)
        except OSError as exc:
            raise ForkerError(str(exc)) from exc
        finally:
            theirs.close()
        self.sock = ours

    def wait_ready(self) -> None:
        ours = self.sock
        assert ours is not None and self.process is not None  # launch() ran
        ours.settimeout(FORKER_START_TIMEOUT)
        try:
            message, _ = protocol.receive(ours)
        except (TimeoutError, OSError) as exc:
            self.close()
            raise ForkerError(f"no answer ({exc})") from exc
        if message is None or message.get("op") != "ready":
            self.close()
            why = (message or {}).get("error") or f"it exited with code {self.process.wait()}"
            raise ForkerError(why)
        self.pid = message["pid"]
        self.merging = message.get("merging", "unsupported")
        self.warm = message.get("warm") or {}
        self.last_heard = time.monotonic()
        ours.setblocking(False)

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        assert self.sock is not None
        loop.add_reader(self.sock.fileno(), self._on_readable)

    def waiting_since(self) -> float | None:
        """How long the oldest unanswered spawn request has waited (None: none)."""
        if not self._waiting:
            return None
        return time.monotonic() - self.last_heard

    async def spawn(self, request: dict, slave_fd: int, channel_fd: int | None = None) -> tuple[int, int | None]:
        """Ask for a child on `slave_fd` (and its class channel's end,
        `channel_fd`); returns (pid, pidfd or None)."""
        if self.sock is None:
            raise ForkerError("the forker is gone")
        if not self._waiting:
            self.last_heard = time.monotonic()
        self._next_id += 1
        request = dict(request, op="spawn", id=self._next_id)
        future = asyncio.get_running_loop().create_future()
        self._waiting[self._next_id] = future
        try:
            protocol.send(self.sock, request, [slave_fd] if channel_fd is None else [slave_fd, channel_fd])
        except OSError as exc:
            del self._waiting[self._next_id]
            raise ForkerError(str(exc)) from exc
        return await future

    def _on_readable(self) -> None:
        assert self.sock is not None  # the reader is removed before the socket goes
        while True:
            try:
                message, fds = protocol.receive(self.sock)
            except BlockingIOError:
                return
            except OSError:
                message, fds = None, []
            self.last_heard = time.monotonic()
            if message is None:
                asyncio.get_running_loop().remove_reader(self.sock.fileno())
                for waiter in self._waiting.values():
                    if not waiter.done():
                        waiter.set_exception(ForkerError("the forker is gone"))
                self._waiting.clear()
                self.on_lost()
                return
            op = message.get("op")
            if op in ("started", "failed"):
                future = self._waiting.pop(message["id"], None)
                if future is None or future.done():
                    for fd in fds:
                        os.close(fd)
                elif op == "started":
                    future.set_result((message["pid"], fds[0] if fds else None))
                else:
                    future.set_exception(ForkerError(message.get("error", "fork failed")))
            elif op == "exited":
                self.on_exit(message["pid"], message["code"], message.get("cpu"))

    def close(self, timeout: float = GRACE_SECONDS + 5) -> None:
        """Hang up on the forker (it ends its children) and wait for it."""
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
            self.sock = None
        if self.process is not None and self.process.poll() is None:
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# ---------------------------------------------------------------- one learner


@dataclass(eq=False)
class Session:
    classroom: Classroom
    process: asyncssh.SSHServerProcess
    learner: str
    lang: str
    console: bool = False            # an instructor's console, not a tutor
    sid: str = ""                    # the class channel's id of this session
    pid: int | None = None
    pidfd: int | None = None
    master: int | None = None
    reason: str | None = None        # why we ended it: idle | class_over | disconnected
    exit_code: int | None = None
    cpu_seconds: float | None = None  # the child's CPU time, when the forker reaped it
    capped: bool = False             # the learner's window is larger than the cap
    ended_by_instructor: bool = False  # the instructor ended the class (the app says so and exits)
    last_input: float = field(default_factory=time.monotonic)
    gone: asyncio.Event = field(default_factory=asyncio.Event)
    exit_known: asyncio.Event = field(default_factory=asyncio.Event)
    _kill_timer: asyncio.TimerHandle | None = None
    _tasks: list = field(default_factory=list)
    _output_paused: bool = False

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        process = self.process
        cols, rows, xpix, ypix = process.get_terminal_size()
        master, slave = os.openpty()
        self.master = master
        try:
            self.capped = set_capped_window_size(master, rows, cols, xpix, ypix)
            attrs = termios.tcgetattr(slave)
            attrs[0] |= IUTF8
            termios.tcsetattr(slave, termios.TCSANOW, attrs)
            env = process.env
            request = {
                "learner": self.learner,
                "lang": self.lang,
                "term": process.get_terminal_type() or "xterm-256color",
                "colorterm": env.get("COLORTERM", ""),
                "no_color": "NO_COLOR" in env,
                "window_capped": self.capped,
                "role": "console" if self.console else "learner",
                "class": True,
            }
            hub = self.classroom.hub
            self.sid = hub.new_session_id()
            channel = hub.open(self.sid, self.learner, console=self.console)
            try:
                self.pid, self.pidfd = await self._spawn(request, slave, channel.fileno())
            except BaseException:
                hub.close(self.sid)
                raise
            finally:
                os.close(slave)
                channel.close()
        except (ForkerError, OSError) as exc:
            os.close(master)
            self.master = None
            self.classroom.refuse(process, self.lang, "start_failed", why=str(exc),
                                  reason=say("why_no_start", self.lang))
            return

        self.classroom.by_pid[self.pid] = self
        if self.pid in self.classroom.early_exits:  # it ended before we got here
            self.child_exited(*self.classroom.early_exits.pop(self.pid))
        os.set_blocking(master, False)
        loop.add_reader(master, self._on_output)
        if self.pidfd is not None:
            loop.add_reader(self.pidfd, self._on_child_gone)
        if self.reason is not None:  # the class ended while this session was starting
            self._signal(signal.SIGTERM)
        self._tasks = [asyncio.create_task(self._pump_input())]
        if self.classroom.idle_timeout and not self.console:  # a console may watch for long without a key
            self._tasks.append(asyncio.create_task(self._watch_idle()))
        if self.console:
            log(say("console_instructor_joined", self.classroom.lang, name=self.learner))
        else:
            log(say("console_joined", self.classroom.lang, learner=self.learner,
                    active=self.classroom.learner_count(), seats=self.classroom.max_sessions))

        await self.gone.wait()
        try:  # the forker's report says how it ended; it follows within moments
            await asyncio.wait_for(self.exit_known.wait(), 2.0)
        except TimeoutError:
            pass
        self._drain_output()
        self._cleanup(loop)
        self._finish()

    async def _spawn(self, request: dict, slave: int, channel: int) -> tuple[int, int | None]:
        """A child from the pre-fork process, or ForkerError. The learner is
        never left before a blank screen: after SPAWN_NOTICE_SECONDS they
        read that the tutor is starting, and after SPAWN_TIMEOUT_SECONDS that
        it could not (a pre-fork process that answers nobody for that long
        is replaced)."""
        loop = asyncio.get_running_loop()
        notice = loop.call_later(SPAWN_NOTICE_SECONDS, self._say, say("starting", self.lang))
        try:
            return await asyncio.wait_for(self.classroom.spawn(request, slave, channel), SPAWN_TIMEOUT_SECONDS)
        except TimeoutError:
            self.classroom.forker_stuck()
            raise ForkerError(f"no session within {SPAWN_TIMEOUT_SECONDS:.0f} s") from None
        finally:
            notice.cancel()

    def _say(self, line: str) -> None:
        if not self.process.channel.is_closing():
            self.process.stdout.write(f"{line}\r\n".encode())

    # -- bytes both ways

    def _on_output(self) -> None:
        assert self.master is not None  # the reader is removed before the PTY closes
        try:
            data = os.read(self.master, 65536)
        except BlockingIOError:
            return
        except OSError:  # EIO: no process has the PTY open any more
            asyncio.get_running_loop().remove_reader(self.master)
            self._on_child_gone()
            return
        if not data:
            return
        self._send(data)

    def _send(self, data: bytes) -> None:
        channel = self.process.channel
        if channel.is_closing():
            return  # the learner is gone: keep reading so the app can finish
        try:
            self.process.stdout.write(data)
        except (OSError, asyncssh.Error):
            return
        if not self._output_paused and channel.get_write_buffer_size() > WRITE_BUFFER_HIGH:
            # A slow link: stop reading the PTY until SSH catches up, so the
            # app (not this server) waits.
            self._output_paused = True
            assert self.master is not None  # only PTY output is sent
            asyncio.get_running_loop().remove_reader(self.master)
            self._tasks.append(asyncio.create_task(self._resume_output()))

    async def _resume_output(self) -> None:
        try:
            await self.process.stdout.drain()
        except (OSError, asyncssh.Error):
            pass
        self._output_paused = False
        if not self.gone.is_set() and self.master is not None:
            asyncio.get_running_loop().add_reader(self.master, self._on_output)

    def _drain_output(self) -> None:
        if self.master is None:
            return
        for _ in range(64):
            try:
                data = os.read(self.master, 65536)
            except OSError:
                return
            if not data:
                return
            self._send(data)

    async def _pump_input(self) -> None:
        while True:
            try:
                data = await self.process.stdin.read(65536)
            except asyncssh.TerminalSizeChanged as change:
                if self.master is not None:
                    capped = set_capped_window_size(self.master, change.height, change.width,
                                                    change.pixwidth, change.pixheight)
                    if capped and not self.capped:
                        self._signal(SIGNAL_WINDOW_CAPPED)  # the app tells the learner
                    self.capped = capped
                continue
            except (asyncssh.BreakReceived, asyncssh.SignalReceived):
                continue
            except (OSError, asyncssh.Error):
                data = b""
            if not data:
                self.end("disconnected")
                return
            self.last_input = time.monotonic()
            if not self.console:
                self.classroom.hub.key(self.sid)  # the instructor's console sees the learner is active
            await self._write_master(data)

    async def _write_master(self, data: bytes) -> None:
        view = memoryview(data)
        while view and self.master is not None and not self.gone.is_set():
            try:
                written = os.write(self.master, view)
            except BlockingIOError:
                await asyncio.sleep(0.01)  # the app is busy; its input buffer is full
                continue
            except OSError:
                return
            view = view[written:]

    async def _watch_idle(self) -> None:
        limit = self.classroom.idle_timeout
        while not self.gone.is_set():
            idle = time.monotonic() - self.last_input
            if idle >= limit:
                self.end("idle")
                return
            await asyncio.sleep(min(limit - idle + 0.05, 30.0))

    # -- ending

    def end(self, reason: str) -> None:
        """Ask the app to exit (it saves progress), and make sure it does."""
        if self.reason is not None or self.gone.is_set():
            return
        self.reason = reason
        self._signal(signal.SIGTERM)
        if self.reason == "disconnected":
            self.last_input = time.monotonic()
        self._kill_timer = asyncio.get_running_loop().call_later(
            GRACE_SECONDS, self._signal, signal.SIGKILL)

    def end_class(self) -> None:
        """The instructor ended the class: the app says so and exits by
        itself (saving progress); after END_NOTICE_SECONDS it is asked to."""
        if self.reason is None:
            self.ended_by_instructor = True
            asyncio.get_running_loop().call_later(END_NOTICE_SECONDS, self.end, "instructor_end")

    def _signal(self, sig: int) -> None:
        if self.gone.is_set() or self.pid is None:
            return
        try:
            if self.pidfd is not None:
                signal.pidfd_send_signal(self.pidfd, sig)
            else:
                os.kill(self.pid, sig)
        except ProcessLookupError:
            pass

    def _on_child_gone(self) -> None:
        if self.pidfd is not None:
            try:
                asyncio.get_running_loop().remove_reader(self.pidfd)
            except (ValueError, OSError):
                pass
            self._reap_orphan()
        self.gone.set()

    def _reap_orphan(self) -> None:
        """A session whose pre-fork process died is the server's child now
        (the server is their subreaper): its exit status is ours to collect."""
        if self.exit_known.is_set() or not hasattr(os, "P_PIDFD"):
            return
        assert self.pidfd is not None  # called only with a pidfd
        try:
            result = os.waitid(os.P_PIDFD, self.pidfd, os.WEXITED | os.WNOHANG)
        except (ChildProcessError, OSError):
            return  # still the forker's child: its report follows
        if result is None:
            return
        code = result.si_status if result.si_code == os.CLD_EXITED else -result.si_status
        self.child_exited(code)

    def child_exited(self, code: int, cpu: float | None = None) -> None:
        self.exit_code = code
        self.cpu_seconds = cpu
        self.exit_known.set()

    def _cpu_spent(self) -> bool:
        """Ended by the CPU cap: the app's own exit, or the kernel's SIGKILL
        when a render kept the app from exiting."""
        if self.exit_code == EXIT_CPU_SPENT:
            return True
        limit = self.classroom.session_cpu
        return (self.exit_code == -signal.SIGKILL and limit > 0 and self.cpu_seconds is not None
                and self.cpu_seconds >= limit)

    def _cleanup(self, loop: asyncio.AbstractEventLoop) -> None:
        if self._kill_timer is not None:
            self._kill_timer.cancel()
        for task in self._tasks:
            task.cancel()
        if self.master is not None:
            loop.remove_reader(self.master)
            os.close(self.master)
            self.master = None
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None
        if self.sid:
            self.classroom.hub.close(self.sid)

    def _finish(self) -> None:
        """Tell the learner why the session ended, and close their channel."""
        lang, learner, console = self.lang, self.learner, self.classroom.lang
        failed = False
        if self.reason == "class_over":
            message, why = say("class_over", lang, learner=learner), say("why_class_over", console)
        elif self.reason == "instructor_end" or (self.ended_by_instructor and self.exit_code in (0, None)):
            message, why = say("class_ended", lang, learner=learner), say("why_class_ended", console)
        elif self.reason == "idle":
            message = say("idle", lang, idle=_duration(self.classroom.idle_timeout))
            why = say("why_idle", console)
        elif self.reason == "disconnected":
            message, why = None, say("why_disconnected", console)
        elif self._cpu_spent():
            message = say("cpu_spent", lang, seconds=self.classroom.session_cpu)
            why = say("why_cpu", console)
        elif self.exit_code in (0, None):
            message, why = say("goodbye", lang, learner=learner), say("why_quit", console)
        else:
            failed = True
            code = self.exit_code
            how = say("why_signal", lang, n=-code) if code < 0 else say("why_exit", lang, n=code)
            message = say("crashed", lang, reason=how)
            why = say("why_signal", console, n=-code) if code < 0 else say("why_exit", console, n=code)
        if message and not self.process.channel.is_closing():
            # The app has left the alternate screen: this line stays visible.
            self.process.stdout.write(f"\r\n{message}\r\n".encode())
        if not self.process.channel.is_closing():
            self.process.exit(1 if failed else 0)
        self.classroom.session_ended(self, why)


# ---------------------------------------------------------------- the SSH side


class ClassroomSSHServer(asyncssh.SSHServer):
    """Per connection: whether it may wait at the door (see gate.py), who may
    log in, and what they may ask for (nothing but a session; asyncssh's
    defaults already refuse forwarding)."""

    def __init__(self, classroom: Classroom):
        self.classroom = classroom
        self.conn: asyncssh.SSHServerConnection | None = None
        self.address: str | None = None
        self.waiting = False          # counted by the gate: no session yet
        self.sessions = 0
        self._deadline: asyncio.TimerHandle | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self.conn = conn
        peer = conn.get_extra_info("peername") or ("?",)
        self.address = str(peer[0])
        if self.classroom.stopping.is_set() or not self.classroom.admit(self.address):
            asyncio.get_running_loop().call_soon(conn.abort)
            return
        self.waiting = True
        self._deadline = asyncio.get_running_loop().call_later(WAIT_SECONDS, self._no_session)

    def _no_session(self) -> None:
        """Logged in or not, no session within WAIT_SECONDS: the connection goes."""
        if self.waiting and self.conn is not None:
            self.conn.abort()  # quietly: an idle connection is not news

    def session_started(self) -> bool:
        """A session channel opened on this connection; False past the limit."""
        self.sessions += 1
        if self.waiting:
            self.waiting = False
            assert self.address is not None  # set with `waiting`, in connection_made
            self.classroom.gate.leave_waiting(self.address)
            if self._deadline is not None:
                self._deadline.cancel()
        return self.sessions <= SESSIONS_PER_CONNECTION

    def connection_lost(self, exc: Exception | None) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
        if self.waiting:
            self.waiting = False
            assert self.address is not None  # set with `waiting`, in connection_made
            self.classroom.gate.leave_waiting(self.address)

    def begin_auth(self, username: str) -> bool:
        # --open: no authentication at all, unless instructors' keys are to be
        # told apart (then a learner passes with no prompt: see kbdint below)
        return self.classroom.keys is not None or bool(self.classroom.instructor_keys)

    def public_key_auth_supported(self) -> bool:
        return True

    def kbdint_auth_supported(self) -> bool:
        """--open with instructors' keys: a learner's key is not asked for,
        so after the client's keys (refused unless an instructor's), the
        keyboard-interactive step lets them in without a single prompt."""
        return self.classroom.keys is None

    def get_kbdint_challenge(self, username: str, lang: str, submethods: str) -> bool:
        return self.classroom.keys is None

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        # An instructor's key opens the console; a key only in the learners'
        # file never does (the instructors' file is the only one read here).
        for allowed in self.classroom.instructor_keys or ():
            if allowed.key.public_data == key.public_data:
                if not allowed.allows(self.address):
                    self.classroom.note_wrong_source(allowed, self.address)
                    continue
                assert self.conn is not None  # connection_made comes first
                self.conn.set_extra_info(tutor_learner=allowed.name, tutor_instructor=allowed.name)
                return True
        for allowed in self.classroom.keys or ():
            if allowed.key.public_data == key.public_data:
                if not allowed.allows(self.address):
                    self.classroom.note_wrong_source(allowed, self.address)
                    continue
                assert self.conn is not None  # connection_made comes first
                self.conn.set_extra_info(tutor_learner=allowed.name)
                return True
        return False

    def connection_requested(self, *args, **kwargs):
        return False

    def server_requested(self, *args, **kwargs):
        return False

    def unix_connection_requested(self, *args, **kwargs):
        return False

    def unix_server_requested(self, *args, **kwargs):
        return False


class Classroom:
    def __init__(self, *, forker: ForkerHandle, host_key, host: str, port: int, lang: str,
                 keys: list[AuthorizedKey] | None, keys_path: str | None, max_sessions: int,
                 idle_timeout: float, fingerprint: str, host_key_path: Path, session_cpu: int = 0,
                 lang_fixed: bool = True, fd_limit: int = 1024,
                 instructor_keys: list[AuthorizedKey] | None = None, instructor_keys_path: str | None = None):
        """`lang` is the console's language, and every learner's when
        `lang_fixed` (the teacher said --lang); otherwise each learner gets
        their own locale's, when their ssh client sends one (see learner_lang)."""
        self.forker = forker
        self.host_key = host_key
        self.host, self.port = host, port
        self.lang = lang
        self.lang_fixed = lang_fixed
        self.keys = keys
        self.keys_path = keys_path
        self.instructor_keys = instructor_keys
        self.instructor_keys_path = instructor_keys_path
        self.hub = ClassHub(log, self._instructor_ended_class)
        self.max_sessions = max_sessions
        self.idle_timeout = idle_timeout
        self.session_cpu = session_cpu
        self.fingerprint = fingerprint
        self.host_key_path = host_key_path
        self.gate = Gate(*waiting_caps(fd_limit, max_sessions))
        self.sessions: set[Session] = set()
        self.by_pid: dict[int, Session] = {}
        self.early_exits: dict[int, tuple[int, float | None]] = {}
        # Made again by serve(): an Event binds to the loop that first waits on it.
        self.stopping = asyncio.Event()
        self.forker_ready = asyncio.Event()
        self.exit_status = 0
        self._keys_stamp = None
        self._instructor_stamp = None
        self._burst_timer: asyncio.TimerHandle | None = None
        self._tasks: list[asyncio.Task] = []

    async def serve(self) -> int:
        loop = asyncio.get_running_loop()
        self.stopping = asyncio.Event()
        self.forker_ready = asyncio.Event()
        self.forker_ready.set()
        loop.set_exception_handler(self._loop_exception)
        self._adopt(self.forker, loop)
        try:
            acceptor = await asyncssh.create_server(
                lambda: ClassroomSSHServer(self), self.host, self.port,
                server_host_keys=[self.host_key], process_factory=self.handle,
                encoding=None, line_editor=False, allow_scp=False, sftp_factory=None,
                agent_forwarding=False, x11_forwarding=False, allow_pty=True,
                login_timeout=WAIT_SECONDS, keepalive_interval=30, keepalive_count_max=4)
        except OSError as exc:
            print(say("err_listen", self.lang, host=self.host, port=self.port, why=exc.strerror or exc),
                  file=sys.stderr)
            return 2
        self.port = acceptor.get_port()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.stopping.set)
        loop.add_signal_handler(signal.SIGCHLD, self._reap_strays)
        hangup = self._hangup_meaning()
        if hangup == "end":
            loop.add_signal_handler(signal.SIGHUP, self.stopping.set)
        elif self.keys_path or self.instructor_keys_path:
            loop.add_signal_handler(signal.SIGHUP, self.reload_all_keys)
        else:  # --open, detached: nothing to reload, and nothing to end
            loop.add_signal_handler(signal.SIGHUP, lambda: None)
            hangup = "ignore"
        if self.keys_path:
            self._keys_stamp = _file_stamp(self.keys_path)
            self._tasks.append(asyncio.create_task(self._watch_keys()))
        if self.instructor_keys_path:
            self._instructor_stamp = _file_stamp(self.instructor_keys_path)
            self._tasks.append(asyncio.create_task(self._watch_instructor_keys()))
        who = (say("console_who_open", self.lang) if self.keys is None else
               say("console_who_keys", self.lang, count=len(self.keys), path=self.keys_path))
        log_plain(say("console_fingerprint", self.lang, path=self.host_key_path, fingerprint=self.fingerprint))
        log_plain(say("console_ready", self.lang, host=self.host, port=self.port,
                      seats=self.max_sessions, who=who))
        log_plain(say("console_hint", self.lang, port=self.port,
                      host=self.host if self.host not in ("0.0.0.0", "::", "") else "HOST"))
        if self.instructor_keys:
            log_plain(say("console_instructors", self.lang, count=len(self.instructor_keys),
                          path=self.instructor_keys_path, port=self.port,
                          host=self.host if self.host not in ("0.0.0.0", "::", "") else "HOST"))
            if not console_available():
                log_plain(say("console_no_console_app", self.lang))
        log_plain(say(f"console_hangup_{hangup}", self.lang))
        if self.forker.warm:
            log_plain(say("console_warm", self.lang, **self.forker.warm))
        if self.forker.merging in ("on", "off"):
            log_plain(say(f"console_merging_{self.forker.merging}", self.lang))

        await self.stopping.wait()
        acceptor.close()
        for task in self._tasks:
            task.cancel()
        if self.sessions:
            log(say("console_closing", self.lang, count=len(self.sessions)))
        waiters = [asyncio.create_task(s.gone.wait()) for s in self.sessions]
        for session in list(self.sessions):
            session.end("class_over")
        if waiters:
            await asyncio.wait(waiters, timeout=GRACE_SECONDS + 3)
        # Let each session write its goodbye and close its channel.
        for _ in range(50):
            if not self.sessions:
                break
            await asyncio.sleep(0.05)
        await acceptor.wait_closed()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.remove_signal_handler(sig)
        self._report_burst()
        log(say("console_closed", self.lang))
        return self.exit_status

    # -- the door

    def admit(self, address: str) -> bool:
        why = self.gate.admit(address)
        if why is None:
            return True
        if self._burst_timer is None:
            self._burst_timer = asyncio.get_running_loop().call_later(BURST_SECONDS, self._report_burst)
        return False

    def _report_burst(self) -> None:
        """One console line for every refusal of a burst, never one per connection."""
        self._burst_timer = None
        report = self.gate.burst_report()
        if report is None:
            return
        count, top = report
        where = ", ".join(f"{address} ({n})" for address, n in top)
        log(say("console_refused_burst", self.lang, count=count, where=where,
                waiting=self.gate.waiting_total, total=self.gate.max_waiting,
                per_address=self.gate.max_per_address))

    def note_wrong_source(self, key: AuthorizedKey, address: str | None) -> None:
        log(say("console_wrong_source", self.lang, name=key.name, line=key.line, address=address))

    def _reap_strays(self) -> None:
        """Processes orphaned below the server (a session's step process
        that outlived its session by a moment) become the server's children,
        since it is their subreaper: collect them, so none stays a zombie.
        Sessions and the pre-fork process are left to the code that reads
        their exit status."""
        known = set(self.by_pid)
        if self.forker.process is not None:
            known.add(self.forker.process.pid)
        for pid in _zombie_children():
            if pid not in known:
                try:
                    os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    pass

    def _loop_exception(self, loop, context: dict) -> None:
        """asyncio's accept loop reports "Too many open files" with a traceback
        on every attempt; one line a burst says it."""
        exc = context.get("exception")
        if isinstance(exc, OSError) and exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
            now = time.monotonic()
            if now - getattr(self, "_last_fd_warning", 0.0) > BURST_SECONDS:
                self._last_fd_warning = now
                log(say("console_no_fds", self.lang, why=exc.strerror or exc))
            return
        message = context.get("message", "")
        log(f"{message}: {type(exc).__name__}: {exc}" if exc else message)

    # -- SIGHUP and the keys file

    @staticmethod
    def _hangup_meaning() -> str:
        """"end" when the server has a terminal (closing it is the teacher
        leaving: learners are told, progress saved), "reload" (the keys
        file) when it is detached or started under nohup."""
        if signal.getsignal(signal.SIGHUP) == signal.SIG_IGN:
            return "reload"
        try:
            os.close(os.open("/dev/tty", os.O_RDONLY | os.O_NOCTTY))
        except OSError:
            return "reload"
        return "end"

    async def _watch_keys(self) -> None:
        while True:
            await asyncio.sleep(KEYS_POLL_SECONDS)
            stamp = _file_stamp(self.keys_path)
            if stamp != self._keys_stamp:
                self.reload_keys()

    async def _watch_instructor_keys(self) -> None:
        while True:
            await asyncio.sleep(KEYS_POLL_SECONDS)
            if _file_stamp(self.instructor_keys_path) != self._instructor_stamp:
                self.reload_instructor_keys()

    def reload_all_keys(self) -> None:
        """SIGHUP (detached): both keys files again."""
        if self.keys_path:
            self.reload_keys(True)
        if self.instructor_keys_path:
            self.reload_instructor_keys()

    def reload_instructor_keys(self) -> None:
        """As reload_keys, for the instructors' file."""
        self._instructor_stamp = _file_stamp(self.instructor_keys_path)
        assert self.instructor_keys_path is not None
        try:
            keys = read_authorized_keys(Path(self.instructor_keys_path))
        except KeyFileError as exc:
            log(say("console_keys_kept", self.lang, why=exc))
            return
        self.instructor_keys = keys
        log(say("console_keys_reloaded", self.lang, count=len(keys), path=self.instructor_keys_path))

    def reload_keys(self, asked: bool = False) -> None:
        """Read the keys file again; a file that cannot be used keeps the
        keys in force, and the console says why."""
        self._keys_stamp = _file_stamp(self.keys_path)
        assert self.keys_path is not None  # only a server with a keys file reloads it
        try:
            keys = read_authorized_keys(Path(self.keys_path))
        except KeyFileError as exc:
            log(say("console_keys_kept", self.lang, why=exc))
            return
        self.keys = keys
        log(say("console_keys_reloaded", self.lang, count=len(keys), path=self.keys_path))

    # -- the pre-fork process

    def _adopt(self, forker: ForkerHandle, loop) -> None:
        self.forker = forker
        forker.on_exit = self._child_exited
        forker.on_lost = self._forker_lost
        forker.attach(loop)

    async def spawn(self, request: dict, slave: int, channel: int | None = None) -> tuple[int, int | None]:
        await self.forker_ready.wait()
        return await self.forker.spawn(request, slave, channel)

    def forker_stuck(self) -> None:
        """A spawn went unanswered for SPAWN_TIMEOUT_SECONDS: a frozen
        pre-fork process is killed, and replaced like a dead one."""
        waited = self.forker.waiting_since()
        if (self.forker_ready.is_set() and waited is not None and waited >= SPAWN_TIMEOUT_SECONDS
                and self.forker.process is not None and self.forker.process.poll() is None):
            log(say("console_forker_stuck", self.lang, seconds=round(waited)))
            self.forker.process.kill()

    def _forker_lost(self) -> None:
        if self.stopping.is_set():
            return
        old = self.forker
        code = old.process.poll() if old.process is not None else None
        log(say("console_forker_lost", self.lang, code="?" if code is None else code,
                count=len(self.sessions)))
        self.forker_ready.clear()
        self._tasks.append(asyncio.create_task(self._restart_forker(old)))

    async def _restart_forker(self, old: ForkerHandle) -> None:
        """A new pre-fork process; running sessions never noticed the old one go."""
        loop = asyncio.get_running_loop()
        await asyncio.to_thread(old.close, 5)
        delay = 1.0
        while not self.stopping.is_set():
            new = ForkerHandle(old.config)
            try:
                new.launch()   # here, in the loop's thread: see ForkerHandle
                await asyncio.to_thread(new.wait_ready)
            except ForkerError as exc:
                log(say("console_forker_failed", self.lang, why=exc, seconds=round(delay)))
                await asyncio.to_thread(new.close, 5)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 60.0)
                continue
            if self.stopping.is_set():
                await asyncio.to_thread(new.close, 5)
                return
            self._adopt(new, loop)
            self.forker_ready.set()
            log(say("console_forker_new", self.lang, pid=new.pid))
            return

    async def handle(self, process: asyncssh.SSHServerProcess) -> None:
        try:
            await self._handle(process)
        except Exception:  # a bug must not pass silently, nor reach other sessions
            import traceback

            log("session error:\n" + traceback.format_exc())
            if not process.channel.is_closing():
                process.exit(1)

    def learner_lang(self, env) -> str:
        """The learner's language: the teacher's --lang if given, else the
        locale the learner's ssh client sent (OpenSSH sends LANG and LC_*
        with the usual `SendEnv LANG LC_*`), else the server's."""
        if self.lang_fixed:
            return self.lang
        try:
            sent = {var: str(env.get(var) or "") for var in ("LC_ALL", "LC_MESSAGES", "LANG")}
        except Exception:  # an environment that is not text: no locale sent
            return self.lang
        return detect_lang(sent) if any(sent.values()) else self.lang

    async def _handle(self, process: asyncssh.SSHServerProcess) -> None:
        username = process.get_extra_info("username") or ""
        raw_name = process.get_extra_info("tutor_learner") or username
        lang = self.learner_lang(process.env)
        sockname = process.get_extra_info("sockname") or (self.host, self.port)
        hint = {"host": sockname[0], "port": sockname[1], "user": username or "NAME"}
        door = process.channel.get_connection().get_owner()
        if isinstance(door, ClassroomSSHServer) and not door.session_started():
            self.refuse(process, lang, "one_per_connection", why=say("why_many_sessions", self.lang))
            return
        # `ssh -t HOST tutor` asks for the tutor by name: how an instructor,
        # whose key otherwise opens the console, gets the tutor itself
        asked_tutor = process.command is not None and process.command.strip() == "tutor"
        if process.subsystem is not None or (process.command is not None and not asked_tutor):
            self.refuse(process, lang, "no_command", why=say("why_command", self.lang), **hint)
            return
        if process.get_terminal_type() is None:
            self.refuse(process, lang, "no_pty", why=say("why_no_pty", self.lang), **hint)
            return
        learner = sanitize_learner(raw_name)
        if learner is None:
            self.refuse(process, lang, "bad_name", why=say("why_bad_name", self.lang), **hint)
            return
        console = bool(process.get_extra_info("tutor_instructor")) and not asked_tutor
        if console:  # an instructor's console takes no learner's seat; a few at most
            if sum(s.console for s in self.sessions) >= MAX_CONSOLES or self.stopping.is_set():
                self.refuse(process, lang, "consoles_full", why=say("why_consoles_full", self.lang, n=MAX_CONSOLES))
                return
        elif self.learner_count() >= self.max_sessions or self.stopping.is_set():
            self.refuse(process, lang, "full", why=say("why_full", self.lang, seats=self.max_sessions))
            return
        session = Session(classroom=self, process=process, learner=learner, lang=lang, console=console)
        self.sessions.add(session)  # the seat is taken before any await
        try:
            await session.run()
        finally:
            self.sessions.discard(session)
            if session.pid is not None:
                self.by_pid.pop(session.pid, None)

    def refuse(self, process, lang: str, key: str, *, why: str, **fields) -> None:
        user = sanitize_learner(process.get_extra_info("tutor_learner")
                                or process.get_extra_info("username")) or "?"
        log(say("console_refused", self.lang, user=user, why=why))
        newline = "\r\n" if process.get_terminal_type() else "\n"
        stream = process.stdout if process.get_terminal_type() else process.stderr
        stream.write((say(key, lang, **fields) + newline).encode("utf-8"))
        process.exit(1)

    def learner_count(self) -> int:
        """Seats taken (an instructor's console takes none)."""
        return sum(not s.console for s in self.sessions)

    def session_ended(self, session: Session, why: str) -> None:
        self.sessions.discard(session)
        if session.console:
            log(say("console_instructor_left", self.lang, name=session.learner, why=why))
            return
        log(say("console_left", self.lang, learner=session.learner, why=why,
                active=self.learner_count(), seats=self.max_sessions))

    def _instructor_ended_class(self, instructor: str) -> None:
        """`end` from a console: every learner is told, progress saved, sessions end."""
        log(say("console_class_ended", self.lang, name=instructor, count=self.learner_count()))
        for session in list(self.sessions):
            if not session.console:
                session.end_class()

    def _child_exited(self, pid: int, code: int, cpu: float | None = None) -> None:
        session = self.by_pid.get(pid)
        if session is not None:
            session.child_exited(code, cpu)
        else:
            self.early_exits[pid] = (code, cpu)


def log_plain(text: str) -> None:
    """Console lines without a time stamp (the start-up banner)."""
    try:
        print(text, flush=True)
    except (OSError, ValueError):
        pass


def _file_stamp(path: str | None):
    if path is None:
        return None
    try:
        info = os.stat(path)
    except (OSError, TypeError):
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)


def _zombie_children() -> list[int]:
    """This process's children that have ended and wait to be collected."""
    pids: list[int] = []
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return pids
    for task in tasks:
        try:
            children = Path(f"/proc/self/task/{task}/children").read_text().split()
        except OSError:
            continue
        for child in children:
            try:
                stat = Path(f"/proc/{child}/stat").read_bytes()
            except OSError:
                continue
            if stat.rsplit(b")", 1)[-1].split()[:1] == [b"Z"]:
                pids.append(int(child))
    return pids


def become_subreaper() -> None:
    """Orphaned sessions (their pre-fork process died) become the server's
    children, so the server learns how they end."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def console_available() -> bool:
    """Whether this installation has the instructor's console app (found,
    not imported: the server never imports Textual)."""
    import importlib.util

    if os.environ.get("TUTOR_CONSOLE_APP"):
        return True
    try:
        return importlib.util.find_spec("tutor.ui.console.app") is not None
    except (ImportError, ValueError):
        return False
