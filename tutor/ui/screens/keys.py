"""Key bindings in the learner's language.

Textual reads a screen's BINDINGS from its class, and the footer shows each
binding's description. To show those descriptions in English or Portuguese,
each screen defines `bindings(lang)` and is used through `localized(cls,
lang)`: a subclass per language, made once and cached.
"""

from __future__ import annotations

from functools import cache
from typing import Protocol, TypeVar

from textual.binding import Binding


class Localizable(Protocol):
    @classmethod
    def bindings(cls, lang: str) -> list[Binding]: ...


T = TypeVar("T", bound=Localizable)


@cache
def localized(cls: type[T], lang: str) -> type[T]:
    """`cls` with BINDINGS described in `lang`."""
    return type(f"{cls.__name__}", (cls,), {"BINDINGS": cls.bindings(lang), "__module__": cls.__module__})
