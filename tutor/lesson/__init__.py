"""Lessons as data, and the functions that load them from a folder of TOML
files. The format is documented once, in docs/lesson-format.md.

The package's modules import each other as a tree, never in a circle:

- `model`: the Lesson, Step, Param, Plot, Question and Option classes and
  the format's fixed vocabularies (question kinds, diagram states), listed
  once; standard library only;
- `check`: reads a TOML file and validates it against the model, reporting
  every problem as `FILE:LINE: message`;
- `cache`: validated lessons remembered between runs, keyed on content;
- this module, the public API: `load_lessons`, `check_lessons`,
  `default_lessons_dir`, `find_lesson`, and the model's classes.

A normal start-up reads the lessons from the cache, which spares the menu's
first frame the TOML parser and the validator: `check` and `cache` are only
imported inside the functions that need them. Nothing here imports torch or
textual.
"""

from __future__ import annotations

from pathlib import Path

from .model import (
    DIAGRAM_STATES, FORMAT_VERSION, QUESTION_KINDS, Lesson, LessonError, LessonLoadError, Option, Param,
    Plot, Question, Step, Text,
)

__all__ = [
    "DIAGRAM_STATES", "FORMAT_VERSION", "QUESTION_KINDS", "Lesson", "LessonError", "LessonLoadError",
    "Option", "Param", "Plot", "Question", "Step", "Text",
    "check_lessons", "default_lessons_dir", "find_lesson", "lesson_files", "load_lesson", "load_lessons",
    "parse_lesson",
]


def parse_lesson(path: Path | str) -> tuple[Lesson | None, list[LessonError]]:
    """Read and validate one file: the lesson, or every problem found in it."""
    from .check import parse_lesson

    return parse_lesson(Path(path))


def load_lesson(path: Path | str) -> Lesson:
    lesson, errors = parse_lesson(Path(path))
    if errors or lesson is None:
        raise LessonLoadError(errors)
    return lesson


def check_lessons(folder: Path | str | None = None) -> tuple[list[Lesson], list[LessonError]]:
    """Every lesson in a folder, sorted by order, and every problem found.

    Problems across files (two lessons with one id or one order) are found
    here too. Never reads the cache: this is `python -m tutor check`."""
    folder = Path(folder) if folder is not None else default_lessons_dir()
    files, problem = lesson_files(folder)
    if problem is not None:
        return [], [problem]
    from .check import check_files

    return check_files(files)


def lesson_files(folder: Path) -> tuple[list[Path], LessonError | None]:
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
    from the lesson cache (tutor.lesson.cache) instead of being parsed and
    validated again: that is most of the tutor's start-up otherwise."""
    from . import cache

    folder = Path(folder) if folder is not None else default_lessons_dir()
    files, problem = lesson_files(folder)
    if problem is not None:
        raise LessonLoadError([problem])
    key = cache.key(folder, files)
    cached = cache.load(folder, key)
    if cached is not None:
        return cached
    from .check import check_files

    lessons, errors = check_files(files)
    if errors:
        raise LessonLoadError(errors)
    cache.store(folder, key, lessons)
    return lessons


def default_lessons_dir() -> Path:
    """The chapter's lessons: installed as the `tutor.lessons` package data, or
    the `lessons/` folder beside the package in a source checkout."""
    beside = Path(__file__).resolve().parent.parent.parent / "lessons"
    if beside.is_dir():
        return beside
    import importlib.util

    spec = importlib.util.find_spec("tutor.lessons")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return beside


def find_lesson(lessons: list[Lesson], lesson_id: str) -> Lesson | None:
    return next((lesson for lesson in lessons if lesson.id == lesson_id), None)
