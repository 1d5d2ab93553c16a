"""Language choice and interface strings.

The tutor speaks English and Brazilian Portuguese. Lessons carry both
languages in their own files; the words of the program itself live in
catalogs, one per area (the command line here, the app in `tutor.ui.strings`,
the server in `tutor.serve`), each checked at import time so that a string
missing in one language fails loudly in the tests instead of on a learner's
screen.
"""

from __future__ import annotations

from collections.abc import Mapping

LANGS = ("en", "pt")


def detect_lang(environ: Mapping[str, str]) -> str:
    """The learner's language from the locale variables, English otherwise.

    The first of LC_ALL, LC_MESSAGES, LANG that is set decides, as in gettext.
    """
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(var, "")
        if value:
            return "pt" if value.lower().startswith("pt") else "en"
    return "en"


class Catalog:
    """Interface strings in every language, with `str.format` fields."""

    def __init__(self, entries: Mapping[str, Mapping[str, str]]):
        for key, texts in entries.items():
            missing = [lang for lang in LANGS if not texts.get(lang)]
            if missing:
                raise ValueError(f"string {key!r} has no text in {', '.join(missing)}")
        self._entries = {key: dict(texts) for key, texts in entries.items()}

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def keys(self):
        return self._entries.keys()

    def get(self, key: str, lang: str, /, **fields: object) -> str:
        text = self._entries[key].get(lang) or self._entries[key]["en"]
        return text.format(**fields) if fields else text


def pick(texts: Mapping[str, str], lang: str) -> str:
    """A lesson's text in `lang` (validated lessons always have both)."""
    return texts.get(lang) or texts.get("en", "")
