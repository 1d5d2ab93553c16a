"""The Textual app: a lesson menu, lessons stepped through with live PyTorch.

`make_app` builds the app from injected lessons, language, seed, learner
and progress store, so the command line, the tests and the SSH server all
build the same app. `run_app` is the command line's entry point.

Start-up is kept short on purpose (issue 3: within 1.25x of a bare Textual
app; issue 14: 1.10x): the menu paints before anything it does not show is
imported, opened or parsed (the other screens' stylesheet, screens.tcss, is
read after the first frame; the lessons themselves are decoded after it,
the menu being drawn from the lesson cache's menu index: see
tutor.lesson.chapter). After the first frame, a thread opens the learner's
progress store (the menu's statuses fill in when it arrives), another
decodes the lessons, then torch loads, and a lesson opened before torch
finishes says so instead of freezing. The help and lesson screens are
imported when first needed.
"""

from __future__ import annotations  # noqa: I001  (tutor._start_time stays the first import)

from tutor import _start_time  # first: start-up is measured from here

import gc
import os
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from time import perf_counter_ns
from typing import TYPE_CHECKING

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.message import Message
from textual.reactive import var

from tutor.i18n import detect_lang
from tutor.lesson.chapter import Chapter
from tutor.ui import collector, fresh_full_map, lazy_strip_caches
from tutor.ui.screens.keys import localized
from tutor.ui.screens.menu import MenuScreen
from tutor.ui.store_writes import StoreWrites
from tutor.ui.strings import t
from tutor.ui.threads import watched

if TYPE_CHECKING:
    from tutor.class_events import ClassChannel
    from tutor.lesson import Lesson
    from tutor.progress import ProgressStore
    from tutor.ui.class_control import ClassControl
    from tutor.ui.step_runner import RunHolder


lazy_strip_caches.apply()  # every Strip the app draws makes its caches on first use
fresh_full_map.apply()  # a layout arranges the widgets once, not twice

SCREENS_CSS = Path(__file__).with_name("screens.tcss")
"""The lesson, help and console screens' rules: read when the first of those
screens opens, after the menu's first frame (see tutor.tcss)."""


class TorchReady(Message):
    """The background import of torch finished (or failed: `error`)."""

    def __init__(self, error: str | None = None) -> None:
        super().__init__()
        self.error = error


class StoreOpened(Message):
    """The background opening of the progress store finished: `store`, or
    `error` (a message for the learner) when it could not be opened."""

    def __init__(self, store: ProgressStore | None = None, error: str | None = None) -> None:
        super().__init__()
        self.store = store
        self.error = error


class LessonsLoaded(Message):
    """The background decoding of the lessons finished, or `failed` (the
    chapter keeps the error and raises it again to whoever asks)."""

    def __init__(self, failed: bool = False) -> None:
        super().__init__()
        self.failed = failed


