"""The question panel's prompt, options and keys line are `TextLines`
(tutor/ui/widgets/text_line.py): Rich's wrap of their Text, kept per text
and width, and wrapped ahead for the next step's question. They must read
as the Textual `Static`s they replaced did, in their styles."""

from __future__ import annotations

import pytest
from rich.console import Console
from rich.text import Text
from textual.content import Content

from test_app import BY_ID, LESSONS, build, settle
from test_keys_fast import _walk_to
from tutor.i18n import pick
from tutor.ui.strings import t
from tutor.ui.widgets.code_editor import STRINGS as CODE_STRINGS
from tutor.ui.widgets.question_panel import code_marked
from tutor.ui.widgets.text_line import text_strip
from tutor.ui.widgets.text_pane import TextPane


def _panel_texts() -> list[Text]:
    """Every prompt and options list of the chapter, both languages, and the keys lines."""
    texts: list[Text] = []
    for lesson in LESSONS:
        for step in lesson.steps:
            question = step.question
            if question is None:
                continue
            for lang in ("en", "pt"):
                texts.append(code_marked(pick(question.prompt, lang)))
                if question.options:
                    options = Text(t("q_options", lang) + "\n", style="dim")
                    for option in question.options:
                        options.append(f" {option.key}) ", style="bold")
                        options.append(pick(option.text, lang) + "\n")
                    options.rstrip()
                    texts.append(options)
    for lang in ("en", "pt"):
        texts += [Text(t(key, lang)) for key in ("q_typing", "q_how", "q_how_closed")]
        texts += [Text(CODE_STRINGS.get(key, lang)) for key in ("keys_editing", "keys_idle")]
    return texts


def test_the_panel_texts_wrap_where_textuals_static_wrapped_them():
    """Rich's wrap and Textual's Content wrap agree on every panel text at
    every width a side column can have, so no line moved in the change."""
    console = Console(width=200)
    texts = _panel_texts()
    assert len(texts) > 40
    for text in texts:
        for width in range(16, 81):
            ours = [line.plain.rstrip() for line in text.wrap(console, width)]
            textuals = [line.plain.rstrip() for line in Content.from_rich_text(text).wrap(width)]
            assert ours == textuals, (text.plain, width)


def test_a_text_keeps_its_own_style_without_spans():
    """Rich's `Text.render` leaves out the style of a Text with no spans
    (the keys line's dim, a shape line's bold): text_strip applies it."""
    console = Console(width=80)
    strip = text_strip(console, Text("a or Enter: answer", style="dim"), 24, console.get_style("none"))
    assert strip.cell_length == 24
    words = [segment for segment in strip if segment.text.strip()]
    assert words and all(segment.style is not None and segment.style.dim for segment in words)


def _styles_of(widget, y: int = 0) -> list:
    return [segment.style for segment in widget.render_line(y) if segment.text.strip()]


async def test_the_prompt_is_bold_and_the_keys_dim_on_a_question_step():
    app = build(None, start="slope")
    async with app.run_test(size=(80, 24)) as pilot:
        steps = BY_ID["slope"].steps
        screen = await _walk_to(app, pilot, next(i for i, s in enumerate(steps) if s.question is not None))
        prompt, keys = screen.query_one("#q-prompt"), screen.query_one("#q-keys")
        question = screen.step.question
        assert prompt.text.plain == code_marked(pick(question.prompt, "en")).plain
        assert keys.text.plain == t("q_how", "en")
        assert prompt.size.height == len(prompt.text.wrap(app.console, prompt.size.width))
        assert all(style.bold for style in _styles_of(prompt))
        assert all(style.dim for style in _styles_of(keys))


@pytest.mark.parametrize("lesson_id", ["backprop-order", "manual-update"])
async def test_the_next_question_is_wrapped_while_the_learner_reads(monkeypatch, lesson_id):
    """The key onto a question finds its prompt and keys line wrapped, and
    the feedback under them rendered, at the width the key gives them:
    backprop-order's second question (the panel's width known from the
    first), and manual-update's code question, whose step narrows the side
    column: the lines are made at that width."""
    app = build(None, start=lesson_id)
    async with app.run_test(size=(80, 24)) as pilot:
        steps = BY_ID[lesson_id].steps
        asked = [i for i, step in enumerate(steps) if step.question is not None]
        target = asked[1] if lesson_id == "backprop-order" else next(
            i for i in asked if steps[i].question.kind == "code")
        screen = await _walk_to(app, pilot, target - 1)
        await pilot.pause(0.3)  # the learner reads; the step after is prepared
        await settle(app, pilot)
        wrapped: list[str] = []
        original = Text.wrap

        def counting(self, *args, **kwargs):
            wrapped.append(self.plain)
            return original(self, *args, **kwargs)

        feedback_drawn: list = []
        render_renderable = TextPane.render_renderable

        def drawing(self, renderable, width):
            if self.id == "q-feedback":
                feedback_drawn.append(width)
            return render_renderable(self, renderable, width)

        monkeypatch.setattr(Text, "wrap", counting)
        monkeypatch.setattr(TextPane, "render_renderable", drawing)
        await pilot.press("n")
        await settle(app, pilot)
        monkeypatch.setattr(Text, "wrap", original)
        assert feedback_drawn == []  # the feedback under it, rendered ahead too
        assert screen.index == target
        prompt, keys = screen.query_one("#q-prompt"), screen.query_one("#q-keys")
        assert prompt.text.plain == code_marked(pick(steps[target].question.prompt, "en")).plain
        assert prompt.text.plain not in wrapped and keys.text.plain not in wrapped
        assert prompt.size.height == len(original(prompt.text, app.console, prompt.size.width))
