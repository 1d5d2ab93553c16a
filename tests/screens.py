"""Reading what a learner would see: the terminal cells of an app's screen.

Textual has no public text export, but `App.export_screenshot` (public) draws
every cell into SVG `<text>` runs; this turns them back into lines. The
Pilot tests of the app and of single widgets share it, so both read the
screen the same way.
"""

from __future__ import annotations

import html
import re

from textual.app import App

_TEXT = re.compile(
    r'<text class="[^"]*" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
    r'clip-path="url\(#[^)]*-line-(\d+)\)">([^<]*)</text>'
)
_CELL_WIDTH = 12.2  # Textual's SVG cell width


def screen_text(app: App) -> str:
    """The terminal cells of the current screen, one line per row."""
    rows: dict[int, list[str]] = {}
    for x, line, content in _TEXT.findall(app.export_screenshot()):
        col = round(float(x) / _CELL_WIDTH)
        row = rows.setdefault(int(line), [" "] * app.size.width)
        for i, ch in enumerate(html.unescape(content).replace("\xa0", " ")):
            if col + i < len(row):
                row[col + i] = ch
    return "\n".join("".join(rows.get(i, [])).rstrip() for i in range(app.size.height))


def region_text(app: App, widget) -> list[str]:
    """The lines of the screen inside `widget`'s region."""
    lines = screen_text(app).splitlines()
    r = widget.region
    return [line[r.x : r.right] for line in lines[r.y : r.bottom]]


def count_renders(monkeypatch, pane) -> list[int]:
    """The widths a text pane renders its content at from now on (its
    `render_renderable` watched): how many times a key rendered it."""
    rendered: list[int] = []
    render = pane.render_renderable

    def counting(renderable, width):
        rendered.append(width)
        return render(renderable, width)

    monkeypatch.setattr(pane, "render_renderable", counting)
    return rendered
