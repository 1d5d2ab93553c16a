"""Every question is true at every value of its lesson's parameter.

A learner can press + and - to any learning rate within the bounds. The
prompt, the hints and the worked answer must then still agree with the live
answer: lesson 2's "where does descent from x = 2.0 stop?" flips from the
local to the global minimum at lr = 0.1, and a worked answer that argues
"local" there teaches something false.

For each question, at the parameter's min, default and max and at values
between them on its scale, this test checks:
- the worked answer, as shown, names the live answer;
- each claim its texts make (a formula, a sign, a threshold) against an
  independent computation (plain Python floats, or the values the lesson
  itself shows), written once per question in CLAIMS below.
A question no claim covers fails the test: a new question needs its claims.
"""

from __future__ import annotations

import math
from functools import cache
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from tutor import checking
from tutor.lesson import load_lessons
from tutor.runner import LessonRun, StepResult
from tutor.values import ListValue, TensorValue, TextValue, Value, as_float, as_shape

LESSONS_DIR = Path(__file__).resolve().parent.parent / "lessons"


@cache
def lessons() -> dict:
    return {lesson.id: lesson for lesson in load_lessons(LESSONS_DIR)}


def param_values(lesson) -> list[dict[str, float]]:
    """The settings a learner can reach, on the parameter's own scale: every
    press of + from min to max, the default, and a value halfway between
    each two neighbours (geometric halfway on a log scale)."""
    if not lesson.params:
        return [{}]
    (param,) = lesson.params  # the chapter's lessons have one parameter each
    values = {param.default, param.min, param.max}
    x = param.min
    while x < param.max * (1 - 1e-9):
        values.add(x)
        x = x * param.step if param.scale == "log" else x + param.step
    grid = sorted(values)
    for a, b in pairwise(grid):
        values.add(math.sqrt(a * b) if param.scale == "log" else (a + b) / 2)
    return [{param.name: round(v, 12)} for v in sorted(values)]


@cache
def run(lesson_id: str, params: tuple) -> dict[str, StepResult]:
    results = LessonRun(lessons()[lesson_id], seed=0, params=dict(params)).run_all()
    for result in results:
        assert result.error is None, f"{lesson_id}:{result.step.id} at {params}: {result.error}"
    return {result.step.id: result for result in results}


def says(r, lang: str, *phrases: str) -> None:
    """The question's texts (prompt, hints, worked answer) say each phrase:
    ties a claim below to the words it checks."""
    q = r.step.question
    text = " ".join([q.prompt[lang], q.explain[lang], *(h[lang] for h in q.hints)])
    for phrase in phrases:
        assert phrase in text, f"{lang}: the texts no longer say {phrase!r}: update the claim"


def num(value: Value) -> float:
    x = as_float(value)
    assert x is not None, value
    return x


def arr(value: Value) -> np.ndarray:
    assert isinstance(value, TensorValue), value
    return np.array(value.data, dtype=np.float64)


def items(value: Value) -> list:
    assert isinstance(value, ListValue), value
    return [item.text if isinstance(item, TextValue) else getattr(item, "value", item) for item in value.items]


# ---------------------------------------------------------------- the claims
# Each function receives the question step's result, every step's result by
# id, and the learning rate (None in a lesson without one), and asserts what
# the question's texts say.


def slope_checkpoint(r, steps, lr):
    # hints and worked answer: "2 * (-2) = -4"
    assert num(r.expected) == 2 * -2.0 == -4.0


def g_slope(x: float) -> float:
    return 4 * x**3 - 6 * x + 1


def g_hilltop() -> float:
    roots = sorted(r.real for r in np.roots([4, 0, -6, 1]) if abs(r.imag) < 1e-12)
    return roots[1]


def convexity_nonconvex(r, steps, lr):
    # "The slope there is 21", "the hilltop (x ≈ 0.17)"
    says(r, "en", "is 21", "2.0 - 21 * lr", "x ≈ 0.17", "above about 0.087")
    says(r, "pt", "é 21", "2.0 - 21 * lr", "x ≈ 0,17", "cerca de 0,087")
    assert g_slope(2.0) == 21
    hilltop = g_hilltop()
    assert round(hilltop, 2) == 0.17
    # "the first step lands at 2.0 - 21 * lr: left of the hilltop when lr is
    # above about 0.087, and the path then slides into the global minimum;
    # with a smaller lr it stays in the right valley and ends in the local one"
    landing = 2.0 - 21 * lr
    assert (landing < hilltop) == (lr > (2.0 - hilltop) / 21)
    assert round((2.0 - hilltop) / 21, 3) == 0.087
    answer = r.expected.text
    assert answer == ("global" if landing < hilltop else "local"), (lr, landing, answer)
    path = next(s for s in r.plot.series if s.kind == "path" and s.xs[0] == 2.0)
    assert path.xs[1] == pytest.approx(landing, abs=1e-5)
    assert all((x < hilltop) == (landing < hilltop) for x in path.xs[1:]), "the path crossed the hill again"


