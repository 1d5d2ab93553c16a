"""Snapshots of live values, detached from torch.

A step shows tensors, numbers and lists. The runner captures each one the
moment the step finishes (`capture`), so later steps that update a weight in
place cannot change what an earlier step showed, and the screens, the JSON
output and the checker never need torch to read them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

Nested = float | int | bool | list


@dataclass(frozen=True)
class TensorValue:
    """A tensor's shape, dtype and complete data as nested Python lists."""

    shape: tuple[int, ...]
    dtype: str
    data: Nested
    requires_grad: bool = False

    @property
    def numel(self) -> int:
        return math.prod(self.shape) if self.shape else 1

    def flat(self) -> list:
        """Every entry in row-major order."""
        out: list = []

        def walk(item: Nested) -> None:
            if isinstance(item, list):
                for sub in item:
                    walk(sub)
            else:
                out.append(item)

        walk(self.data)
        return out

    def rows(self) -> list[list]:
        """A 2-D view for display: scalars are 1x1, vectors one row,
        higher ranks have their leading dimensions folded into rows."""
        flat = self.flat()
        if not self.shape:
            return [flat]
        cols = self.shape[-1] if self.shape[-1] else 0
        if len(self.shape) == 1:
            return [flat]
        if cols == 0:
            return []
        return [flat[i : i + cols] for i in range(0, len(flat), cols)]

    def minus(self, other: TensorValue) -> TensorValue | None:
        """Entry-wise `self - other`, or None when the shapes differ."""
        if not isinstance(other, TensorValue) or other.shape != self.shape:
            return None

        def sub(a: Nested, b: Nested) -> Nested:
            if isinstance(a, list):
                return [sub(x, y) for x, y in zip(a, b)]  # type: ignore[arg-type]
            return float(a) - float(b)  # type: ignore[arg-type]

        return TensorValue(self.shape, self.dtype, sub(self.data, other.data))


@dataclass(frozen=True)
class NumberValue:
    value: int | float | bool


@dataclass(frozen=True)
class ListValue:
    items: tuple[Value, ...]


@dataclass(frozen=True)
class TextValue:
    text: str


Value = TensorValue | NumberValue | ListValue | TextValue


# Limits of a snapshot. Lesson values are small (a 16x8 weight matrix);
# anything past these is shown as text with a note instead of being copied,
# so a mistaken `torch.zeros(10 ** 8)` or a self-containing list cannot
# exhaust memory, recursion or the JSON encoder.
MAX_ENTRIES = 100_000  # numbers in one tensor or list snapshot
MAX_DEPTH = 32  # nesting of lists in lists
MAX_TEXT = 10_000  # characters of a value shown as text


def capture(obj: Any) -> Value:
    """Snapshot `obj` as a Value. Never raises: what cannot be kept as numbers
    (a complex or nested tensor, an integer too large for a float, a huge or
    deeply nested list, an object whose repr fails) becomes text with a note."""
    try:
        return _capture(obj, 0, [0])
    except Exception as exc:  # an odd object's own methods failed
        return TextValue(_note(_safe_repr(obj), f"{type(exc).__name__} while capturing"))


def _capture(obj: Any, depth: int, count: list[int]) -> Value:
    if isinstance(obj, bool):
        return NumberValue(obj)
    if isinstance(obj, int):
        try:
            float(obj)  # beyond a float's range it is no number a learner can read
        except OverflowError:
            return TextValue(_big_int_text(obj))
        return NumberValue(int(obj))
    if isinstance(obj, float):
        return NumberValue(float(obj))
    torch = _loaded_torch()
    if torch is not None and isinstance(obj, torch.Tensor):
        return _capture_tensor(obj, torch, count)
    if isinstance(obj, (list, tuple)):  # torch.Size is a tuple
        if depth >= MAX_DEPTH:
            return TextValue(_note(_safe_repr(obj), "nested too deeply to show as a list"))
        count[0] += len(obj)
        if count[0] > MAX_ENTRIES:
            return TextValue(_note(_safe_repr(obj), f"more than {MAX_ENTRIES:,} items"))
        return ListValue(tuple(_capture(item, depth + 1, count) for item in obj))
    if isinstance(obj, str):
        return TextValue(_clip(str(obj)))
    return TextValue(_safe_repr(obj))


def _capture_tensor(obj: Any, torch: Any, count: list[int]) -> Value:
    t = obj.detach()
    if getattr(t, "is_nested", False) or t.layout != torch.strided:
        return TextValue(_note(_safe_repr(t), "a nested or sparse tensor, shown as text"))
    shape = "x".join(str(s) for s in t.shape) or "scalar"
    what = f"tensor {shape} {str(t.dtype).removeprefix('torch.')}"
    if t.is_complex():
        return TextValue(_note(_safe_repr(t), f"{what}: complex numbers are shown as text"))
    count[0] += t.numel()
    if count[0] > MAX_ENTRIES:
        return TextValue(f"{what} ({t.numel():,} entries, too many to show)")
    t = t.cpu()
    return TensorValue(
        tuple(int(s) for s in t.shape),
        str(t.dtype).removeprefix("torch."),
        t.tolist(),
        bool(obj.requires_grad),
    )


