"""Lines drawn from Rich Text by the widget itself, and a widget one line high.

Textual draws a widget's `render()` through its Content layer: the Text is
converted, its styles resolved span by span and the result wrapped, at each
repaint. For one line that never wraps this is most of the cost: timed per
widget on a question step's key (headless, 80x24), the key line took
0.9-1.3 ms and the status line 0.4-0.8 ms to render, of a 12-16 ms key.
A `OneLine` renders its Text to a Strip once per text, width and style,
and hands Textual that Strip. `TextLines` does the same for a Text wrapped
over as many lines as it takes (a question's prompt and its keys: ~0.5 ms
each through Content on every key that shows a question), and can wrap
the next text ahead, at the width it will have.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from typing import TYPE_CHECKING, Any

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

if TYPE_CHECKING:
    from rich.console import Console

    _Base = Widget  # what the mixin is mixed into, for the type checker
else:
    _Base = object


def text_strip(console: Console, text: Text, width: int, base: Style) -> Strip:
    """`text` as one line exactly `width` cells wide, on `base` (the
    widget's colours): cropped (with an ellipsis if the Text asks for one)
    or padded."""
    if text.overflow == "ellipsis" and text.cell_len > width:
        text = text.copy()
        text.truncate(width, overflow="ellipsis")
    segments = list(text.render(console))
    if text.style and not text.spans:
        # Rich's `Text.render` gives a Text without spans no style of its
        # own (its console rendering joins lines, making the style a span)
        segments = list(Segment.apply_style(segments, console.get_style(text.style)))
    return Strip(segments).crop_extend(0, width, None).apply_style(base)


def wrapped_strips(console: Console, text: Text, width: int, base: Style) -> list[Strip]:
    """`text` wrapped to lines `width` cells wide, each as `text_strip` draws it."""
    return [text_strip(console, line, width, base) for line in text.wrap(console, width)]


class CachedRichStyle(_Base):
    """Textual's `rich_style` and `background_colors`, computed again only
    when a style on the way up to the screen has changed. Textual walks
    every ancestor's colours at each call: a pane asks its Rich style at
    every line it renders and every blank line under its text (~40 walks
    on a question step's key, ~7% of its function calls), and Textual's
    styles cache asks every widget's background colours at each render.
    Each node's `styles._cache_key` (Textual's own key for its cached
    `visual_style`) changes with any of its rules; the tuple of them changes
    when any ancestor's does, a theme's change and a class moved up the tree
    included."""

    _styles_for: tuple[int, ...] = ()  # the styles the two below were computed from
    _rich_style: Style | None = None
    _colors: tuple | None = None

    def _styles_seen(self) -> None:
        """Forget both when a style up the tree has changed."""
        key = tuple(node.styles._cache_key for node in self.ancestors_with_self)
        if key != self._styles_for:
            self._styles_for = key
            self._rich_style = self._colors = None

    @property
    def rich_style(self) -> Style:
        self._styles_seen()
        if self._rich_style is None:
            self._rich_style = super().rich_style
        return self._rich_style

    @property
    def background_colors(self) -> tuple:
        self._styles_seen()
        if self._colors is None:
            self._colors = super().background_colors
        return self._colors


class OneLine(CachedRichStyle, Widget):
    """A widget one line high whose line is a Text (`line_text`), named by
    `line_key` (what the text is made from). The strips of the last few
    keys are kept: a line that comes back (the key line's keys with and
    without a question's `h` and `a`) is not drawn again. Call `refresh()`
    when the key changes."""

    DEFAULT_CSS = """
    OneLine {
        height: 1;
    }
    """

    KEPT = 8  # strips kept, the newest

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._strips: OrderedDict[tuple[Hashable, int, Style], Strip] = OrderedDict()

    def line_key(self) -> Hashable:
        """What the line's text is made from: equal keys, equal texts."""
        raise NotImplementedError

    def line_text(self, width: int) -> Text:
        """The line's text for a line `width` cells wide."""
        raise NotImplementedError

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self.rich_style
        if y:
            return Strip.blank(width, base)
        key = (self.line_key(), width, base)
        strip = self._strips.get(key)
        if strip is None:
            strip = self._strips[key] = text_strip(self.app.console, self.line_text(width), width, base)
            if len(self._strips) > self.KEPT:
                self._strips.popitem(last=False)
        return strip


def _text_key(text: Text) -> Hashable:
    """What a Text draws as: equal keys, equal lines."""
    return (text.plain, tuple(text.spans), text.style, text.justify, text.overflow, text.no_wrap)


class TextLines(CachedRichStyle, Widget):
    """A Text wrapped to the widget's width, as tall as its lines (height:
    auto). `update` sets the text; the lines of the last few texts and
    widths are kept, so a text that comes back (a question's keys line is
    the same on every question) is not wrapped again, and `prepare` wraps
    the next one ahead. The lines are Rich's wrap of the Text, on the
    widget's colours, as `LinePane.render_text` draws them."""

    DEFAULT_CSS = """
    TextLines {
        height: auto;
    }
    """

    KEPT = 8  # wrapped texts kept, the newest

    def __init__(self, text: Text | str = "", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._text = Text(text) if isinstance(text, str) else text
        self._key = _text_key(self._text)
        self._kept: OrderedDict[tuple[Hashable, int, Style], list[Strip]] = OrderedDict()
        self._width = 0  # the content width the last layout gave (kept while hidden)

    @property
    def text(self) -> Text:
        return self._text

    @property
    def known_width(self) -> int:
        """The content width, or while hidden the one it had (0: never laid out)."""
        width = self.content_size.width
        if width:
            self._width = width
        return self._width

    def update(self, text: Text | str) -> None:
        """Show `text`: a layout follows (its height may change), unless it
        draws as the text shown."""
        text = Text(text) if isinstance(text, str) else text
        key = _text_key(text)
        if key == self._key:
            return
        self._text, self._key = text, key
        self.refresh(layout=True)

    def prepare(self, text: Text | str, width: int = 0) -> None:
        """Wrap `text` now, at `width` (default: the known width), for a
        later `update(text)` that finds its lines."""
        text = Text(text) if isinstance(text, str) else text
        width = width or self.known_width
        if width > 0:
            self._lines(text, _text_key(text), width)

    def _lines(self, text: Text, key: Hashable, width: int) -> list[Strip]:
        base = self.rich_style
        slot = (key, width, base)
        lines = self._kept.get(slot)
        if lines is None:
            console = self.app.console
            lines = self._kept[slot] = wrapped_strips(console, text, width, base)
            while len(self._kept) > self.KEPT:
                self._kept.popitem(last=False)
        else:
            self._kept.move_to_end(slot)
        return lines

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        if width <= 0:
            return 0
        self._width = width  # what a layout gives: known while hidden after it
        return len(self._lines(self._text, self._key, width))

    _drawing_width = 0  # the content width while `render_lines` draws (as LinePane's _drawing_at)

    def render_lines(self, crop: Region) -> list[Strip]:
        self._drawing_width = self.content_size.width
        try:
            return super().render_lines(crop)
        finally:
            self._drawing_width = 0

    def render_line(self, y: int) -> Strip:
        width = self._drawing_width or self.content_size.width
        lines = self._lines(self._text, self._key, width) if width > 0 else []
        return lines[y] if y < len(lines) else Strip.blank(width, self.rich_style)
