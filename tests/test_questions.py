"""A question as a learner meets it at 80x24 (issue 10 §4): the focus rule,
the why under the verdict, a verdict that follows the live value, the
values the question needs, and answers too long to check."""

from __future__ import annotations

import pytest
from rich.color import Color
from rich.console import Console
from textual import events

from screens import count_renders, region_text, screen_text
from test_app import BY_ID, SIZE, build, ready, settle, status_text, step_label
from test_practice_app import typed_answer
from tutor.checking import MAX_INPUT
from tutor.i18n import pick
from tutor.progress import ProgressStore
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.strings import t
from tutor.ui.widgets.question_panel import AnswerInput, worked_answer


@pytest.fixture
def store(tmp_path):
    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    yield store
    store.close()


def _index(lesson_id: str, step_id: str) -> int:
    return next(i for i, s in enumerate(BY_ID[lesson_id].steps) if s.id == step_id)


async def _at(app, pilot, store, lesson_id: str, step_id: str) -> LessonScreen:
    await ready(app, pilot)
    return app.screen


def _open(store, lesson_id: str, step_id: str, lang: str = "en"):
    store.set_position(lesson_id, _index(lesson_id, step_id), len(BY_ID[lesson_id].steps))
    return build(store, lang=lang, start=lesson_id)


async def _answer_right(app, pilot, *then: str) -> tuple[LessonScreen, str]:
    """Once the step is ready, its question answered right as a learner
    types it (`a`, the answer, Enter), then the keys `then`."""
    await ready(app, pilot)
    screen = app.screen
    answer = typed_answer(screen.step.question, screen.result.expected)
    await pilot.press("a", *answer, "enter", *then)
    await settle(app, pilot)
    return screen, answer


async def test_esc_after_a_right_answer_leaves_the_box_and_nothing_else(store):
    app = _open(store, "practice", "slope")
    async with app.run_test(size=SIZE) as pilot:
        screen, answer = await _answer_right(app, pilot)
        text = screen_text(app)
        assert "Right!" in text
        assert "Why:" in text  # the why, right under the verdict, at 80x24
        assert isinstance(app.focused, AnswerInput)  # a verdict never moves the focus
        await pilot.press("escape")
        await settle(app, pilot)
        # out of the box, into the explanation, where the arrows scroll
        assert app.screen is screen and app.focused is screen.query_one("#explain-pane")
        # n, h, p are lesson keys again, never letters in the box
        await pilot.press("n")
        await ready(app, pilot)
        assert step_label("en", 2, screen.total) in status_text(app)
        await pilot.press("p")
        await ready(app, pilot)
        assert screen.query_one(AnswerInput).value == answer
        # the same rule after a wrong answer
        await pilot.press("n")
        await ready(app, pilot)
        await pilot.press("a", "z", "enter")
        await settle(app, pilot)
        assert isinstance(app.focused, AnswerInput)
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.screen is screen and app.focused is screen.query_one("#explain-pane")
        await pilot.press("escape")  # no box focused: Esc leaves the lesson
        await settle(app, pilot)
        assert not isinstance(app.screen, LessonScreen)


async def test_a_zoomed_question_shows_its_whole_why_and_esc_leaves_the_box_first(store):
    """`z` on an answered question gives its verdict and why the window's
    rows: beside the values the stylesheet keeps them to a few at 80x24,
    and the zoom is where a learner goes to read the rest. In the zoom, Esc
    does what the key line says: it leaves the answer box, and a second Esc
    leaves the zoom (Textual's default left the zoom with the box still
    focused, and the `z` pressed next went into the answer)."""
    app = _open(store, "manual-update", "slide")
    async with app.run_test(size=SIZE) as pilot:
        screen, answer = await _answer_right(app, pilot)
        feedback = screen.query_one("#q-feedback")
        end = "differs from before."  # the why's last words
        assert "Right!" in screen_text(app) and end not in screen_text(app)
        assert "│─(more: Down)─" in screen_text(app)  # on the verdict's rule, which has no name
        await pilot.press("escape")
        feedback.focus()
        await pilot.press("z")
        await settle(app, pilot)
        assert screen.maximized is screen.query_one("#question")
        text = screen_text(app)
        assert "Right!" in text and end in text
        assert "more" not in str(feedback.border_title)
        await pilot.press("a")  # into the box, still zoomed
        await settle(app, pilot)
        assert isinstance(app.focused, AnswerInput) and screen.maximized is not None
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.focused, AnswerInput)
        assert screen.maximized is not None  # the box left, the zoom kept
        await pilot.press("z")
        await settle(app, pilot)
        assert screen.maximized is None  # `z` left the zoom, not typed into the box
        assert screen.query_one(AnswerInput).value == answer
        await pilot.press("z", "escape")
        await settle(app, pilot)
        assert screen.maximized is None and app.screen is screen  # Esc leaves the zoom, then the lesson
        await pilot.press("escape")
        await settle(app, pilot)
        assert not isinstance(app.screen, LessonScreen)


