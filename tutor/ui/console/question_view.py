"""The question view: what the class answered to one question.

right / wrong / not yet, a bar of the three (█ right, ▒ wrong, ░ not yet:
shapes, not only colours), and the wrong answers the class gave most, each
with how many learners gave it. Answers are counted as the checker reads
them (`tutor.classroom.normalised_answer`), so "8x16" and "8, 16" are one.
"""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from tutor.classroom import QuestionStats
from tutor.notation import shortened
from tutor.ui.console.strings import t

ANSWER_WIDTH = 24


def tally_bar(stats: QuestionStats, width: int) -> str:
    total = stats.right + stats.wrong + stats.not_yet
    if total == 0 or width <= 0:
        return ""
    right = round(stats.right / total * width)
    wrong = round((stats.right + stats.wrong) / total * width) - right
    return "█" * right + "▒" * wrong + "░" * (width - right - wrong)


def question_lines(stats: QuestionStats | None, prompt: str, lang: str, width: int, height: int) -> list[Text]:
    """What the view shows at `width` x `height` cells."""
    if stats is None:
        return [Text(prompt)]
    lines = [Text(prompt, style="bold", no_wrap=True, overflow="ellipsis")]
    tally = t("tally", lang, right=stats.right, wrong=stats.wrong, not_yet=stats.not_yet)
    if stats.revealed:
        tally += t("tally_revealed", lang, n=stats.revealed)
    room = width - len(tally) - 2
    line = Text(tally, no_wrap=True, overflow="crop")
    if room >= 6:
        line.append("  " + tally_bar(stats, min(room, 30)))
    lines.append(line)
    if not stats.wrong_answers:
        lines.append(Text(t("no_wrong_answers", lang), style="italic"))
        return lines
    lines.append(Text(t("wrong_answers", lang)))
    shown = stats.wrong_answers[: max(1, height - len(lines))]
    answer_width = min(ANSWER_WIDTH, max(len(answer or '""') for answer, _ in shown))
    top = max(n for _, n in shown)
    for answer, n in shown:
        text = answer or '""'
        text = shortened(text, answer_width)
        line = Text(no_wrap=True, overflow="crop")
        line.append(f"  {text:<{answer_width}}  ", style="bold")
        count = t("learners_gave", lang, n=n)
        line.append(f"{count}  ")
        bar_room = width - answer_width - len(count) - 6
        if bar_room > 0:
            line.append("▒" * max(1, round(n / top * min(bar_room, 20))))
        lines.append(line)
    return lines


class QuestionView(Widget):
    """One question's answers across the class (see the module docstring)."""

    DEFAULT_CSS = """
    QuestionView {
        height: 1fr;
    }
    """

    def __init__(self, lang: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lang = lang
        self._shown: tuple[QuestionStats | None, str] | None = None

    def show(self, stats: QuestionStats | None, prompt: str, title: str) -> None:
        self.border_title = title
        if (stats, prompt) != self._shown:
            self._shown = (stats, prompt)
            self.refresh()

    def render(self) -> Text:
        if self._shown is None:
            return Text("")
        stats, prompt = self._shown
        region = self.content_region
        lines = question_lines(stats, prompt, self.lang, region.width, region.height)
        return Text("\n", end="").join(lines)
