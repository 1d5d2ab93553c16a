"""A step's checkpoint: the prompt, an answer box, the verdict and the hints.

"Predict, then reveal": the lesson screen hides a question step's values
until the learner answers here (or asks for the worked answer), because a
guess made before seeing the number is what makes the number stick. The
panel only displays; the screen checks answers (tutor.checking) and keeps
the record (tutor.progress).
"""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Input, Static

from tutor.ui.widgets.paint_once import PaintOnce


class AnswerInput(Input):
    """The answer box. Escape leaves it, so the lesson keys work again
    (inside the box `n`, `q`, `l` are letters of the answer)."""

    BINDINGS = [Binding("escape", "leave", "leave", show=False)]

    def action_leave(self) -> None:
        self.screen.set_focus(None)


class _Text(PaintOnce, Static):
    """A line of the panel; a new question changes its height, and it is
    painted once for that (see paint_once)."""


class QuestionPanel(PaintOnce, VerticalScroll):
    """Prompt, options (choice questions), answer box, verdict, hints."""

    DEFAULT_CSS = """
    QuestionPanel {
        height: auto;
    }
    QuestionPanel > Static {
        width: 1fr;
    }
    QuestionPanel > #q-prompt {
        text-style: bold;
    }
    QuestionPanel > AnswerInput {
        margin: 0;
        background: $boost;
        border-left: outer $foreground 40%;
    }
    QuestionPanel > AnswerInput:focus {
        border-left: outer $accent;
    }
    """

    def compose(self):
        yield _Text(id="q-prompt")
        yield _Text(id="q-options")
        yield AnswerInput(id="q-input", max_length=200, compact=True)
        yield _Text(id="q-keys")
        yield _Text(id="q-feedback")
        yield _Text(id="q-hints")

    def __init__(self, keys_idle: str = "", keys_typing: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self._keys = (keys_idle, keys_typing)

    def on_mount(self) -> None:
        self._show_keys(False)

    def _show_keys(self, typing: bool) -> None:
        """The keys that work right now: the line changes when the box takes
        or leaves the focus, so the learner sees whether `n` types a letter
        or goes to the next step."""
        self.query_one("#q-keys", Static).update(Text(self._keys[typing], style="dim"))

    def on_descendant_focus(self, event) -> None:
        self._show_keys(isinstance(event.widget, AnswerInput))

    def on_descendant_blur(self, event) -> None:
        if isinstance(event.widget, AnswerInput):
            self._show_keys(False)

    def ask(self, prompt: str, options: list[tuple[str, str]], options_title: str,
            placeholder: str, note: RenderableType) -> None:
        """Start a fresh question: empty box, no verdict, no hints."""
        self.query_one("#q-prompt", Static).update(Text(prompt))
        opts = self.query_one("#q-options", Static)
        if options:
            text = Text(options_title + "\n", style="dim")
            for key, label in options:
                text.append(f" {key}) ", style="bold")
                text.append(label + "\n")
            text.rstrip()
            opts.update(text)
            opts.display = True
        else:
            opts.update("")
            opts.display = False
        box = self.query_one("#q-input", AnswerInput)
        box.value = ""
        box.placeholder = placeholder
        self.query_one("#q-feedback", Static).update(note)
        self.hints(Text(""))
        self.scroll_home(animate=False, immediate=True)

    def feedback(self, renderable: RenderableType) -> None:
        feedback = self.query_one("#q-feedback", Static)
        feedback.update(renderable)
        if self.is_mounted:  # the verdict may be below a long prompt
            self.call_after_refresh(self.scroll_to_widget, feedback, animate=False)

    def hints(self, renderable: RenderableType) -> None:
        hints = self.query_one("#q-hints", Static)
        hints.update(renderable)
        shown = bool(getattr(renderable, "plain", True))
        hints.display = shown
        if shown and self.is_mounted:  # the newest hint (or the worked answer) is the last line
            self.call_after_refresh(self.scroll_end, animate=False)

    def focus_answer(self) -> None:
        """Focus the box now, not after a refresh (`Widget.focus` defers):
        letters typed right after the key that opened the box belong to
        the answer, even when they arrive in the same burst."""
        self.screen.set_focus(self.query_one("#q-input", AnswerInput))

    @property
    def answer_box(self) -> AnswerInput:
        return self.query_one("#q-input", AnswerInput)
