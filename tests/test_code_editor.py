"""A code exercise as a learner meets it in the app (Pilot, 80x24): they
type into the editor, run with Ctrl+R or F5, and read the verdict of each
check, the mistake's message, an error at their own line; Ctrl+O and
Ctrl+T put back the starter and the solution; Esc leaves the editor and
only that; their code comes back after a restart."""

from __future__ import annotations

import pytest
from rich.color import Color

from screens import count_renders
from test_app import BY_ID, LESSONS, screen_text, settle  # the app tests' helpers
from tutor.progress import ProgressStore
from tutor.ui.app import make_app
from tutor.ui.widgets.code_editor import CodeArea, CodeEditor

SIZE = (80, 24)


def step_index(lesson_id: str, step_id: str) -> int:
    return next(i for i, s in enumerate(BY_ID[lesson_id].steps) if s.id == step_id)


def build_at(store: ProgressStore, lesson_id: str, step_id: str, lang: str = "en"):
    store.set_position(lesson_id, step_index(lesson_id, step_id), len(BY_ID[lesson_id].steps))
    return make_app(lessons=LESSONS, lang=lang, seed=0, learner="ana", store=store, start_lesson=lesson_id)


async def ready(app, pilot) -> None:
    """Torch loaded and the step on screen has run."""
    for _ in range(300):
        await settle(app, pilot)
        if app.torch_ready and getattr(app.screen, "result", None) is not None and not app.screen.busy:
            return
        await pilot.pause(0.05)
    raise AssertionError("the step never ran")


def keys_for(code: str) -> list[str]:
    """What a learner presses to type `code` in the editor: Enter keeps the
    indentation (and deepens it after a colon), so continuation lines are
    typed without their leading spaces; a dedent is Backspace."""
    keys: list[str] = []
    depth = 0
    for n, line in enumerate(code.strip("\n").splitlines()):
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if n:
            keys.append("enter")
            keys += ["backspace"] * (depth - indent) + ["space"] * (indent - depth)
        keys += list(stripped)
        depth = indent + (4 if stripped.rstrip().endswith(":") else 0)
    return keys


async def type_code(app, pilot, code: str) -> None:
    """Into the editor (`a`), over whatever it holds (F7 selects all)."""
    await pilot.press("a", "f7", *keys_for(code))


async def run(app, pilot, key: str = "ctrl+r") -> str:
    """Press the run key, wait for the verdict, return the question panel's text."""
    await pilot.press(key)
    await settle(app, pilot)
    for _ in range(200):
        if not app.screen._code_running:
            break
        await pilot.pause(0.05)
        await settle(app, pilot)
    return panel_text(app)


def panel_text(app) -> str:
    """The question panel as read on screen, its wrapped lines joined."""
    panel = app.screen.query_one("#question")
    return " ".join(" ".join(line.split()) for line in region_lines(app, panel))


def verdict_colour(app, words: str) -> int | None:
    """The colour number of the verdict's first words, which are bold."""
    feedback = app.screen.query_one("#q-feedback")
    segment = next(s for line in feedback._lines for s in line if s.text.startswith(words))
    assert segment.style.bold, segment
    return segment.style.color.number if segment.style.color else None


def editor(app) -> CodeEditor:
    return app.screen.query_one("#editor", CodeEditor)


async def test_typed_code_runs_with_f5_and_ctrl_r_gets_the_mistake_then_right(tmp_path):
    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    app = build_at(store, "practice", "write-gradients")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        shown = screen_text(app)
        assert "Your code" in shown and "grad = ____" in shown  # the starter, in the code pane's place
        assert not app.screen.query_one("#code").display

        await type_code(app, pilot, "grad = model[0].weight.grad")
        text = await run(app, pilot, "f5")
        assert "x Not yet (run 1)." in text
        assert "grad is None: the gradients exist only after loss.backward() has run." in text  # the mistake
        assert verdict_colour(app, "x Not yet") == Color.parse("red").number  # the terminal's red, bold

        await type_code(app, pilot, "loss.backward()\ngrad = model[0].weight.grad")
        text = await run(app, pilot, "ctrl+r")
        assert "+ Right: your code passes every check." in text
        assert "+ model[0].weight.grad: right" in text and "+ grad: right" in text
        assert verdict_colour(app, "+ Right") == Color.parse("green").number
        values = app.screen.query_one("#values")
        assert values.display and values.border_title.startswith("Values")
        shown = values._shown[0]  # what the pane holds: the learner's values of the checked names
        assert list(shown)[:2] == ["model[0].weight.grad", "grad"] and shown["grad"].shape == (8, 16)

        step = BY_ID["practice"].steps[step_index("practice", "write-gradients")]
        assert store.code("practice", step.id) == "loss.backward()\ngrad = model[0].weight.grad"
        record = store.question("practice", step.id)
        assert record.solved and [a.correct for a in record.attempts] == [False, True]


