"""The instructor console, driven by keys against an in-memory class link
(tutor.ui.console.memory_link.MemoryLink, the shape of the server's link):
what the instructor sees of the class, and the commands each key sends."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from textual import events

from tutor.classroom import normalised_answer
from tutor.lesson import load_lessons
from tutor.progress import FILE_NAME, ProgressStore
from tutor.progress_cmd import class_rows, write_csv
from tutor.ui.app import make_app
from tutor.ui.console.app import ConsoleApp
from tutor.ui.console.dialogs import ConfirmScreen, MessageScreen, one_line
from tutor.ui.console.memory_link import MemoryLink
from tutor.ui.console.question_view import QuestionView
from tutor.ui.console.roster import RosterTable, age_text
from tutor.ui.console.where import bar_line

LESSONS = load_lessons(None)
BY_ID = {lesson.id: lesson for lesson in LESSONS}
SIZE = (80, 24)
NOW = 1_800_000_000.0
PRACTICE = len(BY_ID["practice"].steps)  # steps
QUESTIONS = sum(s.question is not None for s in BY_ID["practice"].steps)


def clock() -> float:
    return NOW


def ev(kind: str, learner: str, t: float = NOW, **fields) -> dict:
    return {"event": kind, "learner": learner, "session": f"s-{learner}", "t": t, **fields}


def step_ev(learner: str, lesson: str, index: int, t: float = NOW) -> dict:
    steps = BY_ID[lesson].steps
    return ev("step", learner, t, lesson=lesson, step=steps[index].id, index=index, steps=len(steps))


def answer_ev(learner: str, lesson: str, question: str, verdict: str, typed: str, t: float = NOW + 1) -> dict:
    q = next(s for s in BY_ID[lesson].steps if s.id == question).question
    return ev("answer", learner, t, lesson=lesson, step=question, question=question, verdict=verdict,
              answer=normalised_answer(q, typed, "en"), tries=1)


def console(tmp_path: Path, lang: str = "en") -> tuple[ConsoleApp, MemoryLink]:
    link = MemoryLink("Prof. Ana", store_path=tmp_path / FILE_NAME)
    return ConsoleApp(link, lang=lang, lessons=LESSONS, clock=clock), link


async def caught_up(app: ConsoleApp, pilot) -> None:
    """The store read, every pushed event taken in, the screen redrawn."""
    for _ in range(200):
        await pilot.pause(0.01)
        if app.store_loaded.is_set() and app.link._queue.empty():
            break
    await pilot.pause(0.3)  # one refresh tick and its frame
    busy = [w for w in app.workers if w.group != "link"]  # sends, the CSV (never the link: it waits for events)
    if busy:
        await app.workers.wait_for_complete(busy)
    await pilot.pause()


def roster_rows(app: ConsoleApp) -> list[tuple[str, ...]]:
    return app.screen.query_one(RosterTable).cell_texts()


def screen_text(app: ConsoleApp) -> str:
    """The screen as the terminal shows it, one line per row."""
    update = app.screen._compositor.render_update(full=True, screen_stack=app._background_screens)
    return "\n".join("".join(seg.text for seg in strip) for strip in update.strips)


# ---------------------------------------------------------------- the roster


async def test_the_roster_shows_a_learner_after_join_and_step(tmp_path):
    app, link = console(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await caught_up(app, pilot)
        assert roster_rows(app) == []
        link.push(ev("join", "bia", lang="pt"))
        link.push(step_ev("bia", "practice", 2))
        link.push(ev("key", "bia", NOW - 4))
        await caught_up(app, pilot)
        assert roster_rows(app) == [("bia", "●", "practice", f"3/{PRACTICE}", "0/0", "0", "4s", "")]
        text = screen_text(app)
        assert "Prof. Ana · 1 of 1 learner(s) connected" in text
        assert "practice" in text and f"3/{PRACTICE}" in text
        link.push(ev("leave", "bia"))
        await caught_up(app, pilot)
        assert roster_rows(app)[0][:2] == ("bia", "·")
        assert "0 of 1 learner(s) connected" in screen_text(app)


async def test_an_event_shows_within_a_second(tmp_path):
    """The roster redraws on a timer (batched), never later than a second."""
    app, link = console(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await caught_up(app, pilot)
        link.push(ev("join", "caio"))
        link.push(step_ev("caio", "slope", 1))
        for _ in range(10):
            await pilot.pause(0.1)
            if roster_rows(app):
                break
        assert roster_rows(app) and roster_rows(app)[0][0] == "caio"


async def test_sorting_by_a_column_key_and_again_reverses(tmp_path):
    app, link = console(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        for name, lesson, index, key_age in [("bia", "practice", 1, 50), ("ana", "slope", 3, 2),
                                             ("caio", "convexity", 0, 20)]:
            link.push(ev("join", name))
            link.push(step_ev(name, lesson, index))
            link.push(ev("key", name, NOW - key_age))
        await caught_up(app, pilot)
        names = lambda: [row[0] for row in roster_rows(app)]  # noqa: E731
        assert names() == ["ana", "bia", "caio"]
        await pilot.press("1")  # the learner column again: descending
        await caught_up(app, pilot)
        assert names() == ["caio", "bia", "ana"]
        assert "Learner ▼" in screen_text(app)
        await pilot.press("3")  # lesson, in the chapter's order
        await caught_up(app, pilot)
        assert names() == ["ana", "caio", "bia"]
        await pilot.press("7")  # the last key's age, freshest first
        await caught_up(app, pilot)
        assert names() == ["ana", "caio", "bia"]
        await pilot.press("7")
        await caught_up(app, pilot)
        assert names() == ["bia", "caio", "ana"]
        assert "Sorted by Key, descending." in screen_text(app)


# ---------------------------------------------------------------- the question view


async def _to_question(app, pilot, lesson: str, question: str) -> None:
    ids = app.state.question_ids()
    app.screen.selected = ids.index((lesson, question))
    await pilot.press("right_square_bracket", "left_square_bracket")  # through the keys, and back
    await caught_up(app, pilot)


async def test_a_wrong_answer_shows_in_the_question_view_with_its_count(tmp_path):
    app, link = console(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        for name in ("ana", "bia", "caio", "dani"):
            link.push(ev("join", name))
            link.push(step_ev(name, "practice", 2))
        link.push(answer_ev("ana", "practice", "shape", "wrong", "8x16"))
        link.push(answer_ev("bia", "practice", "shape", "wrong", "8, 16"))
        link.push(answer_ev("caio", "practice", "shape", "wrong", "4"))
        link.push(answer_ev("caio", "practice", "shape", "right", "16x8"))
        await caught_up(app, pilot)
        await _to_question(app, pilot, "practice", "shape")
        view = app.screen.query_one(QuestionView)
        text = screen_text(app)
        assert "Question" in str(view.border_title) and "practice · shape" in str(view.border_title)
        assert "right 1 · wrong 2 · not yet 1" in text
        lines = [line for line in text.splitlines() if "learner(s)" in line and "connected" not in line]
        assert "8, 16" in lines[0] and "2 learner(s)" in lines[0]  # "8x16" and "8, 16": one answer
        assert "4" in lines[1] and "1 learner(s)" in lines[1]
        assert "8x16" not in text


async def test_the_question_view_starts_from_the_store(tmp_path):
    """A console opened later shows what the class answered before it."""
    q = BY_ID["practice"].steps[2].question
    for name, typed in (("ana", "8x16"), ("bia", "8 by 16")):
        with ProgressStore(tmp_path / FILE_NAME, name) as store:
            store.set_position("practice", 2, PRACTICE)
            store.record_answer("practice", "shape", typed, False, normalised=normalised_answer(q, typed))
    app, _ = console(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await caught_up(app, pilot)
        await _to_question(app, pilot, "practice", "shape")
        text = screen_text(app)
        assert "right 0 · wrong 2 · not yet 0" in text
        assert "8, 16" in text and "2 learner(s)" in text
        assert [row[:3] for row in roster_rows(app)] == [("ana", "·", "practice"), ("bia", "·", "practice")]


# ---------------------------------------------------------------- actions


async def test_follow_me_asks_first_then_every_step_sends_follow(tmp_path):
    app, link = console(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await caught_up(app, pilot)
        await _to_question(app, pilot, "practice", "shape")
        await pilot.press("f")
        assert isinstance(app.screen, ConfirmScreen)
        assert f"practice, step 3 of {PRACTICE}" in app.screen.question
        await pilot.press("n")  # no: nothing sent, nothing changed
        await caught_up(app, pilot)
        assert link.sent == [] and app.screen.following is None
        await pilot.press("f", "y")
        await caught_up(app, pilot)
        assert link.sent == [{"command": "follow", "lesson": "practice", "index": 2, "instructor": "Prof. Ana"}]
        text = screen_text(app)
        assert f"Following you · practice · step 3/{PRACTICE}" in text
        assert BY_ID["practice"].steps[2].title["en"] in text  # the step, small
        await pilot.press("n", "n", "p")
        await caught_up(app, pilot)
        assert [c["index"] for c in link.sent] == [2, 3, 4, 3]
        assert {c["command"] for c in link.sent} == {"follow"}
        await pilot.press("f")  # already following: f does nothing
        await caught_up(app, pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        await pilot.press("r")
        await caught_up(app, pilot)
        assert link.sent[-1] == {"command": "free", "instructor": "Prof. Ana"}
        assert app.screen.query_one(QuestionView).display
        await pilot.press("n")  # freed: n no longer moves the class
        await caught_up(app, pilot)
        assert len(link.sent) == 5


async def test_follow_stops_at_the_lessons_ends(tmp_path):
    app, link = console(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await caught_up(app, pilot)
        await pilot.press("left_curly_bracket")  # the last lesson, from the first
        await _to_question(app, pilot, "practice", app.state.question_ids()[-1][1])  # its last question
        await pilot.press("f", "y")
        await caught_up(app, pilot)
        last = len(BY_ID["practice"].steps) - 1
        start = link.sent[0]["index"]
        await pilot.press(*["n"] * (last - start))
        await caught_up(app, pilot)
        assert [c["index"] for c in link.sent] == list(range(start, last + 1))
        await pilot.press("n")
        await caught_up(app, pilot)
        assert len(link.sent) == last - start + 1 and "last step" in screen_text(app)


async def test_message_goes_to_everyone_on_enter_and_esc_cancels(tmp_path):
    app, link = console(tmp_path, lang="pt")
    async with app.run_test(size=SIZE) as pilot:
        await caught_up(app, pilot)
        await pilot.press("m")
        assert isinstance(app.screen, MessageScreen)
        await pilot.press(*"oi", "escape")
        await caught_up(app, pilot)
        assert link.sent == []
        await pilot.press("m", *"Olhem o passo 3", "enter")
        await caught_up(app, pilot)
        assert link.sent == [{"command": "message", "text": "Olhem o passo 3", "instructor": "Prof. Ana"}]
        assert "Mensagem enviada" in screen_text(app)
        await pilot.press("m", "enter")  # empty: nothing sent
        await caught_up(app, pilot)
        assert len(link.sent) == 1


def test_a_message_is_one_line_of_at_most_200_characters():
    assert one_line("  a\nb\tc\x1b[31m d ") == "a b c [31m d"
    assert len(one_line("x" * 500)) == 200


async def test_ending_the_class_asks_first(tmp_path):
    app, link = console(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await caught_up(app, pilot)
        await pilot.press("e")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        await caught_up(app, pilot)
        assert link.sent == []
        await pilot.press("e", "y")
        await caught_up(app, pilot)
        assert link.sent == [{"command": "end", "instructor": "Prof. Ana"}]
        assert "class ended" in screen_text(app)


async def test_portuguese_confirms_with_s(tmp_path):
    app, link = console(tmp_path, lang="pt")
    async with app.run_test(size=SIZE) as pilot:
        await caught_up(app, pilot)
        await pilot.press("e")
        assert "Encerrar a aula?" in app.screen.question and "s sim · n não" in screen_text(app)
        await pilot.press("s")
        await caught_up(app, pilot)
        assert link.sent == [{"command": "end", "instructor": "Prof. Ana"}]


async def test_a_link_that_fails_to_send_is_said(tmp_path):
    app, link = console(tmp_path)

    async def refuse(command):
        raise ConnectionError("the server is gone")

    link.send = refuse  # type: ignore[method-assign]
    async with app.run_test(size=SIZE) as pilot:
        await caught_up(app, pilot)
        await pilot.press("r")
        await caught_up(app, pilot)
        assert "Could not send: the server is gone" in screen_text(app)


async def test_w_writes_the_same_csv_as_progress_all(tmp_path):
    with ProgressStore(tmp_path / FILE_NAME, "ana") as store:
        store.set_position("practice", 2, PRACTICE)
        store.record_hint("practice", "shape")
        store.record_answer("practice", "shape", "8x16", True, normalised="8, 16")
    app, _ = console(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await caught_up(app, pilot)
        await pilot.press("w")
        await caught_up(app, pilot)
        written = sorted(tmp_path.glob("class-*.csv"))
        assert len(written) == 1
        status = [line for line in screen_text(app).splitlines() if "CSV written" in line]
        assert status, screen_text(app)
        assert f"CSV written: {written[0].name} in /" in status[0]
    with ProgressStore(tmp_path / FILE_NAME, "x") as store:
        expected = io.StringIO()
        write_csv(class_rows(store.everyone(), LESSONS), expected)
    assert written[0].read_text() == expected.getvalue()
    assert list(csv.reader(io.StringIO(expected.getvalue())))[1][:7] == \
        ["ana", "practice", "3", str(PRACTICE), "1", str(QUESTIONS), "1"]
    assert written[0].stat().st_mode & 0o777 == 0o600


async def test_the_server_closing_the_link_is_said(tmp_path):
    app, link = console(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await caught_up(app, pilot)
        link.close()
        await caught_up(app, pilot)
        text = screen_text(app)
        assert "server gone" in text and "closed the class link" in text


async def test_bad_events_never_break_the_console(tmp_path):
    app, link = console(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        for bad in (None, "x", {"event": "step", "learner": "ana"}, {"event": "join", "learner": 3},
                    ev("step", "ana", lesson="practice", step="x", index=99, steps=8)):
            link.push(bad)  # type: ignore[arg-type]
        link.push(ev("join", "ana"))
        link.push(ev("join", "[b]x[/b]"))  # a name is text, never markup
        await caught_up(app, pilot)
        assert app.state.ignored == 5 and [row[0] for row in roster_rows(app)] == ["[b]x[/b]", "ana"]
        assert "[b]x[/b]" in screen_text(app)


# ---------------------------------------------------------------- pieces


def test_small_drawings():
    assert bar_line((0, 1, 4, 2), 4) == "·▂█▄"
    assert bar_line((0, 0), 0) == "··"
    assert [age_text(s) for s in (None, 0, 59.9, 60, 3599, 7200)] == ["-", "0s", "59s", "1m", "59m", "2h"]


# ---------------------------------------------------------------- the learner app's side


async def test_the_learner_app_stores_the_normalised_answer(tmp_path):
    lesson = BY_ID["practice"]
    index = next(i for i, s in enumerate(lesson.steps) if s.id == "shape")
    store = ProgressStore(tmp_path / FILE_NAME, "ana")
    store.set_position("practice", index, len(lesson.steps))
    app = make_app(lessons=LESSONS, lang="en", seed=0, learner="ana", store=store, start_lesson="practice")
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(300):
            await pilot.pause(0.05)
            await app.workers.wait_for_complete()
            if app.torch_ready and not getattr(app.screen, "busy", True):
                break
        await pilot.press("a", *"(8 by 16)", "enter")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
    attempts = store.question("practice", "shape").attempts
    store.close()
    assert [(a.answer, a.normalised) for a in attempts] == [("(8 by 16)", "8, 16")]


async def test_a_message_typed_in_one_burst_is_sent_as_typed(tmp_path):
    """Keys in one packet (SSH, a fast typist): the Backspace takes the
    letter before it and Enter sends what was typed before it."""
    app, link = console(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await caught_up(app, pilot)
        await pilot.press("m")
        assert isinstance(app.screen, MessageScreen)
        for key in [*"step 4", "backspace", "3", "enter", *"ab"]:
            event = events.Key(key, key if len(key) == 1 else None)
            event.set_sender(app)
            app._driver.send_message(event)  # queued together, no pause between them
        await caught_up(app, pilot)
        assert [m["text"] for m in link.sent] == ["step 3"]
