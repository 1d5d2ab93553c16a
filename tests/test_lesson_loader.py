"""The lesson loader: every kind of bad file is reported with its file and line.

An instructor's typo must surface as `FILE:LINE: message` from
`python -m tutor check`, pointing at the line to fix.
"""

import os
import subprocess
import sys
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


def test_status_loss_that_names_nothing(tmp_path):
    text = GOOD.replace('show = ["z"]', 'show = ["z"]\nstatus_loss = "new_loss"')
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, 'status_loss = "new_loss"')
    assert "status_loss" in error.message and "'new_loss'" in error.message


def test_status_loss_names_what_the_status_line_shows(tmp_path):
    """A step whose code names no `loss` shows none, unless it names one."""
    from tutor.step_engine import InProcessRun

    plain = load_lesson(write(tmp_path, GOOD))
    assert [r.loss for r in InProcessRun(plain).run_all()] == [None, None]
    named = GOOD.replace('show = ["z"]', 'show = ["z"]\nstatus_loss = "z ** 2"')
    results = InProcessRun(load_lesson(write(tmp_path, named, "02-named.toml"))).run_all()
    assert results[0].loss is None
    assert results[1].loss == pytest.approx((3.0 - 0.1 * 6.0) ** 2)
    not_a_number = GOOD.replace('show = ["z"]', 'show = ["z"]\nstatus_loss = "[z, z]"')
    results = InProcessRun(load_lesson(write(tmp_path, not_a_number, "03-list.toml"))).run_all()
    assert results[1].loss is None and "status_loss: [z, z] is not one number" in results[1].error


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


def test_plot_label_takes_accents_but_not_wide_characters(tmp_path):
    text = GOOD.replace('show = ["z"]', 'show = ["z"]\n\n[steps.plot]\nseries = ["[1.0, 2.0]"]\nylabel = "perda média"')
    assert not check_lessons(write(tmp_path, text).parent)[1]
    text = text.replace("perda média", "perda\u0301")  # a combining accent takes no cell of its own
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, "ylabel")
    assert "wide or combining character" in error.message


def test_plot_title_takes_accents_but_not_wide_characters(tmp_path):
    plot = '\n\n[steps.plot]\nseries = ["[1.0, 2.0]"]\ntitle = { en = "loss", pt = "perda média" }'
    text = GOOD.replace('show = ["z"]', 'show = ["z"]' + plot)
    plot = next(step.plot for step in load_lesson(write(tmp_path, text)).steps if step.plot is not None)
    assert plot.title["pt"] == "perda média"
    text = text.replace("perda média", "perda 平均")
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, "perda 平均")
    assert "'title' (pt) has a wide or combining character" in error.message


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


# ---------------------------------------------------------------- files an instructor gets wrong (issue 13)
# Each of these printed a traceback (RecursionError, ValueError, OverflowError)
# or hung `check`, or was accepted and crashed later.


def test_arrays_nested_900_deep_are_one_problem_on_their_line(tmp_path):
    text = GOOD.replace('show = ["z"]', "deep = " + "[" * 900 + "]" * 900)
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, "deep = ")
    assert "nest more than 50 deep" in error.message


def test_inline_tables_nested_3000_deep_are_one_problem_on_their_line(tmp_path):
    text = GOOD.replace('show = ["z"]', "deep = " + "{ a = " * 3000 + "1" + " }" * 3000)
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, "deep = ")
    assert "nest more than 50 deep" in error.message


def test_brackets_inside_strings_do_not_count_as_nesting():
    from tutor.lesson.check import _nesting_line

    text = 'a = "[[[[[["\nb = \'{{{{{{\'\n# [[[[[[\nc = """\n[[[[[[\n"""\nd = [[[[1]]]]\n'
    assert _nesting_line(text, 3) == 7


