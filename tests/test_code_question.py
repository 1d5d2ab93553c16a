"""A `code` question end to end below the screen: the loader reads and
checks it (each problem as FILE:LINE), `check --run` tests it from the
namespace its step leaves, and the runner's child judges a learner's code
and sends the verdict back as plain data."""

from __future__ import annotations

from pathlib import Path

import pytest

from tutor.lesson import parse_lesson
from tutor.run_check import run_problems
from tutor.runner import LessonRun

LESSON = '''format = 1
id = "demo"
order = 1
title.en = "Demo"
title.pt = "Demo"

[[steps]]
id = "model"
title.en = "The model"
title.pt = "O modelo"
text.en = "A model."
text.pt = "Um modelo."
code = """
model = nn.Sequential(nn.Linear(16, 8), nn.Linear(8, 4), nn.Linear(4, 2))
criterion = nn.CrossEntropyLoss()
sample = torch.randn(1, 16)
target = torch.tensor([1])
loss = criterion(model(sample), target)
"""

[steps.question]
kind = "code"
prompt.en = "Compute the gradients, then put the first layer's weight gradient in `grad`."
prompt.pt = "Calcule os gradientes e coloque em `grad` o gradiente dos pesos da primeira camada."
starter = """
____
grad = ____
"""
solution = """
loss.backward()
grad = model[0].weight.grad
"""
check = ["model[0].weight.grad", "grad"]
explain.en = "`loss.backward()` fills every `.grad`."
explain.pt = "`loss.backward()` preenche todos os `.grad`."

[[steps.question.mistakes]]
when = 'got("grad") is None'
message.en = "`grad` is None: the gradients exist only after `loss.backward()` has run."
message.pt = "`grad` é None: os gradientes só existem depois que `loss.backward()` roda."
example = """
grad = model[0].weight.grad
"""
'''


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "01-demo.toml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def test_a_code_question_loads_as_its_exercise(tmp_path):
    lesson, errors = parse_lesson(write(tmp_path, LESSON))
    assert errors == []
    question = lesson.steps[0].question
    assert question.kind == "code"
    assert question.code.solution.strip().startswith("loss.backward()")
    assert [c.expr for c in question.code.checks] == ["model[0].weight.grad", "grad"]
    assert question.prompt["pt"].startswith("Calcule")


def test_starter_that_does_not_compile_is_reported_at_its_file_line(tmp_path):
    text = LESSON.replace("grad = ____\n", "grad = (\n", 1)
    _, errors = parse_lesson(write(tmp_path, text))
    assert len(errors) == 1
    assert errors[0].line == line_of(text, "grad = (")
    assert "starter does not compile" in errors[0].message


def test_a_mistake_about_an_uncaptured_value_is_reported_at_its_when(tmp_path):
    text = LESSON.replace('got("grad") is None', 'got("weight") is None')
    _, errors = parse_lesson(write(tmp_path, text))
    assert [(e.line, "'weight'" in e.message) for e in errors] == [(line_of(text, 'got("weight")'), True)]


def test_an_unknown_key_in_a_code_question_is_reported_at_the_question(tmp_path):
    text = LESSON.replace('check = [', 'answr = 1\ncheck = [')
    _, errors = parse_lesson(write(tmp_path, text))
    assert len(errors) == 1 and "unknown key 'answr'" in errors[0].message


def test_check_run_passes_a_sound_exercise(tmp_path):
    lesson, _ = parse_lesson(write(tmp_path, LESSON))
    assert run_problems([lesson]) == []


def test_check_run_reports_a_solution_that_fails_at_its_line_in_the_file(tmp_path):
    text = LESSON.replace("loss.backward()\ngrad = model[0]", "loss.backward()\ngrad = model[9]", 1)
    lesson, errors = parse_lesson(write(tmp_path, text))
    assert errors == []
    problems = run_problems([lesson])
    assert problems, "a solution that raises must fail --run"
    assert problems[0].line == line_of(text, "grad = model[9]")
    assert "the solution fails" in problems[0].message and "IndexError" in problems[0].message


