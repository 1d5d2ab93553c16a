"""The lesson menu: the chapter's lessons in order, and the learner's place
in each (status, step n/m, questions solved, score), read from the progress store
every time the menu comes back into view.

The menu is the first frame, so it is drawn without waiting for the store:
when the app opens the store after that frame (the app's `store` reactive,
watched here), the statuses fill in and the cursor goes to the lesson the
learner was last in.

It is drawn from the lessons' menu entries (tutor.lesson.chapter), not the
lessons: those are decoded after the first frame."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static

from tutor.i18n import pick
from tutor.notation import shortened
from tutor.ui.screens.focus import KeepsFocus
from tutor.ui.screens.keys import localized
from tutor.ui.screens.styled_once import StyledOnce
from tutor.ui.strings import t
from tutor.ui.widgets.key_bar import KeyBar
from tutor.ui.widgets.too_small import TooSmall

if TYPE_CHECKING:
    from tutor.lesson.chapter import Chapter, MenuEntry
    from tutor.progress import ProgressStore
    from tutor.ui.app import TutorApp


class LessonTable(Widget, can_focus=True):
    """The menu's table of lessons: a header and one row per lesson, a cursor
    row moved with Up/Down/Home/End and opened with Enter.

    Drawn as one piece of text rather than with a DataTable: the menu is the
    first frame, and a DataTable with eight rows cost about 30 ms of start-up
    (issue 3) for features the menu does not use (cells, sorting, columns
    that scroll sideways). The look is the DataTable's: the same padding,
    header and cursor styles. The cursor row starts with `>` so it reads
    without colour; a list longer than the window scrolls with the cursor
    under a header that stays.

    Enter stays the table's own binding (not a screen or priority one): a
    priority binding would run before Down keys typed just ahead of it were
    handled, opening the wrong lesson when keys arrive in a burst (tmux,
    SSH, a fast typist)."""

    DEFAULT_CSS = """
    LessonTable {
        height: auto;
        max-height: 100%;
        &:focus { background-tint: $foreground 5%; }
        & > .lesson-table--header { text-style: bold; background: $panel; color: $foreground; }
        &:ansi > .lesson-table--header { background: ansi_bright_blue; color: ansi_default; }
        & > .lesson-table--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        &:focus > .lesson-table--cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: $block-cursor-text-style;
        }
    }
    """
    COMPONENT_CLASSES = {"lesson-table--header", "lesson-table--cursor"}
    PADDING = 1  # cells on each side of each column, as in a DataTable

    cursor_row: reactive[int] = reactive(0, always_update=False)

    class Highlighted(Message):
        """The cursor moved to `row`."""

        def __init__(self, row: int) -> None:
            super().__init__()
            self.row = row

    class Selected(Message):
        """Enter (or a click on the cursor row) chose `row`."""

        def __init__(self, row: int) -> None:
            super().__init__()
            self.row = row

    @classmethod
    def bindings(cls, lang: str) -> list[Binding]:
        return [
            Binding("enter", "select_cursor", t("key_open", lang), key_display="Enter"),
            Binding("up", "cursor_up", show=False),
            Binding("down", "cursor_down", show=False),
            Binding("home,pageup", "first", show=False),
            Binding("end,pagedown", "last", show=False),
        ]

    def __init__(self, columns: list[str], **kwargs) -> None:
        super().__init__(**kwargs)
        self.columns = columns
        self.rows: list[tuple[str, ...]] = []
        self._top = 0  # the first row on screen, when they do not all fit

    def set_rows(self, rows: Sequence[tuple[str, ...]]) -> None:
        """Replace the rows (the first cell is the row's number), keeping the
        cursor on the same row where it still exists."""
        self.rows = list(rows)
        self.cursor_row = self.validate_cursor_row(self.cursor_row)
        self.refresh(layout=True)

    def validate_cursor_row(self, row: int) -> int:
        return min(max(row, 0), max(len(self.rows) - 1, 0))

    def watch_cursor_row(self, row: int) -> None:
        self.refresh()
        self.post_message(self.Highlighted(row))

    def move_cursor(self, row: int) -> None:
        self.cursor_row = row

    def action_cursor_up(self) -> None:
        self.cursor_row -= 1

    def action_cursor_down(self) -> None:
        self.cursor_row += 1

    def action_first(self) -> None:
        self.cursor_row = 0

    def action_last(self) -> None:
        self.cursor_row = len(self.rows) - 1

    def action_select_cursor(self) -> None:
        if self.rows:
            self.post_message(self.Selected(self.cursor_row))

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None or offset.y < 1:
            return
        row = self._top + offset.y - 1
        if row >= len(self.rows):
            return
        if row == self.cursor_row:
            self.action_select_cursor()
        else:
            self.cursor_row = row

    def get_content_width(self, container, viewport) -> int:
        return container.width

    def get_content_height(self, container, viewport, width: int) -> int:
        return 1 + len(self.rows)

    def _visible_rows(self) -> range:
        """The rows that fit under the header, scrolled to show the cursor."""
        room = max(self.size.height - 1, 1)
        if self.cursor_row < self._top:
            self._top = self.cursor_row
        elif self.cursor_row >= self._top + room:
            self._top = self.cursor_row - room + 1
        self._top = min(self._top, max(len(self.rows) - room, 0))
        return range(self._top, min(self._top + room, len(self.rows)))

    def render(self) -> Text:
        pad = " " * self.PADDING
        widths = [len(title) for title in self.columns]
        for row in self.rows:
            for i, cell in enumerate(row):
                widths[i] = max(widths[i], len(cell) + (2 if i == 0 else 0))  # "> " before the first
        width = self.size.width

        def line(cells) -> str:
            text = "".join(pad + cell.ljust(w) + pad for cell, w in zip(cells, widths))
            return text.ljust(width)[:width]

        lines = [line(self.columns)]
        for index in self._visible_rows():
            first, *rest = self.rows[index]
            mark = "> " if index == self.cursor_row else "  "
            lines.append(line([mark + first, *rest]))
        text = Text("\n".join(lines), no_wrap=True, overflow="crop", end="")
        text.stylize(self.get_component_rich_style("lesson-table--header"), 0, width)
        if self.cursor_row in self._visible_rows():
            y = 1 + self.cursor_row - self._top
            start = y * (width + 1)
            text.stylize(self.get_component_rich_style("lesson-table--cursor"), start, start + width)
        return text


class MenuScreen(KeepsFocus, StyledOnce, Screen):
    """Up/Down choose, Enter opens. The cursor starts on the lesson the
    learner was last in, so resuming is one key."""

    @classmethod
    def bindings(cls, lang: str) -> list[Binding]:
        return []

    def __init__(self, chapter: Chapter, *, lang: str, learner: str) -> None:
        super().__init__(id="menu")
        self.chapter = chapter
        self.lang = lang
        self.learner = learner

    @property
    def lessons(self) -> list[MenuEntry]:
        """What the menu shows of each lesson, in order."""
        return self.chapter.entries

    @property
    def store(self) -> ProgressStore | None:
        return cast("TutorApp", self.app).store

    def compose(self) -> ComposeResult:
        lang = self.lang
        yield Static(id="menu-title")
        columns = ["  #", t("col_lesson", lang), t("col_status", lang), t("col_step", lang),
                   t("col_questions", lang), t("col_score", lang)]
        yield localized(LessonTable, lang)(columns, id="lessons")
        yield Static(id="menu-summary")
        yield TooSmall(t("too_small", lang))
        yield KeyBar()  # the lesson screen's key line: one line of text, not a widget per key

    def on_mount(self) -> None:
        lang = self.lang
        title = Text(t("chapter", lang), style="bold")
        title.append("   " + t("learner", lang, name=self.learner), style="dim")
        self.query_one("#menu-title", Static).update(title)
        table = self.query_one("#lessons", LessonTable)
        self.fill()
        self._to_last_lesson()
        table.focus()
        self.watch(self.app, "store", self._store_opened, init=False)
        if not self.lessons:
            self.query_one("#menu-summary", Static).update(t("no_lessons", lang))

    def _to_last_lesson(self) -> None:
        last = self._call_store("last_lesson")
        ids = [lesson.id for lesson in self.lessons]
        if last in ids:
            self.query_one("#lessons", LessonTable).move_cursor(ids.index(last))

    def _store_opened(self) -> None:
        """The app opened the progress store after the first frame: show the
        learner's place, and start on their last lesson unless they already
        moved the cursor."""
        table = self.query_one("#lessons", LessonTable)
        moved = table.cursor_row > 0
        self.fill()
        if not moved:
            self._to_last_lesson()

    @on(events.ScreenResume)
    def _refill(self) -> None:
        """Back from a lesson: its progress shows in the rows (StyledOnce
        has a handler of the usual name)."""
        self.fill()

    def fill(self) -> None:
        """(Re)build the rows from the store, keeping the cursor where it was."""
        table = self.query_one("#lessons", LessonTable)
        room = self._title_room()
        rows = []
        for lesson in self.lessons:
            status, step, questions, score = self.place(lesson)
            title = pick(lesson.title, self.lang)
            title = shortened(title, room, at_word=True)
            rows.append((str(lesson.order), title, status, step, questions, score))
        table.set_rows(rows)
        if self.lessons:
            self._show_summary(table.cursor_row)

    def _title_room(self) -> int:
        """Columns left for the lesson titles once the other columns have
        theirs, so the table never needs a sideways scroll (80 columns and
        the long Portuguese titles)."""
        lang = self.lang
        width = self.app.size.width
        statuses = (t("status_new", lang), t("status_started", lang), "* " + t("status_done", lang))
        others = [
            3,  # "> 8"
            max(len(t("col_status", lang)), *map(len, statuses)),
            max(len(t("col_step", lang)), len("10/16")),
            max(len(t("col_questions", lang)), len("16/16")),
            max(len(t("col_score", lang)), len("100%")),
        ]
        # margins (4), table border (2) and cell padding (2 per column): the
        # widest each other column can get, so a title keeps its width when a
        # status changes
        return max(16, width - 4 - 2 - sum(others) - 2 * (len(others) + 1))

    def on_resize(self, event) -> None:
        super().on_resize(event)
        if self.is_mounted and self.query("#lessons"):
            self.fill()

    def place(self, lesson: MenuEntry) -> tuple[str, str, str, str]:
        """(status, step n/m, questions solved/total, score) for one lesson.
        The status is the store's (`lesson_summary`), as `tutor progress`
        shows it: "done" is every step seen and every question answered or
        revealed."""
        lang = self.lang
        total = lesson.step_count
        question_ids = list(lesson.question_ids)
        summary = self._call_store("lesson_summary", lesson.id, total, question_ids)
        position = self._call_store("position", lesson.id)
        status_key = summary.status if summary is not None else "new"
        status = t(f"status_{status_key}", lang) if status_key in ("new", "started", "done") else status_key
        if status_key == "done":
            status = "* " + status  # marked without colour too
        step = f"{position + 1}/{total}" if position is not None else f"-/{total}"
        solved = summary.solved if summary is not None else 0
        questions = f"{solved}/{len(question_ids)}" if question_ids else "-"
        score = "-"
        if summary is not None and (solved or summary.revealed or status_key == "done"):
            score = f"{summary.score}%"  # once there is one
        return status, step, questions, score

    def _call_store(self, name: str, *args):
        """Ask the progress store; without one (or on a store error) the menu
        still works, showing every lesson as new."""
        method = getattr(self.store, name, None)
        if method is None:
            return None
        try:
            return method(*args)
        except Exception:
            return None

    def _show_summary(self, row: int) -> None:
        if not 0 <= row < len(self.lessons):
            return
        lesson = self.lessons[row]
        summary = Text(pick(lesson.summary, self.lang) if lesson.summary else "", style="italic")
        title = pick(lesson.title, self.lang)
        rows = self.query_one("#lessons", LessonTable).rows
        if row < len(rows) and rows[row][1] != title:  # cut to fit the table: here whole
            summary = Text.assemble((title, "bold"), "\n", summary)
        self.query_one("#menu-summary", Static).update(summary)

    def on_lesson_table_highlighted(self, event: LessonTable.Highlighted) -> None:
        self._show_summary(event.row)

    def on_lesson_table_selected(self, event: LessonTable.Selected) -> None:
        event.stop()
        if self.app.screen is not self:  # a second Enter of a burst: a lesson is opening
            return
        cast("TutorApp", self.app).open_lesson(self.lessons[event.row].id)
