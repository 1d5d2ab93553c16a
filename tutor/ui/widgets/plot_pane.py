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
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Sparkline, Static
from textual_plotext import PlotextPlot

from tutor.i18n import Catalog
from tutor.ui import shared_lines
from tutor.ui.widgets import plot_axes
from tutor.ui.widgets.paint_once import PaintOnce
from tutor.ui.widgets.uniform_rows import UniformRows
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
        "slope": {"en": "slope:", "pt": "inclinação:"},
        "global": {"en": "global", "pt": "global"},
        "local": {"en": "local", "pt": "local"},
        "log_scale": {"en": "{label} (log scale)", "pt": "{label} (escala log)"},
        "too_small": {
            "en": "enlarge the window to see the plot",
            "pt": "aumente a janela para ver o gráfico",
        },
    }
)

MIN_WIDTH = 30
MIN_HEIGHT = 8
# From this canvas height the data gets plotext's frame (axis lines with
# tick marks); below it the two rows go to the data.
FRAME_HEIGHT = 18

CANVASES_KEPT = 6  # built canvases kept (the steps around the learner's)
LEGEND_MAX_LINES = 3  # the legend's max-height (DEFAULT_CSS)

# The training curve grows in this many redraws, this far apart (~2 s).
ANIMATION_FRAMES = 24
ANIMATION_INTERVAL = 1 / 12

# Colours are ANSI numbers: the learner's terminal theme adapts them, and
# each one reads on a dark and on a light background (no white, bright
# white, bright yellow, bright green, bright cyan, nor ANSI blue, which
# vanishes on black). The frame, ticks and labels keep the terminal's own
# colours (plotext's "clear" theme). Markers and labels tell the series
# apart without colour; with NO_COLOR everything is drawn in one colour.
RED, GREEN, YELLOW, MAGENTA, CYAN, BRIGHT_RED, BRIGHT_BLUE = 1, 2, 3, 5, 6, 9, 12
STEEPNESS_COLOUR = {"steep": RED, "gentle": GREEN, "flat": BRIGHT_BLUE}  # lesson 1's words
STYLE: dict[str, tuple[str, list[str | int]]] = {
    "line": ("hd", ["default", CYAN, MAGENTA]),
    "tangent": ("-", [RED, GREEN, BRIGHT_BLUE]),
    "scatter": ("o", [MAGENTA, YELLOW]),
    "path": ("*", [CYAN, MAGENTA, YELLOW, BRIGHT_RED]),
}
MINIMUM_COLOUR = MAGENTA
# The legend's sample of each kind's marker.
LEGEND_SAMPLE = {"line": "▞▞", "tangent": "──", "scatter": "oo", "path": "**"}


class Plan(NamedTuple):
    """What a plot's canvas is drawn from, at any size: decided once a step
    (`PlotPane._plan`), laid out at each canvas size (`PlotPane._lay_out`)."""

    ops: list  # (kind, marker, colour, xs, ys) for each series drawn, in order
    whole: list  # (series, xs, ys): every series whole, for the axes' limits
    curve: tuple | None  # (series, xs, ys) of the function's curve, if the plot has one
    minima: list[int]  # the curve's minima marked "global"/"local", lowest first: two or more, or none


def finite_points(xs: Sequence[float], ys: Sequence[float]) -> tuple[list[float], list[float], int]:
    """The points plotext can draw, and how many were dropped (NaN or inf)."""
    if len(xs) != len(ys):
        xs = list(range(len(ys)))  # a series without usable xs is drawn against its index
    fx, fy, dropped = [], [], 0
    for raw_x, raw_y in zip(xs, ys):
        try:
            x, y = float(raw_x), float(raw_y)
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


def _legend_rows(legend: object) -> int:
    """The rows a legend takes: `_pack` never lets it wrap."""
    lines = str(legend).count("\n") + 1 if legend else 0
    return min(lines, LEGEND_MAX_LINES)