def training_update(r, steps, lr):
    # hints and worked answer: the step against the gradient lowered the loss
    values = r.values
    assert num(r.expected) < 0
    assert num(values["new_loss"]) < num(values["loss"])


def backprop_order(r, steps, lr):
    assert items(r.expected) == ["L2", "L1", "L0"]


def backprop_dz0(r, steps, lr):
    # hints: dz1[0,0]*W[0,0] + dz1[0,1]*W[1,0] + dz1[0,2]*W[2,0], with dz1 and
    # W shown in the step before; worked answer: equals model[0].bias.grad[0]
    before = steps["l1"].values
    dz1, w = arr(before["dz1"]), arr(before["model[1].weight"])
    by_hand = sum(dz1[0, k] * w[k, 0] for k in range(3))
    assert num(r.expected) == pytest.approx(by_hand, abs=1e-6)
    assert num(r.expected) == pytest.approx(arr(r.values["model[0].bias.grad"])[0], abs=1e-6)


def pytorch_shape(r, steps, lr):
    assert as_shape(r.expected) == (8, 16)


def manual_slide(r, steps, lr):
    # worked answer: model[0].weight untouched, `weight` differs from `before`,
    # `weight is model[0].weight` is False (hint 3)
    values = r.values
    assert r.expected.text == "b"
    assert values["torch.equal(model[0].weight, before)"].value is True
    assert values["weight is model[0].weight"].value is False
    assert num(values["(weight - before).abs().max()"]) > 0, f"no visible change at lr={lr}"


def manual_in_place(r, steps, lr):
    # "the opposite sign of model[0].bias.grad[0]"
    grad0 = arr(steps["gradients"].values["model[0].bias.grad"])[0]
    assert grad0 != 0
    assert np.sign(num(r.expected)) == -np.sign(grad0), (lr, num(r.expected), grad0)


def sgd_accumulate(r, steps, lr):
    # "twice first[0]"
    first = arr(steps["one-backward"].values["first"])
    assert num(r.expected) == pytest.approx(2 * first[0], rel=1e-6, abs=1e-9)


def practice_slope(r, steps, lr):
    assert num(r.expected) == 2 * -1.5 == -3


def practice_convex(r, steps, lr):
    # "p only": p'' = 12x^2 + 2 never negative; q' zero at -1, 0 and 1, q'' = 12x^2 - 4 negative near 0
    says(r, "en", "`12x^2 + 2`", "`12x^2 - 4`", "zero at -1, 0 and 1")
    assert r.expected.text == "a"
    assert [4 * x**3 - 4 * x for x in (-1, 0, 1)] == [0, 0, 0]
    xs = np.linspace(-2, 2, 401)
    assert (12 * xs**2 + 2 >= 0).all() and 12 * 0**2 - 4 < 0


def practice_shape(r, steps, lr):
    assert as_shape(r.expected) == (4, 8)


def practice_update(r, steps, lr):
    # "0.8 - lr * (-0.5) = 0.8 + 0.5 * lr"
    says(r, "en", "0.8 - lr * (-0.5) = 0.8 + 0.5 * lr")
    assert num(r.expected) == pytest.approx(0.8 + 0.5 * lr, abs=1e-6)


def practice_accumulate(r, steps, lr):
    assert num(r.expected) == 6 + 6


def practice_step(r, steps, lr):
    # "2 * (0.6 - 1) = -0.8", "w - lr * grad = 0.6 + 0.8 * lr", "toward 1 (past it, if lr is large)"
    says(r, "en", "2 * (0.6 - 1) = -0.8", "0.6 + 0.8 * lr", "past it when `lr` is above 0.5")
    says(r, "pt", "maior que 0,5")
    assert num(r.values["w.grad"]) == pytest.approx(2 * (0.6 - 1), abs=1e-6)
    assert num(r.expected) == pytest.approx(0.6 + 0.8 * lr, abs=1e-6)
    assert num(r.expected) > 0.6
    if abs(lr - 0.5) > 1e-6:
        assert (num(r.expected) > 1) == (lr > 0.5)


