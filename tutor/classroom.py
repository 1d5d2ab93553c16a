"""The class as an instructor sees it: who is here, where, and what they answered.

`ClassState` is the instructor console's model, kept apart from the screen so
it can be tested without one (and so the core never imports Textual). It
starts from the progress store (`ClassState.from_store`: every learner's
answers, hints, reveals and places, including learners who left) and then
follows the events the server forwards from the learners' sessions (the
contract is in `/docs/classroom.md`: `join`, `leave`, `step`, `answer`,
`hint`, `key`). From it the console reads:

- `roster()`: one row per learner: connected or not, lesson and step,
  questions right/tried, hints, the last key's age, and "stuck";
- `where()`: how many connected learners are at each step of each lesson;
- `question(lesson, question)`: right / wrong / not yet answered, and the
  most common wrong answers, each with the number of learners who gave it.

Answers are counted as the checker reads them (`normalised_answer`), so
"8x16", "8 by 16" and "(8, 16)" are one answer, and "0,5" is "0.5".

Events are data from other processes: each is checked field by field, and
one that does not fit the contract is counted in `ignored` and changes
nothing; nothing in an event is ever executed.

Answers and hints that happened before the store was read are already in
it: an `answer` or `hint` event older than the read (`history_until`) is
skipped, so a console opened mid-class counts each answer once.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tutor import checking

STUCK_MINUTES = 5.0  # on one step longer than this: stuck
STUCK_WRONG = 3  # wrong tries on the question at hand: stuck
MAX_NORMALISED = 200  # characters of an answer that does not parse kept for counting
VERDICTS = ("right", "wrong", "revealed")

# Roster columns, in the order the console shows them (sort keys below).
COLUMNS = ("learner", "connected", "lesson", "step", "right", "hints", "key", "stuck")


# ------------------------------------------------------------------ answers


def normalised_answer(question: Any, text: Any, lang: str = "en") -> str:
    """`text` as the checker reads it for `question`, as one comparable string.

    shape "8x16" -> "8, 16" (a scalar is "()"); number "0,5" -> "0.5"; sign
    -> "+", "-" or "0"; choice -> the option's key; order -> the items
    joined by ", " as the checker compares them ("L2 -> L1" -> "2, 1").
    Text the checker cannot read is kept as typed, stripped, with its spaces
    squeezed and lower-cased. Never raises: this runs on every answer."""
    kind = str(getattr(question, "kind", "")).strip().lower()
    try:
        if kind == "shape":
            sizes = checking.parse_shape(text, lang)
            return ", ".join(str(n) for n in sizes) if sizes else "()"
        if kind == "number":
            return _number_text(checking.parse_number(text, lang))
        if kind == "sign":
            sign = checking.parse_sign(text, lang, directions=checking.asks_direction(question))
            return {1: "+", -1: "-", 0: "0"}[sign]
        if kind == "choice":
            return str(getattr(checking.parse_choice(question, text, lang), "key", "")) or _plain(text)
        if kind == "order":
            return ", ".join(_order_key(item) for item in checking.parse_order(text, lang))
    except (checking.AnswerError, TypeError, ValueError):
        pass
    return _plain(text)


def _number_text(value: float) -> str:
    """Ten significant digits: 0.1 + 0.2 and 0.3 are one answer; "-0" is "0"."""
    text = f"{value:.10g}"
    return "0" if text == "-0" else text


def _order_key(item: str) -> str:
    # The checker's own rule ("L2", "l2" and "2" are one layer), reached
    # through its module so the two never disagree.
    return checking._order_key(item)


def _plain(text: Any) -> str:
    text = "" if text is None else str(text)
    return " ".join(text[: MAX_NORMALISED * 4].split()).lower()[:MAX_NORMALISED]


# ------------------------------------------------------------------- model


@dataclass
class QuestionTally:
    """One learner's dealings with one question."""

    tries: int = 0
    wrong: int = 0
    solved: bool = False
    revealed: bool = False
    hints: int = 0
    wrong_answers: dict[str, int] = field(default_factory=dict)  # normalised -> times given


