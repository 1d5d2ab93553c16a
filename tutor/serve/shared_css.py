"""Textual's stylesheets parsed once in the warm parent, not once per learner.

Every Textual app parses its CSS (the app's, every widget class's
DEFAULT_CSS) when it starts: measured on a served session, about a quarter
of the CPU a learner's session spends before its first frame, the same
work for every learner. Textual keeps parsed rules in a cache of its own,
but per `Stylesheet`, so a new app (a new session) starts empty.

`share_parsed_css()`, called in the pre-fork process before its rehearsal
of the app, puts a process-wide cache in front of that one: the rehearsal
parses each stylesheet once, and every session forked afterwards finds the
parsed rules (the same immutable rule sets Textual's own cache hands out
to every screen of one app) and skips the parse. The key is Textual's own
cache key plus the stylesheet's variables (the theme's colours), so a
session whose variables differ (NO_COLOR, another theme) parses its own.
"""

from __future__ import annotations

from typing import Any

MAX_ENTRIES = 256   # distinct (variables, css) pairs kept; a teacher's lessons add a few

_parsed: dict[tuple, Any] = {}


def share_parsed_css() -> bool:
    """Route `Stylesheet._parse_rules` through the process-wide cache.
    False (nothing changed) if this Textual has no such method."""
    from textual.css.stylesheet import Stylesheet

    original = getattr(Stylesheet, "_parse_rules", None)
    if original is None or getattr(original, "_shared", False):
        return original is not None

    def _parse_rules(self, css, read_from, is_default_rules=False, tie_breaker=0, scope=""):
        key = (_variables_key(self), css, read_from, is_default_rules, tie_breaker, scope)
        try:
            return _parsed[key]
        except (KeyError, TypeError):  # TypeError: an unhashable location; parse as usual
            pass
        rules = original(self, css, read_from, is_default_rules, tie_breaker, scope)
        if len(_parsed) < MAX_ENTRIES and not any(rule.errors for rule in rules):
            try:
                _parsed[key] = rules
            except TypeError:
                pass
        return rules

    _parse_rules._shared = True  # type: ignore[attr-defined]
    Stylesheet._parse_rules = _parse_rules  # type: ignore[method-assign]
    return True


def _variables_key(stylesheet) -> tuple:
    return tuple(sorted(getattr(stylesheet, "_variables", {}).items()))


def parsed_count() -> int:
    """How many parsed stylesheets the cache holds (for tests and reports)."""
    return len(_parsed)
