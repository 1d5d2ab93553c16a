"""What a plot shows, decided without drawing it: round tick values, tick
labels for a log10 axis in the loss's own values, the minima of a curve, and
how steep a tangent is. Pure functions (no Textual, no plotext), so each rule
is tested on its own and the pane only draws what they decide.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

# A tangent is "steep" from this share of the curve's steepest slope on the
# plotted range, "flat" below FLAT_SHARE of it, "gentle" in between. Lesson 1
# on x**2 over [-3.5, 3.5] (steepest 7): x = -3 and 3 (slope 6) are steep,
# x = -1, 0.5 and 1 (slopes 2, 1) gentle, x = 0 flat.
STEEP_SHARE = 0.5
FLAT_SHARE = 0.02


def format_tick(value: float) -> str:
    """A tick value as a learner writes it: 0, 25, 0.5, -1.5, 1e-04; never -0."""
    if value == 0 or abs(value) < 1e-12:
        return "0"
    text = f"{value:.3g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


def nice_step(span: float, count: int) -> float:
    """The round step (1, 2, 2.5 or 5 times a power of ten) that cuts `span`
    into at most about `count` parts."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / max(1, count)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power * (1 + 1e-9):
            return factor * power
    return 10 * power


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round values inside [low, high], about `count` of them: 0, 25, 50, 75,
    100 for a 100-step run, never 24.8."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return []
    if high < low:
        low, high = high, low
    if high == low:
        return [low]
    step = nice_step(high - low, count)
    first = math.ceil(low / step - 1e-9)
    last = math.floor(high / step + 1e-9)
    ticks = [round(i * step, 12) for i in range(first, last + 1)]
    return [0.0 if t == 0 else t for t in ticks]


_MANTISSAS = (1, 2, 5)


def log_ticks(low: float, high: float, count: int = 5) -> tuple[list[float], list[str]]:
    """Ticks for a log10 axis, labelled in the values themselves: positions
    log10(v) for round v (1, 0.5, 0.2, 0.1, ...) inside [low, high], and
    labels "1", "0.5", "0.2". Thinned to at most `count`; powers of ten kept
    first."""
    if not (math.isfinite(low) and math.isfinite(high)) or high < low:
        return [], []
    values = []
    for exponent in range(math.floor(low) - 1, math.ceil(high) + 1):
        for mantissa in _MANTISSAS:
            v = mantissa * 10.0**exponent
            if low - 1e-9 <= math.log10(v) <= high + 1e-9:
                values.append((mantissa, v))
    if len(values) > count:
        powers = [(m, v) for m, v in values if m == 1]
        values = powers if len(powers) >= 2 else [values[0], values[len(values) // 2], values[-1]]
        while len(values) > count:
            values = values[::2]
    return [math.log10(v) for _, v in values], [format_tick(float(f"{v:.3g}")) for _, v in values]


def log_range(low: float, high: float) -> tuple[float, float]:
    """A log10 axis spans at least one decade, so a change of 0.001 in a
    loss of 0.7 looks as small as it is, not as steep as real training."""
    if high - low >= 1:
        return low, high
    middle = (low + high) / 2
    return middle - 0.5, middle + 0.5


def local_minima(xs: Sequence[float], ys: Sequence[float]) -> list[int]:
    """Indices of the interior valleys of a sampled curve (a run of equal
    values counts once), lowest first."""
    found = []
    n = len(ys)
    i = 1
    while i < n - 1:
        j = i
        while j + 1 < n - 1 and ys[j + 1] == ys[i]:
            j += 1  # a flat floor
        if ys[i - 1] > ys[i] and ys[j + 1] > ys[j]:
            found.append((i + j) // 2)
        i = j + 1
    return sorted(found, key=lambda k: ys[k])


def steepness(slope: float, steepest: float) -> str:
    """`steep`, `gentle` or `flat`, relative to the curve's steepest slope."""
    size = abs(slope)
    if steepest <= 0:
        return "flat" if size == 0 else "steep"
    if size <= FLAT_SHARE * steepest:
        return "flat"
    return "steep" if size >= STEEP_SHARE * steepest else "gentle"


def steepest_slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """The largest |dy/dx| between neighbouring points of a curve."""
    best = 0.0
    for (x0, y0), (x1, y1) in zip(zip(xs, ys), zip(xs[1:], ys[1:])):
        if x1 != x0:
            best = max(best, abs((y1 - y0) / (x1 - x0)))
    return best
