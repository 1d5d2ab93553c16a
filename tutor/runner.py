"""Runs a lesson's steps live with PyTorch, each within its time limit, in a
child process that a step's code cannot take the tutor down with.

`LessonRun` is what the app, `show` and `check --run` use. The steps run in
the in-process engine (tutor.step_engine), inside a child forked from this
process (tutor.step_process); the tutor waits for each step at most its
time limit (`time_limit` in the lesson file, 10 s by default). A step that
takes longer, or whose code ends its process, is killed; its result is an
error saying so, and the run goes on: a fresh child replays the steps before
it (same seed, same numbers) and skips it, so later steps run in the
namespace the earlier ones left.

Nothing a child starts outlives the tutor: children are killed when their
run is dropped, when the interpreter exits (before it waits for threads, so
a thread waiting for a step never holds the exit), and on `stop_all()`.

Memory on a classroom server: a child's own pages are ~20 MB, as much as the
learner's whole session, and a reading learner needs none, because the run
keeps every result. So a server makes idle children end by themselves
(`end_idle_children_after`), and the app runs ahead (`run_ahead`) while the
learner reads, so that walking through a lesson needs one child at its
start, not one per key. A run whose child ended starts a fresh one when it
needs one; it replays the steps before (same seed, same numbers).
"""

from __future__ import annotations

import os
import select
import signal
import threading
import time
import weakref
from dataclasses import dataclass, field

from .i18n import Catalog
from .lesson import Lesson
from .step_engine import (  # noqa: F401  (the runner's public names)
    DEFAULT_TIME_LIMIT,
    InProcessRun,
    PlotData,
    RunParams,
    Series,
    StepResult,
    load_torch,
    time_limit,
)
from .step_process import IDLE_REPLY, ChildGone, ChildIdle, receive, result_from_wire, send, spawn
from .values import Value, from_wire

STRINGS = Catalog(
    {
        "timed_out": {
            "en": "stopped after {seconds} s: the step's code ran longer than its time limit",
            "pt": "interrompido após {seconds} s: o código do passo passou do seu tempo limite",
        },
        "exit_code": {
            "en": "the step's code ended its process (exit code {code}); the tutor went on",
            "pt": "o código do passo encerrou o próprio processo (código de saída {code}); o tutor continuou",
        },
        "signal": {
            "en": "the step's code ended its process (signal {name}); the tutor went on",
            "pt": "o código do passo encerrou o próprio processo (sinal {name}); o tutor continuou",
        },
        "failed": {
            "en": "the tutor could not run this step: {error}",
            "pt": "o tutor não conseguiu rodar este passo: {error}",
        },
    }
)

# At most this many idle children are kept; beyond it the least recently
# used one is ended (its run replays its steps in a fresh child when next
# needed, in milliseconds). A child holds ~10 MB of its own (measured on the
# chapter): a learner who opens every lesson keeps one, not eight, which
# matters for a classroom server's seat budget.
MAX_IDLE_CHILDREN = 1
_REAP_SECONDS = 2.0
# Seconds a run ahead may go on past the step it was asked for (a step
# already started finishes, within its own limit): the chapter's longest
# lesson runs whole in ~30 ms, a teacher's heavy one stops here.
RUN_AHEAD_SECONDS = 1.0
_IDLE_RETRIES = 3  # fresh children tried when one ends for idleness first
_idle_seconds: float | None = None  # see end_idle_children_after


def end_idle_children_after(seconds: float | None) -> None:
    """From now on, children started in this process (and in processes
    forked from it) end by themselves after `seconds` without a request;
    None keeps them until their run is dropped (the default: a local
    learner has memory to spare, and a change of a param then costs no
    fork). A classroom server's warm parent sets it before forking."""
    global _idle_seconds  # noqa: PLW0603  (a process-wide policy)
    if seconds is not None and not seconds > 0:
        raise ValueError(f"idle seconds must be positive, not {seconds!r}")
    _idle_seconds = seconds


