"""A step's checkpoint: the prompt, an answer box, the verdict, hints and the
worked answer, and what the learner has done with each question so far.

"Predict, then reveal": the lesson screen hides a question step's values
until the question is closed (answered right, or revealed), because a guess
made before seeing the number is what makes the number stick. A wrong
answer does not give the live value away: the learner may try again and
take hints; the value (and the worked answer) comes on the third wrong try,
when the hints run out and `h` is pressed again, or when the learner goes
on without answering (`reveal`).

The panel holds each question's state (hints taken, wrong tries, the last
answer) and checks answers (tutor.checking, data never code); it tells the
screen what happened with messages (`Answered`, `HintTaken`, `Closed`), and
the screen keeps the record (tutor.progress) and shows the values.

Focus: a verdict never moves the focus. The box keeps it after a right or a
wrong answer alike; Esc in the box leaves the box, and only that.

A code question (`kind = "code"`) has no answer box: the learner writes in
the editor that takes the code pane's place (tutor/ui/widgets/code_editor.py),
and the panel shows each run's verdict (`code_verdict`): what the code
printed, its error at the learner's line, each check, the matched mistake.
A failed run never reveals the solution by itself (writing code is trying
again); the solution key, or `h` past the last hint, does.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Group, RenderableType
from rich.markdown import Markdown
from rich.text import Text
from textual import on
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Input

from tutor import checking
from tutor.i18n import pick
from tutor.lesson import Question
from tutor.progress import QuestionProgress
from tutor.runner import CodeVerdict
from tutor.ui.screens.focus import focus_home
from tutor.ui.screens.keys import localized
from tutor.ui.strings import t
from tutor.ui.widgets.code_editor import STRINGS as CODE_STRINGS
from tutor.ui.widgets.code_editor import CodeArea
from tutor.ui.widgets.paint_once import PaintOnce
from tutor.ui.widgets.text_box_keys import TextBoxKeys
from tutor.ui.widgets.text_line import CachedRichStyle, TextLines
from tutor.ui.widgets.text_pane import TextPane
from tutor.ui.widgets.uniform_rows import UniformRows
from tutor.values import Value

TRIES_BEFORE_REVEAL = 3  # the live value shows on this wrong try


def code_marked(text: str) -> Text:
    """A prompt or a check's verdict is plain text (`x ** 2` must not turn
    bold as Markdown would have it), but a name in backticks is code: shown
    bold, without the backticks. An unpaired backtick stays as written."""
    if text.count("`") % 2:
        return Text(text)
    out = Text()
    for i, part in enumerate(text.split("`")):
        out.append(part, style="bold" if i % 2 else "")
    return out


def markdown(text: str) -> Markdown:
    """Hints and worked answers are Markdown (inline code, emphasis)."""
    return Markdown(text, code_theme="ansi_dark", inline_code_theme="ansi_dark")


def fill_answer(explain: str, answer: str) -> str:
    """A worked answer's Markdown with the live answer in place of
    `{answer}`, reading as written: "{answer}. `backward()` adds..." would
    otherwise open with item 12 of a numbered list, and an answer's own
    brackets or stars would be read as Markdown."""
    explain = _ANSWER_OPENS_LIST.sub(r"\1{answer}\\\2", explain)
    return explain.replace("{answer}", _MARKDOWN_PUNCTUATION.sub(r"\\\1", answer))


def verdict_style(right: bool) -> str:
    """A verdict's words, answer or code run: bold, in the terminal's own
    green or red (ANSI colours follow the learner's theme; a CSS red is 4:1
    on white), bold only under NO_COLOR. The + and x carry the meaning
    without colour. Rich's names: a Textual CSS name such as `ansi_green`
    is dropped by Rich without a word."""
    if os.environ.get("NO_COLOR"):
        return "bold"
    return "bold green" if right else "bold red"


def worked_answer(label: str, body: str) -> list[RenderableType]:
    """"Why:" and the worked answer, the label opening its first paragraph
    (one line fewer under a narrow pane's cap, where every line is the
    why's), or on a line of its own above a body that opens with a list,
    a heading, a quote or code, which a label before it would break."""
    if _OPENS_BLOCK.match(body):
        return [Text(label, style="bold"), markdown(body)]
    return [markdown(f"**{label}** {body.lstrip()}")]


_OPENS_BLOCK = re.compile(r" {4}|\s*(?:[-*+](?:\s|$)|[>#|]|```|~~~|\d+[.)](?:\s|$))")
_ANSWER_OPENS_LIST = re.compile(r"(?m)^(\s*)\{answer\}([.)])")
_MARKDOWN_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation mark may be escaped


def feedback_key(parts: list[RenderableType]) -> tuple | None:
    """What the feedback's parts say and how they look, as a key for its
    rendered lines (None: a part of another kind, rendered each time)."""
    key: list[tuple] = []
    for part in parts:
        if isinstance(part, Text):
            key.append(("text", part.plain, str(part.style), part.justify, part.overflow, part.no_wrap, part.end,
                        tuple((span.start, span.end, str(span.style)) for span in part.spans)))
        elif isinstance(part, Markdown):
            key.append(("markdown", part.markup, part.code_theme, part.inline_code_theme, part.justify))
        else:
            return None
    return tuple(key)


@dataclass
class QuestionState:
    """What the learner has done with one question while the lesson is open."""

    hints: int = 0  # hints shown
    wrong: int = 0  # wrong tries since the panel last showed it
    solved: bool = False
    revealed: bool = False  # the live value and worked answer were shown
    before: bool = False  # closed in an earlier session (from the store)
    answer: str | None = None  # the last answer checked: checked again for a new live value
    answer_was_right: bool = False  # `answer` matched the live value it was checked against
    pending: str | None = None  # an answer given before the step ran
    runs: int = 0  # a code question: runs of the learner's code
    code_verdict: CodeVerdict | None = None  # a code question: the last run's verdict

    @property
    def closed(self) -> bool:
        """The values may show: the question was answered right or revealed."""
        return self.solved or self.revealed or self.before


class AnswerInput(TextBoxKeys, Input):
    """The answer box. Escape leaves it, and does nothing else, so the lesson
    keys work again (inside the box `n`, `q`, `l` are letters of the answer).
    Its keys take effect in the order typed (TextBoxKeys). Made through
    `localized(AnswerInput, lang)`: the key line says "Esc leave box"."""

    @classmethod
    def bindings(cls, lang: str) -> list[Binding]:
        return [Binding("escape", "leave", t("key_leave", lang), key_display="Esc")]

    def action_leave(self) -> None:
        focus_home(self.screen)


class PanelLines(PaintOnce, TextLines):
    """A few lines of the panel (prompt, options, keys): a new question
    changes their height, and they are painted once for that (see
    paint_once)."""


class QuestionPanel(CachedRichStyle, PaintOnce, UniformRows, Vertical):
    """Prompt, options (choice questions), answer box, and under them the
    verdict, hints and why in a pane that scrolls itself and says "more".

    The panel does not scroll (so PaintOnce may paint it once when a new
    question changes its height: measured, a step with a question otherwise
    takes two frames); only its `#q-feedback` pane does, as a LinePane."""

    DEFAULT_CSS = """
    QuestionPanel {
        height: auto;
    }
    QuestionPanel > PanelLines {
        width: 1fr;
    }
    QuestionPanel > #q-feedback {
        height: auto;
        max-height: 9;
        border-top: solid $foreground 30%;
        border-title-color: $foreground;
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

    class Answered(Message):
        """An answer was checked (recorded by the screen)."""

        def __init__(self, index: int, answer: str, correct: bool) -> None:
            super().__init__()
            self.index = index
            self.answer = answer
            self.correct = correct

    class HintTaken(Message):
        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    class SolutionWanted(Message):
        """`h` past a code question's last hint: the screen puts the
        solution in the editor (and reveals)."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    class Closed(Message):
        """The question is closed: the screen shows the step's values.
        `revealed`: by the worked answer, not by a right answer."""

        def __init__(self, index: int, revealed: bool) -> None:
            super().__init__()
            self.index = index
            self.revealed = revealed

    def __init__(self, lang: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lang = lang
        self.states: dict[int, QuestionState] = {}
        self.index: int | None = None  # the step whose question is shown
        self.question: Question | None = None
        self.expected: Value | None = None
        self.ready = False  # the step ran: `expected` is its live value

    def compose(self):
        yield PanelLines(id="q-prompt")
        yield PanelLines(id="q-options")
        # no max_length: the box would cut a paste silently; the checker
        # says "too long" (with the length) instead
        yield localized(AnswerInput, self.lang)(id="q-input", compact=True)
        yield PanelLines(id="q-keys")
        yield TextPane("", t("more_below", self.lang), id="q-feedback")

    def on_mount(self) -> None:
        self.styles.max_height = "100%"
        self._show_keys(False)
        self.border_title = t("pane_question", self.lang)

    # ------------------------------------------------------------ focus

    def _show_keys(self, typing: bool) -> None:
        """The keys that work right now: the line changes when the box takes
        or leaves the focus, so the learner sees whether `n` types a letter
        or goes to the next step."""
        state = self.current
        closed = state is not None and state.closed
        self.query_one("#q-keys", PanelLines).update(self._keys_text(self.question, typing, closed))

    def _keys_text(self, question: Question | None, typing: bool, closed: bool) -> Text:
        """The keys line. Until the question is closed `n` goes on "anyway"
        (without answering); after, it just goes on."""
        if question is not None and question.kind == "code":
            text = CODE_STRINGS.get("keys_editing" if typing else "keys_idle", self.lang)
        elif typing:
            text = t("q_typing", self.lang)
        else:
            text = t("q_how_closed" if closed else "q_how", self.lang)
        return Text(text, style="dim")

    def on_descendant_focus(self, event) -> None:
        self._show_keys(isinstance(event.widget, AnswerInput))

    def on_descendant_blur(self, event) -> None:
        if isinstance(event.widget, AnswerInput):
            self._show_keys(False)

    def focus_answer(self) -> None:
        """Focus the box now, not after a refresh (`Widget.focus` defers):
        letters typed right after the key that opened the box belong to
        the answer, even when they arrive in the same burst."""
        self.screen.set_focus(self.answer_box)

    @property
    def answer_box(self) -> AnswerInput:
        return self.query_one("#q-input", AnswerInput)

    @property
    def typing(self) -> bool:
        """The learner types (in the answer box, or in a code question's
        editor): letters and Enter are theirs, not the lesson's."""
        focused = self.screen.focused
        return focused is self.answer_box or isinstance(focused, CodeArea)

    def editor_focus(self, editing: bool) -> None:
        """The screen's word that the code editor took or left the focus."""
        self._show_keys(editing)

    # ------------------------------------------------------------ state

    def state(self, index: int) -> QuestionState:
        return self.states.setdefault(index, QuestionState())

    @property
    def current(self) -> QuestionState | None:
        return self.states.get(self.index) if self.index is not None else None

    def ask(self, index: int, question: Question, record: QuestionProgress | None) -> None:
        """Show step `index`'s question as the learner left it (this session
        or, through `record`, an earlier one). The live value comes later,
        with `live`."""
        if self.index == index and self.question is question:
            return
        lang = self.lang
        if index not in self.states:
            self.states[index] = self._new_state(question, record)
        state = self.states[index]
        self.index, self.question = index, question
        self.expected, self.ready = None, False
        self.query_one("#q-prompt", PanelLines).update(code_marked(pick(question.prompt, lang)))
        opts = self.query_one("#q-options", PanelLines)
        if question.options:
            opts.update(self._options_text(question))
            opts.display = True
        else:
            opts.update("")
            opts.display = False
        box = self.answer_box
        box.display = question.kind != "code"  # code is written in the editor
        box.value = state.pending or state.answer or ""  # as the learner left it
        box.placeholder = t("q_placeholder", lang)
        self._show_keys(self.typing)
        self._render_feedback()

    @staticmethod
    def _new_state(question: Question, record: QuestionProgress | None) -> QuestionState:
        """A question's state the first time the panel shows it, as an
        earlier session (`record`) left it."""
        state = QuestionState()
        if record is not None:
            state.before = record.solved or record.revealed
            state.hints = min(record.hints, len(question.hints))
        return state

    def _options_text(self, question: Question) -> Text:
        text = Text(t("q_options", self.lang) + "\n", style="dim")
        for option in question.options:
            text.append(f" {option.key}) ", style="bold")
            text.append(pick(option.text, self.lang) + "\n")
        text.rstrip()
        return text

    def prepare(self, index: int, question: Question, record: QuestionProgress | None, narrower: int = 0) -> None:
        """Wrap step `index`'s question (prompt, options, keys line) and
        render the feedback `ask` will show under it, now, while the learner
        reads the step before, at the widths the key that asks it will give
        them: those they last had, less `narrower` columns (a code
        question's step narrows the side column). `ask` then finds their
        lines (timed on the key onto a question: ~0.5 ms each when drawn
        there). `record`: the question's record from the store, if the
        panel has not shown it yet."""
        state = self.states.get(index) or self._new_state(question, record)
        prompt = self.query_one("#q-prompt", PanelLines)
        width = prompt.known_width - narrower
        if width > 0:
            prompt.prepare(code_marked(pick(question.prompt, self.lang)), width)
            self.query_one("#q-keys", PanelLines).prepare(self._keys_text(question, False, state.closed), width)
            if question.options:
                self.query_one("#q-options", PanelLines).prepare(self._options_text(question), width)
        feedback = self.query_one("#q-feedback", TextPane)
        width = feedback.known_size.width - narrower
        if width > 0:
            parts = self._feedback_parts(question, state, None, lambda: None)  # before the step runs
            group = Group(*parts)
            named = self._feedback_name(group, parts)
            if named is not None:
                feedback.prepare(group, named, width)

    def live(self, expected: Value | None) -> None:
        """The step ran (again: a new parameter value gives a new live value).
        An answer waiting for it is checked now; a verdict on screen is
        checked again against the new value, never left stale."""
        self.expected, self.ready = expected, True
        state = self.current
        if state is None:
            return
        if state.pending is not None:
            text, state.pending = state.pending, None
            self.submit(text)
            return
        self._render_feedback()

    def submit(self, text: str) -> None:
        """Check the learner's answer against the live value and say how it went."""
        state, question, index = self.current, self.question, self.index
        if state is None or question is None or index is None:
            return
        lang = self.lang
        if not self.ready:
            # typed before the step finished running: checked when it has
            state.pending = text
            self._feedback(Text(t("q_waiting", lang), style="italic"))
            return
        if question.kind == "code":
            self._feedback(Text(CODE_STRINGS.get("write_first", lang), style="italic"))
            return
        if self.expected is None:
            self._feedback(Text(t("q_unavailable", lang), style="bold"))
            return
        try:
            verdict = checking.check(question, self.expected, text, lang)
        except checking.AnswerError as exc:
            self._feedback(Text("? " + exc.message, style="bold"))
            return
        except Exception:  # a live value the checker cannot use
            self._feedback(Text(t("q_unavailable", lang), style="bold"))
            return
        state.answer, state.answer_was_right = text, verdict.correct
        was_closed = state.closed
        if verdict.correct:
            state.solved = True
        else:
            state.wrong += 1
            if state.wrong >= TRIES_BEFORE_REVEAL and not state.revealed:
                state.revealed = True
        self.post_message(self.Answered(index, text, verdict.correct))
        if state.closed and not was_closed:
            self.post_message(self.Closed(index, revealed=not verdict.correct))
            self._show_keys(self.typing)  # an answer typed ahead is checked with the box left
        self._render_feedback(verdict)

    def hint(self) -> None:
        """The next hint; past the last one, the worked answer (once the step ran)."""
        state, question, index = self.current, self.question, self.index
        if state is None or question is None or index is None:
            return
        if state.hints < len(question.hints):
            state.hints += 1
            self.post_message(self.HintTaken(index))
            self._render_feedback()
        elif question.kind == "code":
            self.post_message(self.SolutionWanted(index))
        elif self.ready:
            self.reveal()

    def reveal(self) -> None:
        """Show the live value and the worked answer (asked for, or the
        learner goes on without answering right)."""
        state, index = self.current, self.index
        code = self.question is not None and self.question.kind == "code"
        if state is None or index is None or not (self.ready or code) or state.revealed:
            return
        state.revealed = True
        was_closed = state.solved or state.before
        if not was_closed:
            self.post_message(self.Closed(index, revealed=True))
            self._show_keys(self.typing)
        self._render_feedback()

    def code_verdict(self, index: int, verdict: CodeVerdict) -> None:
        """A run of the learner's code for step `index` came back: keep it
        (shown again when the learner comes back to the step) and say how it
        went. A passing run closes the question."""
        state = self.state(index)
        state.runs += 1
        state.code_verdict = verdict
        was_closed = state.closed
        if verdict.passed:
            state.solved = True
        else:
            state.wrong += 1
        if state.closed and not was_closed:
            self.post_message(self.Closed(index, revealed=False))
        if index == self.index:
            self._render_feedback()

    # ------------------------------------------------------------ display

    def _code_feedback(self, state: QuestionState) -> list[RenderableType]:
        """A code run's verdict: right or not yet; the error (at the
        learner's line) or the stop; each check with + or x; the matched
        mistake's message; what the code printed."""
        verdict, lang = state.code_verdict, self.lang
        if verdict is None:
            return []
        if verdict.passed:
            head = Text("+ " + CODE_STRINGS.get("right", lang), style=verdict_style(True))
        else:
            head = Text("x " + CODE_STRINGS.get("wrong", lang, n=state.runs), style=verdict_style(False))
        out: list[RenderableType] = [head]
        problems = verdict.problem_lines
        for i, line in enumerate(problems):
            out.append(Text(line, style="bold" if i == 0 else ""))
        rest = verdict.lines[len(problems):]
        for (_expr, right), line in zip(verdict.checks, rest):
            if problems and not right:
                continue  # not checked: the problem above says why
            out.append(Text("+ " if right else "x ") + code_marked(line))
        rest = rest[len(verdict.checks):]
        if verdict.mistake is not None and rest:
            out.append(markdown(rest[0]))
        if verdict.output:
            out.append(Text(CODE_STRINGS.get("printed", lang), style="bold"))
            out.append(Text("\n".join("  " + line for line in verdict.output)))
        return out

    def _expected_text(self) -> str | None:
        if not self.ready or self.expected is None or self.question is None:
            return None
        try:
            return checking.expected_text(self.question, self.expected, self.lang)
        except Exception:
            return None

    def _render_feedback(self, verdict: checking.Verdict | None = None) -> None:
        """The verdict (of `verdict`, or of the last answer checked again
        against the live value), the hints taken, and the why once the
        question is closed."""
        state, question, lang = self.current, self.question, self.lang
        if state is None or question is None:
            return
        rechecked = False
        if verdict is None and state.answer is not None and self.ready and self.expected is not None \
                and question.kind != "code":
            try:
                verdict = checking.check(question, self.expected, state.answer, lang)
                rechecked = True
            except Exception:
                verdict = None
        parts = self._feedback_parts(question, state, verdict, self._expected_text, rechecked)
        self._feedback(Group(*parts), parts)

    def _feedback_parts(self, question: Question, state: QuestionState, verdict: checking.Verdict | None,
                        expected_text: Callable[[], str | None], rechecked: bool = False) -> list[RenderableType]:
        """What the feedback pane says of `question` in `state`: the
        verdict (`verdict`, of the last answer checked again against a new
        live value when `rechecked`), the hints taken, and the why once
        closed (with the live value `expected_text` gives).

        A right answer that a new parameter value made wrong is not told to
        "try again" beside the why: the verdict says the value moved, and
        shows the new one."""
        lang = self.lang
        parts: list[RenderableType] = []
        if question.kind == "code":
            parts += self._code_feedback(state)
            if not parts:
                key = "q_done_before" if state.before else "write_first"
                parts.append(Text(t(key, lang) if state.before else CODE_STRINGS.get(key, lang), style="italic"))
        elif verdict is not None:
            moved = rechecked and state.answer_was_right and not verdict.correct
            show_value = verdict.correct or state.revealed or moved
            # an answer that reads as the value (a choice, a whole number) is not said twice: "you: b) no,
            # it holds the same numbers · computed value: b) no, ..." took two of a side column's lines
            same = show_value and verdict.given == verdict.expected
            # the colour on the verdict's words alone (a Text's own style would colour every line of it)
            line = Text()
            if verdict.correct:
                line.append("+ " + t("q_right", lang), style=verdict_style(True))
                if same:
                    line.append(" " + t("q_live_same", lang), style="bold")
            elif moved:
                line.append("x " + t("q_moved", lang), style=verdict_style(False))
            else:
                line.append("x " + t("q_wrong", lang), style=verdict_style(False))
                if not state.revealed:
                    line.append(" " + t("q_try_again", lang, n=state.wrong, m=TRIES_BEFORE_REVEAL))
            line.append("\n" + t("q_you", lang, given=verdict.given))
            if show_value and not same:  # beside the answer, a line saved for the why under a narrow pane's cap
                line.append(" · " + t("q_live", lang, expected=verdict.expected), style="bold")
                if verdict.detail:  # only of two that read apart: "exactly" under "-3 · -3" said nothing
                    line.append("\n" + verdict.detail, style="italic")
            parts.append(line)
        elif state.pending is not None:
            parts.append(Text(t("q_waiting", lang), style="italic"))
        elif state.before:
            parts.append(Text(t("q_done_before", lang), style="italic"))
        elif not state.revealed:  # revealed, the answer stands in its place (below)
            parts.append(Text(t("q_predict", lang), style="italic"))
        taken: list[RenderableType] = []
        for n in range(state.hints):
            label = Text(t("q_hint_label", lang, n=n + 1, m=len(question.hints)), style="bold")
            taken += [label, markdown(pick(question.hints[n], lang))]
        if state.solved or state.revealed:
            # the answer and why come first, right under the verdict
            expected = expected_text()
            if state.revealed and not state.solved and expected is not None and verdict is None:
                parts.append(Text(t("q_answer_is", lang, expected=expected), style="bold"))
            if question.explain:
                parts += worked_answer(t("q_why", lang), fill_answer(pick(question.explain, lang), expected or "?"))
            parts += taken
        else:
            parts += taken
            if state.hints:
                more = "q_hint_more" if state.hints < len(question.hints) else "q_hint_reveal"
                parts.append(Text(t(more, lang), style="dim"))
        return parts

    def note(self, text: str) -> None:
        """A passing word in the feedback pane ("running your code...")."""
        self._feedback(Text(text, style="italic"))

    def _feedback(self, renderable: RenderableType, parts: list[RenderableType] | None = None) -> None:
        """The verdict, hints and why, from their first line. Named by what
        they say (`feedback_key`), so the same feedback again is not
        rendered again: a question step's key shows its question (`ask`)
        and then its live value (`live`), and both draw the feedback, the
        same words unless the live value changed the verdict."""
        self.query_one("#q-feedback", TextPane).set_body(renderable, self._feedback_name(renderable, parts))

    @staticmethod
    def _feedback_name(renderable: RenderableType, parts: list[RenderableType] | None) -> tuple | None:
        """The name of a feedback's lines: one part alone (`parts` None), or
        a Group of `parts`; None when what it says has no key."""
        key = feedback_key([renderable] if parts is None else parts)
        return None if key is None else ("feedback", parts is None, key)

    def fill(self, fill: bool) -> None:
        """Take the whole column (nothing under the question) or keep to
        the text. Inline styles, so no stylesheet pass over the screen."""
        styles = self.styles
        styles.height = "1fr" if fill else None
        # never clipped by the stylesheet's cap: the feedback pane has its
        # own, and says "more" when its text goes on (clipped, it could not)
        styles.max_height = "100%"
        feedback = self.query_one("#q-feedback", TextPane).styles
        feedback.height = "1fr" if fill else None
        feedback.max_height = "100%" if fill else None

    @on(Input.Submitted, "#q-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit(event.value)
