"""The chapter's numbers are right.

Every lesson's numbers come from live PyTorch code; these tests recompute
them independently (plain Python floats or NumPy in float64, from the values
the lesson itself shows) and compare. They read what a learner sees:
`StepResult.values`, the plot data and the questions' live answers.
"""

from __future__ import annotations

import math
from functools import cache
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest

from tutor.lesson import load_lessons
from tutor.runner import LessonRun, StepResult
from tutor.values import ListValue, NumberValue, TensorValue, TextValue, Value, as_float, as_shape

LESSONS_DIR = Path(__file__).resolve().parent.parent / "lessons"


@cache
def _lessons() -> dict:
    return {lesson.id: lesson for lesson in load_lessons(LESSONS_DIR)}


@cache
def _results(lesson_id: str, params: tuple = ()) -> dict[str, StepResult]:
    """Every step of a lesson, run once per set of params, by step id."""
    run = LessonRun(_lessons()[lesson_id], seed=0, params=dict(params))
    results = run.run_all()
    for result in results:
        assert result.error is None, f"{lesson_id}:{result.step.id}: {result.error}"
    return {result.step.id: result for result in results}


def step(lesson_id: str, step_id: str, **params) -> StepResult:
    return _results(lesson_id, tuple(sorted(params.items())))[step_id]


def arr(value: Value) -> np.ndarray:
    assert isinstance(value, TensorValue), value
    return np.array(value.data, dtype=np.float64)


def num(value: Value) -> float:
    x = as_float(value)
    assert x is not None, value
    return x


def floats(value: Value) -> list[float]:
    assert isinstance(value, ListValue), value
    return [num(item) for item in value.items]


def says(result: StepResult, **phrases: str) -> None:
    """The step's text says each phrase (en=..., pt=...): ties the numbers a
    test checks to the sentence a learner reads beside them."""
    for key, phrase in phrases.items():
        lang = key[:2]
        assert phrase in result.step.text[lang], f"{result.step.id} ({lang}) no longer says {phrase!r}"


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def one_hot(target: np.ndarray, classes: int) -> np.ndarray:
    return np.eye(classes)[target.astype(int)]


def cross_entropy(z: np.ndarray, target: np.ndarray) -> float:
    p = softmax(z)
    return float(-np.log(p[np.arange(len(target)), target.astype(int)]).mean())


# ---------------------------------------------------------------- 1. slope


def test_autograd_slope_of_x_squared_at_3_is_6():
    values = step("slope", "autograd").values
    assert num(values["x"]) == 3.0
    assert num(values["y"]) == 9.0
    assert num(values["x.grad"]) == 6.0


def test_slopes_at_several_points_are_twice_x():
    values = step("slope", "many-points").values
    xs, slopes = arr(values["xs"]), arr(values["slopes"])
    assert np.array_equal(slopes, 2 * xs)
    # steep, gentle and flat are all there
    assert np.abs(slopes).max() >= 6 and 0 < np.abs(slopes[slopes != 0]).min() <= 1 and 0 in slopes


def test_finite_differences_close_in_on_autograd():
    values = step("slope", "by-hand").values
    hs, estimates, gaps = floats(values["hs"]), floats(values["estimates"]), floats(values["gaps"])
    assert num(values["exact"]) == 6.0
    for h, estimate in zip(hs, estimates):
        assert estimate == pytest.approx(((3 + h) ** 2 - 9) / h, abs=1e-9)
        assert estimate == pytest.approx(6 + h, abs=1e-6)
    assert all(later < earlier for earlier, later in pairwise(gaps))
    assert gaps[-1] < 1e-2
    # at every point of the step before, the hand slope sits beside autograd's
    xs = arr(step("slope", "many-points").values["xs"])
    by_hand, slopes = np.array(floats(values["by_hand"])), arr(values["slopes"])
    assert np.allclose(by_hand, ((xs + 0.001) ** 2 - xs**2) / 0.001, atol=1e-9)
    assert np.allclose(by_hand, slopes, atol=2e-3)


