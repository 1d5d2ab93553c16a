"""The console's two small dialogs: a yes/no question before an action that
disturbs the learners, and the one-line message to the class."""

from __future__ import annotations

import unicodedata

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from tutor.ui.console.strings import t
from tutor.ui.widgets.key_bar import KeyBar
from tutor.ui.widgets.text_box_keys import TextBoxKeys

MESSAGE_LIMIT = 200  # characters of a message (the class channel's limit)


def one_line(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """A message as learners get it: one line of printable text, spaces
    squeezed, at most `limit` characters (a paste keeps no control codes)."""
    kept = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return " ".join(kept.split())[:limit]


class ConfirmScreen(ModalScreen[bool]):
    """`question`, then y (or s in Portuguese) says yes; n or Esc says no.
    Made through `tutor.ui.screens.keys.localized(ConfirmScreen, lang)`."""

    @classmethod
    def bindings(cls, lang: str) -> list[Binding]:
        return [
            Binding("y,s" if lang == "pt" else "y", "answer(True)", t("key_yes", lang),
                    key_display="s" if lang == "pt" else "y"),
            Binding("n,escape", "answer(False)", t("key_no", lang), key_display="n"),
        ]

    def __init__(self, question: str, lang: str) -> None:
        super().__init__(classes="console-dialog")
        self.question = question
        self.lang = lang

    def compose(self) -> ComposeResult:
        with Vertical(id="console-dialog-box"):
            yield Static(Text(self.question), id="console-dialog-text")
            yield Static(Text(t("confirm_keys", self.lang), style="bold"), id="console-dialog-keys")
        yield KeyBar()

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class MessageInput(TextBoxKeys, Input):
    """The message's line: its Backspace, arrows and Enter take effect where
    they were typed, however fast (TextBoxKeys)."""


class MessageScreen(ModalScreen[str | None]):
    """A line to type: Enter sends it (None when empty), Esc cancels."""

    BINDINGS = [Binding("escape", "cancel", show=False)]

    def __init__(self, lang: str) -> None:
        super().__init__(classes="console-dialog")
        self.lang = lang

    def compose(self) -> ComposeResult:
        with Vertical(id="console-dialog-box"):
            yield Static(Text(t("message_prompt", self.lang, limit=MESSAGE_LIMIT)), id="console-dialog-text")
            yield MessageInput(placeholder=t("message_placeholder", self.lang), max_length=MESSAGE_LIMIT,
                               id="console-message")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(one_line(event.value) or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
