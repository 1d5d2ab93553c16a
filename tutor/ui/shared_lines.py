"""What the panes rendered in a classroom server's warm process, for every session.

Drawing a step renders its explanation (Markdown), its code (Pygments), its
values (the tensor grids) and its plot (plotext's canvas), and the lesson
screen does it for the next step while the learner reads
(`LessonScreen.prefetch`): measured, about a tenth of the CPU a served
session spends on a key. For a class at the lessons' default params, all
of it is the same for every learner of one terminal size, language and
theme. So the server's pre-fork process walks the shared lessons once
(`tutor.serve.forker.rehearse`) with `keeping()` on, the panes put what
they render here, and every session forked afterwards finds it instead of
rendering it again.

A slot names everything the lines depend on: the content itself (the
explanation's words, the code, the values or plot objects, which the entry
holds so their ids stay theirs), the size, the language, the theme and the
pane's style. A learner whose terminal, language or theme differs, or who
changed a param, misses and renders as before. Outside the warm process nothing is kept:
`keep` does nothing unless `keeping()` is on, so a session's store never
grows, and the local app's is empty. Entries are never changed once kept:
a pane that would change what it found (the values pane's cursor rewrites
its lines in place) changes a copy.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from typing import Any

_kept: dict[Hashable, Any] = {}
_keeping: list[bool] = []  # one entry per `keeping()` open


@contextmanager
def keeping() -> Iterator[None]:
    """Keep what the panes render while inside (the warm process's walk)."""
    _keeping.append(True)
    try:
        yield
    finally:
        _keeping.pop()


def find(slot: Hashable) -> Any | None:
    """What was kept under `slot`, or None."""
    return _kept.get(slot)


def keep(slot: Hashable, value: Any) -> None:
    """Keep `value` under `slot`, while `keeping()` is on."""
    if _keeping:
        _kept[slot] = value


def count() -> int:
    """How many renderings are kept (the server reports it at start)."""
    return len(_kept)


def forget() -> None:
    """Drop every kept rendering (tests)."""
    _kept.clear()
