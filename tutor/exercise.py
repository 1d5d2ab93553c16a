"""The `code` question: the learner writes PyTorch, the tutor checks it.

A code exercise is data (`CodeExercise`, read from a lesson's
`[steps.question]` table with `kind = "code"` by `exercise_from_table`):
the starter the editor opens with (`____` marks the blanks), the reference
solution, the names or expressions to `check`, the known `mistakes`, hints
and the worked explanation.

Checking (`check_code`) runs the solution and the learner's code, each in a
sandboxed child forked from the same namespace with the same seed
(`tutor.sandbox`), and compares what came back, check by check: kind,
shape, dtype, values within the check's tolerance, and, when the check asks,
whether it is the same object as before the code ran (the rebinding pitfall
of `weight = weight - lr * grad`). The learner's code never runs in the
tutor's process; the `mistakes` conditions are the instructor's (trusted)
and run here, over the captured plain data rebuilt as tensors.

`static_problems` (no torch, no fork) and `validate_exercise` (runs the
solution, the starter and every mistake's example) serve `tutor check`.
"""

from __future__ import annotations

import ast
import math
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from .exercise_strings import STRINGS
from .lesson.code_question import (
    DEFAULT_TOLERANCE,
    HELPERS,
    MAX_HINTS,
    Check,
    CodeExercise,
    Mistake,
    Problem,
    exercise_from_table,
    static_problems,
)
from .notation import number, shortened
from .sandbox import (
    Limits,
    SandboxResult,
    run_untrusted,
    run_untrusted_many,
    sandbox_available,
    sandbox_required,
)
from .sandbox_wire import Captured
from .values import ListValue, NumberValue, TensorValue, Value

__all__ = ["DEFAULT_TOLERANCE", "HELPERS", "MAX_HINTS", "Check", "CheckVerdict", "CodeExercise", "Mistake",
           "Problem", "Verdict", "check_code", "exercise_from_table", "judge", "limits", "run_solution",
           "static_problems", "validate_exercise"]


def limits(ex: CodeExercise) -> Limits:
    """The sandbox's limits for one exercise: its own wall time."""
    return Limits(wall_seconds=ex.time_limit)


# ------------------------------------------------------------------ verdicts


@dataclass(frozen=True)
class CheckVerdict:
    expr: str
    key: str  # right | missing | kind | shape | dtype | length | value | number | text | rebound | not-new | unchecked
    fields: dict = field(default_factory=dict)

    @property
    def right(self) -> bool:
        return self.key == "right"

    def message(self, lang: str) -> str:
        fields = dict(self.fields)
        if isinstance(fields.get("diff"), float):  # a sentence's number: 0,000243 in Portuguese
            fields["diff"] = number(fields["diff"], 3, lang=lang)
        for name in ("got", "want"):
            if isinstance(fields.get(name), tuple) and fields[name] and fields[name][0] == "kind":
                fields[name] = STRINGS.get(f"kind.{fields[name][1]}", lang)
        return STRINGS.get(self.key, lang, expr=self.expr, **fields)


@dataclass(frozen=True)
class Verdict:
    """The result of one run, ready to show: `lines(lang)`."""

    passed: bool
    run: SandboxResult
    checks: tuple[CheckVerdict, ...] = ()
    mistake: Mistake | None = None
    solution_failed: str | None = None

    @property
    def values(self) -> dict[str, Value]:
        """The learner's captured values, for the values pane."""
        return {expr: cap.value for expr, cap in self.run.after.items() if cap.value is not None}

    def problem_lines(self, lang: str) -> list[str]:
        """Why the code did not run to its end: the sandbox's stop, or the
        error with the learner's line number and that line."""
        run = self.run
        if self.solution_failed is not None:
            return [STRINGS.get("solution-failed", lang, detail=self.solution_failed)]
        if run.stopped is not None:
            return [STRINGS.get(f"stopped.{run.stopped}", lang, detail=run.detail)]
        if run.error is None:
            return []
        e = run.error
        if e.line is not None:
            lines = [STRINGS.get("error", lang, line=e.line, type=e.type, message=e.message)]
            if e.text is not None:
                lines.append("    " + e.text.strip())
        else:
            lines = [STRINGS.get("error.noline", lang, type=e.type, message=e.message)]
        if e.type == "NameError" and "'____'" in e.message:
            lines.append(STRINGS.get("error.blank", lang))
        if e.type == "PermissionError":
            lines.append(STRINGS.get("error.blocked", lang))
        if e.type == "SystemExit":
            lines.append(STRINGS.get("error.exit", lang))
        return lines

    def lines(self, lang: str) -> list[str]:
        """Everything after a run, in order: the problem, each check, the
        matched mistake's message, "all right"."""
        out = self.problem_lines(lang)
        out += [check.message(lang) for check in self.checks]
        if self.mistake is not None:
            out.append(self.mistake.message.get(lang) or self.mistake.message["en"])
        if self.passed:
            out.append(STRINGS.get("passed", lang))
        return out

    def output_lines(self, lang: str) -> list[str]:
        """What the code printed; when it was cut, a note says so first: after
        16,000 characters of output the end is far below what a screen shows."""
        out = self.run.output.splitlines()
        if self.run.output_truncated:
            out.insert(0, STRINGS.get("output.cut", lang, chars=len(self.run.output)))
        return out