def test_check_run_reports_a_mistake_true_for_the_solution_at_its_when(tmp_path):
    text = LESSON.replace('got("grad") is None', 'got("grad") is not None')
    lesson, _ = parse_lesson(write(tmp_path, text))
    problems = run_problems([lesson])
    assert (line_of(text, "is not None"), True) in [(p.line, "true for the solution" in p.message) for p in problems]


def test_check_run_reports_a_starter_that_already_passes(tmp_path):
    text = LESSON.replace('____\ngrad = ____\n', 'loss.backward()\ngrad = model[0].weight.grad\n', 1)
    lesson, _ = parse_lesson(write(tmp_path, text))
    problems = run_problems([lesson])
    assert [(p.line, "starter passes" in p.message) for p in problems] == [(line_of(text, "starter = "), True)]


@pytest.fixture
def run(tmp_path):
    lesson, _ = parse_lesson(write(tmp_path, LESSON))
    run = LessonRun(lesson, seed=0)
    yield run
    run.close()


def test_check_code_through_the_child_passes_the_solution(run):
    verdict = run.check_code(0, "loss.backward()\ngrad = model[0].weight.grad\n")
    assert verdict.passed
    assert verdict.checks == [("model[0].weight.grad", True), ("grad", True)]
    assert verdict.values["grad"].shape == (8, 16)


def test_check_code_names_the_mistake_in_the_learners_language(tmp_path):
    lesson, _ = parse_lesson(write(tmp_path, LESSON))
    run = LessonRun(lesson, seed=0, lang="pt")
    try:
        verdict = run.check_code(0, "grad = model[0].weight.grad\n")
    finally:
        run.close()
    assert not verdict.passed
    assert verdict.mistake == 0
    assert "`grad` é None: os gradientes só existem depois que `loss.backward()` roda." in verdict.lines


def test_check_code_reports_the_learners_line_and_what_it_printed(run):
    verdict = run.check_code(0, "print('hi')\nloss.backward()\ngrad = undefined_name\n")
    assert not verdict.passed
    assert verdict.output == ["hi"]
    assert any("3" in line and "NameError" in line for line in verdict.problem_lines)
    assert "    grad = undefined_name" in verdict.problem_lines


def test_check_code_after_a_first_check_starts_from_the_same_namespace(run):
    """A run does not leave its mark on the step's namespace: the second
    run of the solution still passes (gradients not doubled)."""
    first = run.check_code(0, "loss.backward()\ngrad = model[0].weight.grad\n")
    second = run.check_code(0, "loss.backward()\ngrad = model[0].weight.grad\n")
    assert first.passed and second.passed


