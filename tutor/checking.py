"""Checking a learner's answer against the live value.

A question's expected answer is not written in the lesson file: it is the
value the runner computed a moment ago (`tutor.values.Value`), so changing a
knob or a seed changes the answer, and the checker follows.

What the learner types is data, never code. Each kind has a small parser
written with regular expressions and `float()`/`int()` on strings the parser
has already validated; nothing here calls eval, exec or ast.literal_eval.
Input longer than `MAX_INPUT` characters is refused before any parsing, so a
10 MB paste costs nothing.

Kinds and what a learner may type:

- number: ``0.25``, ``-1.5e-3``, ``1,5`` (Brazilian decimal comma), ``1/4``;
  correct within the question's absolute tolerance (default 1e-3). A
  number that is not finite (``nan``, ``inf``, ``1e400``) is refused with a
  message, not graded: no verdict about it would teach anything.
- shape: ``8, 16``, ``8x16``, ``8 by 16``, ``8 por 16``, ``(8, 16)``,
  ``[8,16]``, ``torch.Size([8, 16])``; ``()`` or ``scalar``/``escalar``.
- sign: ``+``/``-``/``0``, ``positive``/``negative``/``zero``, ``positivo``/
  ``negativo``/``zero``/``nulo`` (a finite number counts by its sign); the
  expected sign is zero when ``|x| <= tolerance``. When the prompt itself asks
  "up or down" (it names a rise and a fall, in either language), direction
  words count too: ``up``/``subiu``/``sobe`` are +, ``down``/``desceu``/
  ``desce`` are -, ``unchanged``/``igual`` is 0. Elsewhere they are refused
  with a message: in "Sign of x.grad?", "down" may mean "x moves down",
  which is the opposite sign, so no verdict on it would be true. A lesson
  that asks up or down makes its answer a change, after minus before.
- choice: an option key (any case) or its 1-based number.
- order: ``2 1 0``, ``2,1,0``, ``L2 L1 L0``, ``L2 -> L1 -> L0``.

`check` returns a `Verdict` for an answer it could read and raises
`AnswerError` (a short message in the learner's language) for one it could
not: a learner who typed nonsense gets told how to write the answer, not
that they were wrong. When the lesson's own answer cannot serve (the step
failed, or its expression gave a complex number, `10 ** 400`, a tensor where
an option key belongs, text where a number belongs...), `check` raises
`ExpectedError`, an `AnswerError` whose message begins "This question's
answer could not be computed". `check` and `expected_text` raise nothing
else, whatever the expected value is.

Numbers and shapes are written by `tutor.notation`, with the decimal comma
in Portuguese.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tutor import notation
from tutor.i18n import Catalog
from tutor.values import ListValue, NumberValue, TensorValue, TextValue, Value

MAX_INPUT = 200
DEFAULT_TOLERANCE = 1e-3

# Interface strings of this module, English and Brazilian Portuguese side by side.
MESSAGES = Catalog({
    "empty": {
        "en": "Type an answer first.",
        "pt": "Digite uma resposta primeiro.",
    },
    "too_long": {
        "en": "That answer is too long ({length} characters; at most {limit}).",
        "pt": "Essa resposta é longa demais ({length} caracteres; no máximo {limit}).",
    },
    "not_number": {
        "en": "“{text}” is not a number. Write it like 0.25, -1.5e-3 or 1,5.",
        "pt": "“{text}” não é um número. Escreva como 0,25 ou 0.25 ou -1.5e-3.",
    },
    "not_finite": {
        "en": "“{text}” is not a finite number, so it cannot be checked. Write a number like 0.25 or -1.5e-3.",
        "pt": "“{text}” não é um número finito, então não dá para conferir. Escreva um número como 0,25 ou -1.5e-3.",
    },
    "two_separators": {
        "en": "Use one decimal separator, a point or a comma, not both: “{text}”.",
        "pt": "Use um só separador decimal, ponto ou vírgula, não os dois: “{text}”.",
    },
    "zero_division": {
        "en": "“{text}” divides by zero.",
        "pt": "“{text}” divide por zero.",
    },
    "not_shape": {
        "en": "“{text}” is not a shape. Write the sizes like 8x16, 8 by 16 or (8, 16).",
        "pt": "“{text}” não é um formato. Escreva os tamanhos como 8x16, 8 por 16 ou (8, 16).",
    },
    "shape_size": {
        "en": "Each size in a shape is a whole number of 0 or more; “{token}” is not.",
        "pt": "Cada tamanho de um formato é um número inteiro, 0 ou mais; “{token}” não é.",
    },
    "not_sign": {
        "en": "“{text}” is not a sign. Answer +, - or 0 (positive, negative or zero).",
        "pt": "“{text}” não é um sinal. Responda +, - ou 0 (positivo, negativo ou zero).",
    },
    "not_direction": {
        "en": "This question asks for a sign, not a direction. Answer +, - or 0 (positive, negative or zero).",
        "pt": "Esta pergunta pede um sinal, não uma direção. Responda +, - ou 0 (positivo, negativo ou zero).",
    },
    "not_choice": {
        "en": "“{text}” is not one of the options. Answer {keys} (or 1-{count}).",
        "pt": "“{text}” não é uma das opções. Responda {keys} (ou 1-{count}).",
    },
    "not_order": {
        "en": "“{text}” is not an order. List the items separated by spaces, commas or ->, like L2 L1 L0.",
        "pt": "“{text}” não é uma ordem. Liste os itens separados por espaços, vírgulas ou ->, como L2 L1 L0.",
    },
    "bad_kind": {
        "en": "Unknown question kind “{kind}”.",
        "pt": "Tipo de pergunta desconhecido “{kind}”.",
    },
    # the lesson's answer cannot serve (ExpectedError)
    "no_expected": {
        "en": "This question's answer could not be computed (did the step's code fail?).",
        "pt": "Não foi possível calcular a resposta desta pergunta (o código do passo falhou?).",
    },
    "bad_expected": {
        "en": "This question's answer could not be computed: the lesson gave {value}, not {kind}.",
        "pt": "Não foi possível calcular a resposta desta pergunta: a lição deu {value}, e não {kind}.",
    },
    "nonfinite_expected": {
        "en": "This question's answer could not be computed: "
        "the computed value is {value}, which no typed number can match.",
        "pt": "Não foi possível calcular a resposta desta pergunta: o valor calculado é {value}, "
        "e nenhum número digitado pode ser igual a ele.",
    },
    # what a question's answer should be, for bad_expected
    "want_number": {"en": "a real number", "pt": "um número real"},
    "want_shape": {"en": "a shape", "pt": "um formato"},
    "want_sign": {"en": "a real number", "pt": "um número real"},
    "want_choice": {"en": "one of the options' keys", "pt": "a letra de uma das opções"},
    "want_order": {"en": "a list of items", "pt": "uma lista de itens"},
    # what the lesson gave instead, for bad_expected
    "gave_tensor": {"en": "a tensor of shape {shape} ({dtype})", "pt": "um tensor de formato {shape} ({dtype})"},
    "gave_complex": {"en": "the complex number {value}", "pt": "o número complexo {value}"},
    "gave_huge": {
        "en": "{value}, beyond the largest number a float holds",
        "pt": "{value}, além do maior número que um float guarda",
    },
    "gave_list": {"en": "a list of {n} items", "pt": "uma lista de {n} itens"},
    "gave_other": {"en": "“{text}”", "pt": "“{text}”"},
    # verdict details
    "number_within": {
        "en": "within {tol} of the computed value (off by {diff})",
        "pt": "a menos de {tol} do valor calculado (diferença de {diff})",
    },
    "number_exact": {
        "en": "exactly the computed value",
        "pt": "exatamente o valor calculado",
    },
    "number_high": {
        "en": "too high by {diff} (allowed: ±{tol})",
        "pt": "{diff} acima do valor calculado (tolerância: ±{tol})",
    },
    "number_low": {
        "en": "too low by {diff} (allowed: ±{tol})",
        "pt": "{diff} abaixo do valor calculado (tolerância: ±{tol})",
    },
    "number_far_high": {
        "en": "too high (allowed: ±{tol})",
        "pt": "acima do valor calculado (tolerância: ±{tol})",
    },
    "number_far_low": {
        "en": "too low (allowed: ±{tol})",
        "pt": "abaixo do valor calculado (tolerância: ±{tol})",
    },
    "number_flipped": {
        "en": "right size, wrong sign",
        "pt": "valor certo, sinal trocado",
    },
    "shape_wrong": {
        "en": "{expected} expected, you gave {given}",
        "pt": "esperado {expected}, você deu {given}",
    },
    "shape_order": {
        "en": "right sizes, wrong order: {expected} expected, you gave {given}",
        "pt": "tamanhos certos, ordem errada: esperado {expected}, você deu {given}",
    },
    "shape_rank": {
        "en": "{expected} expected ({want}-D), you gave {given} ({got}-D)",
        "pt": "esperado {expected} ({want}-D), você deu {given} ({got}-D)",
    },
    "shape_rank_clue": {
        "en": "a {want}-D shape expected, you gave a {got}-D one",
        "pt": "esperado um formato {want}-D, você deu um {got}-D",
    },
    "shape_order_clue": {
        "en": "right sizes, wrong order",
        "pt": "tamanhos certos, ordem errada",
    },
    "sign_value": {
        "en": "the computed value is {value}",
        "pt": "o valor calculado é {value}",
    },
    "sign_near_zero": {
        "en": "the computed value is {value}, within {tol} of zero",
        "pt": "o valor calculado é {value}, a menos de {tol} de zero",
    },
    "choice_wrong": {
        "en": "you chose {given}",
        "pt": "você escolheu {given}",
    },
    "order_place": {
        "en": "same items, {right} of {total} in the right place",
        "pt": "mesmos itens, {right} de {total} no lugar certo",
    },
    "order_items": {
        "en": "different items: {parts}",
        "pt": "itens diferentes: {parts}",
    },
    "order_missing": {"en": "missing {items}", "pt": "faltou {items}"},
    "order_extra": {"en": "not expected {items}", "pt": "não esperado {items}"},
    "order_repeat": {
        "en": "{expected} items expected, you gave {given}",
        "pt": "esperados {expected} itens, você deu {given}",
    },
    # displayed values
    "sign_positive": {"en": "positive (+)", "pt": "positivo (+)"},
    "sign_negative": {"en": "negative (-)", "pt": "negativo (-)"},
    "sign_zero": {"en": "zero (0)", "pt": "zero (0)"},
})


def message(key: str, lang: str, **fmt: Any) -> str:
    """One of this module's strings in `lang` (English when the language is unknown)."""
    return MESSAGES.get(key, lang, **fmt)


