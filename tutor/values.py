"""Snapshots of live values, detached from torch.

A step shows tensors, numbers and lists. The runner captures each one the
moment the step finishes (`capture`), so later steps that update a weight in
place cannot change what an earlier step showed, and the screens, the JSON
output and the checker never need torch to read them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Union

Nested = Union[float, int, bool, list]


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

    def minus(self, other: "TensorValue") -> "TensorValue | None":
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
    items: tuple["Value", ...]


@dataclass(frozen=True)
class TextValue:
    text: str


Value = Union[TensorValue, NumberValue, ListValue, TextValue]


def capture(obj: Any) -> Value:
    """Snapshot `obj` as a Value. Never raises for odd objects: they become text."""
    if isinstance(obj, (bool, int, float)):
        return NumberValue(obj)
    torch = _loaded_torch()
    if torch is not None and isinstance(obj, torch.Tensor):
        t = obj.detach().cpu()
        data = t.tolist()
        return TensorValue(
            tuple(int(s) for s in t.shape),
            str(t.dtype).removeprefix("torch."),
            data,
            bool(obj.requires_grad),
        )
    if isinstance(obj, (list, tuple)):  # torch.Size is a tuple
        return ListValue(tuple(capture(item) for item in obj))
    if isinstance(obj, str):
        return TextValue(obj)
    return TextValue(repr(obj))


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
