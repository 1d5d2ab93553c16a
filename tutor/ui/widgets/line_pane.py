"""A pane that draws its own lines and scrolls them itself.

Why not a Static in a scrolling container? Because of what a step costs. A
Static sized by its content changes height when the text changes; Textual
then lays out the screen, finds the Static (and its container's scrollbars
and virtual size) resized, and lays out again: two or three layouts and
frames per step, most of a step's time and bytes. A LinePane has the size
the stylesheet gives it, whatever it shows: new text is rendered to lines
once (per width) and the pane is repainted, with no layout at all. It
scrolls by moving its first visible line (Up/Down/PageUp/PageDown/Home/End
when focused, or the mouse wheel) and says "more" in its title rule rather
than drawing a scrollbar down the whole pane on every redraw.

Subclasses say what the lines are (`build_lines`) and call `invalidate`
when that changes. A pane whose height is `auto` (the code pane) asks for a
new layout only when its number of lines changes.
"""

from __future__ import annotations

from rich.console import RenderableType
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.strip import Strip
from textual.widget import Widget

from tutor.ui.widgets.paint_once import PaintOnce
from tutor.ui.widgets.text_line import CachedRichStyle, text_strip, wrapped_strips
from tutor.ui.widgets.uniform_rows import content_rows, render_repeating


