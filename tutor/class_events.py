"""What a class's sessions and its instructor tell each other (issue 12).

A served learner's session reports events (joined, a step shown, an answer
checked, a hint, a key) and obeys commands (follow the instructor, be free
again, a message, the end of the class); an instructor's console reads the
events and sends the commands. Both travel through the server as JSON
objects, plain data: read with `json.loads` and checked field by field
here, never unpickled, never executed. docs/classroom.md describes the
channel; CLASS_PROTOCOL's tables are `EVENTS` and `COMMANDS` below.

This module is core: the app calls a `ClassChannel` without knowing it is
served (tutor.ui never imports tutor.serve), the server checks every message
it receives with `check_event` / `check_command`, and the console reads the
same shapes.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from typing import Protocol

MAX_WIRE_BYTES = 4096      # one message, encoded: far above any real one
MAX_TEXT = 200             # a message to the class, a normalised answer
MAX_ID = 120               # a lesson's or step's id, a learner's name, a session id
MAX_COUNT = 1_000_000      # step indexes and counts of tries and hints
KEY_INTERVAL = 1.0         # at most one `key` event a second from a session
VERDICTS = ("right", "wrong", "revealed")
LANGS = ("en", "pt")

# event -> {field: type}; every event also has "event", "learner", "session", "t"
EVENTS: dict[str, dict[str, type]] = {
    "join": {"lang": str},
    "leave": {},
    "step": {"lesson": str, "step": str, "index": int, "steps": int},
    "answer": {"lesson": str, "step": str, "question": str, "verdict": str, "answer": str, "tries": int},
    "hint": {"lesson": str, "step": str, "question": str, "hints": int},
    "key": {},
}
# command -> {field: type}; every command also has "command" and "instructor"
COMMANDS: dict[str, dict[str, type]] = {
    "follow": {"lesson": str, "index": int},
    "free": {},
    "message": {"text": str},
    "end": {},
}
_STAMP = {"learner": str, "session": str, "t": float}


class BadMessage(ValueError):
    """A message that is not one of ours; the text says what is wrong (one log line)."""


class ClassChannel(Protocol):
    """What a served session gives the app: a way to report, and commands in.

    `report` never blocks and never raises (a class that cannot hear a
    learner must not stop the learner); `listen` starts handing commands,
    already checked, to `handler` on the app's event loop."""

    def report(self, event: dict) -> None: ...

    def listen(self, handler: Callable[[dict], None]) -> None: ...

    def close(self) -> None: ...


def event(name: str, **fields) -> dict:
    """An event as a session sends it (the server adds learner and session)."""
    return {"event": name, "t": time.time(), **fields}


def encode(message: dict) -> bytes:
    data = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if len(data) > MAX_WIRE_BYTES:
        raise BadMessage(f"{len(data)} bytes, more than {MAX_WIRE_BYTES}")
    return data


def decode(data: bytes) -> object:
    """JSON from the wire, size-checked; BadMessage when it is not JSON."""
    if len(data) > MAX_WIRE_BYTES:
        raise BadMessage(f"{len(data)} bytes, more than {MAX_WIRE_BYTES}")
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise BadMessage(f"not JSON ({type(exc).__name__})") from None


def one_line(text: str, limit: int = MAX_TEXT) -> str:
    """`text` with control characters (newlines, escapes) made spaces, cut
    to `limit`: safe to put on any terminal."""
    clean = "".join(" " if (ord(ch) < 32 or 127 <= ord(ch) < 160) else ch for ch in text)
    return " ".join(clean.split())[:limit]


def check_event(message: object, *, stamped: bool = False) -> dict:
    """`message` if it is a well-formed event (as a session sends it, or
    `stamped` with learner, session and t as the server sends it on)."""
    return _check(message, "event", EVENTS, _STAMP if stamped else {"t": float})


def check_command(message: object) -> dict:
    """`message` if it is a well-formed command (instructor optional: the
    server sets it)."""
    return _check(message, "command", COMMANDS, {"instructor": str}, optional=("instructor",))


def _check(message: object, kind: str, table: dict[str, dict[str, type]], common: dict[str, type],
           optional: tuple[str, ...] = ()) -> dict:
    if not isinstance(message, dict):
        raise BadMessage(f"a {kind} must be a JSON object, got {type(message).__name__}")
    name = message.get(kind)
    if not isinstance(name, str) or name not in table:
        raise BadMessage(f"unknown {kind} {str(name)[:40]!r}")
    fields = {**table[name], **common}
    extra = set(message) - set(fields) - {kind}
    if extra:
        raise BadMessage(f"{kind} {name!r}: unexpected field {sorted(extra)[0][:40]!r}")
    for field, want in fields.items():
        if field not in message:
            if field in optional:
                continue
            raise BadMessage(f"{kind} {name!r}: missing {field!r}")
        _check_field(kind, name, field, message[field], want)
    if kind == "event" and name == "answer" and message["verdict"] not in VERDICTS:
        raise BadMessage(f"answer: verdict {str(message['verdict'])[:20]!r} is not one of {', '.join(VERDICTS)}")
    if kind == "event" and name == "join" and message["lang"] not in LANGS:
        raise BadMessage(f"join: lang {str(message['lang'])[:20]!r} is not one of {', '.join(LANGS)}")
    if kind == "command" and name == "message" and one_line(message["text"]) != message["text"]:
        raise BadMessage("message: text must be one line of printable characters")
    return message


def _check_field(kind: str, name: str, field: str, value: object, want: type) -> None:
    where = f"{kind} {name!r}: {field!r}"
    if want is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise BadMessage(f"{where} must be a number")
    elif want is int:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
            raise BadMessage(f"{where} must be a whole number 0-{MAX_COUNT}")
    elif want is str:
        if not isinstance(value, str):
            raise BadMessage(f"{where} must be text")
        limit = MAX_TEXT if field in ("text", "answer") else MAX_ID
        if len(value) > limit:
            raise BadMessage(f"{where} is longer than {limit} characters")
