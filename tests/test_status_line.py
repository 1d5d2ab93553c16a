"""The status line keeps the lesson's title whole when a note shows (issue
10 §3: "Convex ~" to make room for "This is the first step.")."""

from __future__ import annotations

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