def test_a_5000_digit_number_is_one_problem_on_its_line(tmp_path):
    text = GOOD.replace("default = 0.1", "default = " + "9" * 5000)
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, "default = 999")
    assert "too many digits" in error.message
    assert len(str(error)) < 200  # the number is not printed back


def test_a_400_digit_number_is_not_a_finite_float(tmp_path):
    text = GOOD.replace("max = 1.0", "max = 1" + "0" * 400)
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, "max = 1000")
    assert "'max' must be a finite number" in error.message


@pytest.mark.parametrize("old, new, key, message", [
    ("tolerance = 0.01", "tolerance = 1e33", "tolerance = 1e33", "'tolerance' must be from 0 to 1000"),
    ("tolerance = 0.01", "tolerance = nan", "tolerance = nan", "'tolerance' must be a finite number"),
    ("max = 1.0", "max = 1e45", "max = 1e45", "max 1e+45 is beyond the ±1e+06"),
    ("default = 0.1", "default = -1e45", "default = -1e45", "default -1e+45 is beyond"),
    ("max = 1.0", "max = inf", "max = inf", "'max' must be a finite number, not inf"),
    ("step = 10.0", "step = 1e45", "step = 1e45", "the step (factor) 1e+45 is more than max / min (1000)"),
    ("order = 1", "order = 100000000000000000000", "order = 1000", "'order' must be a whole number from 0 to"),
])
def test_numbers_beyond_the_formats_bounds(tmp_path, old, new, key, message):
    text = GOOD.replace(old, new)
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, key)
    assert message in error.message


def test_a_linear_step_larger_than_the_range(tmp_path):
    text = GOOD.replace('step = 10.0\nscale = "log"', 'step = 5.0\nscale = "linear"')
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, "step = 5.0")
    assert "the step 5 is more than max - min" in error.message


def test_a_plot_range_beyond_the_bound(tmp_path):
    text = GOOD.replace('show = ["z"]', 'show = ["z"]\nplot = { function = "x ** 2", range = [-1e300, 1e300] }')
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, "plot = ")
    assert "within ±1e+06" in error.message


SUM_2000 = " + ".join(["z"] * 2000)


@pytest.mark.parametrize("old, new, key", [
    ('show = ["z"]', f'show = ["{SUM_2000}"]', 'show = ["z + z'),
    ('answer = "z.item()"', f'answer = "{SUM_2000}"', "answer = "),
    ('show = ["z"]', f'show = ["z"]\nplot = {{ function = "{" + ".join(["x"] * 2000)}" }}', "plot = "),
], ids=["show", "answer", "plot"])
def test_a_2000_term_expression_is_refused_before_it_is_compiled(tmp_path, old, new, key):
    text = GOOD.replace(old, new)
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, key)
    assert "nested 200" in error.message and "more than the 100" in error.message
    assert len(str(error)) < 300  # the expression is cut short in the message


