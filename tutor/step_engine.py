"""Runs a lesson's steps live with PyTorch, in this process, and captures
what they show.

Every number the tutor prints or draws comes from here: the step's code runs
for real in the lesson's namespace, then the `show` expressions, the plot and
the question's expected answer are evaluated and snapshotted as `Value`s.
torch is imported on the first run (never at import time), so the first
screen of the app does not wait for it.

Whatever a step's code does, its outcome is a `StepResult`: an exception,
even `exit()` or `KeyboardInterrupt`, becomes the step's error, and so does
a question answer of the wrong type for its kind. What a step can do to the
process itself (never end, end it with `os._exit`, hold the interpreter in a
C loop) cannot be caught here: `tutor.runner.LessonRun` runs this engine in
a child process (tutor.step_process) for that.
"""

from __future__ import annotations

import ast
import math
import sys
import traceback
from dataclasses import dataclass, field
from time import perf_counter

from .i18n import Catalog
from .lesson import Lesson, Plot, Step
from .lesson.code_names import binds_afresh, expression_names
from .lesson.model import DEFAULT_TIME_LIMIT
from .values import TextValue, Value, capture

MAX_PLOT_POINTS = 200_000  # points in all the series of one plot

STRINGS = Catalog(
    {
        "ended_tutor": {
            "en": "the step's code tried to end the tutor; the tutor went on",
            "pt": "o código do passo tentou encerrar o tutor; o tutor continuou",
        },
    }
)


def time_limit(step: Step) -> float:
    """The seconds `step` may run (its `time_limit`: 10 s unless the lesson
    says otherwise; the loader keeps it above 0 and at most 600)."""
    limit = step.time_limit
    return limit if isinstance(limit, (int, float)) and math.isfinite(limit) and limit > 0 else DEFAULT_TIME_LIMIT

_torch_module = None
_warmed = False


def load_torch(warm: bool = False):
    """Import torch once, with one intra-op thread.

    On a busy 2-core machine two threads make a tiny step stall for 10-100 ms;
    one thread keeps every step fast. `warm=True` also builds one optimizer,
    whose first use imports torch._dynamo (~0.8 s), so a learner never waits
    for it mid-lesson. The warming happens once per process image: a
    classroom session forked from a warm parent finds it done (doing it
    again would copy some of the parent's pages into every session).
    """
    global _torch_module, _warmed  # noqa: PLW0603  (imported once, on first use)
    if _torch_module is None:
        import torch

        torch.set_num_threads(1)
        _torch_module = torch
    if warm and not _warmed:
        _warmed = True
        # the first backward() and the first loss also pay one-off costs
        # (autograd's engine, kernels) of 50-150 ms: pay them here
        torch = _torch_module
        layer = torch.nn.Linear(2, 2)
        loss = torch.nn.functional.cross_entropy(layer(torch.zeros(1, 2)), torch.tensor([0]))
        loss.backward()
        torch.optim.SGD(layer.parameters(), lr=0.1).step()
    return _torch_module


@dataclass(frozen=True)
class Series:
    label: str
    xs: list[float]
    ys: list[float]
    kind: str = "line"  # line | scatter | tangent | path


@dataclass(frozen=True)
class PlotData:
    title: str
    xlabel: str
    ylabel: str
    series: list[Series]
    log: bool = False
    animate: bool = False


@dataclass
class StepResult:
    index: int
    step: Step
    code: str
    values: dict[str, Value] = field(default_factory=dict)
    previous: dict[str, Value] = field(default_factory=dict)
    plot: PlotData | None = None
    expected: Value | None = None
    error: str | None = None
    loss: float | None = None
    seconds: float = 0.0
    # `show` expressions that raised: expression -> "Name: message" (the
    # value shown is a note saying so; `check --run` reports these)
    show_errors: dict[str, str] = field(default_factory=dict)


