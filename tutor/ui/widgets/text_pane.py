"""The explanation pane: a step's title and Markdown text.

It is a LinePane (see there for why): a new step renders the text to lines
and repaints the pane, with no layout, and "more below" shows in the title
rule instead of a scrollbar.
"""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text
from textual.strip import Strip

from tutor.ui.widgets.line_pane import LinePane


class TextPane(LinePane):
    """Shows one Rich renderable, scrolled by the pane itself."""

    def __init__(self, title: str, more: str, **kwargs) -> None:
        super().__init__(title, more, **kwargs)
        self._body: RenderableType = Text("")

    def set_body(self, renderable: RenderableType) -> None:
        """Show `renderable` from its first line."""
        self._body = renderable
        self.invalidate()

    def build_lines(self, width: int) -> list[Strip]:
        return self.render_renderable(self._body, width)
