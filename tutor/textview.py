"""A lesson run as plain text or JSON: `python -m tutor show`.

This is the way through the course without the full-screen app: for screen
readers, logs, and instructors checking their lessons in CI. The text reads
top to bottom; the JSON holds every value complete, so anyone can recompute
them.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

from . import notation
from .checking import AnswerError, expected_text
from .i18n import Catalog, pick
from .lesson import Lesson
from .lesson.code_question import CodeExercise
from .runner import LessonRun, PlotData, StepResult
from .values import ListValue, NumberValue, TensorValue, TextValue, Value, to_json

STRINGS = Catalog(
    {
        "lesson": {"en": "Lesson {n} of {total}: {title}", "pt": "Lição {n} de {total}: {title}"},
        "step": {"en": "Step {n} of {total}: {title}", "pt": "Passo {n} de {total}: {title}"},
        "params": {"en": "Parameters: {params}", "pt": "Parâmetros: {params}"},
        "code": {"en": "Code that ran:", "pt": "Código executado:"},
        "values": {"en": "Values:", "pt": "Valores:"},
        "changed": {"en": "change since it was last shown:", "pt": "mudança desde a última vez:"},
        "unchanged": {"en": "unchanged since it was last shown", "pt": "sem mudança desde a última vez"},
        "error": {"en": "This step raised an error:", "pt": "Este passo gerou um erro:"},
        "plot": {"en": "Plot: {title}", "pt": "Gráfico: {title}"},
        "series": {
            "en": "{label}: {n} points, x from {x0} to {x1}, y from {y0} to {y1}",
            "pt": "{label}: {n} pontos, x de {x0} a {x1}, y de {y0} a {y1}",
        },
        "question": {"en": "Question ({kind}): {prompt}", "pt": "Pergunta ({kind}): {prompt}"},
        "option": {"en": "  {key}) {text}", "pt": "  {key}) {text}"},
        "answer": {"en": "Expected answer (computed): {answer}", "pt": "Resposta esperada (valor calculado): {answer}"},
        "hint": {"en": "Hint {n}: {text}", "pt": "Dica {n}: {text}"},
        "explain": {"en": "Worked answer: {text}", "pt": "Resposta explicada: {text}"},
        "starter": {
            "en": "The code to complete (____ marks a blank):",
            "pt": "O código a completar (____ marca uma lacuna):",
        },
        "solution": {"en": "Solution:", "pt": "Solução:"},
        "verdict": {"en": "The solution, checked:", "pt": "A solução, conferida:"},
    }
)


def describe_value(value: Value, indent: str = "    ", lang: str = "en") -> list[str]:
    """A value's lines: a tensor's shape and dtype, then its rows in full
    (a 0-dimension tensor: its number as itself, `-0.00326`)."""
    if isinstance(value, TensorValue):
        head = f"tensor {notation.shape(value.shape, lang)} {value.dtype}"
        if value.requires_grad:
            head += " requires_grad"
        lines = [indent + head]
        if not value.shape:
            return lines + [indent + "  " + _scalar(value.flat()[0])]
        for row in value.rows():
            lines.append(indent + "  " + " ".join(_cell(v) for v in row))
        return lines
    if isinstance(value, NumberValue):
        return [indent + notation.number(value.value)]
    if isinstance(value, ListValue):
        return [indent + _inline(value, lang)]
    return [indent + line for line in value.text.splitlines() or [""]]


def _scalar(v: Any) -> str:
    if isinstance(v, (int, float)):
        return notation.number(v, signed=True)
    return str(v)  # a complex entry, as Python writes it


def _cell(v: Any) -> str:
    if isinstance(v, (int, float)):
        return notation.cell(v).rjust(9)
    return str(v)


def _inline(value: Value, lang: str = "en") -> str:
    if isinstance(value, ListValue):
        return "[" + ", ".join(_inline(i, lang) for i in value.items) + "]"
    if isinstance(value, NumberValue):
        return notation.number(value.value)
    if isinstance(value, TextValue):
        return value.text
    return " ".join(describe_value(value, "", lang))


def render_text(lesson: Lesson, run: LessonRun, lang: str, position: tuple[int, int], answers: bool) -> str:
    out: list[str] = []
    n, total = position
    heading = STRINGS.get("lesson", lang, n=n, total=total, title=pick(lesson.title, lang))
    out += [heading, "=" * len(heading), ""]
    if run.param_values:
        # a line of prose, as the app's status line: "lr = 0,1" in Portuguese (docs/glossary.md)
        params = ", ".join(f"{k} = {notation.number(v, lang=lang)}" for k, v in run.param_values.items())
        out += [STRINGS.get("params", lang, params=params), ""]
    for result in run.results:
        out += _render_step(result, len(lesson.steps), lang, answers)
        code_question = result.step.question.code if result.step.question is not None else None
        if code_question is not None:
            out += _render_code_question(run, result.index, code_question, lang, answers)
    return "\n".join(out).rstrip() + "\n"


def _render_step(result: StepResult, total: int, lang: str, answers: bool) -> list[str]:
    step = result.step
    heading = STRINGS.get("step", lang, n=result.index + 1, total=total, title=pick(step.title, lang))
    out = [heading, "-" * len(heading), ""]
    out += [pick(step.text, lang).strip(), ""]
    if result.code:
        out.append(STRINGS.get("code", lang))
        out += ["    " + line for line in result.code.splitlines()]
        out.append("")
    if result.values:
        out.append(STRINGS.get("values", lang))
        for expr, value in result.values.items():
            out.append(f"  {expr}")
            out += describe_value(value, lang=lang)
            before = result.previous.get(expr)
            if isinstance(value, TensorValue) and isinstance(before, TensorValue):
                diff = value.minus(before)
                if diff is not None and any(d != 0 for d in diff.flat()):
                    out.append("    " + STRINGS.get("changed", lang))
                    out += describe_value(diff, "      ", lang)[1:]
                elif diff is not None:
                    out.append("    " + STRINGS.get("unchanged", lang))
        out.append("")
    if result.plot is not None:
        out += _render_plot(result.plot, lang)
    if result.error:
        out.append(STRINGS.get("error", lang))
        out += ["    " + line for line in result.error.splitlines()]
        out.append("")
    question = step.question
    if question is not None:
        out.append(STRINGS.get("question", lang, kind=question.kind, prompt=pick(question.prompt, lang).strip()))
        for option in question.options:
            out.append(STRINGS.get("option", lang, key=option.key, text=pick(option.text, lang)))
        if answers and question.code is None:
            try:
                expected = shown = expected_text(question, result.expected, lang)
            except AnswerError as exc:  # the lesson's answer cannot serve: say why
                expected, shown = "?", exc.message
            for i, hint in enumerate(question.hints, 1):
                out.append(STRINGS.get("hint", lang, n=i, text=pick(hint, lang).strip()))
            out.append(STRINGS.get("answer", lang, answer=shown))
            explain = pick(question.explain, lang).replace("{answer}", expected).strip()
            out.append(STRINGS.get("explain", lang, text=explain))
        out.append("")
    return out


def _render_code_question(run: LessonRun, index: int, ex: CodeExercise, lang: str, answers: bool) -> list[str]:
    """A code question's starter; with `answers`, its hints, the solution
    and the solution's verdict, checked live as a learner's code would be."""
    starter = pick(ex.starter, lang).strip("\n").splitlines()
    out = [STRINGS.get("starter", lang)] + ["    " + line for line in starter] + [""]
    if answers:
        for i, hint in enumerate(ex.hints, 1):
            out.append(STRINGS.get("hint", lang, n=i, text=pick(hint, lang).strip()))
        out.append(STRINGS.get("solution", lang))
        out += ["    " + line for line in ex.solution.strip("\n").splitlines()]
        out.append(STRINGS.get("verdict", lang))
        out += ["    " + line for line in run.check_code(index, ex.solution, lang).lines]
        out.append(STRINGS.get("explain", lang, text=pick(ex.explain, lang).strip()))
        out.append("")
    return out


def _render_plot(plot: PlotData, lang: str) -> list[str]:
    out = [STRINGS.get("plot", lang, title=plot.title or plot.ylabel)]
    for s in plot.series:
        finite = [y for y in s.ys if not math.isnan(y)]
        out.append(
            "  "
            + STRINGS.get(
                "series", lang, label=s.label, n=len(s.xs),
                x0=_end(s.xs[0], lang) if s.xs else "-", x1=_end(s.xs[-1], lang) if s.xs else "-",
                y0=_end(min(finite), lang) if finite else "-", y1=_end(max(finite), lang) if finite else "-",
            )
        )
    return [textwrap.shorten(line, 200) if len(line) > 200 else line for line in out] + [""]


def _end(x: float, lang: str) -> str:
    """A range's end in the plot's one-line summary (prose: decimal comma in pt)."""
    return notation.number(x, 4, lang=lang)


def render_json(lesson: Lesson, run: LessonRun, lang: str, seed: int, answers: bool) -> dict:
    """The run as one JSON document (see README: `show --json`)."""
    steps = []
    for result in run.results:
        step = result.step
        entry: dict[str, Any] = {
            "id": step.id,
            "title": pick(step.title, lang),
            "text": pick(step.text, lang),
            "code": result.code,
            "values": {expr: to_json(value) for expr, value in result.values.items()},
            "error": result.error,
        }
        if result.plot is not None:
            entry["plot"] = {
                "title": result.plot.title,
                "xlabel": result.plot.xlabel,
                "ylabel": result.plot.ylabel,
                "log10": result.plot.log,
                "series": [
                    {"label": s.label, "kind": s.kind, "x": s.xs, "y": [None if math.isnan(y) else y for y in s.ys]}
                    for s in result.plot.series
                ],
            }
        q = step.question
        if q is not None:
            entry["question"] = {
                "kind": q.kind,
                "prompt": pick(q.prompt, lang),
                "options": [{"key": o.key, "text": pick(o.text, lang)} for o in q.options],
                "tolerance": q.tolerance if q.kind in ("number", "sign") else None,
                "hints": len(q.hints),
            }
            if q.code is not None:
                entry["question"]["starter"] = pick(q.code.starter, lang)
            if answers and q.code is not None:
                entry["question"]["solution"] = q.code.solution
                entry["question"]["verdict"] = run.check_code(result.index, q.code.solution, lang).lines
            elif answers:
                entry["question"]["answer_expression"] = q.answer
                entry["question"]["expected"] = to_json(result.expected) if result.expected is not None else None
        steps.append(entry)
    return {
        "lesson": lesson.id,
        "title": pick(lesson.title, lang),
        "lang": lang,
        "seed": seed,
        "params": dict(run.param_values),
        "steps": steps,
    }
