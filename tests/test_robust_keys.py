"""What keys that arrive together, a slow torch and a step that never ends do
to the app (issue 13): nothing but what the learner asked for.

Over SSH a burst of keys arrives in one packet, so a key can reach a screen
that is still being built, or one that is already leaving. `burst` hands
the keys to the app's driver all at once, as one packet read from a
terminal does (`pilot.press` waits for the app to go idle after each key).
"""

from __future__ import annotations

import shutil
import sys
import time

import pytest
from textual import events

from screens import screen_text
from test_app import BY_ID, LESSONS, SIZE, build, settle, status_text, step_label
from test_terminal import ROOT, Tmux
from tutor.progress import ProgressStore
from tutor.ui.app import TorchReady, TutorApp
from tutor.ui.screens.help import HelpScreen
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.screens.menu import MenuScreen
from tutor.ui.widgets.code_editor import CodeArea


@pytest.fixture
def store(tmp_path):
    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    yield store
    store.close()


async def burst(pilot, *keys: str) -> None:
    """Keys as one packet from the terminal: queued together, no pause."""
    app = pilot.app
    for key in keys:
        char = {"question_mark": "?", "escape": "\x1b", "enter": "\r", "tab": "\t",
                "plus": "+", "minus": "-", "space": " "}.get(key, key if len(key) == 1 else None)
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)
    await pilot.pause()


async def _lesson_ready(app, pilot) -> LessonScreen:
    for _ in range(200):
        await settle(app, pilot)
        screen = app.screen
        if isinstance(screen, LessonScreen) and screen.result is not None and not screen.busy:
            return screen
        await pilot.pause(0.05)
    raise AssertionError("the lesson never showed its step")


# ---------------------------------------------------------------- torch ready


async def test_torch_ready_reaching_a_lesson_not_yet_composed(store, monkeypatch):
    """Issue 13, server item 3: "torch ready" handled between pushing a
    lesson screen and composing it. The screen reads the app's state when it
    mounts, so there is nothing to crash on and no notice left behind."""
    monkeypatch.setattr(TutorApp, "_load_torch", lambda self: None)  # held back
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.open_lesson("slope")
        assert isinstance(app.screen, LessonScreen) and not app.screen.is_mounted
        app.on_torch_ready(TorchReady())  # released before the screen is composed
        screen = await _lesson_ready(app, pilot)
        text = screen_text(app)
        assert "Loading PyTorch" not in text
        assert step_label("en", 1, screen.total) in status_text(app)


async def test_torch_ready_after_the_lesson_is_composed_drops_the_notice(store, monkeypatch):
    monkeypatch.setattr(TutorApp, "_load_torch", lambda self: None)
    app = build(store, start="slope")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.pause()
        assert "Loading PyTorch" in screen_text(app)
        app.on_torch_ready(TorchReady())
        await _lesson_ready(app, pilot)
        assert "Loading PyTorch" not in screen_text(app)


# ---------------------------------------------------------------- bursts


async def test_two_enters_on_the_menu_open_one_lesson(store):
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await burst(pilot, "enter", "enter")
        await _lesson_ready(app, pilot)
        assert len(app.screen_stack) == 2 and app.screen.lesson.id == LESSONS[0].id


async def test_leave_and_reopen_in_one_burst_in_the_practice_lesson(store):
    """`l Enter Enter`: back to the menu, open the lesson again, and an
    Enter that reaches the new lesson screen before it is built."""
    app = build(store, start="practice")
    async with app.run_test(size=SIZE) as pilot:
        await _lesson_ready(app, pilot)
        await burst(pilot, "l", "enter", "enter")
        await _lesson_ready(app, pilot)
        assert len(app.screen_stack) == 2