def _kind(value: Value) -> str:
    if isinstance(value, TensorValue):
        return "tensor"
    if isinstance(value, NumberValue):
        return "number"
    if isinstance(value, ListValue):
        return "list"
    return "text"


def _describe(value: Value) -> Any:
    """How a value is named in "got X, expected Y" when the kinds differ."""
    kind = _kind(value)
    if kind == "text":
        return value.text  # type: ignore[union-attr]
    return ("kind", kind)


def _diff(got: Any, want: Any, tol: float) -> float | None:
    """The largest entry-wise difference when it is beyond tolerance, else None."""
    if isinstance(got, bool) or isinstance(want, bool):
        return None if got == want else 1.0
    g, w = float(got), float(want)
    if math.isnan(g) and math.isnan(w):
        return None
    if math.isinf(w) or math.isinf(g):
        return None if g == w else math.inf
    d = abs(g - w)
    if math.isnan(d):
        return math.inf
    return d if d > tol * max(1.0, abs(w)) else None


def compare_values(expr: str, got: Value, want: Value, tol: float) -> CheckVerdict:
    """One captured value against the solution's."""
    if _kind(got) != _kind(want):
        return CheckVerdict(expr, "kind", {"got": _describe(got), "want": _describe(want)})
    if isinstance(got, TensorValue) and isinstance(want, TensorValue):
        if got.shape != want.shape:
            return CheckVerdict(expr, "shape", {"got": got.shape, "want": want.shape})
        if got.dtype != want.dtype:
            return CheckVerdict(expr, "dtype", {"got": got.dtype, "want": want.dtype})
        worst = None
        gf, wf = got.flat(), want.flat()
        if len(gf) != len(wf):  # one side too large to send its data: shape and dtype decide
            return CheckVerdict(expr, "right")
        for g, w in zip(gf, wf):
            d = _diff(g, w, tol)
            if d is not None and (worst is None or d > worst):
                worst = d
        if worst is not None:
            return CheckVerdict(expr, "value", {"diff": worst})
        return CheckVerdict(expr, "right")
    if isinstance(got, NumberValue) and isinstance(want, NumberValue):
        if _diff(got.value, want.value, tol) is not None:
            return CheckVerdict(expr, "number", {"got": _format_number(got.value)})
        return CheckVerdict(expr, "right")
    if isinstance(got, ListValue) and isinstance(want, ListValue):
        if len(got.items) != len(want.items):
            return CheckVerdict(expr, "length", {"got": len(got.items), "want": len(want.items)})
        for g, w in zip(got.items, want.items):
            inner = compare_values(expr, g, w, tol)
            if not inner.right:
                if inner.key in ("number", "text", "kind"):
                    return CheckVerdict(expr, "text", {"got": _short(got)})
                return inner
        return CheckVerdict(expr, "right")
    if got != want:
        return CheckVerdict(expr, "text", {"got": _short(got)})
    return CheckVerdict(expr, "right")


def _format_number(x: Any) -> str:
    if isinstance(x, (bool, int)):
        return str(x)
    return f"{x:.6g}"


def _short(value: Value, limit: int = 60) -> str:
    if isinstance(value, NumberValue):
        text = _format_number(value.value)
    elif isinstance(value, ListValue):
        text = "[" + ", ".join(_short(v, limit) for v in value.items) + "]"
    elif isinstance(value, TensorValue):
        text = f"tensor{value.shape}"
    else:
        text = value.text
    return shortened(text, limit)


