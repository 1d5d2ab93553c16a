"""Learner names that are safe to keep.

A learner's name comes from the network (the SSH user name, or a key's
comment) and becomes the key of their progress in the store and a word on
the teacher's console, so it is reduced to a short, printable, canonical
form: `Ana.Souza`, `ana.souza ` and `ANA.SOUZA` are one learner, and no
escape sequence or newline ever reaches a terminal.
"""

from __future__ import annotations

import re
import unicodedata

MAX_LEN = 32
_ALLOWED_PUNCT = "._-@"


def sanitize_learner(raw: str | None) -> str | None:
    """The canonical learner name for `raw`, or None when nothing usable is left.

    Letters (any script) and digits are kept, case-folded; `.`, `_`, `-` and
    `@` are kept; every other run of characters becomes one `-`.
    """
    if not raw:
        return None
    text = unicodedata.normalize("NFC", raw).casefold()
    out = []
    for ch in text:
        if ch.isalnum() or ch in _ALLOWED_PUNCT:
            out.append(ch)
        else:
            out.append("-")
    name = re.sub(r"-{2,}", "-", "".join(out)).strip("-._@")
    name = name[:MAX_LEN].rstrip("-._@")
    if not any(ch.isalnum() for ch in name):
        return None
    return name
