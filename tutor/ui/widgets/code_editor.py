"""The code pane a learner types in, on a step whose question is `kind = "code"`.

It takes the code pane's place on such a step (the step's own code is set-up
the step's text describes; what the learner edits is what will run). It is
Textual's `TextArea` in its code-editor shape: line numbers, Tab indents,
Enter keeps the indentation, Ctrl+Z/Ctrl+Y undo and redo. Python is
highlighted here with Pygments (already installed with Rich), in the same
ANSI colours as the read-only code pane, so no tree-sitter grammar is
needed and the colours read on a dark and on a light terminal alike.

Keys: the lesson screen binds the run key (Ctrl+R, F5), back to the
starter (Ctrl+O) and the solution (Ctrl+T), which work whether or not the
editor has the focus; Esc leaves the editor and does nothing else (the
answer box's rule), so the lesson's letter keys work again.

Running is `run_code`: a daemon thread (tutor/ui/threads.py) asks the
lesson's run for a verdict (`LessonRun.check_code`: the learner's code runs
in a sandboxed grandchild of the step process) and posts `CodeChecked`;
the UI thread never waits for it.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from functools import lru_cache

from pygments.lexers import PythonLexer  # type: ignore[import-untyped]
from pygments.token import (  # type: ignore[import-untyped]
    Comment,
    Keyword,
    Name,
    Number,
    Operator,
    String,
)
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.containers import Vertical
from textual.dom import DOMNode
from textual.geometry import Region, Size
from textual.message import Message
from textual.scrollbar import ScrollBar, ScrollBarCorner
from textual.strip import Strip
from textual.widgets import TextArea
from textual.widgets.text_area import TextAreaTheme

from tutor.i18n import Catalog
from tutor.runner import CodeVerdict
from tutor.ui.screens.focus import focus_home
from tutor.ui.screens.keys import localized
from tutor.ui.step_runner import RunHolder
from tutor.ui.strings import t
from tutor.ui.threads import watched
from tutor.ui.widgets.paint_once import PaintOnce
from tutor.ui.widgets.text_box_keys import TextBoxKeys
from tutor.ui.widgets.text_line import CachedRichStyle
from tutor.ui.widgets.uniform_rows import UniformRows, content_rows, render_repeating

STRINGS = Catalog({
    "pane": {"en": "Your code", "pt": "Seu código"},
    "pane_solution": {"en": "Your code: the solution", "pt": "Seu código: a solução"},
    "key_run": {"en": "run", "pt": "rodar"},
    "key_leave": {"en": "leave editor", "pt": "sair do editor"},
    "key_reset": {"en": "starter", "pt": "código inicial"},
    "key_solution": {"en": "solution", "pt": "solução"},
    "keys_editing": {
        "en": "Ctrl+R or F5 runs and checks · Ctrl+O starter · Ctrl+T solution · Esc leaves the editor",
        "pt": "Ctrl+R ou F5 roda e confere · Ctrl+O código inicial · Ctrl+T solução · Esc sai do editor",
    },
    "keys_idle": {
        "en": "a: write in the editor · Ctrl+R run · Ctrl+O starter · Ctrl+T solution · h hint",
        "pt": "a: escreva no editor · Ctrl+R roda · Ctrl+O código inicial · Ctrl+T solução · h dica",
    },
    "running": {"en": "Running your code...", "pt": "Rodando o seu código..."},
    "busy": {"en": "Your code is still running.", "pt": "Seu código ainda está rodando."},
    "write_first": {
        "en": "Write your code in the editor, then Ctrl+R (or F5) runs and checks it.",
        "pt": "Escreva o código no editor; depois Ctrl+R (ou F5) roda e confere.",
    },
    "right": {"en": "Right: your code passes every check.", "pt": "Certo: seu código passa em todas as verificações."},
    "wrong": {"en": "Not yet (run {n}).", "pt": "Ainda não ({n}ª execução)."},
    "printed": {"en": "Your code printed:", "pt": "Seu código imprimiu:"},
    "reset_done": {
        "en": "Back to the starter (Ctrl+Z brings your code back).",
        "pt": "De volta ao código inicial (Ctrl+Z traz o seu código de volta).",
    },
    "solution_shown": {
        "en": "The solution is in the editor (Ctrl+Z brings your code back). Ctrl+R runs it.",
        "pt": "A solução está no editor (Ctrl+Z traz o seu código de volta). Ctrl+R roda.",
    },
    "unsandboxed": {
        "en": "Your code runs without the sandbox here: {reason}.",
        "pt": "Aqui o seu código roda sem isolamento: {reason}.",
    },
    "failed": {
        "en": "The tutor could not run your code: {error}",
        "pt": "O tutor não conseguiu rodar o seu código: {error}",
    },
})

# Pygments token kinds -> the names the editor's theme styles. The styles
# are those of the read-only code pane (tutor/ui/widgets/code_view.py):
# ANSI colours that read on dark and light terminals.
_KINDS = (
    (Comment, "comment"),
    (String, "string"),
    (Number, "number"),
    (Keyword, "keyword"),
    (Operator.Word, "keyword"),
    (Name.Builtin, "builtin"),
    (Name.Function, "function"),
    (Name.Class, "function"),
    (Name.Decorator, "keyword"),
)

THEME = TextAreaTheme(
    name="tutor",
    syntax_styles={
        "comment": Style(dim=True, italic=True),
        "string": Style(color="yellow"),
        "number": Style(color="bright_blue"),
        "keyword": Style(color="magenta", bold=True),
        "builtin": Style(color="cyan"),
        "function": Style(color="green"),
    },
)

# NO_COLOR turns colours to greys, and a dim grey comment falls below 4.5:1:
# there comments are italic only, and the other kinds bold or plain.
PLAIN_THEME = TextAreaTheme(
    name="tutor-plain",
    syntax_styles={"comment": Style(italic=True), "keyword": Style(bold=True)},
)


Highlights = dict[int, tuple[tuple[int, int | None, str], ...]]


@lru_cache(maxsize=64)
def highlights(text: str) -> Highlights:
    """Line -> (start byte, end byte, kind) for the tokens worth a colour.
    TextArea draws highlights in UTF-8 byte offsets, so offsets are bytes.
    Kept for the last texts: the lesson screen works out the next
    exercise's ahead (`LessonScreen.prefetch`), since Pygments on a key
    was a fifth of the key that puts one exercise's code in place of
    another's (practice's `write-derivative`, counted in opcodes)."""
    out: dict[int, list[tuple[int, int | None, str]]] = defaultdict(list)
    row, col = 0, 0  # col in bytes
    for token, value in PythonLexer(stripnl=False, ensurenl=False).get_tokens(text):
        kind = next((name for base, name in _KINDS if token in base), None)
        for i, part in enumerate(value.split("\n")):
            if i:
                row, col = row + 1, 0
            size = len(part.encode("utf-8"))
            if kind is not None and size:
                out[row].append((col, col + size, kind))
            col += size
    return {row: tuple(spans) for row, spans in out.items()}


class _Bar(PaintOnce, ScrollBar):
    """A scrollbar that takes its first size without a second layout."""


class _Corner(PaintOnce, ScrollBarCorner):
    """The cell where the two scrollbars meet, sized the same way."""


# The rules `DOMNode.rich_style` reads from a widget and each widget around
# it: a TextArea's theme takes its colours from them (see CodeArea).
_COLOUR_RULES = ("background", "background_tint", "color", "text_style", "opacity", "auto_color")


class CodeArea(CachedRichStyle, TextBoxKeys, TextArea):
    """The text area itself: Python highlighted by Pygments; Enter keeps the
    line's indentation (one level deeper after a `:`); Esc leaves it. Made
    through `localized(CodeArea, lang)`: the key line says "Esc leave editor"."""

    @classmethod
    def bindings(cls, lang: str) -> list[Binding]:
        # TextArea's own Esc moves the focus to the next widget; this one
        # leaves the editor and does nothing else (the answer box's rule)
        return [Binding("escape", "leave", STRINGS.get("key_leave", lang), key_display="Esc")]

    def action_leave(self) -> None:
        focus_home(self.screen)

    def __init__(self, **kwargs) -> None:
        super().__init__(language=None, soft_wrap=False, tab_behavior="indent", show_line_numbers=True,
                         **kwargs)
        self.register_theme(THEME)
        self.register_theme(PLAIN_THEME)
        self.theme = "tutor"
        self.indent_width = 4
        self.indent_type = "spaces"

    def on_mount(self) -> None:
        if self.app.no_color:
            self.theme = "tutor-plain"
        self._mount_scrollbars()

    # The pane's title says "more: Down" while lines lie below the window,
    # as the other panes' titles do (CodeEditor.retitle sets it on a change).
    @property
    def more_below(self) -> bool:
        return self.scroll_y < self.max_scroll_y

    def _tell_more(self) -> None:
        parent = self.parent
        if isinstance(parent, CodeEditor):
            parent.retitle()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._tell_more()

    def _refresh_size(self) -> None:
        """An edit changed the text's height (Enter, a paste, the starter)."""
        super()._refresh_size()
        self._tell_more()

    # The theme's styles, taken from the stylesheet once, not on every paint.
    # Textual's TextArea.render_lines (8.2) runs `TextAreaTheme.apply_css`
    # each time it paints: it reads the area's style and five component
    # styles into the theme, about 3,400 function calls, 4-7% of the key
    # that shows the editor and more of a key typed in it. What it reads
    # changes only with the colour rules of the area and the widgets
    # around it (`_COLOUR_RULES`: what `DOMNode.rich_style` folds), the
    # area's component styles (the stylesheet makes new ones whenever it
    # styles the area: focus, NO_COLOR, the app's CSS or theme) or the
    # theme itself (`_set_theme` makes a new object): the theme is applied
    # again only then, and the editor opened ahead (`CodeEditor.open`) has
    # it applied before the key that shows it. A key that only resizes the
    # panes (a code step widens the left column) applies nothing. Private
    # Textual, in docs/architecture.md's upgrade checklist.

    _css_applied: tuple = ()  # what the theme was applied with (see _theme_inputs)

    def _theme_inputs(self) -> tuple:
        """What apply_css reads: the theme, the area's component styles (kept
        here, compared by identity, else by their rules) and the colour
        rules of the area and the widgets around it."""
        return (self._theme, *self._component_styles.values(),
                *(node.styles.get_rule(rule) for node in self.ancestors_with_self for rule in _COLOUR_RULES))

    def apply_theme_css(self) -> None:
        """Give the theme the area's current styles, unless it has them."""
        theme = self._theme
        if theme is None:
            return
        inputs = self._theme_inputs()
        applied = self._css_applied
        if len(inputs) != len(applied) or not all(a is b or a == b for a, b in zip(inputs, applied)):
            theme.apply_css(self)
            self._css_applied = inputs

    def render_lines(self, crop: Region) -> list[Strip]:
        self.apply_theme_css()
        # TextArea's render_lines is apply_css and then Widget's: skip to
        # Widget's, drawing the blank rows under the code once (TextArea
        # draws each on the same style; uniform_rows.py)
        return render_repeating(self, crop, self._blank_rows, super(TextArea, self).render_lines)

    def _blank_rows(self) -> tuple[int, int] | None:
        """The area's rows [first, end) under the code's last line, or None
        (a placeholder draws there; see `content_rows`)."""
        if self.placeholder and not self.text:
            return None
        first = max(0, self.wrapped_document.height - self.scroll_offset.y)
        return content_rows(self, first, self.content_size.height)

    # A step that shows an exercise long enough to scroll is one frame, as
    # every step (tests/test_frames.py). Textual (8.2) would take two or
    # three: it creates a TextArea's scrollbars the first time they show,
    # inside a layout (and their first size asks for another layout), and
    # the layout that shows or resizes them also refreshes them, which
    # sends them again in a frame of their own. Here they exist from the
    # start, take their size as PaintOnce widgets do, and are painted in
    # the layout's own frame. Private Textual, listed in
    # docs/architecture.md's upgrade checklist.

    def _mount_scrollbars(self) -> None:
        """Mount the scrollbars and their corner, hidden, with the editor
        (Widget.vertical_scrollbar & co. create them the first time they
        show, inside a layout)."""
        self._vertical_scrollbar = _Bar(vertical=True, name="vertical", thickness=self.scrollbar_size_vertical)
        self._horizontal_scrollbar = _Bar(vertical=False, name="horizontal",
                                          thickness=self.scrollbar_size_horizontal)
        self._scrollbar_corner = _Corner()
        for bar in (self._vertical_scrollbar, self._horizontal_scrollbar):
            bar.display = False
            self.app._start_widget(self, bar)
        self.app._start_widget(self, self._scrollbar_corner)

    def _scroll_update(self, virtual_size: Size) -> None:
        """Called by a layout that changed this area's size or virtual
        size: the scrollbars it refreshed go into that layout's frame,
        instead of a frame of their own after it."""
        super()._scroll_update(virtual_size)
        for bar in (self._vertical_scrollbar, self._horizontal_scrollbar):
            if bar is not None and bar.display and bar._repaint_required:
                bar._repaint_required = False
                self.screen._compositor.update_widgets({bar})
        self._tell_more()

    def _build_highlight_map(self) -> None:
        self._line_cache.clear()
        self._highlights.clear()
        self._highlights.update((row, list(spans)) for row, spans in highlights(self.text).items())

    async def _on_key(self, event: events.Key) -> None:
        """Enter is handled here; every other key falls through to the
        bindings (TextBoxKeys) and TextArea's own handler (Textual calls them
        next unless the default is prevented), so they must not be called
        from here."""
        if event.key == "enter" and not self.read_only:
            event.stop()
            event.prevent_default()
            row, column = self.cursor_location
            before = self.document[row][:column]
            indent = before[: len(before) - len(before.lstrip(" "))]
            if before.rstrip().endswith(":"):
                indent += " " * self.indent_width
            start, end = self.selection
            self._replace_via_keyboard("\n" + indent, start, end)