# lesson results computed once before a classroom server forks its sessions
# (share_results): key -> (the lesson object, its results at those params)
_shared_results: dict[tuple, tuple[Lesson, tuple[StepResult, ...]]] = {}


def _shared_key(run: RunParams) -> tuple:
    return (run.lesson.id, run.seed, run.lang, tuple(sorted(run.param_values.items())))


def share_results(lessons: list[Lesson], seed: int, langs: tuple[str, ...], seconds: float) -> list[str]:
    """Run each lesson once at its default params, in this process's step
    children as any run does, and keep the results for every `LessonRun`
    of the same lesson object, seed, language and params made in this
    process or a process forked from it: a classroom server's warm parent
    calls it before forking sessions, so a learner reading or following a
    lesson at its defaults sees numbers computed (really, and with the same
    seed, so the same ones) once for the class, and needs no step process.
    A param changed, a rerun, a code answer checked: those run live.

    Stops after `seconds` (a teacher's heavy lessons then run live per
    learner); a lesson with a failed step is not kept (a time limit hit
    under load need not repeat). Returns the ids of the lessons kept."""
    kept: list[str] = []
    deadline = time.monotonic() + seconds
    for lesson in lessons:
        for lang in langs:
            if time.monotonic() >= deadline:
                return kept
            run = LessonRun(lesson, seed=seed, lang=lang)
            try:
                results = run.run_all()
            except Exception:
                continue
            finally:
                run.close()
            if all(result.error is None for result in results):
                _shared_results[_shared_key(run)] = (lesson, tuple(results))
                if lesson.id not in kept:
                    kept.append(lesson.id)
    return kept


@dataclass(frozen=True)
class CodeVerdict:
    """A code question's verdict as the child sent it: plain data, in the
    run's language. `lines`: the problem, each check, the mistake's message,
    "all right"; `output`: what the code printed; `values`: the checked
    names' values for the values pane; `unsandboxed`: why the sandbox could
    not be had (the code then ran in a plain fork), else None."""

    passed: bool
    lines: list[str]
    problem_lines: list[str] = field(default_factory=list)
    output: list[str] = field(default_factory=list)
    checks: list[tuple[str, bool]] = field(default_factory=list)
    mistake: int | None = None
    values: dict[str, Value] = field(default_factory=dict)
    unsandboxed: str | None = None

    @classmethod
    def from_reply(cls, reply: dict, lang: str) -> CodeVerdict:
        data = reply.get("verdict")
        if not reply.get("ok") or not isinstance(data, dict):
            error = str(reply.get("error") or "?")
            return cls(False, [error], problem_lines=[error])

        def texts(key: str) -> list[str]:
            by_lang = data.get(key)
            got = by_lang.get(lang) if isinstance(by_lang, dict) else None
            return [str(x) for x in got] if isinstance(got, list) else []

        values = {item[0]: from_wire(item[1]) for item in data.get("values") or []
                  if isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)}
        mistake = data.get("mistake")
        unsandboxed = data.get("unsandboxed")
        return cls(
            passed=data.get("passed") is True,
            lines=texts("lines"),
            problem_lines=texts("problem_lines"),
            output=texts("output_lines"),
            checks=[(str(c[0]), c[1] is True) for c in data.get("checks") or [] if isinstance(c, list) and len(c) == 2],
            mistake=mistake if isinstance(mistake, int) and not isinstance(mistake, bool) else None,
            values=values,
            unsandboxed=unsandboxed if isinstance(unsandboxed, str) else None,
        )


class RunStopped(RuntimeError):
    """`stop_all()` was called: the tutor is ending and runs no more steps."""


