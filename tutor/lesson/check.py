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
import math
import re
import tomllib
from pathlib import Path
from typing import Any, cast

from ..i18n import LANGS
from .code_names import bound_names as _bound_names
from .code_names import free_names as _free_names
from .code_names import used_names as _used_names
from .code_question import exercise_from_table
from .model import (
    DEFAULT_TIME_LIMIT,
    DIAGRAM_STATES,
    FORMAT_VERSION,
    MAX_TIME_LIMIT,
    QUESTION_KINDS,
    SCALES,
    Lesson,
    LessonError,
    Option,
    Param,
    Plot,
    Question,
    Step,
    Text,
    toml_keys,
)

ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MAX_HINTS = 3
# Bounds that keep a mistake a FILE:LINE problem instead of a crash later
# (docs/lesson-format.md, "Limits"):
MAX_NESTING = 50  # arrays and tables inside one another in the TOML
MAX_CODE_DEPTH = 100  # a Python expression or statement nested this deep (a 2,000-term sum is 2,000)
MAX_ORDER = 1_000_000  # `order` lies in [0, MAX_ORDER]
PARAM_LIMIT = 1e6  # a param's default, min and max lie in [-PARAM_LIMIT, PARAM_LIMIT]
RANGE_LIMIT = 1e6  # a plot's x range lies within [-RANGE_LIMIT, RANGE_LIMIT]
MAX_TOLERANCE = 1e3  # a question's tolerance lies in [0, MAX_TOLERANCE]
# Terminal control characters: C0 but tab and newline, DEL, C1. ESC in a
# title can clear a learner's screen.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
CONTROL_SINGLE_LINE_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# Fields shown on one line (no newline or tab there either) and fields
# rendered as Markdown (checked for accidental bullets).
SINGLE_LINE_KEYS = frozenset({"id", "title", "label", "name", "kind", "scale", "diagram", "key", "xlabel", "ylabel"})
MARKDOWN_KEYS = frozenset({"text", "summary", "prompt", "explain", "hints"})
# A line that Markdown reads as a bullet item whose text starts with a number.
NUMBER_BULLET_RE = re.compile(r"^ {0,3}[-+*][ \t]+[-+]?\.?[0-9]")
LIST_ITEM_RE = re.compile(r"^\s*(?:[-+*]|[0-9]+[.)])(?:[ \t]|$)")
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
                is_last = k == len(parts) - 1
                if prefix in arrays and not (is_last and is_array):
                    path.append(arrays[prefix] - 1)
            if is_array:
                arrays[parts] = arrays.get(parts, 0) + 1
                path.append(arrays[parts] - 1)
                for key in [a for a in arrays if a[: len(parts)] == parts and len(a) > len(parts)]:
                    del arrays[key]
            starts.append((tuple(path), number))
        for i, (start_path, first) in enumerate(starts):
            last = starts[i + 1][1] - 1 if i + 1 < len(starts) else len(self.lines)
            self.sections.append((start_path, first, last))

    def line(self, key_path: tuple) -> int:
        best: tuple[tuple, int, int] | None = None
        for path, first, last in self.sections:
            if key_path[: len(path)] == path and (best is None or len(path) >= len(best[0])):
                best = (path, first, last)
        if best is None:
            return 1
        path, first, last = best
        rest = key_path[len(path) :]
        names = [k for k in rest if isinstance(k, str)]
        if not names:
            return first
        key = names[0]
        if len(names) > 1:  # text.pt = before text.en =
            dotted = re.compile(r'^\s*["\']?' + re.escape(key) + r'["\']?\s*\.\s*["\']?' + re.escape(names[1])
                                + r'["\']?\s*=')
            for number in range(first, last + 1):
                if dotted.match(self.lines[number - 1]):
                    return number
        pattern = re.compile(r'^\s*["\']?' + re.escape(key) + r'["\']?\s*[=.]')  # key = or key.en =
        for number in range(first, last + 1):
            if pattern.match(self.lines[number - 1]):
                return number
        return first

    def value_start(self, key_line: int) -> int:
        """The file line of a multi-line string's first content line."""
        raw = self.lines[key_line - 1].rstrip() if 0 < key_line <= len(self.lines) else ""
        return key_line + 1 if raw.endswith(('"""', "'''")) else key_line


