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


class AnswerInput(Input):
    """The answer box. Escape leaves it, so the lesson keys work again
    (inside the box `n`, `q`, `l` are letters of the answer)."""

    BINDINGS = [Binding("escape", "leave", "leave", show=False)]

    def action_leave(self) -> None:
        self.screen.set_focus(None)


class QuestionPanel(VerticalScroll):
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
        yield Static(id="q-prompt")
        yield Static(id="q-options")
        yield AnswerInput(id="q-input", max_length=200, compact=True)
        yield Static(id="q-feedback")
        yield Static(id="q-hints")

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
        self.feedback(note)
        self.hints(Text(""))

    def feedback(self, renderable: RenderableType) -> None:
        self.query_one("#q-feedback", Static).update(renderable)

    def hints(self, renderable: RenderableType) -> None:
        hints = self.query_one("#q-hints", Static)
        hints.update(renderable)
        hints.display = bool(getattr(renderable, "plain", True))

    def focus_answer(self) -> None:
        self.query_one("#q-input", AnswerInput).focus()

    @property
    def answer_box(self) -> AnswerInput:
        return self.query_one("#q-input", AnswerInput)