def practice_order(r, steps, lr):
    # "starts at L3 ... back to L0, whatever order the hooks were registered in"
    says(r, "en", "starts at L3", "back to L0", "whatever order")
    assert items(r.expected) == ["L3", "L2", "L1", "L0"]
    assert "for i in (2, 0, 3, 1):" in r.code  # the text's "L2, L0, L3, L1"


def practice_rebinding(r, steps, lr):
    # "`param` did not change", "2 * (2 - 5) = -6", "`bias - lr * param.grad`, that is `2 + 6 * lr`"
    says(r, "en", "did not change", "2 * (2 - 5) = -6", "2 + 6 * lr")
    assert num(r.expected) == 2.0
    assert num(r.values["param.grad"]) == 2 * (2 - 5)
    assert num(r.values["bias"]) == pytest.approx(2 + 6 * lr, abs=1e-5)


CLAIMS = {
    ("slope", "checkpoint"): slope_checkpoint,
    ("convexity", "descent-nonconvex"): convexity_nonconvex,
    ("training", "update"): training_update,
    ("backprop-order", "order"): backprop_order,
    ("backprop-order", "l0"): backprop_dz0,
    ("backprop-pytorch", "backward"): pytorch_shape,
    ("manual-update", "slide"): manual_slide,
    ("manual-update", "in-place"): manual_in_place,
    ("sgd", "accumulate"): sgd_accumulate,
    ("practice", "slope"): practice_slope,
    ("practice", "convex"): practice_convex,
    ("practice", "shape"): practice_shape,
    ("practice", "update"): practice_update,
    ("practice", "accumulate"): practice_accumulate,
    ("practice", "step"): practice_step,
    ("practice", "order"): practice_order,
    ("practice", "rebinding"): practice_rebinding,
}


def _cases():
    for lesson in sorted(lessons().values(), key=lambda lesson: lesson.order):
        for step in lesson.steps:
            if step.question is not None and step.question.kind != "code":  # code: check --run
                yield pytest.param(lesson.id, step.id, id=f"{lesson.id}:{step.id}")


@pytest.mark.parametrize("lesson_id,step_id", list(_cases()))
def test_every_question_agrees_with_its_answer_at_every_parameter_value(lesson_id, step_id):
    lesson = lessons()[lesson_id]
    claim = CLAIMS.get((lesson_id, step_id))
    assert claim is not None, f"{lesson_id}:{step_id} has no claims in CLAIMS: say what its texts claim"
    settings = param_values(lesson)
    assert len(settings) >= (5 if lesson.params else 1)
    for params in settings:
        steps = run(lesson_id, tuple(sorted(params.items())))
        result = steps[step_id]
        question = result.step.question
        lr = params.get("lr")
        for lang in ("en", "pt"):
            shown = checking.expected_text(question, result.expected, lang)
            worked = question.explain[lang].replace("{answer}", shown)
            assert shown in worked, (lang, worked)  # the worked answer names the live answer
        try:
            claim(result, steps, lr)
        except AssertionError as exc:
            raise AssertionError(f"{lesson_id}:{step_id} at {params}: {exc}") from exc


def test_the_walk_covers_the_scale_between_the_bounds():
    convexity = [p["lr"] for p in param_values(lessons()["convexity"])]
    assert convexity[0] == 0.025 and convexity[-1] == 0.125 and 0.05 in convexity and 0.1 in convexity
    assert len(convexity) == 9  # five presses' worth, and the four halfway points
    manual = [p["lr"] for p in param_values(lessons()["manual-update"])]
    assert manual[0] == 1e-5 and manual[-1] == 1.0 and 0.001 in manual and len(manual) == 11


def test_a_claim_that_ignores_the_learning_rate_is_caught():
    """Lesson 2's old worked answer ("local") is false from lr = 0.1 up."""

    def old_claim(r, steps, lr):
        assert r.expected.text == "local"

    with pytest.raises(AssertionError):
        for params in param_values(lessons()["convexity"]):
            steps = run("convexity", tuple(params.items()))
            old_claim(steps["descent-nonconvex"], steps, params["lr"])
