"""Progress writes off the UI thread, in the order they were made.

Every change to the progress store is its own committed transaction, in WAL
mode with synchronous=FULL (tutor/progress.py): an fsync. On a quiet disk
that is about a millisecond; on the shared development machine, measured
with `benchmarks/bench_app.py --probe`, it took 100-950 ms in one key of a
few, and the UI thread waited for it before it drew the step's frame (the
lesson screen saves the learner's position on every step).

So the app hands every write to one background thread (`submit`), which
runs them one after another in the order given. A read that must see them
(the menu's statuses, the stored place a lesson opens at, the question
records a lesson screen reads when it opens) calls `flush()` first.

Nothing a learner did is lost on the way out: the app flushes the queue
when it ends (before the store is closed). Only a process killed outright
(SIGKILL, a power cut) can lose the writes still queued, a few milliseconds'
worth.

Each burst of writes is watched by a worker of the app (as the other
background work, tutor/ui/threads.py), so tests that wait with
`app.workers.wait_for_complete()` find the writes done.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable

from textual.dom import DOMNode
from textual.worker import get_current_worker

from tutor.ui.threads import POLL


class StoreWrites:
    """One daemon thread running store calls in order.

    `on_error(exc)` is called from that thread when a write fails (the app
    posts a message and tells the learner); a failed write never stops the
    ones after it."""

    def __init__(self, node: DOMNode, on_error: Callable[[Exception], object]) -> None:
        self._node = node
        self._on_error = on_error
        self._queue: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._drained = threading.Condition(self._lock)
        self._pending = 0
        self._thread: threading.Thread | None = None
        self._watched = False

    @property
    def pending(self) -> int:
        """Calls submitted and not finished yet."""
        with self._lock:
            return self._pending

    def submit(self, call: Callable[[], object]) -> None:
        """Run `call` after every call submitted before it; its result is dropped."""

        def write() -> None:
            try:
                call()
            except Exception as exc:  # told to the learner; the next writes still run
                self._on_error(exc)

        self._put(write)

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every call submitted so far has run. False if
        `timeout` seconds passed first."""
        with self._drained:
            return self._drained.wait_for(lambda: self._pending == 0, timeout)

    # ------------------------------------------------------------ internals

    def _put(self, item: Callable[[], None]) -> None:
        with self._lock:
            self._pending += 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="tutor-store", daemon=True)
                self._thread.start()
            watch = not self._watched and threading.current_thread() is threading.main_thread()
            if watch:
                self._watched = True
        self._queue.put(item)
        if watch:
            try:
                self._node.run_worker(self._watch, thread=True, group="store", exit_on_error=False)
            except Exception:  # no app running (a screen already gone): nothing to watch with
                with self._lock:
                    self._watched = False

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                item()
            finally:
                with self._drained:
                    self._pending -= 1
                    if self._pending == 0:
                        self._drained.notify_all()

    def _watch(self) -> None:
        """A worker that ends when the queue is empty (or it is cancelled)."""
        worker = get_current_worker()
        while True:
            drained = self.flush(POLL)
            with self._lock:
                # under the lock: a call submitted now finds no watcher and starts one
                if (drained and self._pending == 0) or worker.is_cancelled:
                    self._watched = False
                    return
