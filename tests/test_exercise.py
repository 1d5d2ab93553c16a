"""Code exercises: reading them, judging a run, the messages a learner reads,
validation for `tutor check`, and the chapter's eight exercises end to end
(solution passes, starter fails, each known mistake caught by its message)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from exercise_data import load_cases
from tutor import sandbox_kernel
from tutor.exercise import (
    Check,
    CodeExercise,
    Mistake,
    Verdict,
    check_code,
    compare_values,
    exercise_from_table,
    judge,
    limits,
    run_solution,
    static_problems,
    validate_exercise,
)
from tutor.sandbox import SandboxResult
from tutor.sandbox_wire import Captured, LearnerError
from tutor.values import ListValue, NumberValue, TensorValue, TextValue

CASES = load_cases()
needs_sandbox = pytest.mark.skipif(sandbox_kernel.why_unavailable() is not None,
                                   reason=f"no sandbox here: {sandbox_kernel.why_unavailable()}")


def tensor(shape, fill=0.0, dtype="float32"):
    data = fill
    for size in reversed(shape):
        data = [data] * size
    return TensorValue(tuple(shape), dtype, data)


def ran(after: dict, before: dict | None = None, **kw) -> SandboxResult:
    def wrap(d):
        return {k: v if isinstance(v, Captured) else Captured(v) for k, v in (d or {}).items()}

    return SandboxResult(completed=kw.pop("completed", True), after=wrap(after), before=wrap(before), **kw)


def exercise(**kw) -> CodeExercise:
    base = {"prompt": {"en": "p", "pt": "p"}, "starter": "w = ____", "solution": "w = 1",
            "checks": (Check("w"),), "explain": {"en": "e", "pt": "e"}}
    base.update(kw)
    if isinstance(base["starter"], str):
        base["starter"] = {"en": base["starter"], "pt": base["starter"]}
    return CodeExercise(**base)


# --------------------------------------------------------------- verdicts


def test_a_transposed_shape_is_named_with_both_shapes():
    verdict = judge(exercise(), ran({"w": tensor((16, 8))}), ran({"w": tensor((8, 16))}))
    assert not verdict.passed
    assert verdict.lines("en") == ["`w`: shape (16, 8), expected (8, 16)"]
    assert verdict.lines("pt") == ["`w`: formato (16, 8), esperado (8, 16)"]


def test_a_right_check_says_right_in_both_languages():
    ex = exercise(checks=(Check("model[0].weight.grad"),))
    verdict = judge(ex, ran({"model[0].weight.grad": tensor((8, 16), 0.5)}),
                    ran({"model[0].weight.grad": tensor((8, 16), 0.5)}))
    assert verdict.passed
    assert verdict.lines("en") == ["`model[0].weight.grad`: right", "All checks right."]
    assert verdict.lines("pt") == ["`model[0].weight.grad`: certo", "Tudo certo."]


def test_values_are_compared_within_the_checks_tolerance():
    ex = exercise(checks=(Check("w", tolerance=1e-3),))
    assert judge(ex, ran({"w": tensor((2,), 1.0005)}), ran({"w": tensor((2,), 1.0)})).passed
    verdict = judge(ex, ran({"w": tensor((2,), 1.01)}), ran({"w": tensor((2,), 1.0)}))
    assert verdict.lines("en") == ["`w`: not the expected values (off by up to 0.01)"]
    assert verdict.lines("pt") == ["`w`: não são os valores esperados (diferença de até 0,01)"]  # prose: a comma


@pytest.mark.parametrize("got, want, en", [
    (NumberValue(3.0), tensor((2,)), "`w`: a number, expected a tensor"),
    (TextValue("None"), tensor((2,)), "`w`: None, expected a tensor"),
    (tensor((2,), 0, "int64"), tensor((2,)), "`w`: dtype int64, expected float32"),
    (NumberValue(2.5), NumberValue(3.0), "`w`: 2.5 is not the expected value"),
    (ListValue((NumberValue(1),)), ListValue((NumberValue(1), NumberValue(2))), "`w`: 1 items, expected 2"),
])
def test_each_kind_of_difference_has_its_message(got, want, en):
    assert compare_values("w", got, want, 1e-5).message("en") == en


def test_a_rebound_name_is_caught_even_with_the_right_values():
    ex = exercise(checks=(Check("model[0].weight", same_object="same"),))
    same = ran({"model[0].weight": Captured(tensor((2,)), True)})
    rebound = ran({"model[0].weight": Captured(tensor((2,)), False)})
    assert judge(ex, same, same).passed
    verdict = judge(ex, rebound, same)
    assert verdict.lines("en") == [
        "`model[0].weight`: a new object; the exercise wants the existing one changed in place"]


def test_an_error_names_the_learners_line_and_marks_checks_unchecked():
    run = ran({}, completed=False, error=LearnerError("NameError", "name '____' is not defined", 3, "    w = ____"))
    verdict = judge(exercise(), run, ran({"w": NumberValue(1)}))
    assert verdict.lines("en") == [
        "Line 3: NameError: name '____' is not defined",
        "    w = ____",
        "A blank (____) is still there: write your code in its place.",
        "`w`: not checked, the code did not run to its end",
    ]
    assert verdict.lines("pt")[0] == "Linha 3: NameError: name '____' is not defined"


@pytest.mark.parametrize("stopped, detail, en, pt", [
    ("timeout", "2 s", "Stopped after 2 s", "Interrompido depois de 2 s"),
    ("cpu", "2 s", "more than 2 s of processor time", "mais de 2 s de processador"),
    ("crashed", "SIGSEGV", "crashed the process that ran it (SIGSEGV)", "derrubou o processo"),
    ("exited", "3", "(exit status 3)", "(status 3)"),
])
def test_a_stopped_run_says_why_in_both_languages(stopped, detail, en, pt):
    verdict = judge(exercise(), SandboxResult(stopped=stopped, detail=detail), ran({"w": NumberValue(1)}))
    assert not verdict.passed and verdict.checks == ()
    assert en in verdict.lines("en")[0] and pt in verdict.lines("pt")[0]


def test_every_reason_a_run_stops_has_a_message_in_both_languages():
    import re

    from tutor import sandbox

    kinds = re.findall(r'"([a-z-]+)" \(', sandbox.SandboxResult.__doc__)
    assert len(kinds) == 8, kinds
    for kind in kinds:
        verdict = judge(exercise(), SandboxResult(stopped=kind, detail="x"), ran({"w": NumberValue(1)}))
        assert verdict.lines("en")[0] != verdict.lines("pt")[0], kind


def test_a_mistake_is_matched_over_the_captured_values():
    ex = exercise(
        checks=(Check("w"),),
        mistakes=(
            Mistake('error() == "ZeroDivisionError"', {"en": "no zero", "pt": "sem zero"}),
            Mistake('close(got("w"), -want("w"))', {"en": "wrong sign", "pt": "sinal trocado"}),
        ),
    )
    expected = ran({"w": tensor((2,), 1.0)})
    verdict = judge(ex, ran({"w": tensor((2,), -1.0)}), expected)
    assert verdict.mistake is ex.mistakes[1]
    assert verdict.lines("pt")[-1] == "sinal trocado"
    # a condition about an error is not tried when the code ran to its end, and the reverse
    raised = ran({"w": tensor((2,), -1.0)}, error=LearnerError("ZeroDivisionError", "division by zero", 1, "1/0"))
    assert judge(ex, raised, expected).mistake is ex.mistakes[0]
    blank = LearnerError("NameError", "name '____' is not defined", 1, "____")
    other_error = ran({"w": tensor((2,), -1.0)}, error=blank)
    assert judge(ex, other_error, expected).mistake is None  # "wrong sign" is no news after a NameError


def test_a_mistake_whose_values_are_missing_does_not_match():
    ex = exercise(mistakes=(Mistake('got("w").shape == (2,)', {"en": "m", "pt": "m"}),))
    verdict = judge(ex, ran({"w": Captured(None, None, "NameError: w")}), ran({"w": tensor((2,))}))
    assert verdict.mistake is None
    assert verdict.lines("en") == ["`w`: not there after your code (NameError: w)"]


def test_a_failing_solution_is_the_lessons_fault_not_the_learners():
    verdict = judge(exercise(), ran({"w": NumberValue(1)}), SandboxResult(stopped="timeout", detail="2 s"))
    assert not verdict.passed
    assert "The exercise's own solution did not run" in verdict.lines("en")[0]


# --------------------------------------------------------------- reading and static checks


def table(**kw) -> dict:
    base = {"kind": "code", "prompt": {"en": "p", "pt": "p"}, "starter": "w = ____", "solution": "w = 1",
            "check": ["w"], "explain": {"en": "e", "pt": "e"}}
    base.update(kw)
    return base


def problems_of(**kw) -> list[tuple[str, int, str]]:
    _, problems = exercise_from_table(table(**kw))
    return [(p.field, p.line, p.message) for p in problems]


def test_a_good_table_reads_into_the_dataclass():
    ex, problems = exercise_from_table(table(
        check=["w", {"expr": "model[0].weight", "tolerance": 1e-3, "same_object": "same"}],
        watch=["weight"], time_limit=1.5,
        mistakes=[{"when": 'changed("weight")', "message": {"en": "m", "pt": "m"}, "example": "w = 2"}],
        hints=[{"en": "h", "pt": "h"}],
    ))
    assert problems == []
    assert ex.checks == (Check("w"), Check("model[0].weight", 1e-3, "same"))
    assert ex.captured == ("w", "model[0].weight", "weight")
    assert limits(ex).wall_seconds == 1.5
    assert ex.mistakes[0].example == "w = 2"


@pytest.mark.parametrize("change, field, text", [
    ({"answer": "1"}, "answer", "unknown key 'answer'"),
    ({"prompt": {"en": "only English"}}, "prompt", "needs text in every language"),
    ({"check": []}, "check", "at least one"),
    ({"check": [{"expr": "w", "same_object": "yes"}]}, "check[0]", "'same_object' must be"),
    ({"check": [{"expr": "w", "tolerance": -1}]}, "check[0]", "positive number"),
    ({"hints": [{"en": "h", "pt": "h"}] * 4}, "hints", "at most 3"),
    ({"time_limit": 60}, "time_limit", "at most 10"),
    ({"mistakes": [{"when": "True", "message": {"en": "m"}}]}, "mistakes[0].message", "every language"),
])
def test_a_bad_table_names_the_field(change, field, text):
    found = problems_of(**change)
    assert any(f == field and text in m for f, _, m in found), found


def test_code_that_does_not_compile_is_reported_with_its_line():
    found = problems_of(starter="w = 1\nw = (\n")
    assert found and found[0][:2] == ("starter", 2)
    found = problems_of(mistakes=[{"when": "got('w') ==", "message": {"en": "m", "pt": "m"}}])
    assert found[0][0] == "mistakes[0].when" and "does not compile" in found[0][2]


def test_a_problem_names_its_toml_key_path_for_the_loader():
    from tutor.exercise import Problem

    assert Problem("mistakes[1].example", 3, "m").key_path == ("mistakes", 1, "example")
    assert Problem("check[0]", 0, "m").key_path == ("check", 0)
    assert Problem("starter", 2, "m").key_path == ("starter",)


def test_a_mistake_that_reads_an_uncaptured_value_is_reported():
    ex = exercise(mistakes=(Mistake('changed("model[0].weight")', {"en": "m", "pt": "m"}),))
    assert [p.message for p in static_problems(ex)] == [
        "changed('model[0].weight'): add 'model[0].weight' to 'check' or 'watch' so it is captured"]


# --------------------------------------------------------------- validation, running


@needs_sandbox
def test_validation_finds_a_solution_that_fails_and_a_starter_that_passes():
    from tutor.runner import load_torch

    torch = load_torch(warm=True)
    ns = {"torch": torch}
    broken = exercise(solution="w = 1\nv = 1 / 0")
    problems = validate_exercise(broken, ns)
    assert [(p.field, p.line) for p in problems] == [("solution", 2)]
    assert "ZeroDivisionError" in problems[0].message
    easy = exercise(starter="w = 1")
    assert [p.field for p in validate_exercise(easy, ns)] == ["starter"]


@needs_sandbox
def test_validation_finds_an_example_caught_by_the_wrong_mistake():
    ex = exercise(mistakes=(
        Mistake('got("w") > 1', {"en": "too big", "pt": "grande"}, example="w = 5"),
        Mistake('got("w") > 3', {"en": "way too big", "pt": "enorme"}, example="w = 4"),
        Mistake('got("w") >= 1', {"en": "always", "pt": "sempre"}),
    ))
    found = [(p.field, p.message) for p in validate_exercise(ex, {})]
    assert ("mistakes[1].example", "the example is caught by mistakes[0], not by this mistake") in found
    assert ("mistakes[2].when", "the condition is true for the solution itself") in found


# --------------------------------------------------------------- the chapter's exercises


def test_the_chapter_has_at_least_eight_exercises_in_both_languages():
    assert len(CASES) >= 8
    for case in CASES:
        ex = case.exercise
        texts = [ex.prompt, ex.explain, *ex.hints, *(m.message for m in ex.mistakes)]
        for text in texts:
            assert text["en"].strip() and text["pt"].strip() and text["en"] != text["pt"], (case.id, text)
        assert ex.mistakes, case.id


@pytest.fixture(scope="module")
def solutions():
    """Each exercise's namespace and its solution's run, computed once."""
    out = {}
    for case in CASES:
        ns = case.namespace()
        out[case.id] = (ns, run_solution(case.exercise, ns))
    return out


@needs_sandbox
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_solution_passes_and_the_starter_does_not(case, solutions):
    ns, expected = solutions[case.id]
    solved = check_code(case.exercise, case.exercise.solution, ns, expected=expected)
    assert solved.passed, solved.lines("en")
    assert solved.lines("en")[-1] == "All checks right."
    assert all(line.endswith(": right") for line in solved.lines("en")[:-1])
    starter = check_code(case.exercise, case.exercise.starter["en"], ns, expected=expected)
    assert not starter.passed
    assert "Tudo certo." not in starter.lines("pt")


@needs_sandbox
@pytest.mark.parametrize(
    "case, index",
    [(c, i) for c in CASES for i in range(len(c.exercise.mistakes))],
    ids=[f"{c.id}-{i}" for c in CASES for i in range(len(c.exercise.mistakes))],
)
def test_each_known_mistake_is_caught_by_its_message(case, index, solutions):
    ns, expected = solutions[case.id]
    mistake = case.exercise.mistakes[index]
    assert mistake.example, "every mistake in the chapter comes with code that makes it"
    verdict = check_code(case.exercise, mistake.example, ns, expected=expected)
    assert not verdict.passed
    assert verdict.mistake is mistake
    assert verdict.lines("en")[-1] == mistake.message["en"]
    assert verdict.lines("pt")[-1] == mistake.message["pt"]


@needs_sandbox
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_each_exercise_passes_full_validation(case, solutions):
    ns, _ = solutions[case.id]
    assert validate_exercise(case.exercise, ns) == []


@needs_sandbox
def test_the_rebinding_pitfall_gets_the_teachers_message(solutions):
    case = next(c for c in CASES if c.id == "fix-the-slide")
    ns, expected = solutions[case.id]
    verdict = check_code(case.exercise, case.exercise.starter["en"], ns, expected=expected)  # the slide's code
    assert verdict.lines("en") == [
        "`model[0].weight`: not the expected values (off by up to 0.0243)",
        "`weight = weight - ...` made a new tensor; update the model's own weight in place,"
        " under `torch.no_grad()`.",
    ]


def test_the_exercise_core_imports_neither_torch_nor_textual():
    code = ("import sys, tutor.exercise, tutor.sandbox\n"
            "bad = [m for m in ('torch', 'textual', 'rich', 'asyncssh') if m in sys.modules]\n"
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_verdict_lists_the_learners_values_for_the_values_pane():
    run = ran({"w": tensor((2,), 1.0), "v": Captured(None, None, "NameError: v")})
    assert Verdict(False, run).values == {"w": tensor((2,), 1.0)}
