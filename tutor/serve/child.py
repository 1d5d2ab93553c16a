"""The session's child: the freshly forked process that runs one learner's app.

(`server.Session` is the server's side of the same learner: it relays bytes
between the SSH channel and the PTY; this module is the process on the
other end of that PTY.)

The child starts as a copy of the pre-fork process, so before the app runs
it makes itself a clean, separate terminal program: its own session with
the PTY as controlling terminal (so window changes arrive as SIGWINCH, and
a hang-up reaches it: that is also how it ends when the server dies), fds
0-2 on the PTY, fd 3 on the server's log and nothing else open, default
signal handling, a clean environment that describes the learner's
terminal, and limits on memory and CPU. It then builds the app through
`tutor.ui.app.make_app`, exactly as `python -m tutor` does.

It does not die with the pre-fork process: if that process dies, the
learner goes on, and the server starts a new one.

Nothing the learner sees is a Python traceback: a failure goes to the
server's log (fd 3), and the server tells the learner in one line.
"""

from __future__ import annotations

import asyncio
import fcntl
import io
import os
import resource
import signal
import sys
import termios
from typing import IO, Any, cast

from . import merging, protocol
from .limits import CPU_KILL_AFTER_SECONDS, apply_session_limits

EXIT_CRASH = 70
EXIT_CPU_SPENT = 75   # the server tells the learner their CPU allowance ran out
EXIT_GRACE_SECONDS = 3.0
LOG_FD = 3            # the server's log: where a failure's traceback goes
CLASS_FD = 4          # the session's end of its class channel (class_link.py), when it has one
SIGNAL_WINDOW_CAPPED = signal.SIGUSR1   # the server capped the learner's window
_RESET_SIGNALS = ("SIGCHLD", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR2",
                  "SIGXCPU", "SIGALRM", "SIGWINCH", "SIGTSTP", "SIGCONT", "SIGTTIN", "SIGTTOU")


def log_line(text: str) -> None:
    """One entry in the server's log (never on the learner's screen)."""
    try:
        os.write(LOG_FD, text.encode("utf-8", "backslashreplace"))
    except OSError:
        pass


def color_system(term: str, colorterm: str) -> str:
    """The colour system to tell Textual, since COLORTERM rarely crosses SSH.

    Trust COLORTERM when the client sent it; otherwise read TERM the way
    terminfo names go (`*-256color`, `*-direct`), and fall back to 16
    colours for terminals that promise no more.
    """
    if colorterm.lower() in ("truecolor", "24bit"):
        return "truecolor"
    term = term.lower()
    if term.endswith(("-direct", "-truecolor")):
        return "truecolor"
    if "256color" in term:
        return "256"
    return "standard"


def child_environment(request: dict, data_dir: str) -> dict[str, str]:
    """The environment of a session: the learner's terminal, UTF-8, our data.

    Built from nothing, not copied from the server's: COLUMNS and LINES in
    particular would pin the app to one size (see
    `tutor.ui.app.follow_terminal_size`), and NO_COLOR is set only when the
    learner's client sent it."""
    term = request.get("term") or "xterm-256color"
    env = {
        "PATH": os.defpath,
        "HOME": data_dir,
        "TERM": term,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "TUTOR_DATA_DIR": data_dir,
        "TEXTUAL_COLOR_SYSTEM": color_system(term, request.get("colorterm", "")),
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }
    if request.get("colorterm"):
        env["COLORTERM"] = request["colorterm"]
    if request.get("no_color"):
        env["NO_COLOR"] = "1"
    return env


