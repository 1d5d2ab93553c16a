"""`python -m tutor`, with a timeline of where each key's time goes.

    TUTOR_PROBE_FILE=/tmp/probe.jsonl python benchmarks/app_probe.py --lang en

`bench_app.py --profile` starts the app through this file instead of
`python -m tutor`. It wraps a few of the app's and Textual's methods (only
in this process; the tutor itself carries no probe) and appends one JSON
line per event to TUTOR_PROBE_FILE, stamped with `time.perf_counter()`
(CLOCK_MONOTONIC: the benchmark's clock too, so its key times and these
events line up):

- `key_in`: the driver's input thread parsed a key;
- `key_ui`: the UI thread took the key's message off its queue (the gap
  from `key_in` is the event loop busy with something else);
- `action`, `request` (`cached`: the result was ready), `text`,
  `result`, `canvas` (plotext laid out), `accept`: the lesson screen's
  work on the UI thread, each with its start and end;
- `update` (Textual's screen update: layout, render), `layout`, `render`;
- `write`: a frame handed to Textual's writer thread, with its size;
- `gc`: a garbage collection, with its generation (any thread);
- `run_to`: a step run by the runner (a worker thread), with its index;
- `save`, `store`: progress store writes.

With TUTOR_PROBE_PROFILE=DIR it also runs cProfile on the UI thread from
each key's arrival to its first frame, one `key-T.prof` per key (T: the
arrival's perf_counter).
"""

from __future__ import annotations

import cProfile
import functools
import gc
import json
import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tutor import _start_time  # noqa: E402, F401  first, as in tutor/__main__.py

_PATH = os.environ.get("TUTOR_PROBE_FILE")
_PROFILE_DIR = os.environ.get("TUTOR_PROBE_PROFILE")
_fd = os.open(_PATH, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600) if _PATH else None
_now = time.perf_counter


def emit(kind: str, **fields) -> None:
    if _fd is None:
        return
    fields["k"] = kind
    fields.setdefault("t", _now())
    fields["th"] = threading.current_thread().name
    os.write(_fd, (json.dumps(fields) + "\n").encode())


def timed(owner, name: str, kind: str, extra=None) -> None:
    """Wrap `owner.name` so each call emits `kind` with its start and end."""
    original = getattr(owner, name)

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        start = _now()
        try:
            result = original(*args, **kwargs)
        finally:
            fields = extra(args, kwargs) if extra else {}
            emit(kind, t=start, end=_now(), **fields)
        return result

    setattr(owner, name, wrapper)


class _Profiler:
    """cProfile from a key's arrival on the UI thread to its first frame."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.current: cProfile.Profile | None = None
        self.started = 0.0

    def start(self) -> None:
        if self.current is None:
            self.started = _now()
            self.current = cProfile.Profile()
            self.current.enable()

    def stop(self) -> None:
        if self.current is not None:
            self.current.disable()
            # named by the key's arrival, so the benchmark finds each key's own
            self.current.dump_stats(str(self.folder / f"key-{self.started:.6f}.prof"))
            self.current = None


def install() -> None:
    from textual import events
    from textual._compositor import Compositor
    from textual.driver import Driver
    from textual.drivers._writer_thread import WriterThread
    from textual.message_pump import MessagePump
    from textual.screen import Screen

    profiler = _Profiler(_PROFILE_DIR) if _PROFILE_DIR else None

    def gc_callback(phase, info):
        if phase == "start":
            gc_callback.started = _now()
        else:
            emit("gc", t=getattr(gc_callback, "started", _now()), end=_now(), gen=info.get("generation"),
                 collected=info.get("collected"))

    gc.callbacks.append(gc_callback)

    original_process = Driver.process_message

    def process_message(self, message):
        if isinstance(message, events.Key):
            emit("key_in", key=message.key)
        return original_process(self, message)

    Driver.process_message = process_message

    original_post = MessagePump._post_message

    async def _post_message(self, message):
        if isinstance(message, events.Key):
            emit("key_ui", key=message.key)
            if profiler is not None:
                profiler.start()
        return await original_post(self, message)

    MessagePump._post_message = _post_message

    original_write = WriterThread.write

    def write(self, text):
        emit("write", size=len(text.encode("utf-8", "replace")))
        if profiler is not None and threading.current_thread() is threading.main_thread():
            profiler.stop()
        return original_write(self, text)

    WriterThread.write = write

    timed(Screen, "_on_timer_update", "update")
    timed(Screen, "_refresh_layout", "layout")
    timed(Compositor, "render_update", "render")

    from tutor.runner import LessonRun

    timed(LessonRun, "run_to", "run_to", lambda a, k: {"index": a[1]})
    from tutor.progress import ProgressStore

    for name in ("set_position", "record_answer", "set_params", "question"):
        if hasattr(ProgressStore, name):
            timed(ProgressStore, name, "store", lambda a, k, name=name: {"op": name})

    import tutor.ui.screens.lesson as lesson_screen
    from tutor.ui.step_runner import StepRunner
    from tutor.ui.widgets.plot_pane import PlotPane

    screen = lesson_screen.LessonScreen
    timed(screen, "action_next", "action")
    timed(screen, "action_prev", "action")
    timed(screen, "_present_text", "text")
    timed(screen, "_show_result", "result")
    timed(screen, "_accept", "accept")
    timed(StepRunner, "request", "request")
    original_request = StepRunner.request

    def request(self, index, **kwargs):
        result = original_request(self, index, **kwargs)
        emit("cached", index=index, cached=result is not None)
        return result

    StepRunner.request = request
    timed(PlotPane, "_paint_canvas", "canvas")
    timed(PlotPane, "show", "plot_show")


def main() -> int:
    install()
    from tutor.cli import main as cli_main

    return cli_main()


if __name__ == "__main__":
    sys.exit(main())