def test_tangents_have_the_slope_of_the_curve_at_their_point():
    for step_id in ("valley", "autograd", "many-points"):
        plot = step("slope", step_id).plot
        tangents = [s for s in plot.series if s.kind == "tangent"]
        assert tangents
        for tangent in tangents:
            x0 = tangent.xs[1]
            slope = (tangent.ys[-1] - tangent.ys[0]) / (tangent.xs[-1] - tangent.xs[0])
            assert slope == pytest.approx(2 * x0, abs=1e-5)
            assert tangent.ys[1] == pytest.approx(x0**2, abs=1e-5)
    valley = step("slope", "valley").plot
    assert sorted(s.xs[1] for s in valley.series if s.kind == "tangent") == [-3.0, 0.0, 1.0]


def test_slope_checkpoint_is_negative_at_minus_two():
    assert num(step("slope", "checkpoint").expected) == -4.0


# ---------------------------------------------------------------- 2. convexity


def py_descent(slope, x: float, lr: float, steps: int = 50) -> float:
    for _ in range(steps):
        x -= lr * slope(x)
    return x


def convex_slope(x: float) -> float:
    return 2 * (x - 1)


def g(x: float) -> float:
    return x**4 - 3 * x**2 + x


def g_slope(x: float) -> float:
    return 4 * x**3 - 6 * x + 1


def g_minima() -> tuple[float, float]:
    """(global, local) minimum of g, from the roots of its derivative."""
    roots = sorted(r.real for r in np.roots([4, 0, -6, 1]) if abs(r.imag) < 1e-12)
    minima = [roots[0], roots[2]]  # the middle root is the hill
    return tuple(sorted(minima, key=g))


def test_descent_on_the_convex_function_reaches_the_minimum_from_everywhere():
    result = step("convexity", "descent-convex")
    starts, ends = floats(result.values["starts"]), floats(result.values["ends"])
    for start, end in zip(starts, ends):
        assert end == pytest.approx(py_descent(convex_slope, start, 0.05), abs=1e-4)
        assert abs(end - 1.0) < 0.02
    paths = [s for s in result.plot.series if s.kind == "path"]
    assert len(paths) == len(starts) and all(len(p.xs) == 51 for p in paths)


def test_the_second_derivative_test_on_the_convex_function():
    result = step("convexity", "second-derivative")
    says(result, en="`slopes` rise from -6 to 4", en2="is 2 at every point", pt="de -6 até 4", pt2="vale 2 em todos")
    xs, slopes, bends = arr(result.values["xs"]), arr(result.values["slopes"]), arr(result.values["bends"])
    assert list(xs) == [-2, -1, 0, 1, 2, 3]
    assert np.allclose(slopes, 2 * (xs - 1)) and slopes[0] == -6 and slopes[-1] == 4
    assert np.all(np.diff(slopes) > 0)  # the slope never decreases
    assert np.allclose(bends, 2.0)  # f'' = 2, never negative


def test_the_second_derivative_of_g_is_negative_on_the_hill():
    result = step("convexity", "nonconvex")
    says(result, en="at x = -1, 0 and 1, is negative at x = 0", pt="em x = -1, 0 e 1, é negativa em x = 0")
    xs, bends = arr(result.values["g_xs"]), arr(result.values["g_bends"])
    assert list(xs) == [-1, 0, 1]
    assert np.allclose(bends, 12 * xs**2 - 6)  # g'' = 12x^2 - 6
    assert bends[1] < 0 and bends[0] > 0 and bends[2] > 0


def test_the_local_minimum_the_text_names():
    _, local_min = g_minima()
    result = step("convexity", "descent-nonconvex", lr=0.025)
    says(result, en="near x = 1.13", pt="perto de x = 1,13")
    assert round(local_min, 2) == 1.13
    # with small steps, the paths from the right stay in the right valley
    ends = floats(result.values["ends"])
    assert ends[2:] == pytest.approx([local_min, local_min], abs=1e-3)


def test_the_global_minimum_of_the_non_convex_function():
    global_min, local_min = g_minima()
    result = step("convexity", "nonconvex")
    assert num(result.values["x_global"]) == pytest.approx(global_min, abs=1e-3)
    marked = [s for s in result.plot.series if s.kind == "scatter"]
    assert marked and marked[0].xs[0] == pytest.approx(global_min, abs=1e-3)
    assert g(global_min) < g(local_min)


