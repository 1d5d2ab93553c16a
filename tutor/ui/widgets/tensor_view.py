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

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region
from textual.strip import Strip

from tutor.ui import shared_lines
from tutor.ui.widgets.line_pane import LinePane
from tutor.ui.widgets.tensor_grid import (
    STRINGS,
    GridModel,
    _as_change,
    exact_number,
    indexable,
    named_first,
    number_text,
    shape_text,
)
from tutor.values import NumberValue, TensorValue, TextValue, Value, format_number

# --- the view ----------------------------------------------------------------


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


@dataclass
class _Prepared:
    """A step's values laid out ahead (`TensorView.prepare`): the blocks and
    cursor targets, and the lines for the width, cursor and focus then. It
    holds the values themselves, so the ids in its key stay theirs."""

    values: list[Value]
    previous: Mapping[str, Value]
    blocks: list[_Line | _Grid]
    targets: list[_Target]
    built: tuple[int, tuple[int, int, int] | None, bool, list[Strip], dict[tuple[int, str], int]] | None


PREPARED_MAX = 3  # steps laid out ahead (the next and the one before)


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
        text-style: none;
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
        self._ready: OrderedDict[tuple, _Prepared] = OrderedDict()
        self._preset: tuple[int, list[Strip], dict[tuple[int, str], int]] | None = None

    # --- content -------------------------------------------------------------

    def show(self, values: Mapping[str, Value], previous: Mapping[str, Value], *, named: str = "") -> None:
        """Show `values`, comparing each with `previous`. The values that
        `named` (the step's text) mentions come first, in the order it
        mentions them, so the numbers the text talks about need no hunting;
        the others follow in their own order."""
        if self._shown is not None and self._shown[0] is values and self._shown[1] is previous:
            return  # the same result again (an answer revealed it, say)
        self._shown = (values, previous)
        old_cursor = self._cursor_key()
        key = self._key(values, previous, named)
        if key not in self._ready and self.known_size.width:
            self.prepare(values, previous, named=named)  # or found kept by the warm process
        ready = self._ready.pop(key, None)
        if ready is not None:
            blocks, self._targets = ready.blocks, ready.targets
        else:
            blocks, self._targets = self._layout(values, previous, named)
        self._blocks_ = blocks
        self._restore_cursor(old_cursor)
        self._exact_cache = None
        built = ready.built if ready is not None else None
        if built is not None and built[:3] == (self.known_size.width, self._cursor, self.has_focus):
            self._preset = (built[0], built[3], built[4])  # invalidate() takes these lines
        self.invalidate()
        if self._cursor is not None and self._cursor != (0, 0, 0):
            self._scroll_to_cursor()

    def prepare(self, values: Mapping[str, Value], previous: Mapping[str, Value], *, named: str = "") -> None:
        """Lay out `values` now, at the pane's width, for a later `show` of
        the same values: laying out a step's tensors is the costliest part
        of drawing it (13-40 ms under cProfile for backprop-order's
        gradients), and the lesson screen prepares the next step's while the
        learner reads."""
        key = self._key(values, previous, named)
        if key in self._ready:
            return
        slot = self._shared_slot(key)
        prepared = shared_lines.find(slot)
        if prepared is None:
            blocks, targets = self._layout(values, previous, named)
            width = self.known_size.width
            built = None
            if width:
                cursor = self._cursor_for(targets, self._cursor_key())
                lines, grid_at = self._build(blocks, width, cursor, self.has_focus)
                built = (width, cursor, self.has_focus, lines, grid_at)
            prepared = _Prepared(list(values.values()), previous, blocks, targets, built)
            shared_lines.keep(slot, prepared)
        self._ready[key] = prepared
        while len(self._ready) > PREPARED_MAX:
            self._ready.popitem(last=False)

    def _shared_slot(self, key: tuple) -> tuple:
        """Where a classroom server's warm process kept these values laid
        out (`shared_lines`): their key (the values' ids: the entry holds
        them), and what else the lines depend on."""
        return ("values", key, self.known_size.width, self.lang, self.app.no_color, self.app.theme, self.rich_style)

    @staticmethod
    def _key(values: Mapping[str, Value], previous: Mapping[str, Value], named: str) -> tuple:
        return (tuple((expr, id(value)) for expr, value in values.items()), id(previous), named)

    def _layout(self, values: Mapping[str, Value], previous: Mapping[str, Value],
                named: str) -> tuple[list[_Line | _Grid], list[_Target]]:
        """The blocks `values` are drawn in, and the tensors the cursor visits."""
        saved, self._targets = self._targets, []
        try:
            blocks: list[_Line | _Grid] = []
            for expr, value in dict(named_first(values, named)).items():
                if blocks:
                    blocks.append(_Line(Text(""), "tensor-view--name"))
                blocks.extend(self._blocks(expr, value, previous.get(expr)))
            if not blocks:
                blocks.append(_Line(Text(self.empty_text), "tensor-view--empty"))
            elif self._targets:
                blocks.append(_Line(Text(""), "tensor-view--name"))
                blocks.append(_Line(Text(STRINGS.get("hint", self.lang)), "tensor-view--note"))
            return blocks, self._targets
        finally:
            self._targets = saved

    def build_lines(self, width: int) -> list[Strip]:
        preset, self._preset = self._preset, None
        if preset is not None and preset[0] == width:
            # copies: a cursor move rewrites lines in place, and these may be
            # another step's prepared (or the warm process's kept) lines
            self._grid_at = dict(preset[2])
            return list(preset[1])
        lines, self._grid_at = self._build(self._blocks_, width, self._cursor, self.has_focus)
        return lines

    def _build(self, blocks: list[_Line | _Grid], width: int, cursor: tuple[int, int, int] | None,
               has_focus: bool) -> tuple[list[Strip], dict[tuple[int, str], int]]:
        """The lines of `blocks` at `width`, the cursor's cell marked, and
        where each grid starts."""
        lines: list[Strip] = []
        grid_at: dict[tuple[int, str], int] = {}
        explained = False  # the digit view is explained in words once
        for block in blocks:
            if isinstance(block, _Grid):
                grid_at[(block.target, block.which)] = len(lines)
                on_it = cursor is not None and cursor[0] == block.target
                cell = (cursor[1], cursor[2]) if cursor is not None and on_it else None
                focused = has_focus if on_it else False
                for text in block.model.render(width, cell, focused):
                    lines.extend(self.render_text(text, width))
            else:
                if isinstance(block, _Legend):
                    text = block.at(width, explained)
                    explained = explained or block.model.fit(width)[0].kind == "heat"
                else:
                    text = block.text
                if isinstance(block, _Legend) and not text.plain:
                    continue  # a grid that reads without a legend
                style = self.get_component_rich_style(block.role, partial=True)
                lines.extend(self.render_text(text, width, wrap=True, style=style))
        return lines, grid_at

    def footer_lines(self, width: int) -> list[Strip]:
        """The exact line under the values: the entry under the cursor."""
        # only with focus: unfocused, a pinned line would cover the values
        # (the hint to Tab here is the content's last line instead)
        if self._cursor is None or not width or not self.has_focus:
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
        meta = Text()
        meta.append(shape_text(value, self.lang), Style(bold=True))
        meta.append(f" {value.dtype}")
        if value.requires_grad:
            meta.append(" requires_grad", Style(italic=True))
        out: list[_Line | _Grid] = [_Line(meta, "tensor-view--meta")]
        if value.numel == 0:
            out.append(_Line(Text(STRINGS.get("empty_tensor", self.lang)), "tensor-view--note"))
            return out
        target = len(self._targets)
        colour = not self.app.no_color
        model = GridModel(value, colour=colour)
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
                    change_model = GridModel(_as_change(value.dtype, delta), is_change=True, colour=colour)
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
            return number_text(value.value)
        if isinstance(value, TextValue):
            return value.text
        if isinstance(value, TensorValue):
            return f"{shape_text(value, self.lang)} {value.dtype}"
        items = value.items
        numbers = [i for i in items if isinstance(i, NumberValue)]
        if items and len(numbers) == len(items) and all(type(i.value) is int for i in numbers):
            inner = ", ".join(str(i.value) for i in numbers)  # a shape: (8, 16)
            return f"({inner},)" if len(items) == 1 else f"({inner})"
        if len(numbers) == len(items):
            return "[" + ", ".join(format_number(i.value) for i in numbers) + "]"
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
            text += ", " + STRINGS.get("change", self.lang, delta=number_text(delta))
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
        self._cursor = self._cursor_for(self._targets, key)

    @staticmethod
    def _cursor_for(targets: list[_Target], key) -> tuple[int, int, int] | None:
        if key is not None:
            expr, shape, r, c = key
            for t, target in enumerate(targets):
                if target.expr == expr and target.value.shape == shape:
                    return (t, r, c)
        return (0, 0, 0) if targets else None

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
        for place in (p for p in {old, cursor} if p is not None):
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

    def at(self, width: int, explained: bool = False) -> Text:
        mode, _, _ = self.model.fit(width)
        lines = self.model.legend(mode, self.lang, explained)
        if self.extra:
            lines.append(self.extra)
        return Text("\n".join(lines))