class LessonRun(RunParams):
    """One learner's run through one lesson: its results, step by step.

    Steps run in order in a shared namespace (in the child) seeded with
    `seed`, so the same lesson shows the same numbers for everyone. Changing
    a param resets the run; the next `run_to` re-runs from the first step,
    which is cheap and keeps every shown value consistent with the code that
    produced it. `time_limit`, when given, caps every step's own limit (for
    `show --time-limit` and tests). Not thread-safe: use one run from one
    thread at a time (`stop_all` may be called from any thread).
    """

    def __init__(self, lesson: Lesson, seed: int = 0, params: dict[str, float] | None = None,
                 lang: str = "en", time_limit: float | None = None):
        super().__init__(lesson, seed, params, lang)
        self.time_limit = time_limit
        self._child: _Child | None = None
        self._skipped: dict[int, str] = {}  # step index -> why it is skipped when replayed
        self.reset()

    def reset(self, shared: bool = True) -> None:
        """Forget the results (a param changed, or a rerun); with `shared`,
        start from the results `share_results` computed for this lesson,
        seed, language and params, if any (`shared=False`: a rerun the
        learner asked for runs live)."""
        kept = _shared_results.get(_shared_key(self)) if shared and self.time_limit is None else None
        self.results: list[StepResult] = list(kept[1]) if kept and kept[0] is self.lesson else []
        self._skipped = {}

    def limit_for(self, index: int) -> float:
        """Seconds step `index` may run."""
        limit = time_limit(self.lesson.steps[index])
        if self.time_limit is not None and self.time_limit > 0:
            limit = min(limit, self.time_limit)
        return limit

    def run_to(self, index: int) -> StepResult:
        if not 0 <= index < len(self.lesson.steps):
            raise IndexError(f"lesson '{self.lesson.id}' has no step {index + 1}")
        _collect_ended()
        while len(self.results) <= index:
            self._run_next()
        return self.results[index]

    def run_ahead(self, index: int, keep_going=lambda: True, seconds: float | None = None) -> None:
        """Run up to step `index`, then on through the lesson while
        `keep_going()` says so (checked between steps) and for at most
        `seconds` (RUN_AHEAD_SECONDS) past it: what a prefetch asks while the
        learner reads, so that their next keys find every step ready and no
        child is needed for them (an idle child may end)."""
        self.run_to(index)
        budget = RUN_AHEAD_SECONDS if seconds is None else seconds
        deadline = time.monotonic() + budget
        while (len(self.results) < len(self.lesson.steps) and time.monotonic() < deadline
               and keep_going()):
            self._run_next()

    def run_all(self) -> list[StepResult]:
        self.run_to(len(self.lesson.steps) - 1)
        return self.results

    def close(self) -> None:
        """End the child now (it is also ended when the run is dropped).
        From the thread that uses the run; from any other, `stop`."""
        child, self._child = self._child, None
        if child is not None:
            child.close()

    def stop(self) -> None:
        """Kill the child now, from any thread: a `run_to` waiting for it
        raises RunStopped at once. (The app calls it when it ends, so a step
        still running never keeps the process alive.) The results so far are
        kept; a later `run_to` starts a fresh child."""
        child = self._child
        if child is not None:
            child.stop()

    def check_code(self, index: int, code: str, lang: str | None = None) -> CodeVerdict:
        """The learner's `code` for step `index`'s code question, run and
        judged in the child that holds the namespace step `index` left (the
        code itself in a sandboxed grandchild): the verdict as plain data,
        in `lang` (the run's language by default)."""
        reply = self._code_request(index, {"op": "check_code", "index": index, "code": code})
        return CodeVerdict.from_reply(reply, lang or self.lang)

    def validate_code(self, index: int) -> list[tuple[str, int, str]]:
        """`tutor check --run`'s test of step `index`'s exercise: (field,
        line within it, message) for each problem; none when it is sound."""
        reply = self._code_request(index, {"op": "validate_code", "index": index})
        if not reply.get("ok"):
            return [("solution", 0, str(reply.get("error") or "?"))]
        return [(str(f), int(n), str(m)) for f, n, m in reply.get("problems") or []]

    def _code_request(self, index: int, message: dict) -> dict:
        step = self.lesson.steps[index]
        if step.question is None or step.question.code is None:
            raise ValueError(f"step {index + 1} has no code question")
        self.run_to(index)
        # the solution and the learner's code, side by side, with time to fork
        timeout = 2 * step.question.code.time_limit + 10
        for attempt in range(_IDLE_RETRIES):
            child = self._ready_child(index + 1)
            with child.lock:
                child.idle_since = None
                try:
                    return child.request(message, timeout)
                except ChildIdle:
                    if attempt + 1 == _IDLE_RETRIES:
                        raise
                    continue  # it ended before it read the request: a fresh one
                except ChildGone as gone:
                    self._lose_child(child)
                    return {"ok": False, "error": self._gone_error(child, gone, timeout)}
                finally:
                    child.idle_since = time.monotonic()
        raise AssertionError("unreachable")

    # ------------------------------------------------------------ internals

    def _run_next(self) -> None:
        """Run the next step; a child that ended for idleness before it read
        a request (a race with its own clock) is replaced and asked again."""
        for attempt in range(_IDLE_RETRIES):
            try:
                return self._run_next_in_child()
            except ChildIdle:
                if attempt + 1 == _IDLE_RETRIES:
                    raise

    def _run_next_in_child(self) -> None:
        index = len(self.results)
        step = self.lesson.steps[index]
        code = self.code_for(index)
        limit = self.limit_for(index)
        child = self._ready_child(index)
        with child.lock:
            child.idle_since = None
            try:
                reply = child.request({"op": "step", "limit": limit}, limit)
            except ChildGone as gone:
                self._lose_child(child)
                error = self._gone_error(child, gone, limit)
                self._skipped[index] = error
                self.results.append(StepResult(index=index, step=step, code=code, error=error))
                return
            finally:
                child.idle_since = time.monotonic()
        child.done += 1
        if reply.get("ok") and isinstance(reply.get("result"), dict):
            self.results.append(result_from_wire(reply["result"], index, step, code))
        else:
            error = STRINGS.get("failed", self.lang, error=str(reply.get("error") or "?"))
            self.results.append(StepResult(index=index, step=step, code=code, error=error))

    def _ready_child(self, index: int) -> _Child:
        """A child whose namespace is what steps 0..index-1 left: the one we
        have, or a fresh one that replays them (skipping the steps that never
        ended or ended their process). A replayed step that fails this time
        is skipped too, and the replay starts over: it always ends."""
        while True:
            child = self._child
            if child is not None and (child.closed or child.stopped or child.ended()):
                self._lose_child(child)
                child = None
            if child is not None and (child.params != self.param_values or child.done > index):
                # starting over in the child costs less than a new child
                with child.lock:
                    try:
                        child.request({"op": "reset", "params": self.param_values}, _REAP_SECONDS)
                        child.params, child.done = dict(self.param_values), 0
                    except (ChildGone, ChildIdle):
                        self._lose_child(child)
                        child = None
            if child is None:
                child = self._child = _Child.start(self.lesson, self.seed, self.param_values, self.lang)
            failed = self._replay(child, index)
            if failed is None:
                return child
            number, error = failed
            self._skipped[number] = error
            self._lose_child(child)

    def _replay(self, child: _Child, index: int) -> tuple[int, str] | None:
        with child.lock:
            while child.done < index:
                number = child.done
                try:
                    if number in self._skipped:
                        child.request({"op": "skip", "error": self._skipped[number]}, _REAP_SECONDS)
                    else:
                        limit = self.limit_for(number)
                        child.request({"op": "step", "limit": limit, "quiet": True}, limit)
                except ChildIdle:
                    self._lose_child(child)
                    raise
                except ChildGone as gone:
                    return number, self._gone_error(child, gone, self.limit_for(number))
                child.done += 1
        return None

    def _lose_child(self, child: _Child) -> None:
        child.close(wait=False)
        if self._child is child:
            self._child = None

    def _gone_error(self, child: _Child, gone: ChildGone, limit: float) -> str:
        if child.stopped or _stopping.is_set():
            raise RunStopped("the run was stopped")
        if gone.timed_out:
            return STRINGS.get("timed_out", self.lang, seconds=f"{limit:g}")
        status = child.close()  # it ended: reaping it is immediate
        if status is not None and os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            if number == signal.SIGXCPU:
                _pass_on_cpu_exhaustion()
            try:
                name = signal.Signals(number).name
            except ValueError:
                name = str(number)
            return STRINGS.get("signal", self.lang, name=name)
        code = os.WEXITSTATUS(status) if status is not None and os.WIFEXITED(status) else "?"
        return STRINGS.get("exit_code", self.lang, code=code)


