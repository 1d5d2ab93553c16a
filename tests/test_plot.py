"""Plots that carry the lesson (issue 10 §2), read off the screen: round
ticks, loss values on a log axis, both minima of a two-valley curve
labelled, each tangent in its own legend entry in the colour the lesson
names, the plot's room at 80x24, and a loss curve that grows by itself."""

from __future__ import annotations

import math
import re

import pytest
from rich.color import Color
from textual.app import App, ComposeResult

from screens import region_text, screen_text
from tutor.runner import PlotData, Series
from tutor.ui.widgets import plot_axes
from tutor.ui.widgets.plot_pane import PlotPane

# ---------------------------------------------------------------- pure rules


def test_ticks_are_round_numbers_over_the_whole_range():
    assert plot_axes.nice_ticks(0, 100, 4) == [0, 25, 50, 75, 100]
    assert plot_axes.nice_ticks(0, 100, 5) == [0, 20, 40, 60, 80, 100]
    assert plot_axes.nice_ticks(0, 99, 4) == [0, 25, 50, 75]
    assert plot_axes.nice_ticks(-3.5, 3.5, 7) == [-3, -2, -1, 0, 1, 2, 3]
    assert plot_axes.nice_ticks(-2.2, 2.2, 5) == [-2, -1, 0, 1, 2]
    assert all(plot_axes.format_tick(t) in ("-0.2", "0", "0.2", "0.4") for t in plot_axes.nice_ticks(-0.2, 0.4, 4))
    assert plot_axes.format_tick(-0.0) == "0"
    assert plot_axes.format_tick(1e-4) == "0.0001" and plot_axes.format_tick(1e-5) == "1e-5"
    assert plot_axes.format_tick(24.8) == "24.8"  # the formatter is honest; the ticks are round


def test_log_ticks_are_loss_values():
    positions, labels = plot_axes.log_ticks(math.log10(0.05), math.log10(0.8), 6)
    assert labels == ["0.05", "0.1", "0.2", "0.5"]
    assert positions == pytest.approx([math.log10(float(v)) for v in labels])
    # a change of 0.001 on a loss of 0.7 spans a decade, not the whole axis
    low, high = plot_axes.log_range(math.log10(0.699), math.log10(0.7))
    assert high - low == pytest.approx(1.0)


def test_minima_lowest_first_and_steepness():
    xs = [i / 100 for i in range(-220, 221)]
    ys = [x**4 - 3 * x**2 + x for x in xs]
    found = plot_axes.local_minima(xs, ys)
    assert len(found) == 2
    assert xs[found[0]] == pytest.approx(-1.30, abs=0.01) and xs[found[1]] == pytest.approx(1.13, abs=0.01)
    assert plot_axes.local_minima(xs, [x * x for x in xs]) == [220]
    steepest = plot_axes.steepest_slope(xs, [x * x for x in xs])
    assert [plot_axes.steepness(s, 7.0) for s in (-6, -2, 0, 1, 6)] == ["steep", "gentle", "flat", "gentle", "steep"]
    assert steepest == pytest.approx(4.4, abs=0.02)


# ---------------------------------------------------------------- the pane


def _parabola_with_tangents() -> PlotData:
    """Lesson 1's third step: x**2 over [-3.5, 3.5], tangents at five points."""
    xs = [-3.5 + 7 * i / 200 for i in range(201)]
    series = [Series("f", xs, [x * x for x in xs], "line")]
    for x0 in (-3.0, -1.0, 0.0, 0.5, 3.0):
        txs = [x0 - 0.875, x0, x0 + 0.875]
        series.append(Series(f"slope at x={x0:g}", txs, [x0 * x0 + 2 * x0 * (t - x0) for t in txs], "tangent"))
    return PlotData("slopes at five points", "x", "f(x)", series)


def _two_valleys() -> PlotData:
    xs = [-2.2 + 4.4 * i / 200 for i in range(201)]
    return PlotData("non-convex g", "x", "g(x)", [Series("g", xs, [x**4 - 3 * x**2 + x for x in xs], "line")])