def test_after_a_code_check_an_idle_child_waits_longer_for_the_next_run(tmp_path, monkeypatch):
    """A classroom server ends idle step children after a few seconds; one
    that just checked a learner's code waits CODE_IDLE_SECONDS, so the next
    run finds it warm instead of replaying the steps and the solution."""
    import time

    from tutor import runner, step_process

    def alive(pid: int) -> bool:
        try:
            return open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
        except FileNotFoundError:
            return False

    def ends_within(pid: int, seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        return not alive(pid)

    monkeypatch.setattr(step_process, "CODE_IDLE_SECONDS", 2.5)
    runner.end_idle_children_after(0.3)
    lesson, _ = parse_lesson(write(tmp_path, LESSON))
    run = LessonRun(lesson, seed=0)
    try:
        run.run_to(0)
        assert ends_within(run._child.pid, 5)  # a reading learner's child: the server's short idle
        assert not run.check_code(0, "grad = model[0].weight.grad\n").passed
        child = run._child
        time.sleep(1.0)  # past the short idle
        assert alive(child.pid)
        assert run.check_code(0, "loss.backward()\ngrad = model[0].weight.grad\n").passed
        assert run._child is child  # the same warm child ran it
        assert not ends_within(child.pid, 1.5) and ends_within(child.pid, 5)  # and it still ends
    finally:
        runner.end_idle_children_after(None)
        run.close()


def test_a_code_question_comes_back_whole_from_the_lesson_cache(tmp_path, monkeypatch):
    import tutor.lesson.check
    from tutor.lesson import load_lessons

    monkeypatch.setenv("TUTOR_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "lessons"
    folder.mkdir()
    write(folder, LESSON)
    first = load_lessons(folder)[0].steps[0].question.code

    def refuse(*args, **kwargs):
        raise AssertionError("validated again instead of read from the cache")

    monkeypatch.setattr(tutor.lesson.check, "check_files", refuse)
    again = load_lessons(folder)[0].steps[0].question.code
    assert again == first
    assert again.mistakes[0].message["pt"].startswith("`grad` é None")


def test_show_prints_the_starter_and_with_answers_the_solution_and_its_verdict(run):
    from tutor.textview import render_text

    run.run_all()
    plain = render_text(run.lesson, run, "en", (1, 1), answers=False)
    assert "The code to complete (____ marks a blank):\n    ____\n    grad = ____\n" in plain
    assert "Solution:" not in plain
    answered = render_text(run.lesson, run, "pt", (1, 1), answers=True)
    assert "Solução:\n    loss.backward()\n    grad = model[0].weight.grad\n" in answered
    assert "A solução, conferida:\n    `model[0].weight.grad`: certo\n    `grad`: certo\n" in answered


def exercises_lesson() -> str:
    """tests/data/exercises.toml as one lesson: its setup as the first step,
    each exercise a step with its code question, in the chapter's order."""
    import re

    src = (Path(__file__).parent / "data" / "exercises.toml").read_text(encoding="utf-8")
    head, _, rest = src.partition("# ---------------------------------------------------------------- 1")
    match = re.search(r'setup = """(.*?)"""', head, re.S)
    assert match is not None
    rest = rest.replace("[[exercises]]", "[[steps]]").replace("[exercises.question]", "[steps.question]")
    rest = rest.replace("[[exercises.question.mistakes]]", "[[steps.question.mistakes]]")
    texts = r'title.en = "Exercise"\ntitle.pt = "Exercício"\ntext.en = "Write it."\ntext.pt = "Escreva."\n'
    rest = re.sub(r'(\[\[steps\]\]\nid = "[^"]+"\n)', r"\1" + texts, rest)
    return ('format = 1\nid = "exercises"\norder = 1\ntitle.en = "Exercises"\ntitle.pt = "Exercícios"\n\n'
            '[[steps]]\nid = "setup"\ntitle.en = "Setup"\ntitle.pt = "Preparação"\ntext.en = "The model."\n'
            f'text.pt = "O modelo."\ncode = """{match.group(1)}"""\n\n{rest}')


def test_the_chapters_eight_exercises_pass_check_run_as_steps_of_one_lesson(tmp_path):
    lesson, errors = parse_lesson(write(tmp_path, exercises_lesson()))
    assert errors == []
    assert [s.question.kind for s in lesson.steps[1:]] == ["code"] * 8
    assert run_problems([lesson]) == []


def test_a_broken_solution_among_the_eight_is_reported_at_its_line(tmp_path):
    text = exercises_lesson().replace("loss.backward()\n\n# The gradient of the first layer's weight\n"
                                      "grad = model[0].weight.grad",
                                      "loss.backward()\n\n# The gradient of the first layer's weight\n"
                                      "grad = model[3].weight.grad", 1)
    lesson, _ = parse_lesson(write(tmp_path, text))
    problems = run_problems([lesson])
    assert [p.line for p in problems] == [line_of(text, "grad = model[3]")]
    assert "step 2 ('gradients')" in problems[0].message


def test_check_finds_nothing_to_warn_about_in_a_sound_code_question(tmp_path):
    from tutor.lesson import check_lessons

    write(tmp_path, LESSON)
    lessons, problems = check_lessons(tmp_path, warnings=True)
    assert problems == [] and len(lessons) == 1
