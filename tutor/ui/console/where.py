"""Where the class is: one line per lesson, one small bar per step.

`slope       ▂·█··  3`: each cell is a step of the lesson, its bar as tall
as the number of connected learners on it (the fullest step of the class
is a full block), `·` for none; the number is the lesson's learners. Bars
are shapes, not colours: they read the same in NO_COLOR.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widget import Widget

from tutor.classroom import LessonPlace
from tutor.notation import shortened_apart

BARS = "▁▂▃▄▅▆▇█"
EMPTY = "·"


def bar_line(counts: Sequence[int], top: int) -> str:
    """One character per step: `EMPTY` for no one, else a bar scaled to `top`."""
    out = []
    for n in counts:
        if n <= 0 or top <= 0:
            out.append(EMPTY)
        else:
            out.append(BARS[min(len(BARS) - 1, max(0, round(n / top * len(BARS)) - 1))])
    return "".join(out)


def where_lines(places: Sequence[LessonPlace], width: int, highlight: str | None = None) -> list[Text]:
    """The lines for `width` cells: lesson id, the bars, the lesson's count."""
    if not places:
        return []
    top = max((max(p.counts, default=0) for p in places), default=0)
    steps = max(len(p.counts) for p in places)
    total_width = max(len(str(p.total)) for p in places)
    name_width = max(4, min(max(len(p.lesson) for p in places), width - steps - total_width - 2))
    names = shortened_apart((p.lesson for p in places), name_width)
    lines = []
    for place in places:
        name = names[place.lesson]
        line = Text(no_wrap=True, overflow="crop", end="")
        line.append(f"{name:<{name_width}} ", style="bold" if place.lesson == highlight else "")
        line.append(f"{bar_line(place.counts, top):<{steps}}")
        line.append(f" {place.total:>{total_width}}" if place.total else f" {'':>{total_width}}")
        lines.append(line)
    return lines


class WhereBars(Widget):
    """The bars for every lesson (see the module docstring)."""

    DEFAULT_CSS = """
    WhereBars {
        height: 1fr;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._places: tuple[LessonPlace, ...] = ()
        self._highlight: str | None = None

    def show(self, places: Sequence[LessonPlace], highlight: str | None = None) -> None:
        places = tuple(places)
        if places != self._places or highlight != self._highlight:
            self._places, self._highlight = places, highlight
            self.refresh()

    def render(self) -> Text:
        width = self.content_region.width or self.size.width
        return Text("\n", end="").join(where_lines(self._places, width, self._highlight))
