"""`python -m tutor serve`: the tutor for a whole classroom, over SSH.

Learners type `ssh -p 2222 NAME@HOST` and get the full tutor in a process
of their own, with their progress kept under their name. This module only
declares the command line and checks it; the server (asyncssh, torch,
textual) is imported once the options are known to be good, so
`python -m tutor --help` stays fast.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .limits import DEFAULT_SESSION_CPU_SECONDS, DEFAULT_SESSION_MEMORY_MB, default_max_sessions

DEFAULT_PORT = 2222
DEFAULT_IDLE_MINUTES = 30


def _count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 or more, got {value}")
    return value


def _seats(text: str) -> int:
    value = _count(text)
    if value < 1:
        raise argparse.ArgumentTypeError("a classroom needs at least 1 seat")
    return value


def _port(text: str) -> int:
    value = _count(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"a port is 0-65535, got {value}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `serve` options (the common ones: --lang, --seed, --lessons,
    --data-dir, come from the caller)."""
    parser.description = (
        "Serve the tutor to a classroom over SSH. Each learner connects with "
        "`ssh -p PORT NAME@HOST` (nothing to install), gets the full tutor in a "
        "process of their own, and finds their progress again when they come back. "
        "Nothing else is offered: no shell, no commands, no forwarding, no SFTP.")
    parser.epilog = (
        "Say who may join: --authorized-keys FILE (OpenSSH format; each key's comment "
        "names its learner) or --open (anyone who can reach the port; the SSH user name "
        "is the learner). The host key is made on first start in the data folder and "
        "its fingerprint printed. Each learner gets the language of the locale their ssh "
        "client sends (LANG, LC_*), else the server's; --lang sets one language for all. "
        "Ctrl-C or SIGTERM ends the class: learners are told, progress is saved. SIGHUP "
        "does the same when the server runs in a terminal (closing it ends the class); "
        "detached (or under nohup) SIGHUP reloads the keys file, which is also reloaded "
        "whenever it changes (both files, with --instructor-keys).")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1, this machine only; "
                             "0.0.0.0 for a classroom network)")
    parser.add_argument("--port", type=_port, default=DEFAULT_PORT,
                        help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one)")
    who = parser.add_mutually_exclusive_group()
    who.add_argument("--authorized-keys", metavar="FILE",
                     help="only these public keys may join; a key's comment is its learner's name")
    who.add_argument("--open", action="store_true",
                     help="anyone who can reach the port may join, named by their SSH user name")
    parser.add_argument("--instructor-keys", metavar="FILE",
                        help="these public keys (OpenSSH format; the comment names the instructor) open "
                             "the instructor's console instead of the tutor, with --open too; "
                             "`ssh -t ... tutor` gives an instructor the tutor itself (docs/classroom.md)")
    parser.add_argument("--max-sessions", type=_seats, default=None, metavar="N",
                        help="learners at once; the next one is told the class is full "
                             "(default: available memory / 60 MB, at most 250; "
                             f"here {default_max_sessions()})")
    parser.add_argument("--idle-timeout", type=_count, default=DEFAULT_IDLE_MINUTES * 60,
                        metavar="SECONDS",
                        help=f"end a session with no keys for this long, progress saved "
                             f"(default {DEFAULT_IDLE_MINUTES * 60}; 0: never)")
    parser.add_argument("--session-memory", type=_count, default=DEFAULT_SESSION_MEMORY_MB,
                        metavar="MB",
                        help="address space a session may add to the shared image "
                             f"(RLIMIT_AS; default {DEFAULT_SESSION_MEMORY_MB}; 0: no limit)")
    parser.add_argument("--session-cpu", type=_count, default=DEFAULT_SESSION_CPU_SECONDS,
                        metavar="SECONDS",
                        help="CPU time a session may use in all (RLIMIT_CPU; "
                             f"default {DEFAULT_SESSION_CPU_SECONDS}; 0: no limit)")
    parser.add_argument("--allow-unsandboxed-code", action="store_true",
                        help="on a kernel without the sandbox (Landlock, seccomp), run learners' "
                             "code exercises anyway, with only the process limits (learners share "
                             "the server's account); without it such a server refuses them")


def data_dir_for(args) -> Path:
    """The tutor's data folder: where progress and the host key live."""
    from tutor.progress import default_data_dir

    return default_data_dir(getattr(args, "data_dir", None))


