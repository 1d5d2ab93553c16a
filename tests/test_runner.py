"""The runner: code runs live, values are snapshots, errors stay in their step."""

from pathlib import Path

from tutor.lesson import load_lesson
from tutor.runner import LessonRun
from tutor.values import ListValue, NumberValue, TensorValue, TextValue

LESSON = '''\
id = "runner-demo"
order = 1
title = { en = "Demo", pt = "Demo" }

[[params]]
name = "lr"
default = 0.1
min = 0.001
max = 1.0
step = 10.0
scale = "log"
label = { en = "learning rate", pt = "taxa de aprendizado" }

[[steps]]
id = "grad"
title = { en = "Gradient", pt = "Gradiente" }
text = { en = "t", pt = "t" }
code = """
def f(x):
    return x ** 2
x = torch.tensor(3.0, requires_grad=True)
f(x).backward()
w = torch.randn(2, 3)
"""
show = ["x.grad", "w", "w.shape", "None"]

[steps.plot]
function = "f"
range = [-4.0, 4.0]
tangent_at = "[1.0, 3.0]"

[[steps]]
id = "update"
title = { en = "Update", pt = "Atualização" }
text = { en = "t", pt = "t" }
code = """
with torch.no_grad():
    w -= lr * 2
losses = [1.0, 0.1, 0.01]
"""
show = ["w"]

[steps.plot]
series = ["losses"]
log = true

[steps.question]
kind = "number"
prompt = { en = "?", pt = "?" }
answer = "w[0, 0].item()"
explain = { en = "{answer}", pt = "{answer}" }

[[steps]]
id = "broken"
title = { en = "Broken", pt = "Quebrado" }
text = { en = "t", pt = "t" }
code = """
a = 1
b = a / 0
"""

[[steps]]
id = "after"
title = { en = "After", pt = "Depois" }
text = { en = "t", pt = "t" }
code = """
c = x.grad * 2
"""
show = ["c"]
'''


def make_run(tmp_path: Path, **kwargs) -> LessonRun:
    path = tmp_path / "demo.toml"
    path.write_text(LESSON, encoding="utf-8")
    return LessonRun(load_lesson(path), **kwargs)


def test_values_come_from_the_code_that_ran(tmp_path):
    first = make_run(tmp_path).run_to(0)
    grad = first.values["x.grad"]
    assert isinstance(grad, TensorValue) and grad.shape == () and grad.data == 6.0
    assert first.values["w"].shape == (2, 3)
    assert first.values["w.shape"] == ListValue((NumberValue(2), NumberValue(3)))
    assert first.values["None"] == TextValue("None")
    assert first.error is None


def test_the_param_is_written_into_the_first_step_that_uses_it(tmp_path):
    run = make_run(tmp_path)
    assert "lr" not in run.run_to(0).code
    assert run.run_to(1).code.splitlines()[0] == "lr = 0.1"


def test_an_update_records_what_changed(tmp_path):
    run = make_run(tmp_path)
    before = run.run_to(0).values["w"]
    after = run.run_to(1)
    assert after.previous["w"] == before  # the snapshot was not changed in place
    diff = after.values["w"].minus(before)
    assert all(abs(d + 0.2) < 1e-6 for d in diff.flat())  # lr * 2 = 0.2
    assert after.expected == NumberValue(after.values["w"].rows()[0][0])


def test_same_seed_same_numbers_other_seed_other_numbers(tmp_path):
    a = make_run(tmp_path, seed=0).run_to(0).values["w"]
    b = make_run(tmp_path, seed=0).run_to(0).values["w"]
    c = make_run(tmp_path, seed=1).run_to(0).values["w"]
    assert a == b and a != c


def test_changing_a_param_reruns_with_the_new_value(tmp_path):
    run = make_run(tmp_path)
    run.run_to(1)
    assert run.step_param("lr", +1) == 1.0
    assert run.results == []
    result = run.run_to(1)
    assert result.code.startswith("lr = 1.0")
    diff = result.values["w"].minus(result.previous["w"])
    assert all(abs(d + 2.0) < 1e-6 for d in diff.flat())
    assert run.step_param("lr", +1) == 1.0  # clamped at max


def test_an_error_is_the_steps_result_and_later_steps_still_run(tmp_path):
    results = make_run(tmp_path).run_all()
    broken = results[2]
    assert broken.error.splitlines() == ["line 2: b = a / 0", "ZeroDivisionError: division by zero"]
    assert results[3].error is None
    assert results[3].values["c"].data == 12.0


def test_plot_tangents_use_the_autograd_slope(tmp_path):
    plot = make_run(tmp_path).run_to(0).plot
    kinds = [s.kind for s in plot.series]
    assert kinds == ["line", "tangent", "tangent"]
    tangent = plot.series[2]  # at x = 3: slope 6
    (x0, x1), (y0, y1) = tangent.xs[:2], tangent.ys[:2]
    assert abs((y1 - y0) / (x1 - x0) - 6.0) < 1e-6
    assert "+6" in tangent.label


def test_log_series_are_log10(tmp_path):
    plot = make_run(tmp_path).run_to(1).plot
    assert plot.log and plot.series[0].ys == [0.0, -1.0, -2.0]