BURSTS = {
    "menu": [("down", "enter", "enter"), ("enter", "l", "enter"), ("question_mark", "escape", "enter"),
             ("enter", "question_mark", "escape", "l")],
    "lesson": [("n", "n", "n"), ("n", "p", "n"), ("l", "enter", "enter"), ("l", "l", "enter"),
               ("z", "z", "n"), ("tab", "z", "n"), ("question_mark", "escape", "escape"),
               ("r", "n", "r"), ("plus", "minus", "plus"), ("a", "x", "escape"), ("h", "h", "h")],
}


@pytest.mark.parametrize("where,keys", [(w, k) for w, ks in BURSTS.items() for k in ks],
                         ids=lambda v: v if isinstance(v, str) else "-".join(v))
async def test_bursts_of_keys_on_every_screen(store, where, keys):
    """Each burst leaves a working app on a screen that shows what it should."""
    app = build(store, start="convexity" if where == "lesson" else None)
    async with app.run_test(size=SIZE) as pilot:
        if where == "lesson":
            await _lesson_ready(app, pilot)
        else:
            await settle(app, pilot)
        await burst(pilot, *keys)
        for _ in range(3):
            await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, (MenuScreen, LessonScreen, HelpScreen))
        if isinstance(screen, LessonScreen):
            screen = await _lesson_ready(app, pilot)
            assert step_label("en", screen.index + 1, screen.total) in status_text(app)
        elif isinstance(screen, MenuScreen):
            assert "Derivatives to update model parameters" in screen_text(app)
        # and the app still answers: help opens
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


# ---------------------------------------------------------------- zoom


async def test_zoomed_plot_then_a_step_without_a_plot_is_never_a_blank_window(store):
    """Issue 13 item 7: Tab to the plot, z, then n to a step with no plot."""
    lesson = BY_ID["slope"]
    index = next(i for i in range(len(lesson.steps) - 1)
                 if lesson.steps[i].plot is not None and lesson.steps[i + 1].plot is None
                 and lesson.steps[i].question is None)
    store.set_position("slope", index, len(lesson.steps))
    app = build(store, start="slope")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _lesson_ready(app, pilot)
        while screen.focused is None or screen.focused.id != "plot":
            await pilot.press("tab")
        await pilot.press("z")
        await pilot.pause()
        assert screen.maximized is not None and screen.maximized.id == "plot"
        await pilot.press("n")
        await _lesson_ready(app, pilot)
        text = screen_text(app)
        assert step_label("en", index + 2, len(lesson.steps)) in text.splitlines()[0]
        assert lesson.steps[index + 1].title["en"][:25] in text
        assert screen.maximized is None


# ---------------------------------------------------------------- q


SLEEPY = '''
id = "sleepy"
order = 1
title = { en = "A step that never ends", pt = "Um passo que nunca termina" }

[[steps]]
id = "first"
title = { en = "First", pt = "Primeiro" }
text = { en = "Fast.", pt = "Rápido." }
code = "x = torch.tensor(1.0)"
show = ["x"]

[[steps]]
id = "forever"
title = { en = "Forever", pt = "Para sempre" }
text = { en = "This step sleeps.", pt = "Este passo dorme." }
code = """
import time
time.sleep(10 ** 6)
"""
'''


@pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")
def test_q_ends_the_app_while_a_step_runs_forever(tmp_path):
    """Issue 13 app item 3: `q` ends the app at once and gives the terminal
    back, though a step is still sleeping in a thread."""
    lessons = tmp_path / "lessons"
    lessons.mkdir()
    (lessons / "01-sleepy.toml").write_text(SLEEPY, encoding="utf-8")
    env = {"TUTOR_DATA_DIR": str(tmp_path / "data"), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
           "TERM": "xterm-256color", "PYTHONPATH": str(ROOT)}
    term = Tmux([sys.executable, "-m", "tutor", "--lang", "en", "--lessons", str(lessons),
                 "--lesson", "sleepy"], env)
    try:
        term.wait_for("step 1/2", "Fast.", timeout=60)
        term.keys("n")
        term.wait_for("step 2/2", "running...", timeout=30)
        sent = time.monotonic()
        term.keys("q")
        screen = term.wait_for("EXITED 0", timeout=10)  # never, before: the process hung
        assert time.monotonic() - sent < 10
        assert "Traceback" not in screen
        assert "step 2/2" not in screen  # the terminal is back to the shell's screen
    finally:
        term.close()


