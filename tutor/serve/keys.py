"""The server's own host key and the learners' authorized keys.

The host key is made once (ed25519) and kept in the tutor's data folder, so
learners' `known_hosts` stay valid from one class to the next; its
fingerprint is printed at start so a teacher can read it out.
Authorized keys use OpenSSH's file format, options included (see
`read_authorized_keys`); the comment after each key names the learner,
because a class shares one SSH user name more often than not.
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


# Options that restrict what this server never grants anyway (forwarding,
# ~/.ssh/rc), or that grant it (the server still grants nothing): honoured.
_HARMLESS_OPTIONS = {
    "no-port-forwarding", "no-agent-forwarding", "no-x11-forwarding", "no-user-rc",
    "port-forwarding", "agent-forwarding", "x11-forwarding", "user-rc",
    "permitopen", "permitlisten",
}
# Options this server cannot honour: refused at start, naming the line.
_REFUSED_OPTIONS = {
    "command": "this server only runs the tutor, never a forced command",
    "environment": "this server sets no environment from the keys file",
    "tunnel": "this server offers no tunnels",
    "principals": "this server takes no certificates",
    "cert-authority": "this server takes no certificates",
    "expiry-time": "this server does not check expiry times: remove the key when it expires",
    "no-touch-required": "this server does not check security-key touch",
    "verify-required": "this server does not check security-key verification",
}


@dataclass(frozen=True)
class AuthorizedKey:
    key: object                  # asyncssh.SSHKey (public)
    comment: str | None          # as written in the file
    line: int
    name: str = ""               # the learner: the comment, or one derived from the fingerprint
    sources: tuple[str, ...] | None = None   # from="...": patterns the client's address must match

    def allows(self, address: str | None) -> bool:
        """Whether a client at `address` may use this key (OpenSSH's from=)."""
        return self.sources is None or (address is not None and match_from(self.sources, address))


def read_authorized_keys(path: Path) -> list[AuthorizedKey]:
    """Every key of an OpenSSH authorized_keys file, with its learner's name.

    The comment after a key names its learner; a key without one is named
    `key-` and the start of its SHA256 fingerprint (so holding a key never
    lets anyone pick a name). Options are read as OpenSSH reads them
    (quoted values may hold commas, spaces and `ssh-`): `from=` is honoured,
    `restrict` and the forwarding options are (this server forwards
    nothing), and an option the server cannot honour (`command=`, a
    `no-pty` the tutor cannot live with, ...) is an error naming its line,
    as is a line that is not a key: nothing is silently skipped.
    """
    try:
        text = path.read_text("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KeyFileError(str(exc)) from exc
    keys = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            keys.append(_parse_line(line, number))
        except KeyFileError as exc:
            raise KeyFileError(f"{path}:{number}: {exc}") from None
    if not keys:
        raise KeyFileError(f"{path}: it holds no keys")
    return keys


def _parse_line(line: str, number: int) -> AuthorizedKey:
    import asyncssh

    from .names import sanitize_learner

    first, rest = _split_token(line)
    options = None
    if not first.startswith(_KEY_TYPE_PREFIXES):
        options, (first, rest) = first, _split_token(rest)
    words = rest.split(None, 1)
    if not first.startswith(_KEY_TYPE_PREFIXES) or not words:
        raise KeyFileError("not an SSH public key")
    try:
        key = asyncssh.import_public_key(f"{first} {words[0]}")
    except (asyncssh.KeyImportError, ValueError) as exc:
        raise KeyFileError(str(exc)) from None
    comment = words[1].strip() if len(words) > 1 and words[1].strip() else None
    sources = _read_options(options) if options else None
    if comment is None:
        name = fingerprint_name(key)
    else:
        name = sanitize_learner(comment)
        if name is None:
            raise KeyFileError(f"the comment {comment!r} has no letters or digits to name a learner")
    return AuthorizedKey(key, comment, number, name, sources)


def fingerprint_name(key) -> str:
    """A learner name for a key without a comment: `key-` and the first
    characters of its SHA256 fingerprint in hex (stable, and not chosen by
    whoever holds the key)."""
    import hashlib

    return "key-" + hashlib.sha256(key.public_data).hexdigest()[:12]


def _split_token(text: str) -> tuple[str, str]:
    """The first whitespace-delimited token (quotes kept whole) and the rest."""
    quoted = False
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and quoted and i + 1 < len(text):
            i += 2
            continue
        if ch == '"':
            quoted = not quoted
        elif ch in " \t" and not quoted:
            return text[:i], text[i:].lstrip()
        i += 1
    if quoted:
        raise KeyFileError("an option's quotes are not closed")
    return text, ""


def _split_options(text: str) -> list[str]:
    parts, current, quoted, i = [], [], False, 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and quoted and i + 1 < len(text):
            current.append(text[i:i + 2])
            i += 2
            continue
        if ch == '"':
            quoted = not quoted
        if ch == "," and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


def _read_options(text: str) -> tuple[str, ...] | None:
    """Check the options; returns the from= patterns (None without from=)."""
    sources = None
    pty_allowed = True
    for option in _split_options(text):
        name, has_value, value = option.partition("=")
        name = name.strip().lower()
        if has_value:
            if len(value) < 2 or not (value.startswith('"') and value.endswith('"')):
                raise KeyFileError(f"the value of option {name}= must be in double quotes")
            value = value[1:-1].replace('\\"', '"')
        if name == "from":
            if not has_value:
                raise KeyFileError('option from needs a value: from="pattern,..."')
            sources = tuple(p.strip() for p in value.split(",") if p.strip())
            for pattern in sources:
                _check_pattern(pattern)
        elif (name == "restrict" and not has_value) or (name == "no-pty" and not has_value):
            pty_allowed = False
        elif name == "pty" and not has_value:
            pty_allowed = True
        elif name in _HARMLESS_OPTIONS:
            continue
        elif name in _REFUSED_OPTIONS:
            raise KeyFileError(f"option {name} cannot be honoured: {_REFUSED_OPTIONS[name]}")
        else:
            raise KeyFileError(f"unknown option {name!r}")
    if not pty_allowed:
        raise KeyFileError("this key's options (restrict or no-pty) forbid a terminal, and the tutor "
                           "needs one: add pty after restrict, or remove no-pty")
    return sources


def _check_pattern(pattern: str) -> None:
    import ipaddress

    body = pattern[1:] if pattern.startswith("!") else pattern
    if not body:
        raise KeyFileError(f"empty pattern in from={pattern!r}")
    if "/" in body:
        try:
            ipaddress.ip_network(body, strict=False)
        except ValueError as exc:
            raise KeyFileError(f"from= pattern {pattern!r} is not an address range ({exc})") from None


def match_from(patterns: tuple[str, ...], address: str) -> bool:
    """OpenSSH's from= rule: a negated pattern that matches refuses, else
    any pattern that matches allows; patterns are addresses with * and ?,
    or CIDR ranges (`10.0.0.0/8`). Host names are never looked up."""
    import fnmatch
    import ipaddress

    try:
        ip = ipaddress.ip_address(address.split("%")[0])
        if ip.version == 6 and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
    except ValueError:
        return False
    text = str(ip)
    allowed = False
    for pattern in patterns:
        negated = pattern.startswith("!")
        body = pattern[1:] if negated else pattern
        if "/" in body:
            network = ipaddress.ip_network(body, strict=False)
            hit = ip.version == network.version and ip in network
        else:
            hit = fnmatch.fnmatchcase(text, body.lower().replace("[", "[[]"))
        if hit and negated:
            return False
        allowed = allowed or hit
    return allowed
