"""The grid layout on its own: no Textual, plain text in and out."""

from __future__ import annotations

import subprocess
import sys

from tutor.ui.widgets.tensor_grid import GridModel
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