def judge(ex: CodeExercise, run: SandboxResult, expected: SandboxResult) -> Verdict:
    """The verdict on a learner's run against the solution's run: pure, no fork."""
    if not expected.ok:
        detail = expected.stopped or (expected.error and f"{expected.error.type}: {expected.error.message}") or "?"
        return Verdict(False, run, solution_failed=str(detail))
    if run.stopped is not None:
        return Verdict(False, run)
    checks: list[CheckVerdict] = []
    for check in ex.checks:
        if not run.completed:
            checks.append(CheckVerdict(check.expr, "unchecked"))
            continue
        got = run.after.get(check.expr)
        want = expected.after.get(check.expr)
        if want is None or want.value is None:
            return Verdict(False, run, solution_failed=f"{check.expr}: {want.error if want else 'not captured'}")
        if got is None or got.value is None:
            checks.append(CheckVerdict(check.expr, "missing", {"error": got.error if got else "?"}))
            continue
        verdict = compare_values(check.expr, got.value, want.value, check.tolerance)
        if verdict.right and check.same_object == "same" and got.same_object is False:
            verdict = CheckVerdict(check.expr, "rebound")
        elif verdict.right and check.same_object == "new" and got.same_object is True:
            verdict = CheckVerdict(check.expr, "not-new")
        checks.append(verdict)
    passed = run.ok and all(c.right for c in checks)
    mistake = None if passed else match_mistake(ex, run, expected)
    return Verdict(passed, run, tuple(checks), mistake)


# ------------------------------------------------------------------ mistakes


class _Missing(Exception):
    """A value a condition asked for was not captured: the condition is false."""


def _rebuild(value: Value) -> Any:
    """A captured value as the object a condition works with: tensors are
    torch tensors again (built here, from numbers), numbers stay numbers."""
    if isinstance(value, TensorValue):
        import torch

        if value.numel and not value.data:
            raise _Missing("tensor data not sent")
        dtype = getattr(torch, value.dtype, None)
        if not isinstance(dtype, torch.dtype):
            raise _Missing(f"dtype {value.dtype}")
        return torch.tensor(value.data, dtype=dtype)
    if isinstance(value, NumberValue):
        return value.value
    if isinstance(value, ListValue):
        return [_rebuild(item) for item in value.items]
    text = value.text
    return None if text == "None" else text


def _close(a: Any, b: Any, tol: float = DEFAULT_TOLERANCE) -> bool:
    import torch

    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        a = a if isinstance(a, torch.Tensor) else torch.tensor(a)
        b = b if isinstance(b, torch.Tensor) else torch.tensor(b)
        if a.shape != b.shape:
            return False
        return bool(torch.allclose(a.double(), b.double(), atol=tol, rtol=tol, equal_nan=True))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y, tol) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return _diff(a, b, tol) is None
    return a == b


_SAFE_BUILTINS = {name: __builtins__[name] if isinstance(__builtins__, dict) else getattr(__builtins__, name)
                  for name in ("abs", "all", "any", "len", "max", "min", "float", "int", "bool", "round",
                               "sum", "range", "zip", "isinstance", "list", "tuple")}


def mistake_helpers(run: SandboxResult, expected: SandboxResult) -> dict:
    """The names a `mistakes` condition can use:

    got("e")      the learner's value of a captured expression after the code
    want("e")     the solution's value
    before("e")   the value before the code ran
    changed("e")  got("e") differs from before("e")
    same("e")     got("e") is the very object it was before the code ran
    close(a, b, tol=1e-5)  same shape and values within tol
    error()       the learner's exception type name, or None; message() its text
                  (a condition that calls them is tried only when the code raised;
                  the others only when it ran to its end)
    output()      what the code printed
    torch, math
    """
    import torch

    def value(captures: dict[str, Captured], expr: str) -> Any:
        cap = captures.get(expr)
        if cap is None or cap.value is None:
            raise _Missing(expr)
        return _rebuild(cap.value)

    def same(expr: str) -> bool:
        cap = run.after.get(expr)
        if cap is None or cap.same_object is None:
            raise _Missing(expr)
        return cap.same_object

    return {
        "__builtins__": _SAFE_BUILTINS,
        "torch": torch,
        "math": math,
        "got": lambda expr: value(run.after, expr),
        "want": lambda expr: value(expected.after, expr),
        "before": lambda expr: value(run.before, expr),
        "changed": lambda expr: not _close(value(run.after, expr), value(run.before, expr)),
        "same": same,
        "close": _close,
        "error": lambda: run.error.type if run.error else None,
        "message": lambda: run.error.message if run.error else "",
        "output": lambda: run.output,
    }


def mistake_matches(mistake: Mistake, run: SandboxResult, expected: SandboxResult) -> bool:
    try:
        return bool(eval(compile(mistake.when, "<mistake>", "eval"), mistake_helpers(run, expected)))
    except Exception:  # a value it needs is missing, or has another shape: not this mistake
        return False


@lru_cache(maxsize=256)
def about_error(condition: str) -> bool:
    """Whether a condition is about code that raised (it calls error() or
    message()). Those are tried only when the code raised, the others only
    when it ran to its end: "nothing changed" is no news after a NameError."""
    try:
        tree = ast.parse(condition, mode="eval")
    except SyntaxError:
        return False
    return any(isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
               and node.func.id in ("error", "message") for node in ast.walk(tree))


