"""The step's plot: a function with its tangents, descent paths, loss curves.

Plotext draws into a per-widget plot object (`self.plt` of one PlotextPlot,
never the global `plotext`), and only when a step is shown or the pane is
resized: a replot at 80x24 costs a few milliseconds and ~6-8 KB over SSH, so
it must not run at 60 Hz. Long series are thinned to about two points per
column (the smallest and largest of each column, so a noisy loss curve keeps
its envelope). Below about 30x8 cells plotext's tick labels turn to garbage,
so the pane shows a sparkline and the numbers instead.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Sequence

from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget
from textual.widgets import Sparkline, Static
from textual_plotext import PlotextPlot

from tutor.i18n import Catalog
from tutor.ui.widgets.paint_once import PaintOnce
from tutor.values import format_number

if TYPE_CHECKING:  # the contract lives in the runner; the pane never imports torch
    from tutor.runner import PlotData, Series

STRINGS = Catalog(
    {
        "empty": {"en": "this step has no plot", "pt": "este passo não tem gráfico"},
        "no_data": {"en": "nothing to plot yet", "pt": "ainda não há nada para desenhar"},
        "hidden": {
            "en": "{n} points not finite (diverged?)",
            "pt": "{n} pontos não finitos (divergiu?)",
        },
        "summary": {
            "en": "{label}: last {last}, min {low}, max {high}",
            "pt": "{label}: último {last}, mín {low}, máx {high}",
        },
        "too_small": {
            "en": "enlarge the window to see the plot",
            "pt": "aumente a janela para ver o gráfico",
        },
    }
)

MIN_WIDTH = 30
MIN_HEIGHT = 8
# Below this height plotext's legend (drawn over the top-left corner of the
# data) would hide a good part of a small plot: the legend goes under it.
INSIDE_LEGEND_HEIGHT = 20

# The legend's sample of each kind's marker, and plotext colour names in Rich.
LEGEND_SAMPLE = {"line": "▞▞", "tangent": "--", "scatter": "oo", "path": "**"}
RICH_COLOUR = {
    "blue+": "bright_blue", "cyan": "cyan", "white": "white", "red+": "bright_red",
    "orange": "dark_orange", "magenta": "magenta", "orange+": "orange1", "yellow": "yellow",
    "red": "red", "green+": "bright_green", "magenta+": "bright_magenta",
    "yellow+": "bright_yellow", "cyan+": "bright_cyan",
}

# Marker and colour per kind: the marker tells the series apart without
# colour, the legend names them.
STYLE = {
    "line": ("hd", ["blue+", "cyan", "white"]),
    "tangent": ("-", ["red+", "orange", "magenta"]),
    "scatter": ("o", ["orange+", "yellow", "red"]),
    "path": ("*", ["green+", "magenta+", "yellow+", "cyan+"]),
}


def finite_points(xs: Sequence[float], ys: Sequence[float]) -> tuple[list[float], list[float], int]:
    """The points plotext can draw, and how many were dropped (NaN or inf)."""
    if len(xs) != len(ys):
        xs = list(range(len(ys)))  # a series without usable xs is drawn against its index
    fx, fy, dropped = [], [], 0
    for x, y in zip(xs, ys):
        try:
            x, y = float(x), float(y)
        except (TypeError, ValueError):
            dropped += 1
            continue
        if math.isfinite(x) and math.isfinite(y):
            fx.append(x)
            fy.append(y)
        else:
            dropped += 1
    return fx, fy, dropped


def decimate(xs: list[float], ys: list[float], columns: int, keep_envelope: bool = True):
    """At most about two points per column: the lowest and highest y of each
    column's run of points, in order, so spikes and the overall shape survive."""
    n = len(xs)
    limit = max(2, 2 * columns)
    if n <= limit:
        return xs, ys
    buckets = max(1, columns)
    out_x: list[float] = []
    out_y: list[float] = []
    for b in range(buckets):
        lo = b * n // buckets
        hi = (b + 1) * n // buckets
        if hi <= lo:
            continue
        if keep_envelope:
            i_min = min(range(lo, hi), key=ys.__getitem__)
            i_max = max(range(lo, hi), key=ys.__getitem__)
            picks = sorted({i_min, i_max})
        else:
            picks = [lo]
        for i in picks:
            out_x.append(xs[i])
            out_y.append(ys[i])
    if not keep_envelope and out_x[-1] != xs[-1]:
        out_x.append(xs[-1])
        out_y.append(ys[-1])
    return out_x, out_y


