"""One learner's session: the freshly forked child that runs the app.

The child starts as a copy of the pre-fork process, so before the app runs
it makes itself a clean, separate terminal program: its own session with
the PTY as controlling terminal (so window changes arrive as SIGWINCH, and
a hang-up reaches it), fds 0-2 on the PTY and nothing else open, default
signal handling, a clean environment that describes the learner's
terminal, and limits on memory and CPU. It then builds the app through
`tutor.ui.app.make_app`, exactly as `python -m tutor` does.
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

from . import protocol
from .limits import apply_session_limits

EXIT_CRASH = 70
EXIT_CPU_SPENT = 75   # the server tells the learner their CPU allowance ran out
EXIT_GRACE_SECONDS = 3.0
_RESET_SIGNALS = ("SIGCHLD", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2",
                  "SIGXCPU", "SIGALRM", "SIGWINCH", "SIGTSTP", "SIGCONT", "SIGTTIN", "SIGTTOU")


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


def run_child(slave_fd: int, request: dict, warm, forker_pid: int) -> None:
    """Become the learner's session and run the app; never returns."""
    code = EXIT_CRASH
    try:
        _become_terminal_program(slave_fd, forker_pid)
        protocol.set_process_name(f"tutor {request['learner']}")
        code = _run_app(request, warm)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else EXIT_CRASH
    except BaseException:
        try:
            import traceback

            traceback.print_exc()
            sys.stderr.flush()
        except BaseException:
            pass
    finally:
        os._exit(code)


def _become_terminal_program(slave_fd: int, forker_pid: int) -> None:
    signal.set_wakeup_fd(-1)
    for name in _RESET_SIGNALS:
        signal.signal(getattr(signal, name), signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.pthread_sigmask(signal.SIG_SETMASK, set())

    os.setsid()
    fcntl.ioctl(slave_fd, termios.TIOCSCTTY, 0)
    protocol.die_with_parent(forker_pid, signal.SIGTERM)
    for fd in (0, 1, 2):
        os.dup2(slave_fd, fd)
    if slave_fd > 2:
        os.close(slave_fd)
    # Everything else the forker had open (its socket to the server, its
    # selector, other learners' descriptors in flight) must not leak here.
    os.closerange(3, resource.getrlimit(resource.RLIMIT_NOFILE)[0])

    # Textual writes to sys.__stderr__ and reads sys.__stdin__: point both
    # (and their usual names) at the PTY, in UTF-8 whatever the locale was.
    stdin = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8", errors="replace")
    stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8",
                              errors="replace", line_buffering=True)
    stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8",
                              errors="backslashreplace", line_buffering=True)
    sys.stdin = sys.__stdin__ = stdin
    sys.stdout = sys.__stdout__ = stdout
    sys.stderr = sys.__stderr__ = stderr


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
    textual.constants.COLOR_SYSTEM = env["TEXTUAL_COLOR_SYSTEM"]

    apply_session_limits(config["session_memory_mb"], config["session_cpu_seconds"])

    from tutor.progress import ProgressStore, default_store_path

    store = ProgressStore(default_store_path(data_dir), request["learner"], request["lang"])
    app = make_app(lessons=warm.lessons, lang=request["lang"], seed=config["seed"],
                   learner=request["learner"], store=store)
    return asyncio.run(_run(app))


async def _run(app) -> int:
    """Run the app; SIGTERM, SIGHUP (the learner hung up) and SIGXCPU (CPU
    allowance spent) each make it exit the normal way, saving progress."""
    loop = asyncio.get_running_loop()
    cpu_spent = []

    def leave(code: int) -> None:
        if code == EXIT_CPU_SPENT:
            cpu_spent.append(True)
        app.exit()
        # A lesson's code stuck in a worker thread keeps the app from
        # finishing; progress is saved at every step, so end it anyway.
        loop.call_later(EXIT_GRACE_SECONDS, _flush_and_exit, code)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        loop.add_signal_handler(sig, leave, 0)
    loop.add_signal_handler(signal.SIGXCPU, leave, EXIT_CPU_SPENT)
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
        os._exit(code)