# ---------------------------------------------------------------- children

_stopping = threading.Event()
_registry_lock = threading.Lock()
_children: weakref.WeakSet[_Child] = weakref.WeakSet()


class _Child:
    """One forked child: its pid, our end of its socket, and a pidfd that
    says when it ended (where the kernel has them)."""

    def __init__(self, pid: int, sock, params: dict[str, float]):
        self.pid = pid
        self.sock = sock
        self.params = dict(params)
        self.done = 0  # steps the child has run or skipped
        self.closed = False
        self.stopped = False
        self.status: int | None = None
        self.lock = threading.Lock()  # held while the child runs a request
        self.idle_since: float | None = time.monotonic()
        try:
            self.pidfd: int | None = os.pidfd_open(pid)
        except (AttributeError, OSError):
            self.pidfd = None
        self._finalizer = weakref.finalize(self, _kill, pid, sock, self.pidfd, False)

    @classmethod
    def start(cls, lesson: Lesson, seed: int, params: dict[str, float], lang: str) -> _Child:
        if _stopping.is_set():
            raise RunStopped("the tutor is ending")
        load_torch()  # children are born with torch imported, once for all of them
        _reap_killed()
        _end_idle_children()
        with _registry_lock:
            pid, sock = spawn(lesson, seed, params, lang, idle=_idle_seconds)
            child = cls(pid, sock, params)
            _children.add(child)
        return child

    def request(self, message: dict, timeout: float) -> dict:
        """Send `message`; the reply, or ChildGone after `timeout` seconds or
        when the child dies, or ChildIdle when it ended for idleness before
        it read `message` (nothing of it ran). The caller holds `lock`."""
        if self.closed:
            raise ChildGone(timed_out=False)
        deadline = time.monotonic() + timeout
        try:
            send(self.sock, message)
        except OSError:
            # gone already: its last words, if it ended for idleness, are
            # still waiting on our end of the socket
            try:
                last = receive(self.sock, time.monotonic() + 0.1, self.pidfd)
            except ChildGone:
                last = {}
            if last == IDLE_REPLY:
                self._lost_for_idleness()
            raise ChildGone(timed_out=False) from None
        reply = receive(self.sock, deadline, self.pidfd)
        if reply == IDLE_REPLY:
            self._lost_for_idleness()
        return reply

    def _lost_for_idleness(self) -> None:
        self.close(wait=False)
        raise ChildIdle()

    def ended(self) -> bool:
        """Whether an idle child has ended (or said it is ending): between
        requests, the child has nothing to say but its last words."""
        if self.closed:
            return True
        poller = select.poll()
        poller.register(self.sock.fileno(), select.POLLIN)
        return bool(poller.poll(0))

    def stop(self) -> None:
        """Kill the child by signal only (safe from any thread: the thread
        that waits for it sees it end, and closes it)."""
        self.stopped = True
        _signal_kill(self.pid)

    def close(self, wait: bool = True) -> int | None:
        """Kill the child (and whatever it started); with `wait`, reap it and
        return its wait status. Without, it is reaped later (a big child
        takes ~15 ms to tear down: not a cost for the thread that drops it)."""
        if not self.closed:
            self.closed = True
            self._finalizer.detach()
            self.status = _kill(self.pid, self.sock, self.pidfd, wait)
        elif wait and self.status is None:
            self.status = _reap(self.pid)
        return self.status