def run_child(slave_fd: int, request: dict, warm, channel_fd: int | None = None) -> None:
    """Become the learner's session and run the app; never returns."""
    code = EXIT_CRASH
    profile_dir = os.environ.get("TUTOR_SESSION_PROFILE")  # read before the environment is replaced
    trace_dir = os.environ.get("TUTOR_SESSION_TRACE")
    try:
        _become_terminal_program(slave_fd, channel_fd)
        merging.keep_marking()  # while KSM runs, offer it the pages this session writes
        if trace_dir:
            _trace_allocations(trace_dir)
        protocol.set_process_name(f"tutor {request['learner']}")
        code = _profiled(profile_dir, _run_app, request, warm)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else EXIT_CRASH
    except BaseException:
        try:
            import traceback

            log_line(f"session of {request.get('learner')!r} failed:\n{traceback.format_exc()}")
        except BaseException:
            pass
    finally:
        _end_step_children()
        os._exit(code)


def _profiled(profile_dir: str | None, function, *args):
    """`function(*args)`, under cProfile when the server was started with
    TUTOR_SESSION_PROFILE=DIR (a measuring switch: DIR/session-PID.prof
    holds the session's UI thread, where a key's frame is built; see
    docs/scaling.md)."""
    if not profile_dir:
        return function(*args)
    import cProfile

    profiler = cProfile.Profile()
    try:
        return profiler.runcall(function, *args)
    finally:
        profiler.dump_stats(os.path.join(profile_dir, f"session-{os.getpid()}.prof"))


def _trace_allocations(trace_dir: str) -> None:
    """A measuring switch (TUTOR_SESSION_TRACE=DIR on the server, used by
    `benchmarks/bench_memory.py --trace`): trace every allocation the
    session makes from its fork on, and write a tracemalloc snapshot to
    DIR/session-PID-N.trace at each SIGUSR2, to see what a lesson
    allocates where (its own objects; not the parent's pages it copies),
    and beside it (.peak) the most it held at once since the last one."""
    import tracemalloc

    tracemalloc.start(12)
    taken = [0]

    def snapshot(*_: Any) -> None:
        taken[0] += 1
        name = os.path.join(trace_dir, f"session-{os.getpid()}-{taken[0]}")
        with open(name + ".peak", "w", encoding="ascii") as out:
            out.write(str(tracemalloc.get_traced_memory()[1]))
        tracemalloc.reset_peak()
        tracemalloc.take_snapshot().dump(name + ".trace")

    signal.signal(signal.SIGUSR2, snapshot)


def _end_step_children() -> None:
    """os._exit skips the runner's exit hook: end the session's step
    processes here, so none outlives its learner's session."""
    runner = sys.modules.get("tutor.runner")
    if runner is not None:
        try:
            runner.stop_all()
        except BaseException:
            pass


def _become_terminal_program(slave_fd: int, channel_fd: int | None = None) -> None:
    signal.set_wakeup_fd(-1)
    if channel_fd is not None:  # out of the way of fds 0-4 until it moves to CLASS_FD
        channel = fcntl.fcntl(channel_fd, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(channel_fd)
    for name in _RESET_SIGNALS:
        signal.signal(getattr(signal, name), signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.pthread_sigmask(signal.SIG_SETMASK, set())

    # The server asks for a window note with SIGUSR1 only once the app
    # listens; until then it must not end the process.
    signal.signal(SIGNAL_WINDOW_CAPPED, signal.SIG_IGN)

    os.setsid()
    fcntl.ioctl(slave_fd, termios.TIOCSCTTY, 0)
    # No death signal tied to the pre-fork process: the learner outlives it.
    # When the server dies, the PTY hangs up and SIGHUP ends the app.
    log = os.dup(2)   # the forker's stderr: the server's log
    for fd in (0, 1, 2):
        os.dup2(slave_fd, fd)
    if slave_fd > 2:
        os.close(slave_fd)
    if log != LOG_FD:
        os.dup2(log, LOG_FD)
        os.close(log)
    os.set_inheritable(LOG_FD, False)
    if channel_fd is not None:
        os.dup2(channel, CLASS_FD, inheritable=False)
        os.close(channel)
    # Everything else the forker had open (its socket to the server, its
    # selector, other learners' descriptors in flight) must not leak here.
    os.closerange(CLASS_FD + 1 if channel_fd is not None else LOG_FD + 1,
                  resource.getrlimit(resource.RLIMIT_NOFILE)[0])
    _limit_malloc_arenas()

    # Textual writes to sys.__stderr__ and reads sys.__stdin__: point both
    # (and their usual names) at the PTY, in UTF-8 whatever the locale was.
    stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8", errors="replace")
    stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8",
                              errors="replace", line_buffering=True)
    stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8",
                              errors="backslashreplace", line_buffering=True)
    # typeshed marks sys.__std*__ Final; rebinding them is the point here.
    sys.stdin = sys.__stdin__ = stdin  # type: ignore[misc]
    sys.stdout = sys.__stdout__ = stdout  # type: ignore[misc]
    sys.stderr = sys.__stderr__ = stderr  # type: ignore[misc]


