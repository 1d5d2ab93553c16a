"""The command line: `python -m tutor [run|list|show|check|progress|serve]`.

Every way a command can go wrong ends in one clear line on stderr and a
non-zero exit (2 for a bad call, 1 for `check` finding problems), never a
traceback.

Only argparse and the interface strings are imported here: each command
imports what it uses, so `python -m tutor` reaches the app's first frame
without paying for the others (start-up target, issue 3).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
from typing import TYPE_CHECKING

from .i18n import Catalog, detect_lang, pick

if TYPE_CHECKING:
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


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad call is one line, not a usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _common(parser: argparse.ArgumentParser, suppress: bool, learner: bool = True) -> None:
    """Options every command takes, before or after the command's name."""
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--lang", choices=("en", "pt"), default=default,
                        help="language of lessons and interface (default: from LANG, else en)")
    parser.add_argument("--seed", type=int, default=argparse.SUPPRESS if suppress else 0,
                        help="random seed of every lesson (default 0: everyone sees the same numbers)")
    parser.add_argument("--lessons", metavar="DIR", default=default,
                        help="a folder of lesson files instead of the built-in chapter")
    parser.add_argument("--data-dir", metavar="DIR", default=default,
                        help="where progress is stored (default: $TUTOR_DATA_DIR or the user data folder)")
    if learner:  # the server names each learner by their SSH login instead
        parser.add_argument("--learner", metavar="NAME", default=argparse.SUPPRESS if suppress else "default",
                            help="whose progress to use (default: 'default')")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (0 < value < 1e6):
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0, not {text!r}")
    return value


def _time_limit(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--time-limit", type=_seconds, metavar="SECONDS",
                        help="stop any step that runs longer than this (at most each step's own "
                             "time_limit, 10 s by default)")


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    """The whole command line. Given the `argv` about to be parsed, only the
    commands named among its words get their options: every command is
    listed (`--help` shows them all), but the `serve` options import the
    server package (5-10 ms), and each option costs argparse a help
    formatter. A word that merely looks like a command (`--lesson show`)
    declares that command's options too, which changes nothing. Without
    `argv`, everything is declared."""
    parser = _top_level(_Parser)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, help_text, declare in _COMMANDS:
        command = commands.add_parser(name, help=help_text)
        if argv is None or name in argv:
            declare(command)
    return parser


def parse_args(argv: list[str]) -> argparse.Namespace:
    """`argv` parsed.

    The plain start (`python -m tutor`, `--lang pt`, `--learner ana`...: no
    command, no help) is parsed by the top-level options alone: making the
    six commands' parsers costs argparse about 3 ms of message-catalogue
    look-ups (gettext) before the menu's first frame (issue 14). Anything
    that parser does not accept, and anything with a command or a help flag,
    goes to the whole parser, so help and errors read as they always did."""
    if not any(word in _COMMAND_NAMES or word.startswith(("-h", "--h")) for word in argv):
        try:
            return _top_level(_PlainParser).parse_args(argv)
        except _NotPlain:
            pass  # the whole parser says what is wrong
    return build_parser(argv).parse_args(argv)


def _top_level(parser_class: type[_Parser]) -> _Parser:
    parser = parser_class(
        prog="python -m tutor",
        description="A terminal tutor: derivatives to update model parameters, with live PyTorch.",
        epilog="Without a command, opens the tutor. Keys inside: ? for help, q to quit.",
    )
    _common(parser, suppress=False)
    parser.add_argument("--lesson", metavar="ID", help="open this lesson directly")
    parser.set_defaults(command=None)
    return parser


class _NotPlain(Exception):
    """The plain start's parser met something only the whole one explains."""


class _PlainParser(_Parser):
    def error(self, message: str) -> None:  # type: ignore[override]
        raise _NotPlain(message)


def _run_options(run: argparse.ArgumentParser) -> None:
    _common(run, suppress=True)
    run.add_argument("--lesson", metavar="ID", default=argparse.SUPPRESS, help="open this lesson directly")


def _list_options(listing: argparse.ArgumentParser) -> None:
    _common(listing, suppress=True)


def _show_options(show: argparse.ArgumentParser) -> None:
    _common(show, suppress=True)
    show.add_argument("lesson_id", metavar="LESSON", help="a lesson id (or its number in the list)")
    show.add_argument("--json", action="store_true", help="one JSON document with every value in full")
    show.add_argument("--answers", action="store_true", help="include each question's live expected answer")
    show.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                      help="set a lesson parameter, e.g. --param lr=0.01")
    _time_limit(show)


def _check_options(check: argparse.ArgumentParser) -> None:
    _common(check, suppress=True)
    check.add_argument("folder", nargs="?", metavar="DIR", help="the lessons folder (default: the built-in chapter)")
    check.add_argument("--run", action="store_true",
                       help="also run every lesson headless and report the steps that fail, "
                            "take longer than their time limit or end their process")
    _time_limit(check)


def _progress_options(progress: argparse.ArgumentParser) -> None:
    _common(progress, suppress=True)
    progress.add_argument("--reset", action="store_true", help="clear this learner's progress (asks first)")
    progress.add_argument("--yes", action="store_true", help="with --reset: do not ask")
    progress.add_argument("--all", action="store_true", help="every learner's progress in the data folder")
    progress.add_argument("--csv", action="store_true", help="with --all: as CSV")


def _serve_options(server: argparse.ArgumentParser) -> None:
    _common(server, suppress=True, learner=False)
    from . import serve

    serve.add_arguments(server)


# (name, help, what declares its options), in the order --help lists them
_COMMANDS = (
    ("run", "open the tutor (the default)", _run_options),
    ("list", "list the lessons in order", _list_options),
    ("show", "run a lesson headless and print every step", _show_options),
    ("check", "validate lesson files (FILE:LINE: message)", _check_options),
    ("progress", "print (or --reset) a learner's progress, or --all", _progress_options),
    ("serve", "serve the tutor to a classroom over SSH", _serve_options),
)
_COMMAND_NAMES = frozenset(name for name, _, _ in _COMMANDS)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse_args(argv)
    args.lang_given = args.lang is not None  # the server lets learners' locales decide otherwise
    if args.lang is None:
        args.lang = detect_lang(os.environ)
    command = args.command or "run"
    from .lesson import LessonLoadError, default_lessons_dir  # every command but serve reads lessons

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
    except LessonLoadError as exc:
        folder = args.lessons or default_lessons_dir()
        if len(exc.errors) == 1 and exc.errors[0].line <= 0:  # no folder, no lessons
            print(f"tutor: {exc.errors[0]}", file=sys.stderr)
            return 2
        for error in exc.errors[:5]:
            print(error, file=sys.stderr)
        print(STRINGS.get("broken", args.lang, dir=folder), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `show ... | head`
        sys.stderr.close()
        return 0
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
