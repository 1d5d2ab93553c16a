"""The menu tells a learner where they are (issue 10 §7): a headed score
column, "started" and "done" as `tutor progress` says them, the next lesson
offered at the end of one, and a learning rate kept with their progress."""

from __future__ import annotations

import argparse
import io

import pytest

from screens import screen_text
from test_app import BY_ID, LESSONS, SIZE, build, ready, settle, status_text, step_label
from tutor import progress_cmd
from tutor.i18n import pick
from tutor.progress import ProgressStore
from tutor.ui.screens.lesson import LessonScreen


@pytest.fixture
def store(tmp_path):
    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    yield store
    store.close()


def _menu_rows(app) -> dict[str, list[str]]:
    """Lesson id -> the menu row's cells (split on runs of two spaces)."""
    out = {}
    for line in screen_text(app).splitlines():
        for lesson in LESSONS:
            if pick(lesson.title, "en")[:20] in line:
                cells = [c.strip(" │>") for c in line.strip(" │").split("  ") if c.strip(" │>")]
                out[lesson.id] = cells
    return out


async def test_the_score_has_its_own_headed_column(store):
    store.set_position("slope", 4, 5)
    store.record_answer("slope", "checkpoint", "-", True)
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        header = next(line for line in screen_text(app).splitlines() if "Lesson" in line and "Status" in line)
        assert "Questions" in header and "Score" in header
        score_at = header.index("Score")
        row = next(line for line in screen_text(app).splitlines() if "derivative is a slope" in line)
        assert row[score_at:score_at + 4] == "100%"
        assert "1/1" in row[:score_at]


async def test_menu_and_progress_command_say_the_same_status(store, tmp_path):
    """new, started (a step moved, a hint taken) and done, in the menu and
    in `tutor progress`, from the same learner's store."""
    slope, convexity = BY_ID["slope"], BY_ID["convexity"]
    store.set_position("slope", len(slope.steps) - 1, len(slope.steps))
    for step in slope.steps:
        if step.question is not None:
            store.record_reveal("slope", step.id)
    store.set_position("convexity", 1, len(convexity.steps))
    app = build(store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        rows = _menu_rows(app)
    args = argparse.Namespace(lang="en", learner="ana", data_dir=str(store.path.parent), lessons=None,
                              reset=False, yes=False)
    out = io.StringIO()
    assert progress_cmd.main(args, stdin=io.StringIO(), stdout=out, stderr=io.StringIO()) == 0
    table = {line.split()[1]: line for line in out.getvalue().splitlines() if len(line.split()) > 1}
    for lesson_id, expected in (("slope", "done"), ("convexity", "started"), ("training", "new")):
        assert expected in rows[lesson_id][2], rows[lesson_id]
        assert f" {expected} " in table[lesson_id], table[lesson_id]


async def test_n_at_the_end_of_a_lesson_offers_the_next_one(store):
    slope = BY_ID["slope"]
    store.set_position("slope", len(slope.steps) - 1, len(slope.steps))
    app = build(store, start="slope")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        await pilot.press("n")
        await pilot.pause()
        following = LESSONS[1]
        assert "n again: next lesson" in status_text(app)
        assert app.screen.lesson.id == "slope"
        await pilot.press("n")
        await ready(app, pilot)
        assert isinstance(app.screen, LessonScreen) and app.screen.lesson.id == following.id
        assert len(app.screen_stack) == 2
        assert step_label("en", 1, len(following.steps)) in status_text(app)


async def test_the_learning_rate_a_learner_set_is_kept(store, tmp_path):
    app = build(store, start="practice")
    async with app.run_test(size=SIZE) as pilot:
        await ready(app, pilot)
        assert "lr = 0.1" in status_text(app)
        await pilot.press("plus")
        await ready(app, pilot)
        assert "lr = 1" in status_text(app)
    # a new session, the same learner: the same learning rate, and the
    # numbers computed with it
    again = ProgressStore(store.path, "ana")
    try:
        app = build(again, start="practice")
        async with app.run_test(size=SIZE) as pilot:
            await ready(app, pilot)
            assert "lr = 1" in status_text(app)
            assert app.screen.holder.run.param_values["lr"] == 1.0
    finally:
        again.close()
    assert ProgressStore(store.path, "bob").params("practice") == {}
