"""The pre-fork process: one warm image of torch + Textual, forked per learner.

A fresh Python with torch and an optimizer costs ~220 MB and ~2 s; a child
forked from a process that has already paid for them shares those pages
copy-on-write and paints its first frame at once. Forking is only safe from
a process with a single thread and no event loop, so this process is
started with `python -m tutor.serve.forker` by the server *before* the
server creates its event loop, keeps BLAS and torch to one thread, and
checks that it really has one thread before it reports ready.

It waits on its socket for "spawn" messages (with the session's PTY slave
attached), forks a child that runs `tutor.serve.child.run_child`, answers
with the child's pid and a pidfd (so the server can signal that exact
process, never a recycled pid), reaps every child and reports how it ended.
When the server goes away (its end of the socket closes, or it dies: see
PR_SET_PDEATHSIG) it ends every child and exits. Its children do not die
with it: if this process dies, the learners go on (the server reaps them
as their subreaper) and the server starts a new pre-fork process.
"""

from __future__ import annotations

import os

# Before numpy/torch load: their thread pools must never start in a process
# that forks (a child would inherit locks held by threads it does not have).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import gc  # noqa: E402
import json  # noqa: E402
import selectors  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from functools import partial  # noqa: E402

from . import merging, prefork, protocol  # noqa: E402

GRACE_SECONDS = 5.0
STEP_CHILD_IDLE_SECONDS = 3.0
REHEARSAL_THREADS_SECONDS = 60.0
SHARE_RESULTS_SECONDS = 30.0   # the built-in chapter, both languages: about 2 s
REHEARSAL_SECONDS = 30.0       # the walk of the shared lessons: ~6 s a language for the built-in chapter
REHEARSAL_SIZE = (80, 24)      # the terminal size the walk renders for


@dataclass
class Warm:
    """What every child inherits ready-made."""
    lessons: list
    config: dict
    report: dict  # what the warm-up did, for the teacher's console (seconds, lessons, drawn)


def warm_up(config: dict) -> Warm:
    """Import and touch everything a session needs, then freeze the heap.

    gc.freeze() moves every object made so far out of the collector's
    reach, so a child's garbage collections never write to (and so never
    copy) the shared pages; the allocators' free blocks (Python's and
    glibc's) are taken first (prefork.py), so a child's new objects do not
    land on shared pages either.
    """
    started = time.monotonic()
    prefork.one_malloc_arena()
    import torch

    torch.set_num_threads(1)
    weight = torch.zeros(2, requires_grad=True)
    optimizer = torch.optim.SGD([weight], lr=0.1)  # imports torch._dynamo (~70 MB, ~0.8 s)
    (weight.sum() ** 2).backward()
    optimizer.step()

    from tutor.lesson import load_lessons

    lessons = load_lessons(config.get("lessons"))
    import textual.drivers.linux_driver  # noqa: F401  (the driver every session uses)

    import tutor.progress
    import tutor.runner
    from tutor.serve import child, class_link, session_driver  # noqa: F401  (what every session imports)
    from tutor.serve.shared_css import share_parsed_css
    from tutor.ui import class_control  # noqa: F401

    share_parsed_css()  # the rehearsal's parsed CSS serves every session
    shared = share_lesson_results(lessons, config)
    drawn = rehearse(lessons, shared, config.get("seed", 0) or 0, langs=config.get("langs"))
    # A session's step process ends after this long without a step to run:
    # its pages (~20 MB) would double a reading learner's memory. The app
    # runs a lesson ahead while the learner reads, so reading on needs none.
    tutor.runner.end_idle_children_after(STEP_CHILD_IDLE_SECONDS)
    gc.collect()
    # After the collection (which leaves the most holes), before the freeze.
    prefork.fill_allocator_holes()
    prefork.fill_malloc_holes()   # and glibc's, for what Python does not keep in its pools
    gc.freeze()
    report = {"seconds": round(time.monotonic() - started, 1),
              "lessons": len({lesson_id for ids in shared.values() for lesson_id in ids}),
              "drawn": drawn}
    return Warm(lessons=lessons, config=config, report=report)


