"""Start-up: the menu is the first frame, and what it does not show waits.

`python -m tutor` opens the progress store after the first frame (through
`make_app(open_store=...)`) and imports the help and lesson screens when
they are first needed. These tests hold the store back to look at the menu
before it arrives, then check that the learner's place still shows, that a
lesson asked for early starts where the learner left it, and that a store
that cannot be opened still ends the tutor with the reason and exit code 2.
"""

from __future__ import annotations

import fcntl
import gc
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import threading
import time
from pathlib import Path

import pytest

from test_app import screen_text, settle, status_text, step_label
from tutor.lesson import LessonError, LessonLoadError, load_lessons
from tutor.lesson.chapter import Chapter, MenuEntry
from tutor.progress import ProgressError, ProgressStore
from tutor.ui.app import make_app
from tutor.ui.strings import STRINGS

ROOT = Path(__file__).resolve().parents[1]
LESSONS = load_lessons(None)
SIZE = (80, 24)


def _learner_in_lesson_two(path: Path, step: int) -> None:
    with ProgressStore(path, "ana") as store:
        lesson = LESSONS[1]
        store.set_position(lesson.id, step, len(lesson.steps))


@pytest.fixture
def held_back(tmp_path):
    """(path, open_store, release): an `open_store` for the store at `path`
    that waits until the test sets `release`. Afterwards it is released and
    every store it opened is closed."""
    path = tmp_path / "progress.sqlite3"
    release = threading.Event()
    opened: list[ProgressStore] = []

    def open_store() -> ProgressStore:
        release.wait(30)
        store = ProgressStore(path, "ana")
        opened.append(store)
        return store

    yield path, open_store, release
    release.set()
    for store in opened:
        store.close()


async def test_first_frame_is_the_menu_and_the_store_fills_it_in(held_back):
    path, open_store, release = held_back
    _learner_in_lesson_two(path, 2)
    app = make_app(lessons=LESSONS, lang="en", learner="ana", open_store=open_store)
    m = len(LESSONS[1].steps)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        before = screen_text(app)
        # the real menu, every title, before the store is open
        assert "Derivatives" in before
        for lesson in LESSONS:
            assert lesson.title["en"][:20] in before
        assert f"3/{m}" not in before
        assert "> 1" in before

        release.set()
        await settle(app, pilot)
        after = screen_text(app)
        assert f"3/{m}" in after  # the learner's place in lesson 2
        assert "> 2" in after  # the cursor on the lesson they were last in
        await pilot.press("enter")
        await settle(app, pilot)
        assert step_label("en", 3, m) in status_text(app)


async def test_a_lesson_asked_for_before_the_store_opens_starts_at_the_stored_step(held_back):
    path, open_store, release = held_back
    _learner_in_lesson_two(path, 3)
    app = make_app(lessons=LESSONS, lang="en", learner="ana", open_store=open_store,
                   start_lesson=LESSONS[1].id)
    m = len(LESSONS[1].steps)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.id == "menu"  # waiting for the store, not at step 1
        release.set()
        await settle(app, pilot)
        assert step_label("en", 4, m) in status_text(app)


async def test_a_store_that_cannot_be_opened_ends_the_tutor_with_exit_2():
    def open_store():
        raise ProgressError("the folder /nowhere cannot be created")

    app = make_app(lessons=LESSONS, lang="pt", learner="ana", open_store=open_store)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app.return_code == 2


