"""A scrollable pane that says "more below" in its title instead of drawing
a scrollbar.

A scrollbar (even a hidden one keeps its gutter) is redrawn down the whole
pane on every step, about 20-30 bytes a line over SSH; a few words in the
title rule cost less and say more to a learner who has never met a
scrollbar in a terminal. The title is decided before the new text is drawn
(by measuring it), so a step change draws the pane once, not twice.
"""

from __future__ import annotations

from rich.console import RenderableType
from textual.containers import VerticalScroll
from textual.geometry import Region
from textual.widgets import Static


class TextPane(VerticalScroll):
    DEFAULT_CSS = """
    TextPane {
        scrollbar-size-vertical: 0;
        scrollbar-size-horizontal: 0;
    }
    """

    def __init__(self, title: str, more: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self._pane_title = title
        self._more = more  # e.g. "more: Down"
        self._text_lines = 0
        self.border_title = title

    def set_body(self, body: Static, renderable: RenderableType) -> None:
        """Put `renderable` in `body` (a Static child), title first."""
        width = self.scrollable_content_region.width or self.size.width
        if width > 0:
            console = self.app.console
            self._text_lines = len(console.render_lines(renderable, console.options.update_width(width), pad=False))
        self.scroll_to(y=0, animate=False, immediate=True)
        self._retitle(0)
        body.update(renderable)

    def _retitle(self, scroll_y: float) -> None:
        height = self.scrollable_content_region.height
        hidden_below = height > 0 and self._text_lines > height + round(scroll_y)
        title = f"{self._pane_title} ({self._more})" if hidden_below else self._pane_title
        if title != self.border_title:
            self._set_title(title)

    def _set_title(self, title: str) -> None:
        """Change the title repainting only the title rule. Assigning
        `border_title` repaints the whole pane, and the title often changes
        just after a step's frame (the pane got taller or shorter): that
        sent the whole explanation a second time."""
        if not self.is_mounted or not self.size or not hasattr(self, "_border_title"):
            self.border_title = title
            return
        self._border_title = self.render_str(title).expand_tabs(4).split()[0]
        # regions are in content coordinates: the rule is the line above them
        self.refresh(Region(0, -self.content_offset.y, self.outer_size.width, 1))

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._retitle(new)

    def on_resize(self) -> None:
        self.call_after_refresh(self._remeasure)

    def _remeasure(self) -> None:
        self._text_lines = self.virtual_size.height
        self._retitle(self.scroll_y)
