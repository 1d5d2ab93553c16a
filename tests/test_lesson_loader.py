"""The lesson loader: every kind of bad file is reported with its file and line.

An instructor's typo must surface as `FILE:LINE: message` from
`python -m tutor check`, pointing at the line to fix.
"""

from pathlib import Path

import pytest

from tutor.lesson import LessonLoadError, check_lessons, load_lesson, load_lessons, parse_lesson

GOOD = '''\
id = "demo"
order = 1
title = { en = "Demo", pt = "Demonstração" }

[[params]]
name = "lr"
default = 0.1
min = 0.001
max = 1.0
step = 10.0
scale = "log"
label = { en = "learning rate", pt = "taxa de aprendizado" }

[[steps]]
id = "first"
title = { en = "First", pt = "Primeiro" }
text = { en = "Some text.", pt = "Um texto." }
code = """
x = torch.tensor(3.0, requires_grad=True)
y = x ** 2
y.backward()
"""
show = ["x", "x.grad"]

[[steps]]
id = "second"
title = { en = "Second", pt = "Segundo" }
text = { en = "More.", pt = "Mais." }
code = """
z = x.detach() - lr * x.grad
"""
show = ["z"]

[steps.question]
kind = "number"
prompt = { en = "What is z?", pt = "Quanto vale z?" }
answer = "z.item()"
tolerance = 0.01
explain = { en = "z = {answer}", pt = "z = {answer}" }
'''


def write(tmp_path: Path, text: str, name: str = "01-demo.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, fragment: str, nth: int = 1) -> int:
    """The 1-based line where `fragment` occurs for the nth time."""
    seen = 0
    for number, line in enumerate(text.splitlines(), 1):
        if fragment in line:
            seen += 1
            if seen == nth:
                return number
    raise AssertionError(f"{fragment!r} not in text")


def only_error(path: Path):
    lesson, errors = parse_lesson(path)
    assert lesson is None
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


def test_good_lesson_loads_with_params_and_question(tmp_path):
    lesson = load_lesson(write(tmp_path, GOOD))
    assert lesson.id == "demo"
    assert [s.id for s in lesson.steps] == ["first", "second"]
    assert lesson.steps[0].show == ("x", "x.grad")
    assert lesson.param("lr").default == 0.1
    # the first step that uses lr gets `lr = ...` written above its code
    assert lesson.param_steps == {"lr": 1}
    assert lesson.steps[1].question.kind == "number"
    assert lesson.steps[0].code_line == line_of(GOOD, "x = torch.tensor")


def test_toml_syntax_error_names_the_line(tmp_path):
    text = GOOD.replace('order = 1', 'order = = 1')
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, "order = = 1")
    assert "not valid TOML" in error.message


def test_unknown_key_in_a_step(tmp_path):
    text = GOOD.replace('show = ["z"]', 'show = ["z"]\nshwo = ["z"]')
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, "shwo")
    assert "unknown key 'shwo'" in error.message


def test_unknown_top_level_key(tmp_path):
    text = GOOD.replace('order = 1', 'order = 1\nauthor = "me"')
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, "author")
    assert "unknown key 'author'" in error.message


def test_missing_language_text(tmp_path):
    text = GOOD.replace('text = { en = "More.", pt = "Mais." }', 'text = { en = "More." }')
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, 'text = { en = "More." }')
    assert "no 'pt' text" in error.message


def test_text_given_in_one_language_only(tmp_path):
    text = GOOD.replace('title = { en = "Second", pt = "Segundo" }', 'title = "Second"')
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, 'title = "Second"')
    assert "both languages" in error.message


def test_code_that_does_not_compile_points_inside_the_code(tmp_path):
    text = GOOD.replace("y = x ** 2", "y = x **")
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, "y = x **")
    assert "does not compile" in error.message


def test_show_that_names_nothing(tmp_path):
    text = GOOD.replace('show = ["z"]', 'show = ["zz"]')
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, 'show = ["zz"]')
    assert "names nothing" in error.message and "'zz'" in error.message