_unreaped: set[int] = set()  # killed children not waited for yet


def _kill(pid: int, sock, pidfd: int | None, wait: bool = True) -> int | None:
    """SIGKILL a child's process group; with `wait`, reap it, waiting a
    moment at most."""
    _signal_kill(pid)
    for closer in (sock.close, lambda: os.close(pidfd) if pidfd is not None else None):
        try:
            closer()
        except OSError:
            pass
    if not wait:
        with _registry_lock:
            _unreaped.add(pid)
        return None
    return _reap(pid)


def _signal_kill(pid: int) -> None:
    """SIGKILL a child and its process group (whatever its code started)."""
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except OSError:
            pass


def _reap_killed() -> None:
    """Collect children killed earlier without waiting (never blocks)."""
    with _registry_lock:
        pids = list(_unreaped)
    for pid in pids:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            with _registry_lock:
                _unreaped.discard(pid)


def _reap(pid: int) -> int | None:
    """Wait for a killed child, a moment at most; its wait status."""
    with _registry_lock:
        _unreaped.discard(pid)
    status = None
    deadline = time.monotonic() + _REAP_SECONDS
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # reaped already (or not ours)
            break
        if done:
            break
        if time.monotonic() > deadline:
            with _registry_lock:
                _unreaped.add(pid)
            return None
        time.sleep(0.002)
    return status


