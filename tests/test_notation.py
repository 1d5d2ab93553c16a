"""One way to write numbers and shapes (tutor.notation), and the core places that use it."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tutor import notation
from tutor.textview import describe_value
from tutor.values import ListValue, NumberValue, TensorValue

ROOT = Path(__file__).resolve().parent.parent


def _id(v) -> str:
    """A test id that str() of 10 ** 5000 cannot break."""
    return notation.number(v) if isinstance(v, (int, float)) else str(v)


# ------------------------------------------------------------------ numbers


@pytest.mark.parametrize(
    "x,text",
    [
        (-0.00326, "-0.00326"),
        (0.25, "0.25"),
        (-0.123456789, "-0.123457"),
        (6.0, "6"),
        (1.5e-5, "1.5e-5"),
        (2.5e20, "2.5e20"),
        (123456.0, "123456"),
        (1234567.0, "1.23457e6"),
        (0.1 + 0.2, "0.3"),
        (3, "3"),
        (-42, "-42"),
        (123456789012345, "123456789012345"),
        (10**400, "1e400"),
        (-(10**5000), "-1e5000"),
        (2 * 10**400 + 5 * 10**394, "2.00001e400"),
        (99999949999999999, "9.99999e16"),
        (99999959999999999, "1e17"),
        (99999999999999999, "1e17"),
        (True, "True"),
    ],
    ids=_id,
)
def test_a_number_is_written_as_itself(x, text):
    assert notation.number(x) == text


@pytest.mark.parametrize("x", [0.0, float("-0.0"), 0, -1e-400], ids=["0.0", "-0.0", "int 0", "-1e-400"])
def test_zero_is_never_negative(x):
    assert notation.number(x) == "0"
    assert notation.number(x, signed=True) == "0"
    assert notation.number(x, lang="pt") == "0"


def test_non_finite_numbers_are_named():
    assert [notation.number(float(s)) for s in ("nan", "inf", "-inf")] == ["nan", "inf", "-inf"]
    assert notation.number(float("inf"), signed=True) == "+inf"
    assert notation.number(float("nan"), signed=True) == "nan"


def test_signed_numbers_mark_plus_and_minus():
    assert notation.number(0.5, signed=True) == "+0.5"
    assert notation.number(-0.5, signed=True) == "-0.5"
    assert notation.number(10**400, signed=True) == "+1e400"


def test_digits_count_significant_figures():
    assert notation.number(0.0123456, 3) == "0.0123"
    assert notation.number(9.9996, 4) == "10"
    assert notation.number(123456789, 4) == "123456789"  # whole numbers keep every digit


def test_portuguese_prose_uses_the_decimal_comma():
    assert notation.number(-0.00326, lang="pt") == "-0,00326"
    assert notation.number(1.5e-5, lang="pt") == "1,5e-5"
    assert notation.number(0.25, lang="en") == "0.25"
    assert notation.number(1234, lang="pt") == "1234"


# ------------------------------------------------------------------- cells


@pytest.mark.parametrize(
    "x,text",
    [
        (0.25, "+0.2500"),
        (-0.00326, "-0.0033"),
        (-1.5e-5, "-1.500e-5"),
        (2.5e20, "+2.500e20"),
        (0.0, " 0.0000"),
        (-0.0, " 0.0000"),
        (3, "+3"),
        (0, "0"),
        (float("nan"), "nan"),
        (float("-inf"), "-inf"),
        (10**400, "+1e400"),
    ],
    ids=_id,
)
def test_grid_cells_are_signed_and_never_negative_zero(x, text):
    assert notation.cell(x) == text


def test_a_cell_that_is_no_real_number_is_written_as_python_writes_it():
    assert notation.cell(1 + 2j) == "(1+2j)"


def test_fixed_point_never_writes_minus_zero():
    assert notation.fixed(-0.0004, 2) == " 0.00"
    assert notation.fixed(-0.004, 2) == " 0.00"
    assert notation.fixed(-0.005001, 2) == "-0.01"
    assert notation.fixed(0.5, 2, signed=False) == "0.50"
    assert notation.fixed(-0.0001, 1, signed=False) == "0.0"


def test_powers_of_ten_are_written_like_the_numbers():
    assert notation.power_of_ten(-3) == "1e-3"
    assert notation.power_of_ten(2) == "1e2"


def test_exact_entries_keep_every_digit_their_dtype_holds():
    assert notation.exact(0.1, "float64") == "+0.1"
    assert notation.exact(-1e-20, "float64") == "-1e-20"
    assert notation.exact(0.1, "float32") == "+0.1"
    assert notation.exact(3, "int64") == "+3"
    assert notation.exact(-9223372036854775807, "int64") == "-9223372036854775807"
    assert notation.exact(0.0, "float32") == "0"
    assert notation.exact(True, "bool") == "True"
    assert notation.exact(10**400, "float64") == "+1e400"


# ------------------------------------------------------------------- shapes


def test_a_shape_is_written_one_way():
    assert notation.shape((8, 16)) == "8x16"
    assert notation.shape([16]) == "16"
    assert notation.shape((2, 3, 4)) == "2x3x4"
    assert notation.shape(()) == "scalar"
    assert notation.shape((), "pt") == "escalar"


def test_every_written_shape_reads_back():
    from tutor.checking import parse_shape

    for dims in [(8, 16), (16,), (2, 3, 4), ()]:
        for lang in ("en", "pt"):
            assert parse_shape(notation.shape(dims, lang), lang) == dims


# ------------------------------------------------------- tutor show (text)


def test_show_writes_a_scalar_tensor_as_itself():
    lines = describe_value(TensorValue((), "float32", -0.00326, True))
    assert lines == ["    tensor scalar float32 requires_grad", "      -0.00326"]
    assert describe_value(TensorValue((2, 3), "float32", [[0.0] * 3] * 2))[0] == "    tensor 2x3 float32"
    assert describe_value(TensorValue((), "float32", 0.5), lang="pt")[0] == "    tensor escalar float32"


def test_show_writes_numbers_too_large_for_a_float():
    assert describe_value(NumberValue(10**5000)) == ["    1e5000"]
    assert describe_value(ListValue((NumberValue(0.1 + 0.2), NumberValue(-0.0)))) == ["    [0.3, 0]"]


def _show(tmp_path, answer: str, kind: str, *args: str) -> subprocess.CompletedProcess:
    (tmp_path / "01-mine.toml").write_text(
        'id = "mine"\norder = 1\ntitle = { en = "Mine", pt = "Minha" }\n'
        '[[params]]\nname = "lr"\ndefault = 0.1\nmin = 0.001\nmax = 1.0\nstep = 10.0\nscale = "log"\n'
        'label = { en = "learning rate", pt = "taxa de aprendizado" }\n'
        '[[steps]]\nid = "a"\ntitle = { en = "A", pt = "A" }\ntext = { en = "t", pt = "t" }\n'
        'code = "v = torch.ones(3) * lr"\nshow = ["v.sum()"]\n'
        f'[steps.question]\nkind = "{kind}"\nprompt = {{ en = "?", pt = "?" }}\nanswer = "{answer}"\n'
        'explain = { en = "It is {answer}.", pt = "É {answer}." }\n',
        encoding="utf-8",
    )
    environment = {**os.environ, "LANG": "C.UTF-8"}
    environment.pop("LC_ALL", None)
    return subprocess.run(
        [sys.executable, "-m", "tutor", "--lessons", str(tmp_path), "show", "mine", "--answers", *args],
        capture_output=True, text=True, timeout=300, cwd=ROOT, env=environment, check=False,
    )


def test_show_answers_for_a_lesson_whose_answers_cannot_be_checked(tmp_path):
    """`show --answers` says why the lesson's answer cannot serve (here the
    runner reports it as the step's error, in the checker's words), instead
    of a traceback."""
    for answer, gave in (("10 ** 400", "1.000e+400"), ("torch.tensor(1 + 2j)", "tensor(1.+2.j)")):
        done = _show(tmp_path, answer, "number")
        assert done.returncode == 0, done.stderr
        assert "Traceback" not in done.stdout + done.stderr
        assert f"This question's answer could not be computed: the lesson gave “{gave}" in done.stdout
        assert "Expected answer (computed): This question's answer could not be computed" in done.stdout
        assert "It is ?." in done.stdout


def test_show_in_portuguese_writes_prose_numbers_with_a_comma(tmp_path):
    done = _show(tmp_path, "v.sum().item() / 7", "number", "--lang", "pt")
    assert done.returncode == 0, done.stderr
    assert "Resposta esperada (valor calculado): 0,0428571" in done.stdout
    assert "Parâmetros: lr = 0,1" in done.stdout  # prose, as the app's status line (the code keeps `lr = 0.1`)


@pytest.mark.parametrize(
    ("text", "width", "shown"),
    [
        ("Convex and non-convex functions", 40, "Convex and non-convex functions"),
        ("Convex and non-convex functions", 22, "Convex and non-convex…"),
        ("Convex and non-convex functions", 11, "Convex and…"),  # no space before the mark
        ("Funções convexas", 6, "Funçõ…"),
        ("abc", 1, "…"),
        ("abc", 0, ""),
    ],
)
def test_a_cut_label_ends_in_one_ellipsis_and_fits(text, width, shown):
    assert notation.shortened(text, width) == shown
    assert len(notation.shortened(text, width)) <= width


@pytest.mark.parametrize(
    ("text", "width", "shown"),
    [
        ("Atualização manual dos parâmetros do modelo", 40, "Atualização manual dos parâmetros do…"),
        ("Atualização manual dos parâmetros do modelo", 34, "Atualização manual dos parâmetros…"),
        ("Convex and non-convex functions", 22, "Convex and non-convex…"),  # a word ends at the edge
        ("Convex and non-convex functions", 14, "Convex and…"),  # "non-c" is a word cut short
        ("Funções-convexas-e-não-convexas", 12, "Funções-con…"),  # no space: cut where it must be
        ("Gradient descent", 9, "Gradient…"),
        ("A training loop", 6, "A tra…"),  # the last space keeps under two thirds
    ],
)
def test_a_cut_at_a_word_keeps_whole_words_when_that_loses_little(text, width, shown):
    assert notation.shortened(text, width, at_word=True) == shown
    assert len(shown) <= width


def test_labels_cut_alike_keep_their_ends_to_stay_apart():
    ids = ["slope", "backprop-order", "backprop-pytorch", "manual-update", "practice"]
    labels = notation.shortened_apart(ids, 10)
    assert labels == {
        "slope": "slope",
        "backprop-order": "back…order",
        "backprop-pytorch": "back…torch",
        "manual-update": "manual-up…",
        "practice": "practice",
    }
    assert len(set(labels.values())) == len(ids)
