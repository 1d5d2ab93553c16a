"""The Textual app driven by a Pilot: what a learner sees after each key.

Screens are read as text from Textual's own SVG screenshot (the cells that
would be on a terminal), so the assertions are about the screen, not about
widget internals.
"""

from __future__ import annotations

import re
import threading

import pytest

from screens import region_text, screen_text
from tutor.i18n import pick
from tutor.lesson import load_lessons
from tutor.progress import ProgressStore
from tutor.ui.app import TorchReady, TutorApp, make_app
from tutor.ui.screens.help import KEYS, HelpScreen
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.step_runner import RunHolder
from tutor.ui.strings import STRINGS

LESSONS = load_lessons(None)
BY_ID = {lesson.id: lesson for lesson in LESSONS}
SIZE = (80, 24)

def status_text(app: TutorApp) -> str:
    return screen_text(app).splitlines()[0]


async def settle(app, pilot) -> None:
    """Wait for the step workers and the redraw that follows them."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


@pytest.fixture
def store(tmp_path):
    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    yield store
    store.close()


def build(store, lang="en", start=None, seed=0) -> TutorApp:
    return make_app(lessons=LESSONS, lang=lang, seed=seed, learner="ana", store=store, start_lesson=start)


def step_label(lang: str, n: int, m: int) -> str:
    return STRINGS.get("step_of", lang, n=n, m=m)


# ---------------------------------------------------------------- menu


async def test_menu_lists_every_lesson_in_order(store):
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        rows = [line for line in text.splitlines() if re.match(r"^\s*│\s*>?\s*\d+\s", line)]
        assert len(rows) == len(LESSONS)
        for row, lesson in zip(rows, LESSONS):
            assert pick(lesson.title, "en")[:20] in row  # whole, or cut after a word (test_menu.py)
            assert "new" in row
        # the highlighted lesson is marked without colour, and the mark follows the cursor
        assert rows[0].lstrip("│ ").startswith("> 1")
        await pilot.press("down")
        await pilot.pause()
        rows = [line for line in screen_text(app).splitlines() if re.match(r"^\s*│\s*>?\s*\d+\s", line)]
        assert rows[1].lstrip("│ ").startswith("> 2") and not rows[0].lstrip("│ ").startswith(">")
        assert "Derivatives to update model parameters" in text
        assert "ana" in text


async def test_menu_in_portuguese(store):
    app = build(store, lang="pt")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        assert "Derivadas para atualizar parâmetros do modelo" in text
        assert pick(LESSONS[0].title, "pt") in text
        assert "nova" in text and "Lição" in text
        assert "ajuda" in text and "sair" in text


async def test_enter_opens_the_highlighted_lesson(store):
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("down", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, LessonScreen)
        assert app.screen.lesson.id == LESSONS[1].id
        assert pick(LESSONS[1].title, "en")[:20] in status_text(app)
        assert step_label("en", 1, len(LESSONS[1].steps)) in status_text(app)


@pytest.mark.parametrize("size, classes", [((80, 24), {"-narrow", "-normal"}), ((120, 40), {"-wide", "-tall"})])
async def test_a_lesson_opens_styled_once_with_its_size_classes(store, size, classes):
    # Textual styles a new screen's widgets as they mount; the lesson must
    # not be restyled as a whole after that before it is drawn (the first
    # Resize adding the size classes, the first resume): that was a third
    # of the work of opening a lesson (tutor/ui/screens/styled_once.py).
    app = build(store)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        restyled = []
        update_styles = app.update_styles
        app.update_styles = lambda node=None, animate=True: (restyled.append(node), update_styles(node, animate))
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, LessonScreen)
        assert app.screen not in restyled
        assert classes <= app.screen.classes


def test_only_a_new_screens_first_resume_skips_the_restyle():
    from textual import events
    from textual.screen import Screen

    from tutor.ui.screens.styled_once import StyledOnce

    class Plain(StyledOnce, Screen):
        pass

    fresh, back = Plain(), Plain()  # made outside an app: the first Resize gives the size classes
    first = events.ScreenResume()
    fresh.on_screen_resume(first)
    assert first.refresh_styles is False
    again = events.ScreenResume()
    fresh.on_screen_resume(again)
    assert again.refresh_styles is True
    back.on_screen_suspend()  # covered by another screen before its first resume
    later = events.ScreenResume()
    back.on_screen_resume(later)
    assert later.refresh_styles is True


async def test_a_lesson_takes_new_size_classes_when_the_window_changes(store):
    app = build(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.resize_terminal(130, 42)
        await settle(app, pilot)
        assert {"-wide", "-tall"} <= app.screen.classes
        assert not {"-narrow", "-normal"} & app.screen.classes
        # the wide layout: explanation | values | plot, side by side
        assert str(app.screen.query_one("#side").styles.layout.name) == "horizontal"


# ---------------------------------------------------------------- stepping


@pytest.mark.parametrize("lang", ["en", "pt"])
@pytest.mark.parametrize("lesson_id", [lesson.id for lesson in LESSONS])
async def test_every_lesson_steps_to_its_end(store, lesson_id, lang):
    lesson = BY_ID[lesson_id]
    m = len(lesson.steps)
    app = build(store, lang=lang, start=lesson_id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for n in range(1, m + 1):
            screen = app.screen
            assert isinstance(screen, LessonScreen)
            text = screen_text(app)
            assert step_label(lang, n, m) in text.splitlines()[0]
            step = lesson.steps[n - 1]
            # the step's title is on screen, the runner did not fail
            assert pick(step.title, lang)[:30] in text
            assert screen.result is not None and screen.result.index == n - 1
            assert STRINGS.get("run_failed", lang, error="")[:20] not in text
            assert STRINGS.get("step_error", lang)[:20] not in text, text
            if step.code.strip():
                first_line = step.code.strip().splitlines()[0].strip()[:20]
                assert first_line in screen.query_one("#code").code
            await pilot.press("n")
            await settle(app, pilot)
        # past the end: still the last step, with a note
        assert step_label(lang, m, m) in status_text(app)
        assert store.position(lesson_id) == m - 1


async def test_keys_back_and_next_alternatives(store):
    app = build(store, start="slope")
    m = len(BY_ID["slope"].steps)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("right")
        await settle(app, pilot)
        await pilot.press("space")
        await settle(app, pilot)
        assert step_label("en", 3, m) in status_text(app)
        await pilot.press("left")
        await settle(app, pilot)
        assert step_label("en", 2, m) in status_text(app)
        await pilot.press("p")
        await settle(app, pilot)
        assert step_label("en", 1, m) in status_text(app)
        await pilot.press("p")  # no step before the first
        await settle(app, pilot)
        assert step_label("en", 1, m) in status_text(app)
        assert "This is the first step." in screen_text(app)


async def test_fast_keys_show_the_last_requested_step(store):
    app = build(store, start="backprop-pytorch")
    m = len(BY_ID["backprop-pytorch"].steps)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("n", "n", "n")
        await settle(app, pilot)
        assert step_label("en", 4, m) in status_text(app)
        assert app.screen.result.index == 3


async def test_step_with_diagram_shows_the_layer(store):
    lesson = BY_ID["backprop-order"]
    index = next(i for i, s in enumerate(lesson.steps) if s.diagram in ("L2", "L1", "L0") and s.question is None)
    app = build(store, start="backprop-order")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for _ in range(index):
            await pilot.press("n")
            await settle(app, pilot)
        text = screen_text(app)
        assert "Backpropagation" in text
        assert f"[{lesson.steps[index].diagram}]" in text


# ---------------------------------------------------------------- parameters


def _param_lesson():
    return next(lesson for lesson in LESSONS if lesson.params)


async def test_plus_and_minus_change_the_learning_rate_and_rerun(store):
    lesson = _param_lesson()
    param = lesson.params[0]
    first_use = lesson.param_steps[param.name]
    app = build(store, start=lesson.id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for _ in range(first_use):
            await pilot.press("n")
            await settle(app, pilot)
        default = f"{param.name} = {param.default:g}"
        assert default in status_text(app)
        assert f"{param.name} = {param.default!r}" in app.screen.query_one("#code").code
        await pilot.press("plus")
        await settle(app, pilot)
        up = param.clamp(param.moved(param.default, 1))
        assert up != param.default
        assert f"{param.name} = {up:g}" in status_text(app)
        # the code pane shows what ran: the new value
        assert f"{param.name} = {up!r}" in app.screen.query_one("#code").code
        assert app.screen.holder.run.param_values[param.name] == up
        await pilot.press("minus", "minus")
        await settle(app, pilot)
        down = param.clamp(param.moved(param.default, -1))
        assert f"{param.name} = {down:g}" in status_text(app)


async def test_param_limit_is_told(store):
    lesson = _param_lesson()
    param = lesson.params[0]
    app = build(store, start=lesson.id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for _ in range(12):
            await pilot.press("plus")
        await settle(app, pilot)
        line = status_text(app)
        assert f"{param.name} = {param.max:g}" in line
        assert f"{param.name} is at its limit" in line and pick(lesson.title, "en") in line


async def test_large_learning_rate_changes_the_loss(store):
    lesson = BY_ID["sgd"] if "sgd" in BY_ID else _param_lesson()
    index = next(i for i, s in enumerate(lesson.steps) if s.plot is not None and s.plot.series)
    app = build(store, start=lesson.id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        for _ in range(index):
            await pilot.press("n")
            await settle(app, pilot)
        before = app.screen.result
        await pilot.press("plus", "plus")
        await settle(app, pilot)
        after = app.screen.result
        assert after is not before
        assert after.plot is not None
        assert after.plot.series[0].ys != before.plot.series[0].ys


# ---------------------------------------------------------------- questions


def _question_step(lesson_id: str) -> int:
    return next(i for i, s in enumerate(BY_ID[lesson_id].steps) if s.question is not None)


async def _open_question(app, pilot, lesson_id):
    await settle(app, pilot)
    for _ in range(_question_step(lesson_id)):
        await pilot.press("n")
        await settle(app, pilot)


def values_text(app) -> str:
    """The values pane as on screen ("" when it is hidden)."""
    values = app.screen.query_one("#values")
    return "\n".join(region_text(app, values)) if values.display else ""


async def test_question_hides_its_values_until_answered_then_checks(store):
    """Before an answer the values pane never shows the step's own values,
    and of the step before's only those the question's words name (slope's
    sign question names none of them: the pane is hidden); after it, the
    step's own."""
    app = build(store, start="slope")
    index = _question_step("slope")
    step = BY_ID["slope"].steps[index]
    before = BY_ID["slope"].steps[index - 1]
    own = [expr for expr in step.show if expr not in before.show]
    async with app.run_test(size=SIZE) as pilot:
        await _open_question(app, pilot, "slope")
        text = screen_text(app)
        assert pick(step.question.prompt, "en")[:30] in text
        assert "Predict first" in text
        assert values_text(app) == ""
        await pilot.press("a")
        await pilot.press(*"banana")
        await pilot.press("enter")
        await settle(app, pilot)
        assert not any(expr in values_text(app).splitlines() for expr in own)  # nonsense is not an answer
        assert store.question("slope", step.id).attempts == ()
        await pilot.press("ctrl+a", "ctrl+k")
        expected = app.screen.result.expected
        from tutor.values import as_float

        value = as_float(expected)
        answer = "+" if value > 0 else "-" if value < 0 else "0"
        await pilot.press(answer, "enter")
        await settle(app, pilot)
        text = screen_text(app)
        assert "Right!" in text
        assert own[0] in values_text(app).splitlines()  # the step's own values, first one on top
        record = store.question("slope", step.id)
        assert record.solved and len(record.attempts) == 1


