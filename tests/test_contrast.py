"""Nothing drawn is unreadable, whatever the learner's terminal (issue 10 §1).

One walk per window size and colour setting goes through the menu, the
help, every step of every lesson, each question before and after an
answer, and each plot zoomed; every visible cell of every screen is then
judged in truecolor, 256 colours and 8 colours, on a dark and on a light
terminal (see `contrast.py` for the bars). A failure names the screen, the
colour mode, the terminal, the row and its text.
"""

from __future__ import annotations

import pytest
from rich.color import ColorSystem
from rich.segment import Segment
from rich.style import Style

import contrast
from tutor.lesson import load_lessons
from tutor.progress import ProgressStore
from tutor.ui.app import make_app

LESSONS = load_lessons(None)


# ---------------------------------------------------------------- the bars


def _fails(style: str, char: str = "x", system=ColorSystem.TRUECOLOR) -> set[str]:
    return {t for t, _, _ in contrast.cell_failures(Style.parse(style), char, system)}


def test_ratio_is_wcag():
    assert contrast.ratio((0, 0, 0), (255, 255, 255)) == pytest.approx(21.0)
    assert contrast.ratio((119, 119, 119), (255, 255, 255)) == pytest.approx(4.48, abs=0.01)


def test_the_bars():
    assert _fails("default on default") == set()
    assert _fails("bright_white") == {"light"}  # white text vanishes on a light terminal
    assert _fails("bright_yellow") == {"light"}
    assert _fails("blue") == {"dark"}  # ANSI blue on black
    assert _fails("red") == set() and _fails("green") == set() and _fails("bright_blue") == set()
    assert _fails("color(16) on color(16)") == {"dark", "light"}  # the plot today
    assert _fails("color(237) on color(234)") == {"dark", "light"}  # NO_COLOR tangents today
    # a picked colour on the terminal's unknown background must suit both
    assert _fails("#777777") == {"light"} and _fails("#505050") == {"dark"}
    assert _fails("color(231) on color(24)") == set()
    # a border may be dim (3:1), text may not (4.5:1)
    assert _fails("#707070 on #000000", "─") == set()
    assert _fails("#707070 on #000000", "a") == {"dark", "light"}
    # 8 colours: a 256-colour grey becomes an ANSI colour and is judged as one
    assert _fails("color(250)", system=ColorSystem.STANDARD) == {"light"}


# ---------------------------------------------------------------- the walk


def _capture(app) -> tuple[list[list[Segment]], tuple | None]:
    """The screen as the terminal receives it: the compositor's full update
    (what `App.export_screenshot` renders), one list of segments per row;
    and the region of a question's verdict, if one is shown."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    rows = [[seg for strip in line for seg in strip] for line in update.strips]
    verdict = None
    for widget in app.screen.query("#q-feedback"):
        r = widget.region
        if r.area:
            verdict = (r.x, r.y, r.right, r.bottom)
    return rows, verdict


async def _settled(pilot) -> None:
    app = pilot.app
    for _ in range(600):
        await pilot.pause()
        await app.workers.wait_for_complete()
        screen = app.screen
        plots = [w for w in screen.query("PlotPane") if getattr(w, "animating", False)]
        busy = getattr(screen, "busy", False) or bool(plots)
        if app.torch_ready and not busy:
            break
        await pilot.pause(0.05)
    await pilot.pause()


def _app(tmp_path, lesson=None):
    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    if lesson is not None:
        store.set_position(lesson.id, 0, len(lesson.steps))
    return make_app(lessons=LESSONS, lang="en", seed=0, learner="ana", store=store,
                    start_lesson=lesson.id if lesson else None)


async def _walk(tmp_path, size) -> list[tuple[str, tuple]]:
    screens = []
    app = _app(tmp_path)
    async with app.run_test(size=size) as pilot:
        await _settled(pilot)
        screens.append(("menu", _capture(app)))
        await pilot.press("question_mark")
        await _settled(pilot)
        screens.append(("help", _capture(app)))
    for n, lesson in enumerate(LESSONS):
        app = _app(tmp_path / str(n), lesson)
        async with app.run_test(size=size) as pilot:
            await _settled(pilot)
            for i, step in enumerate(lesson.steps):
                where = f"lesson {lesson.id} step {i + 1} ({step.id})"
                screens.append((where, _capture(app)))
                screen = app.screen
                if step.question is not None:
                    await pilot.press("a", "1", "enter")
                    if step.question.kind == "code":  # typed into the editor: run it for a verdict
                        await pilot.press("ctrl+r")
                    await _settled(pilot)
                    screens.append((where + " after an answer", _capture(app)))
                    screen.set_focus(None)
                plot = screen.query_one("#plot")
                if plot.display and plot.region.area:
                    screen.set_focus(plot)
                    await pilot.press("z")
                    await _settled(pilot)
                    screens.append((where + " plot zoomed", _capture(app)))
                    await pilot.press("z")
                    screen.set_focus(None)
                await pilot.press("n")
                await _settled(pilot)
    return screens


def _report(failures: list[contrast.Failure]) -> str:
    seen, lines = set(), []
    for f in failures:
        key = (f.where, f.mode, f.terminal, f.row)
        if key not in seen:
            seen.add(key)
            lines.append(str(f))
    shown = "\n".join(lines[:60])
    return f"{len(failures)} cells below their bar on {len(lines)} rows:\n{shown}"


_WALKS: dict[tuple, list[tuple[str, contrast.Failure, bool]]] = {}


async def _failures(tmp_path, monkeypatch, size, no_color) -> list[tuple[contrast.Failure, bool]]:
    """Every cell below its bar in one walk (made once per size and colour
    setting, shared by the tests below), each with whether it lies in a
    question's verdict."""
    key = (size, no_color)
    if key not in _WALKS:
        if no_color:
            monkeypatch.setenv("NO_COLOR", "1")
        else:
            monkeypatch.delenv("NO_COLOR", raising=False)
        screens = await _walk(tmp_path, size)
        assert len(screens) > sum(len(lesson.steps) for lesson in LESSONS)
        found = []
        for where, (rows, verdict) in screens:
            for mode in contrast.SYSTEMS:
                for f in contrast.check_screen(rows, where, mode):
                    inside = (verdict is not None and verdict[0] <= f.col < verdict[2]
                              and verdict[1] <= f.row < verdict[3])
                    found.append((f, inside))
        _WALKS[key] = found
    return _WALKS[key]


SIZES = pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
COLOURS = pytest.mark.parametrize("no_color", [False, True], ids=["colour", "NO_COLOR"])


@COLOURS
@SIZES
async def test_every_screen_is_readable(tmp_path, monkeypatch, size, no_color):
    failures = [f for f, in_verdict in await _failures(tmp_path, monkeypatch, size, no_color) if not in_verdict]
    assert not failures, _report(failures)


@COLOURS
@SIZES
async def test_a_verdict_is_readable(tmp_path, monkeypatch, size, no_color):
    failures = [f for f, in_verdict in await _failures(tmp_path, monkeypatch, size, no_color) if in_verdict]
    assert not failures, _report(failures)