class CodeEditor(CachedRichStyle, PaintOnce, UniformRows, Vertical):
    """The editor pane: its title and the text area. The screen opens it on
    a code question (`open`), and reads `code` when the learner runs it.
    PaintOnce: shown for the first time, the pane is sized and painted in
    the step's one frame (without it, a second layout and frame follow)."""

    DEFAULT_CSS = """
    CodeEditor {
        height: 1fr;
    }
    CodeEditor > CodeArea, CodeEditor > CodeArea:focus {
        height: 1fr;
        border: none;
        padding: 0;
        background: ansi_default;
    }
    """

    def __init__(self, lang: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lang = lang
        self.key: tuple | None = None  # (lesson id, step index) whose code is in the editor
        self._title = "pane"  # or "pane_solution"

    def compose(self):
        yield localized(CodeArea, self.lang)(id="code-area")

    def on_mount(self) -> None:
        self.retitle()

    def retitle(self) -> None:
        """"Your code", "Your code: the solution", and "(more: Down)" while
        the code goes on below the window."""
        title = STRINGS.get(self._title, self.lang)
        if self.is_mounted and self.area.more_below:
            title = f"{title} ({t('more_below', self.lang)})"
        if title != self.border_title:
            self.border_title = title

    @property
    def area(self) -> CodeArea:
        return self.query_one(CodeArea)

    @property
    def code(self) -> str:
        return self.area.text

    @property
    def editing(self) -> bool:
        return self.screen.focused is self.area

    def open(self, key: tuple, text: str) -> None:
        """Show `text` (the learner's last code, or the starter) for the
        question `key`; the same question again keeps what is typed."""
        if key == self.key:
            return
        self.key = key
        self._title = "pane"
        self.retitle()
        area = self.area
        area.load_text(text)
        # opened ahead, while hidden: the key that shows it paints at once
        area.apply_theme_css()

    def put(self, text: str, *, solution: bool = False) -> None:
        """Put `text` in the editor as one edit, so Ctrl+Z brings back what
        was there (the learner's own code is never lost)."""
        area = self.area
        area.replace(text, area.document.start, area.document.end)
        area.move_cursor(area.document.start)
        self._title = "pane_solution" if solution else "pane"
        self.retitle()

    def focus_code(self) -> None:
        """Take the focus now (letters typed right after belong to the code)."""
        self.screen.set_focus(self.area)


class CodeChecked(Message):
    """A run of the learner's code came back (or the run itself failed:
    `verdict` then carries the reason as its one line)."""

    def __init__(self, index: int, code: str, verdict: CodeVerdict) -> None:
        super().__init__()
        self.index = index
        self.code = code
        self.verdict = verdict


def run_code(target: DOMNode, holder: RunHolder, torch_ready: threading.Event, index: int, code: str,
             lang: str) -> None:
    """Run and judge `code` for step `index` off the UI thread; `target`
    gets CodeChecked. Waits for torch (never imported by two threads at
    once) and for the lesson's run (one thread at a time)."""

    def work() -> None:
        torch_ready.wait()
        try:
            with holder.lock:
                verdict = holder.run.check_code(index, code, lang)
        except Exception as exc:  # the runner failed, not the learner's code
            error = STRINGS.get("failed", lang, error=f"{type(exc).__name__}: {exc}")
            verdict = CodeVerdict(False, [error], problem_lines=[error])
        target.post_message(CodeChecked(index, code, verdict))

    watched(target, work, "tutor-code")
