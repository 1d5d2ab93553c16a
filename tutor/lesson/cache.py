"""Validated lessons remembered between runs, so the menu need not wait for
the TOML parser and the validator (issue 3: start-up).

Reading and validating the chapter's eight files costs 25-70 ms on every
start; the same lessons read back from one JSON file, checked, cost about
1.5 ms. The cache is data, never code (JSON, not pickle), and it is only ever a copy:

- it is keyed by the CONTENT of each lesson file (a checksum of its bytes,
  so an edit that keeps size and modification time, as `cp -p` or
  `rsync -t` make, is seen), by the tutor's version and by the content of the loader's
  own sources (every module of this package and the language list), so an
  edited lesson or an edited loader is validated again;
- only lessons that validated without a single problem are stored, so a
  broken file is always read, and reported as FILE:LINE, afresh;
- what it holds is read back strictly, by the lesson classes' own field
  types: a cache that is missing, unreadable, ill-formed (bad JSON, a wrong
  type anywhere, nesting too deep), stale or about other files is ignored
  (and rewritten after the next full validation);
- one that cannot be written (a read-only home, a folder in the way) is
  simply not written, and leaves no partial file behind.

Beside the lessons, a second, small file (`menu-*.json`, the same key)
holds what the menu shows of each lesson (`chapter.MenuEntry`): the
menu's first frame reads only that, and the lessons are decoded after it
(`tutor.lesson.open_chapter`). It is written after the lessons' file, only
when that one was, and read back as strictly.

`python -m tutor check` never looks here: it always validates in full.

Where: `$TUTOR_CACHE_DIR`, else the user cache folder (platformdirs:
`$XDG_CACHE_HOME/tutor` or `~/.cache/tutor` on Linux).
"""

from __future__ import annotations

import os
import types
import typing
import zlib
from dataclasses import fields, is_dataclass
from functools import cache
from pathlib import Path

from .. import __version__, i18n
from .chapter import MenuEntry

if typing.TYPE_CHECKING:
    from .model import Lesson

FORMAT = 2  # of the cache file itself: 2 keys on content


def loader_sources() -> tuple[Path, ...]:
    """The sources whose change can change what a valid lesson looks like:
    every module of this package (found on disk, so a renamed or a new
    module is covered) and the language list."""
    return (*sorted(Path(__file__).parent.glob("*.py")), Path(i18n.__file__))


