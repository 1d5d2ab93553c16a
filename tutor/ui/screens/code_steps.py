"""The lesson screen's part in code questions (`kind = "code"`).

Kept apart from tutor/ui/screens/lesson.py so that screen stays about
stepping: on a code question the editor (tutor/ui/widgets/code_editor.py)
takes the code pane's place, opened with the learner's last code (kept in
the progress store at every run) or the starter; the run key (Ctrl+R, F5)
sends the code to a thread (`run_code`) and the verdict comes back as
`CodeChecked`: the question panel shows it and the values pane shows the
learner's values of the checked names. Ctrl+O puts the starter back and
Ctrl+T the solution (which counts as revealed), each as one edit that
Ctrl+Z undoes.

The screen calls `_code_step_shown` when it shows a step's question and
`_code_values` when it fills the values pane; the rest are the screen's
actions and message handlers.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from textual import events
from textual.binding import Binding

from tutor.i18n import pick
from tutor.ui.screens.focus import show
from tutor.ui.screens.pane_styles import restyle
from tutor.ui.widgets.code_editor import STRINGS, CodeArea, CodeChecked, CodeEditor, highlights, run_code
from tutor.ui.widgets.line_pane import LinePane
from tutor.ui.widgets.question_panel import QuestionPanel

if TYPE_CHECKING:
    from tutor.values import Value

CODE_ACTIONS = ("run_code", "reset_code", "show_solution")
# The panes the stylesheet's `-code-step` rules size (screens.tcss), and only they.
CODE_STEP_PANES = ("#explain-pane", "#left", "#side", "#q-feedback")
# The side column's text panes: as wide as it below 120 columns.
SIDE_PANES = ("#q-feedback", "#values")
# The left column's share of the body (numerator, denominator) on other
# steps and on a code step, as screens.tcss's #left/#side widths make it.
LEFT_SHARE = {"-narrow": ((1, 2), (3, 5)), "-wide": ((1, 3), (1, 2))}


def code_bindings(lang: str) -> list[Binding]:
    """The code question's keys, for the lesson screen's bindings. None of
    them is a key the editor types or uses (Ctrl+R, F5, Ctrl+O and Ctrl+T
    are free in Textual's TextArea), so they work in it and out of it."""
    return [
        # the key line is full at 80 columns (in Portuguese): these keys are
        # named in the question panel's own line of keys, under the prompt
        Binding("ctrl+r,f5", "run_code", STRINGS.get("key_run", lang), key_display="^R", show=False),
        Binding("ctrl+o", "reset_code", STRINGS.get("key_reset", lang), key_display="^O", show=False),
        Binding("ctrl+t", "show_solution", STRINGS.get("key_solution", lang), key_display="^T", show=False),
    ]


class CodeSteps:
    """Mixed into LessonScreen (which provides lesson, lang, index, step,
    holder, tutor, result, say, _store_call and _show_values)."""

    _code_running = False
    _told_unsandboxed = False
    _codes: dict[int, str]  # step index -> the code last run on this screen

    # what LessonScreen provides
    lesson: Any
    lang: str
    index: int
    holder: Any
    result: Any
    _values_of: Any

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._codes = {}

    def _code_question(self, index: int | None = None) -> bool:
        """Is step `index` (default: the step shown) a code question?"""
        step = self.step if index is None else self.lesson.steps[index]  # type: ignore[attr-defined]
        return step.question is not None and step.question.kind == "code"

    def _explain_width(self, index: int) -> int:
        """The explanation pane's width on step `index`, known before it is
        shown (0: not known yet), so its text can be rendered ahead. A code
        question's step widens the left column (screens.tcss, `-code-step`:
        below 120 columns from 1/2 to 3/5 of the body, from 1/3 to 1/2 at
        120 and more); Textual's horizontal layout floors the column's
        right edge. tests/test_code_editor.py checks the prediction against
        the layout."""
        width = self.query_one("#explain-pane").known_size.width  # type: ignore[attr-defined]
        return width + self._left_widening(index) if width else width

    def _left_widening(self, index: int) -> int:
        """How many columns the left column gains (negative: gives back)
        from the step on screen to step `index`: the side column loses as
        many. 0 when no code step starts or ends there, and when a pane is
        zoomed (it keeps the window's width)."""
        coding = self._code_question(index)
        if coding == self.has_class("-code-step") or self.maximized is not None:  # type: ignore[attr-defined]
            return 0
        body = self.query_one("#body").content_size.width  # type: ignore[attr-defined]
        plain, code = LEFT_SHARE["-wide" if self.has_class("-wide") else "-narrow"]  # type: ignore[attr-defined]
        wider = body * code[0] // code[1] - body * plain[0] // plain[1]
        return wider if coding else -wider

    def _side_narrowing(self, index: int) -> int:
        """How many columns the side column's text panes lose from the step
        on screen to step `index` (negative: gain): below 120 columns they
        are as wide as the column; 0 at 120 and more."""
        return self._left_widening(index) if self.has_class("-narrow") else 0  # type: ignore[attr-defined]

    @property
    def _editor(self) -> CodeEditor:
        return self.query_one("#editor", CodeEditor)  # type: ignore[attr-defined]

    @property
    def _panel(self) -> QuestionPanel:
        return self.query_one("#question", QuestionPanel)  # type: ignore[attr-defined]

    def _code_values(self) -> dict[str, Value] | None:
        """The learner's values of the checked names after their last run
        of this step's code, or None (no run yet, or not a code step)."""
        if not self._code_question():
            return None
        state = self._panel.states.get(self.index)
        if state is None or state.code_verdict is None:
            return None
        return state.code_verdict.values

    def _code_step_shown(self) -> None:
        """A step's question is on screen: on a code question the editor
        replaces the code pane, with the learner's code or the starter."""
        code = self._code_question()
        editor = self._editor
        view = self.query_one("#code")  # type: ignore[attr-defined]
        if editor.display != code:
            show(editor, code)
            show(view, not code)
        if self.has_class("-code-step") != code:  # type: ignore[attr-defined]
            # the side column's panes get their new text (the question's
            # feedback, the values) on this key: built at the width the
            # layout will give them
            narrower = self._side_narrowing(self.index)
            if narrower:
                for pane in SIDE_PANES:
                    line_pane = self.query_one(pane, LinePane)  # type: ignore[attr-defined]
                    known = line_pane.known_size.width  # 0: never laid out, nothing to predict from
                    if known:
                        line_pane.expect_width(known - narrower)
            # restyle only the panes the `-code-step` rules size (a class change
            # on the screen restyles every widget on it, as for `-plot-step`),
            # with the rules remembered from the last code step (pane_styles.py)
            self.set_class(code, "-code-step", update=False)  # type: ignore[attr-defined]
            restyle(self.app.stylesheet,  # type: ignore[attr-defined]
                    [self.query_one(pane) for pane in CODE_STEP_PANES])  # type: ignore[attr-defined]
        if not code:
            if editor.editing:
                self.set_focus(None)  # type: ignore[attr-defined]
            return
        self._open_editor(self.index)

    def _open_editor(self, index: int) -> None:
        """Put step `index`'s code in the editor: the learner's, else the
        starter. Called ahead, while the learner reads the step before, so
        the key that shows the editor finds its text in place."""
        editor = self._editor
        key = (self.lesson.id, index)
        if editor.key == key:
            return
        editor.open(key, self._editor_text(index))

    def _editor_text(self, index: int) -> str:
        """What the editor opens step `index` with: the code last run on
        this screen (its store write may still be queued), else the
        store's, else the starter."""
        step = self.lesson.steps[index]
        saved = self._codes.get(index)
        if saved is None:
            saved = self._store_call("code", self.lesson.id, step.id)  # type: ignore[attr-defined]
        return saved if isinstance(saved, str) else pick(step.question.code.starter, self.lang).lstrip("\n")

    def _prepare_editor(self, index: int) -> None:
        """While the learner reads step `index - 1`: the editor opened with
        step `index`'s code, if it is hidden; if it shows an exercise (the
        learner's code stays in it), the next code's highlights worked out."""
        if not self._code_question(index):
            return
        if self._code_question():
            highlights(self._editor_text(index))
        else:
            self._open_editor(index)

    # ------------------------------------------------------------ actions

    def _check_code_action(self, action: str) -> bool:
        return self._code_question()

    def action_run_code(self) -> None:
        if not self._code_question():
            return
        if self._code_running:
            self.say(STRINGS.get("busy", self.lang))  # type: ignore[attr-defined]
            return
        self._code_running = True
        self._unzoom_unless_in(self._panel)  # type: ignore[attr-defined]  # the verdict shows there
        self.query_one("#status").set_busy(True)  # type: ignore[attr-defined]
        self._panel.note(STRINGS.get("running", self.lang))
        run_code(self, self.holder, self.tutor.torch_event, self.index,  # type: ignore[attr-defined, arg-type]
                 self._editor.code, self.lang)

    def action_reset_code(self) -> None:
        if self._code_question():
            starter = self.step.question.code.starter  # type: ignore[attr-defined]
            self._unzoom_unless_in(self._editor)  # type: ignore[attr-defined]
            self._editor.put(pick(starter, self.lang).lstrip("\n"))
            self.say(STRINGS.get("reset_done", self.lang))  # type: ignore[attr-defined]

    def action_show_solution(self) -> None:
        """The solution in the editor; the question counts as revealed."""
        if not self._code_question():
            return
        self._unzoom_unless_in(self._editor)  # type: ignore[attr-defined]
        self._editor.put(self.step.question.code.solution.lstrip("\n"), solution=True)  # type: ignore[attr-defined]
        self._panel.reveal()
        self.say(STRINGS.get("solution_shown", self.lang))  # type: ignore[attr-defined]

    def on_question_panel_solution_wanted(self, message: QuestionPanel.SolutionWanted) -> None:
        if message.index == self.index:
            self.action_show_solution()

    def on_code_checked(self, message: CodeChecked) -> None:
        """A run came back: keep the code with the learner's progress, record
        the try, show the verdict and the learner's values."""
        self._code_running = False
        self.query_one("#status").set_busy(False)  # type: ignore[attr-defined]
        step = self.lesson.steps[message.index]
        verdict = message.verdict
        self._codes[message.index] = message.code
        # after the verdict's frame: two committed SQLite writes are ~10 ms
        self.call_after_refresh(self._keep_code, step.id, message.code, verdict.passed)  # type: ignore[attr-defined]
        if verdict.unsandboxed and not CodeSteps._told_unsandboxed:
            CodeSteps._told_unsandboxed = True  # said once, for the whole app
            self.notify(STRINGS.get("unsandboxed", self.lang, reason=verdict.unsandboxed),  # type: ignore[attr-defined]
                        severity="warning", timeout=8)
        before = self._panel.states.get(message.index)
        if before is not None and before.code_verdict is not None and before.code_verdict.values == verdict.values:
            # the same values again: the pane keeps them (no ~30 ms rebuild of its grids)
            verdict = replace(verdict, values=before.code_verdict.values)
        self._panel.code_verdict(message.index, verdict)
        if message.index == self.index:
            self._values_of = None  # the learner's values replace what the pane shows
            self._show_values()  # type: ignore[attr-defined]

    def _keep_code(self, step_id: str, code: str, passed: bool) -> None:
        """The learner's code with their progress (every run), and the try."""
        self._store_call("set_code", self.lesson.id, step_id, code)  # type: ignore[attr-defined]
        self._store_call("record_answer", self.lesson.id, step_id, code, passed)  # type: ignore[attr-defined]

    # ------------------------------------------------------------ focus

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, CodeArea):
            self._panel.editor_focus(True)

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        if isinstance(event.widget, CodeArea):
            self._panel.editor_focus(False)
