"""Background work that never keeps the app from ending.

Textual's thread workers run in asyncio's default executor, which is joined
when the app ends: work that never returns there (a lesson step with
`while True` or a long sleep, a store waiting on a lock) would keep `q` from
ever ending the app, with the terminal already cleared. So the work runs in
a daemon thread of its own, which the interpreter leaves behind on exit, and
a worker only watches it: the worker returns when the work is done or as
soon as it is cancelled (the app cancels every worker on exit, a screen its
own when it is removed). Tests still wait for the work with
`app.workers.wait_for_complete()`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from textual.dom import DOMNode
from textual.worker import get_current_worker

POLL = 0.05  # seconds between a watching worker's looks at its cancellation


def watched(node: DOMNode, work: Callable[[], None], name: str) -> None:
    """Run `work` in a daemon thread, and a worker of `node` (group `name`)
    that ends when the work ends or when the worker is cancelled."""
    done = threading.Event()

    def run() -> None:
        try:
            work()
        finally:
            done.set()

    def watch() -> None:
        worker = get_current_worker()
        while not done.wait(POLL):
            if worker.is_cancelled:
                return

    threading.Thread(target=run, name=name, daemon=True).start()
    node.run_worker(watch, thread=True, group=name, exit_on_error=False)