def test_descent_on_the_non_convex_function_stops_in_a_local_minimum_from_some_starts():
    global_min, local_min = g_minima()
    result = step("convexity", "descent-nonconvex")
    starts, ends = floats(result.values["starts"]), floats(result.values["ends"])
    found = [num(v) for v in result.values["found_global"].items]
    for start, end in zip(starts, ends):
        assert end == pytest.approx(py_descent(g_slope, start, 0.05), abs=1e-3)
    assert [abs(e - global_min) < 1e-3 for e in ends] == [True, True, False, False]
    assert [abs(e - local_min) < 1e-3 for e in ends] == [False, False, True, True]
    assert found == [True, True, False, False]
    assert result.expected == TextValue("local")


def test_the_convexity_answer_follows_the_learning_rate():
    # At lr = 0.1 the first step from x = 2 jumps the hill into the deep valley.
    global_min, _ = g_minima()
    assert py_descent(g_slope, 2.0, 0.1) == pytest.approx(global_min, abs=1e-3)
    assert step("convexity", "descent-nonconvex", lr=0.1).expected == TextValue("global")


# ---------------------------------------------------------------- 3. training


def test_the_loss_is_the_cross_entropy_of_the_prediction():
    values = {**step("training", "forward").values, **step("training", "loss").values}
    expected = cross_entropy(arr(values["prediction"]), arr(values["target"]))
    assert num(values["loss"]) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("lr", [None, 0.001, 1.0])
def test_training_lowers_the_loss(lr):
    params = {} if lr is None else {"lr": lr}
    update = step("training", "update", **params)
    assert num(update.values["new_loss"]) < num(update.values["loss"])
    assert num(update.expected) < 0
    losses = floats(step("training", "repeat", **params).values["losses"])
    assert losses[0] == pytest.approx(num(update.values["loss"]), abs=1e-7)
    assert losses[1] == pytest.approx(num(update.values["new_loss"]), abs=1e-7)
    assert losses[-1] < losses[0]
    # "It goes down": at every cycle, at every learning rate tried
    assert all(b < a for a, b in pairwise(losses))


# ---------------------------------------------------------------- 4. backprop order


def test_pytorch_computes_the_gradients_of_L2_then_L1_then_L0():
    result = step("backprop-order", "order")
    assert result.values["order"] == ListValue((TextValue("L2"), TextValue("L1"), TextValue("L0")))
    assert result.expected == result.values["order"]


def test_the_hand_chain_rule_equals_autograd():
    v = {}
    for step_id in ("network", "l2", "l1", "l0"):
        v.update(step("backprop-order", step_id).values)
    sample, target = arr(v["sample"]), arr(v["target"])
    z0, z1, z2 = arr(v["z0"]), arr(v["z1"]), arr(v["z2"])
    w1, w2 = arr(v["model[1].weight"]), arr(v["model[2].weight"])
    # independently, in float64
    dz2 = softmax(z2) - one_hot(target, 2)
    dz1 = dz2 @ w2
    dz0 = dz1 @ w1
    assert np.allclose(arr(v["dz2"]), dz2, atol=1e-6)
    assert np.allclose(arr(v["dz1"]), dz1, atol=1e-6)
    assert np.allclose(arr(v["dz0"]), dz0, atol=1e-6)
    assert np.allclose(arr(v["model[2].weight.grad"]), dz2.T @ z1, atol=1e-6)
    assert np.allclose(arr(v["model[2].bias.grad"]), dz2.sum(axis=0), atol=1e-6)
    assert np.allclose(arr(v["model[1].weight.grad"]), dz1.T @ z0, atol=1e-6)
    assert np.allclose(arr(v["model[0].weight.grad"]), dz0.T @ sample, atol=1e-6)
    assert np.allclose(arr(v["model[0].bias.grad"]), dz0.sum(axis=0), atol=1e-6)
    # and the lesson's own comparison shows (almost) no difference
    for layer in ("L2", "L1", "L0"):
        assert 0 <= num(v[f"gap_{layer}"]) <= 1e-6
    assert num(step("backprop-order", "l0").expected) == pytest.approx(dz0[0, 0], abs=1e-6)


def test_the_chain_rule_on_one_number_layers():
    result = step("backprop-order", "chain")
    says(result, en="-3.44, 0.5, -1.2 and 1.5", en2="is 3.096", pt="-3,44; 0,5; -1,2 e 1,5", pt2="é 3,096")
    x, t, w0, w1, w2 = 1.5, 1.0, 0.8, -1.2, 0.5
    y = w2 * (w1 * (w0 * x))
    factors = [2 * (y - t), w2, w1, x]
    assert floats(result.values["factors"]) == pytest.approx(factors, abs=1e-6)
    assert [round(f, 2) for f in factors] == [-3.44, 0.5, -1.2, 1.5]
    product = math.prod(factors)
    assert round(product, 3) == 3.096
    assert num(result.values["by_chain"]) == pytest.approx(product, abs=1e-5)
    assert num(result.values["w0.grad"]) == pytest.approx(product, abs=1e-5)  # autograd agrees
    assert num(result.values["L"]) == pytest.approx((y - t) ** 2, abs=1e-5)