def region_lines(app, widget) -> list[str]:
    lines = screen_text(app).splitlines()
    r = widget.region
    return [line[r.x:r.right] for line in lines[r.y:r.bottom]]


async def test_a_wrong_shape_and_wrong_values_are_named_check_by_check(tmp_path):
    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    app = build_at(store, "practice", "write-gradients")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await type_code(app, pilot, "loss.backward()\ngrad = model[0].weight.grad.T")
        text = await run(app, pilot)
        assert "x grad: shape (16, 8), expected (8, 16)" in text
        assert "+ model[0].weight.grad: right" in text
        assert "grad is transposed: (16, 8) instead of (8, 16)." in text  # the mistake whose condition holds

        await type_code(app, pilot, "loss.backward()\ngrad = 2 * model[0].weight.grad")
        text = await run(app, pilot)
        assert "x grad: not the expected values (off by up to" in text


async def test_an_error_shows_the_learners_line_never_a_traceback(tmp_path):
    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    app = build_at(store, "practice", "write-gradients")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await type_code(app, pilot, "loss.backward()\ngrad = model[0].weight.gradd")
        text = await run(app, pilot)
        assert "Line 2: AttributeError:" in text
        assert "grad = model[0].weight.gradd" in text  # the offending line
        whole = screen_text(app)
        assert "Traceback" not in whole and "tutor/" not in whole and ".py" not in whole
        assert app.screen.index == step_index("practice", "write-gradients")  # the lesson goes on


async def test_enter_keeps_the_indentation_and_a_loop_is_right(tmp_path):
    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    app = build_at(store, "practice", "write-update")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await type_code(app, pilot, "with torch.no_grad():\n    model[0].weight -= lr * model[0].weight.grad")
        assert editor(app).code == "with torch.no_grad():\n    model[0].weight -= lr * model[0].weight.grad"
        text = await run(app, pilot)
        assert "+ Right: your code passes every check." in text


async def test_the_slides_rebinding_gets_its_mistake_message(tmp_path):
    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    app = build_at(store, "practice", "write-fix-slide")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        text = await run(app, pilot)  # the starter as given: the slide's update
        assert "x model[0].weight:" in text
        assert "made a new tensor; update the model's own weight in place" in text


async def test_esc_leaves_the_editor_and_only_that(tmp_path):
    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    app = build_at(store, "practice", "write-gradients")
    index = step_index("practice", "write-gradients")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await pilot.press("a")
        assert isinstance(app.focused, CodeArea)
        assert "Esc leaves the editor" in panel_text(app)
        await pilot.press("n", "p", "l", "q", "h", "a", "enter")  # code, not the lesson's keys
        await settle(app, pilot)
        assert editor(app).code.startswith("nplqha\n")
        assert app.screen.index == index and app.is_running
        await pilot.press("escape")
        await settle(app, pilot)
        # out of the editor, into the explanation (its arrows scroll), still here
        assert app.focused is app.screen.query_one("#explain-pane") and app.screen.index == index
        assert "a: write in the editor" in panel_text(app)
        await pilot.press("ctrl+r")  # the run key works outside the editor too
        await settle(app, pilot)
        for _ in range(100):
            if not app.screen._code_running:
                break
            await pilot.pause(0.05)
        assert "NameError" in panel_text(app)
        await pilot.press("n")
        await settle(app, pilot)
        assert app.screen.index == index + 1