# ---------------------------------------------------------------- names in code


def _ast_depth(tree: ast.AST) -> int:
    """How deeply the nodes of a syntax tree nest, counted without recursion
    (a 2,000-term sum is a tree 2,000 deep: CPython's compiler recurses on
    it and may raise RecursionError, so it is refused before it is compiled)."""
    deepest, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return deepest


def _misaligns(ch: str) -> bool:
    """A character that does not take exactly one cell in a terminal."""
    import unicodedata

    return unicodedata.east_asian_width(ch) in ("W", "F") or unicodedata.combining(ch) != 0


def _parse_python(source: str, mode: str) -> tuple[ast.AST | None, str | None, int | None]:
    """The syntax tree of `source`, compiled once to be sure it compiles, or
    (None, why not, the source's line of the fault if known). Never raises:
    a source too deep for CPython's parser or compiler is a problem too."""
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        return None, exc.msg, exc.lineno
    except (RecursionError, MemoryError, ValueError) as exc:
        return None, _too_complex(exc), None
    depth = _ast_depth(tree)
    if depth > MAX_CODE_DEPTH:
        return None, f"nested {depth} deep, more than the {MAX_CODE_DEPTH} the tutor accepts (split it up)", None
    try:
        compile(cast("ast.Module | ast.Expression", tree), "<lesson>", mode)
    except SyntaxError as exc:
        return None, exc.msg, exc.lineno
    except (RecursionError, MemoryError, ValueError) as exc:
        return None, _too_complex(exc), None
    return tree, None, None


def _short(value: Any) -> str:
    """A value quoted in a message, cut short (a 5,000-digit number is not
    worth printing)."""
    try:
        text = repr(value)
    except ValueError:  # an int beyond Python's digit limit for str()
        return "a number of thousands of digits"
    return text if len(text) <= 40 else text[:37] + "..."


def _too_complex(exc: BaseException) -> str:
    if isinstance(exc, ValueError):
        return str(exc)
    return f"too long or too deeply nested to compile ({type(exc).__name__})"


def _data_depth(data: Any) -> int:
    """How deeply tables and arrays nest in parsed TOML, without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return deepest


_TOML_TOKEN = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*(?:"""|\Z)'  # multi-line basic string
    r"|'''.*?(?:'''|\Z)"  # multi-line literal string
    r'|"(?:[^"\\\n]|\\.)*"?'  # basic string
    r"|'[^'\n]*'?"  # literal string
    r"|#[^\n]*"  # comment
    r"|[\[\]{}]",
    re.DOTALL,
)


def _nesting_line(text: str, limit: int) -> int:
    """The line where arrays and inline tables first nest deeper than
    `limit` (brackets inside strings and comments do not count), or 1."""
    depth = 0
    for match in _TOML_TOKEN.finditer(text):
        token = match.group()
        if token in ("[", "{"):
            depth += 1
            if depth > limit:
                return text.count("\n", 0, match.start()) + 1
        elif token in ("]", "}"):
            depth = max(0, depth - 1)
    return 1


def _long_number_line(text: str) -> int:
    """The line of the longest run of digits: where a number too long for
    Python's int conversion limit stands."""
    best, line = 0, 1
    for match in re.finditer(r"[0-9][0-9_]*", text):
        if len(match.group()) > best:
            best, line = len(match.group()), text.count("\n", 0, match.start()) + 1
    return line


def _control_character(value: str, single_line: bool) -> int | None:
    """Where the first terminal control character of `value` stands, if any."""
    match = (CONTROL_SINGLE_LINE_RE if single_line else CONTROL_RE).search(value)
    return match.start() if match else None