def _limit_malloc_arenas() -> None:
    """Two malloc arenas, not 8 per core: each reserves 64 MB of address
    space, which the session's memory cap (RLIMIT_AS) counts."""
    from .prefork import limit_malloc_arenas

    limit_malloc_arenas(2)


def _run_app(request: dict, warm) -> int:
    config = warm.config
    data_dir = config["data_dir"]
    env = child_environment(request, data_dir)
    os.environ.clear()
    os.environ.update(env)
    os.chdir(data_dir)
    from tutor.ui.app import follow_terminal_size, make_app

    # The window's size comes from the PTY (SIGWINCH), never the environment.
    follow_terminal_size(os.environ)

    import textual.constants

    # Read from the environment when textual was imported in the forker;
    # this session's terminal decides.
    # Final in textual's annotations, but read at use, so rebinding works.
    textual.constants.COLOR_SYSTEM = env["TEXTUAL_COLOR_SYSTEM"]  # type: ignore[misc]

    apply_session_limits(config["session_memory_mb"], config["session_cpu_seconds"])

    if request.get("role") == "console":
        return _run_console(request, warm, env)

    from tutor.progress import ProgressStore, default_store_path

    # Opened before the app: a store whose schema is in place opens without
    # the write lock, so another learner's long write never delays this.
    store = ProgressStore(default_store_path(data_dir), request["learner"], request["lang"])
    app = make_app(lessons=warm.lessons, lang=request["lang"], seed=config["seed"],
                   learner=request["learner"], store=store)
    if request.get("class"):
        from .class_link import SessionChannel

        app.class_channel = SessionChannel(CLASS_FD, log_line)  # events out, commands in
    _log_errors_not_show_them(app, request["learner"])
    _use_session_driver(app)
    return asyncio.run(_run(app, window_note=window_note(request),
                            capped_at_start=bool(request.get("window_capped"))))


def _use_session_driver(app) -> None:
    """Textual's terminal driver without its idle polling (session_driver.py):
    a reading learner's session then spends no CPU between keys."""
    from .session_driver import SessionDriver

    app.driver_class = SessionDriver


def _run_console(request: dict, warm, env: dict[str, str]) -> int:
    """An instructor's console on the class channel (docs/classroom.md),
    with the class's lessons (the server's --lessons) when it takes them."""
    import inspect

    from .class_link import ConsoleLink

    console_app = _console_app_class(warm.config.get("console_app"))
    link = ConsoleLink(CLASS_FD, request["learner"], env["TUTOR_DATA_DIR"])
    extra = {"lessons": warm.lessons} if "lessons" in inspect.signature(console_app).parameters else {}
    app = console_app(link, lang=request["lang"], **extra)
    _log_errors_not_show_them(app, request["learner"])
    _use_session_driver(app)
    return asyncio.run(_run(app, window_note=window_note(request),
                            capped_at_start=bool(request.get("window_capped"))))


def _console_app_class(spec: str | None):
    """`tutor.ui.console.app.ConsoleApp`, imported when an instructor logs
    in; `spec` ("module:Class", from TUTOR_CONSOLE_APP at the server's start)
    names another, for tests."""
    import importlib

    module, _, name = (spec or "tutor.ui.console.app:ConsoleApp").partition(":")
    return getattr(importlib.import_module(module), name or "ConsoleApp")


