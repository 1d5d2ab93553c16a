"""How a tensor is laid out as text: the grid of signed entries, the modes it
degrades through when the pane is narrow (full numbers, a common power of
ten, a heatmap of sign and size), its legend, and the styles of its entries.

No Textual here (Rich's Text and Style only), so the layout can be reasoned
about and tested as plain text; `tensor_view.TensorView` is the widget that
shows these grids, scrolls them and moves a cursor over them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache

from rich.style import Style
from rich.text import Text

from tutor.i18n import Catalog
from tutor.values import TensorValue, Value, format_number

STRINGS = Catalog(
    {
        "empty": {"en": "this step shows no values", "pt": "este passo não mostra valores"},
        "scalar": {"en": "scalar", "pt": "escalar"},
        "vector": {"en": "vector", "pt": "vetor"},
        "empty_tensor": {"en": "(no entries)", "pt": "(sem entradas)"},
        "unchanged": {"en": "unchanged", "pt": "sem mudança"},
        "was": {"en": "was {old}", "pt": "antes {old}"},
        "change": {"en": "change {delta}", "pt": "mudança {delta}"},
        "shape_changed": {"en": "shape changed: was {old}", "pt": "formato mudou: antes {old}"},
        "change_title": {
            "en": "change: now - before",
            "pt": "mudança: agora - antes",
        },
        "change_legend": {
            "en": "+ went up  - went down  . unchanged",
            "pt": "+ subiu  - desceu  . sem mudança",
        },
        "heat_legend": {
            "en": "each entry: its sign, then its size from 1 (tiny) to 9 (the largest, |x| = {max})",
            "pt": "cada entrada: o sinal, depois o tamanho de 1 (mínimo) a 9 (o maior, |x| = {max})",
        },
        "heat_legend_short": {
            "en": "size 1-9, 9 is |x| = {max}",
            "pt": "tamanho 1-9, 9 é |x| = {max}",
        },
        "scale_legend": {
            "en": "shown x 1e{exp}: {shown} is {real}",
            "pt": "mostrado x 1e{exp}: {shown} é {real}",
        },
        "nonfinite_legend": {
            "en": "?? not a number, +! -! infinite",
            "pt": "?? não é número, +! -! infinito",
        },
        "hint": {
            "en": "Tab here and arrows: exact values",
            "pt": "Tab aqui e setas: valores exatos",
        },
        "items": {"en": "{n} items", "pt": "{n} itens"},
        "truncated": {
            "en": "first {rows}x{cols} of {shape} shown",
            "pt": "mostrando {rows}x{cols} de {shape}",
        },
    }
)

MAX_ROWS = 64
MAX_COLS = 64

# Hues are ANSI colours: the learner's terminal theme adapts them, and each
# reads on a dark and on a light background (not ANSI blue, which vanishes
# on black). Signs are always written (+/-), so colour never says it alone.
POSITIVE = "red"
NEGATIVE = "bright_blue"
UP = "green"  # a change upwards
DOWN = "magenta"  # a change downwards


def number_text(x: float) -> str:
    """One number as itself, signed, to four significant digits where
    format_number's four decimals would drop them: -0.00326, not -0.0033,
    never -3.26 with a caption. The one place the values pane formats a
    number (a shared display module can replace it here)."""
    if isinstance(x, float) and math.isfinite(x) and x and 1e-4 <= abs(x) < 0.01:
        return f"{x:+.{2 - math.floor(math.log10(abs(x)))}f}"
    return format_number(x)


def shape_text(value: TensorValue, lang: str = "en") -> str:
    """`8x16`, `16 (vector)`, `scalar`: the shape a learner says aloud."""
    if not value.shape:
        return STRINGS.get("scalar", lang)
    dims = "x".join(str(d) for d in value.shape)
    if len(value.shape) == 1:
        return f"{dims} ({STRINGS.get('vector', lang)})"
    return dims


def exact_number(x: float | int | bool, dtype: str = "float64") -> str:
    """An entry in full precision, signed: as many digits as its dtype holds."""
    if isinstance(x, bool) or dtype == "bool":
        return str(bool(x))
    if not isinstance(x, (int, float)):
        return str(x)
    if isinstance(x, int) and not dtype.startswith(("float", "bfloat", "complex")):
        return f"{x:+d}"
    x = float(x)
    if not math.isfinite(x):
        return f"{x:+}" if not math.isnan(x) else "nan"
    if x == 0:
        return "0"
    if dtype in ("float32", "float16"):
        import numpy  # lazily: only when a learner asks for an exact entry

        short = str(getattr(numpy, dtype)(x))  # shortest text that round-trips
        return short if short.startswith("-") else "+" + short
    if dtype == "bfloat16":
        return f"{x:+.4g}"
    return f"{x:+}"  # float64: repr, the shortest round-trip text


def indexable(expr: str) -> str:
    """`expr` as it must be written before `[3, 11]`: `w.grad` stays as it is,
    `a - b` becomes `(a - b)`, so the exact line reads as valid Python."""
    depth = 0
    for ch in expr.strip():
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and ch in "+-*/@%<>=!~&|^ ,":
            return f"({expr.strip()})"
    return expr.strip()


@cache
def _shade(hue: str | None, level: int) -> Style:
    """The style of an entry of size `level` (0-9, as the heatmap digit):
    small entries in the terminal's own colour, larger ones in the sign's
    hue, the largest also bold. `hue` None: no colour (NO_COLOR)."""
    if level < 3 or hue is None:
        return Style(bold=level >= 7)
    return Style(color=hue, bold=level >= 7)


_PLAIN = Style()
_DIM = Style(dim=True)
_BOLD = Style(bold=True)
_NONFINITE = Style(bold=True, underline=True)
_CURSOR = Style(underline=True)
_CURSOR_FOCUSED = Style(reverse=True, bold=True)


def _finite_max(xs: Iterable) -> float:
    best = 0.0
    for x in xs:
        if isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x):
            best = max(best, abs(float(x)))
    return best


# --- grid layout ---------------------------------------------------------------


def heat_digit(x: float, max_abs: float) -> int:
    """The size of a non-zero entry as one digit: 1 (tiny) to 9 (the largest)."""
    if not max_abs:
        return 1
    return min(9, max(1, round(9 * abs(x) / max_abs)))


@dataclass(frozen=True)
class _Mode:
    """How entries are written: `full` (format_number), `scaled` (a common power
    of ten factored out, `digits` decimals), or `heat` (sign and a 0-9 size)."""

    kind: str
    width: int  # characters per entry
    digits: int = 0
    exponent: int = 0  # for `scaled`: entries are x / 10**exponent


class GridModel:
    """The numbers of one grid and how they fit a given width: no Textual here,
    so the layout can be reasoned about (and tested) as plain text."""

    def __init__(self, value: TensorValue, *, is_change: bool = False, colour: bool = True):
        self.value = value
        self.is_change = is_change
        self.colour = colour
        rows = value.rows()
        # a lesson may show a big tensor by mistake: draw its corner, not a
        # million cells (the scale still comes from every entry)
        self.full_rows = len(rows)
        self.full_cols = len(rows[0]) if rows else 0
        self.rows = [row[:MAX_COLS] for row in rows[:MAX_ROWS]]
        self.truncated = self.full_rows > MAX_ROWS or self.full_cols > MAX_COLS
        self.nrows = len(self.rows)
        self.ncols = len(self.rows[0]) if self.rows else 0
        self.flat = [x for row in self.rows for x in row]
        self.max_abs = _finite_max(value.flat())
        self.numeric = value.dtype.startswith(("float", "bfloat")) and all(
            isinstance(x, (int, float)) and not isinstance(x, bool) for x in self.flat
        )
        self.has_nonfinite = self.numeric and any(not math.isfinite(float(x)) for x in self.flat)
        self.row_labels = self._row_labels()
        self._fits: dict[int, tuple[_Mode, list[range], int]] = {}
        self._lines: dict[int, list[Text]] = {}
        # the row index, then a space, or `>` on the cursor's row
        self.label_width = max((len(label) for label in self.row_labels), default=0) + 1

    @property
    def is_vector(self) -> bool:
        return len(self.value.shape) == 1

    def _row_labels(self) -> list[str]:
        """Index labels: `3` for a row, `1,2` for folded leading dimensions,
        and for a vector (wrapped over lines) the index each line starts at."""
        shape = self.value.shape
        if len(shape) == 1:
            return [str(self.ncols - 1)]  # the widest start index a line can have
        if not shape:
            return [""]
        lead = shape[:-1]
        labels = []
        for r in range(self.nrows):
            idx, rest = [], r
            for d in reversed(lead):
                idx.append(rest % d)
                rest //= d
            labels.append(",".join(str(i) for i in reversed(idx)))
        return labels

    # modes, widest first
    def modes(self) -> list[_Mode]:
        if self.numeric and not self.value.shape:
            # a scalar is printed as itself, never scaled or as a digit
            return [_Mode("full", len(number_text(float(self.flat[0]))))]
        if not self.numeric:
            width = max((len(self.cell_text(x, _Mode("full", 0))) for x in self.flat), default=1)
            return [_Mode("full", width)]
        out = []
        finite = [abs(float(x)) for x in self.flat if math.isfinite(float(x)) and x]
        # format_number's fixed point, only when every entry gets it and the
        # largest has two digits or more: otherwise a common power of ten
        # (below) reads better than a column of +0.0002 and +5.780e-05
        if finite and 0.01 <= max(finite) < 1e4 and min(finite) >= 1e-4:
            full_width = max(len(format_number(float(x))) for x in self.flat)
            out.append(_Mode("full", full_width))
        # a common power of ten factored out, so the largest entry keeps
        # three, two, then two significant digits: +2.48, +2.5, +25
        out.append(_Mode("scaled", 5, 2, self._exponent(2)))
        out.append(_Mode("scaled", 4, 1, self._exponent(1)))
        out.append(_Mode("scaled", 3, 0, self._exponent(0, before=2)))
        out.append(_Mode("heat", 2))
        return out

    def _exponent(self, decimals: int, before: int = 1) -> int:
        """The power of ten that leaves `before` digits before the point on
        the largest entry, even after rounding (9.996 is 1.00e1, not 10.00)."""
        if self.max_abs <= 0:
            return 0
        exp = math.floor(math.log10(self.max_abs)) - (before - 1)
        if round(self.max_abs / 10**exp, decimals) >= 10**before:
            exp += 1
        return exp

    def cell_text(self, x, mode: _Mode) -> str:
        if isinstance(x, bool) or self.value.dtype == "bool":
            return "T" if x else "F"
        if not self.numeric:
            if isinstance(x, int):
                return f"{x:+d}" if x else ("." if self.is_change else "0")
            return str(x)  # complex numbers and anything else, as Python writes them
        x = float(x)
        if not math.isfinite(x):
            if math.isnan(x):
                return "??" if mode.kind == "heat" else "nan"
            sign = "+" if x > 0 else "-"
            return sign + "!" if mode.kind == "heat" else sign + "inf"
        if mode.kind == "full":
            if x == 0 and self.is_change:
                return "."
            return number_text(x) if not self.value.shape else format_number(x)
        if mode.kind == "scaled":
            if x == 0:
                return "." if self.is_change else "0"
            v = x / 10**mode.exponent
            return f"{v:+.{mode.digits}f}"
        # heat: the sign and the size, 1 (tiny) to 9 (the largest entry);
        # only an exact zero is 0, so there is never a "-0"
        if x == 0:
            return "." if self.is_change else "0"
        return ("+" if x > 0 else "-") + str(heat_digit(x, self.max_abs))

    def fit(self, width: int) -> tuple[_Mode, list[range], int]:
        """`_fit`, remembered per width: Textual asks for heights and lines often."""
        if width not in self._fits:
            self._fits[width] = self._fit(width)
        return self._fits[width]

    def _fit(self, width: int) -> tuple[_Mode, list[range], int]:
        """The widest mode whose columns fit `width`, the column chunks, and
        the group size (a gap every `group` heat columns, 0 for none).

        A matrix gets more than one chunk (numpy-style column blocks) only
        when even the heatmap is too wide; a vector may wrap over up to four
        lines to keep its numbers, since a line per chunk costs little."""
        avail = max(1, width - self.label_width)
        modes = self.modes()
        if self.is_vector:
            # one line when no power of ten has to be factored out (+3.00 is
            # as exact as +3.0000), before wrapping the full numbers
            for mode in modes:
                if mode.kind != "heat" and mode.exponent == 0 and self.ncols * (mode.width + 1) - 1 <= avail:
                    return mode, [range(self.ncols)], 0
        for mode in modes:
            if mode.kind == "heat":
                # a gap every four (or eight) columns helps the eye, when there is room
                for group in (4, 8):
                    if self.ncols > group and self.ncols * 2 + (self.ncols - 1) // group <= avail:
                        return mode, [range(self.ncols)], group
                if self.ncols * 2 <= avail:
                    return mode, [range(self.ncols)], 0
                break
            per_line = max(1, (avail + 1) // (mode.width + 1))
            if per_line >= self.ncols:
                return mode, [range(self.ncols)], 0
            if self.is_vector and math.ceil(self.ncols / per_line) <= 4:
                return mode, self._chunks(per_line), 0
        mode = modes[-1]
        per_line = avail // (mode.width + (0 if mode.kind == "heat" else 1))
        return mode, self._chunks(max(1, per_line)), 0

    def _chunks(self, per_line: int) -> list[range]:
        """Equal chunks (8 entries as 4+4, not 7+1) of at most `per_line`."""
        per_line = math.ceil(self.ncols / math.ceil(self.ncols / per_line))
        return [range(i, min(i + per_line, self.ncols)) for i in range(0, self.ncols, per_line)]

    def legend(self, mode: _Mode, lang: str, explained: bool = False) -> list[str]:
        """How to read the grid in `mode`; the digit view is explained in
        words the first time (`explained` False), briefly after that."""
        lines = []
        if mode.kind == "heat":
            key = "heat_legend_short" if explained else "heat_legend"
            lines.append(STRINGS.get(key, lang, max=f"{self.max_abs:.4g}"))
        elif mode.kind == "scaled" and mode.exponent != 0:
            largest = next(float(x) for x in self.flat if math.isfinite(float(x)) and abs(float(x)) == self.max_abs)
            lines.append(STRINGS.get("scale_legend", lang, exp=f"{mode.exponent:+d}",
                                     shown=self.cell_text(largest, mode), real=number_text(largest)))
        if self.has_nonfinite:
            lines.append(STRINGS.get("nonfinite_legend", lang))
        if self.truncated:
            lines.append(
                STRINGS.get("truncated", lang, rows=self.nrows, cols=self.ncols,
                            shape=f"{self.full_rows}x{self.full_cols}")
            )
        return lines

    def height(self, width: int) -> int:
        _, chunks, _ = self.fit(width)
        if self.nrows == 0:
            return 0
        return len(chunks) * (self.nrows + self.header_lines)

    @property
    def header_lines(self) -> int:
        """Column numbers above a matrix; a vector's lines say where they start."""
        return 1 if self.ncols > 1 and not self.is_vector else 0

    def cursor_lines(self, width: int, r: int, c: int) -> set[int]:
        """Every line that shows the cursor at (r, c): its row in each column
        block (the `>` marker) and the column numbers above them."""
        _, chunks, _ = self.fit(width)
        per_block = self.nrows + self.header_lines
        if self.is_vector:
            return {self.cursor_line(width, r, c)}
        out: set[int] = set()
        for k in range(len(chunks)):
            if self.header_lines:
                out.add(k * per_block)
            out.add(k * per_block + self.header_lines + r)
        return out

    def cursor_line(self, width: int, r: int, c: int) -> int:
        """Which line of the grid shows entry (r, c) at this width."""
        _, chunks, _ = self.fit(width)
        for k, chunk in enumerate(chunks):
            if c in chunk:
                return k * (self.nrows + self.header_lines) + self.header_lines + r
        return 0

    def render(
        self, width: int, cursor: tuple[int, int] | None = None, focused: bool = False
    ) -> list[Text]:
        """The grid as lines of text, the cursor's entry highlighted and its
        row marked with `>` so it shows without colour too.

        The lines without a cursor are built once per width; a cursor move
        rebuilds only the cursor's row (once per column block) and headers."""
        mode, chunks, group = self.fit(width)
        if width not in self._lines:
            self._lines[width] = [
                line
                for chunk in chunks
                for line in self._block(chunk, chunks, mode, group, None, False)
            ]
        lines = list(self._lines[width])
        if cursor is None:
            return lines
        r = cursor[0]
        per_block = self.nrows + self.header_lines
        for k, chunk in enumerate(chunks):
            positions = self._positions(chunk, mode, group)
            if self.header_lines:
                lines[k * per_block] = self._header(chunk, positions, mode, cursor)
            lines[k * per_block + self.header_lines + r] = self._row_line(
                r, chunk, chunks, positions, mode, cursor, focused
            )
        return lines

    def _positions(self, chunk: range, mode: _Mode, group: int) -> list[int]:
        """The column where each entry of `chunk` starts on a line."""
        positions = []
        col = self.label_width
        for n, _ in enumerate(chunk):
            if group and n and n % group == 0:
                col += 1
            positions.append(col)
            col += mode.width + (0 if mode.kind == "heat" else 1)
        return positions

    def _block(self, chunk, chunks, mode, group, cursor, focused) -> list[Text]:
        positions = self._positions(chunk, mode, group)
        lines = [self._header(chunk, positions, mode, cursor)] if self.header_lines else []
        for r in range(self.nrows):
            lines.append(self._row_line(r, chunk, chunks, positions, mode, cursor, focused))
        return lines

    def _row_line(self, r, chunk, chunks, positions, mode, cursor, focused) -> Text:
        line = Text(no_wrap=True, overflow="crop")
        if self.is_vector:
            label = str(chunk.start) if len(chunks) > 1 else ""
            here = cursor is not None and cursor[1] in chunk
        else:
            label = self.row_labels[r] if r < len(self.row_labels) else ""
            here = cursor is not None and cursor[0] == r
        line.append(label.rjust(self.label_width - 1), _DIM)
        line.append(">" if here else " ", _BOLD)
        row = self.rows[r]
        for c, pos in zip(chunk, positions):
            line.append(" " * (pos - line.cell_len))
            x = row[c]
            style = self._style(x)
            if cursor is not None and cursor == (r, c):
                style = style + (_CURSOR_FOCUSED if focused else _CURSOR)
            line.append(self.cell_text(x, mode).rjust(mode.width), style)
        return line

    def _header(self, chunk: range, positions: list[int], mode: _Mode, cursor) -> Text:
        """Column numbers where they fit, the cursor's column always."""
        chars = list(" " * (positions[-1] + mode.width + 4))
        styles: dict[int, Style] = {}
        last_end = -1
        cursor_col = cursor[1] if cursor is not None else None
        for c, pos in zip(chunk, positions):
            label = str(c)
            end = pos + mode.width  # labels right-align over their entry
            start = end - len(label)
            if start > last_end and (c - chunk.start) % (4 if mode.kind == "heat" else 1) == 0:
                chars[start:end] = label
                last_end = end
        if cursor_col is not None and cursor_col in chunk:
            pos = positions[cursor_col - chunk.start]
            label = str(cursor_col)
            end = pos + mode.width
            start = max(self.label_width, end - len(label))
            chars[start:end] = label[-(end - start) :]
            for i in range(start, end):
                styles[i] = Style(bold=True, underline=True)
        text = "".join(chars).rstrip()
        header = Text(no_wrap=True, overflow="crop")
        run_style = Style(dim=True)
        for i, ch in enumerate(text):
            header.append(ch, styles.get(i, run_style))
        return header

    def _style(self, x) -> Style:
        """Hue by sign, strength by size relative to the largest entry."""
        if isinstance(x, bool) or not isinstance(x, (int, float)):
            return _PLAIN
        x = float(x)
        if not math.isfinite(x):
            return _NONFINITE
        if x == 0 or not self.max_abs:
            return _DIM
        level = min(9, int(10 * abs(x) / self.max_abs))
        palette = (UP, DOWN) if self.is_change else (POSITIVE, NEGATIVE)
        return _shade((palette[0] if x > 0 else palette[1]) if self.colour else None, level)


def named_first(values: Mapping[str, Value], text: str) -> list[tuple[str, Value]]:
    """`values` with those `text` mentions (as `code`, or as a whole word)
    first, in the order of their first mention."""
    def first_mention(expr: str) -> int:
        quoted = text.find(f"`{expr}`")
        if quoted >= 0:
            return quoted
        found = re.search(rf"(?<![\w.]){re.escape(expr)}(?![\w(]|\.\w)", text)
        return found.start() if found else -1

    order = {expr: first_mention(expr) for expr in values} if text else {}
    named = sorted((e for e in values if order.get(e, -1) >= 0), key=order.__getitem__)
    return [(e, values[e]) for e in named] + [(e, v) for e, v in values.items() if e not in named]


def _as_change(dtype: str, delta: TensorValue) -> TensorValue:
    """A difference keeps its tensor's kind: whole numbers stay whole
    (`minus` works in floats), True - False is +1."""
    if dtype.startswith(("float", "bfloat", "complex")):
        return TensorValue(delta.shape, dtype, delta.data)

    def whole(item):
        return [whole(x) for x in item] if isinstance(item, list) else int(item)

    return TensorValue(delta.shape, "int64", whole(delta.data))
