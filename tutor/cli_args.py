"""The command line's parser (argparse): every command, its options and its
help.

Imported only when a command line is more than the plain start
(`python -m tutor --lang pt --learner ana`), which tutor.cli reads on its
own: argparse and its parsers cost about 10 M instructions of the menu's
first frame (issue 14). `--help`, a command, or anything the plain start
does not read comes here, so help and errors read as they always did.
"""

from __future__ import annotations

import argparse

from .cli import COMMAND_NAMES, LANG_CHOICES


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad call is one line, not a usage block."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _common(parser: argparse.ArgumentParser, suppress: bool, learner: bool = True) -> None:
    """Options every command takes, before or after the command's name."""
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument("--lang", choices=LANG_CHOICES, default=default,
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

    A start without a command or a help flag is parsed by the top-level
    options alone: making the six commands' parsers costs argparse about
    3 ms of message-catalogue look-ups (gettext) before the menu's first
    frame (issue 14). Anything that parser does not accept, and anything
    with a command or a help flag, goes to the whole parser, so help and
    errors read as they always did."""
    if not any(word in COMMAND_NAMES or word.startswith(("-h", "--h")) for word in argv):
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


# (name, help, what declares its options), in the order --help lists them;
# their names are tutor.cli.COMMAND_NAMES
_COMMANDS = (
    ("run", "open the tutor (the default)", _run_options),
    ("list", "list the lessons in order", _list_options),
    ("show", "run a lesson headless and print every step", _show_options),
    ("check", "validate lesson files (FILE:LINE: message)", _check_options),
    ("progress", "print (or --reset) a learner's progress, or --all", _progress_options),
    ("serve", "serve the tutor to a classroom over SSH", _serve_options),
)
