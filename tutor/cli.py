"""The command line: `python -m tutor [run|list|show|check|progress|serve]`.

Every way a command can go wrong ends in one clear line on stderr and a
non-zero exit (2 for a bad call, 1 for `check` finding problems), never a
traceback.

Only the interface strings are imported here, not even argparse (the
plain start is read here; anything more by tutor.cli_args): each command
imports what it uses, so `python -m tutor` reaches the app's first frame
without paying for the others (start-up target, issue 3).
"""

from __future__ import annotations

import gc
import os
import sys
from types import SimpleNamespace
from typing import TYPE_CHECKING

from .i18n import Catalog, detect_lang, pick

if TYPE_CHECKING:
    import argparse

    from .lesson import Lesson

STRINGS = Catalog(
    {
        "unknown_lesson": {
            "en": "tutor: no lesson '{id}' (see 'python -m tutor list')",
            "pt": "tutor: não há lição '{id}' (veja 'python -m tutor list')",
        },
        "broken": {
            "en": "tutor: the lessons in {dir} have problems; run 'python -m tutor check {dir}'",
            "pt": "tutor: as lições em {dir} têm problemas; rode 'python -m tutor check {dir}'",
        },
        "check_ok": {
            "en": "{n} lesson(s) in {dir}: no problems found",
            "pt": "{n} lição(ões) em {dir}: nenhum problema encontrado",
        },
        "check_bad": {
            "en": "{n} problem(s) found in {dir}",
            "pt": "{n} problema(s) encontrado(s) em {dir}",
        },
        "bad_param": {
            "en": "tutor: --param takes NAME=NUMBER, one of: {names}",
            "pt": "tutor: --param espera NOME=NÚMERO, um de: {names}",
        },
        "steps": {"en": "{n} steps", "pt": "{n} passos"},
    }
)


# The plain start: `python -m tutor` with some of the top-level options,
# each given once or more as `--name value` or `--name=value`. Read here
# without argparse (tutor.cli_args), which costs about 10 M instructions of
# the menu's first frame (issue 14); anything else, or anything unusual
# (a value that starts with a dash or is empty, an abbreviated option, a
# language or a seed that does not read), goes to the whole parser, which
# says what is wrong. tests/test_cli.py holds both to the same result.
LANG_CHOICES = ("en", "pt")
COMMAND_NAMES = frozenset({"run", "list", "show", "check", "progress", "serve"})
_PLAIN_OPTIONS = {"--lang": "lang", "--seed": "seed", "--lessons": "lessons", "--data-dir": "data_dir",
                  "--learner": "learner", "--lesson": "lesson"}
_PLAIN_DEFAULTS = {"lang": None, "seed": 0, "lessons": None, "data_dir": None, "learner": "default",
                   "lesson": None, "command": None}


def parse_args(argv: list[str]) -> SimpleNamespace | argparse.Namespace:
    """`argv` parsed: the plain start here, anything else by argparse."""
    plain = _plain_start(argv)
    if plain is not None:
        return plain
    from .cli_args import parse_args

    return parse_args(argv)


