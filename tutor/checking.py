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
  correct within the question's absolute tolerance (default 1e-3).
- shape: ``8, 16``, ``8x16``, ``(8, 16)``, ``[8,16]``, ``torch.Size([8, 16])``.
- sign: ``+``/``-``/``0``, ``positive``/``negative``/``zero``, ``positivo``/
  ``negativo``/``zero``/``nulo`` (a number counts by its sign); the expected
  sign is zero when ``|x| <= tolerance``.
- choice: an option key (any case) or its 1-based number.
- order: ``2 1 0``, ``2,1,0``, ``L2 L1 L0``, ``L2 -> L1 -> L0``.

`check` returns a `Verdict` for an answer it could read and raises
`AnswerError` (a short message in the learner's language) for one it could
not: a learner who typed nonsense gets told how to write the answer, not
that they were wrong.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from tutor.i18n import Catalog
from tutor.values import ListValue, NumberValue, TensorValue, TextValue, Value, as_float, as_shape

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
    "two_separators": {
        "en": "Use one decimal separator, a point or a comma, not both: “{text}”.",
        "pt": "Use um só separador decimal, ponto ou vírgula, não os dois: “{text}”.",
    },
    "zero_division": {
        "en": "“{text}” divides by zero.",
        "pt": "“{text}” divide por zero.",
    },
    "not_shape": {
        "en": "“{text}” is not a shape. Write the sizes like 8, 16 or 8x16 or (8, 16).",
        "pt": "“{text}” não é um formato. Escreva os tamanhos como 8, 16 ou 8x16 ou (8, 16).",
    },
    "shape_size": {
        "en": "Each size in a shape is a whole number of 0 or more; “{token}” is not.",
        "pt": "Cada tamanho de um formato é um número inteiro, 0 ou mais; “{token}” não é.",
    },
    "not_sign": {
        "en": "“{text}” is not a sign. Answer +, - or 0 (positive, negative or zero).",
        "pt": "“{text}” não é um sinal. Responda +, - ou 0 (positivo, negativo ou zero).",
    },
    "not_choice": {
        "en": "“{text}” is not one of the options. Answer {keys} (or 1-{count}).",
        "pt": "“{text}” não é uma das opções. Responda {keys} (ou 1-{count}).",
    },
    "not_order": {
        "en": "“{text}” is not an order. List the items separated by spaces, commas or ->, like L2 L1 L0.",
        "pt": "“{text}” não é uma ordem. Liste os itens separados por espaços, vírgulas ou ->, como L2 L1 L0.",
    },
    "no_expected": {
        "en": "This question has no live answer to compare with (did the step's code fail?).",
        "pt": "Esta pergunta não tem valor calculado para comparar (o código do passo falhou?).",
    },
    "bad_expected": {
        "en": "The lesson's answer for this {kind} question is not usable: {value}.",
        "pt": "A resposta da lição para esta pergunta do tipo {kind} não pode ser usada: {value}.",
    },
    "bad_kind": {
        "en": "Unknown question kind “{kind}”.",
        "pt": "Tipo de pergunta desconhecido “{kind}”.",
    },
    # verdict details
    "number_within": {
        "en": "within {tol} of the live value (off by {diff})",
        "pt": "a menos de {tol} do valor calculado (diferença de {diff})",
    },
    "number_exact": {
        "en": "exactly the live value",
        "pt": "exatamente o valor calculado",
    },
    "number_high": {
        "en": "too high by {diff} (allowed: ±{tol})",
        "pt": "alto demais: {diff} acima (tolerância: ±{tol})",
    },
    "number_low": {
        "en": "too low by {diff} (allowed: ±{tol})",
        "pt": "baixo demais: {diff} abaixo (tolerância: ±{tol})",
    },
    "number_flipped": {
        "en": "right size, wrong sign",
        "pt": "tamanho certo, sinal errado",
    },
    "number_nan": {
        "en": "the live value is {expected}",
        "pt": "o valor calculado é {expected}",
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
    "sign_value": {
        "en": "the live value is {value}",
        "pt": "o valor calculado é {value}",
    },
    "sign_near_zero": {
        "en": "the live value is {value}, within {tol} of zero",
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
    "scalar_shape": {"en": "() (a scalar)", "pt": "() (um escalar)"},
})


def message(key: str, lang: str, **fmt: Any) -> str:
    """One of this module's strings in `lang` (English when the language is unknown)."""
    return MESSAGES.get(key, lang, **fmt)


class AnswerError(ValueError):
    """An answer the checker could not read; `.message` says how to write it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Verdict:
    correct: bool
    given: str  # the parsed answer as displayed
    expected: str  # the live value as displayed
    detail: str  # how far off, in the learner's language ("" when nothing to add)


def check(question: Any, expected: Value | None, text: str, lang: str) -> Verdict:
    """Read `text` as an answer to `question` and compare it with the live value.

    Raises AnswerError for input that is not an answer of the question's kind
    (and for a question whose live value cannot serve as an answer).
    """
    kind = _kind(question, lang)
    cleaned = _clean(text, lang)
    if expected is None:
        raise AnswerError(message("no_expected", lang))
    return _CHECKERS[kind](question, expected, cleaned, lang)


def expected_text(question: Any, expected: Value | None, lang: str) -> str:
    """The live answer as the learner reads it (for the reveal and `{answer}` in explain)."""
    kind = _kind(question, lang)
    if expected is None:
        raise AnswerError(message("no_expected", lang))
    if kind == "number":
        return _fmt(_expected_number(expected, kind, lang))
    if kind == "shape":
        return _shape_text(_expected_shape(expected, lang), lang)
    if kind == "sign":
        value = _expected_number(expected, kind, lang)
        return _sign_text(_sign_of(value, _tolerance(question)), lang)
    if kind == "choice":
        return _option_text(_expected_option(question, expected, lang), lang)
    return _order_display(_expected_order(expected, lang))[1]


# ---------------------------------------------------------------- shared


def _kind(question: Any, lang: str) -> str:
    kind = str(getattr(question, "kind", "")).strip().lower()
    if kind not in _CHECKERS:
        raise AnswerError(message("bad_kind", lang, kind=kind))
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
    tol = getattr(question, "tolerance", None)
    try:
        tol = float(tol)
    except (TypeError, ValueError):
        return DEFAULT_TOLERANCE
    return tol if math.isfinite(tol) and tol >= 0 else DEFAULT_TOLERANCE


def _shown(text: str) -> str:
    """The learner's text quoted back in a message: short and on one line."""
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= 40 else one_line[:39] + "…"


def _describe(value: Value) -> str:
    if isinstance(value, TensorValue):
        return f"tensor of shape {tuple(value.shape)}"
    if isinstance(value, NumberValue):
        return repr(value.value)
    if isinstance(value, TextValue):
        return _shown(value.text)
    return _shown(repr(value))


def _fmt(x: float) -> str:
    """A number as the verdict shows it: up to six significant digits, no noise."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    return f"{x:.6g}"


def _fmt_diff(x: float) -> str:
    return f"{x:.3g}"


# ---------------------------------------------------------------- number

_NUMBER = re.compile(
    r"""
    (?P<sign>[+-])?\s*
    (?:(?P<int>\d+)(?:[.,](?P<frac>\d*))? | [.,](?P<frac_only>\d+))
    (?:[eE](?P<exp>[+-]?\d{1,6}))?
    """,
    re.VERBOSE,
)
_SPECIAL = {"nan": math.nan, "inf": math.inf, "infinity": math.inf, "infinito": math.inf}


def parse_number(text: str, lang: str = "en") -> float:
    """A learner's number: decimal point or comma, exponent, `a/b` fractions, inf and nan."""
    text = _clean(text, lang)
    if text.count("/") == 1:
        top, bottom = (part.strip() for part in text.split("/"))
        numerator, denominator = _plain_number(top, text, lang), _plain_number(bottom, text, lang)
        if denominator == 0:
            raise AnswerError(message("zero_division", lang, text=_shown(text)))
        return numerator / denominator
    return _plain_number(text, text, lang)


def _plain_number(part: str, whole: str, lang: str) -> float:
    word = part.lower().lstrip("+-")
    if word in _SPECIAL:
        value = _SPECIAL[word]
        return -value if part.startswith("-") else value
    if "." in part and "," in part:
        raise AnswerError(message("two_separators", lang, text=_shown(whole)))
    match = _NUMBER.fullmatch(part)
    if not match:
        raise AnswerError(message("not_number", lang, text=_shown(whole)))
    whole_digits = match["int"] or "0"
    frac = match["frac"] or match["frac_only"] or "0"
    # A canonical string built from digits only: float() of it is safe and exact.
    canonical = f"{match['sign'] or ''}{whole_digits}.{frac}e{match['exp'] or '0'}"
    return float(canonical)


def _expected_number(expected: Value, kind: str, lang: str) -> float:
    value = as_float(expected)
    if value is None and isinstance(expected, TextValue):
        try:
            value = _plain_number(expected.text.strip(), expected.text, "en")
        except AnswerError:
            value = None
    if value is None:
        raise AnswerError(message("bad_expected", lang, kind=kind, value=_describe(expected)))
    return value


def _within(given: float, want: float, tol: float) -> bool:
    # A hair of slack so that 0.26 against 0.25 with tolerance 0.01 counts as
    # within, despite binary floating point (0.26 - 0.25 = 0.010000000000000009).
    return abs(given - want) <= tol * (1 + 1e-9) + 1e-12


def _check_number(question: Any, expected: Value, text: str, lang: str) -> Verdict:
    want = _expected_number(expected, "number", lang)
    given = parse_number(text, lang)
    tol = _tolerance(question)
    shown_given, shown_want = _fmt(given), _fmt(want)
    if math.isnan(want) or math.isnan(given) or math.isinf(want) or math.isinf(given):
        correct = (math.isnan(want) and math.isnan(given)) or (
            math.isinf(want) and given == want
        )
        detail = "" if correct else message("number_nan", lang, expected=shown_want)
        return Verdict(correct, shown_given, shown_want, detail)
    diff = given - want
    if _within(given, want, tol):
        if diff == 0:
            detail = message("number_exact", lang)
        else:
            detail = message("number_within", lang, tol=_fmt(tol), diff=_fmt_diff(abs(diff)))
        return Verdict(True, shown_given, shown_want, detail)
    key = "number_high" if diff > 0 else "number_low"
    detail = message(key, lang, diff=_fmt_diff(abs(diff)), tol=_fmt(tol))
    if want != 0 and _within(-given, want, tol):
        detail = message("number_flipped", lang) + "; " + detail
    return Verdict(False, shown_given, shown_want, detail)


# ---------------------------------------------------------------- shape

_TORCH_SIZE = re.compile(r"torch\s*\.\s*size\s*\((?P<inner>.*)\)", re.IGNORECASE | re.DOTALL)
_SHAPE_SPLIT = re.compile(r"\s*[,xX*]\s*|\s+")
_PAIRS = {"(": ")", "[": "]"}


def parse_shape(text: str, lang: str = "en") -> tuple[int, ...]:
    """A learner's shape: sizes separated by commas, x or spaces, optionally bracketed."""
    text = _clean(text, lang)
    body = text
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


def _shape_text(shape: tuple[int, ...], lang: str) -> str:
    if not shape:
        return message("scalar_shape", lang)
    return " x ".join(str(size) for size in shape)


def _expected_shape(expected: Value, lang: str) -> tuple[int, ...]:
    shape = as_shape(expected)
    if shape is None and isinstance(expected, TextValue):
        try:
            shape = parse_shape(expected.text, "en")
        except AnswerError:
            shape = None
    if shape is None:
        raise AnswerError(message("bad_expected", lang, kind="shape", value=_describe(expected)))
    return shape


def _check_shape(question: Any, expected: Value, text: str, lang: str) -> Verdict:
    want = _expected_shape(expected, lang)
    given = parse_shape(text, lang)
    shown_given, shown_want = _shape_text(given, lang), _shape_text(want, lang)
    if given == want:
        return Verdict(True, shown_given, shown_want, "")
    if len(given) != len(want):
        detail = message(
            "shape_rank", lang, expected=shown_want, want=len(want), given=shown_given, got=len(given)
        )
    elif sorted(given) == sorted(want):
        detail = message("shape_order", lang, expected=shown_want, given=shown_given)
    else:
        detail = message("shape_wrong", lang, expected=shown_want, given=shown_given)
    return Verdict(False, shown_given, shown_want, detail)


# ---------------------------------------------------------------- sign

_SIGN_WORDS = {
    1: {"+", "positive", "pos", "positivo", "positiva", ">0", "plus", "mais"},
    -1: {"-", "negative", "neg", "negativo", "negativa", "<0", "minus", "menos"},
    0: {"0", "zero", "nulo", "nula", "=0", "none"},
}


def parse_sign(text: str, lang: str = "en") -> int:
    """+1, -1 or 0 from a sign, a word in English or Portuguese, or a number."""
    text = _clean(text, lang)
    word = re.sub(r"\s+", "", text.lower()).rstrip(".!")
    for sign, words in _SIGN_WORDS.items():
        if word in words:
            return sign
    try:
        value = _plain_number(text, text, lang)
    except AnswerError:
        raise AnswerError(message("not_sign", lang, text=_shown(text))) from None
    if math.isnan(value):
        raise AnswerError(message("not_sign", lang, text=_shown(text)))
    return (value > 0) - (value < 0)


def _sign_of(value: float, tol: float) -> int:
    if abs(value) <= tol:
        return 0
    return 1 if value > 0 else -1


def _sign_text(sign: int, lang: str) -> str:
    return message({1: "sign_positive", -1: "sign_negative", 0: "sign_zero"}[sign], lang)


def _check_sign(question: Any, expected: Value, text: str, lang: str) -> Verdict:
    value = _expected_number(expected, "sign", lang)
    tol = _tolerance(question)
    given = parse_sign(text, lang)
    if math.isnan(value):
        raise AnswerError(message("bad_expected", lang, kind="sign", value="nan"))
    want = _sign_of(value, tol)
    if want == 0 and value != 0:
        detail = message("sign_near_zero", lang, value=_fmt(value), tol=_fmt(tol))
    else:
        detail = message("sign_value", lang, value=_fmt(value))
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
    if isinstance(expected, TextValue):
        key = expected.text
    elif isinstance(expected, NumberValue) and not isinstance(expected.value, float):
        key = str(expected.value)
    else:
        key = None
    option = _find_option(_options(question), key) if key is not None else None
    if option is None:
        raise AnswerError(message("bad_expected", lang, kind="choice", value=_describe(expected)))
    return option


def _check_choice(question: Any, expected: Value, text: str, lang: str) -> Verdict:
    want = _expected_option(question, expected, lang)
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


def _expected_order(expected: Value, lang: str) -> list[str]:
    items: list[str] | None = []
    if isinstance(expected, ListValue):
        for item in expected.items:
            if isinstance(item, NumberValue) and not isinstance(item.value, float):
                items.append(str(item.value))
            elif isinstance(item, TextValue) and _ORDER_TOKEN.fullmatch(item.text.strip()):
                items.append(item.text.strip())
            else:
                items = None
                break
    elif isinstance(expected, TensorValue) and len(expected.shape) == 1:
        flat = expected.flat()
        if all(float(x).is_integer() for x in flat):
            items = [str(int(x)) for x in flat]
        else:
            items = None
    elif isinstance(expected, TextValue):
        items = _order_tokens(expected.text.translate(_LOOKALIKES))
    else:
        items = None
    if not items:
        raise AnswerError(message("bad_expected", lang, kind="order", value=_describe(expected)))
    return items


def _order_display(items: list[str]) -> tuple[list[str], str]:
    return [_order_key(item) for item in items], " -> ".join(items)


def _check_order(question: Any, expected: Value, text: str, lang: str) -> Verdict:
    want_items = _expected_order(expected, lang)
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
    return Verdict(False, shown_given, shown_want, detail)


_CHECKERS = {
    "number": _check_number,
    "shape": _check_shape,
    "sign": _check_sign,
    "choice": _check_choice,
    "order": _check_order,
}
