"""The instructor console app: the class, live, and what the instructor can do to it.

`ConsoleApp(link, lang=...)` is run like the tutor's app in a served session:
the server opens it for a login with an instructor key and gives it the
link to the class (`ClassLink`, the contract in CLASS_PROTOCOL / docs/classroom.md).
The console never imports the server: everything it knows of the class
comes from the progress store (read once, at start, off the UI thread) and
from the link's events; everything it does goes out through `link.send`.

Events are applied to the model (`tutor.classroom.ClassState`) as they
arrive, which costs microseconds; the screen redraws from the model on a
timer (`REFRESH` s), only when something changed or a key's age ticks, so a
class of a hundred learners sending keys never makes the console redraw a
hundred times a second.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from textual.app import App

from tutor.classroom import STUCK_MINUTES, ClassState
from tutor.progress import ClassRecords, ProgressStore, default_store_path, make_private_folder
from tutor.ui import fresh_full_map, lazy_strip_caches
from tutor.ui.console.strings import t

lazy_strip_caches.apply()  # as the learners' app (tutor/ui/app.py)
fresh_full_map.apply()

REFRESH = 0.25  # seconds between looks at the model (an event shows within this, plus a frame)

T = TypeVar("T")


class ClassLink(Protocol):
    """What the console needs of its link to the class (the server gives one)."""

    instructor: str

    def events(self) -> AsyncIterator[dict]: ...

    async def send(self, command: dict) -> None: ...


class ConsoleApp(App):
    """The instructor console: one screen (`screen.ConsoleScreen`)."""

    CSS_PATH = ["../tutor.tcss", "../screens.tcss"]  # as the tutor has them once a lesson opened
    ENABLE_COMMAND_PALETTE = False
    HORIZONTAL_BREAKPOINTS = [(0, "-tiny"), (80, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (24, "-normal"), (40, "-tall")]

    def __init__(self, link: Any, lang: str = "en", *, lessons: list | None = None,
                 data_dir: str | os.PathLike | None = None, stuck_minutes: float = STUCK_MINUTES,
                 clock: Callable[[], float] = time.time) -> None:
        """`lessons`: the class's lessons (default: the built-in chapter);
        `data_dir`: where the progress store is (default: the link's
        `store_path`, else `--data-dir`'s rule: $TUTOR_DATA_DIR or the user
        data folder)."""
        if not os.environ.get("NO_COLOR"):  # as TutorApp: the terminal's own colours
            self.set_reactive(App.theme, "ansi-dark")
        super().__init__()
        if lessons is None:
            from tutor.lesson import load_lessons

            lessons = load_lessons(None)
        self.link = link
        self.lang = lang
        self.lessons = list(lessons)
        self.instructor = str(getattr(link, "instructor", "") or "")
        store_path = getattr(link, "store_path", None)
        self.store_path = Path(store_path) if store_path and data_dir is None else default_store_path(data_dir)
        self.state = ClassState(self.lessons, stuck_minutes=stuck_minutes, clock=clock)
        self.clock = clock
        self.store_loaded = asyncio.Event()
        self.link_open = True
        self.ended = False
        self.title = t("title", lang)

    def get_default_screen(self):
        from tutor.ui.console.screen import ConsoleScreen
        from tutor.ui.screens.keys import localized

        return localized(ConsoleScreen, self.lang)(self.lang)

    def on_mount(self) -> None:
        self.run_worker(self._listen(), group="link", exit_on_error=False)

    # ------------------------------------------------------------ the class

    async def _listen(self) -> None:
        """The store's history first, then the link's events on top of it."""
        existed = self.store_path.exists()
        try:
            records, warning = await in_daemon_thread(lambda: read_store(self.store_path, self.lang))
            if warning:
                self.note(t("store_warning", self.lang, warning=warning))
        except Exception as exc:  # the console still shows the live class
            records = ClassRecords()
            self.note(t("store_failed", self.lang, error=exc))
        read_at = self.clock()
        self.state.load(records)
        if existed:  # answers before the read are in it (none when there was no store to read)
            self.state.history_until = read_at
        self.store_loaded.set()
        try:
            async for event in self.link.events():
                self.state.apply(event)
        finally:
            self.link_open = False
            self.state.version += 1
        self.note(t("link_ended", self.lang))

    def note(self, text: str) -> None:
        """A line on the console's status line."""
        say = getattr(self.screen, "say", None)
        if say is not None:
            say(text)

    def send(self, command: dict, done: str | None = None) -> None:
        """Send `command` (with the instructor's name) in the background;
        `done` is said when it went, the error when it did not."""
        command = {**command, "instructor": self.instructor}

        async def go() -> None:
            try:
                await self.link.send(command)
            except Exception as exc:  # the link is gone, or refused it
                self.note(t("not_sent", self.lang, error=exc or type(exc).__name__))
                return
            if done:
                self.note(done)

        self.run_worker(go(), group="send", exit_on_error=False)

    def write_csv(self) -> None:
        """`progress --all --csv`'s rows to a new file in the data folder."""

        async def go() -> None:
            try:
                path = await in_daemon_thread(lambda: write_class_csv(self.store_path, self.lessons, self.lang))
            except Exception as exc:
                self.note(t("csv_failed", self.lang, error=exc))
                return
            self.note(t("csv_written", self.lang, name=path.name, folder=path.parent))  # the name first: it shows

        self.run_worker(go(), group="csv", exit_on_error=False)


# ---------------------------------------------------------------- helpers


def read_store(path: Path, lang: str = "en") -> tuple[ClassRecords, str | None]:
    """Every learner's records, and the store's warning if it has one.
    No file: nothing yet (and no file is made)."""
    if not path.exists():
        return ClassRecords(), None
    store = ProgressStore(path, "console", lang)
    try:
        return store.everyone(), store.warning
    finally:
        store.close()


def write_class_csv(store_path: Path, lessons: list, lang: str = "en", now: float | None = None) -> Path:
    """Write the class's CSV beside the store (0600, as the store: progress
    is private), named for the time; returns its path."""
    from tutor.progress_cmd import class_rows, write_csv

    records, _ = read_store(store_path, lang)
    rows = class_rows(records, lessons)
    folder = store_path.parent
    make_private_folder(folder)
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    path = folder / f"class-{stamp}.csv"
    n = 1
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            break
        except FileExistsError:
            n += 1
            path = folder / f"class-{stamp}-{n}.csv"
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
        write_csv(rows, fh)
    return path


async def in_daemon_thread(work: Callable[[], T]) -> T:
    """`work()` in a daemon thread, awaited: a store waiting on a lock never
    keeps the console from ending (see tutor/ui/threads.py)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future = loop.create_future()

    def settle(result: Any = None, error: BaseException | None = None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)

    def run() -> None:
        try:
            outcome: tuple[Any, BaseException | None] = (work(), None)
        except BaseException as exc:  # handed to the awaiting task
            outcome = (None, exc)
        try:
            loop.call_soon_threadsafe(settle, *outcome)
        except RuntimeError:  # the loop closed meanwhile: nobody is waiting
            pass

    threading.Thread(target=run, name="console-store", daemon=True).start()
    return await future