class AnswerError(ValueError):
    """An answer the checker could not read, or a question it cannot check;
    `.message` says why, in the learner's language."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class _NotFinite(AnswerError):
    """A typed number that is not finite (nan, inf, 1e400): refused by name."""


class ExpectedError(AnswerError):
    """The question's own answer cannot serve (missing, complex, too large,
    of the wrong type): `.message` begins "This question's answer could not
    be computed". Nothing the learner typed is graded."""


@dataclass(frozen=True)
class Verdict:
    correct: bool
    given: str  # the parsed answer as displayed
    expected: str  # the live value as displayed
    detail: str  # how far off, in the learner's language ("" when nothing to add)
    # What a wrong answer may be told before the live value is revealed (a
    # learner who tries again): which way it is off, never by how much, so
    # it gives nothing away ("" when any clue would).
    clue: str = ""


def check(question: Any, expected: Value | None, text: str, lang: str) -> Verdict:
    """Read `text` as an answer to `question` and compare it with the live value.

    Raises AnswerError for input that is not an answer of the question's kind,
    and its ExpectedError for a question whose live value cannot serve as an
    answer; never anything else.
    """
    kind = _kind(question, lang)
    cleaned = _clean(text, lang)
    want = _expected(kind, question, expected, lang)
    return _CHECKERS[kind](question, want, cleaned, lang)


