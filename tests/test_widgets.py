"""The data widgets as a learner sees them: mounted in a tiny app at 80x24,
fed hand-built values, read back as the text on the screen."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import pytest
from textual.app import App, ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input

from screens import region_text, screen_text
from tutor.runner import PlotData, Series
from tutor.ui.widgets.layer_diagram import LayerDiagram
from tutor.ui.widgets.line_pane import LinePane
from tutor.ui.widgets.plot_pane import PlotPane, decimate
from tutor.ui.widgets.tensor_grid import GridModel, exact_number
from tutor.ui.widgets.tensor_view import TensorView
from tutor.values import ListValue, NumberValue, TensorValue, TextValue


def pane_text(app: App, widget) -> str:
    """The pane's inner text, wrapped lines joined by one space."""
    lines = (line.strip(" │╭╮╰╯─") for line in region_text(app, widget))
    return " ".join(line for line in lines if line)


def grid_row(lines: list[str], label: str, start: int = 0) -> str:
    """The first grid line (from `start`) of row `label`: its index, a space
    or the cursor's `>`, then signed entries."""
    pattern = re.compile(rf"^{re.escape(label)}[ >] ?[+.-]")
    return next(line for line in lines[start:] if pattern.match(line.strip(" │")))


def matrix(rows: int, cols: int, f, dtype: str = "float64", requires_grad: bool = False) -> TensorValue:
    data = [[f(r, c) for c in range(cols)] for r in range(rows)]
    return TensorValue((rows, cols), dtype, data, requires_grad)


def weight(r: int, c: int) -> float:
    """Distinct entries of both signs; entry (7, 15) is the largest."""
    return (-1) ** (r + c) * (r * 16 + c + 1) / 1000.0


W = matrix(8, 16, weight, requires_grad=True)


class OneWidget(App):
    """A code-pane stand-in on the left, the widget in a 40-column pane on
    the right: the split the app uses at 80 columns."""

    CSS = """
    #left { width: 40; }
    #right { width: 40; border: round white; padding: 0 1; }
    """

    def __init__(self, widget, width: int | None = None):
        super().__init__()
        self.widget = widget
        self.widget.id = "right"
        if width is not None:
            self.widget.styles.width = width

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Input(id="left")
            yield self.widget


# --- TensorView -----------------------------------------------------------------


async def test_tensor_shows_shape_dtype_and_signed_entries_in_a_40_column_pane():
    view = TensorView()
    app = OneWidget(view)
    async with app.run_test(size=(80, 24)) as pilot:
        view.show({"model[0].weight": W}, {})
        await pilot.pause()
        lines = region_text(app, view)
        text = "\n".join(lines)
        assert "model[0].weight" in text
        assert "8x16 float32" not in text  # the dtype is the value's own
        assert "8x16 float64 requires_grad" in text
        # a heatmap row: every entry carries its sign, row 0 starts +0 -0 +0 ...
        row0 = grid_row(lines, "0")
        assert row0.count("+") + row0.count("-") == 16
        assert "+1-1+1-1" in row0 and "-0" not in row0  # small entries, alternating signs: size 1, never -0
        # the largest entry (7, 15) = +0.128 reads as size 9
        assert grid_row(lines, "7").rstrip(" │").endswith("-9+9")
        assert "each entry: its sign, then its size from 1 (tiny) to 9 (the largest, |x| = 0.128)" in " ".join(
            line.strip(" │") for line in lines)
        # nothing spills past the pane's border
        assert all(line.rstrip().endswith("│") or not line.strip() for line in lines[1:-1])


async def test_wide_pane_shows_the_numbers_themselves():
    view = TensorView()
    app = OneWidget(view, width=160)
    async with app.run_test(size=(200, 30)) as pilot:
        view.show({"w": W}, {})
        await pilot.pause()
        text = "\n".join(region_text(app, view))
        assert "+0.0010" in text and "-0.0020" in text and "+0.1280" in text and "-0.1270" in text
        assert "tenths of max" not in text


