"""Keep the keyboard focus across a too-small window.

Below 80x24 a screen hides its panes behind the "make the window bigger"
message, and Textual drops the focus of hidden widgets. Without this, a
learner who shrinks and regrows the window finds no widget focused: Enter
opens nothing and arrows scroll nothing. Screens mix this in to give the
focus back to the widget that had it.
"""

from __future__ import annotations

from textual import events

MIN_WIDTH, MIN_HEIGHT = 80, 24


class KeepsFocus:
    _focus_before_small = None

    def on_resize(self, event: events.Resize) -> None:
        small = event.size.width < MIN_WIDTH or event.size.height < MIN_HEIGHT
        if small:
            if self._focus_before_small is None:
                self._focus_before_small = self.focused  # type: ignore[attr-defined]
        elif self._focus_before_small is not None:
            widget, self._focus_before_small = self._focus_before_small, None
            self.call_after_refresh(self._give_focus_back, widget)  # type: ignore[attr-defined]

    def _give_focus_back(self, widget) -> None:
        if self.focused is None and widget.is_attached:  # type: ignore[attr-defined]
            self.set_focus(widget)  # type: ignore[attr-defined]


def show(widget, visible: bool) -> None:
    """Show or hide `widget`; a widget that holds the focus, or holds a
    focused one, gives the focus to the explanation pane (where the arrows
    scroll) before it goes. Left to Textual, a hidden focused widget hands
    the focus to a sibling it still counts as visible, even one hidden with
    it: the question's answer box, or the code editor, which then took the
    keys that followed (`n`, `p`) unseen, as text."""
    if not visible and widget.has_focus_within:
        focus_home(widget.screen)
    widget.display = visible


def focus_home(screen) -> None:
    """The focus goes back to the lesson's explanation pane, where Up and
    Down scroll (Esc out of the answer box or the editor: with no focus at
    all, the arrows scrolled nothing). Under a zoom of another pane it goes
    nowhere instead, so the zoom stays (the next Esc leaves it)."""
    home = screen.query_one("#explain-pane")
    zoomed = screen.maximized
    if zoomed is not None and zoomed is not home:
        screen.set_focus(None)
    else:
        screen.set_focus(home, scroll_visible=False)