def test_2000_term_step_code_is_a_problem_not_a_recursion_error(tmp_path):
    text = GOOD.replace("z = x.detach() - lr * x.grad", "z = " + " + ".join(["x"] * 3000))
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, "z = x + x")
    assert "code does not compile" in error.message


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX thing")
def test_a_fifo_named_toml_is_a_problem_never_a_hang(tmp_path):
    write(tmp_path, GOOD)
    fifo = tmp_path / "x.toml"
    os.mkfifo(fifo)
    code = (
        "import sys\nfrom tutor.lesson import check_lessons, load_lessons, LessonLoadError\n"
        f"lessons, errors = check_lessons({str(tmp_path)!r})\n"
        "print(len(lessons)); print(*errors, sep='\\n')\n"
        f"try:\n    load_lessons({str(tmp_path)!r})\n"
        "except LessonLoadError as exc:\n    print('refused:', exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "TUTOR_CACHE_DIR": str(tmp_path / "cache")})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "1"  # the regular file next to it is still checked
    assert lines[1] == f"{fifo}: not a regular file (a FIFO): lessons are read from regular files only"
    assert lines[2] == f"refused: {fifo}: not a regular file (a FIFO): lessons are read from regular files only"
    check = subprocess.run([sys.executable, "-m", "tutor", "check", str(tmp_path)], capture_output=True, text=True,
                           timeout=60, env={**os.environ, "LANG": "C.UTF-8"})
    assert check.returncode == 1 and "Traceback" not in check.stderr
    assert check.stdout.splitlines() == [lines[1]]


def test_a_folder_named_toml_is_a_problem(tmp_path):
    write(tmp_path, GOOD)
    (tmp_path / "old.toml").mkdir()
    lessons, errors = check_lessons(tmp_path)
    assert [lesson.id for lesson in lessons] == ["demo"]
    assert [str(e) for e in errors] == [
        f"{tmp_path / 'old.toml'}: not a regular file (a folder): lessons are read from regular files only"]


CSI = "\x9b2J"  # clears the learner's screen, as one C1 character (TOML refuses a raw ESC itself)


@pytest.mark.parametrize("old, new, key", [
    ('title = { en = "Demo"', 'title = { en = "Demo\\u001b[2J"', 'title = { en = "Demo'),
    ('order = 1\n', 'order = 1\nsummary = { en = "S\\u001b[2J", pt = "S" }\n', "summary = "),
    ('text = { en = "More."', 'text = { en = "More.\\u009b2J"', 'text = { en = "More.'),
    ("y = x ** 2\n", "y = x ** 2  # \\u001b[2J\n", "y = x ** 2"),
    ('label = { en = "learning rate"', f'label = {{ en = "learning{CSI}"', "label = "),  # TOML allows C1 raw
    ('explain = { en = "z = {answer}"', 'explain = { en = "z\\u0007 = {answer}"', "explain = "),
    ('prompt = { en = "What is z?"', 'prompt = { en = "What\\u0000 is z?"', "prompt = "),
    ('tolerance = 0.01', 'tolerance = 0.01\nhints = [{ en = "\\u001b]0;pwned\\u0007", pt = "p" }]', "hints = "),
    ('show = ["x", "x.grad"]', 'show = ["x", "\'\\u001b[2J\'"]', "show = "),
    ('show = ["z"]', 'show = ["z"]\nplot = { function = "x", xlabel = "x\\u001b" }', "plot = "),
    ('title = { en = "First"', 'title = { en = "First\\nline"', 'title = { en = "First'),
])
def test_control_characters_in_lesson_text_are_refused_with_their_line(tmp_path, old, new, key):
    text = GOOD.replace(old, new, 1)
    assert text != GOOD
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, key)
    assert "lesson text may not control the terminal" in error.message


def test_a_raw_escape_is_already_not_valid_toml_on_its_line(tmp_path):
    text = GOOD.replace("y = x ** 2\n", "y = x ** 2  # \x1b[2J\n")
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, "y = x ** 2")
    assert error.message == "not valid TOML: Illegal character '\\x1b'"


def test_a_control_character_in_a_choice_option(tmp_path):
    text = GOOD.replace('kind = "number"', 'kind = "choice"').replace(
        "tolerance = 0.01",
        'options = [{ key = "a", en = "yes\\u001b[2J", pt = "sim" }, { key = "b", en = "no", pt = "não" }]')
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, "options = ")
    assert "'steps.question.options.en' holds the control character '\\x1b'" in error.message


def test_a_control_character_deep_in_a_multi_line_text_names_its_own_line(tmp_path):
    text = GOOD.replace('text = { en = "More.", pt = "Mais." }',
                        'text.en = """\nOne.\nTwo.\n"""\ntext.pt = """\nUm.\nDois \\u001b[2J.\n"""')
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, "Dois")