class RunParams:
    """What a run in this process and a run in a child share: the lesson, its
    seed and language, the params (clamped to their bounds; a change resets
    the run) and the exact code each step runs."""

    def __init__(self, lesson: Lesson, seed: int, params: dict[str, float] | None, lang: str):
        self.lesson = lesson
        self.seed = seed
        self.lang = lang
        self.param_values = {p.name: p.default for p in lesson.params}
        for name, value in (params or {}).items():
            self.param_values[name] = lesson.param(name).clamp(float(value))

    def reset(self) -> None:
        raise NotImplementedError

    def set_param(self, name: str, value: float) -> float:
        new = self.lesson.param(name).clamp(float(value))
        if new != self.param_values[name]:
            self.param_values[name] = new
            self.reset()
        return new

    def step_param(self, name: str, direction: int) -> float:
        param = self.lesson.param(name)
        return self.set_param(name, param.moved(self.param_values[name], direction))

    def code_for(self, index: int) -> str:
        """The exact source that runs for a step: the step's code, preceded by
        the assignment of every param this step is the first to use."""
        step = self.lesson.steps[index]
        lines = [
            f"{name} = {self.param_values[name]!r}"
            for name, first in self.lesson.param_steps.items()
            if first == index
        ]
        code = step.code.strip("\n")
        return "\n".join(lines + ([code] if code else []))


class InProcessRun(RunParams):
    """One learner's run through one lesson, in this process: a namespace and
    its results.

    Steps run in order in a shared namespace seeded with `seed`, so the same
    lesson shows the same numbers for everyone. Changing a param resets the
    run; the next `run_to` re-runs from the first step, which is cheap and
    keeps every shown value consistent with the code that produced it.
    Not thread-safe: use one run from one thread at a time.
    """

    def __init__(self, lesson: Lesson, seed: int = 0, params: dict[str, float] | None = None, lang: str = "en"):
        super().__init__(lesson, seed, params, lang)
        self.reset()

    def reset(self) -> None:
        self.results: list[StepResult] = []
        self._ns: dict | None = None
        self._shown: dict[str, Value] = {}

    def run_to(self, index: int) -> StepResult:
        if not 0 <= index < len(self.lesson.steps):
            raise IndexError(f"lesson '{self.lesson.id}' has no step {index + 1}")
        while len(self.results) <= index:
            self._run_next()
        return self.results[index]

    def run_all(self) -> list[StepResult]:
        self.run_to(len(self.lesson.steps) - 1)
        return self.results

    def run_next(self) -> StepResult:
        """Run the next step; its result."""
        self._run_next()
        return self.results[-1]

    def skip(self, error: str) -> StepResult:
        """Record the next step as not run, with `error`, and move past it:
        the step after it runs in the namespace the steps before left.
        (A step that never ended, or ended its process, is skipped when the
        lesson is run again.)"""
        index = len(self.results)
        step = self.lesson.steps[index]
        self.results.append(StepResult(index=index, step=step, code=self.code_for(index), error=error))
        return self.results[-1]

    # ------------------------------------------------------------ internals

    def _namespace(self) -> dict:
        torch = load_torch()
        torch.manual_seed(self.seed)
        ns = {
            "__name__": "__lesson__",
            "torch": torch,
            "nn": torch.nn,
            "optim": torch.optim,
            "F": torch.nn.functional,
            "math": math,
        }
        ns.update(self.param_values)
        return ns

    def _run_next(self) -> None:
        index = len(self.results)
        step = self.lesson.steps[index]
        if self._ns is None:
            self._ns = self._namespace()
        ns = self._ns
        code = self.code_for(index)
        filename = f"<{self.lesson.id}:{step.id}>"
        started = perf_counter()
        errors: list[str] = []
        if code:
            try:
                exec(compile(code, filename, "exec"), ns)
            except BaseException as exc:  # a lesson's bug, even exit(), is the step's result
                errors.append(_format_error(exc, filename, code, self.lang))

        values: dict[str, Value] = {}
        show_errors: dict[str, str] = {}
        for expr in step.show:
            try:
                values[expr] = capture(_evaluate(expr, ns))
            except BaseException as exc:
                show_errors[expr] = _exception_text(exc)
                values[expr] = TextValue(f"<{show_errors[expr]}>")
        # the same expression shown before, to show what changed; not when
        # this step's code bound its names afresh (another exercise's `w`)
        fresh = binds_afresh(code) if code else frozenset()
        previous = {e: self._shown[e] for e in values
                    if e in self._shown and fresh.isdisjoint(expression_names(e) or ())}
        self._shown.update(values)

        plot = None
        if step.plot is not None:
            try:
                plot = _plot(step.plot, ns, self.lang)
            except BaseException as exc:
                errors.append(f"plot: {_exception_text(exc)}")
            if plot is not None and sum(len(s.xs) for s in plot.series) > MAX_PLOT_POINTS:
                points = sum(len(s.xs) for s in plot.series)
                errors.append(f"plot: {points:,} points, more than the {MAX_PLOT_POINTS:,} a plot may have")
                plot = None

        expected = None
        if step.question is not None and step.question.code is None:  # a code question has no answer to evaluate
            try:
                expected = capture(_evaluate(step.question.answer, ns))
            except BaseException as exc:
                errors.append(f"question answer: {_exception_text(exc)}")
            problem = answer_problem(step.question, expected, self.lang) if expected is not None else None
            if problem is not None:  # a learner could never be right: say so now
                errors.append(f"question answer: {problem}")
                expected = None

        loss = None
        if step.status_loss:
            try:
                loss = _scalar(_evaluate(step.status_loss, ns))
                if loss is None:
                    errors.append(f"status_loss: {step.status_loss} is not one number")
            except BaseException as exc:
                errors.append(f"status_loss: {_exception_text(exc)}")
        elif isinstance(ns, dict) and _about_loss(code, step):
            loss = _scalar(ns.get("loss"))

        self.results.append(
            StepResult(
                index=index,
                step=step,
                code=code,
                values=values,
                previous=previous,
                plot=plot,
                expected=expected,
                error="\n".join(errors) or None,
                loss=loss,
                seconds=perf_counter() - started,
                show_errors=show_errors,
            )
        )