async def test_a_question_keeps_the_values_it_names_from_the_step_before(store):
    """Lesson 4's dz0 question needs dz1 and model[1].weight from the step
    before: they stay on screen, the rest of that step's values do not."""
    lesson = BY_ID["backprop-order"]
    index = next(i for i, s in enumerate(lesson.steps) if s.question is not None and "dz0" in s.question.prompt["en"])
    store.set_position(lesson.id, index, len(lesson.steps))
    app = build(store, start=lesson.id)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        shown = values_text(app).splitlines()
        assert "dz1" in shown and "model[1].weight" in shown
        assert "w1_grad" not in shown and "dz0" not in shown


def _number_question():
    lesson = next(
        lesson for lesson in LESSONS for s in lesson.steps if s.question is not None and s.question.kind == "number"
    )
    index = next(i for i, s in enumerate(lesson.steps) if s.question is not None and s.question.kind == "number")
    return lesson, index


async def test_a_wrong_answer_keeps_the_live_value_until_the_third_try(store):
    """Issue 10 §4: try again and take hints first; the value (and how far
    off) comes on the third wrong try, with the why."""
    lesson, index = _number_question()
    question = lesson.steps[index].question
    store.set_position(lesson.id, index, len(lesson.steps))
    app = build(store, start=lesson.id)
    async with app.run_test(size=(80, 40)) as pilot:
        await ready(app, pilot)
        for n in (1, 2):
            await pilot.press("a", "ctrl+a", "ctrl+k", *"12345", "enter")
            await settle(app, pilot)
            text = screen_text(app)
            assert "Not quite." in text and f"({n} of 3 tries)" in text
            assert "you: 12345" in text
            assert "computed value" not in text and "Why:" not in text
            assert not store.question(lesson.id, lesson.steps[index].id).revealed
        await pilot.press("ctrl+a", "ctrl+k", *"12345", "enter")
        await settle(app, pilot)
        text = screen_text(app)
        assert "computed value: " in text
        if question.explain:
            assert "Why:" in text
        record = store.question(lesson.id, lesson.steps[index].id)
        assert not record.solved and len(record.attempts) == 3 and record.revealed


