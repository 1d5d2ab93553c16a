"""The lesson menu: the chapter's lessons in order, and the learner's place
in each (status, step n/m, questions solved, score), read from the progress store
every time the menu comes back into view.

The menu is the first frame, so it is drawn without waiting for the store:
when the app opens the store after that frame, `store_opened` fills in the
statuses and puts the cursor on the lesson the learner was last in."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from tutor.i18n import pick
from tutor.ui.screens.focus import KeepsFocus
from tutor.ui.screens.keys import localized
from tutor.ui.strings import t
from tutor.ui.widgets.too_small import TooSmall


class LessonTable(DataTable):
    """The menu's table, with its Enter key named in the footer.

    Enter stays the table's own binding (not a screen or priority one): a
    priority binding would run before Down keys typed just ahead of it were
    handled, opening the wrong lesson when keys arrive in a burst (tmux,
    SSH, a fast typist)."""

    @classmethod
    def bindings(cls, lang: str) -> list[Binding]:
        return [Binding("enter", "select_cursor", t("key_open", lang), key_display="Enter")]


class MenuScreen(KeepsFocus, Screen):
    """Up/Down choose, Enter opens. The cursor starts on the lesson the
    learner was last in, so resuming is one key."""

    @classmethod
    def bindings(cls, lang: str) -> list[Binding]:
        return []

    def __init__(self, lessons: list, *, lang: str, store, learner: str) -> None:
        super().__init__(id="menu")
        self.lessons = lessons
        self.lang = lang
        self.store = store
        self.learner = learner

    def compose(self) -> ComposeResult:
        lang = self.lang
        yield Static(id="menu-title")
        table = localized(LessonTable, lang)(id="lessons", cursor_type="row", zebra_stripes=False)
        yield table
        yield Static(id="menu-summary")
        yield TooSmall(t("too_small", lang))
        yield Footer()

    def on_mount(self) -> None:
        lang = self.lang
        title = Text(t("chapter", lang), style="bold")
        title.append("   " + t("learner", lang, name=self.learner), style="dim")
        self.query_one("#menu-title", Static).update(title)
        table = self.query_one("#lessons", DataTable)
        table.add_column("  #", key="order")
        table.add_column(t("col_lesson", lang), key="lesson")
        table.add_column(t("col_status", lang), key="status")
        table.add_column(t("col_step", lang), key="step")
        table.add_column(t("col_questions", lang), key="questions")
        self.fill()
        self._to_last_lesson()
        table.focus()
        if not self.lessons:
            self.query_one("#menu-summary", Static).update(t("no_lessons", lang))

    def _to_last_lesson(self) -> None:
        last = self._call_store("last_lesson")
        ids = [lesson.id for lesson in self.lessons]
        if last in ids:
            self.query_one("#lessons", DataTable).move_cursor(row=ids.index(last), animate=False)

    def store_opened(self, store) -> None:
        """The app opened the progress store after the first frame: show the
        learner's place, and start on their last lesson unless they already
        moved the cursor."""
        self.store = store
        table = self.query_one("#lessons", DataTable)
        moved = table.cursor_row > 0
        self.fill()
        if not moved:
            self._to_last_lesson()

    def on_screen_resume(self) -> None:
        self.fill()

    def fill(self) -> None:
        """(Re)build the rows from the store, keeping the cursor where it was."""
        table = self.query_one("#lessons", DataTable)
        row = table.cursor_row
        table.clear()
        room = self._title_room()
        for lesson in self.lessons:
            status, step, questions = self.place(lesson)
            title = pick(lesson.title, self.lang)
            if len(title) > room:
                title = title[: room - 1].rstrip() + "~"
            table.add_row(
                f"  {lesson.order}",
                title,
                status,
                step,
                questions,
                key=lesson.id,
            )
        if self.lessons:
            table.move_cursor(row=min(max(row, 0), len(self.lessons) - 1), animate=False)
            self._show_summary(table.cursor_row)

    def _title_room(self) -> int:
        """Columns left for the lesson titles once the other columns have
        theirs, so the table never needs a sideways scroll (80 columns and
        the long Portuguese titles)."""
        lang = self.lang
        width = self.app.size.width
        others = [
            3,  # "> 8"
            max(len(t(f"status_{s}", lang)) + 2 for s in ("new", "started", "done")),
            max(len(t("col_step", lang)), 5),
            max(len(t("col_questions", lang)), len("6/6 100%")),
        ]
        # margins (4), table border (2), cell padding (2 per column), scrollbar (1)
        return max(16, width - 4 - 2 - sum(others) - 2 * (len(others) + 1) - 1)

    def on_resize(self, event) -> None:
        super().on_resize(event)
        if self.is_mounted and self.query("#lessons"):
            self.fill()

    def place(self, lesson) -> tuple[str, str, str]:
        """(status, step n/m, questions solved/total and the score) for one lesson."""
        lang = self.lang
        total = len(lesson.steps)
        question_ids = [s.id for s in lesson.steps if s.question is not None]
        summary = self._call_store("lesson_summary", lesson.id, total, question_ids)
        position = self._call_store("position", lesson.id)
        status_key = getattr(summary, "status", "new") if summary is not None else "new"
        status = t(f"status_{status_key}", lang) if status_key in ("new", "started", "done") else status_key
        if status_key == "done":
            status = "* " + status  # marked without colour too
        step = f"{position + 1}/{total}" if position is not None else f"-/{total}"
        solved = getattr(summary, "solved", 0) if summary is not None else 0
        questions = f"{solved}/{len(question_ids)}" if question_ids else "-"
        if summary is not None and (solved or getattr(summary, "revealed", 0)):
            questions += f" {summary.score}%"  # the score, once there is one
        return status, step, questions

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
        self._mark(row)
        lesson = self.lessons[row]
        text = pick(lesson.summary, self.lang) if lesson.summary else ""
        self.query_one("#menu-summary", Static).update(Text(text, style="italic"))

    def _mark(self, row: int) -> None:
        """Put `>` before the highlighted lesson: the cursor reads without colour."""
        table = self.query_one("#lessons", DataTable)
        for i, lesson in enumerate(self.lessons):
            want = f"> {lesson.order}" if i == row else f"  {lesson.order}"
            if table.get_cell(lesson.id, "order") != want:
                table.update_cell(lesson.id, "order", want)

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_summary(event.cursor_row)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.app.open_lesson(str(event.row_key.value))