def _big_int_text(n: int) -> str:
    """An integer past a float's range, as its magnitude (its digits are
    more than Python will even print: 10 ** 5000 has 5001)."""
    digits = int(math.log10(abs(n))) + 1
    lead = str(abs(n) // 10 ** max(digits - 4, 0))  # the first digits, exactly
    sign = "-" if n < 0 else ""
    return f"{sign}{lead[0]}.{lead[1:]}e+{digits - 1} (an integer of {digits:,} digits, too large to show as a number)"


def _safe_repr(obj: Any) -> str:
    try:
        return _clip(repr(obj))
    except Exception as exc:
        return f"<{type(obj).__name__} object: its repr raised {type(exc).__name__}>"


def _clip(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[:MAX_TEXT] + f"… ({len(text):,} characters in all)"


def _note(text: str, why: str) -> str:
    return f"{text}\n({why})"


def _loaded_torch():
    """torch if something already imported it: capturing never imports it."""
    import sys

    return sys.modules.get("torch")


def to_json(value: Value) -> Any:
    """The JSON form promised by `show --json`: complete, not abbreviated."""
    if isinstance(value, TensorValue):
        return {"shape": list(value.shape), "dtype": value.dtype, "data": _json_safe(value.data)}
    if isinstance(value, NumberValue):
        return _json_safe(value.value)
    if isinstance(value, ListValue):
        return [to_json(item) for item in value.items]
    return value.text


def _json_safe(data: Any) -> Any:
    """JSON has no NaN or infinity: a diverged run writes them as strings."""
    if isinstance(data, list):
        return [_json_safe(item) for item in data]
    if isinstance(data, float) and not math.isfinite(data):
        return str(data)
    return data


def as_float(value: Value) -> float | None:
    """The value as one number, when it is one (a number or a one-element tensor)."""
    if isinstance(value, NumberValue):
        return float(value.value)
    if isinstance(value, TensorValue) and value.numel == 1:
        return float(value.flat()[0])
    return None


def as_shape(value: Value) -> tuple[int, ...] | None:
    """The value as a shape: a list of ints (torch.Size) or a tensor's shape."""
    if isinstance(value, ListValue) and all(
        isinstance(i, NumberValue) and isinstance(i.value, int) for i in value.items
    ):
        return tuple(int(i.value) for i in value.items)  # type: ignore[union-attr]
    if isinstance(value, TensorValue):
        return value.shape
    return None


def format_number(x: float, digits: int = 4) -> str:
    """A number as a learner reads it: fixed point when sensible, else scientific,
    always with an explicit sign so it reads without colour."""
    if isinstance(x, bool):
        return str(x)
    if isinstance(x, int):
        return f"{x:+d}"
    if not math.isfinite(x):
        return str(x)
    if x == 0:
        return " 0." + "0" * digits  # zero has no sign
    if 10 ** -digits <= abs(x) < 10 ** 5:
        return f"{x:+.{digits}f}"
    return f"{x:+.{max(digits - 1, 1)}e}"


# ------------------------------------------------------------ the wire form
#
# Steps run in a child process (tutor.step_process), which sends each value
# to the tutor as JSON. Unlike `to_json` this form is lossless (NaN stays a
# float, a shape stays a shape, requires_grad is kept) and tagged, and reading
# it back builds Values from plain data only: nothing is unpickled or run.


def to_wire(value: Value) -> Any:
    if isinstance(value, TensorValue):
        return {"tensor": list(value.shape), "dtype": value.dtype, "data": value.data, "grad": value.requires_grad}
    if isinstance(value, NumberValue):
        return {"number": value.value}
    if isinstance(value, ListValue):
        return {"list": [to_wire(item) for item in value.items]}
    return {"text": value.text}


def from_wire(data: Any) -> Value:
    """The Value a `to_wire` form describes; anything malformed becomes a note."""
    if isinstance(data, dict):
        if "number" in data and isinstance(data["number"], (bool, int, float)):
            return NumberValue(data["number"])
        if "text" in data and isinstance(data["text"], str):
            return TextValue(data["text"])
        if "list" in data and isinstance(data["list"], list):
            return ListValue(tuple(from_wire(item) for item in data["list"]))
        shape = data.get("tensor")
        if (
            isinstance(shape, list)
            and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in shape)
            and isinstance(data.get("dtype"), str)
            and _fits(data.get("data"), shape)
        ):
            return TensorValue(tuple(shape), data["dtype"], data["data"], bool(data.get("grad")))
    return TextValue("<a value the tutor could not read back>")


def _fits(data: Any, shape: list[int]) -> bool:
    """Whether nested lists of numbers have exactly this shape."""
    if not shape:
        return isinstance(data, (bool, int, float))
    if not isinstance(data, list) or len(data) != shape[0]:
        return False
    return all(_fits(item, shape[1:]) for item in data)