def expected_text(question: Any, expected: Value | None, lang: str) -> str:
    """The live answer as the learner reads it (for the reveal and `{answer}` in explain).

    A number that is not finite or too large for a float is written as it is
    (`inf`, `1e400`): the reveal is true even where `check` cannot grade.
    """
    kind = _kind(question, lang)
    if kind == "number":
        value = _expected(kind, question, expected, lang, finite=False)
        return notation.number(value, lang=lang)
    want = _expected(kind, question, expected, lang)
    if kind == "shape":
        return notation.shape(want, lang)
    if kind == "sign":
        return _sign_text(_sign_of(want, _tolerance(question)), lang)
    if kind == "choice":
        return _option_text(want, lang)
    return _order_display(want)[1]


# ---------------------------------------------------------------- shared


def _kind(question: Any, lang: str) -> str:
    kind = str(getattr(question, "kind", "")).strip().lower()
    if kind not in _CHECKERS:
        raise AnswerError(message("bad_kind", lang, kind=_shown(kind)))
    return kind


def _clean(text: Any, lang: str) -> str:
    """Refuse empty and oversized input before any parsing; unify look-alike characters."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if len(text) > MAX_INPUT:
        stripped = text.strip()  # a short answer padded with whitespace is still fine
        if len(stripped) > MAX_INPUT:
            raise AnswerError(message("too_long", lang, length=len(stripped), limit=MAX_INPUT))
        text = stripped
    text = text.strip()
    if not text:
        raise AnswerError(message("empty", lang))
    # Unicode minus, en/em dashes and the multiplication sign are what people paste.
    return text.translate(_LOOKALIKES)


_LOOKALIKES = str.maketrans({"\u2212": "-", "\u2013": "-", "\u2014": "-", "\u00d7": "x", "\u2192": ">"})


def _tolerance(question: Any) -> float:
    raw: Any = getattr(question, "tolerance", None)
    try:
        tol = float(raw)
    except (TypeError, ValueError, OverflowError):
        return DEFAULT_TOLERANCE
    return tol if math.isfinite(tol) and tol >= 0 else DEFAULT_TOLERANCE


def _shown(text: str) -> str:
    """Text quoted back in a message: short and on one line."""
    one_line = " ".join(text.split())
    return notation.shortened(one_line, 40)


# ------------------------------------------------------- the expected answer

def _expected(kind: str, question: Any, expected: Any, lang: str, *, finite: bool = True) -> Any:
    """The lesson's answer read as one of `kind`: a float (number), an int or
    float (sign), a shape tuple, an option, a list of items.

    Every way the lesson's value can fail to be one raises ExpectedError. The
    readers below handle the cases known to occur (complex, 10 ** 400, a
    tensor for a key...); anything they did not foresee in a value that came
    from the instructor's expression still ends here as ExpectedError, never
    as a TypeError in the learner's face.
    """
    if expected is None:
        raise ExpectedError(message("no_expected", lang))
    try:
        if kind == "number":
            return _expected_number(expected, lang, finite=finite)
        if kind == "choice":
            return _expected_option(question, expected, lang)
        return _READERS[kind](expected, lang)
    except AnswerError:
        raise
    except Exception:  # see the docstring: the contract is one error type
        raise _unusable(kind, expected, lang) from None


def _unusable(kind: str, expected: Any, lang: str) -> ExpectedError:
    want = message(f"want_{kind}", lang)
    return ExpectedError(message("bad_expected", lang, value=_describe(expected, lang), kind=want))


def _describe(value: Any, lang: str) -> str:
    """What the lesson gave, in a few words; never raises."""
    try:
        if isinstance(value, TensorValue) and not value.shape:
            return _describe_number(value.flat()[0], lang)
        if isinstance(value, TensorValue):
            return message("gave_tensor", lang, shape=notation.shape(value.shape, lang), dtype=value.dtype)
        if isinstance(value, NumberValue):
            return _describe_number(value.value, lang)
        if isinstance(value, ListValue):
            return message("gave_list", lang, n=len(value.items))
        if isinstance(value, TextValue):
            return message("gave_other", lang, text=_shown(value.text))
        return message("gave_other", lang, text=_shown(type(value).__name__))
    except Exception:  # a description must not fail where it explains a failure
        return "?"


def _describe_number(x: Any, lang: str) -> str:
    if isinstance(x, complex):
        return message("gave_complex", lang, value=_shown(str(x)))
    if isinstance(x, int) and not isinstance(x, bool) and not _fits_float(x):
        return message("gave_huge", lang, value=notation.number(x, lang=lang))
    return notation.number(x, lang=lang)


def _fits_float(x: int) -> bool:
    try:
        float(x)
    except OverflowError:
        return False
    return True


def _real(x: Any) -> int | float | None:
    """A real number as Python holds it (int kept exact: 10 ** 400 has a
    sign), or None for complex numbers, text and anything else."""
    if isinstance(x, bool):
        return int(x)
    if isinstance(x, (int, float)):
        return x
    return None


def _scalar_of(expected: Value) -> Any:
    """The one number inside: a number, or a tensor's only entry."""
    if isinstance(expected, NumberValue):
        return expected.value
    if isinstance(expected, TensorValue) and expected.numel == 1:
        return expected.flat()[0]
    return None


