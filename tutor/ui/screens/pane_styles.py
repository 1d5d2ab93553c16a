"""Restyle the few panes a screen class sizes, remembering each state's rules.

A code question's step and a plot step change a class on the lesson screen
(`-code-step`, `-plot-step`), and the stylesheet's rules for those classes
size three or four panes. Textual restyles a node by matching every rule
that could apply to it against the path from the app down to it, then sets
every one of its rules again: ~0.5 ms a pane, 2 ms of the key that opens a
code question (12% of its Python), for rules that flip between the same two
sets every time.

`restyle` keeps the rules the stylesheet gave a pane for each path that led
to it: the type, id and classes of every node from the app down to the
pane, and those pseudo-classes its candidate rules name (`:focus`,
`:nocolor`...), all that Textual's selectors match on. The rules are a
function of that path and of the rule sets, so the memo serves every
lesson screen of the app: the first code question's step in a session
works them out, the next ones (lessons 6 to 8) find them; on a classroom
server, the warm parent's walk through the lessons works them out for
every session. A path met before sets only the rules that
differ from the pane's current ones, through the style setters Textual
uses (which ask for the layout or repaint that rule needs). The
pseudo-classes are asked of each node, so those Textual's own cache leaves
out (`:focus-within`, `:first-child`: they hang on other nodes) are part
of the path like the rest. A new path, a new stylesheet (a theme change
parses it again) or a pane with component styles (which `apply` styles
too) goes through Textual's `Stylesheet.apply`. tests/test_pane_styles.py
checks the result against Textual's restyle at every step, both ways.

`rehearse` fills the memo ahead, while the learner reads the step before:
it sets the screen's classes as the key will, one change after another,
works out each pane's rules where it then is without touching its styles,
and puts the classes back. A learner's own session (no warm parent walked
the lessons for it) then finds the rules of its first code step, and of
the one place a key leaves a plot step for a code step at once.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from textual.css.styles import Styles

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

    from textual.css.stylesheet import Stylesheet
    from textual.dom import DOMNode

# Pseudo-classes a widget has by the app's state alone (Textual's Widget._PSEUDO_CLASSES)
APP_WIDE = frozenset({"dark", "light", "inline", "ansi", "nocolor"})

# The memos, by the rule sets they were made from (their identities, in
# order; the entry holds the rule sets, so no identity is reused while it
# is kept). Sessions forked from a classroom server's warm parent share its
# parsed rule sets (serve/shared_css.py), and so the memo its rehearsal
# filled walking the lessons: a session's first code step finds its rules.
MEMOS_KEPT = 8
_BY_RULES: OrderedDict[tuple[int, ...], tuple[list, _Memo]] = OrderedDict()
# each stylesheet's: (the rule list it had, the memo), found without the key above
_BY_SHEET: WeakKeyDictionary[Stylesheet, tuple[object, _Memo]] = WeakKeyDictionary()


class _Memo:
    def __init__(self) -> None:
        self.rules: dict[tuple, dict[str, Any]] = {}  # path -> the pane's rules
        self.named: dict[tuple, frozenset[str]] = {}  # (type, id, classes) -> pseudo-classes its candidate rules name


def restyle(stylesheet: Stylesheet, panes: Iterable[DOMNode]) -> None:
    """Give `panes` the stylesheet's rules for where they are now."""
    _restyle(stylesheet, panes, rehearsal=False)


def rehearse(stylesheet: Stylesheet, screen: DOMNode,
             stages: Sequence[tuple[Mapping[str, bool], Sequence[DOMNode]]]) -> None:
    """Learn, without changing any style, the rules `restyle` will give the
    panes of each stage once `screen`'s classes are set as the stages say,
    one after another (class name -> on or off; then the panes restyled).
    The screen's classes are put back as they were."""
    held = {name: screen.has_class(name) for changes, _ in stages for name in changes}
    try:
        for changes, panes in stages:
            for name, on in changes.items():
                screen.set_class(on, name, update=False)
            _restyle(stylesheet, panes, rehearsal=True)
    finally:
        for name, on in held.items():
            screen.set_class(on, name, update=False)