async def test_cursor_moves_with_arrows_and_reads_the_exact_entry():
    view = TensorView()
    app = OneWidget(view)
    w = matrix(8, 16, lambda r, c: -0.123456789 if (r, c) == (1, 3) else weight(r, c))
    async with app.run_test(size=(80, 24)) as pilot:
        view.show({"w": w}, {})
        await pilot.pause()
        assert "Tab here and arrows: exact values" in screen_text(app)
        await pilot.press("tab")  # from the input on the left to the view
        assert app.focused is view
        await pilot.pause()
        assert "w[0, 0] = +0.001" in screen_text(app)
        await pilot.press("right", "right", "right", "down")
        assert view.cursor == ("w", 1, 3)
        assert "w[1, 3] = -0.123456789" in screen_text(app)
        await pilot.press("down", "left", "up", "up")
        assert view.cursor == ("w", 0, 2)
        # letters stay the app's keys (l: lessons, h: hint), never the cursor's
        await pilot.press("l", "h", "j", "k")
        assert view.cursor == ("w", 0, 2)
        assert "w[0, 2] = +0.003" in screen_text(app)
        # the cursor stops at the edges instead of wrapping round
        await pilot.press(*["left"] * 5)
        assert view.cursor == ("w", 0, 0)


async def test_float32_entries_read_in_float32_precision():
    view = TensorView()
    app = OneWidget(view)
    # 0.1 stored as float32 is 0.10000000149011612 in a Python float
    value = TensorValue((2,), "float32", [0.10000000149011612, -2.5])
    async with app.run_test(size=(80, 24)) as pilot:
        view.show({"b": value}, {})
        await pilot.pause()
        view.focus()
        await pilot.press("right")
        assert "b[1] = -2.5" in screen_text(app)
        await pilot.press("left")
        assert "b[0] = +0.1" in screen_text(app)
    assert exact_number(0.10000000149011612, "float32") == "+0.1"
    assert exact_number(0.1, "float64") == "+0.1"
    assert exact_number(3, "int64") == "+3"


async def test_cursor_walks_down_into_the_next_tensor_and_the_pane_scrolls():
    view = TensorView()
    app = OneWidget(view)
    grad = matrix(8, 16, lambda r, c: weight(r, c) / 100)
    async with app.run_test(size=(80, 24)) as pilot:
        view.show({"model[0].weight": W, "model[0].weight.grad": grad}, {})
        await pilot.pause()
        view.focus()
        await pilot.press(*["down"] * 15)
        await pilot.pause()
        assert view.cursor == ("model[0].weight.grad", 7, 0)
        assert view.top > 0  # scrolled: the first tensor's top is off screen
        assert "8x16 float64 requires_grad" not in pane_text(app, view)
        assert "model[0].weight.grad[7, 0] = -0.00113" in pane_text(app, view)
        # the cursor's row is on screen, marked with `>` after its index
        lines = region_text(app, view)
        title = next(i for i, line in enumerate(lines) if "model[0].weight.grad" in line)
        assert grid_row(lines, "7", title).strip(" │").startswith("7>")


async def test_update_shows_what_changed_with_a_legend():
    view = TensorView()
    app = OneWidget(view)
    new = matrix(8, 16, lambda r, c: weight(r, c) - (0.01 if (r, c) == (2, 5) else 0.0), requires_grad=True)
    async with app.run_test(size=(80, 40)) as pilot:
        view.show({"w": new, "b": TensorValue((4,), "float64", [1.0, 2.0, 3.0, 4.0])},
                  {"w": W, "b": TensorValue((4,), "float64", [1.0, 2.0, 3.0, 4.0])})
        await pilot.pause()
        text = "\n".join(region_text(app, view))
        assert "change: now - before" in text
        assert "+ went up  - went down  . unchanged" in text
        assert "unchanged" in text.split("\n b", 1)[-1] or "unchanged" in text
        # in the change grid only entry (2, 5) moved: a full-size step down
        lines = region_text(app, view)
        title = next(i for i, line in enumerate(lines) if "change: now - before" in line)
        change_row2 = grid_row(lines, "2", title)
        assert "-9" in change_row2 and change_row2.count(".") == 15
        view.focus()
        await pilot.press("down", "down", *["right"] * 5)
        assert "w[2, 5] = " in screen_text(app)
        assert "change -0.01" in screen_text(app)