def _expected_real(expected: Value, kind: str, lang: str) -> int | float:
    inside = _scalar_of(expected)
    value = _real(inside)
    if value is None and isinstance(expected, TextValue):
        try:
            value = _plain_number(expected.text.strip(), expected.text, "en")
        except AnswerError:
            value = None
    if value is None:
        raise _unusable(kind, expected, lang)
    return value


def _expected_number(expected: Value, lang: str, *, finite: bool = True) -> int | float:
    value = _expected_real(expected, "number", lang)
    if not finite:
        return value
    if isinstance(value, int) and not _fits_float(value):
        raise _unusable("number", expected, lang)
    if not math.isfinite(value):
        raise ExpectedError(message("nonfinite_expected", lang, value=notation.number(value, lang=lang)))
    return float(value)


def _expected_sign(expected: Value, lang: str) -> int | float:
    value = _expected_real(expected, "sign", lang)
    if isinstance(value, float) and math.isnan(value):
        raise ExpectedError(message("nonfinite_expected", lang, value="nan"))
    return value  # ints stay exact: 10 ** 400 is positive, and -inf negative


# ---------------------------------------------------------------- number

_NUMBER = re.compile(
    r"""
    (?P<sign>[+-])?\s*
    (?:(?P<int>\d+)(?:[.,](?P<frac>\d*))? | [.,](?P<frac_only>\d+))
    (?:[eE](?P<exp>[+-]?\d+))?
    """,
    re.VERBOSE,
)
# Words for numbers that are not finite: refused by name, not as "not a number".
_NON_FINITE = {"nan", "inf", "infinity", "infinito", "infinite"}


