"""One source of truth for the lesson format: the keys a file may hold are
the model's fields, its fixed vocabularies are listed once, the format is
versioned (`format = 1`), and docs/lesson-format.md describes all of it.
"""

from __future__ import annotations

import pkgutil
import re
from dataclasses import fields
from pathlib import Path

import pytest

import tutor.lesson
from test_lesson_loader import GOOD, line_of, only_error, write
from tutor.lesson import DIAGRAM_STATES, FORMAT_VERSION, QUESTION_KINDS, load_lesson, parse_lesson
from tutor.lesson import cache as lesson_cache
from tutor.lesson.model import Lesson, Option, Param, Plot, Question, Step, toml_keys

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "lesson-format.md"


# ---------------------------------------------------------------- format = 1


def test_a_file_says_format_1_or_nothing(tmp_path):
    assert load_lesson(write(tmp_path, GOOD)).format == 1
    assert load_lesson(write(tmp_path, "format = 1\n" + GOOD)).format == 1


@pytest.mark.parametrize("value", ["2", "0", '"1"', "1.0", "true"])
def test_any_other_format_is_reported_with_its_line_and_the_supported_version(tmp_path, value):
    text = "# a comment first\nformat = " + value + "\n" + GOOD
    error = only_error(write(tmp_path, text))
    assert error.line == 2
    assert f"'format' must be {FORMAT_VERSION}" in error.message


def test_every_chapter_lesson_starts_with_format_1():
    for path in sorted((ROOT / "lessons").glob("*.toml")):
        assert path.read_text(encoding="utf-8").splitlines()[0] == "format = 1", path.name


# ---------------------------------------------------------------- time_limit


def test_a_step_runs_for_10_seconds_unless_it_says_otherwise(tmp_path):
    text = GOOD.replace('show = ["z"]', 'show = ["z"]\ntime_limit = 2.5')
    lesson = load_lesson(write(tmp_path, text))
    assert [step.time_limit for step in lesson.steps] == [10.0, 2.5]
    assert load_lesson(write(tmp_path, GOOD.replace('show = ["z"]', 'show = ["z"]\ntime_limit = 600'))) \
        .steps[1].time_limit == 600.0


@pytest.mark.parametrize("value", ["0", "-1", "600.5", "nan", "inf", '"ten"', "true"])
def test_a_bad_time_limit_is_reported_with_its_line(tmp_path, value):
    text = GOOD.replace('show = ["z"]', f'show = ["z"]\ntime_limit = {value}')
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, "time_limit =")
    assert "'time_limit' must be" in error.message


# ---------------------------------------------------------------- keys and vocabularies


def test_the_keys_a_file_may_hold_are_the_model_fields():
    assert toml_keys(Step) == {f.name for f in fields(Step)} - {"line", "code_line"}
    assert "time_limit" in toml_keys(Step)
    assert toml_keys(Lesson) == {"format", "id", "order", "title", "summary", "params", "steps"}
    assert toml_keys(Option) == {"key", "en", "pt"}
    assert toml_keys(Plot) == {f.name for f in fields(Plot)}
    assert toml_keys(Question) == {f.name for f in fields(Question)} - {"code"}  # a code question's keys are its own
    assert toml_keys(Param) == {f.name for f in fields(Param)}


def test_an_unknown_key_message_lists_the_model_fields(tmp_path):
    text = GOOD.replace('show = ["z"]', 'show = ["z"]\nshwo = 1')
    error = only_error(write(tmp_path, text))
    assert error.message.endswith(f"(known: {', '.join(sorted(toml_keys(Step)))})")


def test_question_kinds_and_diagram_states_are_listed_once():
    from tutor import checking
    from tutor.ui.widgets import layer_diagram

    assert QUESTION_KINDS == ("number", "shape", "sign", "choice", "order", "code")
    assert not hasattr(checking, "KINDS")
    assert layer_diagram.STATES is DIAGRAM_STATES
    sources = [p for p in (ROOT / "tutor").rglob("*.py") if p.name != "model.py"]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        assert '"number", "shape", "sign"' not in text, path
        assert '"forward", "loss", "L2"' not in text, path