async def ready(app, pilot) -> None:
    """Wait until the lesson screen shows its step's result (torch loaded)."""
    for _ in range(200):
        await settle(app, pilot)
        if getattr(app.screen, "result", None) is not None and not app.screen.busy:
            return
        await pilot.pause(0.05)
    raise AssertionError("the step never ran")


async def test_going_on_after_a_wrong_answer_reveals_it(store):
    lesson, index = _number_question()
    store.set_position(lesson.id, index, len(lesson.steps))
    app = build(store, start=lesson.id)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await pilot.press("a", *"12345", "enter", "escape")
        await settle(app, pilot)
        assert "computed value" not in screen_text(app)
        await pilot.press("p")
        await ready(app, pilot)
        assert store.question(lesson.id, lesson.steps[index].id).revealed
        await pilot.press("n")
        await ready(app, pilot)
        assert "computed value: " in screen_text(app)


async def test_hints_then_worked_answer(store):
    lesson = next(lesson for lesson in LESSONS for s in lesson.steps if s.question is not None and s.question.hints)
    index = next(i for i, s in enumerate(lesson.steps) if s.question is not None and s.question.hints)
    question = lesson.steps[index].question
    app = build(store, start=lesson.id)
    async with app.run_test(size=(80, 40)) as pilot:
        await settle(app, pilot)
        for _ in range(index):
            await pilot.press("n")
            await settle(app, pilot)
        for n in range(1, len(question.hints) + 1):
            await pilot.press("h")
            await settle(app, pilot)
            assert f"Hint {n}/{len(question.hints)}" in screen_text(app)
        assert store.question(lesson.id, lesson.steps[index].id).hints == len(question.hints)
        await pilot.press("h")
        await settle(app, pilot)
        text = screen_text(app)
        assert "The answer:" in text and "Why:" in text
        assert "{answer}" not in text
        assert "`" not in "\n".join(region_text(app, app.screen.query_one("#question")))  # Markdown, rendered
        assert store.question(lesson.id, lesson.steps[index].id).revealed