@pytest.mark.parametrize("key", ["a", "enter", "h"])
async def test_a_questions_key_behind_a_zoomed_explanation_leaves_the_zoom(store, key):
    """With the explanation zoomed, `a` (or Enter) focused the answer box
    behind it: the key line said "Esc leaves the box" and the letters went
    into a box nowhere on screen. A hint, likewise, was written where
    nothing showed. Such a key now leaves the zoom, and its box or hint is
    on screen; with the question itself zoomed, it stays zoomed."""
    app = _open(store, "manual-update", "slide")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        screen = app.screen
        await pilot.press("z")  # nothing focused: the explanation
        await settle(app, pilot)
        assert screen.maximized is screen.query_one("#explain-pane")
        await pilot.press(key)
        await settle(app, pilot)
        assert screen.maximized is None
        text = screen_text(app)
        if key == "h":
            assert "Hint 1/" in text
        else:
            assert isinstance(app.focused, AnswerInput) and "Enter checks" in text
            await pilot.press("b")
            assert "▌b" in screen_text(app)  # typed where the learner sees it
            await pilot.press("escape")
        screen.query_one("#q-feedback").focus()
        await pilot.press("z", key)  # the question zoomed: its own keys keep the zoom
        await settle(app, pilot)
        assert screen.maximized is screen.query_one("#question")


def _keys_line(screen) -> str:
    return screen.query_one("#q-keys").text.plain


@pytest.mark.parametrize("lang", ["en", "pt"])
async def test_a_closed_question_says_neither_anyway_nor_predict_first(store, lang):
    """Before an answer, `n` goes on "anyway" and the values wait for a
    prediction; once the question is answered right (or its answer revealed
    through the hints), on screen and when the learner comes back to it,
    the keys line says plainly what the keys do, and a revealed answer is
    not asked to be predicted."""
    app = _open(store, "practice", "slope", lang)
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        assert _keys_line(app.screen) == t("q_how", lang)
        screen, _ = await _answer_right(app, pilot, "escape")
        assert _keys_line(screen) == t("q_how_closed", lang)
        await pilot.press("n")
        await ready(app, pilot)
        assert _keys_line(screen) == t("q_how", lang)  # the next question is open
        predict = t("q_predict", lang).split(":")[0]  # "Predict first"
        assert predict in screen_text(app)
        for _ in range(len(screen.step.question.hints) + 1):  # the hints, then the worked answer
            await pilot.press("h")
            await settle(app, pilot)
        assert screen.query_one("#question").current.revealed
        assert _keys_line(screen) == t("q_how_closed", lang)
        assert predict not in screen_text(app)  # the values show: no "predict first" above the answer
        assert t("q_answer_is", lang, expected="").strip() in screen_text(app)
        await pilot.press("p")
        await ready(app, pilot)
        assert _keys_line(screen) == t("q_how_closed", lang)
        assert "anyway" not in screen_text(app) and "mesmo assim" not in screen_text(app)


async def test_an_answer_typed_before_the_step_ran_closes_the_keys_line_too(store):
    """An answer given while the step still runs is checked when its value
    comes (`live`), the box perhaps already left: the keys line follows."""
    app = _open(store, "practice", "slope")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        screen = app.screen
        panel = screen.query_one("#question")
        expected = screen.result.expected
        panel.ready = False  # as on the key, before the step's result
        panel.submit(typed_answer(screen.step.question, expected))
        assert panel.current.pending is not None
        await settle(app, pilot)
        assert _keys_line(screen) == t("q_how", "en") and not isinstance(app.focused, AnswerInput)
        panel.live(expected)
        await settle(app, pilot)
        assert panel.current.solved
        assert _keys_line(screen) == t("q_how_closed", "en")