def _pack(entries: list[Text], width: int) -> Text:
    """Legend entries on as few lines as fit, a line break only between two
    entries, never between a marker and its label."""
    out = Text(no_wrap=True, overflow="ellipsis")
    used = 0
    for entry in entries:
        if used and used + 2 + entry.cell_len > width:
            out.append("\n")
            used = 0
        elif used:
            out.append("  ")
            used += 2
        out.append_text(entry)
        used += entry.cell_len
    return out


class _Plot(PaintOnce, PlotextPlot):
    """The plotext canvas, painted once when the legend's height moves it."""


class _Line(PaintOnce, Static):
    """A legend, summary or note line of the pane, painted once when resized."""


class _Spark(PaintOnce, Sparkline):
    pass


class PlotPane(Widget):
    """Draws a step's `PlotData`, or a compact summary when the pane is tiny.

    `show(plot, reveal=None)`: `reveal=k` draws only the first k points of
    each series, on axes sized for the whole series, so an animated loss
    curve grows in place instead of rescaling on every frame.
    """

    DEFAULT_CSS = """
    PlotPane {
        height: 1fr;
        width: 1fr;
    }
    PlotPane > PlotextPlot {
        height: 1fr;
        width: 1fr;
    }
    PlotPane > #plot-pane-legend {
        height: auto;
        max-height: 3;
    }
    PlotPane > #plot-pane-summary {
        height: auto;
        display: none;
    }
    PlotPane > Sparkline {
        height: 1fr;
        min-height: 1;
        display: none;
    }
    PlotPane > #plot-pane-empty {
        color: $text-muted;
        text-style: italic;
        display: none;
    }
    PlotPane.-compact > PlotextPlot, PlotPane.-empty > PlotextPlot {
        display: none;
    }
    PlotPane.-compact > #plot-pane-summary, PlotPane.-compact > Sparkline {
        display: block;
    }
    PlotPane.-empty > #plot-pane-empty {
        display: block;
    }
    """

    def __init__(self, *, lang: str = "en", empty_text: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lang = lang
        self.empty_text = empty_text or STRINGS.get("empty", lang)
        self.plot_data: PlotData | None = None
        self.reveal: int | None = None
        self._plotext = _Plot()
        self._legend = _Line(id="plot-pane-legend")
        self._summary = _Line(id="plot-pane-summary")
        self._spark = _Spark([], id="plot-pane-spark")
        self._empty = _Line(Text(self.empty_text), id="plot-pane-empty")
        self._drawn_for: tuple | None = None
        self._known_size = Size(0, 0)
        self.set_class(True, "-empty")

    def compose(self):
        yield self._plotext
        yield self._legend
        yield self._summary
        yield self._spark
        yield self._empty

    @property
    def plt(self):
        """The plotext plot object of this pane (tests and benchmarks read it)."""
        return self._plotext.plt

    @property
    def mode(self) -> str:
        """`plot`, `compact` or `empty`: what the pane shows now."""
        if self.has_class("-empty"):
            return "empty"
        return "compact" if self.has_class("-compact") else "plot"

    def show(self, plot: PlotData | None, reveal: int | None = None) -> None:
        """Draw `plot` (None: the empty state); `reveal=k`: the first k points.
        The same plot shown again is not redrawn (a replot is 3-6 KB)."""
        if plot is self.plot_data and reveal == self.reveal:
            return
        self.plot_data = plot
        self.reveal = reveal
        self._drawn_for = None
        self._redraw()

    def on_resize(self) -> None:
        self._redraw()

    # --- drawing -------------------------------------------------------------

    def _series(self) -> list[tuple[Series, list[float], list[float], int]]:
        """Each series' drawable points after `reveal`, with its dropped count."""
        plot = self.plot_data
        out = []
        for series in plot.series if plot else []:
            xs, ys = list(series.xs), list(series.ys)
            if len(xs) != len(ys):
                xs = list(range(len(ys)))
            if self.reveal is not None:
                xs, ys = xs[: max(0, self.reveal)], ys[: max(0, self.reveal)]
            fx, fy, dropped = finite_points(xs, ys)
            out.append((series, fx, fy, dropped))
        return out

    def _redraw(self) -> None:
        # Hidden, the pane is 0x0: draw for the size it had when last shown
        # (a step that shows it again shows it at that size, in one frame),
        # or, never shown yet, wait for the Resize that gives it one.
        size = self.size
        if size:
            self._known_size = size
        width, height = self._known_size
        if not width:
            return
        key = (id(self.plot_data), self.reveal, width, height)
        if key == self._drawn_for:
            return
        self._drawn_for = key
        self._legend.display = False  # the plot sets it when it has one
        plot = self.plot_data
        series = self._series()
        has_points = any(fx for _, fx, _, _ in series)
        if plot is None or not has_points:
            self._empty.update(
                Text(self.empty_text if plot is None else STRINGS.get("no_data", self.lang))
            )
            self.set_class(True, "-empty")
            self.set_class(False, "-compact")
            return
        self.set_class(False, "-empty")
        compact = width < MIN_WIDTH or height < MIN_HEIGHT
        self.set_class(compact, "-compact")
        if compact:
            self._draw_compact(series, width)
        else:
            self._draw_plot(series, width)

    def _ylabel(self) -> str:
        plot = self.plot_data
        label = plot.ylabel or ""
        if plot.log and not label.startswith("log10"):
            # ys are already log10: say so on a linear axis (plotext's own log
            # axis crashes on resize)
            label = f"log10({label or 'loss'})"
        return label

    def _draw_plot(self, series, width: int) -> None:
        plot = self.plot_data
        plt = self._plotext.plt
        plt.clear_data()
        columns = max(10, width - 10)  # less the y tick labels
        inside = self.size.height >= INSIDE_LEGEND_HEIGHT
        entries: list[Text] = []
        plt.title(plot.title or "")
        plt.xlabel(plot.xlabel or "")
        plt.ylabel(self._ylabel())
        counts: dict[str, int] = {}
        for s, fx, fy, _ in series:
            if not fx:
                continue
            kind = s.kind if s.kind in STYLE else "line"
            marker, colours = STYLE[kind]
            colour = colours[counts.get(kind, 0) % len(colours)]
            counts[kind] = counts.get(kind, 0) + 1
            dx, dy = decimate(fx, fy, columns, keep_envelope=kind == "line")
            label = (s.label or None) if inside else None
            if s.label and not inside:
                entry = Text(LEGEND_SAMPLE[kind], RICH_COLOUR.get(colour, ""))
                entry.append(f" {s.label}")
                entries.append(entry)
            if kind == "scatter":
                plt.scatter(dx, dy, marker=marker, color=colour, label=label)
            elif kind == "path":
                # the steps between visited points, then the points themselves
                plt.plot(dx, dy, marker="braille", color=colour)
                plt.scatter(dx, dy, marker=marker, color=colour, label=label)
            else:
                plt.plot(dx, dy, marker=marker, color=colour, label=label)
        legend = _pack(entries, width)
        dropped = sum(d for *_, d in series)
        if dropped:
            # said in words under the plot, in the learner's language (plot
            # labels stay ASCII)
            if legend:
                legend.append("\n")
            legend.append(STRINGS.get("hidden", self.lang, n=dropped), "italic")
        self._legend.update(legend)
        self._legend.display = bool(legend)
        if self.reveal is not None:
            self._fix_axes()
        self._plotext.refresh()

    def _fix_axes(self) -> None:
        """Axes for the whole series while only part is revealed."""
        xs: list[float] = []
        ys: list[float] = []
        for s in self.plot_data.series:
            fx, fy, _ = finite_points(list(s.xs), list(s.ys))
            xs.extend(fx)
            ys.extend(fy)
        if xs and min(xs) < max(xs):
            self._plotext.plt.xlim(min(xs), max(xs))
        if ys and min(ys) < max(ys):
            self._plotext.plt.ylim(min(ys), max(ys))

    def _draw_compact(self, series, width: int) -> None:
        """A sparkline of the main series and its numbers, for tiny panes."""
        lines = [s for s in series if s[1] and s[0].kind == "line"] or [s for s in series if s[1]]
        main = max(lines, key=lambda s: len(s[1]))
        s, fx, fy, _ = main
        label = s.label or self._ylabel() or "y"
        text = STRINGS.get(
            "summary",
            self.lang,
            label=label,
            last=format_number(fy[-1], 3),
            low=format_number(min(fy), 3),
            high=format_number(max(fy), 3),
        )
        self._summary.update(Text(text))
        _, dy = decimate(fx, fy, max(1, width // 2), keep_envelope=True)
        self._spark.data = dy if len(dy) > 1 else dy * 2
