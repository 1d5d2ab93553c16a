"""Containers paint their identical rows once (tutor/ui/widgets/uniform_rows.py),
and a LinePane the blank rows under its text (tutor/ui/widgets/line_pane.py):
the rows drawn are Textual's own, row for row, on any crop, for a column
with a side rule, a pane with a titled top and bottom rule, and every such
container on the lesson screen through the key that resizes them all (a
code exercise after a plot step); and Textual's styles cache renders two
or three rows of a resized container, not each of its rows."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Static

from test_code_editor import build_at, ready
from tutor.progress import ProgressStore
from tutor.ui.widgets.line_pane import LinePane
from tutor.ui.widgets.text_pane import TextPane
from tutor.ui.widgets.uniform_rows import UniformRows, rows_kept


class Box(UniformRows, Vertical):
    """A container as the lesson screen's columns and panes are."""


class Boxes(App):
    CSS = """
    #ruled { width: 30; border-right: solid ansi_bright_black; background: ansi_default; }
    #titled { width: 40; border-top: solid red; border-bottom: heavy blue; border-title-style: bold; }
    #padded { width: 10; padding: 1 0; border-left: solid green; }
    Static { height: 5; }
    """

    def compose(self) -> ComposeResult:
        with Box(id="ruled"):
            yield Static("a child five rows high: the column's own rows show under it")
        with Box(id="titled"):
            yield Static("a pane")
        with Box(id="padded"):  # padding: Textual's rows, each drawn
            yield Static("x")

    def on_mount(self) -> None:
        self.screen.styles.layout = "horizontal"
        self.query_one("#titled").border_title = "Title"
        self.query_one("#titled").border_subtitle = "sub"


def rows(strips) -> list[list]:
    return [list(strip) for strip in strips]


def textual_rows(widget: Widget, crop: Region) -> list[list]:
    """What Textual's own render_lines draws for `crop`, every row fresh."""
    widget._styles_cache.clear()
    expected = rows(Widget.render_lines(widget, crop))
    widget._styles_cache.clear()
    return expected


def crops(widget: Widget) -> list[Region]:
    width, height = widget.region.size
    return [Region(0, 0, width, height), Region(0, 0, width, 1), Region(0, 1, width, height - 2),
            Region(0, height - 3, width, 3), Region(0, 2, width, 4), Region(3, 4, width - 5, height - 6),
            Region(0, height - 1, width, 1)]


def counting_rows(monkeypatch) -> list[tuple[int, int]]:
    """Rows Textual's styles cache renders from now on: (whose cache, row)."""
    from textual._styles_cache import StylesCache

    rendered: list[tuple[int, int]] = []
    render_line = StylesCache.render_line

    def counting(self, styles, y, *args):
        rendered.append((id(self), y))
        return render_line(self, styles, y, *args)

    monkeypatch.setattr(StylesCache, "render_line", counting)
    return rendered


async def test_a_containers_rows_are_textuals_on_every_crop_and_rendered_once(monkeypatch):
    app = Boxes()
    async with app.run_test(size=(80, 24)):
        rendered = counting_rows(monkeypatch)
        for name in ("ruled", "titled", "padded"):
            box = app.query_one(f"#{name}", Box)
            for crop in crops(box):
                expected = textual_rows(box, crop)
                rendered.clear()
                assert rows(box.render_lines(crop)) == expected, (name, crop)
                drawn = [y for _, y in rendered]
                if name == "ruled" and crop.height > 2:
                    assert drawn == [crop.y], f"{crop}: rows {drawn} rendered, not one repeated"
                if name == "titled" and crop.height == 24:
                    assert drawn == [0, 1, 23], f"rows {drawn} rendered, not the two rules and one row"
                if name == "padded":
                    assert len(rendered) == crop.height  # drawn row by row, as Textual does
                # painted again, not resized: Textual's cache holds every row
                # (the repeated ones too), so its own path draws them, none rendered
                assert rows_kept(box, crop), (name, crop)
                rendered.clear()
                assert rows(box.render_lines(crop)) == expected and rendered == [], (name, crop, rendered)


