"""What the loader reports: a problem with a lesson file (`LessonError`, shown
as FILE:LINE: message) and the exception that carries them.

A module of its own, apart from the lesson classes (`model`), so that the
command line can name these before it knows whether any lesson will be
decoded: the menu's first frame needs neither (tests/test_start.py).
Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class LessonError:
    """A problem with a lesson file, or (`warning`) something that is
    probably not what its author meant but does not stop the lesson: `check`
    prints warnings and its exit status ignores them."""

    path: Path
    line: int
    message: str
    warning: bool = False

    def __str__(self) -> str:
        message = f"warning: {self.message}" if self.warning else self.message
        if self.line <= 0:  # about a folder or a whole file, not a line
            return f"{self.path}: {message}"
        return f"{self.path}:{self.line}: {message}"


class LessonLoadError(Exception):
    """One or more lesson files are wrong; `errors` says where and why."""

    def __init__(self, errors: list[LessonError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))