async def test_a_new_learning_rate_checks_the_shown_verdict_again(store):
    """The practice update's answer is 0.8 + 0.5 * lr: after `+` the verdict
    and the live value on screen are the new ones, never stale. The answer
    was right: the verdict says the value moved, and never "try again"
    beside the why that gives the new value away."""
    app = _open(store, "practice", "update")
    async with app.run_test(size=(80, 40)) as pilot:
        screen, answer = await _answer_right(app, pilot, "escape")
        assert "Right!" in screen_text(app)
        await pilot.press("plus")
        await ready(app, pilot)
        new = typed_answer(screen.step.question, screen.result.expected)
        assert new != answer
        panel = "\n".join(region_text(app, screen.query_one("#question")))
        flat = " ".join(panel.split())
        assert "Right!" not in panel and t("q_moved", "en") in flat, panel
        assert "Not quite." not in panel and "Try again" not in flat, panel
        assert f"computed value: {new}" in flat, panel


async def test_the_values_a_question_needs_stay_on_screen(store):
    """Lesson 4's dz0 question needs dz1 and model[1].weight from the step
    before: they are in the values pane while the question waits."""
    app = _open(store, "backprop-order", "l0")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        screen = app.screen
        values = screen.query_one("#values")
        assert values.display
        shown = "\n".join(region_text(app, values))
        assert "dz1" in shown.splitlines()
        assert "dz0" not in shown.splitlines()  # the step's own values wait for the answer
        previous = screen.runner.previous_result(screen.index)
        assert "model[1].weight" in previous.values and "dz1" in previous.values


async def test_a_value_the_step_defines_afresh_is_not_shown_from_the_step_before(store):
    """Practice's convexity question names `x` (`p(x) = x ** 4 + x ** 2`),
    but its code only uses `x` as an argument: the `x = -1.5` of the step
    before has nothing to do with it and must not sit beside the question."""
    app = _open(store, "practice", "convex")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        screen = app.screen
        previous = screen.runner.previous_result(screen.index)
        assert "x" in previous.values  # the step before did show an x
        values = screen.query_one("#values")
        shown = "\n".join(region_text(app, values)) if values.display else ""
        assert "-1.5" not in shown and "x" not in shown.split()


async def test_an_answer_too_long_is_told_never_cut(store):
    """Typed or pasted, an answer over the checker's limit gets the "too
    long" message with its real length (the box used to cut it silently)."""
    app = _open(store, "practice", "slope")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await pilot.press("a")
        box = app.screen.query_one(AnswerInput)
        pasted = "1" * (MAX_INPUT * 5)
        box.post_message(events.Paste(pasted))
        await settle(app, pilot)
        assert box.value == pasted
        await pilot.press("enter")
        await settle(app, pilot)
        panel = " ".join(line.strip() for line in region_text(app, app.screen.query_one("#question")))
        assert f"too long ({len(pasted)} characters" in panel


async def test_code_in_a_prompt_is_shown_as_code_not_as_backticks(store):
    """The exercise's prompt names `loss` and `grad` in backticks, as the
    lesson file writes code; the learner reads the names, not the marks."""
    app = _open(store, "practice", "write-gradients")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        prompt = "\n".join(region_text(app, app.screen.query_one("#q-prompt")))
        assert "loss" in prompt and "grad" in prompt
        assert "`" not in prompt


async def test_a_question_steps_feedback_is_rendered_once_on_its_key(store, monkeypatch):
    """From one question to the next (practice's `convex` to `shape`), the
    key shows the new question (`ask`) and then its live value (`live`);
    both draw the feedback, in the same words: it is rendered once at most
    (once more is ~1,000 calls of the key), and reads right."""
    from tutor.ui.widgets.text_pane import TextPane

    app = _open(store, "practice", "convex")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _at(app, pilot, store, "practice", "convex")
        await pilot.pause(0.4)  # the learner reads
        feedback = screen.query_one("#q-feedback", TextPane)
        rendered = count_renders(monkeypatch, feedback)
        await pilot.press("n")
        await ready(app, pilot)
        panel = screen.query_one("#question")
        assert screen.step.id == "shape" and panel.ready  # asked, and its live value came
        assert len(rendered) <= 1, f"the feedback was rendered {len(rendered)} times on the key"
        shown = " ".join(" ".join(line.split()) for line in region_text(app, feedback))
        assert "Predict first: this step's values appear once you answer." in shown


