"""Where backpropagation is: the three layers, the loss, and the arrows.

The chapter's network has three linear layers, L0 -> L1 -> L2, then the
loss. The forward pass runs left to right; the gradients are computed right
to left, L2 first (from the loss), then L1 (from L2's), then L0. This small
diagram marks the current stage with brackets and arrows as well as colour,
so it reads on a monochrome terminal too.
"""

from __future__ import annotations

from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.widget import Widget

from tutor.i18n import Catalog
from tutor.lesson.model import DIAGRAM_STATES as STATES
from tutor.ui.widgets.paint_once import PaintOnce

STRINGS = Catalog(
    {
        "none": {
            "en": "input x, layers L0 L1 L2, then the loss",
            "pt": "entrada x, camadas L0 L1 L2, depois a perda",
        },
        "forward": {
            "en": "forward pass: x goes through L0, L1, L2 to the loss",
            "pt": "passagem direta: x passa por L0, L1, L2 até a perda",
        },
        "loss": {
            "en": "loss: one number, how wrong the prediction is",
            "pt": "perda: um número, o quanto a previsão erra",
        },
        "L2": {
            "en": "backprop: gradients of L2 first, from the loss",
            "pt": "retropropagação: gradientes de L2 primeiro, a partir da perda",
        },
        "L1": {
            "en": "backprop: gradients of L1, using L2's",
            "pt": "retropropagação: gradientes de L1, usando os de L2",
        },
        "L0": {
            "en": "backprop: gradients of L0, using L1's",
            "pt": "retropropagação: gradientes de L0, usando os de L1",
        },
        "update": {
            "en": "update: each weight -= lr * its gradient",
            "pt": "atualização: cada peso -= lr * seu gradiente",
        },
        "forward_arrow": {"en": "forward", "pt": "direta"},
        "grad_arrow": {"en": "grad", "pt": "grad"},
    }
)

NODES = ("x", "L0", "L1", "L2", "loss")


class LayerDiagram(PaintOnce, Widget):
    """`x -> L0 -> L1 -> L2 -> loss`, with the current stage marked.

    `highlight(state)`: state is one of forward, loss, L2, L1, L0, update,
    or None for the plain diagram. The current layer is bracketed (`[L1]`),
    the arrows it has already passed on the way back turn into `<-`, and a
    `^^ <-- grad` line points at it.
    """

    DEFAULT_CSS = """
    LayerDiagram {
        height: auto;
        width: 1fr;
        max-width: 40;
        padding: 0 1;
    }
    """

    COMPONENT_CLASSES = {
        "layer-diagram--current",
        "layer-diagram--forward",
        "layer-diagram--backward",
        "layer-diagram--caption",
    }

    DEFAULT_CSS += """
    LayerDiagram > .layer-diagram--current {
        color: $accent;
        text-style: bold underline;
    }
    LayerDiagram > .layer-diagram--forward {
        color: $success;
        text-style: bold;
    }
    LayerDiagram > .layer-diagram--backward {
        color: $warning;
        text-style: bold;
    }
    LayerDiagram > .layer-diagram--caption {
        color: $text-muted;
    }
    """

    def __init__(self, *, lang: str = "en", **kwargs) -> None:
        super().__init__(**kwargs)
        self.lang = lang
        self.state: str | None = None
        self._lines: list[Text] = []
        self._lines_for: tuple | None = None

    def highlight(self, state: str | None) -> None:
        """Mark `state`; anything but the known stages is a programming error."""
        if state is not None and state not in STATES:
            raise ValueError(f"unknown diagram state {state!r}: expected one of {', '.join(STATES)}")
        if state == self.state:
            return  # every step calls this; a redraw only when the stage changes
        if not self.display:
            # sized and drawn by the layout that shows it again (laying its
            # lines out twice here to compare heights was ~5% of the key of
            # a step without a diagram)
            self.state = state
            return
        width = self.content_size.width
        before = len(self.lines(width)) if width else -1
        self.state = state
        # a new layout only if the diagram's height changes
        self.refresh(layout=not width or len(self.lines(width)) != before)

    # --- drawing -------------------------------------------------------------

    def lines(self, width: int = 36) -> list[Text]:
        """The diagram as lines of text; also what the tests read. Laid out
        once a stage and width (a step asks for them up to four times:
        the height before and after, the layout, the render)."""
        key = (self.state, width, self.is_attached)
        if self._lines_for != key:
            self._lines = self._lay_out(width)
            self._lines_for = key
        return self._lines

    def _lay_out(self, width: int) -> list[Text]:
        state = self.state
        current_style = self.get_component_rich_style("layer-diagram--current", partial=True)
        fwd_style = self.get_component_rich_style("layer-diagram--forward", partial=True)
        back_style = self.get_component_rich_style("layer-diagram--backward", partial=True)
        caption_style = self.get_component_rich_style("layer-diagram--caption", partial=True)

        backward = state in ("L2", "L1", "L0")
        current = {"L2": 3, "L1": 2, "L0": 1, "loss": 4}.get(state or "")
        marked = {1, 2, 3} if state == "update" else ({current} if current else set())
        # `x -> L0 -> L1 -> L2 -> loss`; a marked node takes the spaces around
        # it as brackets (`->[L1]<-`), so the line never grows past 28 columns
        line = Text(no_wrap=True, overflow="crop")
        spans: list[tuple[int, int]] = []  # where each node (with brackets) starts and ends
        for i, node in enumerate(NODES):
            if i:
                # the arrows between the marked layer and the loss point back
                # once the gradients have passed them
                back = backward and current is not None and i > current
                style = back_style if back else (fwd_style if state == "forward" else Style(dim=True))
                if i - 1 not in marked:
                    line.append(" ")
                line.append("<-" if back else "->", style)
                if i not in marked:
                    line.append(" ")
            start = line.cell_len
            line.append(f"[{node}]" if i in marked else node, current_style if i in marked else Style())
            spans.append((start, line.cell_len))

        under = Text(no_wrap=True, overflow="crop")
        if state == "forward":
            label = f" {STRINGS.get('forward_arrow', self.lang)} "
            total = spans[-1][1]
            dashes = max(2, total - len(label) - 1)
            left = dashes // 2
            under.append("-" * left + label + "-" * (dashes - left) + ">", fwd_style)
        elif backward and current is not None:
            start, end = spans[current]
            under.append(" " * start)
            under.append("^" * (end - start), back_style)
            label = f" <-- {STRINGS.get('grad_arrow', self.lang)}"
            under.append(label, back_style)
        elif state == "loss":
            start, end = spans[4]
            under.append(" " * start)
            under.append("^" * (end - start), current_style)
        elif state == "update":
            start, end = spans[1][0], spans[3][1]
            under.append(" " * start)
            under.append("w -= lr * w.grad".center(end - start), back_style)

        caption = Text(STRINGS.get(state or "none", self.lang), caption_style)
        out = [line]
        if under.cell_len:
            out.append(under)
        out.extend(caption.wrap(self.app.console, max(10, width)) if self.is_attached else [caption])
        return out

    def render(self) -> Text:
        return Text("\n").join(self.lines(self.content_size.width or 36))

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines(width))
