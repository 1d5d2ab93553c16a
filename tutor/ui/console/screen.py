"""The console's one screen: the roster on top; where the class is and one
question's answers (or, while the class follows you, the step you are on)
below; a status line and the keys.

Keys: 1-8 sort the roster by that column (again: the other way); [ and ]
pick the previous or next question, { and } the previous or next lesson;
f "follow me" (asks first) brings the class to the picked question's step
(a lesson without questions: its first step), then n and p step through the
lesson and take the class along; r frees them; m sends a one-line message;
e ends the class (asks first); w writes the CSV; q leaves the console (the
class goes on).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, cast

from rich.console import Group
from rich.markdown import Markdown
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static

from tutor.classroom import COLUMNS
from tutor.i18n import pick
from tutor.ui.console.dialogs import ConfirmScreen, MessageScreen
from tutor.ui.console.question_view import QuestionView
from tutor.ui.console.roster import RosterTable
from tutor.ui.console.strings import t
from tutor.ui.console.where import WhereBars
from tutor.ui.screens.keys import localized
from tutor.ui.strings import t as app_t
from tutor.ui.widgets.key_bar import KeyBar
from tutor.ui.widgets.text_pane import TextPane
from tutor.ui.widgets.too_small import TooSmall

if TYPE_CHECKING:
    from tutor.ui.console.app import ConsoleApp

NOTE_SECONDS = 6
TICK = 1.0  # the key ages and stuck marks move with time: redraw at least this often


class ConsoleScreen(Screen):
    """See the module docstring."""

    @classmethod
    def bindings(cls, lang: str) -> list[Binding]:
        sort = [Binding(str(n), f"sort({n - 1})", t("key_sort", lang), key_display="1-8", show=n == 1)
                for n in range(1, len(COLUMNS) + 1)]
        return sort + [
            Binding("left_square_bracket", "question(-1)", t("key_question", lang), show=False),
            Binding("right_square_bracket", "question(1)", t("key_question", lang), show=False),
            Binding("left_curly_bracket", "lesson(-1)", t("key_lesson", lang), show=False),
            Binding("right_curly_bracket", "lesson(1)", t("key_lesson", lang), show=False),
            Binding("n,space", "step(1)", t("key_step", lang), key_display="n p"),
            Binding("p", "step(-1)", t("key_step", lang), show=False),
            Binding("f", "follow", t("key_follow", lang)),
            Binding("r", "free", t("key_free", lang)),
            Binding("m", "message", t("key_message", lang)),
            Binding("e", "end", t("key_end", lang)),
            Binding("w", "csv", t("key_csv", lang)),
            Binding("q,ctrl+c", "quit", t("key_quit", lang), key_display="q"),
        ]

    def __init__(self, lang: str) -> None:
        super().__init__(id="console")
        self.lang = lang
        self.sort_by = "learner"
        self.reverse = False
        self.selected = 0  # index into the model's question_ids (or a lesson without questions)
        self.lesson_only: str | None = None  # a lesson picked that has no questions
        self.following: tuple[str, int] | None = None  # (lesson, step index) the class follows
        self._shown_version = -1
        self._shown_at = 0.0
        self._note_timer: Timer | None = None
        self.redraws = 0  # for the benchmark: how often the screen redrew from the model
        self.redraw_seconds = 0.0

    @property
    def console(self) -> ConsoleApp:
        return cast("ConsoleApp", self.app)

    def compose(self) -> ComposeResult:
        lang = self.lang
        with Vertical(id="console-main"):
            yield Static(id="console-head")
            yield RosterTable(lang, id="console-roster")
            with Horizontal(id="console-bottom"):
                where = WhereBars(id="console-where", classes="pane")
                where.border_title = t("where_title", lang)
                yield where
                yield QuestionView(lang, id="console-question", classes="pane")
                yield TextPane("", app_t("more_below", lang), id="console-follow", classes="pane")
            yield Static(id="console-status")
        yield TooSmall(app_t("too_small", lang))
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#console-follow").display = False
        self.query_one(RosterTable).set_header(self.sort_by, self.reverse)
        self.redraw()
        self.set_interval(0.25, self.tick)
        self.query_one(RosterTable).focus()

    # ------------------------------------------------------------ drawing

    def tick(self) -> None:
        """Redraw when the model moved, or a second passed (ages tick)."""
        state = self.console.state
        now = time.monotonic()
        if state.version != self._shown_version or now - self._shown_at >= TICK:
            self.redraw()

    def redraw(self) -> None:
        started = time.perf_counter()
        app = self.console
        state = app.state
        self._shown_version, self._shown_at = state.version, time.monotonic()
        roster = self.query_one(RosterTable)
        roster.set_header(self.sort_by, self.reverse)
        roster.show(state.roster(self.sort_by, self.reverse))
        self._draw_head()
        lesson, question = self.picked()
        self.query_one(WhereBars).show(state.where(), highlight=self.following[0] if self.following else lesson)
        self._draw_question(lesson, question)
        self.redraws += 1
        self.redraw_seconds += time.perf_counter() - started

    def _draw_head(self) -> None:
        app, lang = self.console, self.lang
        state = app.state
        text = Text(t("head", lang, instructor=app.instructor or "-", learners=len(state.learners),
                      connected=state.connected), style="bold", no_wrap=True, overflow="ellipsis")
        extra = []
        if self.following is not None:
            lesson_id, index = self.following
            extra.append(t("head_following", lang, lesson=lesson_id, step=index + 1,
                           steps=self._steps(lesson_id)))
        if app.ended:
            extra.append(t("head_ended", lang))
        if not app.link_open:
            extra.append(t("head_no_link", lang))
        if extra:
            text.append(" · " + " · ".join(extra))
        self.query_one("#console-head", Static).update(text)

    def picked(self) -> tuple[str | None, str | None]:
        """(lesson, question) the question view is on."""
        if self.lesson_only is not None:
            return self.lesson_only, None
        ids = self.console.state.question_ids()
        if not ids:
            return None, None
        self.selected = min(max(self.selected, 0), len(ids) - 1)
        return ids[self.selected]

    def _draw_question(self, lesson_id: str | None, question_id: str | None) -> None:
        view = self.query_one(QuestionView)
        state, lang = self.console.state, self.lang
        keys = "  [ ] { }"
        if lesson_id is None:
            view.show(None, t("no_questions", lang), keys)
            return
        if question_id is None:
            view.show(None, t("lesson_no_questions", lang, lesson=lesson_id), lesson_id + keys)
            return
        ids = state.question_ids()
        title = t("question_title", lang, n=self.selected + 1, count=len(ids), lesson=lesson_id,
                  step=question_id) + keys
        step = self._step(lesson_id, question_id)
        prompt = pick(step.question.prompt, lang) if step is not None and step.question is not None else question_id
        view.show(state.question(lesson_id, question_id), prompt, title)

    def _lesson(self, lesson_id: str):
        return next((lesson for lesson in self.console.lessons if lesson.id == lesson_id), None)

    def _step(self, lesson_id: str, step_id: str):
        lesson = self._lesson(lesson_id)
        return next((s for s in lesson.steps if s.id == step_id), None) if lesson is not None else None

    def _steps(self, lesson_id: str) -> int:
        lesson = self._lesson(lesson_id)
        return len(lesson.steps) if lesson is not None else 0

    def say(self, text: str) -> None:
        """A note on the status line for a few seconds."""
        self.query_one("#console-status", Static).update(Text(text, no_wrap=True, overflow="ellipsis"))
        if self._note_timer is not None:
            self._note_timer.stop()
        self._note_timer = self.set_timer(NOTE_SECONDS, self._clear_note)

    def _clear_note(self) -> None:
        self._note_timer = None
        self.query_one("#console-status", Static).update("")

    # ------------------------------------------------------------ keys

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.app.screen is not self:
            return False
        if action == "step":
            return self.following is not None
        if action in ("follow", "question", "lesson"):
            return self.following is None
        return True

    def action_sort(self, column: int) -> None:
        name = COLUMNS[column]
        if name == self.sort_by:
            self.reverse = not self.reverse
        else:
            self.sort_by, self.reverse = name, False
        self.redraw()
        order = t("descending", self.lang) if self.reverse else ""
        self.say(t("sorted_by", self.lang, column=t(f"col_{name}", self.lang), order=order))

    def action_question(self, delta: int) -> None:
        ids = self.console.state.question_ids()
        if not ids:
            return
        if self.lesson_only is not None:  # from a lesson without questions: the next one after it
            order = [lesson.id for lesson in self.console.lessons]
            here = order.index(self.lesson_only) if self.lesson_only in order else 0
            later = [i for i, (lid, _) in enumerate(ids) if lid in order and order.index(lid) > here]
            self.selected = later[0] if later and delta > 0 else max(0, (later[0] if later else len(ids)) - 1)
            self.lesson_only = None
        else:
            self.selected = (self.selected + delta) % len(ids)
        self.redraw()

    def action_lesson(self, delta: int) -> None:
        lessons = [lesson.id for lesson in self.console.lessons]
        if not lessons:
            return
        current, _ = self.picked()
        here = lessons.index(current) if current in lessons else -1
        target = lessons[(here + delta) % len(lessons)]
        ids = self.console.state.question_ids()
        first = next((i for i, (lid, _) in enumerate(ids) if lid == target), None)
        if first is None:
            self.lesson_only = target
        else:
            self.lesson_only, self.selected = None, first
        self.redraw()

    def action_follow(self) -> None:
        lesson_id, question_id = self.picked()
        lesson = self._lesson(lesson_id) if lesson_id else None
        if lesson is None:
            return
        index = next((i for i, s in enumerate(lesson.steps) if s.id == question_id), 0)
        question = t("confirm_follow", self.lang, lesson=lesson.id, step=index + 1, steps=len(lesson.steps),
                     title=pick(lesson.steps[index].title, self.lang))

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._go(lesson.id, index)

        self.app.push_screen(localized(ConfirmScreen, self.lang)(question, self.lang), confirmed)

    def action_step(self, delta: int) -> None:
        if self.following is None:
            return
        lesson_id, index = self.following
        steps = self._steps(lesson_id)
        if not 0 <= index + delta < steps:
            self.say(t("last_step" if delta > 0 else "first_step", self.lang))
            return
        self._go(lesson_id, index + delta)

    def _go(self, lesson_id: str, index: int) -> None:
        """The class follows the instructor to this step: show it, send it."""
        self.following = (lesson_id, index)
        self._show_step(lesson_id, index)
        self.console.send({"command": "follow", "lesson": lesson_id, "index": index},
                          done=t("sent_follow", self.lang, lesson=lesson_id, step=index + 1))
        self.refresh_bindings()
        self.redraw()

    def _show_step(self, lesson_id: str, index: int) -> None:
        lesson = self._lesson(lesson_id)
        pane = self.query_one("#console-follow", TextPane)
        if lesson is None:
            return
        step = lesson.steps[index]
        pane.set_pane_title(t("follow_title", self.lang, lesson=lesson_id, step=index + 1, steps=len(lesson.steps)))
        body = Group(Text(pick(step.title, self.lang), style="bold"),
                     Markdown(pick(step.text, self.lang), code_theme="ansi_dark", inline_code_theme="ansi_dark"))
        pane.set_body(body, key=(lesson_id, index, self.lang))
        self.query_one(QuestionView).display = False
        pane.display = True

    def action_free(self) -> None:
        self.following = None
        self.query_one("#console-follow").display = False
        self.query_one(QuestionView).display = True
        self.console.send({"command": "free"}, done=t("sent_free", self.lang))
        self.refresh_bindings()
        self.redraw()

    def action_message(self) -> None:
        def typed(text: str | None) -> None:
            if text:
                self.console.send({"command": "message", "text": text},
                                  done=t("sent_message", self.lang, text=text))

        self.app.push_screen(MessageScreen(self.lang), typed)

    def action_end(self) -> None:
        def confirmed(yes: bool | None) -> None:
            if yes:
                self.console.ended = True
                self.following = None
                self.console.send({"command": "end"}, done=t("sent_end", self.lang))
                self.redraw()

        self.app.push_screen(localized(ConfirmScreen, self.lang)(t("confirm_end", self.lang), self.lang),
                             confirmed)

    def action_csv(self) -> None:
        self.console.write_csv()

    async def action_quit(self) -> None:
        self.app.exit()