def _plain_start(argv: list[str]) -> SimpleNamespace | None:
    """The plain start's options and defaults, as the whole parser gives
    them, or None when `argv` is anything else."""
    values: dict[str, object] = dict(_PLAIN_DEFAULTS)
    words = iter(argv)
    for word in words:
        name, equals, value = word.partition("=")
        dest = _PLAIN_OPTIONS.get(name)
        if dest is None:
            return None
        if not equals:
            value = next(words, "")
        if not value or value.startswith("-"):
            return None
        if dest == "lang" and value not in LANG_CHOICES:
            return None
        if dest == "seed":
            try:
                values[dest] = int(value)
            except ValueError:
                return None
            continue
        values[dest] = value
    return SimpleNamespace(**values)


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line's parser (tutor.cli_args.build_parser)."""
    from .cli_args import build_parser

    return build_parser(argv)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    args.lang_given = args.lang is not None  # the server lets learners' locales decide otherwise
    if args.lang is None:
        args.lang = detect_lang(os.environ)
    command = args.command or "run"
    try:
        if command == "run":
            # No garbage collection until the menu's first frame
            # (TutorApp.on_ready turns it back on): what start-up makes, the
            # modules and the app, lives as long as the app, and the full
            # collections its allocations set off walked it all for nothing
            # (~15 M instructions of the first frame, issue 14).
            gc.disable()
            try:
                from .ui.app import run_app

                return run_app(args)
            finally:
                gc.enable()
        if command == "list":
            return _list(args)
        if command == "show":
            return _show(args)
        if command == "check":
            return _check(args)
        if command == "progress":
            from .progress_cmd import main as progress_main

            return progress_main(args)
        if command == "serve":
            from . import serve

            return serve.main(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `show ... | head`
        sys.stderr.close()
        return 0
    except Exception as exc:
        # every command but serve reads lessons; named here, not imported
        # before (the menu's first frame does without tutor.lesson.errors)
        from .lesson import LessonLoadError, default_lessons_dir

        if not isinstance(exc, LessonLoadError):
            raise
        folder = args.lessons or default_lessons_dir()
        if len(exc.errors) == 1 and exc.errors[0].line <= 0:  # no folder, no lessons
            print(f"tutor: {exc.errors[0]}", file=sys.stderr)
            return 2
        for error in exc.errors[:5]:
            print(error, file=sys.stderr)
        print(STRINGS.get("broken", args.lang, dir=folder), file=sys.stderr)
        return 2
    return 2


def _lessons(args) -> list[Lesson]:
    from .lesson import load_lessons

    return load_lessons(args.lessons)


def _find(lessons: list[Lesson], wanted: str, lang: str) -> Lesson:
    from .lesson import find_lesson

    lesson = find_lesson(lessons, wanted)
    if lesson is None and wanted.isdigit() and 1 <= int(wanted) <= len(lessons):
        lesson = lessons[int(wanted) - 1]
    if lesson is None:
        print(STRINGS.get("unknown_lesson", lang, id=wanted), file=sys.stderr)
        raise SystemExit(2)
    return lesson


def _list(args) -> int:
    lessons = _lessons(args)
    width = max(len(lesson.id) for lesson in lessons)
    for n, lesson in enumerate(lessons, 1):
        steps = STRINGS.get("steps", args.lang, n=len(lesson.steps))
        print(f"{n:>2}. {lesson.id:<{width}}  {pick(lesson.title, args.lang)}  ({steps})")
    return 0


def _show(args) -> int:
    import json

    from .runner import LessonRun
    from .textview import render_json, render_text

    lessons = _lessons(args)
    lesson = _find(lessons, args.lesson_id, args.lang)
    params = {}
    names = ", ".join(p.name for p in lesson.params) or "-"
    for item in args.param:
        name, _, value = item.partition("=")
        try:
            lesson.param(name.strip())
            params[name.strip()] = float(value)
        except (StopIteration, ValueError):
            print(STRINGS.get("bad_param", args.lang, names=names), file=sys.stderr)
            return 2
    run = LessonRun(lesson, seed=args.seed, params=params, lang=args.lang, time_limit=args.time_limit)
    try:
        run.run_all()
    finally:
        run.close()
    if args.json:
        doc = render_json(lesson, run, args.lang, args.seed, args.answers)
        sys.stdout.write(json.dumps(doc, ensure_ascii=False) + "\n")
    else:
        position = (lessons.index(lesson) + 1, len(lessons))
        sys.stdout.write(render_text(lesson, run, args.lang, position, args.answers))
    sys.stdout.flush()
    return 0


def _check(args) -> int:
    from pathlib import Path

    from .lesson import check_lessons, default_lessons_dir

    folder = Path(args.folder or args.lessons or default_lessons_dir())
    lessons, problems = check_lessons(folder, warnings=True)
    errors = [problem for problem in problems if not problem.warning]  # warnings never fail a check
    if len(errors) == 1 and errors[0].line <= 0 and not lessons:  # no folder, no lessons
        print(f"tutor: {errors[0]}", file=sys.stderr)
        return 2
    if args.run:  # the lessons that read well, run: what only running shows
        from .run_check import run_problems

        ran = run_problems(lessons, seed=args.seed, lang=args.lang, time_limit=args.time_limit)
        problems, errors = problems + ran, errors + ran
    for problem in problems:
        print(problem)
    if errors:
        print(STRINGS.get("check_bad", args.lang, n=len(errors), dir=folder), file=sys.stderr)
        return 1
    print(STRINGS.get("check_ok", args.lang, n=len(lessons), dir=folder))
    return 0
