"""The status line keeps the lesson's title whole when a note shows (issue
10 §3: "Convex ~" to make room for "This is the first step.")."""

from __future__ import annotations

import re

import pytest

from test_app import BY_ID, build, ready, status_text
from tutor.i18n import pick
from tutor.progress import ProgressStore
from tutor.ui.strings import STRINGS


@pytest.fixture
def store(tmp_path):
    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    yield store
    store.close()


@pytest.mark.parametrize("lang", ["en", "pt"])
@pytest.mark.parametrize("lesson_id", ["convexity", "backprop-pytorch", "practice"])
async def test_a_note_never_cuts_the_lesson_title(store, lesson_id, lang):
    lesson = BY_ID[lesson_id]
    app = build(store, lang=lang, start=lesson_id)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        before = status_text(app)
        title = pick(lesson.title, lang)
        await pilot.press("p")  # on the first step: a note
        await pilot.pause()
        line = status_text(app)
        note = STRINGS.get("first_step", lang)
        assert note in line
        if title in before:  # whole without a note: whole with one
            assert title in line, line


async def test_the_portuguese_line_writes_its_numbers_as_prose_and_cuts_the_title_at_a_word(store):
    """Lesson 6's long Portuguese title beside `lr` and the loss: the numbers
    take the decimal comma (the glossary's "lr = 0,1"), and the title ends
    in a whole word, not in "do mo…"."""
    lesson = BY_ID["manual-update"]
    index = next(i for i, step in enumerate(lesson.steps) if step.id == "every-layer")
    store.set_position(lesson.id, index, len(lesson.steps))
    app = build(store, lang="pt", start=lesson.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        line = status_text(app)
    title = pick(lesson.title, "pt")
    assert "lr = 0,001" in line and re.search(r"perda \d+,\d{4}", line), line
    cut = line.split(" | ")[0].strip()
    assert cut.endswith("…") and title.startswith(cut[:-1]), line
    assert title[len(cut) - 1] == " ", line  # the cut falls between words


async def test_the_line_is_drawn_again_at_a_new_width(store):
    """The line is drawn once and kept until its text, width or colours
    change (tutor/ui/widgets/text_line.py): widened, the title cut at 80
    columns shows whole; narrowed again, it is cut again."""
    lesson = BY_ID["manual-update"]
    index = next(i for i, step in enumerate(lesson.steps) if step.id == "every-layer")
    store.set_position(lesson.id, index, len(lesson.steps))
    app = build(store, lang="pt", start=lesson.id)
    title = pick(lesson.title, "pt")
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        cut = status_text(app)
        assert title not in cut and "…" in cut, cut
        await pilot.resize_terminal(140, 30)
        await pilot.pause()
        assert title in status_text(app)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert status_text(app) == cut



LESSONS = list(BY_ID.values())


@pytest.mark.parametrize("lang", ["en", "pt"])
@pytest.mark.parametrize("lesson_id", [lesson.id for lesson in LESSONS[:-1]])
async def test_the_end_of_a_lesson_says_what_n_does_next(store, lesson_id, lang):
    """At a lesson's last step `n` offers the next lesson in the status line.
    That note is what the learner must read then, and it rarely fits beside
    a long title: the title gives way (cut at a word, or left out) and only
    the next lesson's title at the note's end may be cut (lesson 7's
    Portuguese line read "... | passo 6/6  lr = 0,1  Fim da lição. n …").
    With the note gone, the line is as it was."""
    lesson = BY_ID[lesson_id]
    following = LESSONS[LESSONS.index(lesson) + 1]
    store.set_position(lesson.id, len(lesson.steps) - 1, len(lesson.steps))
    app = build(store, lang=lang, start=lesson.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await ready(app, pilot)
        before = status_text(app)
        await pilot.press("n")
        await pilot.pause()
        line = status_text(app).rstrip()
        title = pick(following.title, lang)
        note = STRINGS.get("next_lesson", lang).format(title=title)
        says = note[: -len(title)]  # "End of the lesson. n again: next lesson, "
        assert says in line, line
        shown = line[line.index(says) + len(says) :]
        assert shown == title or (shown.endswith("…") and title.startswith(shown[:-1])), line
        app.screen.query_one("#status").clear_note()
        await pilot.pause()
        assert status_text(app) == before