def parse_number(text: str, lang: str = "en") -> float:
    """A learner's finite number: decimal point or comma, exponent, `a/b` fractions."""
    return _number(_clean(text, lang), lang)


def _number(text: str, lang: str) -> float:
    """parse_number of text already cleaned."""
    if text.count("/") == 1:
        top, bottom = (part.strip() for part in text.split("/"))
        numerator, denominator = _plain_number(top, text, lang), _plain_number(bottom, text, lang)
        if denominator == 0:
            raise AnswerError(message("zero_division", lang, text=_shown(text)))
        value = numerator / denominator
    else:
        value = _plain_number(text, text, lang)
    if not math.isfinite(value):  # 1e308/1e-10
        raise _NotFinite(message("not_finite", lang, text=_shown(text)))
    return value


def _plain_number(part: str, whole: str, lang: str) -> float:
    if part.lower().lstrip("+-") in _NON_FINITE:
        raise _NotFinite(message("not_finite", lang, text=_shown(whole)))
    if "." in part and "," in part:
        raise AnswerError(message("two_separators", lang, text=_shown(whole)))
    match = _NUMBER.fullmatch(part)
    if not match:
        raise AnswerError(message("not_number", lang, text=_shown(whole)))
    whole_digits = match["int"] or "0"
    frac = match["frac"] or match["frac_only"] or "0"
    # A canonical string built from digits only: float() of it is safe and exact.
    canonical = f"{match['sign'] or ''}{whole_digits}.{frac}e{match['exp'] or '0'}"
    value = float(canonical)
    if not math.isfinite(value):  # 1e400
        raise _NotFinite(message("not_finite", lang, text=_shown(whole)))
    return value


def _within(given: float, want: float, tol: float) -> bool:
    # A hair of slack so that 0.26 against 0.25 with tolerance 0.01 counts as
    # within, despite binary floating point (0.26 - 0.25 = 0.010000000000000009).
    return abs(given - want) <= tol * (1 + 1e-9) + 1e-12


def _check_number(question: Any, want: float, text: str, lang: str) -> Verdict:
    given = _number(text, lang)
    tol = _tolerance(question)
    shown_given, shown_want = notation.number(given, lang=lang), notation.number(want, lang=lang)
    shown_tol = notation.number(tol, lang=lang)
    diff = given - want  # may overflow to inf: 1.7e308 - (-1.7e308)
    if _within(given, want, tol):
        if diff == 0:
            detail = message("number_exact", lang)
        else:
            detail = message("number_within", lang, tol=shown_tol, diff=notation.number(abs(diff), 3, lang=lang))
        return Verdict(True, shown_given, shown_want, detail)
    clue = message("number_far_high" if diff > 0 else "number_far_low", lang, tol=shown_tol)
    if math.isfinite(diff):
        key = "number_high" if diff > 0 else "number_low"
        detail = message(key, lang, diff=notation.number(abs(diff), 3, lang=lang), tol=shown_tol)
    else:
        detail = clue
    if want != 0 and _within(-given, want, tol):
        detail = message("number_flipped", lang) + "; " + detail
    return Verdict(False, shown_given, shown_want, detail, clue)


# ---------------------------------------------------------------- shape

_TORCH_SIZE = re.compile(r"torch\s*\.\s*size\s*\((?P<inner>.*)\)", re.IGNORECASE | re.DOTALL)
_SHAPE_SPLIT = re.compile(r"\s*(?:[,xX*]|\b(?:by|por)\b)\s*|\s+", re.IGNORECASE)
_SCALAR_WORDS = {"scalar", "a scalar", "escalar", "um escalar"}
_PAIRS = {"(": ")", "[": "]"}