def _end_idle_children() -> None:
    """Keep at most MAX_IDLE_CHILDREN idle children: end the ones idle longest."""
    with _registry_lock:
        idle = [c for c in list(_children) if not c.closed and c.idle_since is not None]
    idle.sort(key=lambda c: c.idle_since or 0.0)
    for child in idle[: max(0, len(idle) - MAX_IDLE_CHILDREN + 1)]:
        if child.lock.acquire(blocking=False):  # never one that is running a step
            try:
                child.close(wait=False)
            finally:
                child.lock.release()


def _collect_ended() -> None:
    """Close and reap the children that ended for idleness while no run
    looked (each would be a zombie until its run needed a child again)."""
    with _registry_lock:
        idle = [c for c in list(_children) if not c.closed and c.idle_since is not None]
    for child in idle:
        if child.lock.acquire(blocking=False):
            try:
                if child.ended():
                    child.close(wait=False)
            finally:
                child.lock.release()
    _reap_killed()


def stop_all() -> None:
    """Stop every run's child now, from any thread (see LessonRun.stop)."""
    with _registry_lock:
        children = list(_children)
    for child in children:
        child.stop()


def _at_exit() -> None:
    _stopping.set()  # no new children from threads still running
    stop_all()
    with _registry_lock:
        children = list(_children)
    for child in children:
        child.close(wait=False)
    for pid in list(_unreaped):
        _reap(pid)


def _pass_on_cpu_exhaustion() -> None:
    """A child ended by SIGXCPU spent the CPU allowance it inherited from
    this process (a classroom session's `--session-cpu`): the allowance is
    this process's, so tell it, as if it had spent it itself. Only under a
    CPU limit: without one, SIGXCPU can only come from the lesson's code."""
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_CPU)
    if soft != resource.RLIM_INFINITY:
        os.kill(os.getpid(), signal.SIGXCPU)


def _forget_inherited_children() -> None:
    """In a process forked from this one (a classroom session forked from
    the server's warm parent, or a step's own child), the children listed
    here are the parent's, not ours: never signal, reap or close them (their
    pids may be reused, and the descriptors' numbers may by now be the new
    process's own), and let any run that holds one start a child of its own."""
    global _registry_lock  # noqa: PLW0603  (a fresh lock is the point)
    _registry_lock = threading.Lock()  # another thread may have held it at the fork
    for child in list(_children):
        child._finalizer.detach()
        child.closed = True
    _children.clear()
    _unreaped.clear()


def _register_exit_hook() -> None:
    """Kill children before the interpreter waits for non-daemon threads:
    a worker thread waiting for a step must not hold the exit (`q` in the
    app) for the rest of the step's time limit."""
    register = getattr(threading, "_register_atexit", None)
    if register is not None:
        try:
            register(_at_exit)
            return
        except RuntimeError:  # already shutting down
            pass
    import atexit

    atexit.register(_at_exit)


_register_exit_hook()
os.register_at_fork(after_in_child=_forget_inherited_children)
