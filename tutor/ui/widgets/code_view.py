"""The code that ran for the current step, highlighted and read-only.

What the pane shows is exactly what ran (`StepResult.code`, including the
parameter assignment the runner prepends), so a learner can trust it.
Long lines wrap instead of being cut off: the pane is ~38 columns at 80x24.
"""

from __future__ import annotations

from rich.syntax import Syntax
from rich.text import Text

from tutor.ui.widgets.text_pane import TextPane


class CodeView(TextPane):
    """A focusable, scrollable pane holding one highlighted Python snippet.

    As tall as its code (up to the stylesheet's max-height), so the
    explanation above it gets every other line: a step lays the screen out
    again only when the number of code lines changes."""

    DEFAULT_CSS = """
    CodeView {
        height: auto;
    }
    """

    def __init__(self, empty_text: str = "", title: str = "", more: str = "", **kwargs) -> None:
        super().__init__(title, more, **kwargs)
        self._empty_text = empty_text
        self._code: str | None = None
        self._body = Text(empty_text, style="dim")

    @property
    def code(self) -> str:
        return self._code or ""

    @staticmethod
    def _syntax(code: str) -> Syntax:
        return Syntax(code, "python", theme="ansi_dark", background_color="default", line_numbers=True,
                      word_wrap=True)

    def show(self, code: str) -> None:
        """Show `code` (or the empty text); unchanged code is not redrawn."""
        if code == self._code:
            return
        self._code = code
        if code.strip():
            self.set_body(self._syntax(code), key=code)
        else:
            self.set_body(Text(self._empty_text, style="dim"))

    def prepare_code(self, code: str) -> None:
        """Highlight `code` now, for a later `show(code)`."""
        if code.strip():
            self.prepare(self._syntax(code), code)
