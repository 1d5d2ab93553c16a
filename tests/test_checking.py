"""The answer checker: what a learner may type for each kind, and what they read back."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tutor.checking import (
    MAX_INPUT,
    AnswerError,
    ExpectedError,
    Verdict,
    check,
    expected_text,
)
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
    assert verdict.given == "-1,5"
    assert check(question("number"), NumberValue(-1.5), "\u22121,5", "en").given == "-1.5"
    verdict = check(question("number"), NumberValue(-0.0015), "-1.5e-3", "en")
    assert verdict.correct


def test_number_wrong_says_how_far_and_which_way():
    verdict = check(NUMBER, scalar(0.25), "0.5", "en")
    assert verdict == Verdict(False, "0.5", "0.25", "too high by 0.25 (allowed: ±0.01)", "too high (allowed: ±0.01)")
    verdict = check(NUMBER, scalar(0.25), "0,1", "pt")
    assert not verdict.correct
    assert verdict.detail == "0,15 abaixo do valor calculado (tolerância: ±0,01)"


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


@pytest.mark.parametrize(
    "text", ["abc", "0.2.5", "1,2,3", "1.000,5", "e5", "5e", "--1", "0x10", "1_000", "1/0", "2 3", "__import__('os')"]
)
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

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    called = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called.add(func.id if isinstance(func, ast.Name) else getattr(func, "attr", ""))
    assert called.isdisjoint({"eval", "exec", "literal_eval", "__import__"})
    named = {n.func.id for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert "compile" not in named


def test_huge_and_tiny_numbers_that_are_finite_are_graded():
    assert check(NUMBER, NumberValue(1.5e300), "1.5e300", "en").correct
    assert check(NUMBER, NumberValue(0.0), "1e-400", "en").correct  # underflows to 0: finite
    assert check(NUMBER, NumberValue(1.7e308), "1.7e308", "en").given == "1.7e308"


# ------------------------------------------------------------------- shape

SHAPE = question("shape")
SIZE_8_16 = ListValue((NumberValue(8), NumberValue(16)))  # torch.Size([8, 16]) captured


@pytest.mark.parametrize(
    "text", ["8, 16", "8x16", "8 x 16", "8×16", "(8, 16)", "[8,16]", "torch.Size([8, 16])", "8 16", "(8, 16,)"]
)
def test_shape_written_any_usual_way_is_right(text):
    verdict = check(SHAPE, SIZE_8_16, text, "en")
    assert verdict.correct, verdict
    assert verdict.given == verdict.expected == "8x16"


def test_shape_transposed_is_named():
    verdict = check(SHAPE, SIZE_8_16, "16x8", "en")
    assert not verdict.correct
    assert verdict.detail == "right sizes, wrong order: 8x16 expected, you gave 16x8"
    pt = check(SHAPE, SIZE_8_16, "16x8", "pt")
    assert pt.detail == "tamanhos certos, ordem errada: esperado 8x16, você deu 16x8"


def test_shape_wrong_sizes_and_rank():
    assert check(SHAPE, SIZE_8_16, "8, 4", "en").detail == "8x16 expected, you gave 8x4"
    verdict = check(SHAPE, SIZE_8_16, "(8,)", "en")
    assert not verdict.correct
    assert verdict.detail == "8x16 expected (2-D), you gave 8 (1-D)"


def test_shape_follows_the_live_tensor_and_scalars():
    weight = TensorValue((2, 3), "float32", [[0.0] * 3] * 2, True)
    assert check(SHAPE, weight, "2x3", "en").correct
    assert not check(SHAPE, weight, "8x16", "en").correct
    loss = TensorValue((), "float32", 0.7, True)
    for text in ("()", "[]", "torch.Size([])"):
        verdict = check(SHAPE, loss, text, "en")
        assert verdict.correct and verdict.expected == "scalar"
    assert expected_text(SHAPE, loss, "pt") == "escalar"


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
    assert verdict == Verdict(False, "positive (+)", "negative (-)", "the computed value is -0.25")
    verdict = check(SIGN, scalar(-0.25), "positivo", "pt")
    assert (verdict.given, verdict.expected) == ("positivo (+)", "negativo (-)")


def test_sign_within_tolerance_of_zero_counts_as_zero():
    assert check(SIGN, NumberValue(0.0009), "0", "en").correct
    verdict = check(SIGN, NumberValue(0.0009), "+", "en")
    assert not verdict.correct
    assert verdict.detail == "the computed value is 0.0009, within 0.001 of zero"
    # Just outside the tolerance the sign counts.
    assert check(SIGN, NumberValue(0.0011), "+", "en").correct
    assert not check(SIGN, NumberValue(0.0011), "0", "en").correct


@pytest.mark.parametrize("text", ["maybe", "+-", "?", "upward"])
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


@pytest.mark.parametrize(
    "text", ["2 1 0", "2,1,0", "L2 L1 L0", "L2 -> L1 -> L0", "l2, l1, l0", "L2 → L1 → L0", "L2>L1>L0"]
)
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
    assert expected_text(SHAPE, SIZE_8_16, "en") == "8x16"
    assert expected_text(SIGN, NumberValue(-3), "pt") == "negativo (-)"
    assert expected_text(CHOICE, TextValue("c"), "pt") == "c) nada muda"
    assert expected_text(ORDER, LAYERS, "en") == "L2 -> L1 -> L0"


def test_unusable_live_values_give_a_message_not_a_crash():
    assert "did the step's code fail?" in refused(NUMBER, None, "1")
    assert refused(NUMBER, TextValue("tensor([1., 2.])"), "1") == (
        "This question's answer could not be computed: the lesson gave “tensor([1., 2.])”, not a real number."
    )
    assert refused(SHAPE, NumberValue(0.5), "1", "pt") == (
        "Não foi possível calcular a resposta desta pergunta: a lição deu 0,5, e não um formato."
    )
    assert "not one of the options' keys" in refused(CHOICE, TextValue("z"), "a")
    with pytest.raises(ExpectedError):
        expected_text(ORDER, NumberValue(1.5), "en")
    with pytest.raises(ExpectedError):
        expected_text(NUMBER, None, "en")


def test_checking_imports_neither_textual_nor_torch():
    code = "import sys, tutor.checking; print('textual' in sys.modules, 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# ------------------------------------------------- what the question invites

UP_DOWN = Question(
    kind="sign",
    prompt={"en": "Did the loss go up (+) or down (-)?", "pt": "A perda subiu (+) ou desceu (-)?"},
    answer="(new_loss - loss).item()",
    explain={"en": "{answer}", "pt": "{answer}"},
    tolerance=1e-9,
)


@pytest.mark.parametrize(
    "text,value",
    [
        ("up", 0.5), ("Up", 0.5), ("went up", 0.5), ("subiu", 0.5), ("sobe", 0.5), ("positive", 0.5), ("positivo", 0.5),
        ("down", -0.5), ("it went down", -0.5), ("desceu", -0.5), ("desce", -0.5),
        ("negative", -0.5), ("negativo", -0.5),
        ("para baixo", -0.5), ("+", 0.5), ("-", -0.5),
    ],
)
def test_sign_asked_as_up_or_down_takes_direction_words(text, value):
    assert check(UP_DOWN, NumberValue(value), text, "pt").correct
    opposite = check(UP_DOWN, NumberValue(-value), text, "en")
    assert not opposite.correct


def test_direction_words_are_read_against_the_live_value_not_guessed():
    verdict = check(UP_DOWN, NumberValue(-0.0123), "subiu", "pt")
    assert not verdict.correct
    assert (verdict.given, verdict.expected) == ("positivo (+)", "negativo (-)")


def test_direction_words_are_refused_where_the_question_does_not_ask_a_direction():
    """'Sign of x.grad?' answered "down" may mean "x moves down" (the opposite
    sign): no verdict would be true, so the checker asks for a sign."""
    for text in ("up", "down", "subiu", "desceu"):
        message = refused(SIGN, NumberValue(-0.5), text)
        assert "+, - or 0" in message
    assert "+, - ou 0" in refused(SIGN, NumberValue(-0.5), "desceu", "pt")


@pytest.mark.parametrize("text", ["8 by 16", "8 por 16", "8x16", "8 x 16", "(8, 16)", "8,16", "[8, 16]", "8 BY 16"])
def test_shape_in_words_and_brackets(text):
    assert check(SHAPE, SIZE_8_16, text, "en").correct


def test_scalar_shape_is_written_and_read_as_a_word():
    loss = TensorValue((), "float32", 0.7, True)
    assert expected_text(SHAPE, loss, "en") == "scalar"
    assert check(SHAPE, loss, "escalar", "pt").correct
    assert check(SHAPE, loss, "a scalar", "en").correct


@pytest.mark.parametrize(
    "text", ["nan", "NaN", "inf", "-inf", "infinity", "1e400", "-1e400", "1e999999", "1e308/1e-10"]
)
def test_non_finite_numbers_are_refused_not_graded(text):
    message = refused(NUMBER, scalar(0.25), text)
    assert "finite" in message
    assert "finito" in refused(NUMBER, scalar(0.25), text, "pt")
    assert "finite" in refused(SIGN, NumberValue(1.0), text)


def test_too_long_names_the_limit_in_both_languages():
    text = "1" * (MAX_INPUT + 1)
    assert refused(NUMBER, scalar(0.25), text) == (
        f"That answer is too long ({MAX_INPUT + 1} characters; at most {MAX_INPUT})."
    )
    assert refused(SHAPE, SIZE_8_16, text, "pt") == (
        f"Essa resposta é longa demais ({MAX_INPUT + 1} caracteres; no máximo {MAX_INPUT})."
    )


# ------------------------------------------- whatever the lesson's answer is


def unusable(q, expected, lang="en") -> str:
    """Both entry points refuse with the checker's own error, saying the
    question's answer could not be computed."""
    with pytest.raises(ExpectedError) as info:
        check(q, expected, "1", lang)
    message = info.value.message
    assert isinstance(info.value, AnswerError)
    head = "This question's answer could not be computed" if lang == "en" else "Não foi possível calcular a resposta"
    assert message.startswith(head), message
    return message


