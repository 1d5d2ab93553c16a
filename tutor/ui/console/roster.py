"""The live roster: one row per learner, sorted by any column.

A DataTable, updated in place: when the order of the learners is the same
as on screen, only the cells whose text changed are updated (a key's age
ticking is one cell); a new order (a sort, a learner joining) rebuilds the
rows and keeps the cursor on the same learner. The rows come sorted from
`ClassState.roster`, so the order is the model's, tested without a screen.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widgets import DataTable

from tutor.classroom import COLUMNS, RosterRow
from tutor.notation import shortened
from tutor.ui.console.strings import t

NAME_WIDTH = 12
LESSON_WIDTH = 12


def age_text(seconds: float | None) -> str:
    """A key's age in one short word: 4s, 12m, 3h; "-" when no key is known."""
    if seconds is None:
        return "-"
    if seconds < 60:
        return f"{int(seconds)}s"
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    return f"{int(seconds // 3600)}h"


def row_cells(row: RosterRow, lang: str) -> tuple[str, ...]:
    """The row's cells as text, in COLUMNS order (plain strings: a test reads them)."""
    if row.stuck == "tries":
        stuck = t("stuck_tries", lang, n=row.wrong_here)
    elif row.stuck == "time":
        stuck = t("stuck_time", lang, n=int(row.minutes_on_step or 0))
    else:
        stuck = ""
    step = f"{row.index + 1}/{row.steps}" if row.index is not None and row.steps else "-"
    return (
        shortened(row.learner, NAME_WIDTH),
        "●" if row.connected else "·",
        shortened(row.lesson or "-", LESSON_WIDTH),
        step,
        f"{row.right}/{row.tried}",
        str(row.hints),
        age_text(row.key_age),
        stuck,
    )


class RosterTable(DataTable):
    """The class, one learner a row (see the module docstring)."""

    def __init__(self, lang: str, **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, show_cursor=True, **kwargs)
        self.lang = lang
        self._order: list[str] = []
        self._cells: dict[str, tuple[str, ...]] = {}
        self._stuck: dict[str, bool] = {}
        self._header: tuple[str, bool] | None = None

    def set_header(self, sort_by: str, reverse: bool) -> None:
        """Column titles, the sorted one marked ▲ (ascending) or ▼."""
        if self._header == (sort_by, reverse) and self.columns:
            return
        self._header = (sort_by, reverse)
        labels = []
        for column in COLUMNS:
            label = t(f"col_{column}", self.lang)
            if column == sort_by:
                label += " ▼" if reverse else " ▲"
            labels.append(label)
        if not self.columns:
            for column, label in zip(COLUMNS, labels):
                self.add_column(label, key=column)
            return
        for column, label in zip(COLUMNS, labels):
            self.columns[column].label = Text(label)  # type: ignore[index]
        self.refresh()

    def show(self, rows: Sequence[RosterRow]) -> None:
        """Make the table show `rows`, in this order, touching what changed."""
        order = [row.learner for row in rows]
        cells = {row.learner: row_cells(row, self.lang) for row in rows}
        stuck = {row.learner: row.stuck is not None for row in rows}
        if order != self._order or stuck != self._stuck:
            self._rebuild(order, cells, stuck)
            return
        for name in order:
            old, new = self._cells[name], cells[name]
            if old == new:
                continue
            for column, before, after in zip(COLUMNS, old, new):
                if before != after:
                    self.update_cell(name, column, self._cell(after, stuck[name]))
            self._cells[name] = new

    def _cell(self, text: str, stuck: bool) -> Text:
        # a stuck learner's row is bold: seen without colour too (the Stuck cell says why)
        return Text(text, style="bold" if stuck else "")

    def _rebuild(self, order: list[str], cells: dict[str, tuple[str, ...]], stuck: dict[str, bool]) -> None:
        current = self._order[self.cursor_row] if 0 <= self.cursor_row < len(self._order) else None
        self.clear()
        for name in order:
            self.add_row(*(self._cell(text, stuck[name]) for text in cells[name]), key=name)
        self._order, self._cells, self._stuck = order, cells, stuck
        if current in order:
            self.move_cursor(row=order.index(current), scroll=False)

    def cell_texts(self) -> list[tuple[str, ...]]:
        """The rows as shown, top to bottom (for tests and the benchmark)."""
        return [self._cells[name] for name in self._order]