async def test_a_worked_answer_opening_with_a_number_reads_as_a_sentence(store):
    """practice's `accumulate` explains "{answer}. `backward()` adds...": with
    the live answer 12 in place, Markdown would read "12." as item 12 of a
    numbered list and draw " 12 backward() adds". The learner reads the
    sentence as written."""
    app = _open(store, "practice", "accumulate")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await pilot.press("a")
        for key in "12":
            await pilot.press(key)
        await pilot.press("enter")
        await settle(app, pilot)
        feedback = app.screen.query_one("#q-feedback")  # all its lines: the why may scroll below the verdict
        assert "12. backward() adds" in " ".join(line.text.strip() for line in feedback._lines)


@pytest.mark.parametrize(("lang", "right", "more"), [("en", "+ Right!", "more: Down"),
                                                     ("pt", "+ Certo!", "mais abaixo: ↓")])
async def test_a_plot_steps_verdict_stays_on_screen_beside_its_plot(store, lang, right, more):
    """convexity's `descent-nonconvex` shows its plot once answered; at 80x24
    the plot took the side column and left the question four rows: the
    prompt, and neither "Right!" nor a sign there was more. The verdict now
    shares the column with a plot of at least 12 rows. Out of the box
    (Esc), the keys line says what the keys do now; in Portuguese it took
    two lines there, and the verdict's one row went to it."""
    app = _open(store, "convexity", "descent-nonconvex", lang)
    async with app.run_test(size=SIZE) as pilot:
        screen, _ = await _answer_right(app, pilot)
        for _typing in (True, False):
            panel = region_text(app, screen.query_one("#question"))
            assert any(line.strip().startswith(right) for line in panel), panel
            assert more in "\n".join(panel)  # the why goes on below
            plot = screen.query_one("#plot")
            assert plot.display and plot.region.height >= 12
            await pilot.press("escape")
            await settle(app, pilot)


async def test_the_values_a_step_points_at_stay_on_screen_under_its_verdict(store):
    """manual-update's `slide` says "Look at torch.equal(model[0].weight,
    before)"; once answered, at 80x24, its verdict and why took the column
    down to the diagram and left the values one row, their title. The why
    now scrolls in its pane under the verdict, and the value is on screen."""
    app = _open(store, "manual-update", "slide")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await pilot.press("a", "b", "enter")
        await settle(app, pilot)
        screen = app.screen
        assert screen.query_one("#diagram").display
        panel = region_text(app, screen.query_one("#question"))
        assert any(line.strip().startswith("+ Right!") for line in panel), panel
        values = [line.strip() for line in region_text(app, screen.query_one("#values"))]
        assert "torch.equal(model[0].weight, before)" in values
        assert values[values.index("torch.equal(model[0].weight, before)") + 1] == "True"


@pytest.mark.parametrize(("lang", "you", "why"), [("en", "you: ", "Why: "), ("pt", "você: ", "Por quê: ")])
async def test_a_right_answer_leaves_room_for_the_first_lines_of_its_why(store, lang, you, why):
    """At 80x24 the feedback pane holds six lines under the prompt. The
    verdict, the answer, the computed value and "exactly the computed
    value" took four, "Why:" the fifth, alone: the learner read not one
    word of the why without scrolling. The answer and the value now share
    a line (read the same, the verdict says they match), "exactly" is not
    said of two numbers that read the same, and the label opens the why's
    first paragraph."""
    app = _open(store, "practice", "slope", lang)
    async with app.run_test(size=SIZE) as pilot:
        screen, answer = await _answer_right(app, pilot)
        panel = [line.strip() for line in region_text(app, screen.query_one("#q-feedback"))]
        given = next(i for i, line in enumerate(panel) if line.startswith(you))
        assert panel[given].startswith(you + answer), panel
        assert panel[given + 1].startswith(why) and len(panel[given + 1]) > len(why) + 20, panel
        assert panel[given + 2], panel  # the why's second line shows too