def test_the_status_line_loss_is_the_loss_the_step_is_about():
    """The status line shows `loss` only on steps whose code or values name
    it: beside the chain of single numbers (its own `L`) or a practice
    exercise on a curve, the network's loss from an earlier step would be a
    second, unrelated loss on screen."""
    network = step("backprop-order", "network")
    assert network.loss == pytest.approx(num(network.values["loss"]), abs=1e-6)
    assert step("backprop-order", "chain").loss is None
    assert step("practice", "write-derivative").loss is None
    # after an update, the model's loss is the new one (status_loss)
    for lesson_id, step_id, name in (("training", "update", "new_loss"), ("manual-update", "every-layer", "new_loss"),
                                     ("sgd", "loop", "loss_after")):
        param = _lessons()[lesson_id].params[0]
        for lr in (param.default, param.min, param.max):
            result = step(lesson_id, step_id, lr=lr)
            assert result.loss == pytest.approx(num(result.values[name]), abs=1e-6), (lesson_id, lr)


def test_the_weight_gradient_has_the_weights_shape():
    result = step("backprop-order", "l2")
    says(result, en="(2, 1) @ (1, 3) = (2, 3)", pt="(2, 1) @ (1, 3) = (2, 3)")
    dz2, z1 = arr(result.values["dz2"]), arr(result.values["z1"])
    assert dz2.shape == (1, 2) and z1.shape == (1, 3)
    grad = arr(result.values["w2_grad"])
    assert grad.shape == arr(result.values["model[2].weight.grad"]).shape == (2, 3)
    for i in range(2):
        for j in range(3):  # entry by entry: the chain rule for W[i, j]
            assert grad[i, j] == pytest.approx(dz2[0, i] * z1[0, j], abs=1e-6)


def test_relu_gates_the_gradient():
    result = step("backprop-order", "relu")
    says(result, en="`dh = w` = 0.4, -0.3, 0.2; `gate` is 1, 0, 1; so `z.grad` is 0.4, 0, 0.2",
         pt="`dh = w` = 0,4; -0,3; 0,2; a porta `gate` é 1, 0, 1; então `z.grad` é 0,4; 0; 0,2")
    z = arr(result.values["z"])
    assert list(z) == [1.5, -0.5, 2.0]
    dh = np.array([0.4, -0.3, 0.2])
    gate = (z > 0).astype(float)
    assert np.allclose(arr(result.values["h"]), np.maximum(z, 0))
    assert np.allclose(arr(result.values["dh"]), dh)
    assert list(arr(result.values["gate"])) == [1, 0, 1] == list(gate)
    assert np.allclose(arr(result.values["z.grad"]), dh * gate)  # autograd
    assert np.allclose(arr(result.values["by_hand"]), dh * gate)
    assert arr(result.values["z.grad"])[1] == 0


def test_the_two_rows_of_the_last_gradient_are_opposite_because_two_classes():
    result = step("backprop-pytorch", "layer2")
    says(result, en="**two classes**", pt="**duas classes**")
    grad = arr(result.values["model[2].weight.grad"])
    assert grad.shape[0] == 2
    assert np.allclose(grad[0], -grad[1], atol=1e-6)


# ---------------------------------------------------------------- 5. backprop in PyTorch


def _chapter_values() -> dict[str, Value]:
    v: dict[str, Value] = {}
    for result in _results("backprop-pytorch", ()).values():
        v.update(result.values)
    return v


def test_the_chapter_models_forward_pass_and_loss():
    v = _chapter_values()
    w = [arr(v[f"model[{i}].weight"]) for i in range(3)]
    b = [arr(v[f"model[{i}].bias"]) for i in range(3)]
    assert [x.shape for x in w] == [(8, 16), (4, 8), (2, 4)]
    assert [x.shape for x in b] == [(8,), (4,), (2,)]
    z = arr(v["sample"])
    assert z.shape == (1, 16)
    for wi, bi in zip(w, b):
        z = z @ wi.T + bi
    assert np.allclose(arr(v["prediction"]), z, atol=1e-5)
    assert num(v["loss"]) == pytest.approx(cross_entropy(z, arr(v["target"])), abs=1e-5)