async def test_numbers_lists_and_text_read_plainly_with_what_changed():
    view = TensorView()
    app = OneWidget(view)
    async with app.run_test(size=(80, 24)) as pilot:
        view.show(
            {
                "w.shape": ListValue((NumberValue(8), NumberValue(16))),
                "lr": NumberValue(0.01),
                "loss_name": TextValue("CrossEntropyLoss()"),
                "steps": NumberValue(3),
            },
            {"lr": NumberValue(0.001), "steps": NumberValue(3)},
        )
        await pilot.pause()
        text = screen_text(app)
        assert "(8, 16)" in text
        assert "+0.0100  was +0.00100, change" in text and "+0.00900" in text
        assert "CrossEntropyLoss()" in text
        assert "+3  unchanged" in text
        # no tensor: the keys scroll and no exact-value line appears
        assert " = " not in "\n".join(region_text(app, view))


async def test_shape_change_and_scalar_tensor():
    view = TensorView(lang="pt")
    app = OneWidget(view)
    async with app.run_test(size=(80, 24)) as pilot:
        view.show(
            {"x": TensorValue((2, 2), "float32", [[1.0, -1.0], [0.5, 0.0]]),
             "loss": TensorValue((), "float32", 0.6931471824645996, True)},
            {"x": TensorValue((4,), "float32", [1.0, -1.0, 0.5, 0.0])},
        )
        await pilot.pause()
        text = screen_text(app)
        assert "formato mudou: antes 4 (vetor)" in text
        assert "escalar float32 requires_grad" in text
        assert "+0.6931" in text


@pytest.mark.parametrize("lang, words", [("en", "this step shows no values"), ("pt", "este passo não mostra valores")])
async def test_empty_state_in_both_languages(lang, words):
    view = TensorView(lang=lang)
    app = OneWidget(view)
    async with app.run_test(size=(80, 24)) as pilot:
        view.show({"w": W}, {})
        await pilot.pause()
        view.show({}, {})
        await pilot.pause()
        text = screen_text(app)
        assert words in text
        assert "model" not in text and "w[0, 0]" not in text


def test_heat_cells_read_without_colour():
    values = TensorValue((1, 5), "float64", [[0.5, -0.05, 0.0, 0.001, float("nan")]])
    model = GridModel(values)
    heat = next(m for m in model.modes() if m.kind == "heat")
    assert [model.cell_text(x, heat) for x in values.flat()] == ["+9", "-1", "0", "+1", "??"]
    change = GridModel(values, is_change=True)
    assert change.cell_text(0.0, heat) == "."
    # a cursor move repaints the column numbers and the cursor's row, not the grid
    assert GridModel(W).cursor_lines(36, 2, 5) == {0, 3}
    # a vector wraps over lines, its numbers kept, when a row would not fit
    vec = GridModel(TensorValue((8,), "float64", [0.125 * i for i in range(8)]))
    mode, chunks, _ = vec.fit(36)
    assert mode.kind != "heat" and [list(c) for c in chunks] == [[0, 1, 2, 3], [4, 5, 6, 7]]


# --- PlotPane -------------------------------------------------------------------

XS = [i / 10 for i in range(-30, 31)]
PARABOLA = PlotData(
    "f(x) = x**2", "x", "f(x)",
    [
        Series("f", XS, [x * x for x in XS], "line"),
        Series("tangent at x=1", [0.0, 2.0], [-1.0, 3.0], "tangent"),
        Series("x0", [1.0], [1.0], "scatter"),
        Series("lr=0.1", [3.0, 2.4, 1.92], [9.0, 5.76, 3.69], "path"),
    ],
)
LOSSES = [math.log10(2.3 * math.exp(-i / 300) + 0.05) for i in range(2000)]
LOSS = PlotData("training", "step", "loss", [Series("loss", list(range(2000)), LOSSES, "line")], log=True, animate=True)


class PlotApp(App):
    def compose(self) -> ComposeResult:
        yield PlotPane()


async def test_plot_draws_at_80x24_with_labelled_series():
    app = PlotApp()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(PlotPane)
        pane.show(PARABOLA)
        await pilot.pause()
        assert pane.mode == "plot"
        text = screen_text(app)
        # a pane without a title rule has the title drawn by plotext
        for label in ("f(x) = x**2", "── x=1: +2", "oo x0", "** x=3 → 1.92"):
            assert label in text
        ticks = text.splitlines()[-3].split()
        assert ticks == ["-3", "-2", "-1", "0", "1", "2", "3"]  # round, and the whole range


