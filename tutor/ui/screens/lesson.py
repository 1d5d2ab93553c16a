"""One lesson: the explanation, the code that ran, the live values, the plot
and the backprop diagram, stepped through with the keyboard.

The screen draws; it neither runs lesson code nor checks answers. A
`StepRunner` (tutor/ui/step_runner.py) runs and prefetches steps off the UI
thread, the `QuestionPanel` holds each question's state and checks answers,
the `StatusLine` keeps its own notes and "running...", and the app's
`torch_ready` and `store` are reactives this screen reads when it mounts and
watches afterwards, so news from the app never reaches a screen that is not
composed yet.

How a step is drawn in one frame is described in docs/architecture.md.
"""

from __future__ import annotations

import re
from functools import lru_cache, partial
from typing import TYPE_CHECKING, cast

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import LoadingIndicator, Static

from tutor import notation
from tutor.classroom import normalised_answer
from tutor.i18n import pick
from tutor.lesson import Lesson, Step
from tutor.lesson.code_names import expression_names, reads_before_binding
from tutor.progress import QuestionProgress
from tutor.runner import StepResult
from tutor.ui import collector
from tutor.ui.draw_now import draw_now
from tutor.ui.screens.code_steps import CODE_ACTIONS, CODE_STEP_PANES, CodeSteps, code_bindings
from tutor.ui.screens.focus import KeepsFocus, show
from tutor.ui.screens.pane_styles import rehearse, restyle
from tutor.ui.screens.styled_once import StyledOnce
from tutor.ui.step_runner import RunHolder, StepFailed, StepPrefetched, StepReady, StepRunner
from tutor.ui.strings import t
from tutor.ui.widgets.code_editor import CodeEditor
from tutor.ui.widgets.code_view import CodeView
from tutor.ui.widgets.key_bar import KeyBar
from tutor.ui.widgets.layer_diagram import LayerDiagram
from tutor.ui.widgets.paint_once import PaintOnce
from tutor.ui.widgets.plot_pane import PlotPane
from tutor.ui.widgets.question_panel import QuestionPanel
from tutor.ui.widgets.status_line import StatusLine
from tutor.ui.widgets.tensor_view import TensorView
from tutor.ui.widgets.text_line import CachedRichStyle
from tutor.ui.widgets.text_pane import StepText, TextPane
from tutor.ui.widgets.too_small import TooSmall
from tutor.ui.widgets.uniform_rows import UniformRows

if TYPE_CHECKING:
    from tutor.ui.app import TutorApp
    from tutor.values import Value

__all__ = ["LessonScreen", "RunHolder"]

# A step's text waits this long for its result, so a fast step (nearly all
# of them run in under 10 ms) is drawn in one frame with its values and plot
# instead of two: half the layout work and fewer bytes over SSH. A slow step
# shows its text after this delay and its results when they come.
TEXT_DELAY = 0.08
# The next step runs ahead this long after a step is drawn: after its frame
# has gone out, so the two never compete for the interpreter.
PREFETCH_DELAY = 0.15
# Progress store calls that write: queued to the app's writer thread
# (tutor/ui/store_writes.py), never run on the UI thread.
STORE_WRITES = frozenset({"set_position", "set_params", "record_answer", "record_hint", "record_reveal",
                          "set_code"})
# The panes the stylesheet's `-plot-step` rules size (screens.tcss), and only
# they: the class changes restyle these, not the whole screen.
PLOT_STEP_PANES = ("#middle", "#right", "#plot")


class Column(CachedRichStyle, PaintOnce, UniformRows, Vertical):
    """A column of panes whose size changes when a step shows or hides one:
    painted once for it (see paint_once). Measured: without it, test_frames
    sees two frames for a step in every lesson. The left column and the
    side box are Columns too since a code question's step widens the left
    one (screens.tcss, -code-step): without it, the steps into and out of a
    code question took two frames each."""


def _show(widget: Widget, visible: bool) -> None:
    """Show or hide a widget, touching it only on a change: every display
    change re-lays out the screen, the costliest part of a step."""
    if widget.display != visible:
        show(widget, visible)


def _names(words: str, expression: str) -> bool:
    """`expression` (`dz1`, `model[1].weight`) appears in `words` as itself,
    not inside a longer name (`dz1` in `dz10`)."""
    return _name_pattern(expression).search(words) is not None