def parse_shape(text: str, lang: str = "en") -> tuple[int, ...]:
    """A learner's shape: sizes separated by commas, x, by/por or spaces,
    optionally bracketed; `()` or the word scalar for a 0-dimension shape."""
    text = _clean(text, lang)
    body = text
    if " ".join(body.lower().split()) in _SCALAR_WORDS:
        return ()
    match = _TORCH_SIZE.fullmatch(body)
    if match:
        body = match["inner"].strip()
    # Peel matching outer brackets: "(8, 16)", "[8,16]", "([8, 16])".
    while len(body) >= 2 and body[0] in _PAIRS and body[-1] == _PAIRS[body[0]]:
        body = body[1:-1].strip()
    if any(ch in body for ch in "()[]{}"):
        raise AnswerError(message("not_shape", lang, text=_shown(text)))
    if not body:
        return ()
    tokens = _SHAPE_SPLIT.split(body)
    if tokens and tokens[-1] == "" and len(tokens) > 1:  # "(8,)" is a 1-D shape
        tokens = tokens[:-1]
    sizes = []
    for token in tokens:
        if not token.isascii() or not token.isdigit():
            if token == "" or not re.fullmatch(r"[-+]?[\d.,eE]+", token):
                raise AnswerError(message("not_shape", lang, text=_shown(text)))
            raise AnswerError(message("shape_size", lang, token=_shown(token)))
        sizes.append(int(token))
    return tuple(sizes)


# A size no tensor has: the lesson's "shape" is something else (10 ** 5000).
_MAX_SIZE = 2**63


def _expected_shape(expected: Value, lang: str) -> tuple[int, ...]:
    shape: tuple[int, ...] | None = None
    if isinstance(expected, TensorValue):
        shape = tuple(expected.shape)
    elif isinstance(expected, ListValue) and all(
        isinstance(i, NumberValue) and type(i.value) is int for i in expected.items
    ):
        shape = tuple(int(i.value) for i in expected.items)  # type: ignore[union-attr]
    elif isinstance(expected, TextValue):
        try:
            shape = parse_shape(expected.text, "en")
        except AnswerError:
            shape = None
    if shape is None or not all(isinstance(d, int) and 0 <= d < _MAX_SIZE for d in shape):
        raise _unusable("shape", expected, lang)
    return shape


def _check_shape(question: Any, want: tuple[int, ...], text: str, lang: str) -> Verdict:
    given = parse_shape(text, lang)
    shown_given, shown_want = notation.shape(given, lang), notation.shape(want, lang)
    if given == want:
        return Verdict(True, shown_given, shown_want, "")
    clue = ""
    if len(given) != len(want):
        detail = message(
            "shape_rank", lang, expected=shown_want, want=len(want), given=shown_given, got=len(given)
        )
        clue = message("shape_rank_clue", lang, want=len(want), got=len(given))
    elif sorted(given) == sorted(want):
        detail = message("shape_order", lang, expected=shown_want, given=shown_given)
        clue = message("shape_order_clue", lang)
    else:
        detail = message("shape_wrong", lang, expected=shown_want, given=shown_given)
    return Verdict(False, shown_given, shown_want, detail, clue)


# ---------------------------------------------------------------- sign

_SIGN_WORDS = {
    1: {"+", "positive", "pos", "positivo", "positiva", ">0", "plus", "mais"},
    -1: {"-", "negative", "neg", "negativo", "negativa", "<0", "minus", "menos"},
    0: {"0", "zero", "nulo", "nula", "=0", "none"},
}
# Direction words, read as signs only where the prompt asks "up or down".
_DIRECTION_WORDS = {
    1: {"up", "rose", "rise", "rises", "increased", "increases", "higher", "grew",
        "subiu", "sobe", "subir", "aumentou", "aumenta", "cresceu", "para cima", "pra cima"},
    -1: {"down", "fell", "fall", "falls", "decreased", "decreases", "lower", "dropped",
         "desceu", "desce", "descer", "diminuiu", "diminui", "caiu", "baixou", "para baixo", "pra baixo"},
    0: {"unchanged", "same", "the same", "stayed the same", "igual", "ficou igual", "não mudou",
        "nao mudou", "inalterado", "inalterada"},
}
# Words around a direction that change nothing: "it went up", "foi para cima".
_FILLER = {"it", "went", "goes", "go", "gone", "has", "did", "moved", "ele", "ela", "foi", "vai"}
# A prompt invites direction words when it names both a rise and a fall.
_PROMPT_UP = re.compile(r"\b(up|rise|rose|increase[sd]?|subiu|sobe|subir|aumentou|aumenta|aumentar)\b", re.IGNORECASE)
_PROMPT_DOWN = re.compile(
    r"\b(down|fall|fell|decrease[sd]?|desceu|desce|descer|diminuiu|diminui|diminuir|caiu)\b", re.IGNORECASE
)


