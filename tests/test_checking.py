"""The answer checker: what a learner may type for each kind, and what they read back."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tutor.checking import MAX_INPUT, AnswerError, Verdict, check, expected_text
from tutor.lesson import Option, Question
from tutor.values import ListValue, NumberValue, TensorValue, TextValue, capture


def question(kind: str, tolerance: float = 1e-3, options=()) -> Question:
    return Question(
        kind=kind,
        prompt={"en": "?", "pt": "?"},
        answer="answer",
        explain={"en": "{answer}", "pt": "{answer}"},
        tolerance=tolerance,
        options=tuple(options),
    )


def scalar(x: float) -> TensorValue:
    return TensorValue((), "float32", x, False)


def refused(q, expected, text, lang="en") -> str:
    with pytest.raises(AnswerError) as info:
        check(q, expected, text, lang)
    assert info.value.message == str(info.value)
    assert info.value.message.strip()
    return info.value.message


# ------------------------------------------------------------------ number

NUMBER = question("number", tolerance=0.01)


@pytest.mark.parametrize("text", ["0.25", "0,25", " 0.25 ", "+0.25", "2.5e-1", "25E-2", "1/4", ".25", "0.2501"])
def test_number_written_any_usual_way_is_right(text):
    verdict = check(NUMBER, scalar(0.25), text, "en")
    assert verdict.correct, verdict
    assert verdict.expected == "0.25"


def test_number_brazilian_comma_and_unicode_minus():
    verdict = check(question("number"), NumberValue(-1.5), "\u22121,5", "pt")
    assert verdict.correct
    assert verdict.given == "-1.5"
    verdict = check(question("number"), NumberValue(-0.0015), "-1.5e-3", "en")
    assert verdict.correct


def test_number_wrong_says_how_far_and_which_way():
    verdict = check(NUMBER, scalar(0.25), "0.5", "en")
    assert verdict == Verdict(False, "0.5", "0.25", "too high by 0.25 (allowed: ±0.01)")
    verdict = check(NUMBER, scalar(0.25), "0,1", "pt")
    assert not verdict.correct
    assert verdict.detail == "baixo demais: 0.15 abaixo (tolerância: ±0.01)"


def test_number_flipped_sign_is_named():
    verdict = check(NUMBER, NumberValue(-6.0), "6", "en")
    assert not verdict.correct
    assert verdict.detail.startswith("right size, wrong sign")


def test_number_tolerance_edges():
    # 0.26 is exactly 0.01 away (0.010000000000000009 in binary): within.
    assert check(NUMBER, scalar(0.25), "0.26", "en").correct
    assert check(NUMBER, scalar(0.25), "0.24", "en").correct
    assert not check(NUMBER, scalar(0.25), "0.2601", "en").correct
    assert not check(NUMBER, scalar(0.25), "0.2399", "en").correct
    tight = question("number", tolerance=1e-6)
    assert not check(tight, scalar(0.25), "0.2501", "en").correct


def test_number_default_tolerance_is_one_thousandth():
    q = question("number")  # the dataclass default
    assert check(q, NumberValue(2.0), "2.0009", "en").correct
    assert not check(q, NumberValue(2.0), "2.0011", "en").correct


def test_number_follows_the_live_value():
    """Same text, different run: the verdict follows the value, not the lesson file."""
    assert check(NUMBER, scalar(6.0), "6", "en").correct
    assert not check(NUMBER, scalar(5.9), "6", "en").correct
    assert check(NUMBER, scalar(5.9), "5.9", "en").correct
    one_element = TensorValue((1, 1), "float32", [[0.5]], True)
    assert check(NUMBER, one_element, "0.5", "en").correct


def test_number_from_captured_python_number():
    assert check(NUMBER, capture(3), "3", "en").correct
    assert check(NUMBER, capture(0.1 + 0.2), "0.3", "en").correct


@pytest.mark.parametrize("text", ["abc", "0.2.5", "1,2,3", "1.000,5", "e5", "5e", "--1", "0x10", "1_000", "1/0", "2 3", "__import__('os')"])
def test_number_nonsense_is_refused_with_a_message(text):
    message = refused(NUMBER, scalar(0.25), text)
    assert len(message) < 120


def test_number_messages_in_portuguese():
    assert "não é um número" in refused(NUMBER, scalar(0.25), "abc", "pt")
    assert "um só separador" in refused(NUMBER, scalar(0.25), "1.000,5", "pt")
    assert "divide por zero" in refused(NUMBER, scalar(0.25), "1/0", "pt")


def test_empty_and_huge_input_are_refused_before_parsing():
    assert refused(NUMBER, scalar(0.25), "") == "Type an answer first."
    assert refused(NUMBER, scalar(0.25), "   \n") == "Type an answer first."
    assert refused(NUMBER, scalar(0.25), None) == "Type an answer first."
    huge = "1" * (10 * 1024 * 1024)
    message = refused(NUMBER, scalar(0.25), huge)
    assert f"at most {MAX_INPUT}" in message
    assert "longa demais" in refused(NUMBER, scalar(0.25), "9" * (MAX_INPUT + 1), "pt")
    # A short answer padded by a sloppy paste is still read.
    assert check(NUMBER, scalar(0.25), "0.25" + " " * 500, "en").correct


def test_learner_text_is_never_evaluated(tmp_path):
    marker = tmp_path / "owned"
    attack = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    for kind in ("number", "shape", "sign", "order"):
        with pytest.raises(AnswerError):
            check(question(kind), NumberValue(1), attack[:MAX_INPUT], "en")
    assert not marker.exists()


def test_checker_never_calls_eval_exec_or_literal_eval():
    """The parsers are regular expressions and float()/int() on validated digits."""
    import ast

    import tutor.checking as module

    tree = ast.parse(open(module.__file__, encoding="utf-8").read())
    called = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called.add(func.id if isinstance(func, ast.Name) else getattr(func, "attr", ""))
    assert called.isdisjoint({"eval", "exec", "literal_eval", "__import__"})
    assert "compile" not in {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}


def test_nan_and_infinity():
    assert check(NUMBER, NumberValue(float("nan")), "nan", "en").correct
    assert not check(NUMBER, NumberValue(float("nan")), "0", "en").correct
    assert check(NUMBER, NumberValue(float("inf")), "inf", "en").correct
    verdict = check(NUMBER, NumberValue(0.25), "1e999", "en")
    assert not verdict.correct and verdict.given == "inf"


# ------------------------------------------------------------------- shape

SHAPE = question("shape")
SIZE_8_16 = ListValue((NumberValue(8), NumberValue(16)))  # torch.Size([8, 16]) captured


@pytest.mark.parametrize(
    "text", ["8, 16", "8x16", "8 x 16", "8×16", "(8, 16)", "[8,16]", "torch.Size([8, 16])", "8 16", "(8, 16,)"]
)
def test_shape_written_any_usual_way_is_right(text):
    verdict = check(SHAPE, SIZE_8_16, text, "en")
    assert verdict.correct, verdict
    assert verdict.given == verdict.expected == "8 x 16"


def test_shape_transposed_is_named():
    verdict = check(SHAPE, SIZE_8_16, "16x8", "en")
    assert not verdict.correct
    assert verdict.detail == "right sizes, wrong order: 8 x 16 expected, you gave 16 x 8"
    pt = check(SHAPE, SIZE_8_16, "16x8", "pt")
    assert pt.detail == "tamanhos certos, ordem errada: esperado 8 x 16, você deu 16 x 8"


def test_shape_wrong_sizes_and_rank():
    assert check(SHAPE, SIZE_8_16, "8, 4", "en").detail == "8 x 16 expected, you gave 8 x 4"
    verdict = check(SHAPE, SIZE_8_16, "(8,)", "en")
    assert not verdict.correct
    assert verdict.detail == "8 x 16 expected (2-D), you gave 8 (1-D)"


def test_shape_follows_the_live_tensor_and_scalars():
    weight = TensorValue((2, 3), "float32", [[0.0] * 3] * 2, True)
    assert check(SHAPE, weight, "2x3", "en").correct
    assert not check(SHAPE, weight, "8x16", "en").correct
    loss = TensorValue((), "float32", 0.7, True)
    for text in ("()", "[]", "torch.Size([])"):
        verdict = check(SHAPE, loss, text, "en")
        assert verdict.correct and verdict.expected == "() (a scalar)"
    assert expected_text(SHAPE, loss, "pt") == "() (um escalar)"


@pytest.mark.parametrize("text", ["a, b", "8.5, 16", "-8, 16", "((8, 16)", "8; 16", "{8, 16}", "8,,16"])
def test_shape_nonsense_is_refused(text):
    refused(SHAPE, SIZE_8_16, text)


def test_shape_size_message_names_the_bad_size():
    assert "“8.5”" in refused(SHAPE, SIZE_8_16, "8.5, 16")
    assert "não é um formato" in refused(SHAPE, SIZE_8_16, "a, b", "pt")


# -------------------------------------------------------------------- sign

SIGN = question("sign", tolerance=1e-3)


@pytest.mark.parametrize(
    "text,value",
    [
        ("+", 0.5), ("positive", 0.5), ("Positivo", 0.5), ("positiva", 0.5),
        ("-", -0.5), ("negative", -0.5), ("negativo", -0.5), ("\u2212", -0.5),
        ("0", 0.0), ("zero", 0.0), ("nulo", 0.0), ("-2", -0.5), ("3,5", 0.5),
    ],
)
def test_sign_right(text, value):
    assert check(SIGN, NumberValue(value), text, "en").correct


def test_sign_wrong_tells_the_live_value():
    verdict = check(SIGN, scalar(-0.25), "+", "en")
    assert verdict == Verdict(False, "positive (+)", "negative (-)", "the live value is -0.25")
    verdict = check(SIGN, scalar(-0.25), "positivo", "pt")
    assert (verdict.given, verdict.expected) == ("positivo (+)", "negativo (-)")


def test_sign_within_tolerance_of_zero_counts_as_zero():
    assert check(SIGN, NumberValue(0.0009), "0", "en").correct
    verdict = check(SIGN, NumberValue(0.0009), "+", "en")
    assert not verdict.correct
    assert verdict.detail == "the live value is 0.0009, within 0.001 of zero"
    # Just outside the tolerance the sign counts.
    assert check(SIGN, NumberValue(0.0011), "+", "en").correct
    assert not check(SIGN, NumberValue(0.0011), "0", "en").correct


@pytest.mark.parametrize("text", ["up", "maybe", "+-", "?", "nan"])
def test_sign_nonsense_is_refused(text):
    assert "not a sign" in refused(SIGN, NumberValue(1.0), text)


# ------------------------------------------------------------------ choice

CHOICE = question(
    "choice",
    options=[
        Option("a", {"en": "the loss goes up", "pt": "a perda sobe"}),
        Option("b", {"en": "the loss goes down", "pt": "a perda desce"}),
        Option("c", {"en": "nothing changes", "pt": "nada muda"}),
    ],
)


@pytest.mark.parametrize("text", ["b", "B", " b ", "b)", "(b)", "2"])
def test_choice_by_key_or_number(text):
    verdict = check(CHOICE, TextValue("b"), text, "en")
    assert verdict.correct
    assert verdict.given == verdict.expected == "b) the loss goes down"


def test_choice_wrong_names_the_pick_in_the_learners_language():
    verdict = check(CHOICE, TextValue("b"), "1", "pt")
    assert verdict == Verdict(False, "a) a perda sobe", "b) a perda desce", "você escolheu a) a perda sobe")


def test_choice_follows_the_live_key():
    assert check(CHOICE, TextValue("c"), "3", "en").correct
    assert not check(CHOICE, TextValue("a"), "3", "en").correct


@pytest.mark.parametrize("text", ["d", "4", "0", "ab", "the loss goes down"])
def test_choice_unknown_option_is_refused(text):
    message = refused(CHOICE, TextValue("b"), text)
    assert "Answer a, b, c (or 1-3)" in message


def test_choice_with_plain_dict_options():
    q = question("choice", options=[{"key": "x", "en": "yes", "pt": "sim"}, {"key": "y", "en": "no", "pt": "não"}])
    assert check(q, TextValue("y"), "2", "pt").expected == "y) não"


# ------------------------------------------------------------------- order

ORDER = question("order")
LAYERS = ListValue((TextValue("L2"), TextValue("L1"), TextValue("L0")))


@pytest.mark.parametrize("text", ["2 1 0", "2,1,0", "L2 L1 L0", "L2 -> L1 -> L0", "l2, l1, l0", "L2 → L1 → L0", "L2>L1>L0"])
def test_order_any_usual_way(text):
    verdict = check(ORDER, LAYERS, text, "en")
    assert verdict.correct, verdict
    assert verdict.given == verdict.expected == "L2 -> L1 -> L0"


def test_order_with_numbers_expected():
    numbers = ListValue((NumberValue(2), NumberValue(1), NumberValue(0)))
    assert check(ORDER, numbers, "L2 L1 L0", "en").correct
    assert check(ORDER, TextValue("L2 -> L1 -> L0"), "2 1 0", "en").correct


def test_order_wrong_counts_places_without_giving_it_away():
    verdict = check(ORDER, LAYERS, "L0 L1 L2", "en")
    assert not verdict.correct
    assert verdict.detail == "same items, 1 of 3 in the right place"
    assert check(ORDER, LAYERS, "0 1 2", "pt").detail == "mesmos itens, 1 de 3 no lugar certo"


def test_order_missing_and_extra_items():
    assert check(ORDER, LAYERS, "L2 L1", "en").detail == "different items: missing L0"
    assert check(ORDER, LAYERS, "L2 L1 L3", "en").detail == "different items: missing L0; not expected L3"
    assert check(ORDER, LAYERS, "L2 L1 L0 L0", "en").detail == "3 items expected, you gave 4"


def test_order_words_ignore_case():
    steps = ListValue((TextValue("forward"), TextValue("loss"), TextValue("backward")))
    assert check(ORDER, steps, "Forward, LOSS, backward", "en").correct
    assert not check(ORDER, steps, "loss forward backward", "en").correct


@pytest.mark.parametrize("text", ["!!", "L2 / L1", "(L2, L1)", "L2 L1 L0?"])
def test_order_nonsense_is_refused(text):
    assert "not an order" in refused(ORDER, LAYERS, text)


# ------------------------------------------------------------ expected text


def test_expected_text_for_each_kind():
    assert expected_text(NUMBER, scalar(-0.123456789), "en") == "-0.123457"
    assert expected_text(SHAPE, SIZE_8_16, "en") == "8 x 16"
    assert expected_text(SIGN, NumberValue(-3), "pt") == "negativo (-)"
    assert expected_text(CHOICE, TextValue("c"), "pt") == "c) nada muda"
    assert expected_text(ORDER, LAYERS, "en") == "L2 -> L1 -> L0"


def test_unusable_live_values_give_a_message_not_a_crash():
    assert "no live answer" in refused(NUMBER, None, "1")
    assert "not usable" in refused(NUMBER, TextValue("tensor([1., 2.])"), "1")
    assert "não pode ser usada" in refused(SHAPE, NumberValue(0.5), "1", "pt")
    assert "not usable" in refused(CHOICE, TextValue("z"), "a")
    with pytest.raises(AnswerError):
        expected_text(ORDER, NumberValue(1.5), "en")


def test_checking_imports_neither_textual_nor_torch():
    code = "import sys, tutor.checking; print('textual' in sys.modules, 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
