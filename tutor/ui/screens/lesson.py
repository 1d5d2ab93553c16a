"""One lesson: the explanation, the code that ran, the live values, the plot
and the backprop diagram, stepped through with the keyboard.

The screen never runs lesson code itself. The runner keeps every step's
result, and a thread worker runs the step after the one on screen while the
learner reads, so `n` nearly always finds its step ready and draws it at
once. Otherwise (the first step, a new learning rate, `r`) a worker runs it
and posts the result back as a message, so keys keep answering while torch
works. Requests carry a token; a result whose token is no longer the newest
is dropped, so pressing `n` five times quickly shows the fifth step, not a
slideshow of the four before it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from rich.console import Group
from rich.markdown import Markdown
from rich.text import Text
from textual import on
from textual.worker import get_current_worker
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Container, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, LoadingIndicator, Static

from tutor.i18n import pick
from tutor.ui import collector
from tutor.ui.screens.focus import KeepsFocus
from tutor.ui.strings import t
from tutor.ui.widgets.code_view import CodeView
from tutor.ui.widgets.key_bar import KeyBar
from tutor.ui.widgets.layer_diagram import LayerDiagram
from tutor.ui.widgets.paint_once import PaintOnce
from tutor.ui.widgets.plot_pane import PlotPane
from tutor.ui.widgets.question_panel import QuestionPanel
from tutor.ui.widgets.status_line import StatusLine
from tutor.ui.widgets.tensor_view import TensorView
from tutor.ui.widgets.text_pane import TextPane
from tutor.ui.widgets.too_small import TooSmall

ANIMATION_FRAMES = 24  # the training curve grows in this many redraws
ANIMATION_INTERVAL = 1 / 12  # seconds between two of them (~2 s in all)
NOTE_SECONDS = 4
BUSY_DELAY = 0.25  # seconds before the status line says "running..."
# A step's text waits this long for its result, so a fast step (nearly all
# of them run in under 10 ms) is drawn in one frame with its values and plot
# instead of two: half the layout work and fewer bytes over SSH. A slow step
# shows its text after this delay and its results when they come.
TEXT_DELAY = 0.08
# The next step runs ahead this long after a step is drawn: after its frame
# has gone out, so the two never compete for the interpreter.
PREFETCH_DELAY = 0.15


@dataclass
class RunHolder:
    """A lesson's LessonRun and the lock that keeps it to one thread at a
    time (the runner is not thread-safe). Kept by the app per lesson, so
    leaving and reopening a lesson does not re-run it."""

    run: object
    lock: threading.Lock = field(default_factory=threading.Lock)


class StepReady(Message):
    """A worker finished running up to a step."""

    def __init__(self, token: int, result, params: dict[str, float]) -> None:
        super().__init__()
        self.token = token
        self.result = result
        self.params = params


class StepFailed(Message):
    """The runner itself failed (not the lesson's code, which the runner
    reports as `StepResult.error`)."""

    def __init__(self, token: int, error: str) -> None:
        super().__init__()
        self.token = token
        self.error = error


class Column(PaintOnce, Vertical):
    """A column of panes whose size changes when a step shows or hides one:
    painted once for it (see paint_once)."""


class Box(PaintOnce, Container):
    """The side of the screen, painted once when its panes change (see paint_once)."""


def _show(widget: Widget, visible: bool) -> None:
    """Show or hide a widget, touching it only on a change: every display
    change re-lays out the screen, the costliest part of a step."""
    if widget.display != visible:
        widget.display = visible


def format_param(value: float) -> str:
    return f"{value:g}"


def format_loss(loss: float) -> str:
    if loss != loss or loss in (float("inf"), float("-inf")):
        return str(loss)
    return f"{loss:.4g}"


class LessonScreen(KeepsFocus, Screen):
    """Step through one lesson; see `tutor.ui.screens.help.KEYS` for the keys."""

    @classmethod
    def bindings(cls, lang: str) -> list[Binding]:
        return [
            Binding("right,n,space", "next", t("key_next", lang), key_display="n"),
            Binding("left,p", "prev", t("key_prev", lang), key_display="p"),
            Binding("r", "rerun", t("key_rerun", lang)),
            Binding("plus", "param(1)", t("key_param", lang), key_display="+/-"),
            Binding("minus", "param(-1)", t("key_param_down", lang), show=False),
            Binding("k", "next_param", t("key_param_next", lang), show=False),
            Binding("h", "hint", t("key_hint", lang)),
            Binding("a,enter", "answer", t("key_answer", lang), show=False),
            Binding("z", "zoom", t("key_zoom", lang), show=False),
            Binding("l,escape", "menu", t("key_menu", lang), key_display="l"),
        ]

    def __init__(self, lesson, *, lang: str, store, holder: RunHolder, start_index: int = 0) -> None:
        super().__init__(id="lesson")
        self.lesson = lesson
        self.lang = lang
        self.store = store
        self.holder = holder
        self.total = len(lesson.steps)
        self.index = min(max(start_index, 0), max(self.total - 1, 0))
        self.result = None  # the StepResult on screen
        self.busy = False
        self._token = 0
        self._params = dict(holder.run.param_values)
        self._param_i = 0
        self._asked: int | None = None  # step whose question the panel holds
        self._revealed: set[int] = set()  # question steps answered or revealed
        self._hints_used: dict[int, int] = {}
        self._anim_timer = None
        self._reveal = 0
        self._note = ""
        self._note_timer = None
        self._footer_question = False
        self._pending_answer: str | None = None
        self._busy_shown = False  # "running..." appears only for slow steps
        self._busy_timer = None
        self._text_timer = None
        self._text_shown = 0  # the request token whose text is on screen
        self._moved = False  # a request changed step; its text is not shown yet
        self._notice_text: str | None = None
        self._prefetch_timer = None
        self._question_fills = False
        self._saved_position: int | None = None

    # ------------------------------------------------------------ layout

    def compose(self) -> ComposeResult:
        lang = self.lang
        yield StatusLine(id="status")
        with Container(id="body"):
            with Vertical(id="left"):
                yield TextPane(t("pane_explanation", lang), t("more_below", lang), id="explain-pane", classes="pane")
                yield CodeView(t("no_code", lang), t("pane_code", lang), t("more_below", lang), id="code", classes="pane")
            with Box(id="side"):
                with Column(id="middle"):
                    question = QuestionPanel(t("q_how", lang), t("q_typing", lang), id="question", classes="pane")
                    question.border_title = t("pane_question", lang)
                    yield question
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
        for wid in ("#question", "#notice", "#step-error"):
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
        self.request(self.index)

    # ------------------------------------------------------------ running

    def request(self, index: int, *, reset: bool = False) -> None:
        """Show step `index` with the lesson's current params.

        A step already run with these params (the runner keeps its results,
        and the step after the one on screen is run ahead in the background)
        is drawn at once, text and results in one frame, with no thread in
        between: that is nearly every `n`. Otherwise a worker runs it; its
        text shows with its results, or after TEXT_DELAY if it takes longer.
        """
        moved = index != self.index or self.result is None
        self._note = ""
        self._busy_shown = False
        if self._busy_timer is not None:
            self._busy_timer.stop()
            self._busy_timer = None
        if self._text_timer is not None:
            self._text_timer.stop()
            self._text_timer = None
        self.index = index
        self._token += 1
        token = self._token
        if moved:
            self._moved = True
            self._pending_answer = None
            # after the frame: a committed SQLite write is ~1 ms of the key
            self.call_after_refresh(self._save_position)
        params = dict(self._params)
        cached = None if reset else self._cached(index, params)
        if cached is not None:
            self.busy = False
            self._accept(cached, params)
            return
        self.busy = True
        self._busy_timer = self.set_timer(BUSY_DELAY, self._show_busy)
        if getattr(self.app, "torch_ready", True) and self._text_shown:
            self._text_timer = self.set_timer(TEXT_DELAY, self._present_text)
        else:
            # the screen's first frame (it is drawn anyway), or torch still
            # loading (the result is seconds away): the text, and a question
            # to think about meanwhile, show at once
            self._present_text()
        holder = self.holder
        torch_event = getattr(self.app, "torch_event", None)

        def work() -> None:
            worker = get_current_worker()
            while torch_event is not None and not torch_event.wait(0.1):
                if worker.is_cancelled or token != self._token:
                    return
            with holder.lock:
                if token != self._token:
                    return  # a newer request supersedes this one
                run = holder.run
                # every request carries all the params it wants, so requests
                # that run out of order still leave the newest params
                for name, value in params.items():
                    run.set_param(name, value)
                if reset:
                    run.reset()
                try:
                    result = run.run_to(index)
                except Exception as exc:  # the runner failed, not the lesson
                    self.post_message(StepFailed(token, f"{type(exc).__name__}: {exc}"))
                    return
                self.post_message(StepReady(token, result, dict(run.param_values)))

        self.run_worker(work, thread=True, group="run", exit_on_error=False)

    def _cached(self, index: int, params: dict[str, float]):
        """The result of step `index` if the run already has it for `params`,
        else None. Never waits: if a worker holds the run, ask a worker."""
        holder = self.holder
        if not holder.lock.acquire(blocking=False):
            return None
        try:
            run = holder.run
            if run.param_values != params or index >= len(run.results):
                return None
            return run.results[index]
        finally:
            holder.lock.release()

    def _prefetch(self) -> None:
        """Run the next step in the background while the learner reads this
        one, so `n` finds it ready. Its result is kept by the runner only;
        nothing is drawn."""
        self._prefetch_timer = None
        collector.collect_if_due()  # the frame is out; the learner reads
        index = self.index + 1
        if self.busy or index >= self.total:
            return
        holder = self.holder
        params = dict(self._params)
        token = self._token

        def work() -> None:
            with holder.lock:
                run = holder.run
                if token != self._token or run.param_values != params or index < len(run.results):
                    return
                try:
                    run.run_to(index)
                except Exception:
                    return  # the request for that step will report it

        self.run_worker(work, thread=True, group="prefetch", exit_on_error=False)
        # and render its text and code now, while nobody waits for them
        self.query_one("#explain-pane", TextPane).prepare(*self._explanation(index))
        try:
            self.query_one("#code", CodeView).prepare_code(holder.run.code_for(index))
        except Exception:
            pass  # the step itself will show what is wrong

    def _present_text(self) -> None:
        """Draw what is known before the step runs: its text, code, question
        and the status line (once per request)."""
        if self._text_timer is not None:
            self._text_timer.stop()
            self._text_timer = None
        if self._text_shown == self._token:
            return
        self._text_shown = self._token
        self._show_text()
        if self._moved:
            self._moved = False
            self._show_question()
        self._update_status()
        self._set_notice()
        has_question = self.step.question is not None
        if has_question != self._footer_question:
            # the footer redraws whole; only when its keys change (h, a)
            self._footer_question = has_question
            self.refresh_bindings()

    def _show_busy(self) -> None:
        """Still running after BUSY_DELAY: say so (a fast step never flickers)."""
        self._busy_timer = None
        if self.busy:
            self._busy_shown = True
            self._update_status()

    def on_step_ready(self, message: StepReady) -> None:
        if message.token != self._token:
            return
        self.busy = False
        self._accept(message.result, message.params)

    def _accept(self, result, params: dict[str, float]) -> None:
        """Draw a step's result, with its text in the same frame, then run
        the next step ahead once this frame is out."""
        if self._busy_timer is not None:
            self._busy_timer.stop()
            self._busy_timer = None
        self.result = result
        self._params = dict(params)
        self._present_text()
        self._show_result()
        if self._pending_answer is not None:
            text, self._pending_answer = self._pending_answer, None
            self.check_answer(text)
        if self._prefetch_timer is not None:
            self._prefetch_timer.stop()
        self._prefetch_timer = self.set_timer(PREFETCH_DELAY, self._prefetch)

    def on_step_failed(self, message: StepFailed) -> None:
        if message.token != self._token:
            return
        self.busy = False
        self.result = None
        self._present_text()
        self._set_notice(t("run_failed", self.lang, error=message.error))
        self._update_status()

    def torch_loaded(self) -> None:
        """The app tells us torch finished loading: drop the loading notice."""
        self._set_notice()

    # ------------------------------------------------------------ display

    @property
    def step(self):
        return self.lesson.steps[self.index]

    def _explanation(self, index: int):
        """Step `index`'s title and text, and the key its rendered lines are kept under."""
        step = self.lesson.steps[index]
        title = Text(pick(step.title, self.lang), style="bold")
        body = Markdown(pick(step.text, self.lang), code_theme="ansi_dark", inline_code_theme="ansi_dark")
        return Group(title, Text(""), body), ("explain", index)

    def _show_text(self) -> None:
        renderable, key = self._explanation(self.index)
        self.query_one("#explain-pane", TextPane).set_body(renderable, key)
        # The code is known before it runs: drawing it in the same frame as
        # the text keeps the left column's layout still when the result
        # arrives, so the result redraws only the values and the plot.
        try:
            code = self.holder.run.code_for(self.index)
        except Exception:
            code = self.step.code
        self.query_one("#code", CodeView).show(code)

    def _update_status(self) -> None:
        lang = self.lang
        params = tuple(
            (p.name, format_param(self._params.get(p.name, p.default)), i == self._param_i)
            for i, p in enumerate(self.lesson.params)
        )
        loss = ""
        answer_pending = self.step.question is not None and self.index not in self._revealed
        if self.result is not None and not self.busy and self.result.loss is not None and not answer_pending:
            loss = t("loss", lang, loss=format_loss(self.result.loss))
        self.query_one("#status", StatusLine).set_state(
            pick(self.lesson.title, lang),
            t("step_of", lang, n=self.index + 1, m=self.total),
            params,
            loss,
            t("running", lang) if self.busy and self._busy_shown else self._note,
        )

    def _set_notice(self, text: str | None = None) -> None:
        """The line above the values: loading torch, running, or a failure.
        Touches the screen only when the notice changes."""
        loading = self.busy and not getattr(self.app, "torch_ready", True)
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

    def _show_question(self) -> None:
        """A question is known before its step runs: show it at once, so the
        learner can open the answer box and type while torch works."""
        panel = self.query_one("#question", QuestionPanel)
        if self.step.question is not None:
            if self._asked != self.index:
                self._ask()
            _show(panel, True)
            if self.index not in self._revealed:
                _show(self.query_one("#values", TensorView), False)
                _show(self.query_one("#right"), False)
                self._fill_question(True)
        else:
            _show(panel, False)

    def _fill_question(self, fill: bool) -> None:
        """Before an answer the question takes the values' place (they are
        hidden); after it, it shrinks to its text and the values show below.
        Inline styles, so no stylesheet pass over the screen."""
        if fill == self._question_fills:
            return
        self._question_fills = fill
        styles = self.query_one("#question", QuestionPanel).styles
        styles.height = "1fr" if fill else None
        styles.max_height = "100%" if fill else None

    def _show_result(self) -> None:
        result = self.result
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

        question = step.question
        panel = self.query_one("#question", QuestionPanel)
        if question is not None:
            if self._asked != self.index:
                self._ask()
            _show(panel, True)
        else:
            _show(panel, False)
        hidden = question is not None and self.index not in self._revealed
        self._fill_question(hidden)
        _show(self.query_one("#values", TensorView), not hidden)
        self.query_one("#values", TensorView).show(result.values, result.previous)

        # the diagram and plot panes show only on the steps that have them,
        # and not before an answer (they could give it away): at 80x24 the
        # values need every line they can get
        diagram = self.query_one("#diagram", LayerDiagram)
        _show(diagram, bool(step.diagram))
        diagram.highlight(step.diagram)
        plot = self.query_one("#plot", PlotPane)
        _show(plot, result.plot is not None)
        self._stop_animation()
        if result.plot is not None and not hidden and getattr(result.plot, "animate", False):
            self._start_animation()
        else:
            plot.show(result.plot)
        _show(self.query_one("#right"), (bool(step.diagram) or result.plot is not None) and not hidden)
        self.set_class(result.plot is not None and not hidden, "-plot-step")

    # ------------------------------------------------------------ animation

    def _series_length(self) -> int:
        plot = self.result.plot if self.result is not None else None
        if plot is None:
            return 0
        return max((len(s.xs) for s in plot.series), default=0)

    def _start_animation(self) -> None:
        self._reveal = 1
        self.query_one("#plot", PlotPane).show(self.result.plot, reveal=self._reveal)
        self._anim_timer = self.set_interval(ANIMATION_INTERVAL, self._grow_curve)

    def _grow_curve(self) -> None:
        total = self._series_length()
        if self.result is None or self.result.plot is None or self._reveal >= total:
            self._stop_animation()
            return
        self._reveal = min(total, self._reveal + max(1, -(-total // ANIMATION_FRAMES)))
        self.query_one("#plot", PlotPane).show(self.result.plot, reveal=self._reveal)
        if self._reveal >= total:
            self._stop_animation()

    def _stop_animation(self) -> None:
        if self._anim_timer is not None:
            self._anim_timer.stop()
            self._anim_timer = None

    # ------------------------------------------------------------ questions

    def _ask(self) -> None:
        """Put the current step's question in the panel, as the learner left it."""
        lang = self.lang
        step = self.step
        question = step.question
        self._asked = self.index
        options = [(o.key, pick(o.text, lang)) for o in question.options]
        record = self._store_call("question", self.lesson.id, step.id)
        before = bool(record is not None and (getattr(record, "solved", False) or getattr(record, "revealed", False)))
        if before:
            self._revealed.add(self.index)
        used = int(getattr(record, "hints", 0) or 0) if record is not None else 0
        self._hints_used.setdefault(self.index, min(used, len(question.hints)))
        note = Text(t("q_done_before", lang) if before else t("q_predict", lang), style="italic")
        panel = self.query_one("#question", QuestionPanel)
        panel.ask(pick(question.prompt, lang), options, t("q_options", lang), t("q_placeholder", lang), note)
        self._show_hints()

    def _show_hints(self, reveal: bool = False) -> None:
        lang = self.lang
        question = self.step.question
        used = self._hints_used.get(self.index, 0)
        text = Text()
        for n in range(used):
            text.append(t("q_hint", lang, n=n + 1, m=len(question.hints), text=pick(question.hints[n], lang)) + "\n")
        if reveal:
            text.append(t("q_revealed", lang) + "\n", style="bold")
            text.append(self._explain() + "\n")
        elif used:
            more = "q_hint_more" if used < len(question.hints) else "q_hint_reveal"
            text.append(t(more, lang), style="dim")
        text.rstrip()
        self.query_one("#question", QuestionPanel).hints(text)

    def _explain(self) -> str:
        question = self.step.question
        expected = self._expected_text()
        return pick(question.explain, self.lang).replace("{answer}", expected or "?")

    def _expected_text(self) -> str | None:
        from tutor import checking

        if self.result is None or self.result.expected is None:
            return None
        try:
            return checking.expected_text(self.step.question, self.result.expected, self.lang)
        except checking.AnswerError:
            return None

    @on(Input.Submitted, "#q-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.check_answer(event.value)

    def check_answer(self, text: str) -> None:
        """Check the learner's answer against the live value and say how it went."""
        from tutor import checking

        lang = self.lang
        panel = self.query_one("#question", QuestionPanel)
        question = self.step.question
        if question is None:
            return
        if self.result is None or self.busy or self.result.index != self.index:
            # typed before the step finished running: checked when it has
            self._pending_answer = text
            panel.feedback(Text(t("q_waiting", lang), style="italic"))
            return
        if self.result.expected is None:
            panel.feedback(Text(t("q_unavailable", lang), style="bold"))
            return
        try:
            verdict = checking.check(question, self.result.expected, text, lang)
        except checking.AnswerError as exc:
            panel.feedback(Text("? " + exc.message, style="bold"))
            return
        self._store_call("record_answer", self.lesson.id, self.step.id, text, verdict.correct)
        if verdict.correct:
            line = Text("+ " + t("q_right", lang), style="bold green")
        else:
            line = Text("x " + t("q_wrong", lang), style="bold red")
        line.append("\n" + t("q_you", lang, given=verdict.given))
        line.append("\n" + t("q_live", lang, expected=verdict.expected), style="bold")
        if verdict.detail:
            line.append("\n" + verdict.detail, style="italic")
        panel.feedback(line)
        self._reveal_values()
        if verdict.correct:
            self.set_focus(None)

    def _reveal_values(self) -> None:
        if self.index not in self._revealed:
            self._revealed.add(self.index)
            self._show_result()

    # ------------------------------------------------------------ actions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Hide keys that do nothing here from the footer."""
        if action in ("param", "next_param"):
            return bool(self.lesson.params) if action == "param" else len(self.lesson.params) > 1
        if action in ("hint", "answer"):
            return self.step.question is not None
        return True

    def say(self, text: str) -> None:
        """A short note in the status line (instead of a toast over the
        values), gone after a few seconds or at the next step."""
        self._note = text
        self._update_status()
        if self._note_timer is not None:
            self._note_timer.stop()
        self._note_timer = self.set_timer(NOTE_SECONDS, self._clear_note)

    def _clear_note(self) -> None:
        self._note = ""
        self._note_timer = None
        self._update_status()

    def action_next(self) -> None:
        if self.index + 1 >= self.total:
            self.say(t("last_step", self.lang))
            return
        self.request(self.index + 1)

    def action_prev(self) -> None:
        if self.index == 0:
            self.say(t("first_step", self.lang))
            return
        self.request(self.index - 1)

    def action_rerun(self) -> None:
        self._asked = None
        self.request(self.index, reset=True)

    def action_param(self, direction: int) -> None:
        lang = self.lang
        if not self.lesson.params:
            self.say(t("no_params", lang))
            return
        param = self.lesson.params[self._param_i]
        current = self._params.get(param.name, param.default)
        new = param.clamp(param.moved(current, direction))
        label = pick(param.label, lang)
        if new == current:
            self.say(t("param_limit", lang, label=label, value=format_param(current)))
            return
        self._params[param.name] = new
        self.request(self.index)

    def action_next_param(self) -> None:
        if self.lesson.params:
            self._param_i = (self._param_i + 1) % len(self.lesson.params)
            self._update_status()

    def action_hint(self) -> None:
        self._present_text()  # the hint belongs to the question on screen
        question = self.step.question
        if question is None:
            return
        used = self._hints_used.get(self.index, 0)
        if used < len(question.hints):
            self._hints_used[self.index] = used + 1
            self._store_call("record_hint", self.lesson.id, self.step.id)
            self._show_hints()
        else:
            if self.result is None or self.busy:
                return
            self._store_call("record_reveal", self.lesson.id, self.step.id)
            self._show_hints(reveal=True)
            self._reveal_values()

    def action_answer(self) -> None:
        self._present_text()  # the box must be the new step's, and visible
        if self.step.question is not None:
            self.query_one("#question", QuestionPanel).focus_answer()

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

    def action_menu(self) -> None:
        if self.maximized is not None:
            self.minimize()
            return
        self.app.show_menu()

    # ------------------------------------------------------------ progress

    def _save_position(self) -> None:
        if self._saved_position != self.index:
            self._saved_position = self.index
            self._store_call("set_position", self.lesson.id, self.index, self.total)

    def _store_call(self, name: str, *args):
        """Use the progress store if there is one; a store failure is told
        once and never stops the lesson."""
        method = getattr(self.store, name, None)
        if method is None:
            return None
        try:
            return method(*args)
        except Exception as exc:
            self.notify(t("store_warning", self.lang, warning=str(exc)), severity="warning", timeout=5)
            return None

    def on_unmount(self) -> None:
        self._stop_animation()
        if self._saved_position != self.index:  # left before the step's frame was drawn
            try:
                self.store.set_position(self.lesson.id, self.index, self.total)
            except Exception:
                pass  # the app is closing: nowhere left to say so; the step before was saved