async def test_learner_can_go_on_without_answering(store):
    index = _question_step("slope")
    m = len(BY_ID["slope"].steps)
    app = build(store, start="slope")
    async with app.run_test(size=SIZE) as pilot:
        await _open_question(app, pilot, "slope")
        await pilot.press("a", "x")  # typing in the box...
        await pilot.press("escape")  # ...leave it, the keys work again
        if index + 1 < m:
            await pilot.press("n")
            await settle(app, pilot)
            assert step_label("en", index + 2, m) in status_text(app)
        else:
            await pilot.press("p")
            await settle(app, pilot)
            assert step_label("en", index, m) in status_text(app)


# ---------------------------------------------------------------- progress


async def test_position_is_stored_and_resumed(store):
    app = build(store, start="backprop-pytorch")
    m = len(BY_ID["backprop-pytorch"].steps)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("n", "n")
        await settle(app, pilot)
    assert store.position("backprop-pytorch") == 2
    assert store.last_lesson() == "backprop-pytorch"

    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        text = screen_text(app)
        row = next(line for line in text.splitlines() if pick(BY_ID["backprop-pytorch"].title, "en")[:20] in line)
        assert "started" in row and f"3/{m}" in row
        await pilot.press("enter")  # the cursor starts on the last lesson
        await settle(app, pilot)
        assert app.screen.lesson.id == "backprop-pytorch"
        assert step_label("en", 3, m) in status_text(app)