def _number_bullets(markdown: str) -> list[tuple[int, str]]:
    """(line index, line) of each paragraph line that Markdown would turn
    into a bullet, because it starts with `+ `, `- ` or `* ` and a number
    (a sum wrapped so that `+ 4 + 8` begins a line). Code blocks and real
    lists (after a blank line or another item) are left alone."""
    found: list[tuple[int, str]] = []
    previous = ""
    fenced = False
    for index, line in enumerate(markdown.split("\n")):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            previous = ""
            continue
        if (
            not fenced and previous.strip() and not LIST_ITEM_RE.match(previous)
            and not previous.startswith("    ") and NUMBER_BULLET_RE.match(line)
        ):
            found.append((index, line.strip()))
        previous = "" if fenced else line
    return found


# ---------------------------------------------------------------- validation


class _Checker:
    """Walks one parsed lesson file, collecting every problem with its line."""

    def __init__(self, path: Path, text: str):
        self.path = path
        self.loc = _Locator(text)
        self.errors: list[LessonError] = []
        self.warnings: list[LessonError] = []
        # After code that does not compile, which names exist is unknown:
        # stop checking names rather than report a cascade of false problems.
        self.names_known = True

    def error(self, key_path: tuple, message: str, line: int | None = None) -> None:
        self.errors.append(LessonError(self.path, line or self.loc.line(key_path), message))

    def warn(self, key_path: tuple, message: str, line: int | None = None) -> None:
        self.warnings.append(LessonError(self.path, line or self.loc.line(key_path), message, warning=True))

    def value_line(self, key_path: tuple, value: str, index: int) -> int:
        """The file line of `value[index]`, for a string at `key_path`."""
        line = self.loc.line(key_path)
        lines_before = value.count("\n", 0, index)
        return self.loc.value_start(line) + lines_before if lines_before else line

    def strings(self, data: dict) -> None:
        """Every string of the file, keys too, for terminal control
        characters (refused: an ESC in a title can clear a learner's
        screen), and the Markdown texts for lines that would become
        bullets by accident (warned). Walked without recursion."""
        stack: list[tuple[Any, tuple]] = [(data, ())]
        while stack:
            value, where = stack.pop()
            if isinstance(value, dict):
                for key, item in value.items():
                    at = _control_character(key, single_line=True)
                    if at is not None:
                        self.error(where, f"key {key!r} holds the control character {key[at]!r}")
                        continue
                    stack.append((item, where + (key,)))
            elif isinstance(value, list):
                stack.extend((item, where + (i,)) for i, item in enumerate(value))
            elif isinstance(value, str):
                self.string_content(value, where)

    def string_content(self, value: str, where: tuple) -> None:
        names = [k for k in where if isinstance(k, str)]
        single_line = bool(names) and (names[-1] in SINGLE_LINE_KEYS or "options" in names
                                       or (len(names) > 1 and names[-2] in SINGLE_LINE_KEYS))
        at = _control_character(value, single_line)
        if at is not None:
            what = "a line break or tab" if value[at] in "\n\t" else f"the control character {value[at]!r}"
            self.error(where, f"'{'.'.join(names)}' holds {what}: lesson text may not control the terminal"
                              + (" (this text is shown on one line)" if value[at] in "\n\t" else ""),
                       line=self.value_line(where, value, at))
            return
        if any(name in MARKDOWN_KEYS for name in names):
            for index, line in _number_bullets(value):
                offset = sum(len(part) + 1 for part in value.split("\n")[:index])
                self.warn(where, f"'{'.'.join(names)}': Markdown shows the line {_short(line)} as a bullet item; "
                                 "move the sign to the end of the line before, or start the line with a word",
                          line=self.value_line(where, value, offset))

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
        self.keys(value, frozenset(LANGS), where + (key,), f"'{key}'")
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
            self.error(where + (key,), f"'{key}' must be a number, not {_short(value)}")
            return None
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            self.error(where + (key,), f"'{key}' must be a finite number, not {_short(value)}")
            return None
        return number

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
        tree, problem, _ = _parse_python(source.strip(), "eval")
        if tree is None:
            self.error(where, f"{what} {_short(source)} is not a valid expression: {problem}")
            return None
        unknown = sorted(n for n in _free_names(tree) if n not in known and not hasattr(builtins, n))
        if unknown and self.names_known:
            names = ", ".join(f"'{n}'" for n in unknown)
            self.error(where, f"{what} {_short(source)} names nothing: {names} is not defined by this step "
                              "or an earlier one")
            return None
        return source.strip()

    # -- the parts of a lesson

    def lesson(self, data: dict) -> Lesson | None:
        self.strings(data)
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
        elif isinstance(order, bool) or not isinstance(order, int) or not 0 <= order <= MAX_ORDER:
            self.error(("order",), f"'order' must be a whole number from 0 to {MAX_ORDER:,}, not {_short(order)}")
            order = None
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

        if self.errors or lesson_id is None or title is None or order is None:
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
            default, low, high, step = values
            if default is None or low is None or high is None or step is None or label is None or name is None:
                continue
            bounds = {"default": default, "min": low, "max": high}
            outside = next((k for k, v in bounds.items() if abs(v) > PARAM_LIMIT), None)
            if outside is not None:
                self.error(where + (outside,), f"param '{name}': {outside} {table[outside]:g} is beyond the "
                                               f"±{PARAM_LIMIT:g} a param may take")
            elif not low < high:
                self.error(where + ("min",), f"param '{name}': min ({low:g}) must be below max ({high:g})")
            elif not low <= default <= high:
                self.error(where + ("default",), f"param '{name}': default {default:g} is outside [{low:g}, {high:g}]")
            elif scale == "log" and (low <= 0 or step <= 1):
                self.error(where + ("step",), f"param '{name}': a log scale needs min > 0 and a step (factor) > 1")
            elif step <= 0:
                self.error(where + ("step",), f"param '{name}': step must be positive")
            elif scale == "log" and step > high / low:
                self.error(where + ("step",), f"param '{name}': the step (factor) {step:g} is more than "
                                              f"max / min ({high / low:g}): one press would cross the whole range")
            elif scale == "linear" and step > high - low:
                self.error(where + ("step",), f"param '{name}': the step {step:g} is more than max - min "
                                              f"({high - low:g}): one press would cross the whole range")
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
            tree, problem, lineno = _parse_python(code, "exec")
            if tree is not None:
                known |= _bound_names(code)
            else:
                line = code_line + (lineno or 1) - 1
                self.names_known = False
                self.error(where + ("code",), f"step '{step_id}': code does not compile: {problem}", line=line)
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
        status_loss = ""
        if "status_loss" in raw:
            status_loss = self.expression(raw["status_loss"], where + ("status_loss",), known, "status_loss") or ""
        plot = self.plot(raw["plot"], where + ("plot",), known) if "plot" in raw else None
        question = self.question(raw["question"], where + ("question",), known) if "question" in raw else None
        if len(self.errors) > before or step_id is None or title is None or text is None:
            return None
        return Step(
            step_id, title, text, code, tuple(show), diagram, plot, question,
            time_limit=DEFAULT_TIME_LIMIT if time_limit is None else time_limit, status_loss=status_loss,
            line=self.loc.line(where), code_line=code_line,
        )

    def plot(self, raw: Any, where: tuple, known: set[str]) -> Plot | None:
        if not isinstance(raw, dict):
            self.error(where, "'plot' must be a table")
            return None
        self.keys(raw, toml_keys(Plot), where, "the plot")
        title = self.text(raw, "title", where, required=False)
        for lang, words in (title or {}).items():
            if any(_misaligns(ch) for ch in words):
                self.error(where + ("title",), f"plot 'title' ({lang}) has a wide or combining character, which "
                           "misaligns plots (accented letters are fine when precomposed: ç, ã, é)")
        exprs = {}
        for key in ("function", "tangent_at", "points", "paths"):
            if key in raw:
                exprs[key] = self.expression(raw[key], where + (key,), known, f"plot {key}")
        series_raw = raw.get("series", [])
        if isinstance(series_raw, str):
            series_raw = [series_raw]
        elif not isinstance(series_raw, list):
            self.error(where + ("series",), "plot 'series' must be a string or a list of strings")
            series_raw = None
        series = tuple(
            s for s in (self.expression(e, where + ("series",), known, "plot series") for e in series_raw or ()) if s
        )
        if "function" not in raw and series_raw == []:  # a bad one is reported already
            self.error(where, "a plot needs a 'function' or at least one 'series'")
        for key in ("tangent_at", "points", "paths"):
            if key in raw and "function" not in raw:
                self.error(where + (key,), f"plot '{key}' needs a 'function' to draw on")
        range_ = raw.get("range", [-3.0, 3.0])
        if (
            not isinstance(range_, list) or len(range_) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in range_)
            or not all(abs(v) <= RANGE_LIMIT for v in range_)
            or not range_[0] < range_[1]
        ):
            self.error(where + ("range",), f"plot 'range' must be [low, high] with low < high, "
                                           f"within ±{RANGE_LIMIT:g}, not {_short(range_)}")
            range_ = [-3.0, 3.0]
        labels = {}
        for key in ("xlabel", "ylabel"):
            value = self.string(raw, key, where)
            if value is not None and any(_misaligns(ch) for ch in value):
                self.error(where + (key,), f"plot '{key}' has a wide or combining character, which misaligns plots")
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
        if raw.get("kind") == "code":
            return self.code_question(raw, where)
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
        if tolerance is not None and not 0 <= tolerance <= MAX_TOLERANCE:
            self.error(where + ("tolerance",), f"'tolerance' must be from 0 to {MAX_TOLERANCE:g}, not {tolerance:g}")
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

    def code_question(self, raw: dict, where: tuple) -> Question | None:
        """A `kind = "code"` table, read and checked statically by
        `code_question` (running it is `tutor check --run`'s); each problem
        at its key's line, or at the line inside the code it names."""
        exercise, problems = exercise_from_table(raw)
        for problem in problems:
            key_path = where + problem.key_path
            line = self.loc.line(key_path)
            if problem.line:
                line = self.loc.value_start(line) + problem.line - 1
            self.error(key_path, problem.message, line)
        if exercise is None or problems:
            return None
        return Question("code", exercise.prompt, "", exercise.explain, hints=exercise.hints, code=exercise)


