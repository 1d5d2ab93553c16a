"""The grid layout on its own: no Textual, plain text in and out."""

from __future__ import annotations

import subprocess
import sys

from tutor.ui.widgets.tensor_grid import GridModel, named_first
from tutor.values import TensorValue


def test_the_layout_imports_no_textual():
    code = "import sys, tutor.ui.widgets.tensor_grid; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def _text(model: GridModel, width: int) -> list[str]:
    return [line.plain for line in model.render(width)]


def test_a_matrix_degrades_to_a_heatmap_when_narrow():
    m = TensorValue((2, 3), "float32", [[0.5, -0.25, 0.125], [-1.0, 0.75, 0.0]])
    wide = _text(GridModel(m), 60)
    assert wide[1].split() == ["0", "+0.5000", "-0.2500", "+0.1250"]
    narrow = GridModel(TensorValue((2, 16), "float32", [[(-1) ** c * (c + 1) / 16 for c in range(16)]] * 2))
    mode, _, _ = narrow.fit(36)
    assert mode.kind == "heat"


def test_a_scalar_is_printed_as_itself():
    model = GridModel(TensorValue((), "float32", -0.00326))
    mode, _, _ = model.fit(36)
    assert "-0.00326" in _text(model, 36)[0]
    assert model.legend(mode, "en") == []  # no "entries x 1e-3" caption


def test_heat_digits_are_1_to_9_and_never_minus_zero():
    row = [(-1) ** c * (c + 1) / 1000 for c in range(15)] + [0.5]
    model = GridModel(TensorValue((1, 16), "float32", [row]))
    mode, _, _ = model.fit(36)
    assert mode.kind == "heat"
    cells = [model.cell_text(x, mode) for x in row]
    assert "-0" not in cells and "+0" not in cells and cells[-1] == "+9" and cells[0] == "+1" and cells[1] == "-1"
    assert model.cell_text(0.0, mode) == "0"
    long, short = model.legend(mode, "en"), model.legend(mode, "en", explained=True)
    assert long == ["each entry: its sign, then its size from 1 (tiny) to 9 (the largest, |x| = 0.5)"]
    assert short == ["size 1-9, 9 is |x| = 0.5"]
    assert model.legend(mode, "pt")[0].startswith("cada entrada: o sinal, depois o tamanho de 1")


def test_a_scaled_grid_says_what_its_numbers_mean():
    model = GridModel(TensorValue((4,), "float32", [5.78e-05, 0.000155, -9.5e-05, 7.7e-06]))
    mode, _, _ = model.fit(36)
    assert model.legend(mode, "en") == ["shown x 1e-4: +1.55 is +0.000155"]


def test_values_the_text_names_come_first():
    values = {"x": 1, "y": 2, "x.grad": 3, "new_loss": 4, "accuracy": 5}
    text = "Read `accuracy` first, then x.grad and `new_loss`."
    assert [e for e, _ in named_first(values, text)] == ["accuracy", "x.grad", "new_loss", "x", "y"]
    assert [e for e, _ in named_first(values, "")] == list(values)