def test_a_bad_learner_name_on_the_command_line_is_one_clear_error_and_exit_2(tmp_path):
    """Through a real terminal, as a learner would type it."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = dict(os.environ, TUTOR_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT), TERM="xterm-256color",
               LANG="C.UTF-8", LC_ALL="C.UTF-8")
    proc = subprocess.Popen([sys.executable, "-m", "tutor", "--lang", "en", "--learner", "   "],
                            stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, start_new_session=True)
    os.close(slave)
    output = bytearray()
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 60)
            if not ready:
                break
            try:
                data = os.read(master, 65536)
            except OSError:  # the child closed the terminal
                break
            if not data:
                break
            output += data
        code = proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    assert code == 2
    text = output.decode("utf-8", "replace")
    assert STRINGS.get("err_store", "en", error="")[:-1].strip() in text
    assert "Traceback" not in text


def test_the_menu_needs_neither_torch_nor_the_store_nor_the_other_screens(tmp_path):
    """What `python -m tutor` imports before its first frame, once the
    lessons are in the lesson cache: no torch, no progress store, no other
    screen, no TOML parser or lesson validator, no server, no DataTable or
    Footer (the menu draws its own table and key line), and none of what
    only a lesson draws with (Markdown, Pygments, plotext, numpy). Nor the
    lessons themselves: the menu is drawn from the cache's menu index, and
    neither the lesson classes (model, code_question) are imported nor the
    lessons decoded before the first frame. The app runs to its first frame
    (compose and mount included), headless."""
    env = dict(os.environ, TUTOR_CACHE_DIR=str(tmp_path / "cache"))
    fill = subprocess.run([sys.executable, "-c", "from tutor.lesson import load_lessons; load_lessons()"],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=60)
    assert fill.returncode == 0, fill.stderr
    code = (
        "import asyncio, sys, tutor.cli, tutor.ui.app\n"
        "tutor.cli.parse_args(['--lang', 'en'])\n"
        "from tutor.lesson import open_chapter\n"
        "app = tutor.ui.app.make_app(lessons=open_chapter(), lang='en', open_store=lambda: None)\n"
        "at_first_frame = []\n"
        "def on_ready(self):  # the first frame is drawn; nothing after it starts\n"
        "    at_first_frame.extend(sys.modules)\n"
        "    if self.chapter.loaded:\n"
        "        at_first_frame.append('(the lessons, decoded)')\n"
        "    self.exit()\n"
        "tutor.ui.app.TutorApp.on_ready = on_ready\n"
        "asyncio.run(app.run_async(headless=True, size=(80, 24)))\n"
        "assert 'tutor.ui.screens.menu' in at_first_frame\n"
        "late = ['torch', 'sqlite3', 'tutor.progress', 'tutor.runner', 'tutor.ui.screens.lesson',\n"
        "        'tutor.ui.screens.help', 'rich.markdown', 'rich.syntax', 'tomllib', 'tutor.lesson.check',\n"
        "        'tutor.serve', 'textual.widgets._data_table', 'textual.widgets._footer',\n"
        "        'textual.widgets._markdown', 'markdown_it', 'pygments', 'plotext', 'textual_plotext', 'numpy',\n"
        "        'tutor.lesson.model', 'tutor.lesson.code_question', 'tutor.lesson.errors', 'argparse',\n"
        "        '(the lessons, decoded)']\n"
        "print(' '.join(name for name in late if name in at_first_frame))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == []


async def test_the_menus_first_frame_parses_only_the_menus_stylesheet(monkeypatch):
    """The other screens' rules (screens.tcss, three quarters of the
    stylesheet) are parsed after the menu's first frame, while the learner
    reads it, and a lesson opened then is laid out by them."""
    from tutor.ui import app as app_module

    screens_css = os.path.abspath(app_module.SCREENS_CSS)
    at_first_frame = []
    on_ready = app_module.TutorApp.on_ready

    def watching_on_ready(self):
        at_first_frame.append(self.stylesheet.has_source(screens_css))
        on_ready(self)

    monkeypatch.setattr(app_module.TutorApp, "on_ready", watching_on_ready)
    app = make_app(lessons=LESSONS, lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert at_first_frame == [False]
        assert app.stylesheet.has_source(screens_css)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen.query_one("#body").styles.layout.name == "horizontal"  # screens.tcss's


async def test_a_lesson_opened_from_the_command_line_has_the_lesson_layout_at_once():
    """`--lesson` opens the lesson before the menu's first frame: the lesson
    screen's rules are there for it."""
    app = make_app(lessons=LESSONS, lang="en", start_lesson=LESSONS[0].id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.id != "menu"
        assert app.screen.query_one("#body").styles.layout.name == "horizontal"


def test_the_theme_is_chosen_before_the_stylesheet_is_built(monkeypatch):
    """The ANSI theme (the terminal's own colours), or Textual's default one
    under NO_COLOR (the ANSI theme would be black on black there), is the
    app's theme from its construction: set after, it would parse every
    stylesheet a second time before the first frame."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    app = make_app(lessons=LESSONS, lang="en")
    assert app.theme == "ansi-dark"
    monkeypatch.setenv("NO_COLOR", "1")
    assert make_app(lessons=LESSONS, lang="en").theme == "textual-dark"


def _chapter_decoded_slowly(seconds: float, calls: list[int]) -> Chapter:
    """The chapter's menu entries, and its lessons after `seconds`, as a
    large chapter on a slow machine would decode them."""
    def load():
        calls.append(1)
        time.sleep(seconds)
        return LESSONS

    return Chapter([MenuEntry.of(lesson) for lesson in LESSONS], load)


async def test_a_lesson_opened_while_the_lessons_are_decoded_waits_for_them():
    """Enter on the menu's first frame, while the lessons are still being
    decoded after it: the lesson opens (once it has them), decoded once."""
    calls: list[int] = []
    app = make_app(lessons=_chapter_decoded_slowly(0.5, calls), lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert not app.chapter.loaded  # the menu is on screen, the decode is under way
        assert LESSONS[0].title["en"][:20] in screen_text(app)
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.screen.id != "menu"
        assert step_label("en", 1, len(LESSONS[0].steps)) in status_text(app)
    assert calls == [1]


async def test_a_lesson_asked_for_on_the_command_line_is_decoded_for_it():
    calls: list[int] = []
    app = make_app(lessons=_chapter_decoded_slowly(0.2, calls), lang="en", start_lesson=LESSONS[2].id)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert step_label("en", 1, len(LESSONS[2].steps)) in status_text(app)
    assert calls == [1]


async def test_lessons_that_cannot_be_decoded_after_the_first_frame_end_the_tutor_with_exit_2():
    """A lesson file broken between the menu's first frame (drawn from the
    index) and the decode: the reason and exit code 2, as at start-up."""
    def broken():
        raise LessonLoadError([LessonError(Path("lessons/01.toml"), 3, "order must be a whole number")])

    app = make_app(lessons=Chapter([MenuEntry.of(lesson) for lesson in LESSONS], broken), lang="en")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
    assert app.return_code == 2


async def test_garbage_collection_is_back_on_once_the_first_frame_is_drawn():
    """`python -m tutor` starts with the collector off (tutor.cli.main):
    the app turns it back on at its first frame, for the whole session."""
    gc.disable()
    try:
        app = make_app(lessons=LESSONS, lang="en")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert app.first_paint_ns is not None
            assert gc.isenabled()
    finally:
        gc.enable()


def test_a_start_that_ends_before_the_app_runs_turns_garbage_collection_back_on(capsys):
    from tutor.cli import main

    assert main(["--lang", "en", "--lesson", "no-such-lesson"]) == 2
    assert "no-such-lesson" in capsys.readouterr().err
    assert gc.isenabled()