def _evaluate(expr: str, ns: dict):
    return eval(compile(expr, f"<show {expr}>", "eval"), ns)


def answer_problem(question, expected: Value, lang: str) -> str | None:
    """Why the live answer cannot serve the question's kind (a sign answer
    that is a matrix, a choice that is a tensor, a shape that is None), or
    None when a learner can be checked against it."""
    from .checking import AnswerError, expected_text

    try:
        expected_text(question, expected, lang)
    except AnswerError as exc:
        return exc.message
    except Exception as exc:  # the checker's own limits: the same verdict
        return _exception_text(exc)
    return None


def _about_loss(code: str, step: Step) -> bool:
    """Whether a step's code, or a value it shows, names `loss`: only then is
    the status line's loss this step's (unless the step names another with
    `status_loss`). A step about something else (lesson
    4's chain of single numbers, with its own `L`; a practice exercise on a
    curve) would otherwise show a loss left by an earlier step beside text
    about another one."""
    from .lesson.code_names import bound_names, free_names, used_names

    try:
        if "loss" in used_names(code) | bound_names(code):
            return True
        return any("loss" in free_names(ast.parse(expr, mode="eval")) for expr in step.show)
    except SyntaxError:
        return False


def _scalar(obj) -> float | None:
    try:
        torch = sys.modules.get("torch")
        if torch is not None and isinstance(obj, torch.Tensor) and obj.numel() == 1 and not obj.is_complex():
            return float(obj.detach())
        if isinstance(obj, float):
            return obj
    except Exception:  # an odd `loss` is not a loss to show
        return None
    return None


