"""The values a step shows, laid out the way the tensors are.

A learner must see at a glance that `model[0].weight.grad` is 8x16, which of
its entries are big, and what an update changed. So every tensor is drawn as
a grid of rows and columns, each entry signed (+/-, so it reads without
colour) and coloured by sign and by its size relative to the tensor's largest
entry. When the pane is narrow (about 38 columns in an 80-column terminal)
the grid degrades step by step -- fewer digits under a common scale, then a
heatmap of sign and a 0-9 size digit -- and a cursor (the arrow keys when the
view is focused) reads any entry in full precision on the line at the bottom.

The view is one LinePane: a step's values are rendered to lines once and
the pane repainted, with no layout (see line_pane for why that matters), and
moving the cursor repaints the few lines it leaves and enters plus the exact
line, not the whole pane (this matters over SSH).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Mapping

from rich.color import Color
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region
from textual.strip import Strip

from tutor.i18n import Catalog
from tutor.ui.widgets.line_pane import LinePane
from tutor.values import NumberValue, TensorValue, TextValue, Value, format_number

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
            "en": "0-9: tenths of max |x| = {max}",
            "pt": "0-9: décimos do máx |x| = {max}",
        },
        "scale_legend": {
            "en": "entries x 1e{exp}",
            "pt": "entradas x 1e{exp}",
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

POSITIVE = (230, 60, 60)  # red
NEGATIVE = (70, 130, 255)  # blue
UP = (40, 190, 90)  # green: a change upwards
DOWN = (215, 80, 215)  # magenta: a change downwards
NEUTRAL = (125, 125, 125)


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


def _blend(rgb: tuple[int, int, int], t: float) -> Color:
    """Grey for small entries, the full hue for the largest one."""
    k = 0.2 + 0.8 * max(0.0, min(1.0, t))
    return Color.from_rgb(*(round(n + (h - n) * k) for n, h in zip(NEUTRAL, rgb)))


@lru_cache(maxsize=None)
def _shade(rgb: tuple[int, int, int], level: int) -> Style:
    """The style of an entry of size `level` (0-9, as the heatmap digit)."""
    return Style(color=_blend(rgb, (level + 0.5) / 10), bold=level >= 5)


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

    def __init__(self, value: TensorValue, *, is_change: bool = False):
        self.value = value
        self.is_change = is_change
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
            return format_number(x)
        if mode.kind == "scaled":
            if x == 0:
                return "." if self.is_change else "0"
            v = x / 10**mode.exponent
            return f"{v:+.{mode.digits}f}"
        # heat: sign and the size in tenths of the largest entry
        if x == 0:
            return "." if self.is_change else "0"
        level = min(9, int(10 * abs(x) / self.max_abs)) if self.max_abs else 0
        return ("+" if x > 0 else "-") + str(level)

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
                if mode.kind != "heat" and mode.exponent == 0:
                    if self.ncols * (mode.width + 1) - 1 <= avail:
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

    def legend(self, mode: _Mode, lang: str) -> list[str]:
        lines = []
        if mode.kind == "heat":
            lines.append(STRINGS.get("heat_legend", lang, max=f"{self.max_abs:.4g}"))
        elif mode.kind == "scaled" and mode.exponent != 0:
            lines.append(STRINGS.get("scale_legend", lang, exp=f"{mode.exponent:+d}"))
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
        return _shade(palette[0] if x > 0 else palette[1], level)


# --- the view ----------------------------------------------------------------


def _as_change(dtype: str, delta: TensorValue) -> TensorValue:
    """A difference keeps its tensor's kind: whole numbers stay whole
    (`minus` works in floats), True - False is +1."""
    if dtype.startswith(("float", "bfloat", "complex")):
        return TensorValue(delta.shape, dtype, delta.data)

    def whole(item):
        return [whole(x) for x in item] if isinstance(item, list) else int(item)

    return TensorValue(delta.shape, "int64", whole(delta.data))


@dataclass
class _Line:
    """A block of the view that is text: a name, a shape, a legend, a note."""

    text: Text
    role: str  # the component class that styles it (long lines wrap)


@dataclass
class _Grid:
    """A block of the view that is a tensor's grid (`which`: value or change)."""

    target: int
    which: str
    model: GridModel


class _Target:
    """A tensor the cursor can visit: its value grid and, if any, its change grid."""

    def __init__(self, expr: str, grid: GridModel, change: GridModel | None):
        self.expr = expr
        self.grid = grid
        self.change = change

    @property
    def value(self) -> TensorValue:
        return self.grid.value