class Pane(App):
    CSS = "PlotPane { width: 46; height: 18; }"

    def __init__(self, lang: str = "en"):
        super().__init__()
        self.lang = lang

    def compose(self) -> ComposeResult:
        yield PlotPane(lang=self.lang)


async def test_each_tangent_has_its_entry_in_the_colour_the_lesson_names():
    app = Pane()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(PlotPane)
        pane.show(_parabola_with_tangents())
        await pilot.pause()
        text = " ".join(region_text(app, pane))
        for entry in ("x=-3: -6", "x=-1: -2", "x=0: 0", "x=0.5: +1", "x=3: +6"):
            assert f"── {entry}" in text
        # red steep, green gentle, blue flat (lesson 1's words), as ANSI colours
        legend = pane.query_one("#plot-pane-legend").content
        colours = {span.style.color.number for span in legend.spans if span.style and span.style.color}
        assert colours == {Color.parse("red").number, Color.parse("green").number, Color.parse("bright_blue").number}


async def test_both_minima_are_marked_local_and_global():
    app = Pane()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(PlotPane)
        pane.show(_two_valleys())
        await pilot.pause()
        lines = region_text(app, pane)
        where = {word: next(i for i, line in enumerate(lines) if word in line) for word in ("global", "local")}
        col = {word: lines[where[word]].index(word) for word in where}
        assert col["global"] < col["local"]  # the global minimum is the left valley (x = -1.3)
        assert sum(line.count("●") for line in lines) == 2


@pytest.mark.parametrize("lang, word", [("en", "point"), ("pt", "ponto")])
async def test_a_point_on_a_marked_minimum_is_that_marker_not_a_legend_entry(lang, word):
    """convexity marks its computed `x_global` (`points`) on a curve whose
    minima the pane marks itself: the point lay under the "●" and the
    legend said "oo point" of a point not to be seen. It is the marker now;
    a point elsewhere keeps its "o" and its entry."""
    plot = _two_valleys()
    on_minimum = Series(word, [-1.3008], [(-1.3008) ** 4 - 3 * (-1.3008) ** 2 - 1.3008], "scatter")
    app = Pane(lang)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(PlotPane)
        pane.show(PlotData(plot.title, "x", "g(x)", [*plot.series, on_minimum]))
        await pilot.pause()
        lines = region_text(app, pane)
        assert f"oo {word}" not in " ".join(lines) and sum(line.count("●") for line in lines) == 2
        canvas = region_text(app, pane.query_one("PlotextPlot"))[1:-2]  # less the title, ticks and axis names
        assert not any("o" in line.replace("global", "").replace("local", "") for line in canvas), canvas
        elsewhere = Series(word, [0.0], [0.0], "scatter")
        pane.show(PlotData(plot.title, "x", "g(x)", [*plot.series, elsewhere]))
        await pilot.pause()
        assert f"oo {word}" in " ".join(region_text(app, pane))


async def test_portuguese_keeps_accents_and_names_its_axes():
    app = Pane("pt")
    ys = [math.log10(0.7 - i / 200) for i in range(100)]
    loss = PlotData("perda", "step", "log10(loss)", [Series("losses", list(range(100)), ys)], log=True)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(PlotPane)
        pane.show(_parabola_with_tangents())
        await pilot.pause()
        assert "inclinação:" in screen_text(app)
        pane.show(loss)
        await pilot.pause()
        text = screen_text(app)
        assert "perda (escala log)" in text and "passo" in text and "log10" not in text


