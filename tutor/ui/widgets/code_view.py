"""The code that ran for the current step, highlighted and read-only.

What the pane shows is exactly what ran (`StepResult.code`, including the
parameter assignment the runner prepends), so a learner can trust it.
The pane is ~33-38 columns at 80x24, so long lines wrap, but only between
two tokens (never `requires_grad=Tru` / `e)`), and a continued line starts
four columns deeper than the line it continues, so Python's own indentation
stays readable. Only a token wider than the whole pane is cut.
"""

from __future__ import annotations

import re
from functools import cached_property

from pygments.lexers.python import PythonLexer  # type: ignore[import-untyped]
from pygments.token import (  # type: ignore[import-untyped]
    Comment,
    Error,
    Generic,
    Keyword,
    Name,
    Number,
    Operator,
    String,
    Token,
    Whitespace,
)
from rich.console import Console, ConsoleOptions, RenderResult
from rich.style import Style
from rich.syntax import ANSISyntaxTheme, Syntax
from rich.text import Text

from tutor.ui.widgets.text_pane import TextPane

# Rich's ansi_dark theme, in ANSI colours that read on a dark and on a light
# terminal alike: no bright green, cyan or yellow (invisible on white), no
# plain blue (invisible on black).
THEME = ANSISyntaxTheme({
    Token: Style(),
    Whitespace: Style(),
    Comment: Style(dim=True, italic=True),
    Comment.Preproc: Style(color="cyan"),
    Keyword: Style(color="magenta", bold=True),
    Keyword.Type: Style(color="cyan"),
    Operator.Word: Style(color="magenta", bold=True),
    Name.Builtin: Style(color="cyan"),
    Name.Function: Style(color="green"),
    Name.Namespace: Style(color="cyan", underline=True),
    Name.Class: Style(color="green", underline=True),
    Name.Exception: Style(color="cyan"),
    Name.Decorator: Style(color="magenta", bold=True),
    Name.Variable: Style(color="red"),
    Name.Constant: Style(color="red"),
    Name.Attribute: Style(color="cyan"),
    Name.Tag: Style(color="magenta"),
    String: Style(color="yellow"),
    Number: Style(color="bright_blue"),
    Generic.Deleted: Style(color="red"),
    Generic.Inserted: Style(color="green"),
    Generic.Heading: Style(bold=True),
    Generic.Subheading: Style(color="magenta", bold=True),
    Generic.Prompt: Style(bold=True),
    Generic.Error: Style(color="red"),
    Error: Style(color="red", underline=True),
})

PLAIN = ANSISyntaxTheme({Token: Style()})

# The lexer Rich's Syntax(code, "python") would look up by name at every
# highlight: pygments' lookup walks its table of ~600 lexers, touching every
# entry, which in a served session copies the warm parent's pages that hold
# them (tutor/serve). One instance, with Syntax's own options, does the same.
PYTHON_LEXER = PythonLexer(stripnl=False, ensurenl=True, tabsize=4)

HANGING_INDENT = 4
# One unit a row never splits: a string literal (with its prefix), a number,
# a keyword argument (`requires_grad=True`), a dotted name (`xs.grad`,
# `nn.CrossEntropyLoss`, `.item`), a run of spaces, or one
# other character.
_TOKEN = re.compile(
    r"""[rRbBuUfF]{0,2}("[^"]*"?|'[^']*'?)"""  # a string
    r"""|\d[\w.]*(?:[eE][+-]?\d+)?"""  # a number
    r"""|\w+=(?!=)(?:\w+(?:\.\w+)*|\d[\w.]*|"[^"]*"|'[^']*')"""  # a keyword argument
    r"""|\.?\w+(?:\.\w+)*|\s+|.""",  # a (dotted) name, spaces, anything else
    re.UNICODE,
)


