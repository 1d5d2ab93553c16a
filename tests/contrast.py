"""Contrast of what the terminal draws, cell by cell (WCAG 2).

A cell's colours are read from the segments Textual sends to the terminal
(the compositor's full update, the same one `App.export_screenshot` draws),
after Rich has reduced them to the terminal's colour system, exactly as
`Strip.render` does for the real terminal. Colours are then resolved with
xterm's default palette for the 16 ANSI colours and the 256-colour cube;
the terminal's own default colours are unknown, so each cell is judged
twice: on a dark terminal (white on black) and a light one (black on white).

The bars (issue 10):
- a cell on the terminal's default background, in its default colour or an
  ANSI colour (both follow the learner's theme): 3:1 on the dark terminal
  and 1.5:1 on the light one;
- any other cell (a colour the tutor picked, or a picked background): 4.5:1
  on both terminals, 3:1 for deliberately dim text and for drawing
  characters (borders, rules, plot lines): WCAG's bar for non-text.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.color import Color, ColorSystem, ColorType
from rich.segment import Segment
from rich.style import Style

XTERM_16 = [
    (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0),
    (0, 0, 238), (205, 0, 205), (0, 205, 205), (229, 229, 229),
    (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0),
    (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
]
_CUBE = [0, 95, 135, 175, 215, 255]

# The terminal's default (foreground, background) on each assumption.
TERMINALS = {"dark": ((255, 255, 255), (0, 0, 0)), "light": ((0, 0, 0), (255, 255, 255))}

SYSTEMS = {
    "truecolor": ColorSystem.TRUECOLOR,
    "256": ColorSystem.EIGHT_BIT,
    "8": ColorSystem.STANDARD,
}

TEXT_BAR = 4.5
DIM_BAR = 3.0
ADAPTIVE_BAR = {"dark": 3.0, "light": 1.5}


def palette(number: int) -> tuple[int, int, int]:
    """xterm's colour `number` (0-255)."""
    if number < 16:
        return XTERM_16[number]
    if number < 232:
        n = number - 16
        return (_CUBE[n // 36], _CUBE[n // 6 % 6], _CUBE[n % 6])
    grey = 8 + 10 * (number - 232)
    return (grey, grey, grey)


def luminance(rgb: tuple[int, int, int]) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    la, lb = luminance(a), luminance(b)
    hi, lo = max(la, lb), min(la, lb)
    return (hi + 0.05) / (lo + 0.05)


def kind(color: Color | None) -> str:
    """`default` (the terminal's own), `ansi` (one of its 16, themed) or
    `fixed` (a 256-colour or truecolor value the tutor chose)."""
    if color is None or color.type == ColorType.DEFAULT:
        return "default"
    if color.type == ColorType.STANDARD:
        return "ansi"
    if color.type == ColorType.EIGHT_BIT and color.number is not None and color.number < 16:
        return "ansi"
    return "fixed"


def resolve(color: Color | None, default: tuple[int, int, int]) -> tuple[int, int, int]:
    if kind(color) == "default":
        return default
    if color.type == ColorType.TRUECOLOR:
        t = color.triplet
        return (t.red, t.green, t.blue)
    return palette(color.number)


def downgrade(color: Color | None, system: ColorSystem) -> Color | None:
    if color is None:
        return None
    return color.downgrade(system)


def is_graphic(char: str) -> bool:
    """Box drawing, blocks and braille: rules, borders and plot lines."""
    code = ord(char)
    return 0x2500 <= code <= 0x259F or 0x2800 <= code <= 0x28FF


@dataclass
class Failure:
    where: str
    mode: str
    terminal: str
    row: int
    col: int
    char: str
    text: str
    ratio: float
    bar: float

    def __str__(self) -> str:
        return (f"{self.where} [{self.mode}, {self.terminal} terminal] row {self.row} col {self.col} "
                f"{self.char!r} {self.ratio:.2f} < {self.bar}: {self.text.strip()!r}")


def cell_failures(style: Style, char: str, system: ColorSystem) -> list[tuple[str, float, float]]:
    """(terminal, ratio, bar) for each terminal on which this cell is too faint."""
    fg = downgrade(style.color, system)
    bg = downgrade(style.bgcolor, system)
    if style.reverse:
        fg, bg = bg, fg
    dim = bool(style.dim) or is_graphic(char)
    adaptive = kind(bg) == "default" and kind(fg) in ("default", "ansi")
    out = []
    for name, (default_fg, default_bg) in TERMINALS.items():
        if style.reverse:
            fg_rgb, bg_rgb = resolve(fg, default_bg), resolve(bg, default_fg)
        else:
            fg_rgb, bg_rgb = resolve(fg, default_fg), resolve(bg, default_bg)
        if style.dim:  # a terminal draws faint text about halfway to its background
            fg_rgb = tuple((f + b) // 2 for f, b in zip(fg_rgb, bg_rgb))
        value = ratio(fg_rgb, bg_rgb)
        bar = ADAPTIVE_BAR[name] if adaptive else (DIM_BAR if dim else TEXT_BAR)
        if value < bar:
            out.append((name, value, bar))
    return out


def screen_rows(rows: list[list[Segment]]) -> list[str]:
    return ["".join(seg.text for seg in row if not seg.control) for row in rows]


def check_screen(rows: list[list[Segment]], where: str, mode: str) -> list[Failure]:
    """Every visible character of a screen against its bar, in colour system `mode`."""
    system = SYSTEMS[mode]
    texts = screen_rows(rows)
    failures: list[Failure] = []
    cache: dict[tuple[Style, bool, bool], list] = {}
    for y, row in enumerate(rows):
        x = 0
        for seg in row:
            if seg.control:
                continue
            style = seg.style or Style()
            for char in seg.text:
                if not char.isspace() and char != "\xa0":
                    key = (style, is_graphic(char))
                    found = cache.get(key)
                    if found is None:
                        found = cache[key] = cell_failures(style, char, system)
                    for terminal, value, bar in found:
                        failures.append(Failure(where, mode, terminal, y, x, char, texts[y], value, bar))
                x += 1
    return failures
