"""A folder's lessons as the app needs them: what the menu shows of each
lesson at once, the lessons themselves when they are first needed.

The menu is the tutor's first frame, and it shows only each lesson's
number, title, summary and place (step n/m, questions solved). Decoding
the whole lessons from the lesson cache, with the lesson classes' import,
cost about a tenth of the start-up (issue 14: ~70 M instructions, ~16 ms),
so the cache also keeps a menu index (`MenuEntry` per lesson, see
`cache.load_index`) and the app decodes the lessons after the first frame,
or as soon as something needs one (opening a lesson, `--lesson`), waiting
for a decode already under way rather than doing it twice.

Standard library only, and not the lesson classes (`model`): importing
them is part of what the first frame is spared.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..i18n import LANGS

if TYPE_CHECKING:
    from .model import Lesson


class MenuEntry:
    """What the menu shows of one lesson, in every language: its id, order,
    title and summary, how many steps it has and which of them ask a
    question (the store's summary of the learner's place needs both).

    A plain class, not a dataclass: making a dataclass compiles its methods
    (about 3.5 M instructions each), and this one is made before the first
    frame."""

    __slots__ = ("id", "order", "question_ids", "step_count", "summary", "title")

    def __init__(self, id: str, order: int, title: dict[str, str], summary: dict[str, str] | None,
                 step_count: int, question_ids: tuple[str, ...]) -> None:
        self.id = id
        self.order = order
        self.title = title
        self.summary = summary
        self.step_count = step_count
        self.question_ids = question_ids

    @classmethod
    def of(cls, lesson: Lesson) -> MenuEntry:
        return cls(lesson.id, lesson.order, lesson.title, lesson.summary, len(lesson.steps),
                   tuple(step.id for step in lesson.steps if step.question is not None))

    def _fields(self) -> tuple:
        return (self.id, self.order, self.title, self.summary, self.step_count, self.question_ids)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, MenuEntry):
            return NotImplemented
        return self._fields() == other._fields()

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __repr__(self) -> str:
        return f"MenuEntry({self.id!r}, order={self.order}, steps={self.step_count})"

    def plain(self) -> dict[str, Any]:
        """As JSON's types, for the cache."""
        return {"id": self.id, "order": self.order, "title": self.title, "summary": self.summary,
                "step_count": self.step_count, "question_ids": list(self.question_ids)}

    @classmethod
    def from_plain(cls, value: Any) -> MenuEntry:
        """Read back from `plain`'s JSON, strictly: ValueError at anything
        that is not exactly what `plain` writes."""
        if type(value) is not dict or sorted(value) != sorted(_KEYS):
            raise ValueError("not a menu entry")
        id, order, steps, questions = value["id"], value["order"], value["step_count"], value["question_ids"]
        if type(id) is not str or type(order) is not int or type(steps) is not int or steps < 1:
            raise ValueError("not a menu entry")
        if type(questions) is not list or any(type(q) is not str for q in questions):
            raise ValueError("not a menu entry")
        summary = value["summary"]
        return cls(id, order, _text(value["title"]), None if summary is None else _text(summary), steps,
                   tuple(questions))


_KEYS = ("id", "order", "title", "summary", "step_count", "question_ids")
_LANGS = sorted(LANGS)


def _text(value: Any) -> dict[str, str]:
    """A text in every language, or ValueError."""
    if type(value) is not dict or sorted(value) != _LANGS or any(type(v) is not str for v in value.values()):
        raise ValueError("not a text in every language")
    return value


class Chapter:
    """The lessons of one folder: `entries` for the menu now, `lessons()`
    when one is needed.

    `lessons()` loads them once, from any thread (the app starts it in the
    background after the first frame; a lesson opened before that ends waits
    for it), and raises what loading raised (LessonLoadError: a lesson file
    broken since its menu entry was cached) to every caller. Once loaded,
    `entries` are the lessons' own."""

    def __init__(self, entries: list[MenuEntry], load: Callable[[], list[Lesson]]) -> None:
        self.entries = entries
        self._load: Callable[[], list[Lesson]] | None = load
        self._lessons: list[Lesson] | None = None
        self._error: Exception | None = None
        self._lock = threading.Lock()

    @classmethod
    def of(cls, lessons: list[Lesson]) -> Chapter:
        """A chapter of lessons already loaded (the server's, the tests')."""
        chapter = cls([MenuEntry.of(lesson) for lesson in lessons], list)
        chapter._lessons, chapter._load = list(lessons), None
        return chapter

    @property
    def loaded(self) -> bool:
        """True once `lessons()` has returned them (no waiting, no loading)."""
        return self._lessons is not None

    def lessons(self) -> list[Lesson]:
        if self._lessons is not None:
            return self._lessons
        with self._lock:
            if self._lessons is None:
                if self._error is None:
                    assert self._load is not None
                    try:
                        lessons = self._load()
                    except Exception as exc:
                        self._error = exc
                    else:
                        self.entries = [MenuEntry.of(lesson) for lesson in lessons]
                        self._lessons, self._load = lessons, None
                if self._error is not None:
                    raise self._error
            assert self._lessons is not None
            return self._lessons
