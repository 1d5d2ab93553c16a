"""What keeps a step key short (issues 9, 10 and 14), checked without a clock.

`benchmarks/bench_app.py --probe` found where slow keys went: a progress
write's fsync on the UI thread (100-950 ms on a busy disk, in one key of a
few), the screen's `-plot-step` class restyling every widget on the screen
(convexity's `descent-nonconvex`, slow in every pass), a hidden plot drawn
for nothing. These tests hold the fixes in place by what they do, never by
how long they take: timings belong in the benchmark.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest
from textual.css.stylesheet import Stylesheet

from screens import region_text, screen_text
from test_app import BY_ID, LESSONS, SIZE, settle
from tutor.i18n import pick
from tutor.progress import ProgressStore
from tutor.ui.app import make_app
from tutor.ui.screens.lesson import PLOT_STEP_PANES, LessonScreen
from tutor.ui.widgets.plot_pane import PlotPane
from tutor.ui.widgets.question_panel import QuestionPanel

STYLESHEETS = sorted((Path(__file__).resolve().parents[1] / "tutor" / "ui").glob("*.tcss"))


class SlowStore(ProgressStore):
    """A progress store whose writes wait until the test opens `gate` (a
    disk busy with fsyncs), and which notes the thread each write ran on."""

    def __init__(self, path, learner: str) -> None:
        super().__init__(path, learner)
        self.gate = threading.Event()
        self.gate.set()
        self.writers: list[threading.Thread] = []
        self.finished = 0  # writes done

    def _wait(self) -> None:
        self.writers.append(threading.current_thread())
        self.gate.wait(10)

    def set_position(self, *args) -> None:
        self._wait()
        super().set_position(*args)
        self.finished += 1

    def record_answer(self, *args) -> int:
        self._wait()
        count = super().record_answer(*args)
        self.finished += 1
        return count


@pytest.fixture
def slow_store(tmp_path):
    store = SlowStore(tmp_path / "progress.sqlite3", "ana")
    yield store
    store.gate.set()
    store.close()


def build(store, start: str):
    return make_app(lessons=LESSONS, lang="en", seed=0, learner="ana", store=store, start_lesson=start)


async def _until(pilot, condition, tries: int = 3000) -> None:
    """Let the app run until `condition()` holds (no worker wait: a stuck
    write keeps the store's worker busy on purpose)."""
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("the app never got there")


async def test_a_stuck_progress_write_never_holds_up_a_step(slow_store):
    """With every write stuck (a disk busy with fsyncs), the learner still
    steps on: each step is drawn, no write runs on the UI thread, and every
    position is in the store once the app has ended."""
    lesson = BY_ID["backprop-pytorch"]
    assert lesson.steps[3].question is not None  # a question step too: its record is not read on the key
    app = build(slow_store, lesson.id)
    async with app.run_test(size=SIZE) as pilot:

        def shown(index: int) -> bool:
            screen = app.screen
            return isinstance(screen, LessonScreen) and screen.result is not None and screen.result.index == index

        await _until(pilot, lambda: shown(0) and app.torch_ready and app.store_writes.pending == 0)
        slow_store.gate.clear()  # from here on, every write waits
        finished = slow_store.finished
        for index in (1, 2, 3):
            await pilot.press("n")
            await _until(pilot, lambda index=index: shown(index))
            await pilot.pause(0.05)
            assert pick(lesson.steps[index].title, "en")[:25] in screen_text(app)
        assert slow_store.writers, "the steps queued no write"
        assert threading.main_thread() not in slow_store.writers  # none ran on the UI thread
        assert slow_store.finished == finished  # and no step waited for one to finish
        # the writes land when the disk lets them, and before the app ends
        threading.Timer(0.2, slow_store.gate.set).start()
        await pilot.press("q")
    assert slow_store.position(lesson.id) == 3


async def test_the_menu_shows_an_answer_recorded_a_moment_before(slow_store):
    """Writes run in the background, but the menu reads the store only once
    they are in: an answer given just before `l` shows as solved."""
    lesson = BY_ID["slope"]
    index = next(i for i, step in enumerate(lesson.steps) if step.question is not None)
    slow_store.set_position(lesson.id, index, len(lesson.steps))
    app = build(slow_store, lesson.id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        await _until(pilot, lambda: screen.result is not None and screen.result.index == index)
        from tutor.values import as_float

        value = as_float(screen.result.expected)
        slow_store.gate.clear()
        threading.Timer(1.0, slow_store.gate.set).start()  # a second of fsyncs
        await pilot.press("a", "+" if value > 0 else "-" if value < 0 else "0", "enter", "escape", "l")
        await _until(pilot, lambda: app.screen is not screen)
        await pilot.pause()
        row = next(line for line in screen_text(app).splitlines() if pick(lesson.title, "en")[:20] in line)
        assert "1/1" in row and "100%" in row, row
        assert slow_store.gate.is_set()  # the menu waited for the writes before it read


async def test_a_question_step_does_not_draw_its_hidden_plot(monkeypatch):
    """convexity's `descent-nonconvex` asks before it shows its plot: the
    hidden pane is not drawn on the key, and is drawn once the question is
    closed."""
    drawn: list = []
    original = PlotPane._draw_plot

    def counting(self, series, width):
        drawn.append(self.plot_data)
        return original(self, series, width)

    monkeypatch.setattr(PlotPane, "_draw_plot", counting)
    lesson = BY_ID["convexity"]
    index = next(i for i, s in enumerate(lesson.steps) if s.id == "descent-nonconvex")
    assert lesson.steps[index].question is not None and lesson.steps[index].plot is not None
    app = build(None, lesson.id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        for _ in range(index):
            await pilot.press("n")
            await settle(app, pilot)
        assert screen.index == index and screen.result.plot is not None
        plot = screen.query_one("#plot", PlotPane)
        assert not screen.query_one("#right").display  # hidden until the answer
        assert not any(data is screen.result.plot for data in drawn)
        assert plot.plot_data is not screen.result.plot
        screen.query_one("#question", QuestionPanel).reveal()
        await settle(app, pilot)
        assert screen.query_one("#right").display
        assert plot.plot_data is screen.result.plot
        assert [data for data in drawn if data is screen.result.plot] == [screen.result.plot]
        assert plot.region.height >= 12  # on screen, at its plot-step size


async def test_a_plot_step_restyles_only_the_panes_it_sizes(monkeypatch):
    """From a plot step to a question step the screen's `-plot-step` class
    goes: the panes it sizes are restyled, not every widget on the screen,
    and the layout follows (the middle column has its height back)."""
    lesson = BY_ID["convexity"]
    index = next(i for i, s in enumerate(lesson.steps) if s.id == "descent-nonconvex")
    app = build(None, lesson.id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _walk_to(app, pilot, index - 1)
        assert screen.has_class("-plot-step")
        squeezed = screen.query_one("#middle").region.height
        restyled: list = []  # every node Textual matched rules for, one by one or in a batch
        original = Stylesheet.apply

        def counting(self, node, *args, **kwargs):
            restyled.append(node)
            return original(self, node, *args, **kwargs)

        monkeypatch.setattr(Stylesheet, "apply", counting)
        await pilot.press("n")
        await settle(app, pilot)
        assert screen.index == index and not screen.has_class("-plot-step")
        assert screen not in restyled
        panes = {screen.query_one(pane) for pane in PLOT_STEP_PANES}
        assert panes <= set(restyled)
        assert len(restyled) < 10, [node.id or type(node).__name__ for node in restyled]
        assert screen.query_one("#middle").region.height > squeezed


def test_the_plot_step_rules_size_only_the_panes_restyled():
    """Every stylesheet rule that depends on `-plot-step` styles one of
    PLOT_STEP_PANES (the only widgets restyled when the class changes)."""
    css = re.sub(r"/\*.*?\*/", "", "".join(path.read_text() for path in STYLESHEETS), flags=re.S)
    rules = re.findall(r"([^{}]*-plot-step[^{}]*)\{", css)
    assert rules
    for selectors in rules:
        for selector in selectors.split(","):
            target = selector.split()[-1]
            assert target in PLOT_STEP_PANES, selector.strip()


@pytest.mark.parametrize(("step_id", "names"), [("l2", ("dz2", "w2_grad")), ("l0", ("dz1", "model[1].weight"))])
async def test_the_next_steps_values_are_laid_out_before_its_key(monkeypatch, step_id, names):
    """While the learner reads a step, the next one runs and its tensors are
    laid out: `n` finds its result ready (no round trip to the step's
    process) and draws its tensors with no grid rendered on the key (the
    costliest part of a step with gradients), and they are the ones that
    step shows: its own values, or on a question's step (`l0`) those of the
    step before that the question keeps on screen until it is answered."""
    from tutor.ui.screens import lesson as lesson_screen
    from tutor.ui.step_runner import StepRunner
    from tutor.ui.widgets.tensor_grid import GridModel

    answers = []
    runner_request = StepRunner.request

    def noting_request(self, *args, **kwargs):
        answer = runner_request(self, *args, **kwargs)
        answers.append(answer)
        return answer

    monkeypatch.setattr(StepRunner, "request", noting_request)

    in_key = []
    rendered_in_key = []
    render, request = GridModel.render, lesson_screen.LessonScreen.request

    def counting_render(self, *args, **kwargs):
        if in_key:
            rendered_in_key.append(self)
        return render(self, *args, **kwargs)

    def keyed_request(self, *args, **kwargs):
        in_key.append(1)
        try:
            return request(self, *args, **kwargs)
        finally:
            in_key.clear()

    monkeypatch.setattr(GridModel, "render", counting_render)
    monkeypatch.setattr(lesson_screen.LessonScreen, "request", keyed_request)
    lesson = BY_ID["backprop-order"]
    index = next(i for i, s in enumerate(lesson.steps) if s.id == step_id)
    app = build(None, lesson.id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        for _ in range(index - 1):
            await pilot.press("n")
            await settle(app, pilot)
        await pilot.pause(0.3)  # the next step runs ahead, then its values are laid out
        await settle(app, pilot)
        rendered_in_key.clear()
        answers.clear()
        await pilot.press("n")
        await settle(app, pilot)
        assert screen.index == index and screen.result.index == index
        assert answers == [screen.result]  # drawn from the ready result, on the key itself
        assert rendered_in_key == []
        values = "\n".join(region_text(app, screen.query_one("#values")))
        assert all(name in values for name in names), values


async def _walk_to(app, pilot, index: int) -> LessonScreen:
    """The lesson screen at step `index` (0-based), reached with `n`."""
    await settle(app, pilot)
    for _ in range(index):
        await pilot.press("n")
        await settle(app, pilot)
    return app.screen


def _count_layouts(monkeypatch) -> list[int]:
    """Every new layout of a screen, counted as it happens."""
    from textual.screen import Screen

    layouts: list[int] = []
    original = Screen._refresh_layout

    def counting(self, *args, **kwargs):
        layouts.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Screen, "_refresh_layout", counting)
    return layouts


async def test_a_step_whose_panes_keep_their_size_is_drawn_without_a_layout(monkeypatch):
    """convexity's `nonconvex` to `descent-convex`: both steps' code is taller
    than the code pane at 80x24 and both legends take one row, so nothing
    changes size; the key repaints the panes, it does not lay out the screen
    again (a layout costs about a fifth of such a key)."""
    layouts = _count_layouts(monkeypatch)
    lesson = BY_ID["convexity"]
    index = next(i for i, s in enumerate(lesson.steps) if s.id == "descent-convex")
    app = build(None, lesson.id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _walk_to(app, pilot, index - 1)
        code = screen.query_one("#code")
        height = code.region.height
        assert len(code._lines) > code.view_height  # held under its max-height
        layouts.clear()
        await pilot.press("n")
        await settle(app, pilot)
        assert screen.index == index
        assert layouts == []
        assert code.region.height == height and len(code._lines) > code.view_height
        assert pick(lesson.steps[index].title, "en") in screen_text(app)


@pytest.mark.parametrize("lesson_id", [lesson.id for lesson in LESSONS])
async def test_every_step_is_drawn_as_a_fresh_layout_draws_it(lesson_id):
    """Keys skip the layout when no pane changes size: if one ever skipped a
    layout it needed, a pane would keep the wrong height. After every step's
    key (but an animated training loop's) the screen must be what a new
    layout of the same screen draws."""
    app = build(None, lesson_id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        for _ in range(screen.total - 1):
            await pilot.press("n")
            await settle(app, pilot)
            step = screen.step
            if step.plot is not None and step.plot.animate:
                continue  # its curve grows from frame to frame
            after_key = screen_text(app)
            for widget in screen.walk_children(with_self=True):
                widget.refresh(layout=True)  # each container arranges afresh
            await settle(app, pilot)
            assert screen_text(app) == after_key, f"{lesson_id} step {screen.index + 1}"


async def test_no_garbage_collection_runs_while_a_key_is_drawn(monkeypatch):
    """A key makes tens of thousands of objects, and Python's young
    collections (every 700 allocations) walked them in the middle of the
    key's layout and render. The collector is off from the key until its
    frame is out, and on again soon after, for the cycles the key left."""
    import gc

    from textual.screen import Screen

    seen: list[bool] = []
    original = Screen._compositor_refresh

    def drawing(self) -> None:
        seen.append(gc.isenabled())
        original(self)

    monkeypatch.setattr(Screen, "_compositor_refresh", drawing)
    app = build(None, "slope")
    async with app.run_test(size=SIZE) as pilot:
        await _walk_to(app, pilot, 1)
        await _until(pilot, gc.isenabled)
        seen.clear()
        await pilot.press("n")
        await settle(app, pilot)
        assert app.screen.index == 2
        assert seen and seen[0] is False  # the key's frame, drawn with the collector off
        await _until(pilot, gc.isenabled)  # and on again once it is out


async def test_a_step_key_is_drawn_inside_its_own_action(monkeypatch):
    """A step's key touches a dozen widgets; each used to wake in turn to
    tell the screen it needed a repaint or a layout, and only then was the
    frame drawn (1.5-4 ms of message hops on a code question's key). The
    screen now draws the frame inside the key's action, with everything the
    key changed, and nothing the widgets say afterwards draws a second one
    (tests/test_frames.py counts the frames of every step)."""
    from textual._compositor import Compositor

    in_action: list[bool] = [False]
    frames: list[bool] = []
    original_render = Compositor.render_update
    original_next = LessonScreen.action_next

    def rendering(self, *args, **kwargs):
        update = original_render(self, *args, **kwargs)
        if update is not None:
            frames.append(in_action[0])
        return update

    def next_step(self) -> None:
        in_action[0] = True
        try:
            original_next(self)
        finally:
            in_action[0] = False

    monkeypatch.setattr(Compositor, "render_update", rendering)
    monkeypatch.setattr(LessonScreen, "action_next", next_step)
    lesson = BY_ID["backprop-pytorch"]
    index = next(i for i, s in enumerate(lesson.steps) if s.id == "write-gradients")
    app = build(None, lesson.id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _walk_to(app, pilot, index - 1)
        await pilot.pause(0.3)  # the code question's editor is filled ahead
        await settle(app, pilot)
        frames.clear()
        await pilot.press("n")
        await settle(app, pilot)
        assert screen.index == index
        assert frames == [True]  # one frame, drawn by the key's own action
        assert screen.query_one("#editor").display and not screen.query_one("#code").display


async def test_n_p_and_space_step_at_once_yet_type_in_a_text_box(monkeypatch):
    """`n`, space and `p` are taken as they arrive, not first offered to the
    focused pane and passed back up through its containers; the arrows stay
    the focused pane's (the values pane moves its cursor with them), and in
    the answer box all of them are text."""
    from textual.widget import Widget

    offered: list[str] = []
    original = Widget._forward_event

    def forward(self, event) -> None:
        if getattr(event, "key", None) in ("n", "p", "space"):
            offered.append(f"{type(self).__name__}#{self.id}")
        original(self, event)

    monkeypatch.setattr(Widget, "_forward_event", forward)
    lesson = BY_ID["slope"]
    question = next(i for i, s in enumerate(lesson.steps) if s.id == "checkpoint")
    app = build(None, lesson.id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _walk_to(app, pilot, 1)
        await pilot.press("n", "space", "p")
        await settle(app, pilot)
        assert screen.index == 2
        assert offered == []  # no pane was asked first
        values = screen.query_one("#values")
        values.focus()
        await pilot.pause()
        before = values.cursor
        await pilot.press("right")
        await settle(app, pilot)
        assert screen.index == 2 and screen.focused is values
        assert values.cursor != before  # the values pane's cursor moved instead
        while screen.index != question:
            await pilot.press("n")
            await settle(app, pilot)
        await pilot.press("a", "n", "space", "p")
        await settle(app, pilot)
        assert screen.index == question
        assert screen.query_one("#q-input").value == "n p"
        await pilot.press("escape", "p")
        await settle(app, pilot)
        assert screen.index == question - 1


async def test_a_key_line_that_comes_back_is_not_drawn_again(monkeypatch):
    """The key line gains `h` and `a` on a question's step and loses them
    after it: each of the two lines is drawn once, then found kept
    (tutor/ui/widgets/text_line.py), and still reads as it should."""
    from tutor.ui.widgets.key_bar import KeyBar

    drawn: list[tuple] = []
    line_text = KeyBar.line_text

    def counting(self, width):
        drawn.append(self.line_key())
        return line_text(self, width)

    monkeypatch.setattr(KeyBar, "line_text", counting)
    lesson = BY_ID["backprop-order"]
    index = next(i for i, s in enumerate(lesson.steps)
                 if s.question is not None and i and lesson.steps[i - 1].question is None)
    app = build(None, lesson.id)
    async with app.run_test(size=SIZE) as pilot:
        await _walk_to(app, pilot, index - 1)
        lines = []
        for key in "npnp":
            await pilot.press(key)
            await settle(app, pilot)
            lines.append(screen_text(app).splitlines()[-1])
        assert "h hint" in lines[0] and "h hint" not in lines[1]
        assert lines[2:] == lines[:2]
        assert len(drawn) == len(set(drawn)), drawn  # none drawn twice


async def test_the_next_exercises_highlights_are_worked_out_before_its_key(monkeypatch):
    """From one code question's step to the next, the editor's code is
    replaced on the key; its syntax highlights were worked out while the
    learner read (Pygments on the key was a fifth of it), and they are the
    new code's."""
    from pygments.lexers import PythonLexer

    from tutor.ui.widgets.code_editor import CodeArea, highlights

    lexed: list[str] = []
    get_tokens = PythonLexer.get_tokens

    def counting(self, text, *args, **kwargs):
        lexed.append(text)
        return get_tokens(self, text, *args, **kwargs)

    monkeypatch.setattr(PythonLexer, "get_tokens", counting)
    lesson = BY_ID["practice"]
    codes = [i for i, s in enumerate(lesson.steps) if s.question is not None and s.question.kind == "code"]
    index = next(i for i in codes if i - 1 in codes)
    app = build(None, lesson.id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _walk_to(app, pilot, index - 1)
        area = screen.query_one(CodeArea)
        before = area.text
        await pilot.pause(0.3)  # the next step runs ahead
        await settle(app, pilot)
        lexed.clear()
        await pilot.press("n")
        await settle(app, pilot)
        assert screen.index == index and area.text != before
        assert lexed == []
        assert {row: tuple(spans) for row, spans in area._highlights.items() if spans} == highlights(area.text)


async def test_a_lessons_first_plot_step_finds_its_canvas_built(monkeypatch):
    """Training's `repeat` is its first plot step. The only size its plot
    pane had on that screen is the one the screen's first layout gave it,
    under the backprop diagram, shorter. Its canvas is built ahead at the
    size a plot step's plot had in an earlier lesson (slope's), not on the
    key (30% of the key's Python)."""
    from tutor.ui.widgets import plot_pane

    monkeypatch.setattr(plot_pane, "_SIZE_ON_SCREEN", {})
    built: list[tuple[int, int]] = []
    build_canvas = plot_pane._build_canvas

    def counting(figure, width, height):
        built.append((width, height))
        return build_canvas(figure, width, height)

    monkeypatch.setattr(plot_pane, "_build_canvas", counting)
    slope = BY_ID["slope"]
    app = build(None, slope.id)
    async with app.run_test(size=SIZE) as pilot:
        plotted = next(i for i, s in enumerate(slope.steps) if i and s.plot is not None and s.question is None
                       and not s.diagram)
        screen = await _walk_to(app, pilot, plotted)
        assert screen.query_one("#plot").region.height > 0
    training = BY_ID["training"]
    index = next(i for i, s in enumerate(training.steps) if s.id == "repeat")
    step = training.steps[index]
    assert step.plot is not None and not step.diagram and step.question is None
    assert all(s.plot is None for s in training.steps[:index])
    app = build(None, training.id)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _walk_to(app, pilot, index - 1)
        await pilot.pause(0.3)  # the next step runs ahead, and its plot is built
        await settle(app, pilot)
        plot = screen.query_one("#plot", PlotPane)
        first_layout = plot._known_size
        built.clear()
        await pilot.press("n")
        await settle(app, pilot)
        assert screen.index == index and plot.size.height > first_layout.height
        assert built == []