def test_the_chapter_models_gradients_by_the_chain_rule():
    v = _chapter_values()
    w = [arr(v[f"model[{i}].weight"]) for i in range(3)]
    b = [arr(v[f"model[{i}].bias"]) for i in range(3)]
    inputs = [arr(v["sample"])]
    for wi, bi in zip(w, b):
        inputs.append(inputs[-1] @ wi.T + bi)
    dz = softmax(inputs[-1]) - one_hot(arr(v["target"]), 2)
    for i in (2, 1, 0):
        assert np.allclose(arr(v[f"model[{i}].weight.grad"]), dz.T @ inputs[i], atol=1e-5)
        assert np.allclose(arr(v[f"model[{i}].bias.grad"]), dz.sum(axis=0), atol=1e-5)
        dz = dz @ w[i]


def test_each_gradient_has_the_shape_of_its_weight():
    v = _chapter_values()
    shapes = {
        i: (as_shape(v[f"model[{i}].weight.grad.shape"]), as_shape(v[f"model[{i}].bias.grad.shape"])) for i in range(3)
    }
    assert shapes == {0: ((8, 16), (8,)), 1: ((4, 8), (4,)), 2: ((2, 4), (2,))}
    assert as_shape(step("backprop-pytorch", "backward").expected) == (8, 16)


# ---------------------------------------------------------------- 6. manual update


@pytest.mark.parametrize("lr", [0.001, 0.01])
def test_the_slides_rebinding_leaves_the_model_unchanged(lr):
    result = step("manual-update", "slide", lr=lr)
    assert result.code.splitlines()[0] == f"lr = {lr!r}"
    values = result.values
    assert values["torch.equal(model[0].weight, before)"] == NumberValue(True)
    assert values["weight is model[0].weight"] == NumberValue(False)
    grad_row = arr(step("manual-update", "gradients", lr=lr).values["model[0].weight.grad[0]"])
    # the rebound name does hold an updated tensor: at least lr * |grad| away
    assert num(values["(weight - before).abs().max()"]) >= lr * np.abs(grad_row).max() * (1 - 1e-3)
    assert result.expected == TextValue("b")  # no, unchanged


@pytest.mark.parametrize("lr", [0.001, 0.01])
def test_the_in_place_update_subtracts_lr_times_the_gradient(lr):
    first = step("manual-update", "gradients", lr=lr).values
    result = step("manual-update", "in-place", lr=lr)
    bias, grad = arr(first["model[0].bias"]), arr(first["model[0].bias.grad"])
    row, row_grad = arr(first["model[0].weight[0]"]), arr(first["model[0].weight.grad[0]"])
    assert np.allclose(arr(result.values["model[0].bias"]), bias - lr * grad, atol=1e-7)
    assert np.allclose(arr(result.values["model[0].weight[0]"]), row - lr * row_grad, atol=1e-7)
    assert result.previous["model[0].bias"] == first["model[0].bias"]
    change = result.values["model[0].bias"].minus(result.previous["model[0].bias"])
    assert np.allclose(np.array(change.flat()), -lr * grad, atol=1e-7)
    assert result.values["torch.equal(model[0].weight, before)"] == NumberValue(False)
    assert np.sign(num(result.expected)) == -np.sign(grad[0])
    # the same update outside torch.no_grad() is refused, and changed nothing
    assert "in-place" in result.values["refused"].text


def test_updating_every_layer_lowers_the_loss():
    values = step("manual-update", "every-layer").values
    assert num(values["new_loss"]) < num(values["loss"])
    assert num(values["new_loss - loss"]) == pytest.approx(num(values["new_loss"]) - num(values["loss"]), abs=1e-7)


# ---------------------------------------------------------------- 7. SGD


@pytest.mark.parametrize("lr", [0.001, 0.1, 1.0])
def test_one_optimizer_step_equals_the_manual_update(lr):
    gap = num(step("sgd", "step", lr=lr).values["gap"])
    assert 0 <= gap <= 1e-7  # zero, or one float32 rounding


