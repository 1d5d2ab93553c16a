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

    Its height is that of the longest code it will show (`reserve`: every
    step of the lesson), up to the stylesheet's max-height. So the pane
    keeps its size from step to step: the explanation above it does not
    jump, and a step repaints the code without laying out the screen."""

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
        self._reserved: list[str] = []
        self._reserved_height: dict[int, int] = {}  # width -> lines

    @property
    def code(self) -> str:
        return self._code or ""

    def reserve(self, codes: list[str]) -> None:
        """Be tall enough for each of `codes` (at whatever width the pane gets)."""
        self._reserved = [code for code in codes if code.strip()]
        self._reserved_height = {}
        self.refresh(layout=True)

    def _reserve_for(self, width: int) -> int:
        if width not in self._reserved_height:
            self._reserved_height[width] = max(
                (len(self.render_renderable(self._syntax(code), width)) for code in self._reserved), default=0
            )
        return self._reserved_height[width]

    def get_content_height(self, container, viewport, width: int) -> int:
        return max(super().get_content_height(container, viewport, width), self._reserve_for(width))

    def needs_layout(self, before: int, after: int) -> bool:
        width = self._built_for
        reserved = self._reserve_for(width) if width > 0 else 0
        return max(before, reserved) != max(after, reserved)

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
            self.set_body(self._syntax(code))
        else:
            self.set_body(Text(self._empty_text, style="dim"))