async def test_starter_and_solution_keys_and_the_solution_counts_as_revealed(tmp_path):
    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    app = build_at(store, "practice", "write-sgd")
    step = BY_ID["practice"].steps[step_index("practice", "write-sgd")]
    exercise = step.question.code
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await type_code(app, pilot, "print('mine')")
        await pilot.press("ctrl+t")
        await settle(app, pilot)
        assert editor(app).code == exercise.solution.lstrip("\n")
        assert "solution" in editor(app).border_title
        assert store.question("practice", step.id).revealed
        assert "keeps the parameters and the learning rate" in panel_text(app)  # the worked explanation
        await pilot.press("ctrl+z")
        assert editor(app).code == "print('mine')"  # the learner's code is never lost
        await pilot.press("ctrl+o")
        await settle(app, pilot)
        assert editor(app).code == exercise.starter["en"].lstrip("\n")
        await type_code(app, pilot, exercise.solution + "\nprint('hello', 6 * 7)")
        text = await run(app, pilot)
        assert "Your code printed:" in text and "hello 42" in text


async def test_a_learner_in_portuguese_opens_the_starter_with_portuguese_comments(tmp_path):
    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    app = build_at(store, "practice", "write-derivative", lang="pt")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        assert "# o autograd preenche x.grad" in editor(app).code
        assert "autograd fills" not in editor(app).code
        await pilot.press("ctrl+o")  # back to the starter: the Portuguese one
        await ready(app, pilot)
        assert "# dividido pela distância entre eles" in editor(app).code


async def test_the_code_comes_back_after_a_restart_in_portuguese(tmp_path):
    path = tmp_path / "progress.sqlite3"
    store = ProgressStore(path, "ana")
    app = build_at(store, "backprop-pytorch", "write-gradients", lang="pt")
    code = "loss.backward()\ngrad = model[0].weight.grad"
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await type_code(app, pilot, code)
        text = await run(app, pilot)
        assert "+ Certo: seu código passa em todas as verificações." in text
        assert "Seu código" in screen_text(app)
    store.close()

    store = ProgressStore(path, "ana")
    app = make_app(lessons=LESSONS, lang="pt", seed=0, learner="ana", store=store, start_lesson="backprop-pytorch")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        assert app.screen.step.id == "write-gradients"
        assert editor(app).code == code
        assert "Você já respondeu a esta pergunta." in panel_text(app)


@pytest.mark.parametrize("lang", ["en", "pt"])
async def test_every_starter_fits_the_editor_at_80x24(tmp_path, lang):
    """A starter line wider than the editor hides its end behind a sideways
    scroll (and the scrollbar costs a frame). Practice holds every exercise
    of the chapter (lessons 5-7 end with three of them)."""
    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    lesson = BY_ID["practice"]
    first = next(i for i, s in enumerate(lesson.steps) if s.question is not None and s.question.kind == "code")
    app = build_at(store, "practice", lesson.steps[first].id, lang=lang)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        seen = []
        for step in lesson.steps[first:]:
            assert app.screen.step.id == step.id
            if step.question is not None and step.question.kind == "code":
                area = app.screen.query_one(CodeArea)
                assert area.max_scroll_x == 0, f"{step.id} ({lang}): {area.virtual_size.width} > {area.size.width}"
                seen.append(step.id)
            await pilot.press("n")
            await ready(app, pilot)
        assert len(seen) == 8


@pytest.mark.parametrize("size", [(80, 24), (101, 30), (119, 40), (140, 40)])
async def test_a_code_steps_explanation_is_rendered_ahead_at_the_width_it_gets(tmp_path, size):
    """Below 120 columns a code question's step widens the left column. Its
    text is rendered while the learner reads the step before, at the width
    the screen predicts (`_explain_width`), so the key that shows the step
    renders no Markdown; the same going back with `p`. A wrong prediction
    would not show wrong text (the layout's width wins), only cost the key."""
    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    app = build_at(store, "backprop-pytorch", "layer2")
    async with app.run_test(size=size) as pilot:
        await ready(app, pilot)
        screen = app.screen
        pane = screen.query_one("#explain-pane")
        code_index = step_index("backprop-pytorch", "write-gradients")
        rendered: list[int] = []
        render = pane.render_renderable

        def counting(renderable, width):
            rendered.append(width)
            return render(renderable, width)

        pane.render_renderable = counting
        for key, index in (("n", code_index), ("p", code_index - 1)):
            await pilot.pause(0.4)  # the learner reads: the next step is prepared
            predicted = screen._explain_width(index)
            rendered.clear()
            await pilot.press(key)
            await ready(app, pilot)
            assert screen.index == index
            assert pane.known_size.width == predicted, (size, key)
            assert rendered == [], f"{size} {key}: the step's text was rendered on the key, at {rendered}"