class _Plot(PaintOnce, PlotextPlot):
    """The plotext canvas, painted once when the legend's height moves it.

    Plotext's "clear" theme: canvas, frame, ticks and labels in the
    terminal's own colours (textual-plotext's "auto" theme paints them all
    in one colour, black on black in the ANSI theme)."""

    def __init__(self, pane: PlotPane) -> None:
        super().__init__()
        self.set_reactive(PlotextPlot.theme, "clear")
        self._pane = pane

    def render(self):
        # the plot is laid out for the size it is painted at, here: a pane
        # made taller or shorter by the step's layout is drawn in that
        # layout's frame, not in a second one after its Resize event
        width, height = self.size
        pane = self._pane
        canvas = pane._canvas(width, height)
        if canvas is None:
            pane._paint_canvas(width, height)
            canvas = _build_canvas(self.plt, width, height)
            pane._keep_canvas(pane.plot_data, pane.reveal, width, height, canvas)
        return canvas


def _build_canvas(figure, width: int, height: int) -> Text:
    """A plotext figure's canvas at `width` x `height` cells, as
    PlotextPlot.render builds it (the theme always "clear"): the pane's own
    figure on a step, or one of its own for a plot built ahead."""
    figure.plotsize(width, height)
    # PlotextPlot.render sets the size twice too (textual-plotext issue 5)
    figure._set_size(width, height)
    figure.theme("clear")
    return Text.from_ansi(figure.build())


class _Line(PaintOnce, Static):
    """A legend, summary or note line of the pane, painted once when resized."""


class _Spark(PaintOnce, Sparkline):
    pass


# Axis names as the lessons write them, in the learner's language.
AXIS_WORDS = {"pt": {"loss": "perda", "step": "passo", "cycle": "ciclo", "steps": "passos"}}


def _rich(colour) -> Style:
    return Style() if colour == "default" else Style(color=Color.from_ansi(colour))


def _is_index(xs: Sequence[float]) -> bool:
    """A series drawn against its index (a loss per step), not a function of x."""
    return all(x == i for i, x in enumerate(xs))


# The plot's size when last drawn, by window size, whether it shared the
# side column with a question's verdict (-plot-asked) and whether the
# backprop diagram stood above it, on any lesson screen: the next plot is
# built ahead for it. The pane's own last size can be another company's:
# on training's `repeat`, its first plot step, it was the size the screen's
# first layout gave it under the diagram, and the canvas was built on the
# key (30% of the key's Python).
_SIZE_ON_SCREEN: dict[tuple[Size, bool, bool], Size] = {}


