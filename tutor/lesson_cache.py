"""Validated lessons remembered between runs, so the menu need not wait for
the TOML parser and the validator (issue 3: start-up).

Reading and validating the chapter's eight files costs 25-70 ms on every
start; the same lessons read back from one JSON file cost about 2 ms. The
cache is data, never code (JSON, not pickle), and it is only ever a copy:

- it is keyed by each lesson file's name, size and mtime_ns, by the tutor's
  version and by the loader's own source files, so an edited lesson (or an
  edited loader) is validated again;
- only lessons that validated without a single problem are stored, so a
  broken file is always read, and reported as FILE:LINE, afresh;
- a cache that is missing, unreadable, corrupt or stale is ignored (and
  rewritten after the next full validation); one that cannot be written
  (a read-only home) is simply not written.

`python -m tutor check` never looks here: it always validates in full.

Where: `$TUTOR_CACHE_DIR`, else the user cache folder (platformdirs:
`$XDG_CACHE_HOME/tutor` or `~/.cache/tutor` on Linux).
"""

from __future__ import annotations

import os
import zlib
from dataclasses import fields, is_dataclass
from pathlib import Path

from . import __version__
from .lesson import Lesson, Option, Param, Plot, Question, Step

FORMAT = 1
# The loader's own sources: a change to any of them can change what a valid
# lesson looks like, so it invalidates every cached lesson.
_LOADER_FILES = tuple(Path(__file__).with_name(name)
                      for name in ("lesson_cache.py", "lesson.py", "lesson_check.py"))


def cache_dir(environ=os.environ) -> Path:
    """The folder of the tutor's caches: $TUTOR_CACHE_DIR, else the user's
    cache folder (platformdirs, which Textual imports anyway)."""
    override = environ.get("TUTOR_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("tutor"))


def cache_path(folder: Path, environ=os.environ) -> Path:
    """One cache file per lessons folder, named after the folder's path."""
    key = zlib.crc32(str(folder.resolve()).encode("utf-8", "surrogateescape"))
    return cache_dir(environ) / f"lessons-{key:08x}.json"


def fingerprint(folder: Path, files: list[Path]) -> dict:
    """What must not have changed for a cached copy to be used."""
    stamps = []
    for path in (*_LOADER_FILES, *files):
        info = path.stat()
        stamps.append([str(path), info.st_size, info.st_mtime_ns])
    return {"format": FORMAT, "version": __version__, "folder": str(folder.resolve()), "files": stamps}


def load(folder: Path, files: list[Path], environ=os.environ) -> list[Lesson] | None:
    """The cached lessons of `folder`, or None when there is no good copy."""
    try:
        text = cache_path(folder, environ).read_text(encoding="utf-8")
        expected = fingerprint(folder, files)
    except (OSError, UnicodeDecodeError):
        return None
    import json

    try:
        doc = json.loads(text)
        if doc.get("key") != expected:
            return None
        return [_lesson(item) for item in doc["lessons"]]
    except (ValueError, KeyError, TypeError, AttributeError):
        return None  # corrupt, or written by another version: rebuilt by the caller


def store(folder: Path, files: list[Path], lessons: list[Lesson], environ=os.environ) -> None:
    """Remember `lessons` (validated without problems) for the next start."""
    import json

    try:
        path = cache_path(folder, environ)
        doc = {"key": fingerprint(folder, files), "lessons": [_plain(lesson) for lesson in lessons]}
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        partial.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
        os.replace(partial, path)  # readers see the old copy or the new one, never half
    except OSError:
        pass  # no cache this time; the lessons themselves are fine


# ---------------------------------------------------------------- to and from JSON


def _plain(value):
    """Dataclasses, tuples and paths as JSON's dicts, lists and strings."""
    if is_dataclass(value):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, Path):
        return str(value)
    return value


def _lesson(d: dict) -> Lesson:
    return Lesson(
        id=d["id"], order=d["order"], title=d["title"], summary=d["summary"],
        params=tuple(Param(**p) for p in d["params"]),
        steps=tuple(_step(s) for s in d["steps"]),
        path=Path(d["path"]), param_steps=dict(d["param_steps"]),
    )


def _step(d: dict) -> Step:
    plot = d["plot"]
    question = d["question"]
    return Step(
        id=d["id"], title=d["title"], text=d["text"], code=d["code"], show=tuple(d["show"]),
        diagram=d["diagram"], line=d["line"], code_line=d["code_line"],
        plot=None if plot is None else Plot(**{**plot, "range": tuple(plot["range"]),
                                               "series": tuple(plot["series"])}),
        question=None if question is None else Question(**{
            **question,
            "options": tuple(Option(**o) for o in question["options"]),
            "hints": tuple(question["hints"]),
        }),
    )