def match_mistake(ex: CodeExercise, run: SandboxResult, expected: SandboxResult) -> Mistake | None:
    """The first mistake whose condition holds for this run, if any."""
    if run.stopped is not None:
        return None
    raised = run.error is not None
    for mistake in ex.mistakes:
        if about_error(mistake.when) == raised and mistake_matches(mistake, run, expected):
            return mistake
    return None


# ------------------------------------------------------------------ running


def run_solution(ex: CodeExercise, namespace: dict, *, seed: int | None = 0, sandboxed: bool = True) -> SandboxResult:
    """The solution's run from `namespace`: what every learner's run is
    compared with. Deterministic for one namespace and seed, so the caller
    keeps it for as long as the step's namespace does not change."""
    return run_untrusted(ex.solution, namespace, capture=ex.captured, limits=limits(ex), seed=seed,
                         sandboxed=sandboxed)


# The solution's runs kept by `check_code(..., same_as=...)`: a learner runs
# their code again and again from one step's namespace, and the solution's
# run from it never changes (same namespace, same seed), so only the first
# run forks twice. A few steps' worth.
_SOLUTION_RUNS: OrderedDict[tuple, SandboxResult] = OrderedDict()
_SOLUTION_RUNS_MAX = 4


def check_code(ex: CodeExercise, code: str, namespace: dict, *, seed: int | None = 0,
               expected: SandboxResult | None = None, sandboxed: bool = True,
               same_as: tuple | None = None) -> Verdict:
    """Runs the learner's `code` from `namespace` and judges it. Without
    `expected` (the solution's run, from `run_solution`), the solution runs
    too, side by side with the learner's code, and is kept under `same_as`
    when given: a key that names this namespace's state (the step, the seed,
    the params), so the next check from the same state reuses it."""
    if not sandboxed and sandbox_required():
        # a classroom server without the sandbox: the learner's code never runs
        return Verdict(False, SandboxResult(stopped="refused", detail=sandbox_available() or "?"))
    key = None if same_as is None else (id(ex), seed, sandboxed, same_as)
    if expected is None and key is not None:
        expected = _SOLUTION_RUNS.get(key)
    job = {"namespace": namespace, "capture": ex.captured, "limits": limits(ex), "seed": seed}
    if expected is None:
        expected, run = run_untrusted_many([{**job, "code": ex.solution}, {**job, "code": code}],
                                           sandboxed=sandboxed)
        if key is not None and expected.ok:
            _SOLUTION_RUNS[key] = expected
            while len(_SOLUTION_RUNS) > _SOLUTION_RUNS_MAX:
                _SOLUTION_RUNS.popitem(last=False)
    else:
        run = run_untrusted(code, namespace, capture=ex.captured, limits=limits(ex), seed=seed,
                            sandboxed=sandboxed)
    return judge(ex, run, expected)


def validate_exercise(ex: CodeExercise, namespace: dict, *, seed: int | None = 0,
                      sandboxed: bool = True) -> list[Problem]:
    """`tutor check`'s full test of an exercise, from the namespace its step
    leaves: the solution runs and passes its own checks and matches none of
    the mistakes; the starter as given does not pass; each mistake's
    example is caught by that mistake."""
    problems = static_problems(ex)
    if problems:
        return problems
    expected = run_solution(ex, namespace, seed=seed, sandboxed=sandboxed)
    own = judge(ex, expected, expected)
    if not expected.ok or not own.passed:
        detail = "; ".join(own.lines("en")) or "it does not pass its own checks"
        line = expected.error.line if expected.error and expected.error.line else 0
        return [Problem("solution", line, f"the solution fails: {detail}")]
    for i, mistake in enumerate(ex.mistakes):
        if mistake_matches(mistake, expected, expected):
            problems.append(Problem(f"mistakes[{i}].when", 0, "the condition is true for the solution itself"))
    # one run: the starters differ only in their comments (static_problems)
    starter = check_code(ex, ex.starter["en"], namespace, seed=seed, expected=expected, sandboxed=sandboxed)
    if starter.passed:
        problems.append(Problem("starter", 0, "the starter passes the checks as given: leave something to do"))
    for i, mistake in enumerate(ex.mistakes):
        if not mistake.example:
            continue
        verdict = check_code(ex, mistake.example, namespace, seed=seed, expected=expected, sandboxed=sandboxed)
        if verdict.passed:
            problems.append(Problem(f"mistakes[{i}].example", 0, "the example passes the checks"))
        elif verdict.mistake is not mistake:
            caught = "no mistake" if verdict.mistake is None else \
                f"mistakes[{ex.mistakes.index(verdict.mistake)}]"
            problems.append(Problem(f"mistakes[{i}].example", 0,
                                    f"the example is caught by {caught}, not by this mistake"))
    return problems