COMPLEX_SCALAR = TensorValue((), "complex64", 1 + 2j, False)
COMPLEX_VECTOR = TensorValue((2,), "complex64", [1 + 2j, 3j], False)


@pytest.mark.parametrize(
    "q,expected",
    [
        (NUMBER, NumberValue(10**400)),
        (NUMBER, NumberValue(-(10**5000))),
        (NUMBER, COMPLEX_SCALAR),
        (SIGN, COMPLEX_SCALAR),
        (ORDER, COMPLEX_VECTOR),
        (NUMBER, TextValue("zzz")),
        (NUMBER, TextValue("None")),
        (NUMBER, NumberValue(float("nan"))),
        (NUMBER, NumberValue(float("inf"))),
        (SIGN, NumberValue(float("nan"))),
        (SIGN, ListValue((ListValue((NumberValue(1),)),))),
        (CHOICE, TensorValue((2,), "float32", [0.5, 1.0], False)),
        (CHOICE, NumberValue(10**5000)),
        (ORDER, ListValue((NumberValue(10**5000), NumberValue(1)))),
        (SHAPE, ListValue((NumberValue(-1), NumberValue(3)))),
        (SHAPE, ListValue((NumberValue(10**5000),))),
        (SHAPE, TextValue("None")),
        (NUMBER, None),
    ],
    ids=lambda v: type(v).__name__,
)
def test_any_expected_value_gives_the_checkers_error_never_a_crash(q, expected):
    unusable(q, expected)
    unusable(q, expected, "pt")
    try:
        expected_text(q, expected, "en")
    except AnswerError:
        pass


