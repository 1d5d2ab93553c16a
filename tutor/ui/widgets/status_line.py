"""One line that says where the learner is: lesson, step n of m, the
parameters in force and the loss.

It sits apart from the big panes on purpose: the numbers that change on
every key press live in a one-line widget, so a step redraws a few dozen
bytes here instead of a whole pane (this matters over SSH). Being a
OneLine, its line is drawn to a Strip once per change, not at each repaint.
"""

from __future__ import annotations

from rich.text import Text
from textual.timer import Timer

from tutor.notation import shortened
from tutor.ui.widgets.text_line import OneLine

NOTE_SECONDS = 4  # a note stays this long, or until the next step
BUSY_DELAY = 0.25  # seconds before "running..." shows: a fast step never flickers
TITLE_CUT = 8  # the fewest cells a title is cut to for a message ("Descida…")


class StatusLine(OneLine):
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
        self._class = ""  # a guided class: "following NAME", the instructor's message
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

    def show_class_note(self, text: str) -> None:
        """What a guided class shows until it changes (ClassControl)."""
        self._class = text
        self._show_message()

    @property
    def message(self) -> str:
        own = self._running_text if self._busy else self._note
        if not self._class or own.startswith(self._class):  # "following ana: wait..." says both
            return own or self._class
        return f"{self._class} | {own}" if own else self._class

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

    def line_key(self) -> tuple:
        return self._parts

    @property
    def plain(self) -> str:
        return self.line_text(self.size.width or 80).plain

    def line_text(self, width: int) -> Text:
        """The lesson's title whole, then the step, params and loss; a
        message gets the room that is left. A message first pushes the loss
        (and, if that makes it fit, the params) out while it shows, so the
        title stays whole for a short note ("This is the first step.").
        Only a message that fits in no way beside the whole title cuts the
        title at a word for the few seconds it shows: it is what the learner
        must read now ("End of the lesson. n again: next lesson, ..."), and
        the title comes back with it gone. A message longer still has the
        line to itself but for the step, and is cut at the line's end."""
        lesson, step, params, loss, message = self._parts

        def tail(with_params: bool, with_loss: bool) -> Text:
            text = Text()
            text.append(f" {step}", style="bold")
            for name, value, selected in params if with_params else ():
                text.append("  ")
                label = f"{name} = {value}"
                text.append(f"[{label}]" if selected and len(params) > 1 else label, style="bold")
            if loss and with_loss:
                text.append(f"  {loss}")
            return text

        def heading(room: int) -> Text:
            title = shortened(lesson, room, at_word=True) if room > 1 else ""
            head = Text(" ")
            head.append(title, style="bold")
            head.append(" |" if title else "")
            return head

        base = tail(True, True)
        head = heading(width - base.cell_len - 3)
        if message:
            # the first way that leaves the message whole: (params, loss,
            # title), the title whole or cut to no fewer than TITLE_CUT
            # cells; if none does, the message gets all the room but the
            # step's and is cut at the edge (its start says what to do:
            # "... n again: next lesson, Updating model parame…")
            whole = head
            base, head = tail(False, False), Text(" ")
            for with_params, with_loss, title in (
                (True, True, "whole"),
                (True, False, "whole"),
                (False, False, "whole"),
                (True, False, "cut"),
                (False, False, "cut"),
            ):
                candidate = tail(with_params, with_loss)
                left = width - candidate.cell_len - 2 - len(message)
                if title == "cut" and left - 3 < TITLE_CUT:
                    continue
                room = heading(left - 3) if title == "cut" else whole
                if room.cell_len <= left:
                    base, head = candidate, room
                    break
            base.append(f"  {message}", style="italic")
        line = head
        line.append_text(base)
        line.no_wrap = True
        line.overflow = "ellipsis"
        return line