class StoreWriteFailed(Message):
    """A progress write, done in the background (tutor/ui/store_writes.py), failed."""

    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class TutorApp(App):
    """The tutor. Keyboard first: every action has a key; see HelpScreen."""

    CSS_PATH = "tutor.tcss"
    # App-wide state the screens read when they mount and watch afterwards.
    torch_ready: var[bool] = var(False)
    store: var[ProgressStore | None] = var(None)
    class_note: var[str] = var("")  # a guided class: "following NAME", the instructor's message
    ENABLE_COMMAND_PALETTE = False
    # Screens get one class per axis; the stylesheet switches layouts with them.
    HORIZONTAL_BREAKPOINTS = [(0, "-tiny"), (80, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (24, "-normal"), (40, "-tall")]

    @classmethod
    def bindings(cls, lang: str) -> list[Binding]:
        return [
            Binding("question_mark,f1", "help", t("key_help", lang), key_display="?"),
            Binding("q", "quit", t("key_quit", lang)),
        ]

    def __init__(self, *, lessons: list[Lesson] | Chapter, lang: str, seed: int, learner: str,
                 store: ProgressStore | None, start_lesson: str | None = None, lessons_dir=None,
                 open_store: Callable[[], ProgressStore] | None = None) -> None:
        """`lessons`: the lessons, or a Chapter whose lessons are decoded in a
        thread after the first frame (the menu is drawn from its entries).
        `open_store`, when given (and `store` is None), is called in a thread
        after the first frame to open the progress store: opening SQLite
        costs 40-60 ms that the first frame need not wait for."""
        # The terminal's own colours (ANSI theme): readable on dark and light
        # terminals alike, and about a quarter fewer bytes per redraw than
        # explicit 256-colour backgrounds, which matters over SSH. Not with
        # NO_COLOR: Textual's no-colour filter turns the ANSI theme's default
        # colours into black on black; the default theme turns grey instead.
        # Chosen before App.__init__ builds the stylesheet: setting `theme`
        # afterwards parses every stylesheet a second time before the first
        # frame (10-20 ms of start-up).
        if not os.environ.get("NO_COLOR"):
            self.set_reactive(App.theme, "ansi-dark")
        super().__init__()
        self.chapter = lessons if isinstance(lessons, Chapter) else Chapter.of(lessons)
        self.lang = lang
        self.seed = seed
        self.learner = learner
        self.store = store
        self.start_lesson = start_lesson
        self.lessons_dir = lessons_dir
        self._open_store = open_store if store is None else None
        # A lesson asked for (--lesson, or Enter) before the store is open
        # waits for it: it must start at the learner's stored place.
        self._lesson_waiting_for_store: str | None = None
        # Set once the background import is over: step workers wait for it,
        # so torch is never imported by two threads at once (that can hang).
        self.torch_event = threading.Event()
        self.torch_error: str | None = None
        self.runs: dict[str, RunHolder] = {}  # lesson id -> its run, kept across visits
        # Progress writes run in this thread, in order, never on the UI thread's
        # key path; a read that must see them flushes it first.
        self.store_writes = StoreWrites(self, lambda exc: self.post_message(StoreWriteFailed(str(exc))))
        self.title = t("app_title", lang)
        self.first_paint_ns: int | None = None
        # A served session sets class_channel before the app runs (a guided
        # class, docs/classroom.md); ClassControl then reports and obeys.
        self.class_channel: ClassChannel | None = None
        self.class_control: ClassControl | None = None

    @property
    def lessons(self) -> list[Lesson]:
        """The lessons, in menu order. Before the background decoding is over
        this waits for it (or decodes them here): see tutor.lesson.chapter.
        LessonLoadError if a lesson file broke since its menu entry was
        cached; `lessons_or_exit` tells the learner."""
        return self.chapter.lessons()

    def lessons_or_exit(self) -> list[Lesson] | None:
        """The lessons, or None after ending the app with the reason and exit
        code 2 (as a start whose lessons are broken does)."""
        try:
            return self.lessons
        except Exception as exc:
            self._lessons_failed(exc)
            return None

    def _lessons_failed(self, exc: Exception) -> None:
        self.exit(return_code=2, message=f"{t('err_lessons', self.lang)}\n{exc}")

    # ------------------------------------------------------------ start-up

    def get_driver_class(self):
        """Textual's driver for this terminal; on Linux and macOS one that
        writes each frame compacted (tutor/ui/terminal_output.py)."""
        driver = super().get_driver_class()
        if sys.platform == "win32":
            return driver  # (Textual's Linux driver imports termios: not there)
        from textual.drivers.linux_driver import LinuxDriver

        if driver is not LinuxDriver:
            return driver  # one named in TEXTUAL_DRIVER, say
        from tutor.ui.terminal_output import CompactLinuxDriver

        return CompactLinuxDriver

    def get_default_screen(self) -> MenuScreen:
        """The menu is the app's first screen, not a screen pushed over an
        empty default one: one screen fewer to mount, style and lay out
        before the first frame."""
        return localized(MenuScreen, self.lang)(self.chapter, lang=self.lang, learner=self.learner)

    def on_mount(self) -> None:
        if self.class_channel is not None:
            from tutor.ui.class_control import ClassControl

            self.class_control = ClassControl(self, self.class_channel)
            self.class_control.start()
        if self.start_lesson:
            self.open_lesson(self.start_lesson)
        self._warn_about_store()

    def on_unmount(self) -> None:
        # A step still running (its code may never end) must not keep the
        # process alive after `q`: asyncio waits for every worker thread
        # before `run()` returns, so stop the runs' children now.
        for holder in self.runs.values():
            stop = getattr(holder.run, "stop", None)
            if stop is not None:
                stop()
        # the screens are gone (their last writes queued): every write lands
        # before the store is closed
        self.flush_store()

    def flush_store(self) -> None:
        """Wait for the progress writes queued so far (a read that must see
        them comes next). Bounded by the store's own busy timeout and more."""
        self.store_writes.flush(timeout=15)

    def on_store_write_failed(self, message: StoreWriteFailed) -> None:
        self.notify(t("store_warning", self.lang, warning=message.error), severity="warning", timeout=5)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            if self.class_control is not None:
                self.class_control.key_pressed()  # the instructor's message was seen
            if collector.hold_during_key():
                # until the key's frame is out (at once when it changes nothing)
                self.call_after_refresh(self.set_timer, 0.05, collector.release)
        await super().on_event(event)

    def _warn_about_store(self) -> None:
        warning = self.store.warning if self.store is not None else None
        if warning:
            self.notify(t("store_warning", self.lang, warning=warning), severity="warning", timeout=8)

    def on_ready(self) -> None:
        self.first_paint_ns = perf_counter_ns()
        gc.enable()  # `python -m tutor` starts without it (tutor.cli.main)
        if os.environ.get("TUTOR_REPORT_STARTUP") == "1":
            ms = (self.first_paint_ns - _start_time.START_TIME_NS) / 1e6
            # stderr is the terminal under Textual; a file keeps the number clean.
            path = os.environ.get("TUTOR_STARTUP_FILE")
            if path:
                with open(path, "a", encoding="utf-8") as fh:
                    fh.write(f"{ms:.1f}\n")
        if self._open_store is not None:
            watched(self, self._open_store_in_background, "store")
        if not self.chapter.loaded:
            watched(self, self._load_lessons_in_background, "lessons")
        # While the learner reads the menu, so that opening a lesson does not
        # wait for it; before torch's import, which would share the GIL with it.
        self.call_after_refresh(self.use_screens_stylesheet)
        # After this frame is on screen, not before: the import holds the GIL.
        self.call_after_refresh(watched, self, self._load_torch, "torch")

    def use_screens_stylesheet(self) -> None:
        """Add the other screens' rules (screens.tcss) to the stylesheet,
        once. The menu's first frame parses only tutor.tcss; this runs
        after it, and again (doing nothing) before a lesson or the help
        opens, in case one opens first (`--lesson`). Textual parses only
        the new file: the rules it has are kept. No node on screen yet
        matches these rules, so none is styled again."""
        if not self.stylesheet.has_source(os.path.abspath(SCREENS_CSS)):
            self.stylesheet.read(SCREENS_CSS)
            self.stylesheet.parse()

    def _load_lessons_in_background(self) -> None:
        """Decode the lessons off the UI thread, while the learner reads the
        menu; a lesson opened meanwhile waits for this (Chapter.lessons)."""
        try:
            self.chapter.lessons()
        except Exception:
            self.post_message(LessonsLoaded(failed=True))
            return
        self.post_message(LessonsLoaded())

    def on_lessons_loaded(self, message: LessonsLoaded) -> None:
        if message.failed:
            self.lessons_or_exit()  # the same failure, told the same way

    def _open_store_in_background(self) -> None:
        """Open the progress store off the UI thread; the app hears of it
        through StoreOpened."""
        opener = self._open_store
        if opener is None:
            return
        try:
            store = opener()
        except Exception as exc:  # told to the learner, never a traceback
            self.post_message(StoreOpened(error=t("err_store", self.lang, error=exc)))
            return
        self.post_message(StoreOpened(store))

    def on_store_opened(self, message: StoreOpened) -> None:
        self._open_store = None
        if message.error is not None:
            # As before the store opened in the background: a store that
            # cannot be opened (a bad --learner, an unusable --data-dir) is
            # bad input, so the tutor stops with the reason and exit code 2.
            self.exit(return_code=2, message=message.error)
            return
        self.store = message.store  # the menu watches it
        self._warn_about_store()
        waiting, self._lesson_waiting_for_store = self._lesson_waiting_for_store, None
        if waiting is not None:
            self.open_lesson(waiting)

    def _load_torch(self) -> None:
        """Import torch (one thread) and warm torch._dynamo with a throwaway
        optimizer, then the lesson screen's modules (plotext), so neither
        costs a learner a pause later."""
        try:
            from tutor.runner import load_torch

            load_torch(warm=True)
            import tutor.ui.screens.lesson  # noqa: F401
        except Exception as exc:  # reported in the app, never a traceback
            self.torch_event.set()
            self.post_message(TorchReady(f"{type(exc).__name__}: {exc}"))
            return
        self.torch_event.set()
        self.post_message(TorchReady())

    def on_torch_ready(self, message: TorchReady) -> None:
        # everything imported so far lives as long as the app: see collector
        collector.freeze()
        self.torch_error = message.error
        self.torch_event.set()
        self.torch_ready = True  # lesson screens watch it (and read it when they mount)

    # ------------------------------------------------------------ navigation

    def lesson_after(self, lesson_id: str) -> Lesson | None:
        """The lesson that follows `lesson_id` in the menu, if any."""
        lessons = self.lessons_or_exit() or []
        ids = [lesson.id for lesson in lessons]
        if lesson_id not in ids or ids.index(lesson_id) + 1 >= len(ids):
            return None
        return lessons[ids.index(lesson_id) + 1]

    def open_lesson(self, lesson_id: str, index: int | None = None) -> None:
        """Open a lesson at the learner's stored place, or at step `index`
        (the menu stays below). Asked again while that lesson's screen is on
        top (a burst of Enters), it does nothing."""
        from tutor.runner import LessonRun
        from tutor.ui.screens.lesson import LessonScreen
        from tutor.ui.step_runner import RunHolder

        lessons = self.lessons_or_exit()
        if lessons is None:
            return
        lesson = next((item for item in lessons if item.id == lesson_id), None)
        if lesson is None:
            return
        top = self.screen_stack[-1] if self.screen_stack else None
        if isinstance(top, LessonScreen) and top.lesson.id == lesson_id:
            return
        if self._open_store is not None:  # opened in a moment: start at the stored place
            self._lesson_waiting_for_store = lesson_id
            return
        self.flush_store()  # the stored place and params, with every write made so far
        self.use_screens_stylesheet()
        holder = self.runs.get(lesson_id)
        if holder is None:
            holder = RunHolder(LessonRun(lesson, seed=self.seed, lang=self.lang, params=self._stored_params(lesson)))
            self.runs[lesson_id] = holder
        start = 0
        try:
            stored = self.store.position(lesson_id) if self.store is not None else None
        except Exception:
            stored = None
        if stored is not None:
            start = stored
        if index is not None:  # the instructor's step (a guided class)
            start = index
        self.show_menu()
        self.push_screen(localized(LessonScreen, self.lang)(
            lesson, lang=self.lang, holder=holder, start_index=start))

    def _stored_params(self, lesson: Lesson) -> dict[str, float]:
        """The parameter values the learner set in this lesson before (kept
        with their progress), within the lesson's current bounds."""
        if self.store is None:
            return {}
        try:
            stored = self.store.params(lesson.id)
        except Exception:  # progress never stops a lesson
            return {}
        names = {p.name for p in lesson.params}
        return {name: value for name, value in (stored or {}).items() if name in names}

    def show_menu(self) -> None:
        """Back to the menu: pop whatever is above it (the menu reads the
        learner's progress with every write made so far)."""
        self.flush_store()
        while len(self.screen_stack) > 1:
            self.pop_screen()

    def action_help(self) -> None:
        from tutor.ui.screens.help import HelpScreen  # not needed for the first frame

        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        self.use_screens_stylesheet()
        self.push_screen(localized(HelpScreen, self.lang)(self.lang))


def make_app(*, lessons: list | Chapter, lang: str, seed: int = 0, learner: str = "default", store=None,
             start_lesson: str | None = None, lessons_dir=None, open_store=None) -> TutorApp:
    """Build the tutor app (the command line, the tests and the SSH server
    all come through here). Give `store`, or `open_store` (a callable that
    returns one) to have it opened after the first frame, and `lessons` as
    a Chapter (tutor.lesson.open_chapter) to have them decoded after it."""
    cls = localized(TutorApp, lang)
    return cls(lessons=lessons, lang=lang, seed=seed, learner=learner, store=store,
               start_lesson=start_lesson, lessons_dir=lessons_dir, open_store=open_store)


def run_app(args) -> int:
    """`python -m tutor`: load the lessons and the learner's progress, run the
    app full screen, return the exit code (2 for bad input, with a message)."""
    from tutor.lesson import open_chapter

    lang = getattr(args, "lang", None) or detect_lang(os.environ)
    try:
        lessons = open_chapter(getattr(args, "lessons", None))
    except OSError as exc:
        print(t("err_lessons", lang), exc, file=sys.stderr)
        return 2
    except Exception as exc:
        from tutor.lesson import LessonLoadError  # not imported by a start whose lessons are fine

        if not isinstance(exc, LessonLoadError):
            raise
        print(t("err_lessons", lang), file=sys.stderr)
        print(str(exc), file=sys.stderr)
        return 2
    start = getattr(args, "lesson", None)
    if start and not any(entry.id == start for entry in lessons.entries):
        ids = ", ".join(entry.id for entry in lessons.entries)
        print(t("err_unknown_lesson", lang, lesson=start, ids=ids), file=sys.stderr)
        return 2
    learner = getattr(args, "learner", None) or "default"
    data_dir = getattr(args, "data_dir", None)
    follow_terminal_size()
    app = make_app(lessons=lessons, lang=lang, seed=getattr(args, "seed", 0) or 0, learner=learner,
                   start_lesson=start, lessons_dir=getattr(args, "lessons", None),
                   open_store=lambda: open_store(data_dir, learner, lang))
    try:
        app.run(mouse=False)
    finally:
        app.flush_store()
        close = getattr(app.store, "close", None)
        if close is not None:
            close()
    return app.return_code or 0


def follow_terminal_size(environ=os.environ) -> None:
    """Drop COLUMNS and LINES from the environment.

    Textual asks `shutil.get_terminal_size()` for the size on every resize,
    and that prefers these variables over the terminal itself: when a shell
    or a test runner exported them, the app would stay at that size forever
    and never notice a window growing or shrinking.
    """
    environ.pop("COLUMNS", None)
    environ.pop("LINES", None)


def open_store(data_dir, learner: str, lang: str = "en"):
    """The learner's progress store in the tutor's data folder."""
    from tutor.progress import ProgressStore, default_store_path

    return ProgressStore(default_store_path(data_dir), learner, lang)
