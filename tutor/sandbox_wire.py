"""The one JSON document a sandboxed child sends back, both ends of it.

The child turns each captured object into plain data (`encode_value`); the
tutor parses the document strictly (`parse_result`): every key, type, depth
and size is checked, and anything else is refused. Nothing from the child is
unpickled or executed, so a learner's code can at worst send a wrong
document, which is reported as such.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

from .values import ListValue, NumberValue, TensorValue, TextValue, Value

VERSION = 1
MAX_ELEMENTS = 20_000  # a tensor's entries sent in full; larger ones send shape and dtype
MAX_TEXT = 2_000  # a repr, an error message, a line of code
MAX_ITEMS = 200  # a list's items
MAX_DEPTH = 8
_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}


class WireError(ValueError):
    """The child's document does not match the schema."""


@dataclass(frozen=True)
class Captured:
    """One checked name or expression, as the child saw it.

    `value` is None when evaluating the expression raised (`error` says how).
    `same_object` is whether it is the very object it was before the code
    ran (`id()` compared in the child); None when it had no value before."""

    value: Value | None
    same_object: bool | None = None
    error: str | None = None


@dataclass(frozen=True)
class LearnerError:
    """The exception the learner's code raised: never a traceback."""

    type: str
    message: str
    line: int | None = None  # 1-based line of the learner's code
    text: str | None = None  # that line


@dataclass(frozen=True)
class ChildReport:
    """What the child sent."""

    completed: bool  # the code ran to its end
    output: str
    output_truncated: bool
    error: LearnerError | None
    before: dict[str, Captured] = field(default_factory=dict)
    after: dict[str, Captured] = field(default_factory=dict)


# ------------------------------------------------------------------ child side