def window_note(request: dict) -> str:
    """What the learner is told when the server caps their window."""
    from .limits import MAX_COLS, MAX_ROWS
    from .strings import say

    return say("window_capped", request.get("lang", "en"), cols=MAX_COLS, rows=MAX_ROWS)


def _log_errors_not_show_them(app, learner: str) -> None:
    """Textual prints an unhandled exception's traceback on the terminal as
    it exits; here it goes to the server's log, and the server tells the
    learner in one line that the session stopped."""
    from rich.console import Console

    class _Log(io.TextIOBase):
        def write(self, text: str) -> int:
            log_line(text)
            return len(text)

    log_line_prefix = f"session of {learner!r} failed:\n"

    class _NamedConsole(Console):
        def print(self, *objects: Any, **kwargs: Any) -> None:
            log_line(log_line_prefix)
            super().print(*objects, **kwargs)

    # rich annotates `file` as IO[str]; it only calls write() and flush().
    console = _NamedConsole(file=cast(IO[str], _Log()), markup=False, highlight=False, color_system=None,
                            force_terminal=False, width=100)
    app.error_console = console


async def _run(app, window_note: str | None = None, capped_at_start: bool = False) -> int:
    """Run the app; SIGTERM, SIGHUP (the learner hung up, or the server
    died) and SIGXCPU (CPU allowance spent) each make it exit the normal
    way, saving progress; SIGUSR1 shows `window_note`.

    The handlers are Python-level (signal.signal), not the event loop's:
    they run even while a long render blocks the loop, and arm an alarm
    that ends the process after a grace period whatever the loop is doing,
    so the CPU cap holds (the kernel's SIGKILL 2 s later is the last
    resort)."""
    loop = asyncio.get_running_loop()
    cpu_spent = []
    leaving: list[int] = []

    def leave(code: int) -> None:
        if code == EXIT_CPU_SPENT:
            cpu_spent.append(True)
        if leaving:
            return
        leaving.append(code)
        loop.call_soon_threadsafe(app.exit)
        # A lesson's code stuck in a worker thread, or a render that blocks
        # the loop, keeps the app from finishing; progress is saved at every
        # step, so end it anyway. An alarm, not a timer thread: a session out
        # of memory cannot start a thread.
        signal.signal(signal.SIGALRM, lambda *_: _flush_and_exit(code))
        # out of CPU, the kernel's SIGKILL comes CPU_KILL_AFTER_SECONDS of
        # CPU later (about as many seconds while a render spins): end first
        grace = EXIT_GRACE_SECONDS if code != EXIT_CPU_SPENT else CPU_KILL_AFTER_SECONDS / 2
        signal.setitimer(signal.ITIMER_REAL, grace)

    def note() -> None:
        if window_note:
            app.notify(window_note, severity="warning", timeout=10)

    signal.signal(signal.SIGTERM, lambda *_: leave(0))
    signal.signal(signal.SIGHUP, lambda *_: leave(0))
    signal.signal(signal.SIGXCPU, lambda *_: leave(EXIT_CPU_SPENT))
    signal.signal(SIGNAL_WINDOW_CAPPED, lambda *_: loop.call_soon_threadsafe(note))
    if capped_at_start:
        note()  # kept by Textual until the first screen shows it
    # Keyboard only, as `python -m tutor`: mouse tracking would send every
    # pointer move over the learner's connection.
    await app.run_async(mouse=False)
    return EXIT_CPU_SPENT if cpu_spent else (app.return_code or 0)


def _flush_and_exit(code: int) -> None:
    try:
        # What Textual would undo on a clean exit: mouse reports, bracketed
        # paste, the alternate screen, the hidden cursor.
        sys.stdout.write("\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1015l"
                         "\x1b[?2004l\x1b[?1049l\x1b[?25h")
        sys.stdout.flush()
    finally:
        _end_step_children()
        os._exit(code)
