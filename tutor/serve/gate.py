"""The door of the classroom: how many connections may wait, and for how long.

Every TCP connection costs the server a file descriptor and a little memory
before anyone has logged in; a connection that never opens a session
(`ssh -N`, a port scanner, a flood of idle sockets) would cost them forever.
So the server counts connections that have no session yet ("waiting"), in
all and per source address, refuses a new one beyond either cap at once,
and closes a waiting connection after `WAIT_SECONDS`. Connections with a
session are bounded by the seats. Refusals are logged as one line per
burst, never one per connection.

Pure bookkeeping: no asyncssh here, so it is tested without a network.
"""

from __future__ import annotations

import resource
import time
from collections import Counter
from dataclasses import dataclass, field

WAIT_SECONDS = 10.0       # log in and open a session within this, or the connection is closed
MAX_WAITING = 512         # waiting connections in all (fewer when descriptors are scarce)
MAX_WAITING_PER_ADDRESS = 64
FDS_PER_SESSION = 4       # the SSH socket, the PTY master, the pidfd, and one spare
FDS_RESERVED = 64         # listening sockets, logs, the forker's socket, the keys file...
WANTED_FDS = 65536
BURST_SECONDS = 5.0       # refusals within this are reported on one line


def raise_fd_limit(wanted: int = WANTED_FDS) -> int:
    """Raise the soft limit on open files towards the hard one (allowed
    without privileges); returns the soft limit now in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if target > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    return soft


def waiting_caps(fd_limit: int, seats: int) -> tuple[int, int]:
    """(in all, per address): what the descriptors left after every seat allow."""
    spare = (fd_limit - FDS_RESERVED - FDS_PER_SESSION * seats) // 2
    total = max(32, min(MAX_WAITING, spare))
    return total, min(MAX_WAITING_PER_ADDRESS, total)


@dataclass
class Gate:
    max_waiting: int
    max_per_address: int
    waiting: Counter = field(default_factory=Counter)   # address -> connections without a session
    refused: Counter = field(default_factory=Counter)   # address -> refused in this burst
    burst_started: float | None = None

    @property
    def waiting_total(self) -> int:
        return sum(self.waiting.values())

    def admit(self, address: str) -> str | None:
        """Count a new connection in, or say why not ("total" or "address")."""
        if self.waiting_total >= self.max_waiting:
            why = "total"
        elif self.waiting[address] >= self.max_per_address:
            why = "address"
        else:
            self.waiting[address] += 1
            return None
        if not self.refused:
            self.burst_started = time.monotonic()
        self.refused[address] += 1
        return why

    def leave_waiting(self, address: str) -> None:
        """The connection opened a session, or closed."""
        if self.waiting[address] > 0:
            self.waiting[address] -= 1
            if not self.waiting[address]:
                del self.waiting[address]

    def burst_report(self) -> tuple[int, list[tuple[str, int]]] | None:
        """(count, the busiest addresses) of the refusals since the last
        report, and start a new burst; None when there were none."""
        if not self.refused:
            return None
        count = sum(self.refused.values())
        top = self.refused.most_common(3)
        self.refused.clear()
        self.burst_started = None
        return count, top
