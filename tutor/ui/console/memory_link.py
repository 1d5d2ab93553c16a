"""A class link held in memory: what the console's tests and benchmark
connect it to, with the shape of the server's real link (`app.ClassLink`).

`push(event)` queues an event as the server would forward it; `close()`
ends the stream as a server that stops; every command the console sends is
kept in `sent`, in order.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from typing import Any

_END = object()


class MemoryLink:
    def __init__(self, instructor: str = "teacher", store_path: str | os.PathLike | None = None) -> None:
        self.instructor = instructor
        self.store_path = store_path
        self.sent: list[dict] = []
        self._queue: asyncio.Queue[Any] = asyncio.Queue()

    def push(self, event: dict) -> None:
        self._queue.put_nowait(event)

    def close(self) -> None:
        self._queue.put_nowait(_END)

    async def events(self) -> AsyncIterator[dict]:
        while True:
            item = await self._queue.get()
            if item is _END:
                return
            yield item

    async def send(self, command: dict) -> None:
        self.sent.append(dict(command))
