"""Validation of lesson files: everything that can be wrong with one, found
at load time and reported as `FILE:LINE: message`.

An instructor's typo surfaces in `python -m tutor check`, not halfway
through a class. Nothing here imports torch or textual: code and expressions
are compiled and their names resolved statically, never run.

The data classes live in `tutor.lesson.model`, and the keys each table may
hold are their fields (`toml_keys`): this module checks values, it keeps no
list of keys or kinds of its own. `tutor.lesson` imports it only when a
file must really be read (the lesson cache spares a normal start-up the
TOML parser and this validator).
"""

from __future__ import annotations

import ast
import builtins
import re
import tomllib
from pathlib import Path
from typing import Any

from ..i18n import LANGS
from .model import (
    DEFAULT_TIME_LIMIT, DIAGRAM_STATES, FORMAT_VERSION, MAX_TIME_LIMIT, QUESTION_KINDS, SCALES,
    Lesson, LessonError, Option, Param, Plot, Question, Step, Text, toml_keys,
)

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MAX_HINTS = 3
# Names every lesson's code starts with (see runner.LessonRun).
PRELUDE_NAMES = frozenset({"torch", "nn", "optim", "F", "math"})


# ---------------------------------------------------------------- locating lines


class _Locator:
    """Maps a key path such as ("steps", 2, "plot", "function") to a line.

    tomllib gives values, not positions, so this reads the raw text: it knows
    which table header each line falls under (counting `[[array]]` entries)
    and finds `key =` inside it.
    """

    HEADER = re.compile(r"^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$")

    def __init__(self, text: str):
        self.lines = text.splitlines()
        self.sections: list[tuple[tuple, int, int]] = []  # (path, first line, last line)
        arrays: dict[tuple[str, ...], int] = {}
        starts: list[tuple[tuple, int]] = [((), 1)]
        for number, raw in enumerate(self.lines, 1):
            match = self.HEADER.match(raw)
            if not match or raw.lstrip().startswith("#"):
                continue
            is_array = match.group(1) == "[["
            parts = tuple(p.strip().strip('"').strip("'") for p in match.group(2).split("."))
            path: list = []
            for k in range(len(parts)):
                prefix = parts[: k + 1]
                path.append(parts[k])
                last = k == len(parts) - 1
                if prefix in arrays and not (last and is_array):
                    path.append(arrays[prefix] - 1)
            if is_array:
                arrays[parts] = arrays.get(parts, 0) + 1
                path.append(arrays[parts] - 1)
                for key in [a for a in arrays if a[: len(parts)] == parts and len(a) > len(parts)]:
                    del arrays[key]
            starts.append((tuple(path), number))
        for i, (path, first) in enumerate(starts):
            last = starts[i + 1][1] - 1 if i + 1 < len(starts) else len(self.lines)
            self.sections.append((path, first, last))

    def line(self, key_path: tuple) -> int:
        best = None
        for path, first, last in self.sections:
            if key_path[: len(path)] == path and (best is None or len(path) >= len(best[0])):
                best = (path, first, last)
        if best is None:
            return 1
        path, first, last = best
        rest = key_path[len(path) :]
        key = next((k for k in rest if isinstance(k, str)), None)
        if key is None:
            return first
        pattern = re.compile(r'^\s*["\']?' + re.escape(key) + r'["\']?\s*[=.]')  # key = or key.en =
        for number in range(first, last + 1):
            if pattern.match(self.lines[number - 1]):
                return number
        return first

    def value_start(self, key_line: int) -> int:
        """The file line of a multi-line string's first content line."""
        raw = self.lines[key_line - 1].rstrip() if 0 < key_line <= len(self.lines) else ""
        return key_line + 1 if raw.endswith('"""') or raw.endswith("'''") else key_line


# ---------------------------------------------------------------- names in code


