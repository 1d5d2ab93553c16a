"""The few messages between the server and its pre-fork process.

One SOCK_SEQPACKET socket pair: each message is one JSON object, with file
descriptors riding along (SCM_RIGHTS) where a message needs them: a
session's PTY slave going to the forker, a pidfd for the new child coming
back. Sequenced packets keep message boundaries, so no framing is needed.
"""

from __future__ import annotations

import ctypes
import json
import signal
import socket

MAX_MESSAGE = 64 * 1024
PR_SET_PDEATHSIG = 1
PR_SET_NAME = 15


def send(sock: socket.socket, message: dict, fds: list[int] | tuple[int, ...] = ()) -> None:
    data = json.dumps(message).encode("utf-8")
    if fds:
        socket.send_fds(sock, [data], list(fds))
    else:
        sock.send(data)


def receive(sock: socket.socket, max_fds: int = 2) -> tuple[dict | None, list[int]]:
    """The next message and its descriptors; (None, []) when the peer is gone."""
    data, fds, _flags, _addr = socket.recv_fds(sock, MAX_MESSAGE, max_fds)
    if not data:
        for fd in fds:
            _close_quietly(fd)
        return None, []
    return json.loads(data.decode("utf-8")), fds


def die_with_parent(expected_parent: int, sig: int = signal.SIGTERM) -> None:
    """Ask the kernel to send `sig` when our parent exits (PR_SET_PDEATHSIG).

    If the parent is already gone (we were re-parented before asking), exit
    at once: nobody is left to serve.
    """
    import os

    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != expected_parent:
        os._exit(1)


def set_process_name(name: str) -> None:
    """The name `ps -o comm` and `top` show (15 bytes): the teacher sees
    whose session a process is."""
    raw = name.encode("utf-8")[:15].decode("utf-8", "ignore").encode("utf-8")
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(PR_SET_NAME, ctypes.c_char_p(raw), 0, 0, 0)


def _close_quietly(fd: int) -> None:
    import os

    try:
        os.close(fd)
    except OSError:
        pass