def test_messages_about_unusable_answers_say_what_the_lesson_gave():
    assert "1e400" in unusable(NUMBER, NumberValue(10**400))
    assert "complex" in unusable(NUMBER, COMPLEX_SCALAR)
    assert "tensor of shape 2" in unusable(CHOICE, TensorValue((2,), "float32", [0.5, 1.0], False))
    assert "um tensor de formato 2" in unusable(CHOICE, TensorValue((2,), "float32", [0.5, 1.0], False), "pt")
    assert "inf" in unusable(NUMBER, NumberValue(float("inf")))


def test_a_huge_whole_number_still_has_a_sign():
    assert check(SIGN, NumberValue(10**400), "+", "en").correct
    verdict = check(SIGN, NumberValue(-(10**5000)), "+", "en")
    assert verdict == Verdict(False, "positive (+)", "negative (-)", "the computed value is -1e5000")
    assert expected_text(SIGN, NumberValue(10**400), "en") == "positive (+)"
    assert check(SIGN, NumberValue(float("-inf")), "-", "en").correct


def test_expected_text_of_huge_and_non_finite_numbers_is_written_not_raised():
    assert expected_text(NUMBER, NumberValue(10**400), "en") == "1e400"
    assert expected_text(NUMBER, NumberValue(float("inf")), "pt") == "inf"


def test_a_difference_too_large_for_a_float_is_still_a_verdict():
    verdict = check(NUMBER, NumberValue(-1.7e308), "1e308", "en")
    assert not verdict.correct
    assert verdict.detail == "too high (allowed: ±0.01)"


# ------------------------------------------------ numbers as they are written


def test_portuguese_verdicts_use_the_decimal_comma():
    verdict = check(NUMBER, scalar(0.25), "0,1", "pt")
    assert (verdict.given, verdict.expected) == ("0,1", "0,25")
    assert verdict.detail == "0,15 abaixo do valor calculado (tolerância: ±0,01)"
    assert expected_text(NUMBER, scalar(-0.00326), "pt") == "-0,00326"
    assert expected_text(NUMBER, scalar(-0.00326), "en") == "-0.00326"