class PlotPane(PaintOnce, UniformRows, Widget):
    """Draws a step's `PlotData`, or a compact summary when the pane is tiny.

    `show(plot)` draws it; a plot with `animate` grows its curves in place
    over about two seconds (on axes sized for the whole series, so nothing
    rescales while it grows), stopped when the pane is hidden or shows
    something else. `show(plot, reveal=k)` draws only the first k points.
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
        max-height: 3;  /* LEGEND_MAX_LINES */
    }
    PlotPane > #plot-pane-summary {
        height: auto;
    }
    PlotPane > Sparkline {
        height: 1fr;
        min-height: 1;
    }
    PlotPane > #plot-pane-empty {
        text-style: italic;
    }
    """

    def __init__(self, *, lang: str = "en", empty_text: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lang = lang
        self.empty_text = empty_text or STRINGS.get("empty", lang)
        self.plot_data: PlotData | None = None
        self.reveal: int | None = None
        self._plotext = _Plot(self)
        self._drawn_plan: Plan | None = None
        self._painted_for: tuple | None = None
        self._legend = _Line(id="plot-pane-legend")
        self._summary = _Line(id="plot-pane-summary")
        self._spark = _Spark([], id="plot-pane-spark")
        self._empty = _Line(Text(self.empty_text), id="plot-pane-empty")
        self._drawn_for: tuple | None = None
        # plotext canvases built (on a step, or ahead by `prepare`), by
        # (plot, reveal, width, height): building one is most of the key
        # that shows a plot (plotext lays it out in Python, then its ANSI
        # text is parsed back)
        self._canvases: OrderedDict[tuple[int, int | None, int, int], tuple[PlotData, Text]] = OrderedDict()
        self._known_size = Size(0, 0)
        self._anim_timer: Timer | None = None
        self._base_title: str | None = None
        self._mode = ""
        self._set_mode("empty")

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
        return self._mode

    def _set_mode(self, mode: str) -> None:
        """Show the children of `mode` only. Their `display`, set here, not
        a class on the pane: a class change restyles the pane and all its
        children (Textual's stylesheet pass: a fifth of the key that shows a
        plot, under bench_app.py --profile), where `display` only lays out."""
        if mode == self._mode:
            return
        self._mode = mode
        self._plotext.display = mode == "plot"
        self._summary.display = self._spark.display = mode == "compact"
        self._empty.display = mode == "empty"
        if mode != "plot":
            self._legend.display = False

    @property
    def animating(self) -> bool:
        """A curve is growing (the pane's own timer is running)."""
        return self._anim_timer is not None

    def show(self, plot: PlotData | None, reveal: int | None = None) -> None:
        """Draw `plot` (None: the empty state); `reveal=k`: the first k points;
        a plot that animates grows by itself. The same plot shown again is
        not redrawn (a replot is 3-6 KB)."""
        if plot is self.plot_data and reveal == self.reveal:
            return
        self._stop_animation()
        self.plot_data = plot
        self.reveal = reveal
        if reveal is None and plot is not None and plot.animate and self._series_length() > 1:
            self.reveal = 1
            self._anim_timer = self.set_interval(ANIMATION_INTERVAL, self._grow)
        self._set_title()
        self._drawn_for = None
        self._redraw()

    def on_resize(self) -> None:
        self._redraw()

    def on_hide(self) -> None:
        # hidden mid-growth: shown again, the curve is whole
        if self._anim_timer is not None:
            self._stop_animation()
            self.reveal = None
            self._drawn_for = None

    def on_unmount(self) -> None:
        self._stop_animation()

    # --- animation -----------------------------------------------------------

    def _series_length(self) -> int:
        plot = self.plot_data
        return max((len(s.ys) for s in plot.series), default=0) if plot else 0

    def _grow(self) -> None:
        total = self._series_length()
        if self.reveal is None or self.reveal >= total:
            self._stop_animation()
            return
        self.reveal = min(total, self.reveal + max(1, -(-total // ANIMATION_FRAMES)))
        if self.reveal >= total:
            self.reveal = None  # whole: the same as a plot that never animated
            self._stop_animation()
        self._drawn_for = None
        self._redraw()

    def _stop_animation(self) -> None:
        if self._anim_timer is not None:
            self._anim_timer.stop()
            self._anim_timer = None

    # --- drawing -------------------------------------------------------------

    def _set_title(self) -> None:
        """The plot's title goes in the pane's title rule (one more row for
        the data); a pane without a rule has plotext draw it."""
        if self._base_title is None:
            self._base_title = str(self.border_title or "")
        title = self.plot_data.title if self.plot_data is not None else ""
        if self._base_title:
            self.border_title = f"{self._base_title}: {title}" if title else self._base_title

    def _series(self, plot: PlotData | None = None, reveal: int | None = None,
                ) -> list[tuple[Series, list[float], list[float], int]]:
        """Each series' drawable points after `reveal`, with its dropped count
        (by default the pane's own plot and reveal)."""
        if plot is None:
            plot, reveal = self.plot_data, self.reveal
        out = []
        for series in plot.series if plot else []:
            xs, ys = list(series.xs), list(series.ys)
            if len(xs) != len(ys):
                xs = list(range(len(ys)))
            if reveal is not None:
                xs, ys = xs[: max(0, reveal)], ys[: max(0, reveal)]
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
            column = self.parent
            diagram = column is not None and any(other.display for other in column.children if other is not self)
            _SIZE_ON_SCREEN[self.app.size, self.screen.has_class("-plot-asked"), diagram] = size
        width, height = self._known_size
        if not width:
            return
        compact = width < MIN_WIDTH or height < MIN_HEIGHT
        # the canvas follows its height by itself (see _Plot.render): only a
        # new width, plot or reveal, or a change to or from the compact
        # summary, is redrawn here
        key = (id(self.plot_data), self.reveal, width, compact)
        if key == self._drawn_for:
            return
        self._drawn_for = key
        plot = self.plot_data
        series = self._series()
        has_points = any(fx for _, fx, _, _ in series)
        if plot is None or not has_points:
            self._empty.update(
                Text(self.empty_text if plot is None else STRINGS.get("no_data", self.lang))
            )
            self._set_mode("empty")
            return
        self._set_mode("compact" if compact else "plot")
        if compact:
            self._draw_compact(series, width)
        else:
            self._draw_plot(series, width)

    @property
    def _data(self) -> PlotData:
        """The plot being drawn (the drawing methods run only with one)."""
        assert self.plot_data is not None
        return self.plot_data

    def _axis_name(self, name: str) -> str:
        return AXIS_WORDS.get(self.lang, {}).get(name, name)

    def _ylabel(self, plot: PlotData) -> str:
        label = plot.ylabel or ""
        if plot.log:
            # the ys are log10 values on a linear axis (plotext's own log
            # axis crashes on resize); its ticks are labelled in loss values
            if label.startswith("log10(") and label.endswith(")"):
                label = label[len("log10("):-1]
            return STRINGS.get("log_scale", self.lang, label=self._axis_name(label or "loss"))
        return self._axis_name(label)

    def _colour(self, colour):
        return "default" if self.app.no_color else colour

    def _draw_plot(self, series, width: int) -> None:
        """Decide what each series looks like and write the legend; the
        canvas is painted from this plan at its own size (_paint_canvas)."""
        self._drawn_plan, legend = self._plan(self._data, series, width)
        self._painted_for = None
        before = self._legend.content
        if legend != before:
            # a new layout only if the legend's height changes (it is never
            # wrapped: one row a line, up to its max-height)
            self._legend.update(legend, layout=_legend_rows(legend) != _legend_rows(before))
        self._legend.display = bool(legend)
        self._plotext.refresh()

    def _plan(self, plot: PlotData, series, width: int) -> tuple[Plan, Text]:
        """What each series of `plot` looks like (`Plan`) and the legend, at `width`."""
        whole = [(s, *finite_points(list(s.xs), list(s.ys))[:2]) for s in plot.series]
        # the function's curve (if any) sets the x range and the steepness scale
        curve = next(((s, xs, ys) for s, xs, ys in whole if s.kind == "line" and xs and not _is_index(xs)), None)
        steepest = plot_axes.steepest_slope(curve[1], curve[2]) if curve else 0.0
        entries: list[Text] = []
        ops = []
        counts: dict[str, int] = {}
        lines = sum(1 for s, fx, *_ in series if fx and s.kind == "line")
        minima = _marked_minima(curve)
        marks = [curve[1][i] for i in minima] if curve else []
        column = (max(curve[1]) - min(curve[1])) / max(10, width - 5) if curve else 0.0
        for s, fx, fy, _ in series:
            if not fx or (s.kind == "scatter" and _all_near(fx, marks, column)):
                continue  # points on the marked minima are those markers (no "oo point" under a "●")
            kind = s.kind if s.kind in STYLE else "line"
            marker, colours = STYLE[kind]
            colour = colours[counts.get(kind, 0) % len(colours)]
            counts[kind] = counts.get(kind, 0) + 1
            label = s.label
            if kind == "tangent" and len(fx) >= 2 and fx[-1] != fx[0]:
                slope = (fy[-1] - fy[0]) / (fx[-1] - fx[0])
                x0 = (fx[0] + fx[-1]) / 2  # the runner's tangents are symmetric
                colour = STEEPNESS_COLOUR[plot_axes.steepness(slope, steepest)]
                label = f"x={plot_axes.format_tick(x0)}: {_signed(slope)}"
                if counts[kind] == 1:
                    entries.append(Text(STRINGS.get("slope", self.lang)))
            elif kind == "path":
                label = f"x={plot_axes.format_tick(fx[0])} → {plot_axes.format_tick(fx[-1])}"
            elif kind == "line" and lines == 1:
                label = ""  # the one curve is named by the title and the axis
            colour = self._colour(colour)
            if label:
                entry = Text(LEGEND_SAMPLE[kind], _rich(colour))
                entry.append(f" {label}")
                entries.append(entry)
            ops.append((kind, marker, colour, fx, fy))
        legend = _pack(entries, width)
        dropped = sum(d for *_, d in series)
        if dropped:
            if legend:
                legend.append("\n")
            legend.append(STRINGS.get("hidden", self.lang, n=dropped), "italic")
        return Plan(ops, whole, curve, minima), legend

    # --- canvases ------------------------------------------------------------

    def _canvas(self, width: int, height: int) -> Text | None:
        """The canvas already built for what the pane shows, at this size."""
        plot = self.plot_data
        entry = self._canvas_entry(plot, self.reveal, width, height)
        return entry[1] if entry is not None and entry[0] is plot and self.mode == "plot" else None

    def _canvas_entry(self, plot: PlotData | None, reveal: int | None, width: int,
                      height: int) -> tuple[PlotData, Text] | None:
        """The pane's own canvas for `plot` at this size, or the one a
        classroom server's warm process built (`shared_lines`)."""
        key = (id(plot), reveal, width, height)
        return self._canvases.get(key) or shared_lines.find(self._shared_slot(key))

    def _shared_slot(self, key: tuple) -> tuple:
        return ("plot", key, self.app.no_color, self.app.theme)

    def _keep_canvas(self, plot: PlotData | None, reveal: int | None, width: int, height: int,
                     canvas: Text) -> None:
        if plot is None:
            return
        key = (id(plot), reveal, width, height)
        self._canvases[key] = (plot, canvas)  # the plot kept: its id is not reused while it is here
        self._canvases.move_to_end(key)
        while len(self._canvases) > CANVASES_KEPT:
            self._canvases.popitem(last=False)
        shared_lines.keep(self._shared_slot(key), (plot, canvas))

    def prepare(self, plot: PlotData, *, asked: bool = False, diagram: bool = False) -> None:
        """Build `plot`'s canvas now, while the learner reads the step
        before, for the size a plot pane last had in this window in the
        same company: beside the verdict of the question it answers
        (`asked`: the screen's `-plot-asked`) or not, under the backprop
        diagram (`diagram`) or not, on this screen or the lesson before's.
        `show(plot)` then finds it built (or, the guess wrong, builds it).
        A plot that grows by itself is drawn as it grows, not ahead."""
        width, height = _SIZE_ON_SCREEN.get((self.app.size, asked, diagram), self._known_size)
        if plot.animate or not width or width < MIN_WIDTH or height < MIN_HEIGHT:
            return
        series = self._series(plot, None)
        if not any(fx for _, fx, _, _ in series):
            return
        plan, legend = self._plan(plot, series, width)
        if legend:
            lines = len(legend.wrap(self.app.console, width))
            height -= min(lines, LEGEND_MAX_LINES)
        if self._canvas_entry(plot, None, width, height) is not None:
            return
        from textual_plotext.plot import Plot

        figure = Plot()
        self._lay_out(figure, plot, plan, width, height)
        self._keep_canvas(plot, None, width, height, _build_canvas(figure, width, height))

    def _paint_canvas(self, width: int, height: int) -> None:
        """Lay the plan out on plotext's canvas for `width` x `height` cells."""
        if self._drawn_plan is None or not width or not height or self.mode != "plot":
            return
        key = (id(self._drawn_plan), width, height)
        if key == self._painted_for:
            return
        self._painted_for = key
        self._lay_out(self._plotext.plt, self._data, self._drawn_plan, width, height)

    def _lay_out(self, plt, plot: PlotData, plan: Plan, width: int, height: int) -> None:
        """Draw `plot`'s plan on the plotext figure `plt`, for `width` x `height` cells."""
        plt.clear_figure()
        plt.theme("clear")  # before any text: a label keeps the canvas colour it was made on
        plt.frame(height >= FRAME_HEIGHT)
        columns = max(10, width - 5)  # less the y tick labels
        rows = max(4, height - 3)
        if not self._base_title:
            plt.title(plot.title or "")
        plt.xlabel(self._axis_name(plot.xlabel or ""))
        plt.ylabel(self._ylabel(plot))
        for kind, marker, colour, fx, fy in plan.ops:
            dx, dy = decimate(fx, fy, columns, keep_envelope=kind == "line")
            if kind == "scatter":
                plt.scatter(dx, dy, marker=marker, color=colour)
            elif kind == "path":
                # the steps between visited points, then the points themselves
                plt.plot(dx, dy, marker="braille", color=colour)
                plt.scatter(dx, dy, marker=marker, color=colour)
            else:
                plt.plot(dx, dy, marker=marker, color=colour)
        low = self._axes(plt, plot, plan, columns, rows)
        self._mark_minima(plt, plan, low)

    def _axes(self, plt, plot: PlotData, plan: Plan, columns: int, rows: int) -> float:
        """Limits and round ticks from the whole series (not the revealed
        part, so a growing curve never rescales). Returns the y floor."""
        curve = plan.curve
        if curve is not None:
            xs, ys = curve[1], curve[2]
        else:
            xs = [x for _, fx, _ in plan.whole for x in fx]
            ys = [y for _, _, fy in plan.whole for y in fy]
        if not xs:
            return 0.0
        x_lo, x_hi = min(xs), max(xs)
        y_lo, y_hi = min(ys), max(ys)
        if plot.log:
            y_lo, y_hi = plot_axes.log_range(y_lo, y_hi)
        elif curve is None and y_lo >= 0:
            y_lo = 0.0  # a loss starts from 0: a change of 0.001 looks like one
        span = (y_hi - y_lo) or 1.0
        if plan.minima:
            y_lo -= 0.15 * span  # room under the minima for their labels
        if x_hi > x_lo:
            count = max(2, min(8, columns // 8))
            if curve is None:
                # steps 0..99 end on the round 100 (a function keeps the lesson's range)
                step = plot_axes.nice_step(x_hi - x_lo, count)
                rounded = math.ceil(x_hi / step) * step
                if rounded - x_hi <= 0.05 * (x_hi - x_lo):
                    x_hi = rounded
            plt.xlim(x_lo, x_hi)
            xt = plot_axes.nice_ticks(x_lo, x_hi, count)
            plt.xticks(xt, [plot_axes.format_tick(t) for t in xt])
        if y_hi > y_lo:
            plt.ylim(y_lo, y_hi)
            count = max(2, min(6, rows // 3))
            if plot.log:
                positions, labels = plot_axes.log_ticks(y_lo, y_hi, count)
                plt.yticks(positions, labels)
            else:
                yt = plot_axes.nice_ticks(y_lo, y_hi, count)
                plt.yticks(yt, [plot_axes.format_tick(t) for t in yt])
        return y_lo

    def _mark_minima(self, plt, plan: Plan, floor: float) -> None:
        """Each of the plan's minima marked and labelled "global" (the
        lowest) or "local", under the point."""
        if plan.curve is None:
            return
        _, xs, ys = plan.curve
        colour = self._colour(MINIMUM_COLOUR)
        for rank, i in enumerate(plan.minima):
            word = STRINGS.get("global" if rank == 0 else "local", self.lang)
            plt.scatter([xs[i]], [ys[i]], marker="●", color=colour)
            plt.text(word, xs[i], (ys[i] + floor) / 2, color=colour, background="default", alignment="center")

    def _draw_compact(self, series, width: int) -> None:
        """A sparkline of the main series and its numbers, for tiny panes."""
        lines = [s for s in series if s[1] and s[0].kind == "line"] or [s for s in series if s[1]]
        main = max(lines, key=lambda s: len(s[1]))
        s, fx, fy, _ = main
        if self._data.log:  # the numbers themselves, not their log10
            fy = [10**y for y in fy]
        label = s.label or self._ylabel(self._data) or "y"
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


def _marked_minima(curve: tuple | None) -> list[int]:
    """The minima a curve's plot marks, lowest first: a curve with two
    valleys or more has each one marked "global" or "local"; one valley
    needs no mark (the lesson's words and the eye find it)."""
    if curve is None:
        return []
    _, xs, ys = curve
    minima = plot_axes.local_minima(xs, ys)
    return minima if len(minima) >= 2 else []


def _all_near(xs: Sequence[float], marks: list[float], column: float) -> bool:
    """Whether every x lies within a column of one of `marks`."""
    return bool(marks) and all(any(abs(x - m) <= column for m in marks) for x in xs)


def _signed(value: float) -> str:
    """A slope with its sign, never -0: +6, -2, 0."""
    text = plot_axes.format_tick(value)
    return text if text == "0" or text.startswith("-") else "+" + text
