"""Every key of the app, in the learner's language, in one modal screen."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tutor.ui.screens.styled_once import StyledOnce
from tutor.ui.strings import t
from tutor.ui.widgets.key_bar import KeyBar
from tutor.ui.widgets.too_small import TooSmall

# (keys as the learner types them, description key). One list serves the
# help screen and the test that checks every bound key is documented. The
# arrow keys are drawn as arrows, which read the same in both languages.
KEYS: list[tuple[str, str]] = [
    ("→  n  Space", "help_next"),
    ("←  p", "help_prev"),
    ("r", "help_rerun"),
    ("+  -", "help_param"),
    ("k", "help_param_next"),
    ("a  Enter", "help_answer"),
    ("Esc", "help_leave"),
    ("h", "help_hint"),
    ("Tab  Shift+Tab", "help_tab"),
    ("↑ ↓", "help_arrows"),
    ("z", "help_zoom"),
    ("Ctrl+R  F5", "help_run_code"),
    ("Ctrl+O  Ctrl+T", "help_code_reset"),
    ("l  Esc", "help_menu"),
    ("Enter", "help_open"),
    ("?  F1", "help_help"),
    ("q", "help_quit"),
]


class HelpScreen(StyledOnce, ModalScreen):
    """The key list. Escape, ? or F1 close it."""

    @classmethod
    def bindings(cls, lang: str) -> list[Binding]:
        return [
            Binding("escape,question_mark,f1", "dismiss", t("key_close", lang), key_display="Esc"),
        ]

    def __init__(self, lang: str) -> None:
        super().__init__(id="help")
        self.lang = lang

    def compose(self) -> ComposeResult:
        lang = self.lang
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for keys, desc in KEYS:
            table.add_row(keys, t(desc, lang))
        with VerticalScroll(id="help-box") as box:
            box.border_title = t("help_title", lang)
            yield Static(table, id="help-keys")
            yield Static(Text(t("help_close", lang), style="dim"), id="help-close")
        yield TooSmall(t("too_small", lang))
        yield KeyBar()  # the other screens' key line, not Textual's Footer