def asks_direction(question: Any) -> bool:
    """Whether the question's prompt asks "up or down" (in any of its languages)."""
    prompt = getattr(question, "prompt", None)
    texts = prompt.values() if isinstance(prompt, dict) else [prompt]
    return any(
        isinstance(text, str) and _PROMPT_UP.search(text) and _PROMPT_DOWN.search(text) for text in texts
    )


def _direction(text: str) -> int | None:
    words = [w for w in re.sub(r"[.!(+)\-]", " ", text.lower()).split() if w not in _FILLER]
    phrase = " ".join(words)
    for sign, known in _DIRECTION_WORDS.items():
        if phrase in known:
            return sign
    return None


def parse_sign(text: str, lang: str = "en", *, directions: bool = False) -> int:
    """+1, -1 or 0 from a sign, a word in English or Portuguese, or a finite
    number; with `directions`, also from up/down words."""
    text = _clean(text, lang)
    word = re.sub(r"\s+", "", text.lower()).rstrip(".!")
    for sign, words in _SIGN_WORDS.items():
        if word in words:
            return sign
    direction = _direction(text)
    if direction is not None:
        if directions:
            return direction
        raise AnswerError(message("not_direction", lang))
    try:
        value = _number(text, lang)
    except _NotFinite:
        raise
    except AnswerError:
        raise AnswerError(message("not_sign", lang, text=_shown(text))) from None
    return (value > 0) - (value < 0)


def _sign_of(value: float, tol: float) -> int:
    if abs(value) <= tol:  # an int and a float compare exactly, even 10 ** 400
        return 0
    return 1 if value > 0 else -1


def _sign_text(sign: int, lang: str) -> str:
    return message({1: "sign_positive", -1: "sign_negative", 0: "sign_zero"}[sign], lang)


def _check_sign(question: Any, value: float, text: str, lang: str) -> Verdict:
    tol = _tolerance(question)
    given = parse_sign(text, lang, directions=asks_direction(question))
    want = _sign_of(value, tol)
    shown_value = notation.number(value, lang=lang)
    if want == 0 and value != 0:
        detail = message("sign_near_zero", lang, value=shown_value, tol=notation.number(tol, lang=lang))
    else:
        detail = message("sign_value", lang, value=shown_value)
    return Verdict(given == want, _sign_text(given, lang), _sign_text(want, lang), detail)


# ---------------------------------------------------------------- choice


def _field(item: Any, name: str) -> Any:
    """Options arrive as dicts from TOML or as small objects from lesson.py."""
    if isinstance(item, dict):
        return item.get(name)
    return getattr(item, name, None)


def _options(question: Any) -> list[Any]:
    return list(getattr(question, "options", None) or [])


def _option_text(option: Any, lang: str) -> str:
    texts = _field(option, "text")  # lesson.Option(key, text={en, pt})
    if not isinstance(texts, dict):
        texts = option if isinstance(option, dict) else {}  # a plain {key, en, pt}
    label = texts.get(lang) or texts.get("en") or ""
    key = str(_field(option, "key"))
    return f"{key}) {label}" if label else key


def _find_option(options: list[Any], answer: str) -> Any | None:
    wanted = answer.strip().lower()
    for option in options:
        if str(_field(option, "key")).strip().lower() == wanted:
            return option
    return None


def parse_choice(question: Any, text: str, lang: str = "en") -> Any:
    """The option a learner picked: by key (any case, "b", "b)", "(b)") or 1-based number."""
    text = _clean(text, lang)
    options = _options(question)
    answer = text.strip()
    candidates = [answer, answer.strip("()[]. ").rstrip(")")]
    for candidate in candidates:
        option = _find_option(options, candidate)
        if option is not None:
            return option
    bare = candidates[-1]
    if bare.isascii() and bare.isdigit() and 1 <= int(bare) <= len(options):
        return options[int(bare) - 1]
    keys = ", ".join(str(_field(option, "key")) for option in options)
    raise AnswerError(message("not_choice", lang, text=_shown(text), keys=keys, count=len(options)))


def _expected_option(question: Any, expected: Value, lang: str) -> Any:
    key = None
    if isinstance(expected, TextValue):
        key = expected.text
    elif isinstance(expected, NumberValue) and type(expected.value) is int and abs(expected.value) < _MAX_SIZE:
        key = str(expected.value)
    option = _find_option(_options(question), key) if key is not None else None
    if option is None:
        raise _unusable("choice", expected, lang)
    return option


