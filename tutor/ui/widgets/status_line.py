"""One line that says where the learner is: lesson, step n of m, the
parameters in force and the loss.

It sits apart from the big panes on purpose: the numbers that change on
every key press live in a one-line widget, so a step redraws a few dozen
bytes here instead of a whole pane (this matters over SSH).
"""

from __future__ import annotations

from rich.text import Text
from textual.timer import Timer
from textual.widget import Widget

NOTE_SECONDS = 4  # a note stays this long, or until the next step
BUSY_DELAY = 0.25  # seconds before "running..." shows: a fast step never flickers


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

    def __init__(self, running: str = "running...", **kwargs) -> None:
        super().__init__(**kwargs)
        self._parts: tuple = ("", "", (), "", "")
        self._running_text = running
        self._note = ""
        self._busy = False
        self._note_timer: Timer | None = None
        self._busy_timer: Timer | None = None

    def say(self, text: str) -> None:
        """A short note (instead of a toast over the values), gone after
        NOTE_SECONDS or at the next `clear_note`."""
        self._note = text
        if self._note_timer is not None:
            self._note_timer.stop()
        self._note_timer = self.set_timer(NOTE_SECONDS, self.clear_note) if text else None
        self._show_message()

    def clear_note(self) -> None:
        if self._note_timer is not None:
            self._note_timer.stop()
            self._note_timer = None
        self._note = ""
        self._show_message()

    def set_busy(self, busy: bool) -> None:
        """A step is running: "running..." shows once it has run BUSY_DELAY."""
        if busy == (self._busy_timer is not None or self._busy):
            return
        if self._busy_timer is not None:
            self._busy_timer.stop()
            self._busy_timer = None
        if busy:
            self._busy_timer = self.set_timer(BUSY_DELAY, self._busy_now)
        else:
            self._busy = False
            self._show_message()

    def _busy_now(self) -> None:
        self._busy_timer = None
        self._busy = True
        self._show_message()

    @property
    def message(self) -> str:
        return self._running_text if self._busy else self._note

    def _show_message(self) -> None:
        lesson, step, params, loss, _ = self._parts
        self.set_state(lesson, step, params, loss)

    def set_state(
        self,
        lesson: str,
        step: str,
        params: tuple[tuple[str, str, bool], ...] = (),
        loss: str = "",
    ) -> None:
        """Update the line; redraws only when something actually changed.

        `params` holds (name, value text, selected) — the selected one is
        the one + and - change, marked with brackets so it reads without colour.
        """
        parts = (lesson, step, tuple(params), loss, self.message)
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