def hang_for(line: str, width: int) -> int:
    """The hanging indent of `line`'s continued rows: four columns deeper
    than the line, less if its longest token would not fit after it."""
    indent = len(line) - len(line.lstrip(" "))
    longest = max((b - a for a, b in (m.span() for m in _TOKEN.finditer(line))), default=0)
    return max(1, min(indent + HANGING_INDENT, width // 2, width - longest))


# Brackets holding this few characters are never cut inside: `model[0]`,
# `(name)`, `(1, 4)`, `(dim=1)`, `(samples)`, `(g, g_xs)`.
SHORT_BRACKET = 8
# A line's last row is not left this short when an earlier cut avoids it.
ORPHAN = 6
_PAIRS = {"(": ")", "[": "]", "{": "}"}


def _contents(line: str, at: int) -> int:
    """How many characters the bracket opened at `at` holds (to the end of
    the line if it does not close on it)."""
    depth = 0
    for i in range(at, len(line)):
        if line[i] in _PAIRS:
            depth += 1
        elif line[i] in ")]}":
            depth -= 1
            if depth == 0:
                return i - at - 1
    return len(line) - at - 1


def _keeps_together(line: str, p: int) -> bool:
    """Whether a cut at `p` leaves a call's or subscript's bracket with what
    it calls (`.item` / `()` is not) and a short bracket whole (`model[` /
    `0]` is not)."""
    if line[p] in "([" and (line[p - 1].isalnum() or line[p - 1] in "_)]"):
        return False
    depth = 0
    for i in range(p - 1, -1, -1):  # the brackets open at p, innermost first
        if line[i] in ")]}":
            depth += 1
        elif line[i] in _PAIRS:
            if depth:
                depth -= 1
            elif _contents(line, i) <= SHORT_BRACKET:
                return False
    return True


_PART = re.compile(r"\w+|\s+|.")
_NAME_CHAR = re.compile(r"[\w.]")


def break_points(line: str, width: int, hang: int) -> list[int]:
    """Where `line` is cut to fit `width` columns: offsets between two
    tokens; each row after the first has `hang` columns less room.

    Among the boundaries in a row's last three quarters, a cut after a
    space or comma is best, then one after an opening bracket, then any
    other; a row never starts with `,` `)` `]` `}` `:` `**` nor with the
    bracket of a call or subscript (`.item` / `()`), is never blank, and a
    bracket of eight characters or fewer (`model[0]`, `(samples)`) is never cut
    inside; a line's last row is not left a few characters long (`h`) when
    an earlier cut avoids it.
    A unit wider than a row (or than what follows its indentation) is cut
    between its own parts (`requires_grad=` / `True`), and only a single
    name longer than a row is cut inside."""
    cuts: list[int] = []
    start = 0  # offset where the current row starts
    room = width
    bounds = [m.start() for m in _TOKEN.finditer(line)] + [len(line)]
    while len(line) - start > room:
        end = start + room
        best, score = None, -1
        for low in (start + room // 4, start):  # a short row only if nothing else
            for p in bounds:
                if not low < p <= end or p >= len(line):
                    continue
                if line[p] in ",)]}:" or line.startswith("**", p) or not line[start:p].strip():
                    continue  # (`**` binds tightest: `x` / `** 2` hides the square)
                if not _keeps_together(line, p):
                    continue
                # the latest cut, unless a nicer one is a few columns earlier
                rank = p + (8 if line[p - 1] in " ," else 4 if line[p - 1] in "([{" else 0)
                rank -= 2 if line[p] == "." else 0  # `model[0]` / `.weight` reads worse than a cut at a space
                rank -= 20 if len(line) - p < ORPHAN else 0  # a last row of a character or three: `/` `h`
                if rank >= score:
                    best, score = p, rank
            if best is not None:
                break
        if best is None:
            # inside the unit that crosses the row's end, between its parts;
            # failing that, after the indentation alone; last, a name cut
            parts = [start + m.start() for m in _PART.finditer(line[start:end + 1])]
            inner = [p for p in parts if start < p <= end and line[start:p].strip()
                     and not (_NAME_CHAR.match(line[p - 1]) and _NAME_CHAR.match(line[p]))]
            first = len(line[start:]) - len(line[start:].lstrip(" ")) + start
            inner = [p for p in inner if _keeps_together(line, p)] or inner
            best = inner[-1] if inner else first if start < first < end else end
        while best < len(line) and line[best] == " " and best - start < room:
            best += 1  # the spaces at a cut stay on the row they end
        cuts.append(best)
        start = best
        room = width - hang
    return cuts


class WrappedCode:
    """Highlighted code with line numbers, wrapped at token boundaries for
    the width it is rendered at."""

    def __init__(self, code: str, colour: bool = True) -> None:
        self.code = code
        self.colour = colour
        self.gutter_style = "dim" if colour else ""

    @cached_property
    def lines(self) -> list[Text]:
        """The highlighted lines, made when first rendered: a pane that has
        this code's rows prepared (CodeView.prepare_code) never pays for
        pygments again when it shows them."""
        # NO_COLOR: the terminal's own colour for every token (Textual would
        # turn the hues into greys too faint to read)
        code = self.code
        syntax = Syntax(code, PYTHON_LEXER, theme=THEME if self.colour else PLAIN, background_color="default")
        lines = syntax.highlight(code).split("\n", allow_blank=True)
        if lines and not lines[-1].plain and code.endswith("\n"):
            lines.pop()
        return list(lines)

    @property
    def gutter(self) -> int:
        return len(str(len(self.lines))) + 1

    def rows(self, width: int) -> list[Text]:
        body = max(4, width - self.gutter)
        rows = []
        for number, line in enumerate(self.lines, 1):
            plain = line.plain
            hang = hang_for(plain, body)
            cuts = break_points(plain, body, hang)
            pieces = line.divide(cuts) if cuts else [line]
            for k, piece in enumerate(pieces):
                row = Text()
                row.append(f"{number:>{self.gutter - 1}} " if k == 0 else " " * self.gutter, self.gutter_style)
                part = piece
                if k:  # a continued row: its own spaces go, the hanging indent comes
                    part = piece[len(piece.plain) - len(piece.plain.lstrip(" ")):]
                    row.append(" " * hang)
                row.append_text(part)
                row.no_wrap = True
                row.overflow = "crop"
                rows.append(row)
        return rows

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield from self.rows(options.max_width)


class CodeView(TextPane):
    """A focusable, scrollable pane holding one highlighted Python snippet.

    As tall as its code (up to the stylesheet's max-height), so the
    explanation above it gets every other line: a step lays the screen out
    again only when the number of code lines changes."""

    DEFAULT_CSS = """
    CodeView {
        height: auto;
    }
    """

    def __init__(self, empty_text: str = "", title: str = "", more: str = "", **kwargs) -> None:
        super().__init__(title, more, **kwargs)
        self._empty_text = empty_text
        self._code: str | None = None
        self._body = Text(empty_text, style="dim")

    @property
    def code(self) -> str:
        return self._code or ""

    def _syntax(self, code: str) -> WrappedCode:
        return WrappedCode(code, colour=not self.app.no_color)

    def show(self, code: str) -> None:
        """Show `code` (or the empty text); unchanged code is not redrawn."""
        if code == self._code:
            return
        self._code = code
        if code.strip():
            self.set_body(self._syntax(code), key=self._key(code))
        else:
            self.set_body(Text(self._empty_text, style="dim"))

    def prepare_code(self, code: str) -> None:
        """Highlight `code` now, for a later `show(code)`."""
        if code.strip():
            self.prepare(self._syntax(code), self._key(code))

    def _key(self, code: str) -> tuple[str, str, bool]:
        """What the lines of `code` are kept under: the code, coloured or
        not (NO_COLOR)."""
        return ("code", code, not self.app.no_color)
