"""The class as the instructor sees it (issue 12).

`normalised_answer` reads an answer the way the checker does, so answers
that mean the same ("8x16", "8, 16", "(8, 16)") count as one on the
instructor's console. It is built on tutor.checking's parsers: data, never
code.
"""

from __future__ import annotations

from typing import Any

from tutor import checking


def normalised_answer(question: Any, text: str, lang: str) -> str:
    """The answer as the checker read it: a shape "8x16" -> "8, 16", a number
    "0,5" -> "0.5", a choice -> its option's key, an order -> its items
    joined by ", ", a sign -> "+" / "-" / "0"; text that does not parse ->
    the stripped text, lower-cased."""
    kind = str(getattr(question, "kind", "")).strip().lower()
    try:
        if kind == "shape":
            return ", ".join(str(n) for n in checking.parse_shape(text, lang))
        if kind == "number":
            value = checking.parse_number(text, lang)
            return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))
        if kind == "choice":
            return str(getattr(checking.parse_choice(question, text, lang), "key", text)).lower()
        if kind == "order":
            return ", ".join(checking.parse_order(text, lang)).lower()
        if kind == "sign":
            sign = checking.parse_sign(text, lang, directions=checking.asks_direction(question))
            return {1: "+", -1: "-", 0: "0"}[sign]
    except (checking.AnswerError, TypeError, ValueError, OverflowError):
        pass
    return " ".join(str(text).split()).lower()