def test_a_bad_kind_or_state_names_the_allowed_ones(tmp_path):
    error = only_error(write(tmp_path, GOOD.replace('kind = "number"', 'kind = "essay"')))
    assert ", ".join(QUESTION_KINDS) in error.message
    error = only_error(write(tmp_path, GOOD.replace('show = ["z"]', 'show = ["z"]\ndiagram = "L9"')))
    assert ", ".join(DIAGRAM_STATES) in error.message


def test_the_cache_is_keyed_on_every_module_of_the_lesson_package():
    """Derived from the package on disk: a renamed or a new module is covered,
    where a hard-coded list of names silently disabled the cache."""
    modules = {info.name for info in pkgutil.iter_modules(tutor.lesson.__path__)} | {"__init__"}
    sources = lesson_cache.loader_sources()
    assert all(path.is_file() for path in sources)
    assert {p.stem for p in sources if p.parent == Path(tutor.lesson.__file__).parent} == modules


# ---------------------------------------------------------------- the documentation


def doc_examples() -> list[str]:
    return re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_documented_lesson_is_a_valid_lesson(tmp_path):
    whole = doc_examples()[0]
    lesson, errors = parse_lesson(write(tmp_path, whole))
    assert errors == [] and lesson is not None
    assert lesson.steps[0].time_limit == 5.0 and lesson.steps[0].question.kind == "number"
    assert '"""' in whole  # long texts as multi-line strings


def test_the_documentation_names_every_key_and_every_kind_and_state():
    text = DOC.read_text(encoding="utf-8")
    for cls in (Lesson, Param, Step, Plot, Question, Option):
        for key in toml_keys(cls):
            assert re.search(rf"`{key}`|\[\[{key}\]\]|\[steps\.{key}\]", text), (cls.__name__, key)
    for word in (*QUESTION_KINDS, *DIAGRAM_STATES):
        assert f"`{word}`" in text, word
    assert "FILE:LINE" in text and "format = 1" in text


def test_readme_and_architecture_link_to_the_format_and_do_not_repeat_it():
    for name in ("README.md", "docs/architecture.md"):
        text = (ROOT / name).read_text(encoding="utf-8")
        assert "lesson-format.md" in text, name
        assert "tangent_at" not in text, name  # the full key list lives in one place


def test_a_problem_in_a_dotted_multi_line_text_names_its_line(tmp_path):
    """Long texts are written `text.en = \"\"\"...\"\"\"`: a problem in one is
    reported at that line, not at the step's header."""
    text = GOOD.replace('text = { en = "More.", pt = "Mais." }', 'text.en = """\nMore.\n"""\ntext.pt = """\n"""')
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, "text.en =")
    assert "'text' has no 'pt' text" in error.message


def test_the_lesson_package_imports_form_a_tree():
    """code_question and errors import no sibling, model only those two;
    check and cache build on model (check reads code tables with
    code_question, cache writes the menu index with chapter, which names
    the model's classes for its types only); only the package's __init__
    brings them together (and nothing above the core)."""
    import ast

    folder = Path(tutor.lesson.__file__).parent
    siblings = {p.stem for p in folder.glob("*.py")} - {"__init__"}
    imports = {}
    for path in folder.glob("*.py"):
        found = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                if node.level == 1:
                    found |= {module} if module else {a.name for a in node.names}
                elif node.level == 2:
                    found |= {f"tutor.{module}"} if module else {f"tutor.{a.name}" for a in node.names}
                elif module.startswith("tutor"):
                    found.add(module)
            elif isinstance(node, ast.Import):
                found |= {a.name for a in node.names if a.name.startswith("tutor")}
        imports[path.stem] = found
    assert imports["code_question"] & siblings == set()
    assert imports["code_names"] & siblings == set()
    assert imports["errors"] & siblings == set()
    assert imports["model"] & siblings == {"code_question", "errors"}
    assert imports["chapter"] & siblings == {"model"}  # under TYPE_CHECKING
    assert imports["check"] & siblings == {"model", "code_question", "code_names"}
    assert imports["cache"] & siblings == {"model", "chapter"}
    outside = set().union(*imports.values()) - siblings
    assert {name for name in outside if name.startswith("tutor")} <= {"tutor.i18n", "tutor.__version__"}
