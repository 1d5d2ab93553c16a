"""A `code` question as data: what a lesson's `[steps.question]` table with
`kind = "code"` holds (`CodeExercise`, its `Check`s and `Mistake`s), read by
`exercise_from_table`, and the problems found without running anything
(`static_problems`: code that does not compile, mistakes that ask for values
nobody captures).

It lives in the lesson package so the loader can validate a code question
as it validates every other kind, reporting FILE:LINE, without importing
the sandbox: running and judging the code is `tutor.exercise`'s, above.
Standard library only (and the language list).
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass
from typing import Any

from ..i18n import LANGS

Text = dict[str, str]  # {"en": "...", "pt": "..."}, as in the model

DEFAULT_TOLERANCE = 1e-5
MAX_HINTS = 3
HELPERS = ("got", "want", "before", "changed", "same")  # take a captured expression as a string


@dataclass(frozen=True)
class Check:
    """One name or expression compared with the solution's.

    `tolerance`: |got - want| <= tolerance * max(1, |want|), entry by entry.
    `same_object`: "same" (must still be the object it was before the code
    ran: updated in place), "new" (must be a new object), or None."""

    expr: str
    tolerance: float = DEFAULT_TOLERANCE
    same_object: str | None = None


@dataclass(frozen=True)
class Mistake:
    """A known wrong result: `when` is a condition over the learner's
    captured values (see `mistake_helpers`), `message` what to tell them,
    `example` code that makes the mistake (validation runs it and expects
    this mistake to be the one caught)."""

    when: str
    message: Text
    example: str = ""


@dataclass(frozen=True)
class CodeExercise:
    prompt: Text
    starter: Text  # per language; the same code, its comments translated (see `_starters`)
    solution: str
    checks: tuple[Check, ...]
    explain: Text
    watch: tuple[str, ...] = ()  # captured for mistakes and the values pane, not verdicted
    mistakes: tuple[Mistake, ...] = ()
    hints: tuple[Text, ...] = ()
    time_limit: float = 2.0

    @property
    def captured(self) -> tuple[str, ...]:
        """Every expression the sandbox captures, checks first."""
        return tuple(dict.fromkeys([c.expr for c in self.checks] + list(self.watch)))


@dataclass(frozen=True)
class Problem:
    """What is wrong with an exercise. `field` names where ("starter",
    "mistakes[1].when", ...); `line` is the line within that field's text
    (1-based; 0 when the problem is the field as a whole), so the lesson
    loader can turn it into FILE:LINE."""

    field: str
    line: int
    message: str

    @property
    def key_path(self) -> tuple:
        """The field as a TOML key path below the question table:
        "mistakes[1].example" is ("mistakes", 1, "example"). The loader's
        locator turns it into the file line of the key; when `line` is set,
        the problem is on line `value_start(key line) + line - 1`."""
        path: list = []
        for part in self.field.split("."):
            name, _, rest = part.partition("[")
            path.append(name)
            if rest:
                path.append(int(rest.rstrip("]")))
        return tuple(path)


# ------------------------------------------------------------------ reading the table

_KEYS = {"kind", "prompt", "starter", "solution", "check", "watch", "mistakes", "hints", "explain",
         "time_limit", "tolerance"}
_CHECK_KEYS = {"expr", "tolerance", "same_object"}
_MISTAKE_KEYS = {"when", "message", "example"}


def exercise_from_table(table: dict) -> tuple[CodeExercise | None, list[Problem]]:
    """A `[steps.question]` table with `kind = "code"` as a CodeExercise,
    with every problem found (the exercise is None if any)."""
    problems: list[Problem] = []

    def bad(where: str, message: str, line: int = 0) -> None:
        problems.append(Problem(where, line, message))

    for key in sorted(set(table) - _KEYS):
        bad(key, f"unknown key '{key}' in a code question (known: {', '.join(sorted(_KEYS))})")
    if table.get("kind") != "code":
        bad("kind", "a code question needs kind = \"code\"")

    def text(where: str, value: Any) -> Text:
        if not isinstance(value, dict) or any(not isinstance(value.get(lang), str) or not value[lang].strip()
                                              for lang in LANGS):
            bad(where, f"'{where}' needs text in every language ({', '.join(LANGS)})")
            return {}
        extra = set(value) - set(LANGS)
        if extra:
            bad(where, f"'{where}' has unknown languages: {', '.join(sorted(extra))}")
        return dict(value)

    def code(where: str, required: bool = True) -> str:
        value = table.get(where, "")
        if not isinstance(value, str) or (required and not value.strip()):
            bad(where, f"'{where}' must be Python code as a string")
            return ""
        return value

    prompt = text("prompt", table.get("prompt"))
    explain = text("explain", table.get("explain"))
    starter = _starters(table.get("starter"), bad)
    solution = code("solution")

    default_tol = table.get("tolerance", DEFAULT_TOLERANCE)
    if not _positive_number(default_tol):
        bad("tolerance", "'tolerance' must be a positive number")
        default_tol = DEFAULT_TOLERANCE

    checks: list[Check] = []
    raw_checks = table.get("check")
    if not isinstance(raw_checks, list) or not raw_checks:
        bad("check", "'check' must list at least one name or expression")
        raw_checks = []
    for i, item in enumerate(raw_checks):
        where = f"check[{i}]"
        if isinstance(item, str):
            checks.append(Check(item, float(default_tol)))
            continue
        if not isinstance(item, dict) or not isinstance(item.get("expr"), str):
            bad(where, f"{where} must be an expression or a table with 'expr'")
            continue
        for key in sorted(set(item) - _CHECK_KEYS):
            bad(where, f"unknown key '{key}' in {where} (known: {', '.join(sorted(_CHECK_KEYS))})")
        tol = item.get("tolerance", default_tol)
        if not _positive_number(tol):
            bad(where, f"{where}: 'tolerance' must be a positive number")
            tol = DEFAULT_TOLERANCE
        same = item.get("same_object")
        if same not in (None, "same", "new"):
            bad(where, f"{where}: 'same_object' must be \"same\" or \"new\"")
            same = None
        checks.append(Check(item["expr"], float(tol), same))

    watch = table.get("watch", [])
    if not isinstance(watch, list) or not all(isinstance(w, str) for w in watch):
        bad("watch", "'watch' must be a list of expressions")
        watch = []

    mistakes: list[Mistake] = []
    raw_mistakes = table.get("mistakes", [])
    if not isinstance(raw_mistakes, list):
        bad("mistakes", "'mistakes' must be a list of tables")
        raw_mistakes = []
    for i, item in enumerate(raw_mistakes):
        where = f"mistakes[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("when"), str):
            bad(where, f"{where} needs 'when', a condition")
            continue
        for key in sorted(set(item) - _MISTAKE_KEYS):
            bad(where, f"unknown key '{key}' in {where} (known: {', '.join(sorted(_MISTAKE_KEYS))})")
        example = item.get("example", "")
        if not isinstance(example, str):
            bad(f"{where}.example", f"{where}.example must be code as a string")
            example = ""
        mistakes.append(Mistake(item["when"], text(f"{where}.message", item.get("message")), example))

    hints_raw = table.get("hints", [])
    hints: list[Text] = []
    if not isinstance(hints_raw, list) or len(hints_raw) > MAX_HINTS:
        bad("hints", f"'hints' must be a list of at most {MAX_HINTS}")
    else:
        hints = [text(f"hints[{i}]", h) for i, h in enumerate(hints_raw)]

    time_limit = table.get("time_limit", 2.0)
    if not _positive_number(time_limit) or time_limit > 10:
        bad("time_limit", "'time_limit' must be a number of seconds, above 0 and at most 10")
        time_limit = 2.0

    if problems:
        return None, problems
    exercise = CodeExercise(prompt, starter, solution, tuple(checks), explain, tuple(watch), tuple(mistakes),
                            tuple(hints), float(time_limit))
    return exercise, static_problems(exercise)


def _starters(value: Any, bad) -> Text:
    """`starter` is code: one string for every language, or a table with the
    code in each language (`starter.en`, `starter.pt`) whose comments are
    translated. Only the comments may differ, so that the starter a learner
    opens is the same program in either language (checked in
    `static_problems`)."""
    if isinstance(value, str) and value.strip():
        return dict.fromkeys(LANGS, value)
    if isinstance(value, dict) and all(isinstance(value.get(lang), str) and value[lang].strip() for lang in LANGS):
        extra = set(value) - set(LANGS)
        if extra:
            bad("starter", f"'starter' has unknown languages: {', '.join(sorted(extra))}")
        return {lang: value[lang] for lang in LANGS}
    bad("starter", f"'starter' must be Python code as a string, or a table of it in every language "
                   f"({', '.join(LANGS)})")
    return {}


def _without_comments(source: str) -> list[tuple[int, str]] | None:
    """The tokens of `source` but its comments and blank lines (None if it
    does not tokenize)."""
    import io
    import tokenize

    skip = {tokenize.COMMENT, tokenize.NL}
    try:
        return [(tok.type, tok.string) for tok in tokenize.generate_tokens(io.StringIO(source).readline)
                if tok.type not in skip]
    except (tokenize.TokenError, SyntaxError):
        return None


def _positive_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and x > 0


def static_problems(ex: CodeExercise) -> list[Problem]:
    """What can be found without running anything: code and expressions that
    do not compile, mistakes that ask for values nobody captures."""
    problems: list[Problem] = []

    def compiles(where: str, source: str, mode: str) -> ast.AST | None:
        try:
            return compile(source, f"<{where}>", mode, flags=ast.PyCF_ONLY_AST)
        except SyntaxError as exc:
            problems.append(Problem(where, exc.lineno or 0, f"{where} does not compile: {exc.msg}"))
            return None

    if len(set(ex.starter.values())) == 1:
        compiles("starter", next(iter(ex.starter.values())), "exec")
    else:
        for lang, source in ex.starter.items():
            compiles(f"starter.{lang}", source, "exec")
    first, *others = LANGS
    for lang in others:
        if ex.starter[lang] != ex.starter[first] and (
            _without_comments(ex.starter[lang]) != _without_comments(ex.starter[first])
        ):
            problems.append(Problem(f"starter.{lang}", 0, f"starter.{lang} must be starter.{first} with its "
                                    "comments translated: the code itself differs"))
    compiles("solution", ex.solution, "exec")
    for i, check in enumerate(ex.checks):
        compiles(f"check[{i}]", check.expr, "eval")
    for i, expr in enumerate(ex.watch):
        compiles(f"watch[{i}]", expr, "eval")
    if len(set(ex.captured)) != len(ex.checks) + len(ex.watch):
        problems.append(Problem("check", 0, "an expression is listed twice in 'check' and 'watch'"))
    for i, mistake in enumerate(ex.mistakes):
        where = f"mistakes[{i}].when"
        tree = compiles(where, mistake.when, "eval")
        if tree is not None:
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in HELPERS:
                    arg = node.args[0] if node.args else None
                    if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                        problems.append(Problem(where, 0, f"{node.func.id}() takes one expression as a string"))
                    elif arg.value not in ex.captured:
                        problems.append(Problem(where, 0, f"{node.func.id}({arg.value!r}): add {arg.value!r} "
                                                          "to 'check' or 'watch' so it is captured"))
        if mistake.example:
            compiles(f"mistakes[{i}].example", mistake.example, "exec")
    return problems
