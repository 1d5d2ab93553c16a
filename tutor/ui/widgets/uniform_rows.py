"""Paint a container's identical rows once, not once a row.

A container draws no content of its own, only its background and borders,
and its children on top. Textual (8.2) still renders every row of it
through the styles cache whenever the container is repainted: the layout
that resizes it (a code question's step widens the left column and so
narrows the side ones; a plot step resizes the middle and right columns)
renders each of its 22 rows at 80x24, about 120 function calls a row,
though every row between its top and bottom border is the same. This
mixin renders the rows above the first such row and that row through
Textual, and repeats it: the same strips Textual would draw, for about a
tenth of the calls (measured: ~2,700 calls a resized column, ~11,000 of a
code step's key after a plot step).

A container whose rows Textual's styles cache still holds (a repaint that
did not resize it) goes through Textual's own path, cheaper then. Only for
containers that draw nothing between their borders: `render` is
Textual's (a container's `Blank`, no keyline), no padding (a padding row
is drawn apart from the content rows), no outline, no hatch. Anything
else goes through Textual's own `render_lines`, row by row.

`render_repeating` serves LinePane as well, for the blank rows under a
pane's text (line_pane.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

if TYPE_CHECKING:
    from collections.abc import Callable

    _Base = Widget  # what the mixin is mixed into, for the type checker
else:
    _Base = object


class UniformRows(_Base):
    def _uniform_rows(self) -> tuple[int, int] | None:
        """The rows [first, end) that are all the same, or None when this
        widget's rows may differ (see the module's docstring)."""
        styles = self.styles
        if type(self).render is not Widget.render or not self.is_container:
            return None
        if styles.keyline[0] != "none" or styles.has_rule("hatch"):
            return None
        top, _, bottom, _ = styles.padding
        if top or bottom or any(edge for edge, _ in styles.outline):
            return None
        (border_top, _), _, (border_bottom, _), _ = styles.border
        height = self.region.height
        return (1 if border_top else 0), height - (1 if border_bottom else 0)

    def render_lines(self, crop: Region) -> list[Strip]:
        return render_repeating(self, crop, self._uniform_rows, super().render_lines)


def rows_kept(widget: Widget, crop: Region) -> bool:
    """Textual's styles cache holds every row of `crop` still (nothing to
    render: its own path is the cheaper one)."""
    cache = widget._styles_cache
    kept = cache._cache
    return not cache._dirty_lines and all(map(kept.__contains__, crop.line_range))


def content_rows(widget: Widget, first: int, end: int) -> tuple[int, int] | None:
    """The widget's rows showing its content rows [first, end), when those
    are at least two drawn alike: None under a hatch, which may draw each
    row differently."""
    if end - first < 2 or widget.styles.has_rule("hatch"):
        return None
    top = widget.styles.gutter.top
    return top + first, top + end


def render_repeating(widget: Widget, crop: Region, same_rows: Callable[[], tuple[int, int] | None],
                     render: Callable[[Region], list[Strip]]) -> list[Strip]:
    """The lines of `crop`, as `render` (Textual's `render_lines`) draws
    them, knowing the rows [first, end) that `same_rows` gives are all the
    same: those above the first of them and that one are rendered, then it
    is repeated, then the rest are rendered. A crop the styles cache still
    holds, or of two rows or fewer, or no such rows: Textual's own path."""
    rows = same_rows() if crop.height > 2 and not rows_kept(widget, crop) else None
    if rows is None:
        return render(crop)
    start, end = max(crop.y, rows[0]), min(crop.bottom, rows[1])  # the same rows, in the crop
    if end - start < 2:
        return render(crop)
    head = render(Region(crop.x, crop.y, crop.width, start - crop.y + 1))
    tail = render(Region(crop.x, end, crop.width, crop.bottom - end)) if crop.bottom > end else []
    # the styles cache keeps the repeated row for each row it stands for,
    # so a repaint that does not resize the widget finds them all
    cache = widget._styles_cache
    row = cache._cache.get(start)
    if row is not None:
        repeated = range(start + 1, end)
        cache._cache.update(dict.fromkeys(repeated, row))
        cache._dirty_lines.difference_update(repeated)
    return [*head, *[head[-1]] * (end - start - 1), *tail]
