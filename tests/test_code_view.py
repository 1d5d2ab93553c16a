"""The code pane wraps between tokens, never inside a name, number or
string, with a hanging indent that keeps Python's indentation visible."""

from __future__ import annotations

import keyword
import re

import pytest
from pygments.token import Comment  # type: ignore[import-untyped]
from rich.console import Console

from tutor.lesson import load_lessons
from tutor.ui.widgets.code_view import THEME, WrappedCode, break_points, hang_for

WORD = re.compile(r"[\w.]")


def _rows(code: str, width: int) -> list[str]:
    console = Console(width=width, force_terminal=False, color_system=None)
    with console.capture() as capture:
        console.print(WrappedCode(code))
    return capture.get().splitlines()


def test_cuts_fall_between_tokens():
    line = "x = torch.tensor(3.0, requires_grad=True)"
    for width in range(len("requires_grad=True)") + 4, len(line)):
        for cut in break_points(line, width, 4):
            assert not (WORD.match(line[cut - 1]) and WORD.match(line[cut])), (width, line[:cut], line[cut:])


def test_autograd_line_at_the_panes_width():
    rows = _rows("x = torch.tensor(3.0, requires_grad=True)\ny = f(x)\n", 33)
    assert _rows("x = torch.tensor(3.0, requires_grad=True)\n", 39)[1].strip() == "requires_grad=True)"
    assert rows[0].rstrip() == "1 x = torch.tensor(3.0,"  # never requires_grad= / True)
    assert rows[1].rstrip() == "      requires_grad=True)"  # gutter, then a hanging indent of 4
    assert rows[2].startswith("2 y = f(x)")


def test_hanging_indent_is_deeper_than_the_line_it_continues():
    code = "for i in range(100):\n    loss = criterion(model(samples), targets)\n"
    rows = _rows(code, 33)
    assert rows[1].rstrip() == "2     loss = criterion("
    assert [r.strip() for r in rows[2:]] == ["model(samples),", "targets)"]
    continued = rows[2]
    assert continued.strip() and len(continued) - len(continued.lstrip()) == 2 + 4 + 4


@pytest.mark.parametrize("width", [33, 36, 39])  # the code pane at 80 columns and near it
def test_no_lesson_line_is_broken_inside_a_token(width):
    for lesson in load_lessons(None):
        for step in lesson.steps:
            for line in (step.code or "").splitlines():
                for cut in break_points(line, width - 3, hang_for(line, width - 3)):
                    a, b = line[cut - 1], line[cut]
                    inside_string = line[:cut].count('"') % 2 == 1 or line[:cut].count("'") % 2 == 1
                    units = re.findall(r"\w+(?:\.\w+)*|\"[^\"]*\"|'[^']*'", line)
                    token_longer_than_row = len(max(units, key=len)) > width - 3 - 4
                    if token_longer_than_row:
                        continue
                    assert not (WORD.match(a) and WORD.match(b)) and not inside_string, (lesson.id, step.id, line, cut)
    assert not keyword.iskeyword("requires_grad")


def _bracket_pairs(line: str) -> list[tuple[int, int]]:
    """(opening, closing) offsets of each bracket pair of a line."""
    pairs, stack = [], []
    for i, ch in enumerate(line):
        if ch in "([{":
            stack.append(i)
        elif ch in ")]}" and stack:
            pairs.append((stack.pop(), i))
    return pairs


@pytest.mark.parametrize("width", [33, 36, 39])
def test_no_lesson_line_is_cut_from_its_call_or_inside_a_short_bracket(width):
    # "model.parameters" / "():" and "model[" / "0].weight" were rows at 80 columns
    for lesson in load_lessons(None):
        for step in lesson.steps:
            for line in (step.code or "").splitlines():
                pairs = _bracket_pairs(line)
                for cut in break_points(line, width - 3, hang_for(line, width - 3)):
                    before, after = line[:cut], line[cut:]
                    assert not (after[:1] in "([" and re.search(r"[\w)\]]$", before)), (step.id, before, after)
                    short = [line[a:b + 1] for a, b in pairs if a < cut <= b and b - a - 1 <= 8]
                    assert not short, (step.id, before, after)


def test_a_call_stays_with_its_name_and_a_subscript_whole():
    assert [" ".join(r.split()) for r in _rows("        for p in model.parameters():\n", 36)] == [
        "1 for p in", "model.parameters():"]
    rows = _rows("same_before = weight is model[0].weight\n", 39)
    assert [r.strip() for r in rows] == ["1 same_before = weight is", "model[0].weight"]


def test_a_line_never_ends_on_a_lone_operand_nor_splits_a_power():
    # slope's by-hand line at 80 columns ended on a row holding "h" alone;
    # convexity's g was cut before "** 2"
    rows = [r.strip() for r in _rows("estimates = [(f(x0 + h) - f(x0)) / h\n", 37)]
    assert rows == ["1 estimates = [(f(x0 + h) -", "f(x0)) / h"]
    rows = [r.strip() for r in _rows("def g(x):\n    return x ** 4 - 3 * x ** 2 + x\n", 35)]
    assert rows[1:] == ["2     return x ** 4 - 3 *", "x ** 2 + x"]


async def test_a_zoomed_code_pane_fills_the_window(tmp_path):
    from test_contrast import LESSONS, _app, _settled

    lesson = LESSONS[0]
    index = next(i for i, step in enumerate(lesson.steps) if step.id == "by-hand")
    app = _app(tmp_path, lesson)
    app.store.set_position(lesson.id, index, len(lesson.steps))
    async with app.run_test(size=(80, 24)) as pilot:
        await _settled(pilot)
        code = app.screen.query_one("#code")
        app.screen.set_focus(code)
        await pilot.press("z")
        await _settled(pilot)
        # every line of the step's code, from just under the status line to
        # the key line, not 9 of 13 in the middle of blank rows
        assert code.region.y == 1 and code.region.height == 22
        assert len((lesson.steps[index].code or "").strip().splitlines()) <= code.region.height - 1
        assert "(more" not in str(code.border_title or "")


def test_highlighting_never_looks_the_lexer_up_by_name(monkeypatch):
    """Rich's Syntax(code, "python") walks pygments' table of ~600 lexers at
    every highlight, which in a served session copies the warm parent's
    pages holding it (docs/scaling.md): the pane brings its own lexer."""
    import rich.syntax

    def lookup(*args, **kwargs):
        raise AssertionError("the lexer was looked up by name")

    monkeypatch.setattr(rich.syntax, "get_lexer_by_name", lookup)
    lines = WrappedCode("x = torch.tensor(3.0)  # a comment\n").lines
    assert [line.plain for line in lines] == ["x = torch.tensor(3.0)  # a comment"]
    assert {span.style for span in lines[0].spans} >= {THEME.get_style_for_token(Comment)}