def _bound_names(code: str) -> set[str]:
    """Names a piece of code binds at its top level (assignments, defs,
    imports, loop targets), i.e. what later steps and expressions may use."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(code)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                names.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def _free_names(tree: ast.AST) -> set[str]:
    """Names an expression reads that it does not bind itself (lambda
    arguments and comprehension variables are its own)."""
    loaded, own = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else own).add(node.id)
        elif isinstance(node, ast.arg):
            own.add(node.arg)
    return loaded - own


def _used_names(code: str) -> set[str]:
    return {
        n.id
        for n in ast.walk(ast.parse(code))
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)
    }


# ---------------------------------------------------------------- validation


class _Checker:
    """Walks one parsed lesson file, collecting every problem with its line."""

    def __init__(self, path: Path, text: str):
        self.path = path
        self.loc = _Locator(text)
        self.errors: list[LessonError] = []
        # After code that does not compile, which names exist is unknown:
        # stop checking names rather than report a cascade of false problems.
        self.names_known = True

    def error(self, key_path: tuple, message: str, line: int | None = None) -> None:
        self.errors.append(LessonError(self.path, line or self.loc.line(key_path), message))

    # -- small typed readers; each returns None after reporting a problem

    def keys(self, table: dict, allowed: frozenset[str], where: tuple, what: str) -> None:
        for key in table:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                self.error(where + (key,), f"unknown key '{key}' in {what} (known: {known})")

    def text(self, table: dict, key: str, where: tuple, required: bool = True) -> Text | None:
        value = table.get(key)
        if value is None:
            if required:
                self.error(where, f"missing '{key}' (a table with 'en' and 'pt' text)")
            return None
        if isinstance(value, str):
            self.error(where + (key,), f"'{key}' must give both languages: {key} = {{ en = \"...\", pt = \"...\" }}")
            return None
        if not isinstance(value, dict):
            self.error(where + (key,), f"'{key}' must be a table with 'en' and 'pt' text")
            return None
        self.keys(value, set(LANGS), where + (key,), f"'{key}'")
        ok = True
        for lang in LANGS:
            if not isinstance(value.get(lang), str) or not value[lang].strip():
                self.error(where + (key,), f"'{key}' has no '{lang}' text")
                ok = False
        return {lang: value[lang] for lang in LANGS} if ok else None

    def string(self, table: dict, key: str, where: tuple, required: bool = False) -> str | None:
        value = table.get(key)
        if value is None:
            if required:
                self.error(where, f"missing '{key}'")
            return None
        if not isinstance(value, str):
            self.error(where + (key,), f"'{key}' must be a string, not {type(value).__name__}")
            return None
        return value

    def number(self, table: dict, key: str, where: tuple, required: bool = False) -> float | None:
        value = table.get(key)
        if value is None:
            if required:
                self.error(where, f"missing '{key}' (a number)")
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.error(where + (key,), f"'{key}' must be a number, not {value!r}")
            return None
        return float(value)

    def boolean(self, table: dict, key: str, where: tuple) -> bool:
        value = table.get(key, False)
        if not isinstance(value, bool):
            self.error(where + (key,), f"'{key}' must be true or false")
            return False
        return value

    def expression(self, source: Any, where: tuple, known: set[str], what: str) -> str | None:
        """An expression that compiles and names only what exists by then."""
        if not isinstance(source, str) or not source.strip():
            self.error(where, f"{what} must be a non-empty string holding a Python expression")
            return None
        try:
            tree = ast.parse(source.strip(), mode="eval")
        except SyntaxError as exc:
            self.error(where, f"{what} {source!r} is not a valid expression: {exc.msg}")
            return None
        unknown = sorted(n for n in _free_names(tree) if n not in known and not hasattr(builtins, n))
        if unknown and self.names_known:
            names = ", ".join(f"'{n}'" for n in unknown)
            self.error(where, f"{what} {source!r} names nothing: {names} is not defined by this step or an earlier one")
            return None
        return source.strip()

    # -- the parts of a lesson

    def lesson(self, data: dict) -> Lesson | None:
        self.keys(data, toml_keys(Lesson), (), "the lesson")
        fmt = data.get("format", FORMAT_VERSION)  # a file without one is version 1, for now
        if isinstance(fmt, bool) or not isinstance(fmt, int) or fmt != FORMAT_VERSION:
            self.error(("format",), f"'format' must be {FORMAT_VERSION}, the lesson format this tutor reads, "
                                    f"not {fmt!r}")
        lesson_id = self.string(data, "id", (), required=True)
        if lesson_id is not None and not ID_RE.match(lesson_id):
            self.error(("id",), f"lesson id {lesson_id!r} must be lowercase letters, digits and '-'")
        order = data.get("order")
        if order is None:
            self.error((), "missing 'order' (the lesson's position in the menu, a whole number)")
        elif isinstance(order, bool) or not isinstance(order, int):
            self.error(("order",), f"'order' must be a whole number, not {order!r}")
        title = self.text(data, "title", ())
        summary = self.text(data, "summary", (), required=False)

        params = self.params(data.get("params", []))
        known = set(PRELUDE_NAMES) | {p.name for p in params}
        raw_steps = data.get("steps")
        steps: list[Step] = []
        if not isinstance(raw_steps, list) or not raw_steps:
            self.error((), "a lesson needs at least one [[steps]] table")
        else:
            seen: dict[str, int] = {}
            for i, raw in enumerate(raw_steps):
                step = self.step(raw, i, known)
                if step is None:
                    continue
                if step.id in seen:
                    self.error(("steps", i, "id"), f"step id '{step.id}' is used twice (also step {seen[step.id] + 1})")
                seen[step.id] = i
                steps.append(step)

        if self.errors or lesson_id is None or title is None:
            return None
        param_steps = {}
        for p in params:
            for i, step in enumerate(steps):
                if step.code and p.name in _used_names(step.code):
                    param_steps[p.name] = i
                    break
        return Lesson(lesson_id, order, title, summary, tuple(params), tuple(steps), self.path, param_steps)

    def params(self, raw: Any) -> list[Param]:
        if not isinstance(raw, list):
            self.error(("params",), "'params' must be an array of tables ([[params]])")
            return []
        params = []
        for i, table in enumerate(raw):
            where = ("params", i)
            if not isinstance(table, dict):
                self.error(where, "each [[params]] entry must be a table")
                continue
            self.keys(table, toml_keys(Param), where, "[[params]]")
            name = self.string(table, "name", where, required=True)
            values = [self.number(table, k, where, required=True) for k in ("default", "min", "max", "step")]
            scale = table.get("scale", "linear")
            label = self.text(table, "label", where)
            if name is not None and not name.isidentifier():
                self.error(where + ("name",), f"param name {name!r} must be a Python identifier")
                continue
            if name in PRELUDE_NAMES:
                self.error(where + ("name",), f"param name '{name}' would hide the module of that name")
                continue
            if scale not in SCALES:
                self.error(where + ("scale",), f"'scale' must be one of {', '.join(SCALES)}, not {scale!r}")
                continue
            if None in values or label is None or name is None:
                continue
            default, low, high, step = values
            if not low < high:
                self.error(where + ("min",), f"param '{name}': min ({low:g}) must be below max ({high:g})")
            elif not low <= default <= high:
                self.error(where + ("default",), f"param '{name}': default {default:g} is outside [{low:g}, {high:g}]")
            elif scale == "log" and (low <= 0 or step <= 1):
                self.error(where + ("step",), f"param '{name}': a log scale needs min > 0 and a step (factor) > 1")
            elif step <= 0:
                self.error(where + ("step",), f"param '{name}': step must be positive")
            else:
                params.append(Param(name, default, low, high, step, scale, label))
        return params

    def step(self, raw: Any, i: int, known: set[str]) -> Step | None:
        where = ("steps", i)
        if not isinstance(raw, dict):
            self.error(where, "each [[steps]] entry must be a table")
            return None
        before = len(self.errors)
        self.keys(raw, toml_keys(Step), where, f"step {i + 1}")
        step_id = self.string(raw, "id", where, required=True)
        if step_id is not None and not ID_RE.match(step_id):
            self.error(where + ("id",), f"step id {step_id!r} must be lowercase letters, digits and '-'")
        title = self.text(raw, "title", where)
        text = self.text(raw, "text", where)
        code = self.string(raw, "code", where) or ""
        code_line = self.loc.value_start(self.loc.line(where + ("code",))) if code else 0
        if code:
            try:
                compile(code, str(self.path), "exec")
                known |= _bound_names(code)
            except SyntaxError as exc:
                line = code_line + (exc.lineno or 1) - 1
                self.names_known = False
                self.error(where + ("code",), f"step '{step_id}': code does not compile: {exc.msg}", line=line)
        show_raw = raw.get("show", [])
        show: list[str] = []
        if not isinstance(show_raw, list):
            self.error(where + ("show",), "'show' must be a list of names or expressions")
        else:
            for expr in show_raw:
                checked = self.expression(expr, where + ("show",), known, "show entry")
                if checked:
                    show.append(checked)
        diagram = raw.get("diagram")
        if diagram is not None and diagram not in DIAGRAM_STATES:
            self.error(where + ("diagram",), f"'diagram' must be one of {', '.join(DIAGRAM_STATES)}, not {diagram!r}")
        time_limit = self.number(raw, "time_limit", where)
        if time_limit is not None and not 0 < time_limit <= MAX_TIME_LIMIT:
            self.error(where + ("time_limit",),
                       f"'time_limit' must be more than 0 and at most {MAX_TIME_LIMIT:g} seconds, not {time_limit:g}")
        plot = self.plot(raw["plot"], where + ("plot",), known) if "plot" in raw else None
        question = self.question(raw["question"], where + ("question",), known) if "question" in raw else None
        if len(self.errors) > before or step_id is None:
            return None
        return Step(
            step_id, title, text, code, tuple(show), diagram, plot, question,
            time_limit=DEFAULT_TIME_LIMIT if time_limit is None else time_limit,
            line=self.loc.line(where), code_line=code_line,
        )

    def plot(self, raw: Any, where: tuple, known: set[str]) -> Plot | None:
        if not isinstance(raw, dict):
            self.error(where, "'plot' must be a table")
            return None
        self.keys(raw, toml_keys(Plot), where, "the plot")
        title = self.text(raw, "title", where, required=False)
        for lang, words in (title or {}).items():
            if not words.isascii():
                self.error(where + ("title",), f"plot 'title' ({lang}) must be ASCII (wide characters misalign plots)")
        exprs = {}
        for key in ("function", "tangent_at", "points", "paths"):
            if key in raw:
                exprs[key] = self.expression(raw[key], where + (key,), known, f"plot {key}")
        series_raw = raw.get("series", [])
        if isinstance(series_raw, str):
            series_raw = [series_raw]
        series = tuple(
            s for s in (self.expression(e, where + ("series",), known, "plot series") for e in series_raw) if s
        )
        if not exprs.get("function") and not series:
            self.error(where, "a plot needs a 'function' or at least one 'series'")
        for key in ("tangent_at", "points", "paths"):
            if key in raw and "function" not in raw:
                self.error(where + (key,), f"plot '{key}' needs a 'function' to draw on")
        range_ = raw.get("range", [-3.0, 3.0])
        if (
            not isinstance(range_, list) or len(range_) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in range_)
            or not range_[0] < range_[1]
        ):
            self.error(where + ("range",), f"plot 'range' must be [low, high] with low < high, not {range_!r}")
            range_ = [-3.0, 3.0]
        labels = {}
        for key in ("xlabel", "ylabel"):
            value = self.string(raw, key, where)
            if value is not None and not value.isascii():
                self.error(where + (key,), f"plot '{key}' must be ASCII (wide characters misalign plots)")
            labels[key] = value
        return Plot(
            title=title,
            function=exprs.get("function"),
            range=(float(range_[0]), float(range_[1])),
            tangent_at=exprs.get("tangent_at"),
            points=exprs.get("points"),
            paths=exprs.get("paths"),
            series=series,
            log=self.boolean(raw, "log", where),
            animate=self.boolean(raw, "animate", where),
            xlabel=labels["xlabel"] or "x",
            ylabel=labels["ylabel"] or ("log10(y)" if raw.get("log") else "y"),
        )

    def question(self, raw: Any, where: tuple, known: set[str]) -> Question | None:
        if not isinstance(raw, dict):
            self.error(where, "'question' must be a table")
            return None
        self.keys(raw, toml_keys(Question), where, "the question")
        kind = raw.get("kind")
        if kind not in QUESTION_KINDS:
            self.error(where + ("kind",), f"question 'kind' must be one of {', '.join(QUESTION_KINDS)}, not {kind!r}")
        prompt = self.text(raw, "prompt", where)
        explain = self.text(raw, "explain", where)
        answer = None
        if "answer" not in raw:
            self.error(where, "missing 'answer' (an expression computed live, never a constant)")
        else:
            answer = self.expression(raw["answer"], where + ("answer",), known, "question answer")
        tolerance = self.number(raw, "tolerance", where)
        if tolerance is not None and tolerance < 0:
            self.error(where + ("tolerance",), "'tolerance' must not be negative")
        options: list[Option] = []
        raw_options = raw.get("options", [])
        if not isinstance(raw_options, list):
            self.error(where + ("options",), "'options' must be a list of { key, en, pt } tables")
            raw_options = []
        for j, opt in enumerate(raw_options):
            if not isinstance(opt, dict) or not isinstance(opt.get("key"), str) or not opt["key"].strip():
                self.error(where + ("options", j), "each option needs a 'key' string and 'en' and 'pt' text")
                continue
            self.keys(opt, toml_keys(Option), where + ("options", j), "an option")
            missing = [lang for lang in LANGS if not isinstance(opt.get(lang), str) or not opt[lang].strip()]
            if missing:
                self.error(where + ("options", j), f"option '{opt['key']}' has no '{missing[0]}' text")
                continue
            options.append(Option(opt["key"].strip(), {lang: opt[lang] for lang in LANGS}))
        keys = [o.key.lower() for o in options]
        if len(set(keys)) != len(keys):
            self.error(where + ("options",), "two options share a key")
        if kind == "choice" and len(options) < 2:
            self.error(where + ("options",), "a choice question needs at least two options")
        if kind != "choice" and raw_options:
            self.error(where + ("options",), f"'options' belong to choice questions, not {kind!r}")
        hints_raw = raw.get("hints", [])
        hints: list[Text] = []
        if not isinstance(hints_raw, list):
            self.error(where + ("hints",), "'hints' must be a list of { en, pt } tables")
            hints_raw = []
        if len(hints_raw) > MAX_HINTS:
            self.error(where + ("hints",), f"at most {MAX_HINTS} hints, each more specific (found {len(hints_raw)})")
        for hint in hints_raw:
            checked = self.text({"hint": hint}, "hint", where + ("hints",))
            if checked:
                hints.append(checked)
        if kind not in QUESTION_KINDS or prompt is None or explain is None or answer is None:
            return None
        return Question(
            kind, prompt, answer, explain,
            tolerance=tolerance if tolerance is not None else 1e-3,
            options=tuple(options), hints=tuple(hints),
        )


# ---------------------------------------------------------------- reading files


def parse_lesson(path: Path) -> tuple[Lesson | None, list[LessonError]]:
    """Read and validate one file: the lesson, or every problem found in it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [LessonError(path, 1, f"cannot read the file: {exc}")]
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = int(match.group(1)) if match else 1
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        return None, [LessonError(path, line, f"not valid TOML: {message}")]
    checker = _Checker(path, text)
    lesson = checker.lesson(data)
    return lesson, checker.errors


def check_files(files: list[Path]) -> tuple[list[Lesson], list[LessonError]]:
    """Every lesson of `files`, sorted by order, and every problem found,
    across files too (two lessons with one id or one order)."""
    lessons, errors = [], []
    ids: dict[str, Lesson] = {}
    orders: dict[int, Lesson] = {}
    for path in files:
        lesson, problems = parse_lesson(path)
        errors.extend(problems)
        if lesson is None:
            continue
        if lesson.id in ids:
            errors.append(LessonError(path, _Locator(path.read_text("utf-8")).line(("id",)),
                                      f"lesson id '{lesson.id}' is already used by {ids[lesson.id].path.name}"))
            continue
        if lesson.order in orders:
            errors.append(LessonError(path, _Locator(path.read_text("utf-8")).line(("order",)),
                                      f"order {lesson.order} is already used by {orders[lesson.order].path.name}"))
            continue
        ids[lesson.id] = orders[lesson.order] = lesson
        lessons.append(lesson)
    lessons.sort(key=lambda lesson: (lesson.order, lesson.id))
    return lessons, errors

