"""A compacted frame paints the same screen as Textual's own, in fewer bytes.

`compact` (tutor/ui/terminal_output.py) drops style sequences that change
nothing and line breaks before cursor moves. Whether a terminal shows the
same thing is checked on a small model terminal: cursor moves, line breaks,
SGR styles and text, each cell keeping its character and its full style.
The frames are the app's own, every step of three lessons at 80x24.
"""

from __future__ import annotations

import re

import pytest

from test_app import BY_ID, LESSONS, settle
from tutor.progress import ProgressStore
from tutor.ui.app import TutorApp, make_app
from tutor.ui.terminal_output import CompactLinuxDriver, compact

_TOKEN = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|(\r)|(\n)|([^\x1b\r\n]+)")


def _style(state: dict, params: str) -> dict:
    """The SGR state after `ESC[params m` (the codes Textual and Rich write)."""
    codes = [int(c) if c else 0 for c in params.split(";")] if params else [0]
    state = dict(state)
    i = 0
    while i < len(codes):
        code = codes[i]
        if code == 0:
            state = {"fg": None, "bg": None, "flags": frozenset()}
        elif code in (1, 2, 3, 4, 5, 7, 8, 9, 53):
            state["flags"] = state["flags"] | {code}
        elif code in (21, 22, 23, 24, 25, 27, 28, 29, 55):
            gone = {21: {1}, 22: {1, 2}, 23: {3}, 24: {4}, 25: {5}, 27: {7}, 28: {8}, 29: {9}, 55: {53}}[code]
            state["flags"] = state["flags"] - gone
        elif 30 <= code <= 37 or 90 <= code <= 97:
            state["fg"] = code
        elif 40 <= code <= 47 or 100 <= code <= 107:
            state["bg"] = code
        elif code in (39, 49):
            state["fg" if code == 39 else "bg"] = None
        elif code in (38, 48):
            n = 3 if codes[i + 1] == 5 else 5
            state["fg" if code == 38 else "bg"] = tuple(codes[i:i + n])
            i += n - 1
        else:
            raise AssertionError(f"the model does not know SGR {code}")
        i += 1
    return state


def paint(sequence: str, rows: int = 24, cols: int = 80) -> list[list[tuple]]:
    """What a terminal shows after `sequence`: each cell's character and style."""
    blank = {"fg": None, "bg": None, "flags": frozenset()}
    screen = [[(" ", None)] * cols for _ in range(rows)]
    y = x = 0
    state = blank
    for match in _TOKEN.finditer(sequence):
        params, final, cr, lf, text = match.groups()
        if final == "m":
            state = _style(state, params)
        elif final == "H":
            row, _, col = (params or "1;1").partition(";")
            y, x = int(row or 1) - 1, int(col or 1) - 1
        elif cr:
            x = 0
        elif lf:
            y = min(rows - 1, y + 1)
        elif text:
            cell = (state["fg"], state["bg"], state["flags"])
            for offset, char in enumerate(text):
                if 0 <= y < rows and 0 <= x + offset < cols:
                    screen[y][x + offset] = (char, cell)
            x += len(text)
    return screen


def test_a_run_in_the_default_style_and_a_break_before_a_move_are_dropped():
    frame = "\x1b[1;1H\x1b[1;39;49mTitle\x1b[0m\x1b[39;49m | \x1b[0m\x1b[49m   \x1b[0m\n\x1b[2;1H\x1b[36;49m━\x1b[0m"
    assert compact(frame) == "\x1b[1;1H\x1b[1;39;49mTitle\x1b[0m |    \x1b[2;1H\x1b[36;49m━\x1b[0m"
    assert paint(compact(frame)) == paint(frame)


def test_what_changes_the_screen_is_kept():
    # a bold run, a coloured one, a break not followed by a move, a link
    frame = "\x1b[1mA\x1b[0m\x1b[31;49mB\x1b[0m\nC\x1b]8;id=1;http://x\x1b\\\x1b[39;49mD\x1b[0m\x1b]8;;\x1b\\"
    assert compact(frame) == frame.replace("\x1b[39;49mD\x1b[0m", "D")
    assert paint(compact(frame)) == paint(frame)


async def _frames(app, lesson_id: str, pilot) -> list[str]:
    """Each step's whole screen as Textual writes it (a full update)."""
    frames = []
    for _ in BY_ID[lesson_id].steps:
        await settle(app, pilot)
        update = app.screen._compositor.render_update(full=True)
        frames.append(update.render_segments(app.console))
        await pilot.press("n")
    return frames


@pytest.mark.parametrize("lesson_id", ["convexity", "backprop-order", "manual-update"])
async def test_every_step_paints_the_same_cells_in_fewer_bytes(tmp_path, lesson_id):
    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    app = make_app(lessons=LESSONS, lang="en", seed=0, learner="ana", store=store, start_lesson=lesson_id)
    async with app.run_test(size=(80, 24)) as pilot:
        frames = await _frames(app, lesson_id, pilot)
    saved = []
    for n, frame in enumerate(frames, 1):
        small = compact(frame)
        assert paint(small) == paint(frame), f"{lesson_id} step {n}"
        saved.append(1 - len(small.encode()) / len(frame.encode()))
    assert min(saved) > 0.05, saved  # every step's frame is smaller


def test_the_app_writes_through_the_compacting_driver_on_linux():
    assert issubclass(TutorApp.get_driver_class(TutorApp.__new__(TutorApp)), CompactLinuxDriver)


def test_a_frame_goes_to_the_writer_thread_while_the_ui_thread_works_on():
    """Textual's driver queues each frame for a writer thread. After a key
    the UI thread goes straight on with Python work (the messages the
    frame's layout set off), and a thread waiting for the GIL gets it only
    after the switch interval (5 ms by default; 1 s here, to make the wait
    plain): the frame's bytes waited. The compacting driver hands the GIL
    over as it queues a frame, so the writer takes it while the UI thread
    is still busy. Without that, no attempt gets through (0 of 10 measured,
    under load too); with it nearly all (29-30 of 30, under load too)."""
    import queue
    import sys
    import threading
    import time

    from tutor.ui.terminal_output import CompactWrites

    def attempt() -> bool:
        taken = threading.Event()

        class QueuedWriter:  # Textual's LinuxDriver.write, reduced to its writer thread
            def __init__(self) -> None:
                self.frames: queue.Queue[str] = queue.Queue()
                threading.Thread(target=self._run, daemon=True).start()

            def _run(self) -> None:
                self.frames.get()
                taken.set()

            def write(self, data: str) -> None:
                self.frames.put(data)

        class Driver(CompactWrites, QueuedWriter):
            pass

        driver = Driver()
        time.sleep(0.02)  # the writer thread waits on its queue
        driver.write("\x1b[1;1Hframe")
        busy_until = time.perf_counter() + 0.2
        while time.perf_counter() < busy_until and not taken.is_set():
            pass  # the UI thread at work in Python, no I/O
        return taken.is_set()

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1.0)
    try:
        results = [attempt() for _ in range(5)]
    finally:
        sys.setswitchinterval(interval)
    assert sum(results) >= 3, results