async def test_while_a_learner_reads_an_exercise_the_editor_keeps_its_code(tmp_path):
    """The next step is prepared while the learner reads (its text, the
    hidden editor's code): an editor on screen is never given the next
    exercise's starter."""
    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    app = build_at(store, "practice", "write-gradients")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        starter = BY_ID["practice"].steps[app.screen.index].question.code.starter["en"].lstrip("\n")
        await pilot.pause(0.5)  # past the prefetch of write-order
        assert editor(app).code == starter
        await pilot.press("n")
        await ready(app, pilot)
        await pilot.pause(0.5)
        nxt = BY_ID["practice"].steps[app.screen.index].question.code.starter["en"].lstrip("\n")
        assert nxt != starter and editor(app).code == nxt


async def test_a_zoomed_explanation_stays_at_the_windows_width_into_a_code_step(tmp_path):
    """Zoomed (z), the explanation keeps the window's width on every step:
    the width a code step would give it in the columns is not the one it
    gets."""
    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    app = build_at(store, "backprop-pytorch", "layer2")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        pane = app.screen.query_one("#explain-pane")
        app.screen.set_focus(pane)
        await pilot.press("z")
        await settle(app, pilot)
        assert app.screen.maximized is pane
        await pilot.pause(0.4)
        await pilot.press("n")
        await ready(app, pilot)
        assert app.screen.step.id == "write-gradients"
        width = pane.content_size.width
        assert width > 70 and pane._built_for == width
        assert all(line.cell_length == width for line in pane._lines)


@pytest.mark.parametrize("key", ["a", "ctrl+t", "ctrl+o", "ctrl+r"])
async def test_a_code_key_behind_a_zoomed_explanation_leaves_the_zoom(tmp_path, key):
    """With the explanation zoomed, `a` focused the editor behind it (code
    typed unseen), Ctrl+T and Ctrl+O changed code nowhere on screen, and a
    run's verdict showed in a hidden panel: each now leaves the zoom."""
    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    app = build_at(store, "sgd", "write-loop")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        screen = app.screen
        screen.set_focus(screen.query_one("#explain-pane"))
        await pilot.press("z")
        await settle(app, pilot)
        assert screen.maximized is screen.query_one("#explain-pane")
        await pilot.press(key)
        await ready(app, pilot)
        assert screen.maximized is None
        assert "Your code" in screen_text(app)  # the editor is on screen
        if key == "a":
            assert isinstance(app.focused, CodeArea)


THEME_FIELDS = ("base_style", "gutter_style", "cursor_style", "cursor_line_style", "cursor_line_gutter_style",
                "bracket_matching_style", "selection_style")


async def test_the_editor_takes_its_theme_from_the_stylesheet_once_and_again_when_a_style_changes(
        tmp_path, monkeypatch):
    """Textual's TextArea gives its theme the stylesheet's styles on every
    paint (~3,400 calls). The editor does it when its text is opened ahead
    and again only when a style it reads changes: the key that shows the
    exercise, and keys typed in it, do not; an ancestor restyled and a new
    app theme do. At every point the theme holds what a fresh theme given
    the styles now would hold."""
    from dataclasses import replace

    from textual.widgets.text_area import TextAreaTheme

    from tutor.ui.widgets.code_editor import THEME

    applied: list[int] = []
    apply_css = TextAreaTheme.apply_css

    def counting(theme, area):
        applied.append(1)
        apply_css(theme, area)

    monkeypatch.setattr(TextAreaTheme, "apply_css", counting)

    def check_theme(area: CodeArea, when: str) -> None:
        fresh = replace(THEME)
        apply_css(fresh, area)
        for name in THEME_FIELDS:
            assert getattr(area._theme, name) == getattr(fresh, name), f"{when}: {name}"

    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    app = build_at(store, "sgd", "loop")  # a plot step, then the lesson's exercise
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await pilot.pause(0.5)  # the learner reads: the exercise is opened ahead
        area = app.screen.query_one(CodeArea)
        check_theme(area, "opened ahead")
        applied.clear()
        await pilot.press("n")
        await ready(app, pilot)
        assert app.screen.step.id == "write-loop" and "Your code" in screen_text(app)
        assert applied == [], "the key that shows the exercise gave the theme its styles again"
        check_theme(area, "shown")

        await pilot.press("a", "x", "y", "z")
        await settle(app, pilot)
        assert area.text.startswith("xyz") and "xyz" in screen_text(app)
        assert applied == [], "a key typed in the editor gave the theme its styles again"
        check_theme(area, "typed in")

        assert not area._theme.base_style.italic
        editor(app).styles.text_style = "italic"  # a widget around the area restyled
        await settle(app, pilot)
        assert applied == [1]
        check_theme(area, "restyled")
        assert area._theme.base_style.italic

        app.theme = "textual-light"  # the app's theme: a new editor theme, its styles given again
        await settle(app, pilot)
        assert len(applied) == 2
        check_theme(area, "new app theme")