def clip(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _number(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else ("inf" if x > 0 else "-inf")
    return x


def _nested(data: Any) -> Any:
    if isinstance(data, list):
        return [_nested(item) for item in data]
    return _number(data)


def encode_value(obj: Any, depth: int = 0) -> dict:
    """Plain data for one object; never raises for odd objects (they become text)."""
    import sys

    torch = sys.modules.get("torch")
    if isinstance(obj, (bool, int, float)):
        if isinstance(obj, int) and not isinstance(obj, bool) and abs(obj) > 2**63:
            return {"t": "text", "v": clip(repr(obj))}
        return {"t": "number", "v": _number(obj)}
    if torch is not None and isinstance(obj, torch.Tensor):
        t = obj.detach().cpu()
        out = {
            "t": "tensor",
            "shape": [int(s) for s in t.shape],
            "dtype": str(t.dtype).removeprefix("torch."),
            "grad": bool(obj.requires_grad),
        }
        if t.numel() <= MAX_ELEMENTS and not t.is_complex():
            out["data"] = _nested(t.tolist())
        return out
    if isinstance(obj, (list, tuple)) and depth < MAX_DEPTH:
        return {"t": "list", "items": [encode_value(item, depth + 1) for item in list(obj)[:MAX_ITEMS]]}
    if isinstance(obj, str):
        return {"t": "text", "v": clip(obj)}
    try:
        text = repr(obj)
    except Exception as exc:  # a learner's class with a broken __repr__
        text = f"<{type(obj).__name__}: repr failed: {type(exc).__name__}>"
    return {"t": "text", "v": clip(text)}


def encode_report(report: dict) -> bytes:
    return json.dumps(report, allow_nan=False, ensure_ascii=True).encode("ascii")


# ------------------------------------------------------------------ tutor side


def _want(cond: bool, what: str) -> None:
    if not cond:
        raise WireError(what)


def _str(x: Any, what: str, limit: int) -> str:
    _want(isinstance(x, str) and len(x) <= limit, f"{what}: not a string of at most {limit} characters")
    return x


def _scalar(x: Any) -> int | float | bool:
    if isinstance(x, str):
        _want(x in _NONFINITE, "a number written as text")
        return _NONFINITE[x]
    _want(isinstance(x, (int, float, bool)), "not a number")
    return x


def _data(x: Any, shape: list[int]) -> Any:
    if not shape:
        return _scalar(x)
    _want(isinstance(x, list) and len(x) == shape[0], "tensor data does not match its shape")
    return [_data(item, shape[1:]) for item in x]


def parse_value(d: Any, depth: int = 0) -> Value:
    _want(isinstance(d, dict) and depth <= MAX_DEPTH, "a value is not an object")
    kind = d.get("t")
    if kind == "number":
        _want(set(d) == {"t", "v"}, "number keys")
        v = d["v"]
        return NumberValue(v if isinstance(v, bool) else _scalar(v))
    if kind == "text":
        _want(set(d) == {"t", "v"}, "text keys")
        return TextValue(_str(d["v"], "text", MAX_TEXT))
    if kind == "list":
        _want(set(d) == {"t", "items"} and isinstance(d["items"], list) and len(d["items"]) <= MAX_ITEMS,
              "list keys")
        return ListValue(tuple(parse_value(item, depth + 1) for item in d["items"]))
    if kind == "tensor":
        _want(set(d) in ({"t", "shape", "dtype", "grad"}, {"t", "shape", "dtype", "grad", "data"}), "tensor keys")
        shape = d["shape"]
        _want(isinstance(shape, list) and len(shape) <= MAX_DEPTH
              and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape), "tensor shape")
        _want(isinstance(d["grad"], bool), "tensor grad flag")
        dtype = _str(d["dtype"], "dtype", 40)
        if "data" not in d:
            return TensorValue(tuple(shape), dtype, [], d["grad"])
        _want(math.prod(shape) <= MAX_ELEMENTS, "tensor too large")
        return TensorValue(tuple(shape), dtype, _data(d["data"], shape), d["grad"])
    raise WireError(f"unknown value kind {kind!r}")


def _captured(d: Any) -> Captured:
    _want(isinstance(d, dict), "a capture is not an object")
    if "error" in d:
        _want(set(d) == {"error"}, "capture keys")
        return Captured(None, None, _str(d["error"], "capture error", MAX_TEXT))
    _want(set(d) == {"value", "same"} and (d["same"] is None or isinstance(d["same"], bool)), "capture keys")
    return Captured(parse_value(d["value"]), d["same"])


def _captures(d: Any, exprs: tuple[str, ...]) -> dict[str, Captured]:
    _want(isinstance(d, dict) and set(d) <= set(exprs), "captured names are not the ones asked for")
    return {expr: _captured(d[expr]) for expr in exprs if expr in d}


def parse_result(raw: bytes, exprs: tuple[str, ...], output_limit: int) -> ChildReport:
    """The child's document, checked against the schema; WireError otherwise."""
    try:
        doc = json.loads(raw.decode("ascii"), parse_constant=lambda c: _want(False, "NaN in JSON"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise WireError(f"not JSON: {type(exc).__name__}") from None
    _want(isinstance(doc, dict), "the document is not an object")
    _want(set(doc) == {"v", "completed", "output", "truncated", "error", "before", "after"},
          "the document's keys")
    _want(doc["v"] == VERSION, "the document's version")
    _want(isinstance(doc["completed"], bool) and isinstance(doc["truncated"], bool), "flags")
    output = _str(doc["output"], "output", output_limit)
    error = None
    if doc["error"] is not None:
        e = doc["error"]
        _want(isinstance(e, dict) and set(e) == {"type", "message", "line", "text"}, "error keys")
        line = e["line"]
        _want(line is None or (isinstance(line, int) and not isinstance(line, bool) and line > 0), "error line")
        text = e["text"]
        error = LearnerError(
            _str(e["type"], "error type", 100),
            _str(e["message"], "error message", MAX_TEXT),
            line,
            None if text is None else _str(text, "error text", MAX_TEXT),
        )
    return ChildReport(
        completed=doc["completed"],
        output=output,
        output_truncated=doc["truncated"],
        error=error,
        before=_captures(doc["before"], exprs),
        after=_captures(doc["after"], exprs),
    )