@dataclass
class LearnerState:
    name: str
    sessions: set[str] = field(default_factory=set)
    lang: str | None = None
    lesson: str | None = None
    step: str | None = None  # the step's id, when known
    index: int | None = None  # 0-based
    steps: int | None = None  # the lesson's step count
    step_since: float | None = None  # when they came to this step (epoch seconds)
    last_key: float | None = None
    last_seen: float | None = None
    questions: dict[tuple[str, str], QuestionTally] = field(default_factory=dict)

    @property
    def connected(self) -> bool:
        return bool(self.sessions)

    def tally(self, lesson: str, question: str) -> QuestionTally:
        return self.questions.setdefault((lesson, question), QuestionTally())

    def seen(self, t: float) -> None:
        if self.last_seen is None or t > self.last_seen:
            self.last_seen = t


@dataclass(frozen=True)
class RosterRow:
    learner: str
    connected: bool
    lesson: str | None
    step: str | None
    index: int | None
    steps: int | None
    right: int  # questions answered right
    tried: int  # questions answered at all
    hints: int
    key_age: float | None  # seconds since the last key, None when no key is known
    stuck: str | None  # None, "time" (same step > N minutes) or "tries" (3 wrong tries here)
    minutes_on_step: float | None
    wrong_here: int = 0  # wrong tries on the question of the step they are on


@dataclass(frozen=True)
class LessonPlace:
    """How many connected learners are at each step of one lesson."""

    lesson: str
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class QuestionStats:
    lesson: str
    question: str
    right: int
    wrong: int  # answered, never right
    not_yet: int  # not answered at all
    revealed: int  # saw the worked answer without answering right (among wrong and not yet)
    wrong_answers: tuple[tuple[str, int], ...]  # (normalised answer, learners who gave it), commonest first


def _sort_keys(order: Mapping[str, int]) -> dict[str, Callable[[RosterRow], Any]]:
    far = len(order) + 1
    return {
        "learner": lambda r: (r.learner.casefold(),),
        "connected": lambda r: (not r.connected,),
        "lesson": lambda r: (order.get(r.lesson, far) if r.lesson else far + 1, r.index if r.index is not None else -1),
        "step": lambda r: (r.index if r.index is not None else -1, order.get(r.lesson or "", far)),
        "right": lambda r: (r.right, r.tried),
        "hints": lambda r: (r.hints,),
        "key": lambda r: (r.key_age if r.key_age is not None else math.inf,),
        "stuck": lambda r: (r.stuck is None, r.stuck or "", -(r.minutes_on_step or 0.0)),
    }