class LinePane(CachedRichStyle, PaintOnce, Widget, can_focus=True):
    DEFAULT_CSS = """
    LinePane {
        height: 1fr;
    }
    """

    BINDINGS = [
        Binding("up", "scroll_lines(-1)", "Up", show=False),
        Binding("down", "scroll_lines(1)", "Down", show=False),
        Binding("pageup", "scroll_page(-1)", "Page up", show=False),
        Binding("pagedown", "scroll_page(1)", "Page down", show=False),
        Binding("home", "scroll_edge(-1)", "Top", show=False),
        Binding("end", "scroll_edge(1)", "Bottom", show=False),
    ]

    def __init__(self, title: str = "", more: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self._pane_title = title
        self._more = more  # e.g. "more: Down"
        self.border_title = title
        self.top = 0  # the first line shown
        self._lines: list[Strip] = []
        self._built_for = -1  # the width `_lines` was built for
        self._known_size = Size(0, 0)  # the content size the last layout gave
        self._expected_width = 0  # the width the layout asked for on this key will give (0: not known)

    # ------------------------------------------------------------ for subclasses

    def build_lines(self, width: int) -> list[Strip]:
        """Every line of the content at `width` cells, each exactly `width` wide."""
        return []

    def footer_lines(self, width: int) -> list[Strip]:
        """Lines pinned under the scrolling ones (none by default)."""
        return []

    def invalidate(self, width: int = 0) -> None:
        """The content changed: rebuild the lines and repaint from the top,
        laying out again only if a pane as tall as its content (height:
        auto) changed height. `width`: the width the pane will have once
        the layout this step brings is done, when the caller knows it
        differs (a code question's step widens the explanation): the lines
        are built once, at that width, not at the old one and again."""
        before = len(self._lines) if self._built_for >= 0 else -1
        self._built_for = -1
        self.top = 0
        width = width or self.known_size.width
        if width and self.is_mounted:
            self._ensure(width)
        height = self.styles.height
        resized = height is not None and height.is_auto and not self._same_height(before, len(self._lines))
        self.refresh(layout=not width or resized)
        self._retitle()

    def _same_height(self, before: int, after: int) -> bool:
        """Whether an auto-height pane keeps its height going from `before`
        lines to `after`: the same count, or a pane held under its
        max-height (the code pane's 45%) by more lines than it shows, that
        still has at least as many. Most of the chapter's code is taller
        than the code pane at 80x24: its steps need no new layout for it."""
        if before == after:
            return True
        shown = self.view_height
        return before > shown > 0 and after >= shown

    def render_renderable(self, renderable: RenderableType, width: int) -> list[Strip]:
        """Rich content (Markdown, Syntax, Group...) as lines `width` wide."""
        console = self.app.console
        options = console.options.update_width(width)
        lines = console.render_lines(renderable, options, style=self.rich_style, pad=True)
        return [Strip(line, width) for line in lines]

    def render_text(self, text: Text, width: int, *, wrap: bool = False, style: Style | None = None) -> list[Strip]:
        """One Text as lines `width` wide: cropped, or wrapped when `wrap`."""
        console = self.app.console
        base = self.rich_style + style if style is not None else self.rich_style
        return wrapped_strips(console, text, width, base) if wrap else [text_strip(console, text, width, base)]

    # ------------------------------------------------------------ geometry

    @property
    def known_size(self) -> Size:
        """The content size, or while the pane is hidden (Textual then says
        0x0) the size it had: a step that shows it again shows it at that
        size, and its title must say "more" in that same frame."""
        size = self.content_size
        if size:
            self._known_size = size
        if self._expected_width:
            return Size(self._expected_width, self._known_size.height)
        return self._known_size

    def expect_width(self, width: int) -> None:
        """The layout this key asked for (a code question's step widens the
        left column) will give the pane `width` columns: content set before
        it is built at that width (`known_size` says it), once, not at the
        old width and again in that layout. Void once a layout resizes the
        pane, and after the next frame either way."""
        if width > 0 and width != self.known_size.width:
            self._expected_width = width
            self.call_after_refresh(self._forget_expected_width)

    def _forget_expected_width(self) -> None:
        self._expected_width = 0

    @property
    def view_height(self) -> int:
        """How many scrolling lines fit above the pinned ones."""
        width, height = self.known_size
        pinned = len(self.footer_lines(width)) if width else 0
        return max(0, height - pinned)

    @property
    def max_top(self) -> int:
        return max(0, len(self._lines) - self.view_height)

    def _ensure(self, width: int) -> None:
        if width != self._built_for:
            self._lines = self.build_lines(width)
            self._built_for = width

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        self._ensure(width)
        return len(self._lines) + len(self.footer_lines(width))

    # The content size while `render_lines` draws the rows: each row asked
    # for it twice, and Textual finds a widget's region through the screen's
    # map at every ask.
    _drawing_at: Size | None = None

    def render_line(self, y: int) -> Strip:
        width, view = self._drawing_at or self.content_size
        self._ensure(width)
        pinned = self.footer_lines(width)
        if pinned and y >= view - len(pinned):
            return pinned[y - (view - len(pinned))]
        index = self.top + y
        if 0 <= index < len(self._lines):
            return self._lines[index]
        return Strip([Segment(" " * width, self.rich_style)], width)

    def render_lines(self, crop: Region) -> list[Strip]:
        """Textual's, but the blank rows under the text (a question's
        feedback of two lines in a pane of fourteen) are decorated once and
        repeated: each row through Textual's styles cache costs about as
        much as a line of text (uniform_rows.py does the same for
        containers)."""
        self._drawing_at = size = self.content_size
        try:
            return render_repeating(self, crop, lambda: self._blank_rows(size), super().render_lines)
        finally:
            self._drawing_at = None

    def _blank_rows(self, size: Size) -> tuple[int, int] | None:
        """The widget's rows [first, end) that show no line (below the
        text, above the pinned lines), or None (see `content_rows`)."""
        width, view = size
        if not width:
            return None
        self._ensure(width)
        return content_rows(self, max(0, len(self._lines) - self.top), view - len(self.footer_lines(width)))

    def refresh_lines(self, indexes) -> None:
        """Repaint the given content lines only, if they are on screen."""
        width = self.size.width
        view = self.view_height
        for index in sorted(set(indexes)):
            y = index - self.top
            if 0 <= y < view:
                self.refresh(Region(0, y, width, 1))

    def on_resize(self, event: events.Resize) -> None:
        # the lines depend on the width only: a taller or shorter pane shows
        # more or fewer of the same lines (Textual repaints it anyway)
        width = self.content_size.width
        if width:
            self._ensure(width)
            self.top = min(self.top, self.max_top)
        self._retitle()

    def on_show(self, event: events.Show) -> None:
        # The layout that showed the pane painted all of it. Repaints asked
        # for while it was hidden (a new step's values) are still queued and
        # would paint it all again: drop them, but keep a title rule's.
        rule = {region for region in self._repaint_regions if region.y == 0 and region.height == 1}
        self._repaint_regions.clear()
        self._repaint_regions.update(rule)

    # ------------------------------------------------------------ scrolling

    def scroll_to_line(self, top: int) -> None:
        top = max(0, min(top, self.max_top))
        if top != self.top:
            self.top = top
            self.refresh()
            self._retitle()

    def show_line(self, first: int, last: int | None = None) -> None:
        """Scroll the least that puts lines first..last on screen (first
        wins when they do not all fit)."""
        last = first if last is None else last
        if first < self.top:
            self.scroll_to_line(first)
        elif last >= self.top + self.view_height:
            self.scroll_to_line(min(first, last - self.view_height + 1))

    def action_scroll_lines(self, delta: int) -> None:
        self.scroll_to_line(self.top + delta)

    def action_scroll_page(self, direction: int) -> None:
        self.scroll_to_line(self.top + direction * max(1, self.view_height - 1))

    def action_scroll_edge(self, direction: int) -> None:
        self.scroll_to_line(0 if direction < 0 else self.max_top)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        event.stop()
        self.scroll_to_line(self.top + 3)

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        event.stop()
        self.scroll_to_line(self.top - 3)

    # ------------------------------------------------------------ title

    @property
    def more_below(self) -> bool:
        return len(self._lines) > self.top + self.view_height and self.view_height > 0

    def _retitle(self, repaint: bool = True) -> None:
        title = self._pane_title
        if self.more_below and self._more:  # a pane with no name (the verdict's) says only "(more: Down)"
            title = f"{title} ({self._more})" if title else f"({self._more})"
        if title != self.border_title:
            self._set_title(title, repaint)

    def _size_updated(self, size, virtual_size, container_size, layout: bool = True) -> bool:
        """A layout gave the pane a new size: decide the title ("more" or
        not) now, for the frame that layout is about to paint, rather than
        in a frame of its own when the Resize event arrives."""
        changed = super()._size_updated(size, virtual_size, container_size, layout)
        if changed:
            self._expected_width = 0  # the layout came: its width is known
        width = self.content_size.width
        if changed and width and self.is_mounted:
            self._ensure(width)
            self.top = min(self.top, self.max_top)
            self._retitle(repaint=False)
        return changed

    def set_pane_title(self, title: str) -> None:
        self._pane_title = title
        self._retitle()

    def _set_title(self, title: str, repaint: bool = True) -> None:
        """Change the title repainting only the title rule: assigning
        `border_title` repaints the whole pane. `repaint=False`: the pane is
        about to be painted whole anyway."""
        if not self.is_mounted or not self.size or not hasattr(self, "_border_title"):
            self.border_title = title
            return
        self._border_title = self.render_str(title).expand_tabs(4).split()[0]
        if not repaint:
            return
        # regions are in content coordinates: the rule is the line above them
        self.refresh(Region(0, -self.content_offset.y, self.outer_size.width, 1))
