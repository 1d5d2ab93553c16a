"""The server's side of the class channel: events in, fanned out; commands back.

Each session process (a learner's tutor or an instructor's console) gets one
end of its own SOCK_SEQPACKET socket pair, made here when the session
starts and handed to it with its PTY (see forker.py and child.py); the
server keeps the other end. One packet is one JSON message
(tutor.class_events), so no framing is needed and a session can never send
half a message.

The hub is the only place where messages cross between sessions, and it
decides what crosses:
- a learner's session sends events about itself. The hub checks each one
  (type, fields, sizes), stamps it with the learner's name and session id
  as the server knows them (never as the session says), and passes it to
  the consoles only. Nothing a learner sends reaches another learner;
- a console sends commands. The hub checks each one, stamps it with the
  instructor's name from the key the console logged in with, and passes it
  to every learner's session;
- the hub keeps what only the server knows (who is connected, their latest
  step and key) and sends it to a console that connects, before the live
  events (docs/classroom.md);
- a bad message is dropped with one log line (at most one a second per
  session, with a count), never a traceback. A session that floods is cut
  to RATE messages a second. A console slow to read never blocks the
  server: its messages wait in a bounded queue, and past the bound the
  queue is replaced by a fresh snapshot of the class.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from tutor.class_events import (
    KEY_INTERVAL,
    MAX_WIRE_BYTES,
    BadMessage,
    check_command,
    check_event,
    decode,
    encode,
)

CONSOLE_QUEUE = 4096      # messages waiting for a slow console before it gets a fresh snapshot
LEARNER_QUEUE = 64        # commands waiting for a session that does not read them
READ_BATCH = 64           # packets read per wake-up, so one session cannot hog the loop
RATE = 50.0               # messages a second a session may send (burst: 2 s worth)
LOG_EVERY = 1.0           # seconds between log lines about one session's bad messages
CLOCK_SKEW = 60.0         # a session's time stamp further off than this is replaced by ours
SOCKET_BUFFER = 256 * 1024


@dataclass(eq=False)
class Endpoint:
    """The server's end of one session's channel."""

    hub: ClassHub
    sock: socket.socket
    sid: str
    name: str               # the learner, or the instructor
    console: bool
    queue: deque = field(default_factory=deque)
    writing: bool = False
    closed: bool = False
    tokens: float = 2 * RATE
    refilled: float = field(default_factory=time.monotonic)
    dropped: int = 0        # bad or excess messages not yet logged
    logged: float = 0.0
    lost_commands: int = 0

    def start(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.add_reader(self.sock.fileno(), self._readable)

    # -- in

    def _readable(self) -> None:
        for _ in range(READ_BATCH):
            try:
                data, _anc, flags, _addr = self.sock.recvmsg(MAX_WIRE_BYTES + 1)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                data, flags = b"", 0
            if not data and not flags:
                self.hub.lost(self)  # the session's end closed: it is ending
                return
            if not self._allowed():
                continue
            if flags & socket.MSG_TRUNC or len(data) > MAX_WIRE_BYTES:
                self.bad(f"more than {MAX_WIRE_BYTES} bytes")
                continue
            try:
                message = decode(data)
            except BadMessage as exc:
                self.bad(str(exc))
                continue
            self.hub.received(self, message)

    def _allowed(self) -> bool:
        """A token bucket: RATE messages a second, bursts of 2 s."""
        now = time.monotonic()
        self.tokens = min(2 * RATE, self.tokens + (now - self.refilled) * RATE)
        self.refilled = now
        if self.tokens < 1:
            self.bad(f"more than {RATE:.0f} messages a second")
            return False
        self.tokens -= 1
        return True

    def bad(self, why: str) -> None:
        """One log line a second at most, however many bad messages come."""
        now = time.monotonic()
        if now - self.logged < LOG_EVERY:
            self.dropped += 1
            return
        more = f" (and {self.dropped} more since the last report)" if self.dropped else ""
        self.dropped = 0
        self.logged = now
        self.hub.log(f"class channel: dropped a message from {self.name} ({self.sid}): {why}{more}")

    # -- out

    def send(self, data: bytes) -> bool:
        """Queue one packet; False when the queue is full (nothing queued)."""
        if self.closed:
            return True
        limit = CONSOLE_QUEUE if self.console else LEARNER_QUEUE
        if len(self.queue) >= limit:
            return False
        self.queue.append(data)
        if not self.writing:
            self._flush()
        return True

    def _flush(self) -> None:
        while self.queue:
            try:
                self.sock.send(self.queue[0])
            except (BlockingIOError, InterruptedError):
                if not self.writing:
                    self.writing = True
                    asyncio.get_running_loop().add_writer(self.sock.fileno(), self._flush)
                return
            except OSError:
                self.queue.clear()
                break
            self.queue.popleft()
        if self.writing:
            self.writing = False
            asyncio.get_running_loop().remove_writer(self.sock.fileno())

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self.queue.clear()
        try:
            loop = asyncio.get_running_loop()
            loop.remove_reader(self.sock.fileno())
            if self.writing:
                loop.remove_writer(self.sock.fileno())
        except (RuntimeError, ValueError, OSError):
            pass
        self.sock.close()


@dataclass
class LiveLearner:
    """What only the server knows about a connected learner."""

    endpoint: Endpoint
    join: dict | None = None
    step: dict | None = None
    key: dict | None = None
    last_key: float = 0.0   # monotonic time of the last `key` event sent


@dataclass
class ConsoleState:
    endpoint: Endpoint
    known: dict = field(default_factory=dict)   # session -> learner it was told joined and not yet left


class ClassHub:
    """Every session's channel, the live state of the class, and what crosses."""

    def __init__(self, log: Callable[[str], None], on_end: Callable[[str], None] = lambda who: None):
        self.log = log
        self.on_end = on_end          # the instructor ended the class (their name)
        self.learners: dict[str, LiveLearner] = {}
        self.consoles: dict[str, ConsoleState] = {}
        self.follow: dict | None = None   # the `follow` in force, for learners who join
        self._count = 0

    def new_session_id(self) -> str:
        self._count += 1
        return f"s{self._count}-{int(time.time())}"

    def open(self, sid: str, name: str, *, console: bool) -> socket.socket:
        """A channel for a session that is starting; returns the session's end
        (the caller hands it to the session process and closes it)."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        for sock in (ours, theirs):
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SOCKET_BUFFER)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, SOCKET_BUFFER)
            except OSError:
                pass
        ours.setblocking(False)
        endpoint = Endpoint(self, ours, sid, name, console)
        endpoint.start(asyncio.get_running_loop())
        if console:
            state = ConsoleState(endpoint)
            self.consoles[sid] = state
            self._snapshot(state)
        else:
            self.learners[sid] = LiveLearner(endpoint)
            if self.follow is not None:  # a follow in force: this learner follows too
                endpoint.send(encode(self.follow))
        return theirs

    def close(self, sid: str) -> None:
        """The session ended (any cause): a learner's consoles hear `leave`."""
        console = self.consoles.pop(sid, None)
        if console is not None:
            console.endpoint.close()
            return
        learner = self.learners.pop(sid, None)
        if learner is None:
            return
        learner.endpoint.close()
        if learner.join is not None:
            self._to_consoles(self._stamp(learner.endpoint, {"event": "leave", "t": time.time()}))

    def lost(self, endpoint: Endpoint) -> None:
        """The session closed its end: stop listening; `close` follows when the process ends."""
        try:
            asyncio.get_running_loop().remove_reader(endpoint.sock.fileno())
        except (ValueError, OSError):
            pass

    # -- from the sessions

    def received(self, endpoint: Endpoint, message: object) -> None:
        try:
            if endpoint.console:
                self._command(endpoint, check_command(message))
            else:
                self._event(endpoint, check_event(message))
        except BadMessage as exc:
            endpoint.bad(str(exc))

    def _event(self, endpoint: Endpoint, message: dict) -> None:
        learner = self.learners.get(endpoint.sid)
        if learner is None:
            return
        name = message["event"]
        if name == "leave":
            raise BadMessage("a session does not send `leave`: the server does")
        if name == "key":
            self.key(endpoint.sid, message["t"])
            return
        stamped = self._stamp(endpoint, message)
        if name == "join":
            learner.join = stamped
        elif name == "step":
            learner.step = stamped
        self._to_consoles(stamped)

    def key(self, sid: str, when: float | None = None) -> None:
        """The learner pressed a key (the server sees every byte they type):
        consoles hear of it at most once a KEY_INTERVAL."""
        learner = self.learners.get(sid)
        if learner is None:
            return
        now = time.monotonic()
        if now - learner.last_key < KEY_INTERVAL:
            return
        learner.last_key = now
        learner.key = self._stamp(learner.endpoint, {"event": "key", "t": when or time.time()})
        if learner.join is not None:
            self._to_consoles(learner.key)

    def _command(self, endpoint: Endpoint, message: dict) -> None:
        command = dict(message, instructor=endpoint.name)  # who sent it is ours to say
        name = command["command"]
        if name == "follow":
            self.follow = command
        elif name in ("free", "end"):
            self.follow = None
        data = encode(command)
        lost = 0
        for learner in list(self.learners.values()):
            if not learner.endpoint.send(data):
                lost += 1
        if lost:
            self.log(f"class channel: {lost} session(s) missed {name!r} from {endpoint.name}: not reading")
        self.log(f"class: {endpoint.name} sent {name!r} to {len(self.learners)} learner(s)")
        if name == "end":
            self.on_end(endpoint.name)

    # -- to the consoles

    def _stamp(self, endpoint: Endpoint, message: dict) -> dict:
        now = time.time()
        t = message.get("t", now)
        if abs(t - now) > CLOCK_SKEW:
            t = now
        return {**message, "learner": endpoint.name, "session": endpoint.sid, "t": float(t)}

    def _to_consoles(self, message: dict) -> None:
        if not self.consoles:
            return
        data = encode(message)
        for state in list(self.consoles.values()):
            self._track(state, message)
            if not state.endpoint.send(data):
                self._resync(state)

    @staticmethod
    def _track(state: ConsoleState, message: dict) -> None:
        if message["event"] == "join":
            state.known[message["session"]] = message["learner"]
        elif message["event"] == "leave":
            state.known.pop(message["session"], None)

    def _snapshot(self, state: ConsoleState) -> None:
        """Each live learner's join, latest step and latest key."""
        for learner in list(self.learners.values()):
            for message in (learner.join, learner.step, learner.key):
                if message is not None and learner.join is not None:
                    self._track(state, message)
                    state.endpoint.send(encode(message))

    def _resync(self, state: ConsoleState) -> None:
        """A console that fell CONSOLE_QUEUE messages behind: what it has not
        read yet is replaced by `leave` for those gone since and a fresh
        snapshot (answers and hints it missed are in the progress store)."""
        endpoint = state.endpoint
        endpoint.queue.clear()
        self.log(f"class channel: console of {endpoint.name} fell behind; sending it a fresh snapshot")
        now = time.time()
        for sid in [sid for sid in state.known if sid not in self.learners]:
            name = state.known.pop(sid)
            endpoint.send(encode({"event": "leave", "learner": name, "session": sid, "t": now}))
        self._snapshot(state)
