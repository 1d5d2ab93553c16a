"""The message shown instead of the app when the window is below 80x24.

Each screen carries one; the stylesheet shows it and hides everything else
when the screen has the `-tiny` or `-short` breakpoint class (see
TutorApp.HORIZONTAL_BREAKPOINTS), so growing the window restores the app
exactly as it was: nothing is unmounted, nothing crashes.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class TooSmall(Widget):
    DEFAULT_CSS = """
    TooSmall {
        display: none;
        width: 1fr;
        height: 1fr;
        content-align: center middle;
        text-align: center;
        text-style: bold;
    }
    """

    def __init__(self, message: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self._message = message  # a format string with {w} and {h}

    def render(self) -> Text:
        w, h = self.app.size
        return Text(self._message.format(w=w, h=h), justify="center")