def _restyle(stylesheet: Stylesheet, panes: Iterable[DOMNode], *, rehearsal: bool) -> None:
    rules = stylesheet.rules
    held = _BY_SHEET.get(stylesheet)
    if held is None or held[0] is not rules:
        held = _BY_SHEET[stylesheet] = (rules, _memo_for(rules))
    memo = held[1]
    states: dict[tuple[int, frozenset[str]], tuple] = {}  # the panes' ancestors are mostly the same ones
    for pane in panes:
        kind = (type(pane), pane.id, pane.classes)
        named = memo.named.get(kind)
        if named is None:
            named = memo.named[kind] = _pseudo_classes(stylesheet, pane)
        if pane.COMPONENT_CLASSES:
            if not rehearsal:
                stylesheet.apply(pane)
            continue
        app, *nodes = pane.css_path_nodes
        # a widget's app-wide pseudo-classes are the app's state, the same
        # for each node: asked once (of the pane), not of every node
        path = (_state(app, named, states), _state(pane, named & APP_WIDE, states),
                *(_state(node, named - APP_WIDE, states) for node in nodes))
        known = memo.rules.get(path)
        if known is None:
            if rehearsal:
                memo.rules[path] = _rules_of(stylesheet, pane)
                continue
            stylesheet.apply(pane)
            memo.rules[path] = dict(pane.styles.base._rules)
            continue
        if rehearsal:
            continue
        base = pane.styles.base
        current = base._rules
        changed = [name for name in current.keys() | known.keys() if current.get(name) != known.get(name)]
        for name in changed:
            setattr(base, name, known.get(name))
        if changed:
            pane.notify_style_update()


def _state(node: DOMNode, named: frozenset[str], states: dict[tuple[int, frozenset[str]], tuple]) -> tuple:
    """What rules naming the pseudo-classes `named` can see of `node`."""
    key = (id(node), named)
    state = states.get(key)
    if state is None:
        state = states[key] = (type(node), node.id, node.classes,
                               frozenset(name for name in named if node.has_pseudo_class(name)))
    return state


class _Capture:
    """Stands in for a stylesheet in `Stylesheet.apply`: keeps the rules it
    would set on the node instead of setting them."""

    def __init__(self, stylesheet: Stylesheet) -> None:
        self._stylesheet = stylesheet
        self.captured: Mapping[str, Any] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stylesheet, name)

    def replace_rules(self, node: DOMNode, rules: Mapping[str, Any], animate: bool = False) -> None:
        self.captured = rules

    def _process_component_classes(self, node: DOMNode) -> None:
        pass  # a pane with component classes is not rehearsed


# What `Stylesheet.apply` sets on a node besides its rules: put back after a rehearsal.
_APPLY_FLAGS = ("_has_hover_style", "_has_focus_within", "_has_order_style", "_has_odd_or_even")


def _rules_of(stylesheet: Stylesheet, pane: DOMNode) -> dict[str, Any]:
    """The rules `stylesheet.apply` would give `pane` where it is now, as
    its base styles would hold them; the pane is left as it was."""
    capture = _Capture(stylesheet)
    flags = [getattr(pane, name) for name in _APPLY_FLAGS]
    try:
        type(stylesheet).apply(capture, pane)  # type: ignore[arg-type]
    finally:
        for name, value in zip(_APPLY_FLAGS, flags):
            setattr(pane, name, value)
    styles = Styles()  # the base styles' setters, as `replace_rules` uses them
    for name, value in capture.captured.items():
        setattr(styles, name, value)
    return dict(styles._rules)


def _memo_for(rules: list) -> _Memo:
    key = tuple(map(id, rules))
    entry = _BY_RULES.get(key)
    if entry is None:
        entry = _BY_RULES[key] = (list(rules), _Memo())
        while len(_BY_RULES) > MEMOS_KEPT:
            _BY_RULES.popitem(last=False)
    return entry[1]


def _pseudo_classes(stylesheet: Stylesheet, pane: DOMNode) -> frozenset[str]:
    """Every pseudo-class named by a rule that could apply to `pane` (the
    rules Textual's `apply` starts from)."""
    rules_map = stylesheet.rules_map
    return frozenset(name for selector in rules_map.keys() & pane._selector_names
                     for rule in rules_map[selector] for name in rule.pseudo_classes)
