"""The code that ran for the current step, highlighted and read-only.

What the pane shows is exactly what ran (`StepResult.code`, including the
parameter assignment the runner prepends), so a learner can trust it.
Long lines wrap instead of being cut off: the pane is ~38 columns at 80x24.
"""

from __future__ import annotations

from rich.syntax import Syntax
from rich.text import Text
from textual.widgets import Static

from tutor.ui.widgets.text_pane import TextPane


class CodeView(TextPane):
    """A focusable, scrollable pane holding one highlighted Python snippet."""

    DEFAULT_CSS = """
    CodeView {
        height: auto;
    }
    CodeView > Static {
        width: 1fr;
    }
    """

    def __init__(self, empty_text: str = "", title: str = "", more: str = "", **kwargs) -> None:
        super().__init__(title, more, **kwargs)
        self._empty_text = empty_text
        self._code: str | None = None

    def compose(self):
        yield Static(Text(self._empty_text, style="dim"), id="code-text")

    @property
    def code(self) -> str:
        return self._code or ""

    def show(self, code: str) -> None:
        """Show `code` (or the empty text); unchanged code is not redrawn."""
        if code == self._code:
            return
        self._code = code
        body = self.query_one("#code-text", Static)
        if code.strip():
            self.set_body(
                body,
                Syntax(
                    code,
                    "python",
                    theme="ansi_dark",
                    background_color="default",
                    line_numbers=True,
                    word_wrap=True,
                ),
            )
        else:
            self.set_body(body, Text(self._empty_text, style="dim"))