@pytest.mark.parametrize("size", [(80, 24), (101, 30)])
async def test_the_first_exercises_feedback_is_rendered_once_at_the_width_it_gets(tmp_path, monkeypatch, size):
    """Onto the first exercise the left column widens and the side column
    narrows in the key's layout; the question's feedback, set before that
    layout, is rendered once, at the side column's new width (not at the
    old one and again), and fits it: rendered while the learner reads the
    step before (QuestionPanel.prepare), so not at all on the key."""
    from tutor.ui.widgets.text_pane import TextPane

    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    app = build_at(store, "practice", "rebinding")
    async with app.run_test(size=size) as pilot:
        await ready(app, pilot)
        feedback = app.screen.query_one("#q-feedback", TextPane)
        before = feedback.content_size.width
        rendered = count_renders(monkeypatch, feedback)
        await pilot.pause(0.4)  # the learner reads: the next step is prepared
        ahead = list(rendered)
        await pilot.press("n")
        await ready(app, pilot)
        assert app.screen.step.id == "write-gradients"
        width = feedback.content_size.width
        assert width < before and rendered == [width] and ahead == [width], (before, width, rendered, ahead)
        assert all(line.cell_length == width for line in feedback._lines)
        assert "Write your code in the editor" in " ".join(" ".join(x.split()) for x in region_lines(app, feedback))


def key_line(app) -> str:
    return screen_text(app).splitlines()[-1].strip()


async def test_the_key_line_in_a_text_box_offers_only_keys_that_are_not_typed_as_text(tmp_path):
    """In the answer box and in the editor, `+`, `l`, `?` are text: the key
    line no longer offers "+/- param", "l lessons", "? help" there (Textual
    has no character for `+`, and Esc leaves the box); it offers the way
    out, Esc, and help is still F1, and says so."""
    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    app = build_at(store, "practice", "slope")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        full = key_line(app)
        for shown in ("n next", "+/- param", "l lessons", "? help", "q quit"):
            assert shown in full, full
        await pilot.press("a")
        assert key_line(app) == "Esc leave box  F1 help"
        await pilot.press("1", "plus", "question_mark", "l")
        assert app.screen.query_one("#q-input").value == "1+?l"
        assert "lr = 0.1" in screen_text(app).splitlines()[0]  # + was text, not the parameter
        await pilot.press("f1")
        await settle(app, pilot)
        assert "Keys" in screen_text(app)  # the help
        await pilot.press("escape")
        await settle(app, pilot)
        await pilot.press("escape")  # leaves the box
        assert key_line(app) == full

    store = ProgressStore(tmp_path / "progress2.sqlite3", "ana")
    app = build_at(store, "practice", "write-gradients")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await pilot.press("a")
        assert key_line(app) == "Esc leave editor  F1 help"
        await pilot.press("escape")  # leaves the editor, not the lesson
        assert app.screen.id != "menu" and "l lessons" in key_line(app)


@pytest.mark.parametrize("lang", ["en", "pt"])
async def test_the_editor_title_says_when_code_lies_below_the_window(tmp_path, lang):
    """Practice's last exercise is 17 lines, the editor 13 rows at 80x24:
    its title says "more: Down", as the other panes' do, until the cursor
    has brought the last line into view, and again once it goes back up."""
    more = {"en": "Your code (more: Down)", "pt": "Seu código (mais abaixo: ↓)"}[lang]
    whole = more.split(" (")[0]
    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    app = build_at(store, "practice", "write-derivative", lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        assert more in screen_text(app)
        await pilot.press("a", *["down"] * 20)
        await pilot.pause()
        text = screen_text(app)
        assert more not in text and whole in text
        await pilot.press(*["up"] * 20)
        await pilot.pause()
        assert more in screen_text(app)