async def test_no_color_draws_every_series_in_the_terminals_colour(monkeypatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = Pane()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(PlotPane)
        pane.show(_parabola_with_tangents())
        await pilot.pause()
        legend = pane.query_one("#plot-pane-legend").content
        assert not [span for span in legend.spans if span.style and span.style.color]
        assert "── x=-3: -6" in screen_text(app)


async def test_an_animated_curve_grows_by_itself_and_stops_when_hidden():
    app = Pane()
    ys = [math.log10(2 * math.exp(-i / 30) + 0.05) for i in range(100)]
    data = PlotData("loss", "step", "loss", [Series("losses", list(range(100)), ys)], log=True, animate=True)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(PlotPane)
        pane.show(data)
        assert pane.animating and pane.reveal == 1
        await pilot.pause(0.3)
        assert pane.animating and 1 < pane.reveal < 100
        for _ in range(60):
            if not pane.animating:
                break
            await pilot.pause(0.1)
        assert not pane.animating and pane.reveal is None  # whole, in about two seconds
        pane.show(None)
        pane.show(data)
        assert pane.animating
        pane.display = False
        await pilot.pause(0.2)
        assert not pane.animating and pane.reveal is None


# ---------------------------------------------------------------- in the app


def _ticks(line: str) -> list[str]:
    return re.findall(r"-?\d+(?:\.\d+)?", line)


@pytest.mark.parametrize("lesson_id, step_id, features", [
    ("slope", "many-points", ["x=-3: -6", "x=-1: -2", "x=0: 0", "x=0.5: +1", "x=3: +6"]),
    ("convexity", "nonconvex", ["global", "local"]),
    ("convexity", "descent-convex", ["x=-2 →", "x=-0.5 →", "x=0.5 →", "x=2 →"]),
    ("sgd", "loop", ["loss (log scale)"]),
])
async def test_plot_steps_give_the_plot_its_room_at_80x24(tmp_path, lesson_id, step_id, features):
    from test_contrast import LESSONS, _app, _settled

    lesson = next(lesson for lesson in LESSONS if lesson.id == lesson_id)
    index = next(i for i, step in enumerate(lesson.steps) if step.id == step_id)
    app = _app(tmp_path, lesson)
    app.store.set_position(lesson.id, index, len(lesson.steps))
    async with app.run_test(size=(80, 24)) as pilot:
        await _settled(pilot)
        pane = app.screen.query_one("#plot", PlotPane)
        lines = region_text(app, pane)
        text = "\n".join(lines)
        for feature in features:
            assert feature in text, (feature, text)
        # the data area: right of the y tick labels, above the x ticks and axis names
        canvas = pane.query_one("PlotextPlot")
        rows = region_text(app, canvas)[:-2]  # less the x ticks and the axis names
        label_width = max(m.end() for m in (re.match(r" *-?[\d.]+(e-?\d+)?", row) for row in rows) if m)
        assert len(rows) >= 12 and canvas.size.width - label_width >= 36, (canvas.size, label_width, text)
        if lesson_id == "sgd":
            x_ticks = next(_ticks(line) for line in lines if _ticks(line)[:2] == ["0", "25"])
            assert x_ticks == ["0", "25", "50", "75", "100"]


async def test_a_zoomed_plot_is_redrawn_for_the_window(tmp_path):
    from test_contrast import LESSONS, _app, _settled

    lesson = LESSONS[0]
    index = next(i for i, step in enumerate(lesson.steps) if step.id == "many-points")
    app = _app(tmp_path, lesson)
    app.store.set_position(lesson.id, index, len(lesson.steps))
    async with app.run_test(size=(80, 24)) as pilot:
        await _settled(pilot)
        pane = app.screen.query_one("#plot", PlotPane)
        canvas = pane.query_one("PlotextPlot")
        before = canvas.size
        app.screen.set_focus(pane)
        await pilot.press("z")
        await _settled(pilot)
        assert pane.region.height >= 20 and pane.region.width == 80
        assert canvas.size.height > before.height and canvas.size.width > before.width
        text = "\n".join(region_text(app, canvas))
        assert "-3" in text and "3" in text
        # drawn for the new size: the x ticks reach the right edge of the window
        tick_row = next(line for line in region_text(app, canvas) if _ticks(line)[:1] in (["-3"], ["-2"]))
        assert len(tick_row.rstrip()) > 60