async def test_menu_key_returns_and_menu_shows_progress(store):
    app = build(store, start="slope")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        await pilot.press("l")
        await settle(app, pilot)
        text = screen_text(app)
        assert not isinstance(app.screen, LessonScreen)
        row = next(line for line in text.splitlines() if pick(BY_ID["slope"].title, "en") in line)
        assert "started" in row and f"2/{len(BY_ID['slope'].steps)}" in row
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, LessonScreen)


# ---------------------------------------------------------------- help, sizes


@pytest.mark.parametrize("key", ["question_mark", "f1"])
async def test_help_lists_every_key(store, key):
    app = build(store, start="slope")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press(key)
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        for keys, desc in KEYS:
            assert keys in text
            assert STRINGS.get(desc, "en")[:25] in text
        # the key line is the other screens' KeyBar, not Textual's Footer
        assert text.splitlines()[-1].strip() == "Esc close"
        assert not app.screen.query("Footer") and app.screen.query("KeyBar")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, LessonScreen)


def test_every_lesson_key_is_in_the_help():
    """Each key bound on the lesson and menu screens is documented."""
    documented = " ".join(keys for keys, _ in KEYS).lower().split()
    names = {"right": "→", "left": "←", "space": "space", "plus": "+", "minus": "-",
             "escape": "esc", "enter": "enter", "question_mark": "?", "f1": "f1"}
    for cls in (LessonScreen, TutorApp):
        for binding in cls.bindings("en"):
            for key in binding.key.split(","):
                assert names.get(key, key) in documented, key


async def test_too_small_window_says_so_and_recovers(store):
    app = build(store, start="slope")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        text = screen_text(app)
        assert "Make the window at least 80x24." in text
        assert "60x20" in text
        assert "step 2/" not in text
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        text = screen_text(app)
        assert "Make the window" not in text
        assert "step 2/" in text.splitlines()[0]
        await pilot.resize_terminal(79, 30)
        await pilot.pause()
        assert "Make the window at least 80x24." in screen_text(app)


async def test_wide_window_puts_values_and_plot_side_by_side(store):
    lesson = BY_ID["slope"]
    app = build(store, start="slope")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        while app.screen.result.plot is None:
            await pilot.press("n")
            await settle(app, pilot)
        values = app.screen.query_one("#values")
        plot = app.screen.query_one("#plot")
        assert plot.region.x > values.region.x + values.region.width - 1
        assert plot.region.width >= 38
        text = screen_text(app)
        line = next(line for line in text.splitlines() if "Values" in line)
        assert "Explanation" in line and "Plot" in line
        assert lesson is app.screen.lesson


async def test_every_pane_is_reachable_with_tab(store):
    app = build(store, start="slope")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        while app.screen.result.plot is None:
            await pilot.press("n")
            await settle(app, pilot)
        seen = set()
        for _ in range(8):
            await pilot.press("tab")
            await pilot.pause()
            if app.screen.focused is not None:
                seen.add(app.screen.focused.id)
        assert {"explain-pane", "code", "values", "plot"} <= seen
        # z zooms the focused pane to the whole window, z again restores
        await pilot.press("z")
        await pilot.pause()
        assert app.screen.maximized is not None
        await pilot.press("z")
        await pilot.pause()
        assert app.screen.maximized is None


# ---------------------------------------------------------------- loading


class _SlowRun:
    """A LessonRun whose first step waits for the test, like a torch import."""

    def __init__(self, run, gate: threading.Event):
        self._run = run
        self._gate = gate

    def __getattr__(self, name):
        return getattr(self._run, name)

    def run_to(self, index):
        self._gate.wait(10)
        return self._run.run_to(index)