def test_tabs_in_code_and_line_breaks_in_texts_are_fine(tmp_path):
    text = GOOD.replace("y = x ** 2\n", "if True:\n\ty = x ** 2\n").replace(
        'text = { en = "More."', 'text = { en = "More.\\n\\nAnd more.\\twith a tab"')
    lesson, errors = parse_lesson(write(tmp_path, text))
    assert errors == [] and lesson is not None


# ---------------------------------------------------------------- Markdown the text did not mean


WRAPPED_SUM = 'text.en = """\nAll six tensors: 128 + 8\n+ 32 + 4 + 8 + 2 = 182 numbers.\n"""\ntext.pt = "Seis."'


def test_a_wrapped_sum_that_markdown_would_make_a_bullet_is_a_warning(tmp_path):
    text = GOOD.replace('text = { en = "More.", pt = "Mais." }', WRAPPED_SUM)
    path = write(tmp_path, text)
    lessons, problems = check_lessons(tmp_path, warnings=True)
    assert [lesson.id for lesson in lessons] == ["demo"]  # a warning does not stop the lesson
    assert [str(p) for p in problems] == [
        f"{path}:{line_of(text, '+ 32 + 4')}: warning: 'steps.text.en': Markdown shows the line "
        "'+ 32 + 4 + 8 + 2 = 182 numbers.' as a bullet item; "
        "move the sign to the end of the line before, or start the line with a word"]
    assert problems[0].warning
    again, errors = check_lessons(tmp_path)  # without warnings=True: problems only
    assert errors == [] and [lesson.id for lesson in again] == ["demo"]
    assert [lesson.id for lesson in load_lessons(tmp_path)] == ["demo"]


@pytest.mark.parametrize("markdown", [
    "A list:\n\n- 3 apples\n- 4 pears",  # a real list, after a blank line
    "Steps:\n1. first\n- 2 more",  # after another item
    "Code:\n```\nx = 1\n- 2\n```",  # inside a code block
    "A sum: 32 +\n4 + 8 + 2, a difference: 5 -\n3.",  # the sign at the end of the line
    "A dash - 3 inside a line",
])
def test_markdown_lists_and_signs_that_are_meant_are_not_warned(markdown):
    from tutor.lesson.check import _number_bullets

    assert _number_bullets(markdown) == []


@pytest.mark.parametrize("markdown", ["a\n- 4", "a\n* 4.5 b", "a\n   + .5", "a\n+ -3"])
def test_every_bullet_sign_before_a_number_in_a_paragraph_is_warned(markdown):
    from tutor.lesson.check import _number_bullets

    assert [index for index, _ in _number_bullets(markdown)] == [1]


def test_check_prints_warnings_and_exits_0_when_they_are_all(tmp_path, capsys):
    from tutor.cli import main

    path = write(tmp_path, GOOD.replace('text = { en = "More.", pt = "Mais." }', WRAPPED_SUM))
    assert main(["check", str(tmp_path), "--lang", "en"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"{path}:") and ": warning: 'steps.text.en': Markdown shows" in out[0]
    assert out[1] == f"1 lesson(s) in {tmp_path}: no problems found"
    (tmp_path / "02-bad.toml").write_text(GOOD.replace('"demo"', '"bad"').replace("order = 1", "order = 2")
                                          .replace('show = ["z"]', 'show = ["zz"]'), encoding="utf-8")
    assert main(["check", str(tmp_path), "--lang", "en"]) == 1
    captured = capsys.readouterr()
    assert "1 problem(s) found" in captured.err  # the warning is printed, not counted
    assert sum(": warning: " in line for line in captured.out.splitlines()) == 1


def test_plot_series_must_be_a_list(tmp_path):
    plot = '\n\n[steps.plot]\nseries = 3.5'
    text = GOOD.replace('show = ["z"]', 'show = ["z"]' + plot)
    error = only_error(write(tmp_path, text))
    assert error.line == line_of(text, "series = 3.5")
    assert "plot 'series' must be a string or a list of strings" in error.message
