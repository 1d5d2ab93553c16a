"""One line that says where the learner is: lesson, step n of m, the
parameters in force and the loss.

It sits apart from the big panes on purpose: the numbers that change on
every key press live in a one-line widget, so a step redraws a few dozen
bytes here instead of a whole pane (this matters over SSH).
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget


class StatusLine(Widget):
    """`lesson · step n/m · lr = 0.001 · loss 0.6931 · running...`"""

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        width: 1fr;
        background: $panel;
        color: $foreground;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._parts: tuple = ("", "", (), "", "")

    def set_state(
        self,
        lesson: str,
        step: str,
        params: tuple[tuple[str, str, bool], ...] = (),
        loss: str = "",
        busy: str = "",
    ) -> None:
        """Update the line; redraws only when something actually changed.

        `params` holds (name, value text, selected) — the selected one is
        the one + and - change, marked with brackets so it reads without colour.
        """
        parts = (lesson, step, tuple(params), loss, busy)
        if parts != self._parts:
            self._parts = parts
            self.refresh()

    @property
    def plain(self) -> str:
        return self.render().plain

    def render(self) -> Text:
        lesson, step, params, loss, busy = self._parts
        tail = Text()
        tail.append(f" {step}", style="bold")
        for name, value, selected in params:
            tail.append("  ")
            label = f"{name} = {value}"
            tail.append(f"[{label}]" if selected and len(params) > 1 else label, style="bold")
        if loss:
            tail.append(f"  {loss}")
        if busy:
            tail.append(f"  {busy}", style="italic")
        width = self.size.width or 80
        room = max(width - tail.cell_len - 3, 0)
        title = lesson if len(lesson) <= room else (lesson[: max(room - 1, 0)] + "~" if room > 1 else "")
        line = Text(" ")
        line.append(title, style="bold")
        line.append(" |" if title else "")
        line.append_text(tail)
        line.no_wrap = True
        line.overflow = "ellipsis"
        return line