async def test_lesson_opened_before_torch_shows_loading(store, monkeypatch):
    from tutor.runner import LessonRun

    monkeypatch.setattr(TutorApp, "_load_torch", lambda self: None)
    gate = threading.Event()
    app = build(store)
    app.runs["slope"] = RunHolder(_SlowRun(LessonRun(BY_ID["slope"], seed=0), gate))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.open_lesson("slope")
        await pilot.pause()
        await pilot.pause()
        text = screen_text(app)
        assert "Loading PyTorch" in text
        # the screen answers keys while waiting: help opens and closes
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        gate.set()
        app.post_message(TorchReady())
        await settle(app, pilot)
        text = screen_text(app)
        assert "Loading PyTorch" not in text
        assert app.screen.result is not None


async def test_a_failing_step_shows_its_error(store, tmp_path):
    src = (BY_ID["slope"].path).read_text(encoding="utf-8")
    lesson_dir = tmp_path / "lessons"
    lesson_dir.mkdir()
    # a lesson whose second step divides by zero at run time
    broken = src.replace('code = """', 'code = """\nboom = 1 / 0', 1)
    (lesson_dir / "01-slope.toml").write_text(broken, encoding="utf-8")
    lessons = load_lessons(lesson_dir)
    app = make_app(lessons=lessons, lang="en", seed=0, learner="ana", store=store, start_lesson="slope")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        while app.screen.result.error is None:
            await pilot.press("n")
            await settle(app, pilot)
        text = screen_text(app)
        assert "The code raised an error" in text
        assert "ZeroDivisionError" in text


async def test_focus_comes_back_after_a_too_small_window(store):
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("down")
        await pilot.resize_terminal(70, 20)
        await pilot.pause()
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        assert app.screen.focused is not None and app.screen.focused.id == "lessons"
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson.id == LESSONS[1].id


async def test_training_loss_curve_animates_and_keys_still_work(store):
    lesson = BY_ID["sgd"]
    index = next(i for i, s in enumerate(lesson.steps) if s.plot is not None and s.plot.animate)
    store.set_position("sgd", index, len(lesson.steps))
    app = build(store, start="sgd")
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(200):
            await pilot.pause(0.02)
            if app.screen.result is not None and not app.screen.busy:
                break
        screen = app.screen
        plot = screen.query_one("#plot")
        total = max(len(s.ys) for s in screen.result.plot.series)
        assert plot.animating and plot.reveal < total  # still growing
        await pilot.press("question_mark")  # keys answer during the animation
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        for _ in range(200):
            await pilot.pause(0.05)
            if not plot.animating:
                break
        assert plot.reveal is None  # whole: every point drawn


async def test_answer_typed_before_the_step_ran_is_checked_when_it_has(store, monkeypatch):
    """The question shows at once; an answer given while torch still loads
    waits for the live value instead of being lost."""
    from tutor.runner import LessonRun

    monkeypatch.setattr(TutorApp, "_load_torch", lambda self: None)
    lesson = BY_ID["backprop-pytorch"]
    index = next(i for i, s in enumerate(lesson.steps) if s.question is not None and s.question.kind == "shape")
    store.set_position(lesson.id, index, len(lesson.steps))
    gate = threading.Event()
    app = build(store)
    app.runs[lesson.id] = RunHolder(_SlowRun(LessonRun(lesson, seed=0), gate))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.open_lesson(lesson.id)
        await pilot.pause()
        text = screen_text(app)
        assert pick(lesson.steps[index].question.prompt, "en")[:25] in text
        await pilot.press("a", *"8, 16", "enter")
        await pilot.pause()
        assert "checking as soon as" in screen_text(app)
        gate.set()
        app.post_message(TorchReady())
        await settle(app, pilot)
        assert "Right!" in screen_text(app)
        assert store.question(lesson.id, lesson.steps[index].id).solved


# ---------------------------------------------------------------- running ahead


async def test_while_the_learner_reads_the_rest_of_the_lesson_is_run_ahead(store):
    """The prefetch runs on through the lesson (the runner's run ahead), so
    reading on needs no step process: a classroom server ends idle ones."""
    lesson = LESSONS[0]
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.pause(0.3)  # the prefetch timer, then its worker
        await settle(app, pilot)
        run = app.runs[lesson.id].run
        assert len(run.results) == len(lesson.steps)
        run.close()  # no child from here on: every step must come from the results
        for n in range(2, len(lesson.steps) + 1):
            await pilot.press("n")
            await settle(app, pilot)
            assert step_label("en", n, len(lesson.steps)) in status_text(app)
        assert run._child is None