async def test_log_plot_shows_loss_values_and_reveal_survives_resize():
    app = PlotApp()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(PlotPane)
        pane.show(LOSS, reveal=500)
        await pilot.pause()
        text = screen_text(app)
        assert "loss (log scale)" in text and "log10" not in text
        y_ticks = [line.split("┤")[0].strip() for line in text.splitlines() if "┤" in line]
        assert {"1", "0.1"} <= set(y_ticks) and all(float(t) > 0 for t in y_ticks), y_ticks
        await pilot.resize_terminal(60, 16)
        await pilot.pause()
        await pilot.resize_terminal(100, 30)
        await pilot.pause()
        assert pane.mode == "plot" and "loss (log scale)" in screen_text(app)


async def test_tiny_pane_falls_back_to_numbers_and_a_sparkline():
    app = PlotApp()
    async with app.run_test(size=(28, 7)) as pilot:
        pane = app.query_one(PlotPane)
        pane.show(LOSS, reveal=5)
        await pilot.pause()
        assert pane.mode == "compact"
        text = screen_text(app)
        # `last` is the fifth point (reveal draws only the first five), as a
        # loss, not its log10
        assert f"last {10 ** LOSSES[4]:+.3f}" in text.replace("\n", " ")
        assert any(ch in text for ch in "▁▂▃▄▅▆▇█")
        await pilot.resize_terminal(60, 12)
        await pilot.pause()
        assert pane.mode == "plot" and "step" in screen_text(app)
        await pilot.resize_terminal(28, 7)
        await pilot.pause()
        assert pane.mode == "compact" and "step" not in screen_text(app)


@pytest.mark.parametrize("lang, words", [("en", "this step has no plot"), ("pt", "este passo não tem gráfico")])
async def test_plot_empty_state(lang, words):
    class App1(App):
        def compose(self):
            yield PlotPane(lang=lang)

    app = App1()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(PlotPane)
        pane.show(PARABOLA)
        await pilot.pause()
        pane.show(None)
        await pilot.pause()
        assert pane.mode == "empty" and words in screen_text(app)


async def test_diverged_points_are_left_out_and_counted():
    app = PlotApp()
    diverged = PlotData("lr too big", "step", "loss",
                        [Series("loss", [0, 1, 2, 3], [1.0, 10.0, float("inf"), float("nan")])])
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one(PlotPane).show(diverged)
        await pilot.pause()
        assert "2 points not finite (diverged?)" in screen_text(app)


async def test_a_plot_prepared_ahead_is_shown_without_building_it_again_and_looks_the_same():
    """The lesson screen prepares the next step's plot while the learner
    reads: showing it then builds no plotext canvas on the key, and what is
    on screen is what building it there would have drawn."""
    from textual_plotext.plot import Plot

    two_valleys = PlotData("g(x)", "x", "g(x)", [
        Series("g", [x / 10 for x in range(-30, 31)], [((x / 10) ** 2 - 4) ** 2 / 8 + x / 40 for x in range(-30, 31)]),
        Series("lr=0.1", [2.0, 1.9, 1.95], [0.3, 0.2, 0.15], "path"),
    ])
    builds = []
    build = Plot.build

    def counting(self):
        builds.append(self)
        return build(self)

    app = PlotApp()
    async with app.run_test(size=(80, 24)) as pilot:
        pane = app.query_one(PlotPane)
        pane.show(PARABOLA)
        await pilot.pause()
        for plot in (two_valleys, PARABOLA):
            pane.show(replace(plot))  # an equal plot, built on the key the usual way
            await pilot.pause()
            drawn = screen_text(app)
            pane.show(LOSS, reveal=3)
            await pilot.pause()
            pane.prepare(plot)
            Plot.build = counting
            try:
                builds.clear()
                pane.show(plot)
                await pilot.pause()
                shown = screen_text(app)  # (renders the screen)
                assert builds == [], f"{plot.title}: built again on show"
            finally:
                Plot.build = build
            assert shown == drawn


def test_decimate_keeps_about_two_points_per_column_and_the_extremes():
    xs = list(range(2000))
    ys = [math.sin(i / 50) + (5.0 if i == 1234 else 0.0) for i in xs]
    dx, dy = decimate(xs, ys, 50)
    assert len(dx) <= 100
    assert max(dy) == max(ys) and min(dy) == min(ys)
    assert dx == sorted(dx)
    assert decimate(xs[:80], ys[:80], 50) == (xs[:80], ys[:80])


# --- LayerDiagram -----------------------------------------------------------------