@lru_cache(maxsize=512)
def _name_pattern(expression: str) -> re.Pattern[str]:
    """Compiled once an expression: a question step asks this of every value
    of the step before on its key (compiling each was ~2 ms of the key)."""
    return re.compile(r"(?<![\w.])" + re.escape(expression) + r"(?![\w])")


def _reads_all(reads: frozenset[str], expression: str) -> bool:
    """Every name `expression` (`model[1].weight`) uses is one the step's
    code reads from the steps before."""
    names = expression_names(expression)
    return names is not None and names <= reads


class LessonScreen(CodeSteps, KeepsFocus, StyledOnce, Screen):
    """Step through one lesson; see `tutor.ui.screens.help.KEYS` for the keys."""

    # Zoom (z): the focused pane fills the window under the status line,
    # above the key line, with its title (sizes in watch_maximized).
    ALLOW_IN_MAXIMIZED_VIEW = "StatusLine, KeyBar, TooSmall"
    # Esc does what the key line says: in the answer box or the code editor
    # it leaves the box (its own binding), then it leaves the zoom
    # (action_menu). Textual's default had it leave the zoom first and keep
    # the box focused, where the `z` pressed next was typed as an answer.
    ESCAPE_TO_MINIMIZE = False
    DEFAULT_CSS = """
    LessonScreen.-maximized-view StatusLine { dock: top; }
    """

    @classmethod
    def bindings(cls, lang: str) -> list[Binding]:
        return [
            # n, space and p: priority, so the step changes as the key
            # arrives, not after it has been offered to the focused pane and
            # bubbled back up through four containers (~1 ms of every step;
            # check_action hands them to a text box that has the focus).
            # The arrows stay the focused pane's first: the values pane
            # moves its cursor with them.
            Binding("n,space", "next", t("key_next", lang), key_display="n", priority=True),
            Binding("right", "next", t("key_next", lang), show=False),
            Binding("p", "prev", t("key_prev", lang), key_display="p", priority=True),
            Binding("left", "prev", t("key_prev", lang), show=False),
            Binding("r", "rerun", t("key_rerun", lang)),
            Binding("plus", "param(1)", t("key_param", lang), key_display="+/-"),
            Binding("minus", "param(-1)", t("key_param_down", lang), show=False),
            Binding("k", "next_param", t("key_param_next", lang), show=False),
            Binding("h", "hint", t("key_hint", lang)),
            # priority: the box takes the focus as the key arrives, before
            # the keys after it in the same burst are handed to a widget
            # (else "a 1 2" from tmux or SSH loses the 1 and the 2); inside
            # the box, check_action lets these keys through to it
            Binding("a,enter", "answer", t("key_answer", lang), show=False, priority=True),
            Binding("z", "zoom", t("key_zoom", lang), show=False),
            Binding("l,escape", "menu", t("key_menu", lang), key_display="l"),
            *code_bindings(lang),
        ]

    def __init__(self, lesson: Lesson, *, lang: str, holder: RunHolder, start_index: int = 0) -> None:
        super().__init__()
        self.lesson = lesson
        self.lang = lang
        self.holder = holder
        self.total = len(lesson.steps)
        self.index = min(max(start_index, 0), max(self.total - 1, 0))
        self.result: StepResult | None = None  # the StepResult on screen
        self.runner: StepRunner | None = None  # made on mount (it needs the app)
        self._param_i = 0
        self._text_timer: Timer | None = None
        self._prefetch_timer: Timer | None = None
        self._text_shown = 0  # the request token whose text is on screen
        self._footer_question = False
        self._notice_text: str | None = None
        self._question_fills = False
        self._saved_position: int | None = None
        self._ready = False  # composed and mounted: keys may act
        self._next_offered = False  # `n` on the last step offered the next lesson
        self._unzoomed: tuple | None = None  # the zoomed pane's own inline sizes
        self._values_of: tuple | None = None  # whose values, and which, the pane shows
        self._records: dict[int, QuestionProgress | None] = {}  # question records, read when the screen mounts
        self._explained: dict[int, StepText] = {}  # each step's explanation, made once

    @property
    def tutor(self) -> TutorApp:
        return cast("TutorApp", self.app)

    @property
    def busy(self) -> bool:
        return self.runner is not None and self.runner.busy

    @property
    def step(self) -> Step:
        return self.lesson.steps[self.index]

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        lang = self.lang
        yield StatusLine(running=t("running", lang), id="status")
        with Container(id="body"):
            with Column(id="left"):
                yield TextPane(t("pane_explanation", lang), t("more_below", lang), id="explain-pane", classes="pane")
                yield CodeView(t("no_code", lang), t("pane_code", lang), t("more_below", lang),
                               id="code", classes="pane")
                yield CodeEditor(lang, id="editor", classes="pane")  # a code question's, in the code pane's place
            with Column(id="side"):
                with Column(id="middle"):
                    yield QuestionPanel(lang, id="question", classes="pane")
                    with Vertical(id="notice"):
                        # the spinner (LoadingIndicator) is mounted here only
                        # while torch loads: mounted, even hidden, it redraws
                        # 16 times a second for every idle learner
                        yield Static(id="notice-text")
                    yield Static(id="step-error")
                    yield TensorView(lang=lang, title=t("pane_values", lang), more=t("more_below", lang),
                                     id="values", classes="pane")
                with Column(id="right"):
                    diagram = LayerDiagram(lang=lang, id="diagram", classes="pane")
                    diagram.border_title = t("pane_diagram", lang)
                    yield diagram
                    plot = PlotPane(lang=lang, id="plot", classes="pane")
                    plot.can_focus = True  # so Tab reaches it and z zooms it
                    plot.border_title = t("pane_plot", lang)
                    yield plot
        yield TooSmall(t("too_small", lang))
        yield KeyBar()

    def on_mount(self) -> None:
        tutor = self.tutor
        self.runner = StepRunner(self, self.holder, tutor.torch_event)
        for wid in ("#question", "#notice", "#step-error", "#editor"):
            self.query_one(wid).display = False
        # The diagram and plot panes stay in this first layout if the lesson
        # uses them (the first result hides what its step does not use), so
        # they learn their size now: a pane first shown by a later step is
        # then drawn in that step's one frame, not in a second one after it.
        steps = self.lesson.steps
        uses_diagram = any(step.diagram for step in steps)
        uses_plot = any(step.plot is not None for step in steps)
        self.query_one("#diagram").display = uses_diagram
        self.query_one("#plot").display = uses_plot
        self.query_one("#right").display = uses_diagram or uses_plot
        self.query_one("#explain-pane").focus()
        # News from the app after this moment arrives through the watchers;
        # what happened before it is read here (torch may already be ready).
        self.watch(tutor, "torch_ready", self._torch_changed, init=False)
        self._read_records()
        self.watch(tutor, "class_note", self.query_one("#status", StatusLine).show_class_note)
        self._ready = True
        self.request(self.index)

    # ------------------------------------------------------------ running

    def request(self, index: int, *, reset: bool = False) -> None:
        """Show step `index` with the lesson's current params.

        A step already run with these params is drawn at once, text and
        results in one frame: that is nearly every `n`. Otherwise a thread
        runs it; its text shows with its results, or after TEXT_DELAY if it
        takes longer.
        """
        runner = self.runner
        assert runner is not None
        moved = index != self.index or self.result is None
        if moved and self.result is not None:
            self._leaving_question()
        self.query_one("#status", StatusLine).clear_note()
        self._next_offered = False
        self._stop_timer("_text_timer")
        self._stop_timer("_prefetch_timer")
        self.index = index
        if moved:
            # after the frame: a committed SQLite write is ~1 ms of the key
            self.call_after_refresh(self._save_position)
        if self.tutor.class_control is not None:
            self.tutor.class_control.step_shown(self.lesson, index)
        cached = runner.request(index, reset=reset)
        if cached is not None:
            self._accept(cached)
            return
        self.query_one("#status", StatusLine).set_busy(True)
        if self.tutor.torch_ready and self._text_shown:
            self._text_timer = self.set_timer(TEXT_DELAY, self._present_text)
        else:
            # the screen's first frame (it is drawn anyway), or torch still
            # loading (the result is seconds away): the text, and a question
            # to think about meanwhile, show at once
            self._present_text()

    def _stop_timer(self, name: str) -> None:
        timer = getattr(self, name)
        if timer is not None:
            timer.stop()
            setattr(self, name, None)

    def _prefetch(self) -> None:
        self._prefetch_timer = None
        self.prefetch()

    def prefetch(self) -> None:
        """Run the next step ahead while the learner reads this one, and
        render its text and code now, while nobody waits for them (a timer
        calls it once the step's frame is out; a classroom server's warm
        process, on its walk through the lessons, at once)."""
        collector.collect_if_due()  # the frame is out; the learner reads
        runner = self.runner
        index = self.index + 1
        before = runner.previous_result(self.index) if runner is not None else None
        if before is not None:  # `p` finds the step before's values laid out too
            self._prepare_values(self.index - 1, before)
        if runner is None or runner.busy or index >= self.total:
            return
        ahead = runner.cached(index, dict(runner.params))
        if ahead is not None:
            self._prepare_values(index, ahead)
        else:
            runner.prefetch(index)  # StepPrefetched lays its values out
        text, key = self._explanation(index)
        self.query_one("#explain-pane", TextPane).prepare(text, key, self._explain_width(index))
        step = self.lesson.steps[index]
        if step.question is not None:
            self.query_one("#question", QuestionPanel).prepare(index, step.question, self._records.get(index),
                                                               self._side_narrowing(index))
        if step.question is not None and step.code and self.result is not None:
            # what `_show_values` asks on the key, answered now (both cached):
            # which of this step's values the question will keep on screen
            reads_before_binding(step.code)
            for expression in self.result.values:
                _name_pattern(expression)
        # the hidden editor gets its text before the key that shows it (an
        # editor on screen keeps the learner's code, of course)
        self._prepare_editor(index)
        code = runner.code_for(index)
        if code is not None:
            self.query_one("#code", CodeView).prepare_code(code)

    def _present_text(self) -> None:
        """Draw what is known before the step runs: its text, code, question
        and the status line (once per request)."""
        self._stop_timer("_text_timer")
        runner = self.runner
        assert runner is not None
        if self._text_shown == runner.token:
            return
        self._text_shown = runner.token
        self._show_text()
        self._show_question()
        self._update_status()
        self._set_notice()
        has_question = self.step.question is not None
        if has_question != self._footer_question:
            # the key line redraws whole; only when its keys change (h, a)
            self._footer_question = has_question
            self.refresh_bindings()
            self.query_one(KeyBar).show_keys()  # now, for this key's frame (the signal comes later)

    def on_step_ready(self, message: StepReady) -> None:
        runner = self.runner
        if runner is None or not runner.is_current(message.token):
            return
        runner.finished(message.params)
        self._accept(message.result)

    def _accept(self, result: StepResult) -> None:
        """Draw a step's result, with its text in the same frame, then run
        the next step ahead once this frame is out."""
        self.query_one("#status", StatusLine).set_busy(False)
        self.result = result
        self._present_text()
        self._show_result()
        self._stop_timer("_prefetch_timer")
        self._prefetch_timer = self.set_timer(PREFETCH_DELAY, self._prefetch)
        draw_now(self)  # the frame, now: not once each touched widget has woken to ask for it

    def on_step_prefetched(self, message: StepPrefetched) -> None:
        runner = self.runner
        if runner is not None and message.index == self.index + 1 and message.result.index == message.index:
            self._prepare_values(message.index, message.result)

    def _prepare_values(self, index: int, result: StepResult) -> None:
        """Lay out step `index`'s values while the learner reads (what
        `_show_values` will show for it, unless its question hides them),
        and build its plot's canvas."""
        step = self.lesson.steps[index]
        self._restyle_ahead(index, result)
        if result.plot is not None:
            self.query_one("#plot", PlotPane).prepare(result.plot, asked=step.question is not None,
                                                      diagram=bool(step.diagram))
        values = self.query_one("#values", TensorView)
        named = pick(step.text, self.lang)
        if self._values_hidden(index):
            # hidden: the pane shows those of the step before's values the
            # question keeps (`_show_values`), laid out now as well
            assert self.runner is not None
            before = self.runner.previous_result(index)
            if before is not None:
                values.prepare(self._question_entries(index, before), before.previous, named=named)
            return
        values.prepare(result.values, result.previous, named=named)

    def _restyle_ahead(self, index: int, result: StepResult) -> None:
        """Work out now the rules the key onto step `index` will give the
        panes its screen classes size, as that key changes them: first
        `-code-step` (`_code_step_shown`), then `-plot-step` (`_plot_step`).
        Measured with bench_key_work.py: in a learner's own session the
        first code step (backprop-pytorch's `write-gradients`, 536 -> 481
        thousand opcodes) and sgd's `write-loop`, which leaves a plot step
        for a code step (585 -> 489), matched their panes' rules on the key."""
        step = self.lesson.steps[index]
        plotted = result.plot is not None and not self._values_hidden(index)
        asked = plotted and step.question is not None
        stages = []
        code = self._code_question(index)
        if self.has_class("-code-step") != code:
            stages.append(({"-code-step": code}, [self.query_one(pane) for pane in CODE_STEP_PANES]))
        if self.has_class("-plot-step") != plotted or self.has_class("-plot-asked") != asked:
            stages.append(({"-plot-step": plotted, "-plot-asked": asked},
                           [self.query_one(pane) for pane in PLOT_STEP_PANES]))
        if stages:
            rehearse(self.app.stylesheet, self, stages)

    def on_step_failed(self, message: StepFailed) -> None:
        runner = self.runner
        if runner is None or not runner.is_current(message.token):
            return
        runner.finished()
        self.query_one("#status", StatusLine).set_busy(False)
        self.result = None
        self._present_text()
        self._set_notice(t("run_failed", self.lang, error=message.error))
        self._update_status()

    def _torch_changed(self, ready: bool) -> None:
        """The app finished loading torch: drop the loading notice."""
        self._set_notice()

    # ------------------------------------------------------------ display

    def _explanation(self, index: int) -> tuple[StepText, tuple[str, str, str]]:
        """Step `index`'s title and text, and the key its rendered lines are
        kept under: the words themselves, so lines a classroom server's warm
        process rendered (`shared_lines`) serve only this very text, whatever
        lesson folder it came from."""
        made = self._explained.get(index)
        if made is None:
            step = self.lesson.steps[index]
            made = self._explained[index] = StepText(pick(step.title, self.lang), pick(step.text, self.lang))
        return made, ("explain", made.title, made.text)

    def _show_text(self) -> None:
        renderable, key = self._explanation(self.index)
        self.query_one("#explain-pane", TextPane).set_body(renderable, key, self._explain_width(self.index))
        # The code is known before it runs: drawing it in the same frame as
        # the text keeps the left column's layout still when the result
        # arrives, so the result redraws only the values and the plot.
        assert self.runner is not None
        code = self.runner.code_for(self.index)
        self.query_one("#code", CodeView).show(code if code is not None else self.step.code)

    def _update_status(self) -> None:
        lang = self.lang
        assert self.runner is not None
        current = self.runner.params
        params = tuple(
            # the line is prose, as the glossary writes it: "lr = 0,001" in Portuguese
            (p.name, notation.number(current.get(p.name, p.default), lang=lang), i == self._param_i)
            for i, p in enumerate(self.lesson.params)
        )
        loss = ""
        if self.result is not None and not self.busy and self.result.loss is not None and not self._values_hidden():
            loss = t("loss", lang, loss=notation.number(self.result.loss, 4, lang=lang))
        self.query_one("#status", StatusLine).set_state(
            pick(self.lesson.title, lang),
            t("step_of", lang, n=self.index + 1, m=self.total),
            params,
            loss,
        )

    def _set_notice(self, text: str | None = None) -> None:
        """The line above the values: loading torch, running, or a failure.
        Touches the screen only when the notice changes."""
        loading = self.busy and not self.tutor.torch_ready
        if text is None and loading:
            text = t("loading_torch", self.lang)
        notice = self.query_one("#notice")
        spinners = notice.query(LoadingIndicator)
        if loading and not spinners:
            notice.mount(LoadingIndicator(id="spinner"), before=0)
        elif not loading and spinners:
            spinners.remove()
        _show(notice, text is not None)
        if text != self._notice_text:
            self._notice_text = text
            self.query_one("#notice-text", Static).update(Text(text or "", justify="center"))

    def _values_hidden(self, index: int | None = None) -> bool:
        """Before a question is closed its step's values stay hidden: step
        `index`'s (ahead of its key), by default the step on screen's. The
        question panel shows that step's question whenever this is asked
        with its result on screen (`_present_text` asks it first)."""
        index = self.index if index is None else index
        if self.lesson.steps[index].question is None:
            return False
        state = self.query_one("#question", QuestionPanel).states.get(index)
        return state is None or not state.closed

    def _show_question(self) -> None:
        """A question is known before its step runs: show it at once, so the
        learner can open the answer box and type while torch works."""
        panel = self.query_one("#question", QuestionPanel)
        question = self.step.question
        self._code_step_shown()
        if question is None:
            _show(panel, False)
            return
        record: QuestionProgress | None = None
        if self.index not in panel.states:
            record = self._question_record(self.index)
        panel.ask(self.index, question, record)
        _show(panel, True)
        if self._values_hidden():
            self._show_values()

    def _fill_question(self, fill: bool) -> None:
        """With nothing under it the question takes the middle column;
        otherwise it keeps to its text. Inline styles, so no stylesheet pass
        over the screen."""
        if fill == self._question_fills:
            return
        self._question_fills = fill
        self.query_one("#question", QuestionPanel).fill(fill)

    def _show_values(self) -> None:
        """The values pane: the step's values, or before its question is
        closed, the values of the step before (the question may need them,
        as lesson 4's dz0 needs dz1 and the weight), or nothing."""
        values = self.query_one("#values", TensorView)
        hidden = self._values_hidden()
        shown = self.result
        entries = shown.values if shown is not None else {}
        if hidden:
            assert self.runner is not None
            shown = self.runner.previous_result(self.index)
            entries = self._question_entries(self.index, shown)
        code_values = self._code_values()  # the learner's, after a run of their code
        if code_values is not None and self.result is not None:
            hidden, shown, entries = False, self.result, code_values
        has_values = bool(entries)
        self._fill_question(hidden and not has_values)
        _show(values, has_values or not hidden)
        key = (id(shown), tuple(entries), id(code_values))
        if shown is not None and key != self._values_of:
            # `n` onto a question keeps the step before's values on screen:
            # nothing to draw again
            self._values_of = key
            # the values this step's text names come first
            before = shown.values if code_values is not None else shown.previous
            values.show(entries, before, named=pick(self.step.text, self.lang))

    def _question_entries(self, index: int, before: StepResult | None) -> dict[str, Value]:
        """What step `index`'s open question keeps on screen of the values
        of the step before (`before`): only those the question's own words
        name and the step's code goes on to read. The values of an unrelated
        step before (or an `x` the step defines afresh) would only mislead
        the prediction."""
        step = self.lesson.steps[index]
        words = self._question_words(step)
        reads = reads_before_binding(step.code) if step.code else frozenset()
        return {e: v for e, v in (before.values if before else {}).items() if _names(words, e) and _reads_all(reads, e)}

    @staticmethod
    def _question_words(step: Step) -> str:
        """The step's text, its question's prompt and hints, both languages."""
        parts = [*step.text.values()]
        if step.question is not None:
            parts += [*step.question.prompt.values()]
            parts += [text for hint in step.question.hints for text in hint.values()]
        return "\n".join(parts)

    def _show_result(self) -> None:
        result = self.result
        assert result is not None
        step = result.step
        self._set_notice()
        self._update_status()
        self.query_one("#code", CodeView).show(result.code)
        error = self.query_one("#step-error", Static)
        if result.error:
            message = Text(t("step_error", self.lang) + "\n", style="bold")
            message.append(result.error)
            error.update(message)
            _show(error, True)
        else:
            _show(error, False)

        panel = self.query_one("#question", QuestionPanel)
        if step.question is not None:
            panel.live(result.expected)
        hidden = self._values_hidden()
        self._show_values()

        # the diagram and plot panes show only on the steps that have them,
        # and not before an answer (they could give it away): at 80x24 the
        # values need every line they can get
        diagram = self.query_one("#diagram", LayerDiagram)
        _show(diagram, bool(step.diagram))
        diagram.highlight(step.diagram)
        plot = self.query_one("#plot", PlotPane)
        _show(plot, result.plot is not None)
        right = (bool(step.diagram) or result.plot is not None) and not hidden
        if right and result.plot is not None:
            # a hidden pane is not drawn: a question's plot is, once it is closed
            plot.show(result.plot)  # a training curve grows by itself (PlotPane)
        _show(self.query_one("#right"), right)
        plotted = result.plot is not None and not hidden
        self._plot_step(plotted, asked=plotted and step.question is not None)
        zoomed = self.maximized
        if zoomed is not None and not (zoomed.display and (zoomed.parent is not self.query_one("#right") or right)):
            self.minimize()  # the zoomed pane is not part of this step: never a blank window

    def _plot_step(self, on: bool, asked: bool = False) -> None:
        """The screen's `-plot-step` class (and `-plot-asked`: the plot of a
        question just answered, which shares the side column with the
        question's verdict), restyling only the panes their rules size: a
        class change on the screen restyles every widget on it (measured
        with bench_app.py --profile: 58 ms of convexity's
        `descent-nonconvex` key under cProfile, the step's largest cost),
        with the rules remembered from the last time (pane_styles.py)."""
        if self.has_class("-plot-step") == on and self.has_class("-plot-asked") == asked:
            return
        self.set_class(on, "-plot-step", update=False)
        self.set_class(asked, "-plot-asked", update=False)
        restyle(self.app.stylesheet, [self.query_one(pane) for pane in PLOT_STEP_PANES])

    # ------------------------------------------------------------ questions

    def on_question_panel_answered(self, message: QuestionPanel.Answered) -> None:
        step = self.lesson.steps[message.index]
        self._store_call("record_answer", self.lesson.id, step.id, message.answer, message.correct,
                         normalised_answer(step.question, message.answer, self.lang))
        if self.tutor.class_control is not None:
            state = self.query_one("#question", QuestionPanel).state(message.index)
            self.tutor.class_control.answered(self.lesson, message.index, message.answer,
                                              "right" if message.correct else "wrong",
                                              state.wrong + int(message.correct))

    def on_question_panel_hint_taken(self, message: QuestionPanel.HintTaken) -> None:
        self._store_call("record_hint", self.lesson.id, self.lesson.steps[message.index].id)
        if self.tutor.class_control is not None:
            hints = self.query_one("#question", QuestionPanel).state(message.index).hints
            self.tutor.class_control.hint_taken(self.lesson, message.index, hints)

    def on_question_panel_closed(self, message: QuestionPanel.Closed) -> None:
        if message.revealed:
            self._store_call("record_reveal", self.lesson.id, self.lesson.steps[message.index].id)
            if self.tutor.class_control is not None:
                state = self.query_one("#question", QuestionPanel).state(message.index)
                self.tutor.class_control.answered(self.lesson, message.index, state.answer or "", "revealed",
                                                  state.wrong)
        if message.index == self.index and self.result is not None:
            self._show_result()

    def _leaving_question(self) -> None:
        """Going on from a question tried but not answered right reveals its
        answer (it shows when the learner comes back)."""
        panel = self.query_one("#question", QuestionPanel)
        state = panel.current
        if panel.index == self.index and state is not None and state.wrong and not state.closed:
            panel.reveal()

    # ------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """No key acts before the screen is composed or once it is leaving
        (keys arrive in bursts over SSH); keys that do nothing here are
        hidden from the key line."""
        if not self._ready or self.app.screen is not self:
            return False
        if action in ("param", "next_param"):
            return bool(self.lesson.params) if action == "param" else len(self.lesson.params) > 1
        if action == "answer":
            panel = self.query_one("#question", QuestionPanel)
            return self.step.question is not None and not panel.typing
        if action in ("next", "prev"):
            # a text box with the focus takes n, p and space as text
            return not self.query_one("#question", QuestionPanel).typing
        if action == "hint":
            return self.step.question is not None
        if action in CODE_ACTIONS:
            return self._check_code_action(action)
        return True

    def say(self, text: str) -> None:
        """A short note in the status line, gone after a few seconds or at the next step."""
        self.query_one("#status", StatusLine).say(text)

    def _held(self) -> bool:
        """Following the instructor (a guided class): stepping away is refused, with a note."""
        control = self.tutor.class_control
        return control is not None and control.refuse_step_away(self)

    def action_next(self) -> None:
        if self._held():
            return
        if self.index + 1 >= self.total:
            self._offer_next_lesson()
            return
        self.request(self.index + 1)

    def _offer_next_lesson(self) -> None:
        """At the end of a lesson, `n` offers the next one; `n` again opens it."""
        tutor = self.tutor
        following = tutor.lesson_after(self.lesson.id)
        if following is None:
            self.say(t("last_step", self.lang))
            return
        if self._next_offered:
            tutor.open_lesson(following.id)
            return
        self._next_offered = True
        self.say(t("next_lesson", self.lang, title=pick(following.title, self.lang)))

    def action_prev(self) -> None:
        if self._held():
            return
        if self.index == 0:
            self.say(t("first_step", self.lang))
            return
        self.request(self.index - 1)

    def action_rerun(self) -> None:
        self.request(self.index, reset=True)

    def action_param(self, direction: int) -> None:
        lang = self.lang
        runner = self.runner
        if not self.lesson.params or runner is None:
            self.say(t("no_params", lang))
            return
        param = self.lesson.params[self._param_i]
        current = runner.params.get(param.name, param.default)
        new = param.clamp(param.moved(current, direction))
        if new == current:
            # short: the status line holds the title, step and params too
            self.say(t("param_limit", lang, name=param.name))
            return
        runner.params[param.name] = new
        self._store_call("set_params", self.lesson.id, dict(runner.params))
        self.request(self.index)

    def action_next_param(self) -> None:
        if self.lesson.params:
            self._param_i = (self._param_i + 1) % len(self.lesson.params)
            self._update_status()

    def action_hint(self) -> None:
        self._present_text()  # the hint belongs to the question on screen
        if self.step.question is not None:
            panel = self.query_one("#question", QuestionPanel)
            self._unzoom_unless_in(panel)
            panel.hint()

    def action_answer(self) -> None:
        self._present_text()  # the box must be the new step's, and visible
        if self._code_question():
            editor = self.query_one("#editor", CodeEditor)
            self._unzoom_unless_in(editor)
            editor.focus_code()
        elif self.step.question is not None:
            panel = self.query_one("#question", QuestionPanel)
            self._unzoom_unless_in(panel)
            panel.focus_answer()

    def _unzoom_unless_in(self, widget: Widget) -> None:
        """Leave the zoom unless the zoomed pane holds `widget`, the one a
        question's key acts on: behind a zoomed explanation, the answer box
        or the editor took the keys unseen, and a hint or a run's verdict
        showed where nothing could be read."""
        zoomed = self.maximized
        if zoomed is not None and zoomed not in widget.ancestors_with_self:
            self.minimize()

    def action_zoom(self) -> None:
        if self.maximized is not None:
            self.minimize()
            return
        # The pane holding the focus (scroll containers do not maximize by
        # default, so the screen's `maximized` is set directly).
        target = self.focused
        while target is not None and not target.has_class("pane"):
            target = target.parent if isinstance(target.parent, Widget) else None
        self.maximized = target or self.query_one("#explain-pane")

    def watch_maximized(self, before: Widget | None, after: Widget | None) -> None:
        """The zoomed pane takes the whole window (Textual keeps a maximized
        widget at its own size, centred), as inline styles, which outrank
        the stylesheet's pane sizes; unzoomed, its own inline sizes (the
        question panel's, say) come back."""
        if before is not None and self._unzoomed is not None:
            height, max_height = self._unzoomed
            before.styles.height, before.styles.max_height = height, max_height
            self._unzoomed = None
        if after is not None:
            inline = after.styles.inline
            self._unzoomed = (inline.height, inline.max_height)
            after.styles.height, after.styles.max_height = "1fr", "100%"

    def action_menu(self) -> None:
        if self.maximized is not None:
            self.minimize()
            return
        if self._held():
            return
        self.tutor.show_menu()

    # ------------------------------------------------------------ progress

    def _save_position(self) -> None:
        if self._saved_position != self.index:
            self._saved_position = self.index
            self._store_call("set_position", self.lesson.id, self.index, self.total)

    def _read_records(self) -> None:
        """Every question's record, read once as the screen mounts: the app
        flushed the store's writes before it opened the lesson, and until
        the panel holds a question's state nothing here writes to it, so a
        step key never reads (nor waits for a write's fsync to read)."""
        self.tutor.flush_store()  # nothing is queued but what a screen left as it closed
        for index, step in enumerate(self.lesson.steps):
            if step.question is not None:
                self._records[index] = self._store_call("question", self.lesson.id, step.id)

    def _question_record(self, index: int) -> QuestionProgress | None:
        """Step `index`'s question record (read at mount; read now if the
        store opened since)."""
        if index in self._records:
            return self._records.pop(index)
        self.tutor.flush_store()
        return self._store_call("question", self.lesson.id, self.lesson.steps[index].id)

    def _store_call(self, name: str, *args):
        """Use the progress store if there is one; a store failure is told
        and never stops the lesson. A write is queued to the app's writer
        thread (an fsync can take a second on a busy disk): it never holds
        up a key."""
        store = self.tutor.store
        method = getattr(store, name, None) if store is not None else None
        if method is None:
            return None
        if name in STORE_WRITES:
            self.tutor.store_writes.submit(partial(method, *args))
            return None
        try:
            return method(*args)
        except Exception as exc:
            self.notify(t("store_warning", self.lang, warning=str(exc)), severity="warning", timeout=5)
            return None

    def on_unmount(self) -> None:
        if self._saved_position != self.index:  # left before the step's frame was drawn
            # queued after the writes before it; the app flushes the queue when it ends
            self._store_call("set_position", self.lesson.id, self.index, self.total)
