"""A session process's end of the class channel (the server's is class_hub.py).

`SessionChannel` is what a learner's tutor gets (the core interface
`tutor.class_events.ClassChannel`): it reports the learner's events and
hands the instructor's commands to the app. `ConsoleLink` is what an
instructor's console gets (the link of CLASS_PROTOCOL: `events()`, `send()`,
`instructor`): the class's events in, commands out.

Both are one SOCK_SEQPACKET socket inherited from the server; every packet
one JSON message, checked on arrival (tutor.class_events). Neither blocks
the app: a report the socket cannot take at once is dropped (the server
reads far faster than a learner acts), a command waits for the socket.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from tutor.class_events import MAX_WIRE_BYTES, BadMessage, check_command, check_event, decode, encode


def _socket(fd: int) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET, fileno=fd)
    sock.setblocking(False)
    return sock


def _packets(sock: socket.socket):
    """The packets waiting on `sock`; None at the end (the server is gone)."""
    while True:
        try:
            data = sock.recv(MAX_WIRE_BYTES + 1)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            yield None
            return
        yield data


class SessionChannel:
    """A learner's session: `report` events, `listen` for commands."""

    def __init__(self, fd: int, log: Callable[[str], None] = lambda line: None):
        self.sock = _socket(fd)
        self.log = log
        self.dropped = 0
        self._handler: Callable[[dict], None] | None = None
        self._listening = False

    def report(self, event: dict) -> None:
        try:
            self.sock.send(encode(event))
        except (BlockingIOError, InterruptedError):
            self.dropped += 1
        except (OSError, BadMessage, TypeError, ValueError):
            self.dropped += 1

    def listen(self, handler: Callable[[dict], None]) -> None:
        self._handler = handler
        if not self._listening and self.sock.fileno() >= 0:
            self._listening = True
            asyncio.get_running_loop().add_reader(self.sock.fileno(), self._readable)

    def _readable(self) -> None:
        for data in _packets(self.sock):
            if data is None:
                self._stop_listening()
                return
            try:
                command = check_command(decode(data))
            except BadMessage as exc:
                self.log(f"class channel: dropped a command: {exc}\n")
                continue
            if self._handler is not None:
                self._handler(command)

    def _stop_listening(self) -> None:
        if self._listening:
            self._listening = False
            try:
                asyncio.get_running_loop().remove_reader(self.sock.fileno())
            except (RuntimeError, ValueError, OSError):
                pass

    def close(self) -> None:
        self._stop_listening()
        self.sock.close()


class ConsoleLink:
    """An instructor's console: the class's events, and commands to it."""

    def __init__(self, fd: int, instructor: str, data_dir: str | os.PathLike | None = None):
        self.sock = _socket(fd)
        self.instructor = instructor
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self.store_path = None
        if self.data_dir is not None:
            from tutor.progress import default_store_path

            self.store_path = default_store_path(self.data_dir)

    async def events(self) -> AsyncIterator[dict]:
        """The snapshot of the class, then live events, until the server ends."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[dict | None] = asyncio.Queue()

        def readable() -> None:
            for data in _packets(self.sock):
                if data is None:
                    loop.remove_reader(self.sock.fileno())
                    queue.put_nowait(None)
                    return
                try:
                    queue.put_nowait(check_event(decode(data), stamped=True))
                except BadMessage:
                    continue

        loop.add_reader(self.sock.fileno(), readable)
        try:
            while True:
                message = await queue.get()
                if message is None:
                    return
                yield message
        finally:
            try:
                loop.remove_reader(self.sock.fileno())
            except (ValueError, OSError):
                pass

    async def send(self, command: dict) -> None:
        """One command to every learner (the server adds the instructor's name)."""
        data = encode(check_command(dict(command, instructor=self.instructor)))
        await asyncio.get_running_loop().sock_sendall(self.sock, data)

    def close(self) -> None:
        self.sock.close()
