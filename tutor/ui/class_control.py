"""The learner's side of a guided class (issue 12): what the app tells the
instructor, and what it does when the instructor asks.

A served session hands the app a `tutor.class_events.ClassChannel` (the app
never knows the server: tutor.ui does not import tutor.serve). Through it
the app reports `join`, every `step` shown, every `answer` checked (with its
verdict and the answer normalised the way the checker reads it) and every
`hint`; the server itself sees the learner's keys. Commands come back:
- `follow`: go to the instructor's lesson and step, show "following NAME"
  on the status line, and refuse keys that would step away (n, p, l and
  the next lesson) with a clear note until `free`; answers, hints, panes,
  zoom, parameters and help still work and still count;
- `free`: step freely again, from where the learner is;
- `message`: the text on the status line until the learner's next key;
- `end`: say that the class has ended, and leave (progress is saved as the
  app closes; the server then says goodbye).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tutor.class_events import MAX_TEXT, ClassChannel, event, one_line
from tutor.i18n import Catalog

if TYPE_CHECKING:
    from tutor.ui.app import TutorApp

END_SECONDS = 1.5  # the learner reads "the class has ended" this long before the app closes

STRINGS = Catalog({
    "following": {"en": "following {name}", "pt": "seguindo {name}"},
    "held": {
        "en": "following {name}: wait for the instructor to release you",
        "pt": "seguindo {name}: espere o instrutor liberar você",
    },
    "message": {"en": "{name}: {text}", "pt": "{name}: {text}"},
    "ended": {
        "en": "{name} ended the class. Your progress is saved.",
        "pt": "{name} encerrou a aula. Seu progresso está salvo.",
    },
})


class ClassControl:
    """One app's part in a class: reports out, commands in."""

    def __init__(self, app: TutorApp, channel: ClassChannel) -> None:
        self.app = app
        self.channel = channel
        self.following: str | None = None   # the instructor being followed
        self.message: str | None = None     # the instructor's message on screen
        self.ending = False
        self._toast = False                 # the message is a notification (no status line on screen)
        self._step: tuple[str, int] | None = None  # the last step reported

    def start(self) -> None:
        self.report("join", lang=self.app.lang)
        self.channel.listen(self.command)

    # ------------------------------------------------------------ out

    def report(self, name: str, **fields: Any) -> None:
        self.channel.report(event(name, **fields))

    def step_shown(self, lesson, index: int) -> None:
        """A step is on screen (each one once, however often it is redrawn)."""
        if self._step == (lesson.id, index):
            return
        self._step = (lesson.id, index)
        self.report("step", lesson=lesson.id, step=lesson.steps[index].id, index=index,
                    steps=len(lesson.steps))

    def answered(self, lesson, index: int, text: str, verdict: str, tries: int) -> None:
        """An answer was checked (verdict right or wrong), or revealed."""
        from tutor.classroom import normalised_answer

        step = lesson.steps[index]
        try:
            answer = normalised_answer(step.question, text, self.app.lang) if text else ""
        except Exception:  # the class's view must never cost the learner their answer
            answer = text.strip().lower()
        self.report("answer", lesson=lesson.id, step=step.id, question=step.id, verdict=verdict,
                    answer=one_line(answer, MAX_TEXT), tries=tries)

    def hint_taken(self, lesson, index: int, hints: int) -> None:
        step = lesson.steps[index]
        self.report("hint", lesson=lesson.id, step=step.id, question=step.id, hints=hints)

    # ------------------------------------------------------------ in

    def command(self, command: dict) -> None:
        """A command from the instructor (already checked by the channel)."""
        name = command["command"]
        who = one_line(command.get("instructor") or "?", 40)
        if name == "follow":
            self.following = who
            self._go(command["lesson"], command["index"])
        elif name == "free":
            self.following = None
        elif name == "message":
            self.message = STRINGS.get("message", self.app.lang, name=who, text=one_line(command["text"]))
            if not self._lesson_on_top():
                self.app.notify(self.message, timeout=600)
                self._toast = True
        elif name == "end" and not self.ending:
            self.ending = True
            self.following = None
            self.message = STRINGS.get("ended", self.app.lang, name=who)
            self.app.notify(self.message, timeout=END_SECONDS + 5)
            self.app.set_timer(END_SECONDS, self.app.exit)
        self._show()

    def key_pressed(self) -> None:
        """Any key: the instructor's message has been seen."""
        if self.message is not None and not self.ending:
            self.message = None
            self._show()
            if self._toast:
                self._toast = False
                self.app.clear_notifications()

    def refuse_step_away(self, screen) -> bool:
        """True (and the learner told why) while following the instructor."""
        if self.following is None:
            return False
        screen.say(STRINGS.get("held", self.app.lang, name=self.following))
        return True

    def _show(self) -> None:
        parts = []
        if self.following is not None:
            parts.append(STRINGS.get("following", self.app.lang, name=self.following))
        if self.message is not None:
            parts.append(self.message)
        self.app.class_note = " | ".join(parts)

    def _lesson_on_top(self) -> bool:
        from tutor.ui.screens.lesson import LessonScreen

        return isinstance(self.app.screen, LessonScreen)

    def _go(self, lesson_id: str, index: int) -> None:
        """To the instructor's lesson and step: the screen on top moves if it
        shows that lesson, else the lesson opens there."""
        from tutor.ui.screens.lesson import LessonScreen

        app = self.app
        lesson = next((item for item in app.lessons if item.id == lesson_id), None)
        if lesson is None:  # a lesson this server does not have: stay put
            return
        index = min(max(index, 0), len(lesson.steps) - 1)
        top = app.screen_stack[-1] if app.screen_stack else None
        if isinstance(top, LessonScreen) and top.lesson.id == lesson_id:
            if top.runner is not None:  # mounted
                if top.maximized is not None:
                    top.minimize()
                if index != top.index:
                    top.request(index)
            else:  # still being built: it opens at this step
                top.index = index
            return
        app.open_lesson(lesson_id, index=index)
