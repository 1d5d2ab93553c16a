"""Paint a resized widget once, not twice.

When a layout changes a widget's size, Textual (8.2) paints the widget in
that layout's frame, then sets the widget's virtual size, which asks for a
second layout and paints the whole widget again a moment later: the same
lines sent twice, 2-4 KB and 10-25 ms more for a step that shows or hides a
pane. Widgets that draw whatever size they are given, and do not scroll
their own children, need neither: this mixin records the new virtual size
without asking for that second layout, and drops the "repaint all of me"
it leaves behind (which the next small refresh, a title say, would turn
into a whole repaint). The layout that resized the widget paints it at its
new size in its own frame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.geometry import Size

if TYPE_CHECKING:
    from textual.widget import Widget

    _Base = Widget  # what the mixin is mixed into, for the type checker
else:
    _Base = object


class PaintOnce(_Base):
    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        changed = super()._size_updated(size, virtual_size, container_size, layout=False)
        if changed:
            self._repaint_regions.clear()
        return changed