def _exception_text(exc: BaseException) -> str:
    """`Name: message`, even when the exception's own str() fails."""
    try:
        message = str(exc)
        if isinstance(exc, SystemExit):  # exit() carries a code, not a message
            message = "" if exc.code is None else f"exit code {exc.code!r}"
    except Exception:
        message = ""
    if len(message) > 2000:
        message = message[:2000] + "…"
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _format_error(exc: BaseException, filename: str, code: str, lang: str = "en") -> str:
    """The exception as the learner needs it: the line of the step's code that
    raised, and the message; the tutor's own frames are left out."""
    lines = code.splitlines()
    try:
        where = [
            frame for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == filename
        ]
    except Exception:
        where = []
    out = []
    if where:
        number = where[-1].lineno or 0
        source = lines[number - 1].strip() if 0 < number <= len(lines) else ""
        out.append(f"line {number}: {source}")
    out.append(_exception_text(exc))
    if not isinstance(exc, Exception):  # exit(), quit(), KeyboardInterrupt, ...
        out.append(STRINGS.get("ended_tutor", lang))
    return "\n".join(out)


def _as_floats(obj) -> list[float]:
    """A number, a list or a tensor as a flat list of floats."""
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(obj, torch.Tensor):
        return [float(v) for v in obj.detach().reshape(-1).tolist()]
    if isinstance(obj, (list, tuple)):
        out: list[float] = []
        for item in obj:
            out.extend(_as_floats(item))
        return out
    return [float(obj)]


# Plot labels stay ASCII: wide or accented characters misalign plotext's axes.
_PLOT_WORDS = {
    "en": {"slope": "slope at x={x:g}: {s:+.3g}", "point": "point", "points": "points", "path": "from x={x:g}"},
    "pt": {"slope": "inclinacao em x={x:g}: {s:+.3g}", "point": "ponto", "points": "pontos", "path": "de x={x:g}"},
}


def _plot(spec: Plot, ns: dict, lang: str) -> PlotData:
    """Evaluates a plot spec in the namespace: the curve, tangents computed
    with autograd at each point, marked points, descent paths, series."""
    torch = load_torch()
    words = _PLOT_WORDS.get(lang, _PLOT_WORDS["en"])
    series: list[Series] = []
    f = _evaluate(spec.function, ns) if spec.function else None
    if f is not None:
        low, high = spec.range
        xs = torch.linspace(low, high, 201)
        with torch.no_grad():
            ys = f(xs)
        series.append(Series(str(spec.function), xs.tolist(), _as_floats(ys), "line"))
        if spec.tangent_at:
            half = (high - low) / 8
            for x0 in _as_floats(_evaluate(spec.tangent_at, ns)):
                x = torch.tensor(x0, requires_grad=True)
                y = f(x)
                (slope,) = torch.autograd.grad(y, x)
                s, y0 = float(slope), float(y.detach())
                txs = [x0 - half, x0, x0 + half]
                series.append(
                    Series(words["slope"].format(x=x0, s=s), txs, [y0 + s * (t - x0) for t in txs], "tangent")
                )
        if spec.points:
            pxs = _as_floats(_evaluate(spec.points, ns))
            with torch.no_grad():
                pys = _as_floats(f(torch.tensor(pxs)))
            series.append(Series(words["point" if len(pxs) == 1 else "points"], pxs, pys, "scatter"))
        if spec.paths:
            for path in _evaluate(spec.paths, ns):
                pxs = _as_floats(path)
                with torch.no_grad():
                    pys = _as_floats(f(torch.tensor(pxs)))
                series.append(Series(words["path"].format(x=pxs[0]), pxs, pys, "path"))
    for expr in spec.series:
        ys = _as_floats(_evaluate(expr, ns))
        if spec.log:
            ys = [math.log10(y) if y > 0 else float("nan") for y in ys]
        series.append(Series(expr, [float(i) for i in range(len(ys))], ys, "line"))
    title = (spec.title or {}).get(lang) or (spec.title or {}).get("en", "")
    return PlotData(title, spec.xlabel, spec.ylabel, series, spec.log, spec.animate)

