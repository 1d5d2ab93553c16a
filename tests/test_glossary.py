"""Portuguese that follows docs/glossary.md, in the lessons and in every
string catalog, and reads as written in Portuguese.

The forbidden forms are read from the glossary's **Never** table, so the
document and the check cannot drift apart.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from itertools import pairwise
from pathlib import Path

import pytest

from tutor.lesson import load_lessons

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "docs" / "glossary.md"
LESSONS_DIR = ROOT / "lessons"
PACKAGE = ROOT / "tutor"


@cache
def never_forms() -> dict[str, str]:
    """{forbidden form: what to write instead}, from the glossary's Never table."""
    text = GLOSSARY.read_text(encoding="utf-8")
    section = text.split("## Never", 1)[1].split("\n## ", 1)[0]
    forms: dict[str, str] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or cells[0] in ("Never", "") or set(cells[0]) <= {"-"}:
            continue
        for form in cells[0].split(","):
            forms[form.strip()] = cells[1]
    return forms


def _pattern(form: str) -> re.Pattern:
    return re.compile(r"(?<!\w)" + re.escape(form) + r"(?!\w)", re.IGNORECASE)


def lesson_texts() -> list[tuple[str, str]]:
    """(where, Portuguese text) for every text a lesson shows."""
    out = []
    for lesson in load_lessons(LESSONS_DIR):
        name = lesson.path.name
        out.append((f"{name}: title", lesson.title["pt"]))
        if lesson.summary:
            out.append((f"{name}: summary", lesson.summary["pt"]))
        for param in lesson.params:
            out.append((f"{name}: param {param.name}", param.label["pt"]))
        for step in lesson.steps:
            where = f"{name}: step {step.id}"
            out += [(f"{where} title", step.title["pt"]), (f"{where} text", step.text["pt"])]
            if step.plot is not None and step.plot.title:
                out.append((f"{where} plot title", step.plot.title["pt"]))
            question = step.question
            if question is None:
                continue
            out += [(f"{where} prompt", question.prompt["pt"]), (f"{where} explain", question.explain["pt"])]
            out += [(f"{where} hint {n}", hint["pt"]) for n, hint in enumerate(question.hints, 1)]
            out += [(f"{where} option {o.key}", o.text["pt"]) for o in question.options]
            exercise = question.code
            if exercise is not None:  # a code exercise's starter comments and what its mistakes say
                comments = [line.split("#", 1)[1] for line in exercise.starter["pt"].splitlines() if "#" in line]
                out.append((f"{where} starter comments", "\n".join(comments)))
                out += [(f"{where} mistake {n}", m.message["pt"]) for n, m in enumerate(exercise.mistakes, 1)]
    return out


def catalog_texts() -> list[tuple[str, str]]:
    """(where, Portuguese text) for every `"pt": "..."` entry in the package's
    source: the string catalogs of the app, the server, the command line and
    the checker, wherever they live."""
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Dict):
                continue
            for key, value in zip(node.keys, node.values):
                if (
                    isinstance(key, ast.Constant) and key.value == "pt"
                    and isinstance(value, ast.Constant) and isinstance(value.value, str)
                ):
                    out.append((f"{path.relative_to(ROOT)}:{value.lineno}", value.value))
    return out


def test_the_glossary_lists_the_terms_the_chapter_needs():
    text = GLOSSARY.read_text(encoding="utf-8")
    for term in [
        "passo", "derivada", "taxa de aprendizado", "perda", "peso", "viés", "camada",
        "passagem direta", "retropropagação", "atualização", "valor calculado", "gradiente",
        "descida de gradiente estocástica", "otimizador", "época", "lote / minilote", "amostra",
        "mínimo local / global", "convexa", "inclinação", "tangente",
    ]:
        assert f"| {term}" in text or f"({term})" in text or f" {term} |" in text, term
    forms = never_forms()
    assert {"etapa", "derivativo", "ajuste", "ao vivo", "descida do gradiente", "em andamento"} <= set(forms)