def rehearse(lessons: list, shared: dict[str, list[str]], seed: int, *, langs: list[str] | None = None,
             seconds: float = REHEARSAL_SECONDS) -> int:
    """Run the app once, headless at 80x24, through every step of the
    lessons whose results are shared (`shared`: their ids by language), in
    each language sessions may speak (`langs`, the most learners' first;
    by default every language).

    Two things come of it, both inherited by every session:
    - Textual, Rich and the app import a hundred modules lazily (Markdown,
      Pygments, the lesson screen, the xterm parser...) and fill caches on
      first use; done here, they are shared instead of built again in each
      session (about 7 MB a session);
    - what the panes render (each step's explanation, code, values and
      plot) is kept (`tutor.ui.shared_lines`): a session of that size,
      language and theme finds it instead of rendering it, about a tenth of
      its CPU a key (docs/scaling.md).

    Only lessons whose results are shared are walked: their steps run no
    code here. If there are none, the first steps of the built-in chapter's
    first lesson are walked for the imports. It stops after `seconds` (a
    teacher's long chapter is then partly walked). A failure only costs
    memory and CPU, so it is reported and the server goes on. Returns how
    many steps of shared lessons it drew, in all languages.
    """
    import asyncio

    from tutor.i18n import LANGS
    from tutor.lesson import load_lessons
    from tutor.ui import shared_lines
    from tutor.ui.app import make_app

    deadline = time.monotonic() + seconds
    drawn = 0

    async def walk(pilot, walked: list, first_steps: int) -> None:
        nonlocal drawn
        app = pilot.app
        await pilot.pause()
        for lesson in walked:
            app.open_lesson(lesson.id, 0)
            await pilot.pause()
            drawn += 1
            for _ in range(first_steps or len(lesson.steps) - 1):
                if time.monotonic() >= deadline:
                    break
                # what a session does on `n`, and then while its learner
                # reads (here at once: no timer's wait)
                await pilot.press("n")
                await pilot.pause()
                app.screen.prefetch()
                drawn += 1
            # a reading learner goes back a step too (a third of the keys
            # in bench_serve's reading rows): what that runs is warmed here
            await pilot.press("p")
            await pilot.pause()
            await pilot.press("n")
            await pilot.pause()
            await pilot.press("l")
            await pilot.pause()
        # a step's prefetch (a timer after it is drawn) may run a lesson
        # ahead: let it finish here rather than in a thread the forker must
        # not have
        await pilot.pause(0.5)
        await app.workers.wait_for_complete()
        app.exit()

    walks = [(lang, [lesson for lesson in lessons if lesson.id in shared.get(lang, ())], 0)
             for lang in langs or LANGS]
    walks = [one for one in walks if one[1]]
    kept = bool(walks)
    if not kept:  # nothing shared: the built-in chapter's first steps, for the imports
        walks = [(LANGS[0], load_lessons(None)[:1], 2)]
    try:
        for lang, walked, first_steps in walks:
            if time.monotonic() >= deadline:
                break
            app = make_app(lessons=walked, lang=lang, seed=seed, learner="rehearsal", store=None)
            with shared_lines.keeping():
                asyncio.run(app.run_async(headless=True, size=REHEARSAL_SIZE,
                                          auto_pilot=partial(walk, walked=walked, first_steps=first_steps)))
        _join_threads(REHEARSAL_THREADS_SECONDS)
    except Exception as exc:
        print(f"tutor serve: warm-up run of the app failed ({type(exc).__name__}: {exc}); "
              "sessions will use more memory and CPU", file=sys.stderr, flush=True)
    return drawn if kept else 0


def share_lesson_results(lessons: list, config: dict) -> dict[str, list[str]]:
    """Each lesson run once here, at its default params, in each language
    sessions may speak (config's `langs`; by default all), with
    `tutor.runner.share_results`: every session forked afterwards shows
    those results, so a learner reading or following the class starts no
    step process (~20 MB and ~30 ms of CPU a lesson opened). Lessons left
    when SHARE_RESULTS_SECONDS run out run live in each session. Returns
    the ids of the lessons shared, by language."""
    import resource

    from tutor.i18n import LANGS
    from tutor.runner import share_results

    from .limits import vm_size_bytes

    # the lessons' code runs under a session's memory cap, as in a session
    # (the step children inherit it); the soft limit only, put back after
    limit = resource.getrlimit(resource.RLIMIT_AS)
    memory_mb = config.get("session_memory_mb") or 0
    shared: dict[str, list[str]] = {}
    deadline = time.monotonic() + SHARE_RESULTS_SECONDS
    try:
        if memory_mb > 0:
            cap = vm_size_bytes() + memory_mb * 1024 * 1024
            if limit[1] == resource.RLIM_INFINITY or cap < limit[1]:
                resource.setrlimit(resource.RLIMIT_AS, (cap, limit[1]))
        for lang in config.get("langs") or LANGS:
            seconds = deadline - time.monotonic()
            shared[lang] = share_results(lessons, config.get("seed", 0) or 0, (lang,), seconds)
    except Exception as exc:
        print(f"tutor serve: running the lessons ahead failed ({type(exc).__name__}: {exc}); "
              "each session runs them", file=sys.stderr, flush=True)
    finally:
        resource.setrlimit(resource.RLIMIT_AS, limit)
    _join_threads(REHEARSAL_THREADS_SECONDS)
    return shared


def _join_threads(seconds: float) -> None:
    """Wait (`seconds` at most) for the threads the rehearsal left: a step's
    or a prefetch's daemon thread finishes its lesson work (bounded by the
    run ahead's time and the steps' limits); forking needs them gone."""
    import threading

    deadline = time.monotonic() + seconds
    for thread in threading.enumerate():
        if thread is not threading.main_thread():
            thread.join(timeout=max(0.0, deadline - time.monotonic()))