def cache_dir(environ=os.environ) -> Path:
    """The folder of the tutor's caches: $TUTOR_CACHE_DIR, else the user's
    cache folder (platformdirs, which Textual imports anyway)."""
    override = environ.get("TUTOR_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("tutor"))


def cache_path(folder: Path, environ=os.environ, kind: str = "lessons") -> Path:
    """One cache file per lessons folder and kind ("lessons", or "menu" for
    the menu index), named after the folder's path."""
    key = zlib.crc32(str(folder.resolve()).encode("utf-8", "surrogateescape"))
    return cache_dir(environ) / f"{kind}-{key:08x}.json"


def _digest(path: Path) -> list[int]:
    """A file's length and CRC-32: any edit shows, whatever it does to the
    modification time. A checksum, not a cryptographic hash, on purpose:
    zlib is loaded already (hashlib would add OpenSSL to every start), and
    the cache guards against stale copies, not against attackers (whoever
    can write the cache can write the lessons)."""
    data = path.read_bytes()
    return [len(data), zlib.crc32(data)]


def fingerprint(folder: Path, files: list[Path]) -> dict:
    """What must not have changed for a cached copy to be used."""
    return {
        "format": FORMAT,
        "version": __version__,
        "folder": str(folder.resolve()),
        "loader": [_digest(path) for path in loader_sources()],
        "files": [[str(path), _digest(path)] for path in files],
    }


# Anything that can go wrong while reading a cache someone else may have
# written (or a disk damaged): the cache is then absent, never an error.
_UNUSABLE = (OSError, ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError)


def key(folder: Path, files: list[Path]) -> dict | None:
    """The fingerprint of the files as they are now (None if one cannot be
    read): taken BEFORE they are validated, so lessons are never stored
    under the key of an edit made while they were being read."""
    try:
        return fingerprint(folder, files)
    except OSError:
        return None


def load(folder: Path, expected: dict | None, environ=os.environ) -> list[Lesson] | None:
    """The cached lessons of `folder` if the cache was written for exactly
    the files `expected` (from `key`) describes, else None."""
    import json

    from .model import Lesson

    if expected is None:
        return None
    files = [path for path, _ in expected["files"]]
    try:
        text = cache_path(folder, environ).read_text(encoding="utf-8")
        doc = json.loads(text)
        if not isinstance(doc, dict) or doc.get("key") != expected:
            return None
        lessons = _decode(list[Lesson], doc.get("lessons"))
    except _UNUSABLE:
        return None  # ill-formed, or written by another version: rebuilt by the caller
    # Every file validated without a problem gives exactly one lesson.
    if sorted(str(lesson.path) for lesson in lessons) != sorted(files):
        return None
    if any(not lesson.steps for lesson in lessons):
        return None
    return lessons


def load_index(folder: Path, expected: dict | None, environ=os.environ) -> list[MenuEntry] | None:
    """What the menu shows of each lesson of `folder` (one MenuEntry per
    lesson file), if the menu index was written for exactly the files
    `expected` (from `key`) describes, else None.

    The menu's first frame reads this small file instead of the lessons
    (tutor.lesson.chapter); it is written with the lessons, from them, and
    read back as strictly."""
    import json

    if expected is None:
        return None
    try:
        text = cache_path(folder, environ, "menu").read_text(encoding="utf-8")
        doc = json.loads(text)
        if not isinstance(doc, dict) or doc.get("key") != expected:
            return None
        found = doc.get("entries")
        if type(found) is not list or len(found) != len(expected["files"]):
            return None
        entries = [MenuEntry.from_plain(entry) for entry in found]
    except _UNUSABLE:
        return None
    if len({entry.id for entry in entries}) != len(entries):
        return None
    return entries


def store(folder: Path, expected: dict | None, lessons: list[Lesson], environ=os.environ) -> None:
    """Remember `lessons`, validated without problems from the files
    `expected` (from `key`, taken before they were read) describes, and
    the menu index made from them."""
    if expected is None:
        return
    if _write(folder, "lessons", lambda: {"key": expected, "lessons": [_plain(lesson) for lesson in lessons]},
              environ):
        store_index(folder, expected, lessons, environ)


def store_index(folder: Path, expected: dict | None, lessons: list[Lesson], environ=os.environ) -> None:
    """Remember the menu index of `lessons`, which the lessons' cache file
    holds under the same key `expected` (a start that found the lessons
    but no usable index writes it)."""
    if expected is None:
        return
    _write(folder, "menu", lambda: {"key": expected, "entries": [MenuEntry.of(lesson).plain() for lesson in lessons]},
           environ)


def _write(folder: Path, kind: str, doc: typing.Callable[[], dict], environ) -> bool:
    """`doc()` as JSON in the folder's cache file of `kind`, whole or not
    at all; True if it was written."""
    import json

    partial = None
    try:
        path = cache_path(folder, environ, kind)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        partial.write_text(json.dumps(doc(), ensure_ascii=False), encoding="utf-8")
        os.replace(partial, path)  # readers see the old copy or the new one, never half
        return True
    except (OSError, ValueError):
        # No cache this time (ValueError: a file name that is not UTF-8 cannot
        # be written as UTF-8 JSON); the lessons themselves are fine. Leave
        # nothing behind.
        if partial is not None:
            try:
                partial.unlink(missing_ok=True)
            except OSError:
                pass
        return False


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


class _Bad(ValueError):
    """The cache holds something the lesson classes' types do not allow."""


def _decode(kind, value):
    """`value` (from JSON) as an object of type `kind`, checked all the way
    down against the lesson classes' field types; _Bad at the first thing
    that does not fit."""
    return _decoder(kind)(value)


def _text_type():
    from .model import Text

    return Text


@cache
def _decoder(kind) -> typing.Callable[[typing.Any], typing.Any]:
    """A function that decodes and checks a JSON value of type `kind`, built
    once per type from the classes' type hints (a cached start reads a few
    thousand values: the type is looked at once, not once per value)."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if isinstance(kind, type) and is_dataclass(kind):
        hints = typing.get_type_hints(kind)
        parts = [(f.name, _decoder(hints[f.name])) for f in fields(kind)]
        names = sorted(name for name, _ in parts)

        def decode(value):
            if type(value) is not dict or sorted(value) != names:
                raise _Bad(kind)
            return kind(**{name: part(value[name]) for name, part in parts})
    elif origin in (typing.Union, types.UnionType):
        inner = _decoder(next(a for a in args if a is not type(None)))
        optional = type(None) in args

        def decode(value):
            return None if value is None and optional else inner(value)
    elif origin is typing.Literal:
        allowed = frozenset(args)

        def decode(value):
            if type(value) is not str or value not in allowed:
                raise _Bad(kind)
            return value
    elif kind == _text_type():
        langs = sorted(i18n.LANGS)

        def decode(value):
            if type(value) is not dict or sorted(value) != langs or any(type(v) is not str for v in value.values()):
                raise _Bad(kind)
            return value
    elif origin is dict:
        key, item = _decoder(args[0]), _decoder(args[1])

        def decode(value):
            if type(value) is not dict:
                raise _Bad(kind)
            return {key(k): item(v) for k, v in value.items()}
    elif origin in (list, tuple) and (origin is list or args[-1] is Ellipsis):
        item = _decoder(args[0])
        make = list if origin is list else tuple

        def decode(value):
            if type(value) is not list:
                raise _Bad(kind)
            return make(item(v) for v in value)
    elif origin is tuple:
        items = [_decoder(a) for a in args]

        def decode(value):
            if type(value) is not list or len(value) != len(items):
                raise _Bad(kind)
            return tuple(part(v) for part, v in zip(items, value))
    elif kind is float:
        def decode(value):
            if type(value) not in (int, float):
                raise _Bad(kind)
            return float(value)
    elif kind is Path:
        def decode(value):
            if type(value) is not str:
                raise _Bad(kind)
            return Path(value)
    elif kind in (str, int, bool):
        def decode(value):
            if type(value) is not kind:
                raise _Bad(kind)
            return value
    else:
        raise TypeError(f"the lesson cache cannot read a field of type {kind!r}")
    return decode