def test_both_sources_of_portuguese_are_read():
    """The scans below see the texts they are meant to see."""
    lessons = " ".join(text for _, text in lesson_texts())
    catalogs = " ".join(text for _, text in catalog_texts())
    assert "passagem direta" in lessons and "retropropagação" in lessons
    assert "Os gradientes se acumularam" in lessons  # a code exercise's mistake
    assert "Situação" in catalogs and "Certo!" in catalogs and "Sala aberta" in catalogs


@pytest.mark.parametrize("source", ["lessons", "catalogs"])
def test_no_portuguese_text_uses_a_form_the_glossary_forbids(source):
    texts = lesson_texts() if source == "lessons" else catalog_texts()
    found = []
    for form, instead in never_forms().items():
        pattern = _pattern(form)
        for where, text in texts:
            if pattern.search(text):
                found.append(f"{where}: '{form}' (write: {instead})")
    assert not found, "\n".join(found)


def test_the_forbidden_forms_are_caught():
    """The check is not vacuous: each form, planted in a sentence, is found."""
    for form in never_forms():
        assert _pattern(form).search(f"Uma frase com {form.upper()} no meio."), form
    assert not _pattern("ajuste").search("reajustes")  # whole words only


CODE_SPAN = re.compile(r"`[^`]*`")
POINT_DECIMAL = re.compile(r"(?<![\w.])\d+\.\d+")


PROSE = [(where, text) for where, text in lesson_texts() if not where.endswith("plot title")]


@pytest.mark.parametrize("where,text", PROSE, ids=[where for where, _ in PROSE])
def test_portuguese_prose_writes_decimals_with_a_comma(where, text):
    """Outside code font, "1,13" and "0,1"; code keeps its point (`lr = 0.001`).
    (Plot titles are formulas in ASCII, drawn by plotext.)"""
    prose = CODE_SPAN.sub("", text)
    assert not POINT_DECIMAL.search(prose), f"{where}: {POINT_DECIMAL.search(prose).group()} in {text!r}"


def _step_texts():
    for lesson in load_lessons(LESSONS_DIR):
        for step in lesson.steps:
            for lang in ("en", "pt"):
                yield pytest.param(step.text[lang], id=f"{lesson.id}:{step.id}:{lang}")


def unmeant_list_lines(text: str) -> list[str]:
    """Lines that Markdown would draw as a bullet although the text meant a
    sum or a negative number: "+ 32" or "- 4" continuing a paragraph."""
    found = []
    lines = text.splitlines()
    for before, line in pairwise(lines):
        if before.strip() and not re.match(r"\s*([-*+] |\d+\. )", before) and re.match(r"\s*[-+*] +\d", line):
            found.append(line)
    return found


@pytest.mark.parametrize("text", list(_step_texts()))
def test_no_line_of_a_lesson_reads_as_an_unmeant_list(text):
    assert unmeant_list_lines(text) == []


def test_an_unmeant_list_line_is_caught():
    """Lesson 5's Portuguese before it was written one line a paragraph."""
    assert unmeant_list_lines("Os seis tensores estão abaixo: 128 + 8\n+ 32 + 4 + 8 + 2 = 182 números.")
    assert not unmeant_list_lines("- **Acesse o gradiente**\n- **Multiplique** por 2")


def test_the_portuguese_key_line_fits_80_columns():
    """Every key the lesson screen can show at once, in KeyBar's layout
    (" key description " per key), fits an 80-column terminal."""
    from tutor.ui.app import TutorApp
    from tutor.ui.screens.lesson import LessonScreen

    for lang in ("en", "pt"):
        bindings = [b for b in LessonScreen.bindings(lang) + TutorApp.bindings(lang) if b.show]
        seen, width = set(), 0
        for binding in bindings:
            if binding.action in seen:
                continue
            seen.add(binding.action)
            key = binding.key_display or binding.key
            width += len(f" {key} ") + len(f"{binding.description} ")
        assert width <= 80, (lang, width)
