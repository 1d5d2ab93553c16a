"""The explanation pane: a step's title and Markdown text.

It is a LinePane (see there for why): a new step renders the text to lines
and repaints the pane, with no layout, and "more below" shows in the title
rule instead of a scrollbar. Rendering Markdown is the costliest part of
drawing a step (3-5 ms), so the lesson screen can `prepare` the next step's
text while the learner reads, and `set_body` with the same key then finds
its lines ready. In a classroom server, lines the warm process rendered
for the same text, width and style are found in `shared_lines` and not
rendered at all.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from functools import cached_property

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.markdown import Markdown
from rich.text import Text
from textual.strip import Strip

from tutor.ui import shared_lines
from tutor.ui.widgets.line_pane import LinePane

PREPARED_MAX = 8  # rendered bodies kept (a few steps each way)


class TextPane(LinePane):
    """Shows one Rich renderable, scrolled by the pane itself."""

    def __init__(self, title: str, more: str, **kwargs) -> None:
        super().__init__(title, more, **kwargs)
        self._body: RenderableType = Text("")
        self._body_key: Hashable | None = None
        self._prepared: OrderedDict[tuple, list[Strip]] = OrderedDict()

    def set_body(self, renderable: RenderableType, key: Hashable | None = None, width: int = 0) -> None:
        """Show `renderable` from its first line. `key` names it, so lines
        prepared for it (or rendered before) are used, not rendered again;
        `width` as for `invalidate`."""
        self._body = renderable
        self._body_key = key
        self.invalidate(width)

    def prepare(self, renderable: RenderableType, key: Hashable, width: int | None = None) -> None:
        """Render `renderable` now, at the pane's width (or the `width` it
        will have), for a later `set_body(renderable, key)`."""
        width = width or self.known_size.width
        if width and (key, width) not in self._prepared:
            self._keep((key, width), self._render_shared(renderable, key, width))

    def _render_shared(self, renderable: RenderableType, key: Hashable, width: int) -> list[Strip]:
        """The lines of `renderable` (named `key`) at `width`: kept by the
        warm process, or rendered now (and kept, in the warm process)."""
        slot = ("text", key, width, self.app.theme, self.rich_style)
        lines = shared_lines.find(slot)
        if lines is None:
            lines = self.render_renderable(renderable, width)
            shared_lines.keep(slot, lines)
        return lines

    def _keep(self, slot: tuple, lines: list[Strip]) -> None:
        self._prepared[slot] = lines
        self._prepared.move_to_end(slot)
        while len(self._prepared) > PREPARED_MAX:
            self._prepared.popitem(last=False)

    def build_lines(self, width: int) -> list[Strip]:
        if self._body_key is None:
            return self.render_renderable(self._body, width)
        slot = (self._body_key, width)
        lines = self._prepared.get(slot)
        if lines is None:
            lines = self._render_shared(self._body, self._body_key, width)
            self._keep(slot, lines)
        return lines


class StepText:
    """A step's title over its Markdown text. Rich parses Markdown when a
    `Markdown` is made, so it is made here only when the lines are rendered:
    lines found ready (prepared, or kept by the warm process) cost no
    parsing."""

    def __init__(self, title: str, text: str) -> None:
        self.title = title
        self.text = text

    @cached_property
    def group(self) -> Group:
        body = Markdown(self.text, code_theme="ansi_dark", inline_code_theme="ansi_dark")
        return Group(Text(self.title, style="bold"), Text(""), body)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.group