class DiagramApp(App):
    def __init__(self, lang: str = "en"):
        super().__init__()
        self.lang = lang

    def compose(self) -> ComposeResult:
        yield LayerDiagram(lang=self.lang)


async def test_diagram_marks_the_layer_whose_gradients_are_computed():
    app = DiagramApp()
    async with app.run_test(size=(80, 24)) as pilot:
        diagram = app.query_one(LayerDiagram)
        diagram.highlight("L1")
        await pilot.pause()
        text = screen_text(app)
        assert "x -> L0 ->[L1]<- L2 <- loss" in text
        assert "^^^^ <-- grad" in text
        assert "gradients of L1, using L2's" in text
        diagram.highlight(None)
        await pilot.pause()
        text = screen_text(app)
        assert "x -> L0 -> L1 -> L2 -> loss" in text and "[" not in text
        diagram.highlight("update")
        await pilot.pause()
        assert "[L0]->[L1]->[L2]" in screen_text(app)
        with pytest.raises(ValueError, match="unknown diagram state 'L3'"):
            diagram.highlight("L3")


@pytest.mark.parametrize("lang", ["en", "pt"])
async def test_diagram_fits_36_columns_in_every_state(lang):
    app = DiagramApp(lang)
    async with app.run_test(size=(80, 24)) as pilot:
        diagram = app.query_one(LayerDiagram)
        for state in (None, "forward", "loss", "L2", "L1", "L0", "update"):
            diagram.highlight(state)
            await pilot.pause()
            lines = [line.plain for line in diagram.lines(34)]
            assert 2 <= len(lines) <= 5
            assert all(len(line) <= 36 for line in lines)
        diagram.highlight("L0")
        await pilot.pause()
        if lang == "pt":
            assert "retropropagação: gradientes de L0" in screen_text(app)


async def test_small_changes_share_one_power_of_ten_and_expressions_index_as_python():
    view = TensorView()
    app = OneWidget(view)
    delta = TensorValue((4,), "float32", [5.78e-05, 0.000155, -9.5e-05, 7.7e-06])
    async with app.run_test(size=(80, 24)) as pilot:
        view.show({"bias - bias_before": delta, "same": NumberValue(True)}, {"same": NumberValue(False)})
        await pilot.pause()
        text = pane_text(app, view)
        # one scale for all, never a mix of +0.0002 and +5.780e-05
        assert "+0.58 +1.55 -0.95 +0.08" in text and "shown x 1e-4: +1.55 is +0.000155" in text
        assert "e-05" not in text
        assert "True  was False" in text and "change" not in text  # booleans have no difference
        view.focus()
        await pilot.press("right")
        assert "(bias - bias_before)[1] = +0.000155" in pane_text(app, view)


async def test_small_plot_keeps_its_legend_off_the_data():
    class Small(App):
        CSS = "PlotPane { width: 38; height: 12; }"

        def compose(self) -> ComposeResult:
            yield PlotPane()

    app = Small()
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one(PlotPane).show(PARABOLA)
        await pilot.pause()
        lines = screen_text(app).splitlines()
        axis_names = max(i for i, line in enumerate(lines) if line.startswith("f(x) "))
        below = "\n".join(lines[axis_names + 1 :])
        for entry in ("── x=1: +2", "oo x0", "** x=3 → 1.92"):
            assert entry in below
        assert all(line.rstrip() == line[:38].rstrip() for line in lines)  # nothing past the pane


async def test_odd_tensors_render_without_error():
    view = TensorView()
    app = OneWidget(view)
    big = matrix(100, 100, lambda r, c: float(r - c))
    cube = TensorValue((2, 2, 3), "float32",
                       [[[1.0, -2.0, 3.0], [0.0, 0.5, -0.5]], [[9.0, 8.0, 7.0], [-1.0, -1.0, -1.0]]])
    async with app.run_test(size=(80, 40)) as pilot:
        view.show(
            {
                "cube": cube,
                "labels": TensorValue((2, 3), "int64", [[1, 0, -2], [3, 4, 5]]),
                "mask": TensorValue((3,), "bool", [True, False, True]),
                "bad": TensorValue((3,), "float32", [1.0, float("nan"), float("-inf")]),
                "z": TensorValue((2,), "complex64", [complex(1, 2), complex(0, -1)]),
                "big": big,
            },
            {},
        )
        await pilot.pause()
        text = pane_text(app, view)
        assert "2x2x3 float32" in text and "1,1" in text  # folded leading dims label rows
        assert "+1 0 -2" in text.replace("  ", " ")
        assert "T F T" in text
        assert "nan" in text and "-inf" in text
        assert "(1+2j)" in text
        view.focus()
        await pilot.press("down", "down", "down", "right", "right")
        assert "cube[1, 1, 2] = -1" in pane_text(app, view)
        await pilot.press(*["down"] * 5)  # labels, labels, mask, bad, z
        assert "z[1] = -1j" in pane_text(app, view)
        await pilot.press("down", "down", "left")
        assert "big[1, 0] = +1.0" in pane_text(app, view)
        await pilot.press("end")
        assert "first 64x64 of 100x100 shown" in pane_text(app, view)


