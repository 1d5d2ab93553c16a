"""The server's own host key and the learners' authorized keys.

The host key is made once (ed25519) and kept in the tutor's data folder, so
learners' `known_hosts` stay valid from one class to the next; its
fingerprint is printed at start so a teacher can read it out.
Authorized keys use OpenSSH's file format; the comment after each key names
the learner, because a class shares one SSH user name more often than not.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

HOST_KEY_NAME = "ssh_host_ed25519_key"
_KEY_TYPE_PREFIXES = ("ssh-", "ecdsa-", "sk-ssh-", "sk-ecdsa-", "rsa-sha2-")


class KeyFileError(Exception):
    """A key file cannot be used; the message says why, for the teacher."""


def load_or_create_host_key(data_dir: Path):
    """The server's ed25519 key from `data_dir`, generated on first use.

    Returns (key, path). Created with mode 0600 in one step, so a second
    server started at the same moment cannot read a half-written key.
    """
    import asyncssh

    path = data_dir / HOST_KEY_NAME
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        key = asyncssh.generate_private_key("ssh-ed25519", comment="tutor classroom")
        tmp = path.with_name(f".{HOST_KEY_NAME}.{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(key.export_private_key("openssh"))
        os.replace(tmp, path)
        return key, path
    try:
        return asyncssh.read_private_key(path), path
    except (OSError, ValueError, asyncssh.KeyImportError) as exc:
        raise KeyFileError(str(exc)) from exc


def fingerprint(key) -> str:
    return key.get_fingerprint("sha256")


@dataclass(frozen=True)
class AuthorizedKey:
    key: object          # asyncssh.SSHKey (public)
    comment: str | None  # names the learner when present
    line: int


def read_authorized_keys(path: Path) -> list[AuthorizedKey]:
    """Every key of an OpenSSH authorized_keys file, with its comment.

    Options before the key type (`from="..."`, `restrict`, ...) are accepted
    and ignored: this server grants nothing but the tutor anyway. A line that
    is not a key is an error naming its number, never silently skipped.
    """
    import asyncssh

    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(str(exc)) from exc
    keys = []
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        words = line.split()
        start = next((i for i, w in enumerate(words) if w.startswith(_KEY_TYPE_PREFIXES)), None)
        if start is None or start + 1 >= len(words):
            raise KeyFileError(f"line {number} is not an SSH public key")
        try:
            key = asyncssh.import_public_key(" ".join(words[start:start + 2]))
        except (asyncssh.KeyImportError, ValueError) as exc:
            raise KeyFileError(f"line {number}: {exc}") from exc
        comment = " ".join(words[start + 2:]) or None
        keys.append(AuthorizedKey(key, comment, number))
    if not keys:
        raise KeyFileError("it holds no keys")
    return keys
