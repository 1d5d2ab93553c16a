"""The instructor console's model (tutor.classroom): answers normalised the way
the checker reads them, the class built from the store and the link's
events, the roster, where the class is, and what it answered."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tutor.classroom import ClassState, normalised_answer
from tutor.lesson import load_lessons
from tutor.progress import FILE_NAME, ProgressStore

LESSONS = load_lessons(None)
BY_ID = {lesson.id: lesson for lesson in LESSONS}
BY_ID = {lesson.id: lesson for lesson in LESSONS}


def _question(lesson_id: str, step_id: str):
    return next(s for s in BY_ID[lesson_id].steps if s.id == step_id).question


SHAPE = _question("practice", "shape")
NUMBER = _question("practice", "slope")
CHOICE = _question("practice", "convex")
ORDER = _question("practice", "order")
SIGN = _question("slope", "checkpoint")


# ------------------------------------------------------------ normalised_answer


@pytest.mark.parametrize("typed", ["8x16", "8, 16", "(8, 16)", "8 by 16", "8 por 16", "torch.Size([8, 16])",
                                   " 8 X 16 ", "[8,16]", "8×16"])
def test_shapes_written_any_way_are_one_answer(typed):
    assert normalised_answer(SHAPE, typed, "en") == "8, 16"


def test_shape_order_and_scalars_stay_apart():
    assert normalised_answer(SHAPE, "16x8", "en") == "16, 8"
    assert normalised_answer(SHAPE, "scalar", "en") == "()" == normalised_answer(SHAPE, "()", "pt")
    assert normalised_answer(SHAPE, "(8,)", "en") == "8"


@pytest.mark.parametrize("typed, want", [("0,5", "0.5"), ("0.5", "0.5"), ("1/2", "0.5"), (".50", "0.5"),
                                         ("-0", "0"), ("1e-3", "0.001"), ("16", "16"), ("16.0", "16")])
def test_numbers_as_the_checker_reads_them(typed, want):
    assert normalised_answer(NUMBER, typed, "pt") == want


def test_choice_sign_and_order():
    key = CHOICE.options[1].key
    assert normalised_answer(CHOICE, key.upper(), "en") == key
    assert normalised_answer(CHOICE, "2", "en") == key  # the option's number
    assert normalised_answer(CHOICE, f"({key})", "en") == key
    assert normalised_answer(SIGN, "negativo", "pt") == "-" == normalised_answer(SIGN, "-3", "en")
    assert normalised_answer(SIGN, "+", "en") == "+"
    assert normalised_answer(ORDER, "L3 -> L2 -> L1 -> L0", "en") == "3, 2, 1, 0"
    assert normalised_answer(ORDER, "3 2 1 0", "en") == "3, 2, 1, 0"


def test_text_the_checker_cannot_read_is_kept_plain():
    assert normalised_answer(SHAPE, "  Eight   BY sixteen ", "en") == "eight by sixteen"
    assert normalised_answer(NUMBER, "", "en") == ""
    assert normalised_answer(SimpleNamespace(kind="code"), "X = 1", "en") == "x = 1"
    assert normalised_answer(None, "Hello", "en") == "hello"
    huge = "9" * 10_000_000
    assert len(normalised_answer(NUMBER, huge, "en")) <= 200


# ------------------------------------------------------------ events


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def ev(kind: str, learner: str, t: float, session: str | None = None, **fields):
    return {"event": kind, "learner": learner, "session": session or f"s-{learner}", "t": t, **fields}


def step(learner: str, t: float, lesson: str, index: int, **kw):
    steps = BY_ID[lesson].steps if lesson in BY_ID else None
    step_id = steps[index].id if steps else f"step{index}"
    return ev("step", learner, t, lesson=lesson, step=step_id, index=index, steps=len(steps) if steps else 9, **kw)


def answer(learner: str, t: float, lesson: str, question: str, verdict: str, text: str, tries: int = 1):
    return ev("answer", learner, t, lesson=lesson, step=question, question=question, verdict=verdict,
              answer=text, tries=tries)


def test_join_step_key_make_a_roster_row():
    clock = Clock()
    state = ClassState(LESSONS, clock=clock)
    assert state.roster() == []
    assert state.apply(ev("join", "ana", clock.now, lang="pt"))
    assert state.apply(step("ana", clock.now, "practice", 2))
    assert state.apply(ev("key", "ana", clock.now - 3))
    (row,) = state.roster()
    assert (row.learner, row.connected, row.lesson, row.step, row.index, row.steps) == \
        ("ana", True, "practice", "shape", 2, len(BY_ID["practice"].steps))
    assert row.key_age == pytest.approx(3.0)
    assert (row.right, row.tried, row.hints, row.stuck) == (0, 0, 0, None)
    assert state.apply(ev("leave", "ana", clock.now))
    (row,) = state.roster()
    assert row.connected is False and row.lesson == "practice"  # where they left


def test_two_sessions_of_one_learner_stay_connected_until_both_leave():
    state = ClassState(LESSONS, clock=Clock())
    state.apply(ev("join", "ana", 1, session="a1"))
    state.apply(ev("join", "ana", 2, session="a2"))
    state.apply(ev("leave", "ana", 3, session="a1"))
    assert state.roster()[0].connected
    state.apply(ev("leave", "ana", 4, session="a2"))
    assert not state.roster()[0].connected


@pytest.mark.parametrize("bad", [
    None, "join", [], {}, {"event": "join"},
    {"event": "join", "learner": "", "session": "s", "t": 1},
    {"event": "join", "learner": "ana", "session": "s", "t": "now"},
    {"event": "join", "learner": "ana", "session": "s", "t": float("nan")},
    {"event": "teleport", "learner": "ana", "session": "s", "t": 1},
    {"event": "__init__", "learner": "ana", "session": "s", "t": 1},
    {"event": "step", "learner": "ana", "session": "s", "t": 1, "lesson": "x", "step": "y", "index": 5, "steps": 5},
    {"event": "step", "learner": "ana", "session": "s", "t": 1, "lesson": "x", "step": "y", "index": True,
     "steps": 5},
    {"event": "answer", "learner": "ana", "session": "s", "t": 1, "lesson": "x", "question": "q",
     "verdict": "maybe", "answer": "1"},
    {"event": "hint", "learner": "ana", "session": "s", "t": 1, "lesson": "x", "question": "q", "hints": -1},
])
def test_events_that_do_not_fit_the_contract_change_nothing(bad):
    state = ClassState(LESSONS, clock=Clock())
    before = state.version
    assert state.apply(bad) is False
    assert state.ignored == 1 and state.version == before
    assert state.roster() == []


def test_stuck_by_time_and_by_three_wrong_tries():
    clock = Clock()
    state = ClassState(LESSONS, stuck_minutes=5, clock=clock)
    for name in ("ana", "bia", "caio"):
        state.apply(ev("join", name, clock.now))
        state.apply(step(name, clock.now, "practice", 2))
    clock.now += 4 * 60
    for n in range(3):
        state.apply(answer("bia", clock.now, "practice", "shape", "wrong", "16, 8", tries=n + 1))
    state.apply(answer("caio", clock.now, "practice", "shape", "wrong", "16, 8"))
    stuck = {row.learner: row.stuck for row in state.roster()}
    assert stuck == {"ana": None, "bia": "tries", "caio": None}
    clock.now += 2 * 60  # six minutes on the step
    stuck = {row.learner: row.stuck for row in state.roster()}
    assert stuck == {"ana": "time", "bia": "tries", "caio": "time"}
    state.apply(step("ana", clock.now, "practice", 3))  # moving on is not stuck
    state.apply(answer("bia", clock.now, "practice", "shape", "right", "8, 16", tries=4))
    state.apply(ev("leave", "caio", clock.now))  # nor is someone who left
    stuck = {row.learner: row.stuck for row in state.roster()}
    assert stuck == {"ana": None, "bia": "time", "caio": None}


def test_where_the_class_is_counts_connected_learners_per_step():
    state = ClassState(LESSONS, clock=Clock())
    for name, lesson, index in [("ana", "slope", 0), ("bia", "slope", 2), ("caio", "slope", 2),
                                ("dani", "practice", 7), ("edu", "slope", 4)]:
        state.apply(ev("join", name, 1))
        state.apply(step(name, 2, lesson, index))
    state.apply(ev("leave", "edu", 3))
    places = {place.lesson: place for place in state.where()}
    assert [p.lesson for p in state.where()] == [lesson.id for lesson in LESSONS]
    assert places["slope"].counts == (1, 0, 2, 0, 0) and places["slope"].total == 3
    assert places["practice"].counts == (0,) * 7 + (1,) + (0,) * (len(BY_ID["practice"].steps) - 8)
    assert places["sgd"].total == 0


def test_question_view_counts_right_wrong_not_yet_and_common_wrong_answers():
    state = ClassState(LESSONS, clock=Clock())
    for name in ("ana", "bia", "caio", "dani", "edu"):
        state.apply(ev("join", name, 1))
    # "8x16" and "8, 16" arrive normalised by the sessions: one answer
    state.apply(answer("ana", 2, "practice", "shape", "wrong", normalised_answer(SHAPE, "16x8")))
    state.apply(answer("ana", 3, "practice", "shape", "wrong", normalised_answer(SHAPE, "16, 8"), tries=2))
    state.apply(answer("bia", 2, "practice", "shape", "wrong", normalised_answer(SHAPE, "(16, 8)")))
    state.apply(answer("bia", 3, "practice", "shape", "right", normalised_answer(SHAPE, "8x16"), tries=2))
    state.apply(answer("caio", 2, "practice", "shape", "wrong", normalised_answer(SHAPE, "8")))
    state.apply(answer("dani", 2, "practice", "shape", "revealed", ""))
    stats = state.question("practice", "shape")
    assert (stats.right, stats.wrong, stats.not_yet, stats.revealed) == (1, 2, 2, 1)
    # learners who gave each wrong answer: ana twice counts once
    assert stats.wrong_answers == (("16, 8", 2), ("8", 1))
    assert ("practice", "shape") in state.question_ids()
    assert state.question_ids()[0] == ("slope", "checkpoint")


def test_hints_count_once_however_often_they_are_told():
    state = ClassState(LESSONS, clock=Clock())
    hint = ev("hint", "ana", 5, lesson="practice", step="shape", question="shape", hints=2)
    assert state.apply(hint) is True
    assert state.apply(hint) is False
    assert state.roster()[0].hints == 2


def test_sorting_by_every_column():
    clock = Clock()
    state = ClassState(LESSONS, clock=clock)
    state.apply(ev("join", "bia", clock.now))
    state.apply(step("bia", clock.now, "practice", 1))
    state.apply(ev("key", "bia", clock.now - 1))
    state.apply(ev("join", "Ana", clock.now))
    state.apply(step("Ana", clock.now, "slope", 3))
    state.apply(ev("key", "Ana", clock.now - 2))
    state.apply(answer("Ana", clock.now + 1, "slope", "checkpoint", "right", "+"))
    state.apply(step("caio", clock.now, "convexity", 4))  # never joined: not connected
    names = lambda key, reverse=False: [r.learner for r in state.roster(key, reverse)]  # noqa: E731
    assert names("learner") == ["Ana", "bia", "caio"]
    assert names("learner", True) == ["caio", "bia", "Ana"]
    assert names("connected") == ["Ana", "bia", "caio"]
    assert names("lesson") == ["Ana", "caio", "bia"]  # slope, convexity, practice: the chapter's order
    assert names("step") == ["bia", "Ana", "caio"]
    assert names("right", True) == ["Ana", "bia", "caio"]
    assert names("key") == ["bia", "Ana", "caio"]  # freshest first; no key known: last
    clock.now += 10 * 60
    assert names("stuck")[:2] == ["Ana", "bia"]  # connected and ten minutes on a step


# ------------------------------------------------------------ from the store


def test_from_store_holds_the_whole_class_and_live_events_add_to_it(tmp_path):
    path = tmp_path / FILE_NAME
    with ProgressStore(path, "ana") as ana:
        ana.set_position("practice", 2, 8)
        ana.record_hint("practice", "shape")
        ana.record_answer("practice", "shape", "16x8", False, normalised="16, 8")
        ana.record_answer("practice", "shape", "8x16", True, normalised="8, 16")
    with ProgressStore(path, "bia") as bia:
        bia.set_position("slope", 0, 5)
        bia.set_position("practice", 2, 8)
        bia.record_answer("practice", "shape", "16 by 8", False)  # before schema 2: no normalised form
        bia.record_reveal("practice", "shape")
    clock = Clock()
    with ProgressStore(path, "console") as store:
        state = ClassState.from_store(store, LESSONS, clock=clock)
    rows = {r.learner: r for r in state.roster()}
    assert set(rows) == {"ana", "bia"}
    assert (rows["ana"].right, rows["ana"].tried, rows["ana"].hints) == (1, 1, 1)
    assert (rows["bia"].lesson, rows["bia"].step, rows["bia"].connected) == ("practice", "shape", False)
    stats = state.question("practice", "shape")
    assert (stats.right, stats.wrong, stats.revealed) == (1, 1, 1)
    assert stats.wrong_answers == (("16, 8", 2),)  # bia's old row normalised with the lesson's question
    # an answer event older than the read is in the store already; a newer one is not
    state.apply(answer("bia", clock.now - 1, "practice", "shape", "wrong", "16, 8", tries=2))
    assert state.question("practice", "shape").wrong_answers == (("16, 8", 2),)
    assert state.roster()[1].tried == 1 and state.roster()[1].wrong_here == 1  # bia's one wrong try, once
    state.apply(answer("caio", clock.now + 1, "practice", "shape", "wrong", "8"))
    stats = state.question("practice", "shape")
    assert stats.wrong_answers == (("16, 8", 2), ("8", 1)) and stats.wrong == 2


def test_code_answers_are_counted_but_never_listed():
    lesson, step = next((lesson, s) for lesson in LESSONS for s in lesson.steps
                        if s.question is not None and s.question.kind == "code")
    state = ClassState(LESSONS, clock=Clock())
    state.apply(answer("ana", 1, lesson.id, step.id, "wrong", "x = w - lr * grad"))
    stats = state.question(lesson.id, step.id)
    assert (stats.wrong, stats.wrong_answers) == (1, ())