def test_a_second_backward_without_zero_grad_doubles_the_gradient():
    first = arr(step("sgd", "one-backward").values["first"])
    result = step("sgd", "accumulate")
    assert np.array_equal(arr(result.values["model[0].bias.grad"]), 2 * first)
    assert np.allclose(arr(result.values["model[0].bias.grad / first"]), 2.0)
    assert num(result.expected) == pytest.approx(2 * first[0], abs=1e-7)


@pytest.mark.parametrize("lr", [None, 0.0001, 1.0])
def test_the_training_loop_lowers_the_loss(lr):
    params = {} if lr is None else {"lr": lr}
    result = step("sgd", "loop", **params)
    first, last = num(result.values["losses[0]"]), num(result.values["losses[-1]"])
    # "lower after": the loss on all 64 samples, recomputed from the model
    assert num(result.values["loss_after"]) < num(result.values["loss_before"])
    assert num(result.values["len(losses)"]) == 100  # 25 epochs of 4 mini-batches
    (series,) = result.plot.series
    assert result.plot.log and result.plot.animate
    assert len(series.ys) == 100
    assert series.ys[0] == pytest.approx(math.log10(first), abs=1e-9)
    assert series.ys[-1] == pytest.approx(math.log10(last), abs=1e-9)
    if lr is None:
        assert num(result.values["accuracy"]) >= 0.9


@pytest.mark.parametrize("lr", [0.00001, 0.001, 1.0])
def test_rebinding_moves_the_name_not_the_model(lr):
    result = step("manual-update", "rebinding", lr=lr)
    says(result, en="`same_before` is True", en2="`same_after` is False", en3="`unchanged` is True")
    values = result.values
    assert values["same_before"].value is True
    assert values["same_after"].value is False
    assert values["unchanged"].value is True
    slide = step("manual-update", "slide", lr=lr)
    assert slide.step.diagram != "update"  # the slide's step draws no update


def test_the_training_loop_uses_shuffled_mini_batches():
    result = step("sgd", "loop", lr=0.0001)
    says(result, en="4 **mini-batches** of 16", en2="25 epochs, 100 steps", pt="4 **minilotes** de 16")
    assert "torch.randperm(64)" in result.code and ".split(16)" in result.code
    assert "range(25)" in result.code
    (series,) = result.plot.series
    losses = series.ys
    assert len(losses) == 100
    # At a tiny lr the model barely moves, so the loss of all 64 samples
    # barely moves either; a batch's loss is that of 16 of them, and differs.
    before, after = num(result.values["loss_before"]), num(result.values["loss_after"])
    assert abs(after - before) < 0.01
    assert abs(num(result.values["losses[0]"]) - before) > 0.01
    assert np.std([10**y for y in losses]) > 10 * abs(after - before)


def test_a_larger_learning_rate_drops_the_loss_more():
    """Lesson 6's last step: "Try a larger `lr` with +: the drop grows", at every press."""
    lesson = _lessons()["manual-update"]
    (param,) = lesson.params
    lrs, lr = [], param.min
    while lr <= param.max * (1 + 1e-9):
        lrs.append(lr)
        lr *= param.step
    assert len(lrs) == 6
    drops = [-num(step("manual-update", "every-layer", lr=lr).values["new_loss - loss"]) for lr in lrs]
    assert all(d > 0 for d in drops)
    assert all(b > a for a, b in pairwise(drops)), drops


# ---------------------------------------------------------------- 8. practice


def test_practice_answers_match_the_worked_arithmetic():
    assert num(step("practice", "slope").expected) == pytest.approx(2 * -1.5)
    assert step("practice", "convex").expected == TextValue("a")  # p only
    assert as_shape(step("practice", "shape").expected) == (4, 8)
    assert num(step("practice", "accumulate").expected) == pytest.approx(6 + 6)


@pytest.mark.parametrize("lr", [None, 0.001, 1.0])
def test_practice_updates_follow_the_learning_rate(lr):
    params = {} if lr is None else {"lr": lr}
    rate = 0.1 if lr is None else lr
    assert num(step("practice", "update", **params).expected) == pytest.approx(0.8 - rate * -0.5, abs=1e-6)
    # loss (w - 1) ** 2 at w = 0.6: gradient 2 * (0.6 - 1) = -0.8
    assert num(step("practice", "step", **params).expected) == pytest.approx(0.6 - rate * -0.8, abs=1e-6)
