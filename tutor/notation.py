"""How the tutor writes numbers and shapes: one vocabulary for every screen.

The values pane, the verdict of a question, the status line, the plot's
summary, `tutor show` and `tutor progress` all write numbers and shapes
through this module, so a learner never reads `8x16` in one place and
`8 x 16` in another, or `-3.26` under a caption "x 1e-3" for a number that
is `-0.00326`.

The rules:

- A number is written as itself, with up to `digits` significant digits:
  `-0.00326`, `0.25`, `1.5e-5`, `2.5e20`. An exponent has no `+` and no
  leading zeros. Zero is `0`, never `-0`; `nan`, `inf` and `-inf` are
  written so.
- Whole numbers too large for a float (`10 ** 400`) are written in the same
  scientific form (`1e400`), computed exactly on the integer: writing a
  number never raises.
- In Portuguese prose (`lang="pt"`) the decimal separator is a comma:
  `0,25`. Values of code (the grid of a tensor, a shown expression, the
  code pane) keep Python's point: callers pass `lang` only where the number
  sits in a sentence.
- `signed=True` writes `+` before a positive number (the values pane marks
  signs so that they read without colour); zero stays unsigned.
- A grid entry (`cell`) is fixed point with `digits` decimals when that
  shows it well (1e-4 <= |x| < 1e5), else scientific; always signed.
- Text cut to fit (a lesson's title in a table, a quoted answer) ends in
  `…`, wherever it is cut: `shortened`.
- A shape is its sizes joined by `x`: `8x16`, `16`, `2x3x4`; a 0-dimension
  shape is the word `scalar` (`escalar`). The checker reads back every one
  of these forms.

Nothing here imports textual, rich or torch.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

SCALAR = {"en": "scalar", "pt": "escalar"}

# Whole numbers up to this size are written digit by digit (exact).
_EXACT_INT_DIGITS = 15


def shortened(text: str, width: int, *, at_word: bool = False) -> str:
    """`text` in at most `width` characters: whole if it fits, else cut with
    a final `…` (and no space before it), so every cut label in the tutor
    reads the same. Width 0 gives "".

    `at_word=True` ends the cut at the last whole word when that keeps at
    least two thirds of the room (a title reads "Atualização manual dos
    parâmetros…", not "... parâmetros do mo…"); a text with no such word
    boundary is cut where it must be."""
    if len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    cut = text[: width - 1]
    if at_word and not text[width - 1].isspace():
        space = cut.rfind(" ")
        if space >= (2 * (width - 1)) // 3:
            cut = cut[:space]
    return cut.rstrip() + "…"


def shortened_apart(texts: Iterable[str], width: int) -> dict[str, str]:
    """Each of `texts` in at most `width` characters, still told apart: cut
    at the end (`shortened`), except where two would then read the same
    (`backprop-order`, `backprop-pytorch` -> `backprop-…`): those keep their
    start and their end (`back…order`, `back…torch`)."""
    texts = list(dict.fromkeys(texts))
    cut = {text: shortened(text, width) for text in texts}
    seen: dict[str, int] = {}
    for label in cut.values():
        seen[label] = seen.get(label, 0) + 1
    for text in texts:
        if seen[cut[text]] > 1 and width >= 3:
            head = (width - 1) // 2
            cut[text] = text[:head] + "…" + text[len(text) - (width - 1 - head) :]
    return cut


def number(x: object, digits: int = 6, *, lang: str = "en", signed: bool = False) -> str:
    """`x` as a learner reads it in a sentence or a verdict (see the module's rules)."""
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        text = _int_text(x, digits)
    elif isinstance(x, float):
        text = _float_text(x, digits)
    else:
        try:
            text = _float_text(float(x), digits)  # type: ignore[arg-type]  # numpy scalars, Fraction, Decimal
        except (TypeError, ValueError, OverflowError):
            return str(x)
    if signed and text not in ("0", "nan") and not text.startswith("-"):
        text = "+" + text
    return _decimal_mark(text, lang)


def cell(x: object, digits: int = 4) -> str:
    """A grid entry: signed fixed point with `digits` decimals when
    10**-digits <= |x| < 1e5, else signed scientific; zero is ` 0.0000`
    (a space where the sign would be, so columns line up)."""
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        if abs(x) < 10**_EXACT_INT_DIGITS:
            return f"{x:+d}" if x else "0"
        return number(x, digits, signed=True)
    if not isinstance(x, float):
        try:
            x = float(x)  # type: ignore[arg-type]  # numpy scalars
        except (TypeError, ValueError, OverflowError):
            return str(x)  # a complex entry, as Python writes it
    if not math.isfinite(x):
        return number(x, signed=True)
    if x == 0:
        return " 0." + "0" * digits
    if 10**-digits <= abs(x) < 1e5:
        return fixed(x, digits)
    return _exponent(f"{x:+.{max(digits - 1, 1)}e}")


def fixed(x: float, decimals: int, *, signed: bool = True) -> str:
    """`x` with exactly `decimals` decimals. A value that rounds to zero is
    written as zero without a sign (` 0.00` when signed, so columns line up):
    never `-0.00`."""
    text = f"{x:+.{decimals}f}" if signed else f"{x:.{decimals}f}"
    if not text.lstrip("+-").replace("0", "").replace(".", ""):
        zero = f"{0:.{decimals}f}"
        return " " + zero if signed else zero
    return text


def power_of_ten(exponent: int) -> str:
    """`1e-3`, `1e2`: a factor written as the numbers are."""
    return f"1e{exponent}"


def shape(dims: Iterable[int], lang: str = "en") -> str:
    """`8x16`, `16`, or `scalar` for a 0-dimension shape."""
    sizes = [number(int(d)) for d in dims]
    if not sizes:
        return SCALAR.get(lang, SCALAR["en"])
    return "x".join(sizes)


def exact(x: object, dtype: str = "float64") -> str:
    """An entry in full precision, signed: as many digits as its dtype holds
    (the values pane's cursor line, where a learner asks for every digit)."""
    if isinstance(x, bool) or dtype == "bool":
        return str(bool(x))
    if not isinstance(x, (int, float)):
        return str(x)
    if isinstance(x, int) and not dtype.startswith(("float", "bfloat", "complex")):
        try:
            return f"{x:+d}" if x else "0"
        except ValueError:  # more than 4300 digits: no tensor holds that
            return number(x, signed=True)
    try:
        x = float(x)
    except OverflowError:
        return number(x, signed=True)
    if not math.isfinite(x) or x == 0:
        return number(x, signed=True)
    if dtype in ("float32", "float16"):
        import numpy  # lazily: only when a learner asks for an exact entry

        short = str(getattr(numpy, dtype)(x))  # shortest text that round-trips
        return _exponent(short) if short.startswith("-") else "+" + _exponent(short)
    if dtype == "bfloat16":
        return number(x, 4, signed=True)
    return _exponent(f"{x:+}")  # float64: repr, the shortest round-trip text


# ---------------------------------------------------------------- helpers


def _float_text(x: float, digits: int) -> str:
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"  # also -0.0
    return _exponent(f"{x:.{max(digits, 1)}g}")


def _int_text(x: int, digits: int) -> str:
    """A whole number: every digit when it is short, else `d.ddde{n}`,
    rounded on the integer itself (no float, so 10 ** 400 is fine)."""
    size = abs(x)
    if size < 10**_EXACT_INT_DIGITS:
        return str(x)
    digits = max(digits, 1)
    exp = _digit_count(size) - 1
    unit = 10 ** (exp - digits + 1)
    mantissa, rest = divmod(size, unit)
    if 2 * rest >= unit:  # round half up on the integer
        mantissa += 1
        if mantissa == 10**digits:
            mantissa //= 10
            exp += 1
    lead = str(mantissa)
    body = (lead[0] + "." + lead[1:]).rstrip("0").rstrip(".")
    return ("-" if x < 0 else "") + f"{body}e{exp}"


def _digit_count(n: int) -> int:
    """Decimal digits of n > 0, without str() (refused beyond 4300 digits)."""
    guess = max(1, int(n.bit_length() * 0.30102999566398120))  # log10(2)
    while 10**guess <= n:
        guess += 1
    while guess > 1 and 10 ** (guess - 1) > n:
        guess -= 1
    return guess


def _exponent(text: str) -> str:
    """`1.5e-05` -> `1.5e-5`, `2e+20` -> `2e20`."""
    if "e" not in text:
        return text
    mantissa, exp = text.split("e")
    return f"{mantissa}e{int(exp)}"


def _decimal_mark(text: str, lang: str) -> str:
    return text.replace(".", ",") if lang == "pt" else text