@pytest.mark.parametrize(("lang", "you", "same", "why"), [
    ("en", "you: ", "It matches the computed value.", "Why: "),
    ("pt", "você: ", "Bate com o valor calculado.", "Por quê: "),
])
async def test_a_right_choice_is_said_once_above_its_why(store, lang, you, same, why):
    """A choice answered right read "you: b) no, it holds the same numbers ·
    computed value: b) no, it holds the same numbers" over two of the
    feedback's lines at 80x24, above a why that opens with the answer
    again: one line of the why showed. The verdict says it matches the
    computed value, the answer is said once, and the why follows."""
    app = _open(store, "manual-update", "slide", lang)
    async with app.run_test(size=SIZE) as pilot:
        screen, answer = await _answer_right(app, pilot)
        option = next(pick(o.text, lang) for o in screen.step.question.options if o.key == answer)
        panel = [line.strip() for line in region_text(app, screen.query_one("#q-feedback"))]
        given = next(i for i, line in enumerate(panel) if line.startswith(you))
        assert panel[given - 1].endswith(same) and panel[given] == f"{you}{answer}) {option}", panel
        assert panel[given + 1].startswith(why + f"{answer}) "), panel
        assert len(panel) - given >= 3, panel  # two lines of the why at least


@pytest.mark.parametrize(("body", "apart"), [
    ("\\-3\\. The slope of `x ** 2` is `2 * x`.", False),  # a filled answer, escaped
    ("`loss.backward()` fills every `.grad`.", False),
    ("- L2 first\n- then L1", True),  # a list: "Why: - L2" would not be one
    ("1. forward\n2. backward", True),
    ("```python\nloss.backward()\n```", True),
    ("    indented code", True),
])
def test_the_why_label_opens_a_paragraph_never_a_list_or_code(body, apart):
    parts = worked_answer("Why:", body)
    assert len(parts) == (2 if apart else 1)
    console = Console(width=60, record=True, color_system=None)
    for part in parts:
        console.print(part)
    lines = [line.strip() for line in console.export_text().splitlines() if line.strip()]
    assert lines[0] == "Why:" if apart else lines[0].startswith("Why: ")


@pytest.mark.parametrize("no_color", [False, True])
async def test_the_verdict_is_bold_and_in_the_terminals_green_or_red(store, monkeypatch, no_color):
    """"+ Right!" and "x Not quite." were drawn in the pane's plain style:
    their style named Textual's `ansi_green`, which Rich does not know and
    dropped without a word. They are bold, in the terminal's own green and
    red (readable on dark and light: tests/test_contrast.py), and only they:
    the answer under them keeps the pane's colour. Under NO_COLOR, bold."""
    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    app = _open(store, "practice", "slope")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        screen = app.screen
        feedback = screen.query_one("#q-feedback")

        def verdict_style(words: str):
            line = next(line for line in feedback._lines if words in line.text)
            segment = next(s for s in line if words in s.text)
            answer = next(line for line in feedback._lines if line.text.startswith("you:"))
            pane = feedback.rich_style.color
            assert next(s for s in answer if s.text.startswith("you:")).style.color == pane
            return segment.style, pane

        await pilot.press("a", "5", "enter")
        await settle(app, pilot)
        wrong, pane = verdict_style("x Not quite.")
        answer = typed_answer(screen.step.question, screen.result.expected)
        await pilot.press("ctrl+a", "ctrl+k", *answer, "enter")
        await settle(app, pilot)
        right, _ = verdict_style("+ Right!")
    assert wrong.bold and right.bold
    if no_color:
        assert wrong.color == right.color == pane
    else:
        assert (wrong.color.number, right.color.number) == (Color.parse("red").number, Color.parse("green").number)


async def test_a_step_without_a_question_never_leaves_the_keys_in_the_hidden_box(store):
    """The learner reads the verdict with the focus on the question's pane
    (Tab), perhaps zoomed and back, then goes on: on the next step, with no
    question, `n` and `p` are the lesson's keys. Textual handed the focus of
    the hidden pane to the answer box hidden with it, which took `n` and `p`
    as letters after the saved answer."""
    app = _open(store, "backprop-order", "order")
    async with app.run_test(size=SIZE) as pilot:
        screen, answer = await _answer_right(app, pilot, "escape")
        screen.query_one("#q-feedback").focus()
        await pilot.press("z", "escape", "n")
        await ready(app, pilot)
        assert screen.step.question is None
        assert step_label("en", 3, screen.total) in status_text(app)
        await pilot.press("n")
        await ready(app, pilot)
        assert step_label("en", 4, screen.total) in status_text(app)
        await pilot.press("p", "p")
        await ready(app, pilot)
        assert step_label("en", 2, screen.total) in status_text(app)
        assert screen.query_one(AnswerInput).value == answer