def single_threaded(seconds: float) -> int:
    """The threads this process has once the ones the warm-up left have
    ended (waiting `seconds` at most for each of two things: Python's
    threads to finish, and the kernel to end them: a joined thread is gone
    from Python a moment before it is gone from /proc)."""
    threads = thread_count()
    if threads == 1:
        return threads
    _join_threads(seconds)
    deadline = time.monotonic() + seconds
    while (threads := thread_count()) != 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    return threads


def thread_count() -> int:
    return len(os.listdir("/proc/self/task"))


class Forker:
    def __init__(self, sock: socket.socket, warm: Warm):
        self.sock = sock
        self.warm = warm
        self.children: set[int] = set()
        self.selector = selectors.DefaultSelector()
        self.wake_r, self.wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(self.wake_w, False)

    def serve(self) -> int:
        signal.set_wakeup_fd(self.wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)   # wakes select via the wakeup fd
        stopping = []
        signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
        self.selector.register(self.sock, selectors.EVENT_READ)
        self.selector.register(self.wake_r, selectors.EVENT_READ)
        while not stopping:
            for key, _ in self.selector.select(timeout=1.0):
                if key.fd == self.wake_r:
                    self._drain_wakeups()
                elif not self._handle_message():
                    stopping.append(True)
                    break
            self._reap()
        self._end_children()
        return 0

    # -- messages from the server

    def _handle_message(self) -> bool:
        try:
            message, fds = protocol.receive(self.sock)
        except (ConnectionError, OSError):
            return False
        if message is None:
            return False
        if message.get("op") == "spawn" and fds:
            # fds[1], when sent: the session's end of its class channel (class_hub.py)
            self._spawn(message, fds[0], fds[1] if len(fds) > 1 else None)
            for fd in fds[2:]:
                os.close(fd)
        else:
            for fd in fds:
                os.close(fd)
        return True

    def _spawn(self, request: dict, slave_fd: int, channel_fd: int | None = None) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            pid = os.fork()
        except OSError as exc:
            os.close(slave_fd)
            if channel_fd is not None:
                os.close(channel_fd)
            self._send({"op": "failed", "id": request["id"], "error": str(exc)})
            return
        if pid == 0:  # the session child: never returns
            from tutor.serve import child

            child.run_child(slave_fd, request, self.warm, channel_fd)
        os.close(slave_fd)
        if channel_fd is not None:
            os.close(channel_fd)
        self.children.add(pid)
        fds = []
        try:
            fds.append(os.pidfd_open(pid))
        except (AttributeError, OSError):
            pass  # kernels without pidfd: the server falls back to the pid
        try:
            self._send({"op": "started", "id": request["id"], "pid": pid}, fds)
        finally:
            for fd in fds:
                os.close(fd)

    def _send(self, message: dict, fds=()) -> None:
        try:
            protocol.send(self.sock, message, fds)
        except OSError:
            pass  # the server is gone; the main loop notices on its next read

    # -- children

    def _drain_wakeups(self) -> None:
        try:
            while os.read(self.wake_r, 512):
                pass
        except BlockingIOError:
            pass

    def _reap(self) -> None:
        while True:
            try:
                pid, status, usage = os.wait4(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.children.discard(pid)
            # The CPU time tells the server a SIGKILL was the kernel's CPU cap.
            self._send({"op": "exited", "pid": pid, "code": os.waitstatus_to_exitcode(status),
                        "cpu": usage.ru_utime + usage.ru_stime})

    def _end_children(self) -> None:
        """SIGTERM every child (the app exits cleanly, progress is saved),
        SIGKILL what is left after the grace period, reap all of them."""
        for pid in list(self.children):
            _signal(pid, signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        while self.children and time.monotonic() < deadline:
            self._reap()
            time.sleep(0.05)
        for pid in list(self.children):
            _signal(pid, signal.SIGKILL)
        while self.children:
            try:
                pid, _ = os.waitpid(-1, 0)
            except ChildProcessError:
                break
            self.children.discard(pid)


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def main(argv: list[str]) -> int:
    fd = int(argv[0])
    config = json.loads(argv[1])
    sock = socket.socket(fileno=fd)
    protocol.die_with_parent(config["parent"])
    protocol.set_process_name("tutor forker")
    # Ctrl-C at the teacher's console reaches the whole process group; the
    # server ends the class in order, so this process waits to be told.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The same for a hang-up when the teacher's terminal closes: the server
    # decides what SIGHUP means (see Classroom.serve).
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        warm = warm_up(config)
    except Exception as exc:  # reported to the server, which tells the teacher
        protocol.send(sock, {"op": "error", "error": f"{type(exc).__name__}: {exc}"})
        return 1
    threads = single_threaded(5)
    if threads != 1:
        protocol.send(sock, {"op": "error", "error": f"{threads} threads after warm-up; forking would be unsafe"})
        return 1
    # each session offers KSM the pages it writes (tutor.serve.merging);
    # the server tells the teacher whether the machine merges them
    protocol.send(sock, {"op": "ready", "pid": os.getpid(), "merging": merging.ksm_state(), "warm": warm.report})
    return Forker(sock, warm).serve()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