class TensorView(LinePane):
    """Every value the step shows, tensors as signed, coloured grids.

    `show(values, previous)` replaces the content; `previous` holds the value
    each expression had when it was last shown, so the view can say what
    changed. Focus it (Tab) and move over the entries with the arrow keys:
    the line pinned at the bottom gives the entry's exact value.
    """

    COMPONENT_CLASSES = {
        "tensor-view--name",
        "tensor-view--meta",
        "tensor-view--legend",
        "tensor-view--change-title",
        "tensor-view--note",
        "tensor-view--empty",
        "tensor-view--exact",
        "tensor-view--value",
    }

    DEFAULT_CSS = """
    TensorView {
        height: 1fr;
    }
    TensorView > .tensor-view--name {
        text-style: bold;
    }
    TensorView > .tensor-view--meta {
        color: $text-muted;
    }
    TensorView > .tensor-view--legend {
        color: $text-muted;
    }
    TensorView > .tensor-view--change-title {
        text-style: bold underline;
        color: $warning;
    }
    TensorView > .tensor-view--note {
        color: $text-muted;
        text-style: italic;
    }
    TensorView > .tensor-view--empty {
        color: $text-muted;
        text-style: italic;
    }
    TensorView > .tensor-view--exact {
        background: $boost;
    }
    """

    BINDINGS = [
        Binding("up", "move_cursor(-1, 0)", "Up", show=False),
        Binding("down", "move_cursor(1, 0)", "Down", show=False),
        Binding("left", "move_cursor(0, -1)", "Left", show=False),
        Binding("right", "move_cursor(0, 1)", "Right", show=False),
    ]

    EXACT_MAX_LINES = 3

    def __init__(self, *, lang: str = "en", empty_text: str | None = None, title: str = "", more: str = "",
                 **kwargs) -> None:
        super().__init__(title, more, **kwargs)
        self.lang = lang
        self.empty_text = empty_text or STRINGS.get("empty", lang)
        self._targets: list[_Target] = []
        self._cursor: tuple[int, int, int] | None = None  # target, row, col
        self._blocks_: list[_Line | _Grid] = [_Line(Text(self.empty_text), "tensor-view--empty")]
        self._grid_at: dict[tuple[int, str], int] = {}  # (target, which) -> first line
        self._shown: tuple | None = None
        self._exact_cache: tuple[tuple, list[Strip]] | None = None

    # --- content -------------------------------------------------------------

    def show(self, values: Mapping[str, Value], previous: Mapping[str, Value]) -> None:
        """Show `values` (in order), comparing each with `previous`."""
        if self._shown is not None and self._shown[0] is values and self._shown[1] is previous:
            return  # the same result again (an answer revealed it, say)
        self._shown = (values, previous)
        old_cursor = self._cursor_key()
        self._targets = []
        blocks: list[_Line | _Grid] = []
        for expr, value in values.items():
            if blocks:
                blocks.append(_Line(Text(""), "tensor-view--name"))
            blocks.extend(self._blocks(expr, value, previous.get(expr)))
        if not blocks:
            blocks.append(_Line(Text(self.empty_text), "tensor-view--empty"))
        self._blocks_ = blocks
        self._restore_cursor(old_cursor)
        self._exact_cache = None
        self.invalidate()
        if self._cursor is not None and self._cursor != (0, 0, 0):
            self._scroll_to_cursor()

    def build_lines(self, width: int) -> list[Strip]:
        lines: list[Strip] = []
        self._grid_at = {}
        for block in self._blocks_:
            if isinstance(block, _Grid):
                self._grid_at[(block.target, block.which)] = len(lines)
                cell, focused = self._cell_for(block.target)
                for text in block.model.render(width, cell, focused):
                    lines.extend(self.render_text(text, width))
            else:
                text = block.at(width) if isinstance(block, _Legend) else block.text
                if isinstance(block, _Legend) and not text.plain:
                    continue  # a grid that reads without a legend
                style = self.get_component_rich_style(block.role, partial=True)
                lines.extend(self.render_text(text, width, wrap=True, style=style))
        return lines

    def footer_lines(self, width: int) -> list[Strip]:
        """The exact line under the values: the entry under the cursor."""
        if self._cursor is None or not width:
            return []
        key = (width, self._cursor, self.has_focus)
        if self._exact_cache is None or self._exact_cache[0] != key:
            style = self.get_component_rich_style("tensor-view--exact", partial=True)
            strips = self.render_text(self.exact_line(), width, wrap=True, style=style)
            self._exact_cache = (key, strips[: self.EXACT_MAX_LINES])
        return self._exact_cache[1]

    def _cell_for(self, target: int) -> tuple[tuple[int, int] | None, bool]:
        if self._cursor is None or self._cursor[0] != target:
            return None, False
        return (self._cursor[1], self._cursor[2]), self.has_focus

    def _blocks(self, expr: str, value: Value, before: Value | None) -> list[_Line | _Grid]:
        name = _Line(Text(expr), "tensor-view--name")
        if isinstance(value, TensorValue):
            return [name, *self._tensor_blocks(expr, value, before)]
        line = Text(self._plain(value))
        note = self._plain_change(value, before)
        if note:
            line.append("  ")
            line.append(note, Style(italic=True))
        return [name, _Line(line, "tensor-view--value")]

    def _tensor_blocks(self, expr: str, value: TensorValue, before: Value | None) -> list[_Line | _Grid]:
        meta = Text(shape_text(value, self.lang), Style(bold=True))
        meta.append(f" {value.dtype}")
        if value.requires_grad:
            meta.append(" requires_grad", Style(italic=True))
        out: list[_Line | _Grid] = [_Line(meta, "tensor-view--meta")]
        if value.numel == 0:
            out.append(_Line(Text(STRINGS.get("empty_tensor", self.lang)), "tensor-view--note"))
            return out
        target = len(self._targets)
        model = GridModel(value)
        out.append(_Grid(target, "grid", model))
        out.extend(self._legend(model))
        change_model = None
        if isinstance(before, TensorValue):
            if before.shape != value.shape:
                old = shape_text(before, self.lang)
                out.append(_Line(Text(STRINGS.get("shape_changed", self.lang, old=old)), "tensor-view--note"))
            elif before.data == value.data:
                out.append(_Line(Text(STRINGS.get("unchanged", self.lang)), "tensor-view--note"))
            else:
                delta = value.minus(before)
                if delta is not None:
                    out.append(_Line(Text(STRINGS.get("change_title", self.lang)), "tensor-view--change-title"))
                    change_model = GridModel(_as_change(value.dtype, delta), is_change=True)
                    out.append(_Grid(target, "change", change_model))
                    out.extend(self._legend(change_model, STRINGS.get("change_legend", self.lang)))
        elif before is not None:
            out.append(_Line(Text(STRINGS.get("was", self.lang, old=self._plain(before))), "tensor-view--note"))
        self._targets.append(_Target(expr, model, change_model))
        return out

    def _legend(self, model: GridModel, extra: str | None = None) -> list[_Line]:
        """The line under a grid that says how to read it, only when it needs
        one. Built per width (a narrower pane may need a heatmap legend)."""
        return [_Legend(model, extra, self.lang)]

    def _plain(self, value: Value) -> str:
        """Numbers, lists and text as a learner reads them."""
        if isinstance(value, NumberValue):
            return format_number(value.value)
        if isinstance(value, TextValue):
            return value.text
        if isinstance(value, TensorValue):
            return f"{shape_text(value, self.lang)} {value.dtype}"
        items = value.items
        if items and all(isinstance(i, NumberValue) and type(i.value) is int for i in items):
            inner = ", ".join(str(i.value) for i in items)  # a shape: (8, 16)
            return f"({inner},)" if len(items) == 1 else f"({inner})"
        if all(isinstance(i, NumberValue) for i in items):
            return "[" + ", ".join(format_number(i.value) for i in items) + "]"
        parts = [STRINGS.get("items", self.lang, n=len(items))]
        for n, item in enumerate(items):
            parts.append(f"\n  [{n}] {self._plain(item)}")
        return "".join(parts)

    def _plain_change(self, value: Value, before: Value | None) -> str:
        if before is None:
            return ""
        if before == value:
            return STRINGS.get("unchanged", self.lang)
        text = STRINGS.get("was", self.lang, old=self._plain(before))
        if (
            isinstance(value, NumberValue)
            and isinstance(before, NumberValue)
            and not isinstance(value.value, bool)
            and not isinstance(before.value, bool)
        ):
            try:
                delta = float(value.value) - float(before.value)
            except (TypeError, ValueError):
                return text
            text += ", " + STRINGS.get("change", self.lang, delta=format_number(delta))
        return text

    # --- cursor --------------------------------------------------------------

    def _cursor_key(self) -> tuple[str, tuple, int, int] | None:
        if self._cursor is None or not self._targets:
            return None
        t, r, c = self._cursor
        return (self._targets[t].expr, self._targets[t].value.shape, r, c)

    def _restore_cursor(self, key) -> None:
        """Keep the cursor on the same entry when the same tensor is shown
        again (a learner comparing steps), else start at the first one."""
        self._cursor = (0, 0, 0) if self._targets else None
        if key is None:
            return
        expr, shape, r, c = key
        for t, target in enumerate(self._targets):
            if target.expr == expr and target.value.shape == shape:
                self._cursor = (t, r, c)
                return

    def action_move_cursor(self, dr: int, dc: int) -> None:
        if self._cursor is None:
            if dr:  # nothing to read: the keys scroll, as in any pane
                self.scroll_to_line(self.top + dr)
            return
        t, r, c = self._cursor
        model = self._targets[t].grid
        if dc:
            c = max(0, min(model.ncols - 1, c + dc))
        elif dr > 0 and r + 1 >= model.nrows and t + 1 < len(self._targets):
            t, r = t + 1, 0
        elif dr < 0 and r == 0 and t > 0:
            t = t - 1
            r = self._targets[t].grid.nrows - 1
        else:
            r = max(0, min(model.nrows - 1, r + dr))
        c = min(c, self._targets[t].grid.ncols - 1)
        self._move_to((t, r, c))
        self._scroll_to_cursor()

    def _move_to(self, cursor: tuple[int, int, int] | None, *, focus_changed: bool = False) -> None:
        """Put the cursor at `cursor`, rebuilding and repainting only the
        grid lines it leaves and enters and the exact line under them."""
        old = self._cursor
        if old == cursor and not focus_changed:
            return
        self._cursor = cursor
        width = self._built_for
        if width <= 0:
            self.refresh()
            return
        changed: set[int] = set()
        for place in {old, cursor} - {None}:
            t, r, c = place
            target = self._targets[t]
            cell, focused = self._cell_for(t)
            for which, model in (("grid", target.grid), ("change", target.change)):
                if model is None or (t, which) not in self._grid_at:
                    continue
                start = self._grid_at[(t, which)]
                texts = model.render(width, cell, focused)
                for y in model.cursor_lines(width, r, c):
                    if y < len(texts):
                        self._lines[start + y] = self.render_text(texts[y], width)[0]
                        changed.add(start + y)
        before = len(self._exact_cache[1]) if self._exact_cache else 0
        self._exact_cache = None
        after = len(self.footer_lines(width))
        if before != after:
            self.refresh()  # the exact line grew or shrank: the view moved
            self._retitle()
            return
        self.refresh_lines(changed)
        height = self.content_size.height
        for y in range(height - after, height):
            self.refresh(Region(0, y, self.size.width, 1))

    def exact_line(self) -> Text:
        """`w[3, 11] = -0.12345679  change +0.001`: the entry under the cursor."""
        if self._cursor is None:
            return Text()
        if not self.has_focus:
            # one line, not three: unfocused, the pane says how to read it
            return Text(STRINGS.get("hint", self.lang), Style(dim=True))
        t, r, c = self._cursor
        target = self._targets[t]
        value = target.value
        index = self._index(value, r, c)
        text = Text()
        text.append(f"{indexable(target.expr)}{index} = ", Style(bold=True))
        x = target.grid.rows[r][c]
        text.append(exact_number(x, value.dtype), target.grid._style(x))
        if target.change is not None:
            d = target.change.rows[r][c]
            # six digits: the difference of two rounded numbers carries noise
            # past that (0.3 - 0.2 = 0.09999999999999998)
            delta = f"{d:+.6g}" if isinstance(d, float) and d else exact_number(d, value.dtype)
            text.append("  ")
            text.append(STRINGS.get("change", self.lang, delta=delta), Style(italic=True))
        return text

    @staticmethod
    def _index(value: TensorValue, r: int, c: int) -> str:
        shape = value.shape
        if not shape:
            return ""
        if len(shape) == 1:
            return f"[{c}]"
        idx, rest = [], r
        for d in reversed(shape[:-1]):
            idx.append(rest % d)
            rest //= d
        return "[" + ", ".join(str(i) for i in [*reversed(idx), c]) + "]"

    def _scroll_to_cursor(self) -> None:
        """Bring the cursor's line on screen, with its column numbers when
        they fit."""
        if self._cursor is None or self._built_for <= 0:
            return
        t, r, c = self._cursor
        start = self._grid_at.get((t, "grid"))
        if start is None:
            return
        model = self._targets[t].grid
        line = model.cursor_line(self._built_for, r, c)
        y = start + line
        top = start if line <= model.header_lines else y - (1 if model.header_lines and r == 0 else 0)
        self.show_line(top, y)

    def watch_has_focus(self, has_focus: bool) -> None:
        super().watch_has_focus(has_focus)
        if self._targets:  # the cursor shows strongly and the exact line only with focus
            self._move_to(self._cursor, focus_changed=True)

    @property
    def cursor(self) -> tuple[str, int, int] | None:
        """(expression, row, column) under the cursor, None when nothing is."""
        if self._cursor is None:
            return None
        t, r, c = self._cursor
        return (self._targets[t].expr, r, c)


class _Legend(_Line):
    """A grid's legend: its text depends on the width (which mode fits)."""

    def __init__(self, model: GridModel, extra: str | None, lang: str) -> None:
        super().__init__(Text(""), "tensor-view--legend")
        self.model = model
        self.extra = extra
        self.lang = lang

    def at(self, width: int) -> Text:
        mode, _, _ = self.model.fit(width)
        lines = self.model.legend(mode, self.lang)
        if self.extra:
            lines.append(self.extra)
        return Text("\n".join(lines))
