"""Widgets that keep their Rich style and background colours until a style up
the tree changes (`CachedRichStyle`, tutor/ui/widgets/text_line.py) give what
Textual works out afresh: on a code question's step (whose key restyles the
columns), after the focus moves, and after the app's theme changes."""

from __future__ import annotations

from textual.dom import DOMNode

from test_app import BY_ID, build, settle
from test_keys_fast import _walk_to
from tutor.ui.widgets.text_line import CachedRichStyle


def _stale(screen) -> list[str]:
    """The cached widgets whose style or colours differ from Textual's."""
    wrong = []
    widgets = [w for w in screen.query("*") if isinstance(w, CachedRichStyle)]
    assert len(widgets) > 10
    for widget in widgets:
        if widget.rich_style != DOMNode.rich_style.fget(widget):
            wrong.append(f"{type(widget).__name__}#{widget.id} rich_style")
        if widget.background_colors != DOMNode.background_colors.fget(widget):
            wrong.append(f"{type(widget).__name__}#{widget.id} background_colors")
    return wrong


async def test_kept_styles_are_textuals_through_a_code_step_focus_and_theme():
    steps = [step.id for step in BY_ID["sgd"].steps]
    app = build(None, start="sgd")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _walk_to(app, pilot, steps.index("write-loop") - 1)
        assert _stale(screen) == []
        await pilot.press("n")  # the columns restyled, the editor shown
        await settle(app, pilot)
        assert screen.has_class("-code-step")
        assert _stale(screen) == []
        await pilot.press("a")  # into the editor: its pane's title rule takes the focus colour
        await settle(app, pilot)
        assert _stale(screen) == []
        await pilot.press("escape")
        app.theme = "textual-light"
        await settle(app, pilot)
        assert _stale(screen) == []
        app.theme = "ansi-dark"
        await settle(app, pilot)
        assert _stale(screen) == []
