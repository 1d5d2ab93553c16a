"""Lessons as data, and the functions that load them from a folder of TOML
files. The format is documented once, in docs/lesson-format.md.

The package's modules import each other as a tree, never in a circle:

- `code_question`: a `kind = "code"` question's data and its static
  checks; standard library only;
- `model`: the Lesson, Step, Param, Plot, Question and Option classes and
  the format's fixed vocabularies (question kinds, diagram states), listed
  once; standard library only;
- `check`: reads a TOML file and validates it against the model, reporting
  every problem as `FILE:LINE: message`;
- `errors`: LessonError (FILE:LINE: message) and LessonLoadError;
- `chapter`: what the menu shows of each lesson (`MenuEntry`) and a
  folder's lessons loaded when first needed (`Chapter`);
- `cache`: validated lessons remembered between runs, keyed on content,
  with the menu's index beside them;
- this module, the public API: `load_lessons`, `open_chapter`,
  `check_lessons`, `default_lessons_dir`, `find_lesson`, and the model's
  classes.

A normal start-up reads the lessons from the cache, which spares the menu's
first frame the TOML parser and the validator: `check` and `cache` are only
imported inside the functions that need them. The app's start goes further
(`open_chapter`): its first frame reads only the menu's index, and the
model's classes (`model`, `code_question`: a dozen dataclasses, whose
making compiles code) are imported when first named here
(`tutor.lesson.Lesson`), not with the package. Nothing here imports torch
or textual.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .chapter import Chapter
    from .errors import LessonError, LessonLoadError
    from .model import (
        DIAGRAM_STATES,
        FORMAT_VERSION,
        QUESTION_KINDS,
        Lesson,
        Option,
        Param,
        Plot,
        Question,
        Step,
        Text,
    )

__all__ = [
    "DIAGRAM_STATES", "FORMAT_VERSION", "QUESTION_KINDS", "Lesson", "LessonError", "LessonLoadError",
    "Option", "Param", "Plot", "Question", "Step", "Text",
    "check_lessons", "default_lessons_dir", "find_lesson", "lesson_files", "load_lesson", "load_lessons",
    "open_chapter", "parse_lesson",
]

_MODEL_NAMES = frozenset({"DIAGRAM_STATES", "FORMAT_VERSION", "QUESTION_KINDS", "Lesson", "Option", "Param",
                          "Plot", "Question", "Step", "Text"})
_ERROR_NAMES = frozenset({"LessonError", "LessonLoadError"})


def __getattr__(name: str):
    """The model's and the errors' names, imported when first asked for
    (PEP 562): a start whose lessons are fine needs neither before the
    menu's first frame (each dataclass made costs ~3.5 M instructions)."""
    if name in _MODEL_NAMES:
        from . import model

        return getattr(model, name)
    if name in _ERROR_NAMES:
        from . import errors

        return getattr(errors, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _problem(path: Path, message: str) -> LessonError:
    """A problem with the folder or a whole file (no line)."""
    from .errors import LessonError

    return LessonError(path, 0, message)


def _load_error(errors: list[LessonError]) -> LessonLoadError:
    from .errors import LessonLoadError

    return LessonLoadError(errors)


def parse_lesson(path: Path | str) -> tuple[Lesson | None, list[LessonError]]:
    """Read and validate one file: the lesson, or every problem found in it."""
    from .check import parse_lesson

    return parse_lesson(Path(path))


def load_lesson(path: Path | str) -> Lesson:
    lesson, errors = parse_lesson(Path(path))
    if errors or lesson is None:
        raise _load_error(errors)
    return lesson


def check_lessons(
    folder: Path | str | None = None, *, warnings: bool = False
) -> tuple[list[Lesson], list[LessonError]]:
    """Every lesson in a folder, sorted by order, and every problem found.

    Problems across files (two lessons with one id or one order) are found
    here too. With `warnings`, the list also holds warnings (LessonError
    with `warning` set: Markdown the text probably did not mean), which
    never stop a lesson. Never reads the cache: this is `python -m tutor
    check`."""
    folder = Path(folder) if folder is not None else default_lessons_dir()
    files, problems = lesson_files(folder)
    if not files:
        return [], problems
    from .check import check_files

    lessons, errors = check_files(files, warnings=warnings)
    return lessons, problems + errors


def lesson_files(folder: Path) -> tuple[list[Path], list[LessonError]]:
    """The folder's lesson files in name order, and why any `*.toml` in it
    is not one, or why there are none.

    Only regular files (or links to one) are lesson files: reading a FIFO
    named `x.toml` would wait forever, a folder named so cannot be read;
    each is a problem that names it, so `check` and every other command
    agree on what the folder holds."""
    if not folder.is_dir():
        return [], [_problem(folder, "no such lessons folder")]
    try:
        found = sorted(folder.glob("*.toml"))
    except OSError as exc:
        return [], [_problem(folder, f"cannot read the folder: {exc}")]
    files, problems = [], []
    for path in found:
        kind = _file_kind(path)
        if kind is None:
            files.append(path)
        else:
            problems.append(_problem(path, f"not a regular file ({kind}): lessons are read from regular files only"))
    if not found:
        problems.append(_problem(folder, "no lesson files (*.toml) in this folder"))
    return files, problems


def _file_kind(path: Path) -> str | None:
    """None for a regular file (or a link to one), else what it is."""
    import stat

    try:
        mode = path.stat().st_mode
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"


def load_lessons(folder: Path | str | None = None) -> list[Lesson]:
    """The lessons of a folder (the built-in chapter by default), or
    LessonLoadError naming every problem.

    Lessons that validated on an earlier run and have not changed since come
    from the lesson cache (tutor.lesson.cache) instead of being parsed and
    validated again: that is most of the tutor's start-up otherwise."""
    from . import cache

    folder, files, key = _files_and_key(folder)
    cached = cache.load(folder, key)
    if cached is not None:
        return cached
    return _validate(folder, files, key)


def _files_and_key(folder: Path | str | None) -> tuple[Path, list[Path], dict | None]:
    """The folder (the built-in chapter's by default), its lesson files and
    the cache key they make; LessonLoadError if the files cannot be listed."""
    from . import cache

    folder = Path(folder) if folder is not None else default_lessons_dir()
    files, problems = lesson_files(folder)
    if problems:
        raise _load_error(problems)
    return folder, files, cache.key(folder, files)


def _validate(folder: Path, files: list[Path], key: dict | None) -> list[Lesson]:
    """The files' lessons, validated in full and cached under `key` (taken
    before they were read), or LessonLoadError."""
    from . import cache
    from .check import check_files

    lessons, errors = check_files(files)
    if errors:
        raise _load_error(errors)
    cache.store(folder, key, lessons)
    return lessons


def open_chapter(folder: Path | str | None = None) -> Chapter:
    """The lessons of a folder as the app's menu needs them: their menu
    entries now, from the cache's menu index, and the lessons when first
    asked for (`Chapter.lessons()`); or LessonLoadError, as `load_lessons`.

    Without a usable index (the first start, an edited lesson, a damaged
    cache) the lessons are loaded now, as `load_lessons` does, and the
    entries made from them. Loaded later, they come from the cache written
    with the index, or (a cache damaged since) are validated again."""
    from . import cache
    from .chapter import Chapter

    folder, files, key = _files_and_key(folder)
    entries = cache.load_index(folder, key)
    if entries is None:
        lessons = cache.load(folder, key)
        if lessons is None:
            lessons = _validate(folder, files, key)  # caches the index too
        else:  # the lessons were cached without a usable index: add it
            cache.store_index(folder, key, lessons)
        return Chapter.of(lessons)
    where = folder
    return Chapter(entries, lambda: cache.load(where, key) or load_lessons(where))


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
