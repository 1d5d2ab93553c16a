"""Inline code in an explanation is never split inside a token: the pane
wraps Markdown between words, so every token of every `code` span of every
step, in both languages, is whole on one line at the explanation's widths
(33 columns at 80x24 on a narrow layout, 39 on the usual one)."""

from __future__ import annotations

import re

import pytest
from rich.console import Console
from rich.markdown import Markdown

from tutor.i18n import pick
from tutor.lesson import load_lessons

LESSONS = load_lessons(None)


def _lines(text: str, width: int) -> list[str]:
    console = Console(width=width, force_terminal=False, color_system=None)
    with console.capture() as capture:
        console.print(Markdown(text))
    return capture.get().splitlines()


def _split_tokens(text: str, width: int) -> list[str]:
    lines = _lines(text, width)
    broken = []
    for span in re.findall(r"`([^`\n]+)`", text):
        for token in span.split():
            if len(token) <= width - 4 and not any(token in line for line in lines):
                broken.append(token)
    return broken


@pytest.mark.parametrize("width", [33, 39])
@pytest.mark.parametrize("lang", ["en", "pt"])
def test_inline_code_keeps_its_tokens_whole(lang, width):
    broken = {
        (lesson.id, step.id): tokens
        for lesson in LESSONS
        for step in lesson.steps
        if (tokens := _split_tokens(pick(step.text, lang), width))
    }
    assert not broken, broken


def test_the_check_sees_a_split(monkeypatch):
    """A renderer that cuts lines at the width, mid-word, is caught."""
    import test_text_wrap

    def hard_wrap(text: str, width: int) -> list[str]:
        flat = text.replace("`", "").replace("\n", " ")
        return [flat[i:i + width] for i in range(0, len(flat), width)]

    monkeypatch.setattr(test_text_wrap, "_lines", hard_wrap)
    assert test_text_wrap._split_tokens("Create x with `requires_grad=True`: it", 24) == ["requires_grad=True"]
