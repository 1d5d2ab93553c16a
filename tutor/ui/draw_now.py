"""Draw a key's frame inside the key's own action.

A step's key changes a dozen widgets. Each `refresh()` only marks the
widget and wakes its message loop; the widget, when its turn comes, posts
the screen an `Update` or a `Layout` message (`Widget._check_refresh`), the
screen files it (`Screen._on_update`, `_on_layout`) and, once its queue is
idle, resumes its update timer, which lays out and renders the frame. On a
code question's key that relay was 30-40 messages, 1.5-4 ms between the
action's end and the frame's start (`benchmarks/bench_app.py --probe`).

`draw_now` does what those handlers would do, for every widget at once, and
runs the screen's update in the same call. The widgets still wake
afterwards and find nothing left to ask for. It leaves the usual path alone
when a widget waits for new styles or a scroll (those go through Textual's
own queue), when an update batch is open, or when the screen is not the one
on view. Private Textual attributes: pinned, listed in docs/architecture.md
("Upgrading Textual"), guarded by tests/test_keys_fast.py and
tests/test_frames.py (one frame a step).
"""

from __future__ import annotations

from textual.screen import Screen
from textual.widget import Widget


def draw_now(screen: Screen) -> None:
    """Hand `screen` the repaints and layouts its widgets asked for and run
    its update now; do nothing when the usual path must take it."""
    if not screen.is_current or screen.app._batch_count:
        return
    pending: list[Widget] = []
    for node in screen.walk_children(Widget):
        for widget in (node, *node._get_virtual_dom()):  # its scrollbars too
            if widget._refresh_styles_required or widget._scroll_required:
                return
            if widget._repaint_required or widget._layout_required:
                pending.append(widget)
    for widget in pending:
        if widget._repaint_required:  # Widget._check_refresh, then Screen._on_update
            widget._repaint_required = False
            if widget.display:
                screen._dirty_widgets.add(widget)
        if widget._layout_required:  # Widget._check_refresh, then Screen._on_layout
            widget._layout_required = False
            _ask_for_layout(screen, widget)
    if screen._layout_required or screen._dirty_widgets or screen._repaint_required:
        screen._on_timer_update()


def _ask_for_layout(screen: Screen, widget: Widget) -> None:
    """What a `Layout` message from `widget` does: its containers arrange
    afresh, up to the first whose size does not depend on its children."""
    child = widget
    for ancestor in widget.ancestors:
        if not isinstance(ancestor, Widget):
            break
        ancestor._clear_arrangement_cache()
        ancestor._layout_updates += 1
        screen._layout_widgets.setdefault(ancestor, set()).add(child)
        if not ancestor.styles.auto_dimensions:
            break
        child = ancestor
    screen._layout_required = True