async def test_zoom_fills_the_window_under_the_status_line_above_the_keys(store):
    """Issue 10 §2: `z` gives the focused pane the whole window, with its
    title, the status line and the key line; Esc or `z` again returns."""
    store.set_position("slope", 1, len(BY_ID["slope"].steps))
    app = build(store, start="slope")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _lesson_ready(app, pilot)
        code = screen.query_one("#code")
        before = code.region
        for leave in ("escape", "z"):
            code.focus()
            await pilot.press("z")
            await settle(app, pilot)
            lines = screen_text(app).splitlines()
            assert step_label("en", 2, screen.total) in lines[0]
            assert lines[1].startswith("━Code that ran")
            assert "l lessons" in lines[-1]
            assert code.region.y == 1 and code.region.height == SIZE[1] - 2 and code.region.width == SIZE[0]
            await pilot.press(leave)
            await settle(app, pilot)
            assert screen.maximized is None and code.region == before
            assert isinstance(app.screen, LessonScreen)


@pytest.mark.parametrize("keys, answer", [
    # the 1 and the 2 were handed to the pane that had the focus before `a`
    # moved it to the box, and were lost
    (("a", "1", "2", "enter"), "12"),
    # Textual ran the box's Backspace, arrows and Enter once they had bubbled
    # up to the app, after the characters typed behind them: the 2 went in
    # before the Backspace, which then took it
    (("a", "1", "x", "backspace", "2", "left", "left", "3", "enter"), "312"),
], ids=["a-then-digits", "backspace-and-arrows"])
async def test_an_answer_typed_in_one_burst_is_the_answer_as_typed(store, keys, answer):
    """An answer typed in one packet, `a` and Enter included, is checked and
    recorded as it was typed."""
    lesson = BY_ID["backprop-order"]
    index = next(i for i, s in enumerate(lesson.steps) if s.question is not None and s.question.kind == "number")
    store.set_position(lesson.id, index, len(lesson.steps))
    app = build(store, start=lesson.id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _lesson_ready(app, pilot)
        await burst(pilot, *keys)
        await settle(app, pilot)
        assert screen.query_one("#q-input").value == answer
        assert f"you: {answer}" in screen_text(app)
        record = store.question(lesson.id, lesson.steps[index].id)
        assert [a.answer for a in record.attempts] == [answer]


async def test_keys_typed_in_a_burst_in_the_code_editor_edit_where_the_cursor_went(store):
    """Down, End, Backspace x4 and a name, in one packet, replace the
    starter's first blank: the arrows and Backspace no longer land after
    the text typed behind them (a name typed a line too high, a blank's
    underscores left and the name's end deleted)."""
    lesson = BY_ID["practice"]
    index = next(i for i, s in enumerate(lesson.steps) if s.id == "write-gradients")
    store.set_position(lesson.id, index, len(lesson.steps))
    app = build(store, start=lesson.id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _lesson_ready(app, pilot)
        area = screen.query_one(CodeArea)
        before = area.text.splitlines()
        assert before[1] == "____"
        await burst(pilot, "a", "down", "end", *["backspace"] * 4, *"loss.backward()",
                    "down", "down", "down", "end", *["backspace"] * 4, *"model[0].weight.grad")
        await settle(app, pilot)
        lines = area.text.splitlines()
        assert lines[1] == "loss.backward()"
        assert lines[4] == "grad = model[0].weight.grad"
        assert lines[:1] + lines[2:4] == before[:1] + before[2:4]  # the comments as they were