def test_a_zero_is_never_negative():
    assert expected_text(NUMBER, NumberValue(-0.0), "en") == "0"
    assert check(NUMBER, NumberValue(0.0), "-0", "en").given == "0"


def test_a_value_no_reader_foresaw_still_gives_the_checkers_error():
    """A 0-dimension tensor with no entry cannot come from torch; if a
    capture bug ever made one, the learner still reads a message."""
    broken = TensorValue((), "float32", [], False)
    for q in (NUMBER, SIGN):
        unusable(q, broken)
    with pytest.raises(ExpectedError):
        expected_text(NUMBER, broken, "en")


def _odd_values():
    """Values an instructor's answer expression could produce, odd ones first."""
    atoms = [
        0, -0.0, 1, -1, 2.5, 1e-320, 1.7e308, float("nan"), float("inf"), float("-inf"),
        10**400, -(10**5000), True, 1 + 2j, "b", "", "nan", "1e400", "\x1b[2J", "L2 -> L1",
    ]
    values = []
    for atom in atoms:
        if isinstance(atom, str):
            values.append(TextValue(atom))
            continue
        values.append(NumberValue(atom))
        dtype = "complex64" if isinstance(atom, complex) else "bool" if isinstance(atom, bool) else "float32"
        values.append(TensorValue((), dtype, atom))
        values.append(TensorValue((3,), dtype, [atom] * 3))
        values.append(TensorValue((1, 2), dtype, [[atom, atom]]))
    values += [
        ListValue(()), ListValue((NumberValue(8), NumberValue(-16))), ListValue((TextValue("L2"), NumberValue(1.5))),
        ListValue((ListValue((NumberValue(1),)),)), TensorValue((0,), "float32", []),
        TensorValue((2,), "int64", [2**70, 1]),
        TensorValue((), "float32", []), TensorValue((2, 2), "float32", [1.0]), None,
    ]
    return values


def test_no_expected_value_and_no_typed_text_raises_anything_but_answer_error():
    """A seeded sweep: every kind, every odd value, a few hundred texts; the
    checker returns a Verdict or raises AnswerError, nothing else."""
    import random

    rng = random.Random(13)
    texts = ["1", "-1", "0", "+", "up", "b", "2", "8x16", "()", "L2 L1", "nan", "1e400", "scalar", "8 por 16"]
    alphabet = "0123456789+-.,eE/xX ()[]LlabnupsXscalar\u2212\u00d7\x1b"
    texts += ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12))) for _ in range(40)]
    questions = [NUMBER, SHAPE, SIGN, UP_DOWN, CHOICE, ORDER]
    for q in questions:
        for expected in _odd_values():
            for lang in ("en", "pt"):
                try:
                    expected_text(q, expected, lang)
                except AnswerError:
                    pass
                for text in rng.sample(texts, 12):
                    try:
                        verdict = check(q, expected, text, lang)
                    except AnswerError as exc:
                        assert exc.message.strip()
                    else:
                        assert isinstance(verdict, Verdict) and verdict.given and verdict.expected


# ------------------------------------------- a clue that gives nothing away


def test_a_wrong_answers_clue_says_which_way_not_how_far():
    """Before the live value is revealed, a learner trying again may read the
    clue: it never holds the live value or anything it can be computed from."""
    high = check(NUMBER, scalar(0.25), "0.5", "en")
    assert high.clue == "too high (allowed: ±0.01)"
    assert "0.25" not in high.clue
    assert check(NUMBER, scalar(0.25), "0,1", "pt").clue == "abaixo do valor calculado (tolerância: ±0,01)"
    assert check(SHAPE, SIZE_8_16, "(8,)", "en").clue == "a 2-D shape expected, you gave a 1-D one"
    assert check(SHAPE, SIZE_8_16, "16x8", "pt").clue == "tamanhos certos, ordem errada"
    assert check(SHAPE, SIZE_8_16, "8x4", "en").clue == ""  # any more would name a size
    assert check(SIGN, NumberValue(-0.5), "+", "en").clue == ""  # three signs: any clue is the answer
    assert check(CHOICE, TextValue("b"), "a", "en").clue == ""
    assert check(ORDER, LAYERS, "L0 L1 L2", "en").clue == "same items, 1 of 3 in the right place"
    assert check(NUMBER, scalar(0.25), "0.25", "en").clue == ""
