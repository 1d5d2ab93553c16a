"""The menu's lesson table: the keys that move its cursor, a list longer
than the window, and the mouse, read from the screen as a learner sees it."""

from __future__ import annotations

import dataclasses
import re

import pytest

from screens import screen_text
from tutor.i18n import pick
from tutor.lesson import load_lessons
from tutor.ui.app import make_app

LESSONS = load_lessons(None)
SIZE = (80, 24)
ROW = re.compile(r"^\s*│\s*(>?)\s*(\d+)\s")


def rows(app) -> list[tuple[bool, int]]:
    """(is the cursor row, lesson number) for each lesson row on screen."""
    found = []
    for line in screen_text(app).splitlines():
        match = ROW.match(line)
        if match:
            found.append((match.group(1) == ">", int(match.group(2))))
    return found


def cursor(app) -> int:
    marked = [number for is_cursor, number in rows(app) if is_cursor]
    assert len(marked) == 1, rows(app)
    return marked[0]


def build(lessons, opened: list[str]):
    app = make_app(lessons=lessons, lang="en", learner="ana")
    app.open_lesson = opened.append  # what Enter chose, without starting torch
    return app


def many_lessons(n: int) -> list:
    base = LESSONS[0]
    return [dataclasses.replace(base, id=f"lesson-{i}", order=i,
                                title={"en": f"Lesson number {i}", "pt": f"Lição número {i}"})
            for i in range(1, n + 1)]


async def test_home_end_and_the_page_keys_move_the_cursor_and_the_summary():
    opened: list[str] = []
    app = build(LESSONS, opened)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert cursor(app) == 1
        await pilot.press("end")
        await pilot.pause()
        assert cursor(app) == len(LESSONS)
        assert pick(LESSONS[-1].summary, "en") in screen_text(app)
        await pilot.press("down")  # already on the last: stays
        await pilot.pause()
        assert cursor(app) == len(LESSONS)
        await pilot.press("home", "down", "down")
        await pilot.pause()
        assert cursor(app) == 3
        assert pick(LESSONS[2].summary, "en") in screen_text(app)
        await pilot.press("pagedown", "up", "enter")
        await pilot.pause()
        assert opened == [LESSONS[-2].id]


async def test_a_list_longer_than_the_window_scrolls_with_the_cursor_under_its_header():
    lessons = many_lessons(30)
    opened: list[str] = []
    app = build(lessons, opened)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        first = rows(app)
        assert first[0] == (True, 1) and len(first) < 30  # only what fits
        await pilot.press(*["down"] * 25)
        await pilot.pause()
        text = screen_text(app)
        assert cursor(app) == 26
        assert "Lesson number 26" in text and "Lesson number 1 " not in text
        assert re.search(r"│\s+#\s+Lesson\s+Status", text)  # the header stayed
        await pilot.press("end")
        await pilot.pause()
        assert rows(app)[-1] == (True, 30)
        await pilot.press("home", "enter")
        await pilot.pause()
        assert rows(app)[0] == (True, 1)
        assert opened == ["lesson-1"]


async def test_a_click_moves_the_cursor_and_a_click_on_it_opens_the_lesson():
    opened: list[str] = []
    app = build(LESSONS, opened)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.screen.query_one("#lessons")
        third = next(i for i, line in enumerate(screen_text(app).splitlines()) if ROW.match(line)
                     and int(ROW.match(line).group(2)) == 3)
        y = third - table.region.y
        await pilot.click("#lessons", offset=(10, y))
        await pilot.pause()
        assert cursor(app) == 3 and opened == []
        await pilot.click("#lessons", offset=(10, y))
        await pilot.pause()
        assert opened == [LESSONS[2].id]


@pytest.mark.parametrize("lang", ["en", "pt"])
async def test_a_title_too_long_for_the_table_ends_on_a_whole_word_and_reads_whole_below(lang):
    # 80 columns hold the other columns at their widest ("* concluída") and
    # what is left of each title: a cut title ends after a whole word of it,
    # and the lesson under the cursor shows its whole title above its summary.
    app = make_app(lessons=LESSONS, lang=lang, learner="ana")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        lines = screen_text(app).splitlines()
        table = [line for line in lines if ROW.match(line)]
        assert len(table) == len(LESSONS)
        assert len({line.rindex("│") for line in table}) == 1  # no row runs past the border
        cut = 0
        for line, lesson in zip(table, LESSONS):
            title = pick(lesson.title, lang)
            shown = re.split(r"\s{2,}", line.split("│")[1].strip())[1]
            if shown != title:
                cut += 1
                assert shown.endswith("…")
                kept = shown[:-1]
                assert title.startswith(kept) and title[len(kept)] == " ", (shown, title)
        assert cut  # the chapter has titles longer than 80 columns leave
        for row, lesson in enumerate(LESSONS):
            title = pick(lesson.title, lang)
            await pilot.press("home", *["down"] * row)
            await pilot.pause()
            below = " ".join(screen_text(app).split("╯", 1)[1].split())  # as read, lines joined
            row_line = next(line for line in screen_text(app).splitlines() if ROW.match(line)
                            and ROW.match(line).group(1))
            assert pick(lesson.summary, lang) in below
            assert (title in below) == (title not in row_line), (title, row_line)
