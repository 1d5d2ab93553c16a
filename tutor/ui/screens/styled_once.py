"""A screen styled once when it opens, not three times over.

Textual styles a new screen's widgets as they mount. Then, before the
screen's first frame, it styles the whole tree twice more: the first Resize
gives the screen the app's breakpoint classes (`-narrow`, `-normal`, ...),
a class change that restyles every widget on it, and the ScreenResume of a
pushed screen restyles every widget again (what a screen coming back to
the top needs, in case the theme changed under it; a new screen was styled
a moment ago). Opening lesson 1 at 80x24 cost 126-136 ms of CPU (median of
7 opens, after a first one), 77-93 ms without the two passes, the same
screen: a lesson opened by a class joining a server, or by a learner from
the menu, pays it each time.

Screens mix this in before `Screen`: the breakpoint classes are set when
the screen is made (so its widgets mount with them, and the first Resize
changes nothing), and the first resume of a screen never suspended skips
the restyle. Later resizes and resumes behave as Textual's.
"""

from __future__ import annotations

from textual import events
from textual.types import NoActiveAppError


def breakpoint_classes(width: int, height: int, horizontal, vertical) -> dict[str, bool]:
    """The breakpoint classes for a size, as Textual's Screen sets them on
    a Resize: for each axis, the class of the largest breakpoint the size
    reaches is on, every other class of that axis off."""
    classes: dict[str, bool] = {}
    for breakpoints, size in ((horizontal or [], width), (vertical or [], height)):
        for _, name in breakpoints:
            classes[name] = False
        for at, name in sorted(breakpoints, reverse=True):
            if size >= at:
                classes[name] = True
                break
    return classes


class StyledOnce:
    _fresh = True  # made, and never suspended since

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        try:
            app = self.app  # type: ignore[attr-defined]
        except NoActiveAppError:  # made outside a running app: the first Resize sets them
            return
        horizontal = app.HORIZONTAL_BREAKPOINTS if self.HORIZONTAL_BREAKPOINTS is None else self.HORIZONTAL_BREAKPOINTS  # type: ignore[attr-defined]
        vertical = app.VERTICAL_BREAKPOINTS if self.VERTICAL_BREAKPOINTS is None else self.VERTICAL_BREAKPOINTS  # type: ignore[attr-defined]
        width, height = app.size
        self.update_classes(breakpoint_classes(width, height, horizontal, vertical), update=False)  # type: ignore[attr-defined]

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        # Runs before Screen's own handler (earlier in the MRO), which reads the flag.
        if self._fresh:
            self._fresh = False
            event.refresh_styles = False

    def on_screen_suspend(self) -> None:
        self._fresh = False