def _check_choice(question: Any, want: Any, text: str, lang: str) -> Verdict:
    given = parse_choice(question, text, lang)
    shown_given, shown_want = _option_text(given, lang), _option_text(want, lang)
    correct = given is want
    detail = "" if correct else message("choice_wrong", lang, given=shown_given)
    return Verdict(correct, shown_given, shown_want, detail)


# ---------------------------------------------------------------- order

_ORDER_SPLIT = re.compile(r"(?:->|=>|[>,;\s-])+")
_ORDER_TOKEN = re.compile(r"[A-Za-z0-9_]+")


def _order_key(token: str) -> str:
    """One item normalised: "L2", "l2" and "2" are the same layer; words ignore case."""
    match = re.fullmatch(r"[lL](\d+)", token)
    if match:
        return str(int(match[1]))
    if token.isdigit():
        return str(int(token))
    return token.lower()


def _order_tokens(text: str) -> list[str] | None:
    tokens = [token for token in _ORDER_SPLIT.split(text) if token]
    if not tokens or not all(_ORDER_TOKEN.fullmatch(token) for token in tokens):
        return None
    return tokens


def parse_order(text: str, lang: str = "en") -> list[str]:
    """The items in the order given, as typed ("L2 -> L1 -> L0" gives ["L2", "L1", "L0"])."""
    text = _clean(text, lang)
    tokens = _order_tokens(text)
    if tokens is None:
        raise AnswerError(message("not_order", lang, text=_shown(text)))
    return tokens


def _order_item(x: Any) -> str | None:
    """A whole number (an index, a layer number) as an item, or None."""
    if isinstance(x, bool):
        return None
    if isinstance(x, float) and x.is_integer() and abs(x) < _MAX_SIZE:
        x = int(x)
    if isinstance(x, int) and abs(x) < _MAX_SIZE:
        return str(x)
    return None


def _expected_order(expected: Value, lang: str) -> list[str]:
    items: list[str | None] | None = None
    if isinstance(expected, ListValue):
        items = []
        for item in expected.items:
            if isinstance(item, NumberValue):
                items.append(_order_item(item.value))
            elif isinstance(item, TextValue) and _ORDER_TOKEN.fullmatch(item.text.strip()):
                items.append(item.text.strip())
            else:
                items.append(None)
    elif isinstance(expected, TensorValue) and len(expected.shape) == 1:
        items = [_order_item(x) for x in expected.flat()]
    elif isinstance(expected, TextValue):
        items = list(_order_tokens(expected.text.translate(_LOOKALIKES)) or [])
    if not items or any(item is None for item in items):
        raise _unusable("order", expected, lang)
    return [item for item in items if item is not None]


def _order_display(items: list[str]) -> tuple[list[str], str]:
    return [_order_key(item) for item in items], " -> ".join(items)


def _check_order(question: Any, want_items: list[str], text: str, lang: str) -> Verdict:
    want, shown_want = _order_display(want_items)
    given_items = parse_order(text, lang)
    given = [_order_key(item) for item in given_items]
    # Show the learner's items in the lesson's spelling ("2" typed, "L2" shown).
    spelling = dict(zip(want, want_items))
    shown_given = " -> ".join(spelling.get(key, raw) for key, raw in zip(given, given_items))
    if given == want:
        return Verdict(True, shown_given, shown_want, "")
    if sorted(given) == sorted(want):
        right = sum(a == b for a, b in zip(given, want))
        detail = message("order_place", lang, right=right, total=len(want))
    elif set(given) == set(want):
        detail = message("order_repeat", lang, expected=len(want), given=len(given))
    else:
        parts = []
        missing = [spelling[key] for key in dict.fromkeys(want) if key not in given]
        extra = [raw for key, raw in dict.fromkeys(zip(given, given_items)) if key not in want]
        if missing:
            parts.append(message("order_missing", lang, items=", ".join(missing)))
        if extra:
            parts.append(message("order_extra", lang, items=", ".join(extra)))
        detail = message("order_items", lang, parts="; ".join(parts))
    return Verdict(False, shown_given, shown_want, detail, detail)  # names no place: gives nothing away


_READERS: dict[str, Callable[[Any, str], Any]] = {
    "shape": _expected_shape,
    "sign": _expected_sign,
    "order": _expected_order,
}

_CHECKERS: dict[str, Callable[[Any, Any, str, str], Verdict]] = {
    "number": _check_number,
    "shape": _check_shape,
    "sign": _check_sign,
    "choice": _check_choice,
    "order": _check_order,
}
