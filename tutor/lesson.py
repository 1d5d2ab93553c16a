"""Lessons as data: the Lesson, Step, Param, Plot and Question classes, and
the functions that load them from a folder of TOML files.

An instructor writes a lesson as a TOML file (the format is in README.md and
docs/architecture.md). Every file is validated before anything runs
(`tutor.lesson_check`): a problem is reported as `FILE:LINE: message`.
Lessons that validated on an earlier run and have not changed since are
read back from the lesson cache (`tutor.lesson_cache`), which spares the
menu's first frame the TOML parser and the validator. Nothing here imports
torch or textual.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


Text = dict  # {"en": str, "pt": str}


@dataclass(frozen=True, eq=False)
class Param:
    """A knob the learner turns with + and - (the learning rate)."""

    name: str
    default: float
    min: float
    max: float
    step: float
    scale: str  # "linear" | "log"
    label: Text

    def clamp(self, value: float) -> float:
        return min(self.max, max(self.min, value))

    def moved(self, value: float, direction: int) -> float:
        """The value one step up (+1) or down (-1), within bounds."""
        if self.scale == "log":
            new = value * self.step if direction > 0 else value / self.step
        else:
            new = value + self.step if direction > 0 else value - self.step
        return self.clamp(float(f"{new:.6g}"))  # 0.1 * 10 is 1.0, not 1.0000000000000002


@dataclass(frozen=True, eq=False)
class Plot:
    title: Text | None = None
    function: str | None = None
    range: tuple[float, float] = (-3.0, 3.0)
    tangent_at: str | None = None
    points: str | None = None
    paths: str | None = None
    series: tuple[str, ...] = ()
    log: bool = False
    animate: bool = False
    xlabel: str = "x"
    ylabel: str = "y"


@dataclass(frozen=True, eq=False)
class Option:
    key: str
    text: Text


@dataclass(frozen=True, eq=False)
class Question:
    """A checkpoint. `answer` is an expression, evaluated live after the step's
    code, so the expected answer follows the seed and the learning rate."""

    kind: str
    prompt: Text
    answer: str
    explain: Text
    tolerance: float = 1e-3
    options: tuple[Option, ...] = ()
    hints: tuple[Text, ...] = ()


@dataclass(frozen=True, eq=False)
class Step:
    id: str
    title: Text
    text: Text
    code: str = ""
    show: tuple[str, ...] = ()
    diagram: str | None = None
    plot: Plot | None = None
    question: Question | None = None
    line: int = 0  # where the step starts in its file
    code_line: int = 0  # the file line of the code's first line


@dataclass(frozen=True, eq=False)
class Lesson:
    id: str
    order: int
    title: Text
    summary: Text | None
    params: tuple[Param, ...]
    steps: tuple[Step, ...]
    path: Path
    # param name -> index of the first step whose code uses it (the runner
    # writes `name = value` at the top of that step's code)
    param_steps: dict = field(default_factory=dict)

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)


@dataclass(frozen=True)
class LessonError:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        if self.line <= 0:  # about a folder or a whole file, not a line
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"


class LessonLoadError(Exception):
    """One or more lesson files are wrong; `errors` says where and why."""

    def __init__(self, errors: list[LessonError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


# ---------------------------------------------------------------- loading


def parse_lesson(path: Path) -> tuple[Lesson | None, list[LessonError]]:
    """Read and validate one file: the lesson, or every problem found in it."""
    from .lesson_check import parse_lesson

    return parse_lesson(Path(path))


def load_lesson(path: Path | str) -> Lesson:
    lesson, errors = parse_lesson(Path(path))
    if errors or lesson is None:
        raise LessonLoadError(errors)
    return lesson


def check_lessons(folder: Path | str | None = None) -> tuple[list[Lesson], list[LessonError]]:
    """Every lesson in a folder, sorted by order, and every problem found.

    Problems across files (two lessons with one id or one order) are found
    here too."""
    folder = Path(folder) if folder is not None else default_lessons_dir()
    files, problem = _lesson_files(folder)
    if problem is not None:
        return [], [problem]
    from .lesson_check import check_files

    return check_files(files)


def _lesson_files(folder: Path) -> tuple[list[Path], LessonError | None]:
    """The folder's lesson files in name order, or why there are none."""
    if not folder.is_dir():
        return [], LessonError(folder, 0, "no such lessons folder")
    try:
        files = sorted(folder.glob("*.toml"))
    except OSError as exc:
        return [], LessonError(folder, 0, f"cannot read the folder: {exc}")
    if not files:
        return [], LessonError(folder, 0, "no lesson files (*.toml) in this folder")
    return files, None


def load_lessons(folder: Path | str | None = None) -> list[Lesson]:
    """The lessons of a folder (the built-in chapter by default), or
    LessonLoadError naming every problem.

    Lessons that validated on an earlier run and have not changed since come
    from the lesson cache (tutor.lesson_cache) instead of being parsed and
    validated again: that is most of the tutor's start-up otherwise."""
    from . import lesson_cache

    folder = Path(folder) if folder is not None else default_lessons_dir()
    files, problem = _lesson_files(folder)
    if problem is not None:
        raise LessonLoadError([problem])
    cached = lesson_cache.load(folder, files)
    if cached is not None:
        return cached
    from .lesson_check import check_files

    lessons, errors = check_files(files)
    if errors:
        raise LessonLoadError(errors)
    lesson_cache.store(folder, files, lessons)
    return lessons


def default_lessons_dir() -> Path:
    """The chapter's lessons: installed as the `tutor.lessons` package data, or
    the `lessons/` folder beside the package in a source checkout."""
    beside = Path(__file__).resolve().parent.parent / "lessons"
    if beside.is_dir():
        return beside
    import importlib.util

    spec = importlib.util.find_spec("tutor.lessons")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return beside


def find_lesson(lessons: list[Lesson], lesson_id: str) -> Lesson | None:
    return next((lesson for lesson in lessons if lesson.id == lesson_id), None)