async def test_quick_successive_steps_leave_only_the_last_one_on_screen():
    view = TensorView()
    app = OneWidget(view)
    async with app.run_test(size=(80, 24)) as pilot:
        for i in range(5):  # a learner holding `n`: no pause between the steps
            view.show({f"step{i}": NumberValue(i), "w": W}, {})
        view.show({"final": NumberValue(42)}, {})
        await pilot.pause()
        assert pane_text(app, view) == "final +42"
        assert view.cursor is None


async def test_whole_number_changes_stay_whole_and_brackets_are_text():
    view = TensorView(empty_text="[b]nothing[/b] here")
    app = OneWidget(view)
    async with app.run_test(size=(80, 24)) as pilot:
        view.show({}, {})
        await pilot.pause()
        assert "[b]nothing[/b] here" in pane_text(app, view)  # text, never markup
        view.show(
            {"counts": TensorValue((3,), "int64", [3, 1, 2]), "tag": TextValue("[red]x[/red]")},
            {"counts": TensorValue((3,), "int64", [1, 1, 5]), "tag": TextValue("[red]x[/red]")},
        )
        await pilot.pause()
        text = pane_text(app, view)
        assert "+2 . -3" in text.replace("  ", " ")
        assert "[red]x[/red]" in text


async def test_nothing_pinned_covers_the_values_until_the_learner_tabs_in():
    class Short(App):
        CSS = "TensorView { height: 6; border-top: solid white; }"

        def compose(self) -> ComposeResult:
            yield Input()
            yield TensorView(title="Values", more="more: Down")

    app = Short()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(TensorView)
        view.show({"x": TensorValue((), "float32", -0.00326), "x.grad": NumberValue(6.0),
                   "accuracy": NumberValue(0.875)}, {}, named="Read `accuracy`, then x.grad.")
        await pilot.pause()
        lines = region_text(app, view)
        # the named values first, the scalar as itself; the pane says there is more
        assert [line.strip() for line in lines[1:5]] == ["accuracy", "+0.8750", "", "x.grad"]
        assert "more" in lines[0] and "Tab here" not in "\n".join(lines)
        view.focus()
        await pilot.pause()
        assert region_text(app, view)[-1].strip() == "x = -0.00326"  # the exact line, only now


# --- LinePane ---------------------------------------------------------------------


class PaneInBox(App):
    CSS = "#box { background: #202020; } #box.-lit { background: #3050a0; }"

    def compose(self) -> ComposeResult:
        with Vertical(id="box"):
            yield LinePane("pane")


async def test_a_panes_blank_lines_follow_a_new_background_up_the_tree():
    """A pane keeps its Rich style between renders (Textual walks every
    ancestor's colours at each ask); a class, a theme or an inline style
    changed on an ancestor changes the background its blank lines draw."""
    app = PaneInBox()
    async with app.run_test(size=(40, 10)) as pilot:
        await pilot.pause()
        pane = app.query_one(LinePane)
        box = app.query_one("#box")

        def blank() -> str:
            return pane.render_line(0)._segments[0].style.bgcolor.triplet.hex

        assert blank() == "#202020"
        box.add_class("-lit")  # a class on the ancestor: the stylesheet restyles it
        await pilot.pause()
        assert blank() == "#3050a0"
        box.styles.background = "#102030"  # an inline style
        await pilot.pause()
        assert blank() == "#102030"
        box.styles.clear_rule("background")
        box.remove_class("-lit")
        await pilot.pause()
        assert blank() == "#202020"