def test_show_may_not_use_a_name_only_a_later_step_defines(tmp_path):
    text = GOOD.replace('show = ["x", "x.grad"]', 'show = ["x", "z"]')
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, 'show = ["x", "z"]')
    assert "'z'" in error.message


def test_show_expression_that_does_not_compile(tmp_path):
    text = GOOD.replace('show = ["z"]', 'show = ["z +"]')
    error = only_error(write(tmp_path, text))
    assert "not a valid expression" in error.message


def test_duplicate_step_ids(tmp_path):
    text = GOOD.replace('id = "second"', 'id = "first"')
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, 'id = "first"', nth=2)
    assert "used twice" in error.message


def test_duplicate_lesson_ids_across_files(tmp_path):
    write(tmp_path, GOOD, "01-demo.toml")
    second = write(tmp_path, GOOD.replace("order = 1", "order = 2"), "02-again.toml")
    lessons, errors = check_lessons(tmp_path)
    assert [lesson.id for lesson in lessons] == ["demo"]
    assert len(errors) == 1
    assert errors[0].path == second and errors[0].line == 1
    assert "already used by 01-demo.toml" in errors[0].message


def test_missing_required_key(tmp_path):
    text = GOOD.replace('order = 1\n', '')
    error = only_error(write(tmp_path, text))
    assert "missing 'order'" in error.message


def test_bad_param_bounds(tmp_path):
    text = GOOD.replace("default = 0.1", "default = 5.0")
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, "default = 5.0")
    assert "outside" in error.message


def test_bad_question_kind(tmp_path):
    text = GOOD.replace('kind = "number"', 'kind = "essay"')
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, 'kind = "essay"')
    assert "must be one of" in error.message


def test_question_answer_must_be_a_live_expression(tmp_path):
    text = GOOD.replace('answer = "z.item()"', 'answer = "w.item()"')
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, 'answer = "w.item()"')
    assert "names nothing" in error.message


def test_choice_question_needs_options(tmp_path):
    text = GOOD.replace('kind = "number"', 'kind = "choice"')
    error = only_error(write(tmp_path, text))
    assert "at least two options" in error.message


def test_too_many_hints(tmp_path):
    hints = 'hints = [' + ", ".join('{ en = "h", pt = "d" }' for _ in range(4)) + "]\n"
    text = GOOD.replace('tolerance = 0.01\n', "tolerance = 0.01\n" + hints)
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, "hints = [")
    assert "at most 3 hints" in error.message


def test_plot_label_must_be_ascii(tmp_path):
    text = GOOD.replace('show = ["z"]', 'show = ["z"]\n\n[steps.plot]\nseries = ["[1.0, 2.0]"]\nylabel = "perda média"')
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, "ylabel")
    assert "ASCII" in error.message


def test_plot_title_must_be_ascii(tmp_path):
    plot = '\n\n[steps.plot]\nseries = ["[1.0, 2.0]"]\ntitle = { en = "loss", pt = "perda média" }'
    text = GOOD.replace('show = ["z"]', 'show = ["z"]' + plot)
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, "perda média")
    assert "'title' (pt) must be ASCII" in error.message


def test_several_problems_are_all_reported(tmp_path):
    text = GOOD.replace('show = ["z"]', 'show = ["zz"]').replace("order = 1", "order = 1\ncolour = 2")
    _, errors = parse_lesson(write(tmp_path, text))
    assert len(errors) == 2


def test_load_lessons_raises_with_every_error(tmp_path):
    write(tmp_path, GOOD.replace('show = ["z"]', 'show = ["zz"]'))
    with pytest.raises(LessonLoadError) as info:
        load_lessons(tmp_path)
    assert "01-demo.toml:" in str(info.value)


def test_missing_folder_and_empty_folder(tmp_path):
    _, errors = check_lessons(tmp_path / "nowhere")
    assert "no such lessons folder" in errors[0].message
    _, errors = check_lessons(tmp_path)
    assert "no lesson files" in errors[0].message


def test_the_built_in_chapter_is_valid():
    lessons, errors = check_lessons()
    assert errors == []
    assert [lesson.id for lesson in lessons] == [
        "slope", "convexity", "training", "backprop-order",
        "backprop-pytorch", "manual-update", "sgd", "practice",
    ]