# ---------------------------------------------------------------- reading files


def parse_lesson(path: Path) -> tuple[Lesson | None, list[LessonError]]:
    """Read and validate one file: the lesson, or every problem found in it."""
    lesson, errors, _ = _parse(path)
    return lesson, errors


def _parse(path: Path) -> tuple[Lesson | None, list[LessonError], list[LessonError]]:
    """One file's lesson, problems and warnings."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [LessonError(path, 1, f"cannot read the file: {exc}")], []
    too_deep = f"arrays and tables nest more than {MAX_NESTING} deep"
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        line = int(match.group(1)) if match else 1
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc))
        return None, [LessonError(path, line, f"not valid TOML: {message}")], []
    except (RecursionError, MemoryError):
        return None, [LessonError(path, _nesting_line(text, MAX_NESTING), too_deep)], []
    except ValueError:  # a whole number beyond Python's int conversion limit (4,300 digits)
        return None, [LessonError(path, _long_number_line(text), "a number has too many digits to be read "
                                                                 "(thousands: no lesson needs that many)")], []
    if _data_depth(data) > MAX_NESTING:
        return None, [LessonError(path, _nesting_line(text, MAX_NESTING), too_deep)], []
    checker = _Checker(path, text)
    lesson = checker.lesson(data)
    return lesson, checker.errors, checker.warnings


def check_files(files: list[Path], warnings: bool = False) -> tuple[list[Lesson], list[LessonError]]:
    """Every lesson of `files`, sorted by order, and every problem found,
    across files too (two lessons with one id or one order); with
    `warnings`, each file's warnings follow its problems."""
    lessons, errors = [], []
    ids: dict[str, Lesson] = {}
    orders: dict[int, Lesson] = {}
    for path in files:
        lesson, problems, warned = _parse(path)
        errors.extend(problems)
        if warnings:
            errors.extend(warned)
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

