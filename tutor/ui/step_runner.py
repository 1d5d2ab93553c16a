"""Running a lesson's steps for the lesson screen, off the UI thread.

The screen never runs lesson code itself: it asks a `StepRunner` for a step.
The runner keeps every step's result, so a step already run with the
screen's params comes back at once (`request` returns it) and is drawn on
the UI thread with no hand-off. Otherwise a thread runs it and posts the
result back as `StepReady`, so keys keep answering while torch works.

Requests carry a token; a result whose token is no longer the newest is
dropped, so pressing `n` five times quickly shows the fifth step, not a
slideshow of the four before it. After a step is drawn, `prefetch` runs the
next one while the learner reads, so `n` nearly always finds it ready.

A step runs in a daemon thread watched by a worker (tutor/ui/threads.py),
so that a step that never ends cannot keep `q` from ending the app.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from textual.dom import DOMNode
from textual.message import Message

from tutor.runner import LessonRun, StepResult
from tutor.ui.threads import watched


@dataclass
class RunHolder:
    """A lesson's LessonRun and the lock that keeps it to one thread at a
    time (the runner is not thread-safe). Kept by the app per lesson, so
    leaving and reopening a lesson does not re-run it."""

    run: LessonRun
    lock: threading.Lock = field(default_factory=threading.Lock)


class StepReady(Message):
    """A thread finished running up to a step."""

    def __init__(self, token: int, result: StepResult, params: dict[str, float]) -> None:
        super().__init__()
        self.token = token
        self.result = result
        self.params = params


class StepPrefetched(Message):
    """A step run ahead (`prefetch`) is ready: the screen may lay out its
    values now, while the learner reads, instead of on the key."""

    def __init__(self, index: int, result: StepResult) -> None:
        super().__init__()
        self.index = index
        self.result = result


class StepFailed(Message):
    """The runner itself failed (not the lesson's code, which the runner
    reports as `StepResult.error`)."""

    def __init__(self, token: int, error: str) -> None:
        super().__init__()
        self.token = token
        self.error = error


class StepRunner:
    """One lesson's run, driven for one screen: the newest request, whether
    it is still running, and the params it runs with.

    `target` receives StepReady and StepFailed (posted from the thread;
    Textual's post_message is thread-safe). `torch_ready` is set once torch
    has been imported: a step waits for it, so torch is never imported by
    two threads at once (that can hang).
    """

    def __init__(self, target: DOMNode, holder: RunHolder, torch_ready: threading.Event) -> None:
        self.target = target
        self.holder = holder
        self.torch_ready = torch_ready
        self.params: dict[str, float] = dict(holder.run.param_values)
        self.token = 0
        self.busy = False

    def request(self, index: int, *, reset: bool = False) -> StepResult | None:
        """Ask for step `index` with `self.params`. Returns the result if the
        run already has it (nothing else happens); else starts a thread that
        posts StepReady or StepFailed with this request's token, and
        returns None."""
        self.token += 1
        token = self.token
        params = dict(self.params)
        cached = None if reset else self.cached(index, params)
        if cached is not None:
            self.busy = False
            return cached
        self.busy = True
        holder, target, torch_ready = self.holder, self.target, self.torch_ready

        def work() -> None:
            while not torch_ready.wait(0.1):
                if token != self.token:
                    return
            with holder.lock:
                if token != self.token:
                    return  # a newer request supersedes this one
                run = holder.run
                # every request carries all the params it wants, so requests
                # that run out of order still leave the newest params
                for name, value in params.items():
                    run.set_param(name, value)
                if reset:
                    run.reset(shared=False)  # a rerun the learner asked for runs live
                try:
                    result = run.run_to(index)
                except Exception as exc:  # the runner failed, not the lesson
                    target.post_message(StepFailed(token, f"{type(exc).__name__}: {exc}"))
                    return
                target.post_message(StepReady(token, result, dict(run.param_values)))

        watched(target, work, "tutor-step")
        return None

    def is_current(self, token: int) -> bool:
        return token == self.token

    def finished(self, params: dict[str, float] | None = None) -> None:
        """The newest request's result (or failure) arrived."""
        self.busy = False
        if params is not None:
            self.params = dict(params)

    def cached(self, index: int, params: dict[str, float]) -> StepResult | None:
        """The result of step `index` if the run already has it for `params`,
        else None. Never waits: if a thread holds the run, ask a thread."""
        holder = self.holder
        if not holder.lock.acquire(blocking=False):
            return None
        try:
            run = holder.run
            if run.param_values != params or index >= len(run.results):
                return None
            return run.results[index]
        finally:
            holder.lock.release()

    def previous_result(self, index: int) -> StepResult | None:
        """Step `index - 1`'s result with the current params, if the run has
        it. Read without the lock (a prefetch may hold it for seconds): the
        runner only appends to `results` or replaces the list whole."""
        run = self.holder.run
        results = run.results
        if index <= 0 or run.param_values != self.params or index - 1 >= len(results):
            return None
        return results[index - 1]

    def prefetch(self, index: int) -> None:
        """Run step `index` in the background so that a later request finds
        it ready, and the steps after it while no request comes (the
        runner's run ahead: reading on then needs no step process, which a
        classroom server ends when idle). The runner keeps the results;
        `StepPrefetched` tells the target step `index` is there (a result
        that was already there is not told)."""
        if self.busy or index >= len(self.holder.run.lesson.steps):
            return
        holder, params, token = self.holder, dict(self.params), self.token

        def work() -> None:
            with holder.lock:
                run = holder.run
                if token != self.token or run.param_values != params or index < len(run.results):
                    return
                try:
                    run.run_ahead(index, keep_going=lambda: token == self.token and run.param_values == params)
                    result = run.results[index]
                except Exception:
                    return  # the request for that step will report it
            if token == self.token:
                self.target.post_message(StepPrefetched(index, result))

        watched(self.target, work, "tutor-prefetch")

    def code_for(self, index: int) -> str | None:
        """The code step `index` runs with the current params (None if it
        cannot be built: the step itself will show what is wrong)."""
        try:
            return self.holder.run.code_for(index)
        except Exception:
            return None