def sandbox_note(allow_unsandboxed: bool, lang: str) -> str | None:
    """Without the sandbox, say so once at start, and unless the teacher
    allowed it, have every session refuse to run learners' code (the sessions
    inherit the setting). Before any thread exists: the check forks."""
    from tutor.sandbox import require_sandbox, sandbox_available

    from .strings import say

    why = sandbox_available()
    if why is None:
        return None
    require_sandbox(not allow_unsandboxed)
    note = say("sandbox_allowed" if allow_unsandboxed else "sandbox_refused", lang, why=why)
    print(note, file=sys.stderr)
    return note


def main(args) -> int:
    """Check the options, start the pre-fork process, then serve until told to stop."""
    from tutor.i18n import LANGS, detect_lang

    from .strings import say

    lang = getattr(args, "lang", None) or detect_lang(os.environ)

    def fail(key: str, code: int = 2, **fields) -> int:
        print(say(key, lang, **fields), file=sys.stderr)
        return code

    if not args.authorized_keys and not args.open:
        return fail("err_who")

    from .keys import KeyFileError, fingerprint, load_or_create_host_key, read_authorized_keys

    keys = None
    if args.authorized_keys:
        try:
            keys = read_authorized_keys(Path(args.authorized_keys))
        except KeyFileError as exc:
            return fail("err_keys", path=args.authorized_keys, why=exc)

    instructor_keys = None
    if getattr(args, "instructor_keys", None):
        try:
            instructor_keys = read_authorized_keys(Path(args.instructor_keys))
        except KeyFileError as exc:
            return fail("err_keys", path=args.instructor_keys, why=exc)

    data_dir = data_dir_for(args)
    try:
        from tutor.progress import make_private_folder

        make_private_folder(data_dir)  # 0700: progress and the host key are nobody else's
        probe = data_dir / f".probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        return fail("err_data_dir", path=data_dir, why=exc.strerror or exc)
    try:
        host_key, host_key_path = load_or_create_host_key(data_dir)
    except (KeyFileError, OSError) as exc:
        return fail("err_hostkey", path=data_dir, why=exc)

    from tutor.lesson import check_lessons

    _lessons, problems = check_lessons(getattr(args, "lessons", None))
    if problems:
        return fail("err_lessons", why="\n".join(str(p) for p in problems[:10]))

    sandbox_note(args.allow_unsandboxed_code, lang)

    from .gate import raise_fd_limit
    from .server import Classroom, ForkerError, ForkerHandle, become_subreaper

    fd_limit = raise_fd_limit()
    become_subreaper()
    forker = ForkerHandle({
        "lessons": str(Path(args.lessons).resolve()) if getattr(args, "lessons", None) else None,
        "seed": getattr(args, "seed", 0) or 0,
        # the languages sessions speak, most learners' first: the teacher's
        # --lang only, or the server's and whatever the learners' ssh clients send
        "langs": [lang] if getattr(args, "lang_given", True) else [lang, *(x for x in LANGS if x != lang)],
        "data_dir": str(data_dir.resolve()),
        "session_memory_mb": args.session_memory,
        "session_cpu_seconds": args.session_cpu,
        # tests run a stand-in console app: "module:Class" (docs/classroom.md)
        "console_app": os.environ.get("TUTOR_CONSOLE_APP") or None,
    })
    try:
        forker.start()  # before any event loop or thread exists in this process
    except ForkerError as exc:
        return fail("err_forker", 1, why=exc)

    import asyncio

    classroom = Classroom(
        forker=forker, host_key=host_key, host=args.host, port=args.port, lang=lang,
        lang_fixed=getattr(args, "lang_given", True),
        keys=keys, keys_path=args.authorized_keys,
        max_sessions=args.max_sessions or default_max_sessions(),
        idle_timeout=args.idle_timeout, fingerprint=fingerprint(host_key),
        host_key_path=host_key_path, session_cpu=args.session_cpu, fd_limit=fd_limit,
        instructor_keys=instructor_keys, instructor_keys_path=getattr(args, "instructor_keys", None))
    try:
        return asyncio.run(classroom.serve())
    finally:
        classroom.forker.close()  # the one in use: it may have replaced the first