class ClassState:
    """The console's view of the class (see the module docstring)."""

    def __init__(self, lessons: Iterable[Any] = (), *, stuck_minutes: float = STUCK_MINUTES,
                 clock: Callable[[], float] = time.time) -> None:
        self.lessons = {lesson.id: lesson for lesson in lessons}
        self.lesson_order = {lesson_id: n for n, lesson_id in enumerate(self.lessons)}
        self.stuck_minutes = stuck_minutes
        self.clock = clock
        self.learners: dict[str, LearnerState] = {}
        self.history_until = -math.inf  # answers and hints before this are in the store
        self.ignored = 0  # events that did not fit the contract
        self.version = 0  # bumped by every change: the screen redraws when it moved

    # -------------------------------------------------------- from the store

    @classmethod
    def from_store(cls, store: Any, lessons: Iterable[Any] = (), **kwargs: Any) -> ClassState:
        """The class as the progress store holds it (`store`: an open
        `ProgressStore`, or its `everyone()` records). Answers stored
        before schema 2 (no normalised form) are normalised here, with the
        lesson's question when the lesson is known."""
        state = cls(lessons, **kwargs)
        read_at = state.clock()
        records = store.everyone() if hasattr(store, "everyone") else store
        state.load(records)
        state.history_until = read_at
        return state

    def load(self, records: Any) -> None:
        """Take in `ClassRecords` (see `tutor.progress`)."""
        latest: dict[str, tuple[int, Any]] = {}
        for row in records.lessons:
            learner = self._learner(row.learner)
            learner.seen(row.updated_at.timestamp())
            if row.learner not in latest or row.touched > latest[row.learner][0]:
                latest[row.learner] = (row.touched, row)
        for name, (_, row) in latest.items():
            learner = self.learners[name]
            learner.lesson, learner.index, learner.steps = row.lesson_id, row.current, row.total_steps
            learner.step = self._step_id(row.lesson_id, row.current)
            learner.step_since = row.updated_at.timestamp()
        for q in records.questions:
            learner = self._learner(q.learner)
            learner.seen(q.updated_at.timestamp())
            tally = learner.tally(q.lesson_id, q.question_id)
            tally.hints = max(tally.hints, q.hints)
            tally.solved = tally.solved or q.solved_at is not None
            tally.revealed = tally.revealed or q.revealed_at is not None
        for a in records.attempts:
            learner = self._learner(a.learner)
            learner.seen(a.at.timestamp())
            normalised = a.normalised
            if normalised is None:
                normalised = normalised_answer(self._question(a.lesson_id, a.question_id), a.answer)
            normalised = normalised[:MAX_NORMALISED]
            self._count_answer(learner.tally(a.lesson_id, a.question_id), "right" if a.correct else "wrong",
                               normalised)
        self.version += 1

    # ------------------------------------------------------------ the link

    def apply(self, event: Any) -> bool:
        """Take one event from the link; True when it changed the class."""
        try:
            changed = self._apply(event)
        except (KeyError, TypeError, ValueError):
            changed = None
        if changed is None:
            self.ignored += 1
            return False
        if changed:
            self.version += 1
        return changed

    def apply_all(self, events: Iterable[Any]) -> int:
        """Take a batch of events; returns how many changed the class."""
        return sum(self.apply(event) for event in events)

    def _apply(self, event: Any) -> bool | None:
        """None: the event does not fit the contract."""
        if not isinstance(event, Mapping):
            return None
        kind, name, session, t = event["event"], event["learner"], event["session"], event["t"]
        if not (isinstance(kind, str) and isinstance(name, str) and name and isinstance(session, str)):
            return None
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t):
            return None
        t = float(t)
        handler = getattr(self, f"_on_{kind}", None) if kind in _EVENTS else None
        if handler is None:
            return None
        return handler(event, name, session, t)

    def _on_join(self, event: Mapping, name: str, session: str, t: float) -> bool:
        learner = self._learner(name)
        learner.sessions.add(session)
        lang = event.get("lang")
        if isinstance(lang, str):
            learner.lang = lang
        learner.seen(t)
        return True

    def _on_leave(self, event: Mapping, name: str, session: str, t: float) -> bool:
        learner = self._learner(name)
        learner.sessions.discard(session)
        learner.seen(t)
        return True

    def _on_key(self, event: Mapping, name: str, session: str, t: float) -> bool:
        learner = self._learner(name)
        if learner.last_key is not None and t <= learner.last_key:
            return False
        learner.last_key = t
        learner.seen(t)
        return True

    def _on_step(self, event: Mapping, name: str, session: str, t: float) -> bool | None:
        lesson, step, index, steps = event["lesson"], event["step"], event["index"], event["steps"]
        if not (isinstance(lesson, str) and isinstance(step, str) and _count(index) and _count(steps)):
            return None
        if not 0 <= index < steps:
            return None
        learner = self._learner(name)
        if (lesson, index) != (learner.lesson, learner.index) or learner.step_since is None:
            learner.step_since = t
        learner.lesson, learner.step, learner.index, learner.steps = lesson, step, index, steps
        learner.seen(t)
        return True

    def _on_answer(self, event: Mapping, name: str, session: str, t: float) -> bool | None:
        lesson, question, verdict = event["lesson"], event["question"], event["verdict"]
        answer = event.get("answer", "") if verdict == "revealed" else event["answer"]
        if not (isinstance(lesson, str) and isinstance(question, str) and verdict in VERDICTS
                and isinstance(answer, str)):
            return None
        learner = self._learner(name)
        learner.seen(t)
        if t < self.history_until:
            return False  # in the store already
        tally = learner.tally(lesson, question)
        if verdict == "revealed":
            tally.revealed = True
        else:
            self._count_answer(tally, verdict, answer[:MAX_NORMALISED])  # normalised by the session
        return True

    def _on_hint(self, event: Mapping, name: str, session: str, t: float) -> bool | None:
        lesson, question, hints = event["lesson"], event["question"], event["hints"]
        if not (isinstance(lesson, str) and isinstance(question, str) and _count(hints)):
            return None
        learner = self._learner(name)
        learner.seen(t)
        tally = learner.tally(lesson, question)
        if hints <= tally.hints:
            return False
        tally.hints = hints
        return True

    @staticmethod
    def _count_answer(tally: QuestionTally, verdict: str, normalised: str) -> None:
        tally.tries += 1
        if verdict == "right":
            tally.solved = True
        else:
            tally.wrong += 1
            tally.wrong_answers[normalised] = tally.wrong_answers.get(normalised, 0) + 1

    # ------------------------------------------------------------- reading

    def roster(self, sort_by: str = "learner", reverse: bool = False, now: float | None = None) -> list[RosterRow]:
        """One row per learner, sorted by a column of `COLUMNS` (then by name)."""
        now = self.clock() if now is None else now
        rows = [self._row(learner, now) for learner in self.learners.values()]
        rows.sort(key=lambda r: r.learner.casefold())
        keys = _sort_keys(self.lesson_order)
        rows.sort(key=keys.get(sort_by, keys["learner"]), reverse=reverse)
        return rows

    def _row(self, learner: LearnerState, now: float) -> RosterRow:
        tallies = learner.questions.values()
        minutes = None if learner.step_since is None else max(0.0, now - learner.step_since) / 60
        stuck = None
        here = learner.questions.get((learner.lesson or "", learner.step or ""))
        wrong_here = here.wrong if here is not None and not here.solved else 0
        if learner.connected:
            if wrong_here >= STUCK_WRONG:
                stuck = "tries"
            elif minutes is not None and minutes > self.stuck_minutes:
                stuck = "time"
        return RosterRow(
            learner=learner.name,
            connected=learner.connected,
            lesson=learner.lesson,
            step=learner.step,
            index=learner.index,
            steps=learner.steps,
            right=sum(q.solved for q in tallies),
            tried=sum(q.tries > 0 for q in tallies),
            hints=sum(q.hints for q in tallies),
            key_age=None if learner.last_key is None else max(0.0, now - learner.last_key),
            stuck=stuck,
            minutes_on_step=minutes,
            wrong_here=wrong_here,
        )

    @property
    def connected(self) -> int:
        return sum(learner.connected for learner in self.learners.values())

    def where(self) -> list[LessonPlace]:
        """Connected learners per step, for every lesson of the chapter (in
        order) and any other lesson someone is in."""
        sizes: dict[str, int] = {lid: len(lesson.steps) for lid, lesson in self.lessons.items()}
        counts: dict[str, dict[int, int]] = {lid: {} for lid in sizes}
        for learner in self.learners.values():
            if not learner.connected or learner.lesson is None or learner.index is None:
                continue
            lid = learner.lesson
            sizes[lid] = max(sizes.get(lid, 0), learner.steps or 0, learner.index + 1)
            per_step = counts.setdefault(lid, {})
            per_step[learner.index] = per_step.get(learner.index, 0) + 1
        return [LessonPlace(lid, tuple(counts[lid].get(i, 0) for i in range(sizes[lid]))) for lid in counts]

    def question_ids(self) -> list[tuple[str, str]]:
        """(lesson, question) of every question in the chapter, in order,
        then any other question the class answered."""
        out = [(lid, step.id) for lid, lesson in self.lessons.items()
               for step in lesson.steps if step.question is not None]
        known = set(out)
        extra = sorted({key for learner in self.learners.values() for key in learner.questions} - known)
        return out + extra

    def question(self, lesson: str, question: str) -> QuestionStats:
        right = wrong = not_yet = revealed = 0
        given: dict[str, int] = {}
        for learner in self.learners.values():
            tally = learner.questions.get((lesson, question))
            if tally is None or (tally.tries == 0 and not tally.solved):
                not_yet += 1
            elif tally.solved:
                right += 1
            else:
                wrong += 1
            if tally is not None:
                revealed += tally.revealed and not tally.solved
                for answer in tally.wrong_answers:
                    given[answer] = given.get(answer, 0) + 1
        ranked = sorted(given.items(), key=lambda item: (-item[1], item[0]))
        return QuestionStats(lesson, question, right, wrong, not_yet, revealed, tuple(ranked))

    # ------------------------------------------------------------- helpers

    def _learner(self, name: str) -> LearnerState:
        learner = self.learners.get(name)
        if learner is None:
            learner = self.learners[name] = LearnerState(name)
        return learner

    def _step_id(self, lesson_id: str, index: int) -> str | None:
        lesson = self.lessons.get(lesson_id)
        if lesson is None or not 0 <= index < len(lesson.steps):
            return None
        return lesson.steps[index].id

    def _question(self, lesson_id: str, question_id: str) -> Any:
        lesson = self.lessons.get(lesson_id)
        step = next((s for s in lesson.steps if s.id == question_id), None) if lesson is not None else None
        return step.question if step is not None else None


_EVENTS = {"join", "leave", "step", "answer", "hint", "key"}


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