async def test_the_lesson_screens_containers_draw_textuals_rows_through_a_resizing_key(tmp_path, monkeypatch):
    """sgd's `write-loop` after its plot step: the columns change width and
    the editor shows; every container, text pane and the code area (the
    blank rows under the code repeated) is drawn as Textual draws it, and
    the key renders a handful of container rows, not each of theirs."""
    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    app = build_at(store, "sgd", "loop")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        await pilot.pause(0.5)
        containers = [w for w in app.screen.query("*") if isinstance(w, UniformRows)]
        assert {w.id for w in containers} >= {"left", "side", "middle", "question", "editor"}
        rendered = counting_rows(monkeypatch)
        await pilot.press("n")
        await ready(app, pilot)
        assert app.screen.step.id == "write-loop"
        shown = [w for w in containers if w.display and w.region]
        for widget in shown:
            drawn = [y for cache, y in rendered if cache == id(widget._styles_cache)]
            assert len(drawn) <= 3, f"#{widget.id}: rows {drawn} rendered on the key"
        assert sum(1 for w in shown if w.region.height > 10) >= 4  # left, side, middle, question (and editor)
        panes = [w for w in app.screen.query("LinePane, CodeArea") if w.display and w.region]
        assert {w.id for w in panes} >= {"explain-pane", "q-feedback", "code-area"}
        for widget in [*shown, *panes]:
            crop = Region(0, 0, *widget.region.size)
            expected = textual_rows(widget, crop)
            assert rows(widget.render_lines(crop)) == expected, widget.id


class Panes(App):
    CSS = """
    #feedback { width: 30; height: 14; border-top: solid $foreground 30%; }
    #full { width: 20; height: 4; border-left: solid green; }
    #hatched { width: 20; height: 10; hatch: right $primary 30%; }
    """

    def compose(self) -> ComposeResult:
        yield TextPane("Feedback", "more", id="feedback")
        yield TextPane("", "more", id="full")
        yield TextPane("", "", id="hatched")

    def on_mount(self) -> None:
        self.screen.styles.layout = "horizontal"
        self.query_one("#full", TextPane).set_body("a long text that wraps to more lines than the pane shows " * 3)
        self.query_one("#hatched", TextPane).set_body("two words")


async def test_a_line_panes_blank_rows_are_textuals_and_rendered_once(monkeypatch):
    """Under a short text the blank rows are drawn once and repeated, as
    Textual draws each: on every crop, and painted again from its cache. A
    pane its text fills, or one with a hatch, is drawn row by row."""
    from rich.text import Text

    app = Panes()
    async with app.run_test(size=(80, 24)) as pilot:
        feedback = app.query_one("#feedback", TextPane)
        feedback.set_body(Text("x Not yet.\nYou said 3."))
        await pilot.pause()
        rendered = counting_rows(monkeypatch)
        for name in ("feedback", "full", "hatched"):
            pane = app.query_one(f"#{name}", LinePane)
            for crop in [crop for crop in crops(pane) if crop.height > 0]:
                expected = textual_rows(pane, crop)
                rendered.clear()
                assert rows(pane.render_lines(crop)) == expected, (name, crop)
                if name == "feedback" and crop.height == 14:
                    # the rule, the two lines, one blank row repeated
                    assert [y for _, y in rendered] == [0, 1, 2, 3], rendered
                if name in ("full", "hatched"):
                    assert len(rendered) == crop.height
                rendered.clear()
                assert rows(pane.render_lines(crop)) == expected and rendered == [], (name, crop, rendered)


async def test_the_code_areas_blank_rows_under_a_short_exercise_are_textuals_and_rendered_once(tmp_path, monkeypatch):
    """practice's `write-order` starts with a few lines of code in an
    area of thirteen rows: the rows under the code are drawn once and
    repeated, as Textual draws each, on every crop."""
    from tutor.ui.widgets.code_editor import CodeArea

    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    app = build_at(store, "practice", "write-order")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        area = app.screen.query_one(CodeArea)
        lines = area.wrapped_document.height
        height = area.region.height
        assert height - lines >= 4, (lines, height)  # room under the code
        rendered = counting_rows(monkeypatch)
        for crop in [crop for crop in crops(area) if crop.height > 0]:
            expected = textual_rows(area, crop)
            rendered.clear()
            assert rows(area.render_lines(crop)) == expected, crop
            if crop == Region(0, 0, *area.region.size):
                assert len(rendered) == lines + 1, rendered  # the code's rows and one blank one
