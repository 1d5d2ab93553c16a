"""What a step's code reads from the steps before (the lesson screen shows
only those of the step before's values beside a waiting question)."""

import pytest

from tutor.lesson.code_names import binds_afresh, reads_before_binding


@pytest.mark.parametrize(
    ("code", "reads"),
    [
        ("w -= lr * w.grad", {"w", "lr"}),  # an augmented assignment reads its target
        ("w = torch.zeros(3)\nw + 1", {"torch"}),  # bound first, then read: its own
        ("y = f(x)\nx = 3", {"f", "x"}),  # read first, bound after
        ("def p(x):\n    y = x\n    return y ** 2", set()),  # an argument and a local
        ("def convex(fn):\n    return fn(xs)", {"xs"}),  # a global a function reads
        ("f = lambda t: t * k", {"k"}),
        ("dz0 = dz1 @ model[1].weight", {"dz1", "model"}),
    ],
)
def test_reads_are_the_names_taken_from_before(code, reads):
    assert reads_before_binding(code) == reads


@pytest.mark.parametrize(
    "code, fresh",
    [
        ("w = torch.tensor(0.6)", {"w"}),
        ("w -= lr * w.grad", set()),
        ("w = w - lr * w.grad", set()),
        ("x = 1\ny = x + 1", {"x", "y"}),
        ("not python (", set()),
    ],
)
def test_names_bound_afresh_are_those_not_read_first(code, fresh):
    assert binds_afresh(code) == fresh
