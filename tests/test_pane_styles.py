"""The panes a code question's step and a plot step size get their rules
from a memo after the first time (tutor/ui/screens/pane_styles.py): the
rules must be, in every state, the ones Textual's own restyle gives."""

from __future__ import annotations

import sys

import pytest
from textual.css.stylesheet import Stylesheet

from test_app import BY_ID, LESSONS, settle
from test_keys_fast import _walk_to, build
from tutor.ui.screens.code_steps import CODE_STEP_PANES
from tutor.ui.screens.lesson import PLOT_STEP_PANES
from tutor.ui.screens.pane_styles import _restyle, _rules_of

PANES = (*CODE_STEP_PANES, *PLOT_STEP_PANES)
# where pane_styles has Textual match a pane's rules: on a key, or ahead
WORKING_OUT = (_restyle.__code__, _rules_of.__code__)


def _first_code_step(lesson_id: str) -> int:
    return next(i for i, step in enumerate(BY_ID[lesson_id].steps)
                if step.question is not None and step.question.kind == "code")


def _rules_as_textual_gives_them(app) -> list[str]:
    """The panes whose rules differ from what Stylesheet.apply gives them
    where they are now (applying them again, to compare)."""
    wrong = []
    for selector in PANES:
        pane = app.screen.query_one(selector)
        held = dict(pane.styles.base._rules)
        app.stylesheet.apply(pane)
        if dict(pane.styles.base._rules) != held:
            wrong.append(selector)
    return wrong


@pytest.mark.parametrize("size", [(80, 24), (140, 40)])
@pytest.mark.parametrize("lesson_id", ["practice", "convexity"])
async def test_remembered_rules_are_textuals_at_every_step_both_ways(monkeypatch, lesson_id, size):
    """Forward through the lesson and back: after every key the panes have
    Textual's rules. Then the lesson opened again (a new screen, as the
    next lesson is) and walked forward: each class change finds its rules
    remembered, and no pane is matched afresh (but the plot, whose
    component styles only Textual's restyle styles)."""
    matched: list = []  # the panes restyle() had Textual match rules for

    original = Stylesheet.apply

    def counting(self, node, *args, **kwargs):
        if sys._getframe(1).f_code in WORKING_OUT:
            matched.append(node)
        return original(self, node, *args, **kwargs)

    monkeypatch.setattr(Stylesheet, "apply", counting)
    app = build(None, lesson_id)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        screen = app.screen
        last = screen.total - 1
        for key in "np":
            for _ in range(last):
                await pilot.press(key)
                await settle(app, pilot)
                assert _rules_as_textual_gives_them(app) == [], f"{lesson_id} step {screen.index + 1}"
        assert matched  # the first pass matched them
        await pilot.press("l")  # the menu
        await settle(app, pilot)
        await pilot.press(*["down"] * [lesson.id for lesson in LESSONS].index(lesson_id), "enter")
        await settle(app, pilot)
        screen = app.screen
        assert screen.lesson.id == lesson_id and screen.index == 0
        matched.clear()
        for _ in range(last):
            await pilot.press("n")
            await settle(app, pilot)
            assert _rules_as_textual_gives_them(app) == [], f"{lesson_id} step {screen.index + 1}, again"
        assert not [node.id for node in matched if not node.COMPONENT_CLASSES]


async def test_a_pane_keeps_its_focus_rules_on_a_remembered_step():
    """The explanation pane has the focus when a lesson opens (its title
    rule heavy and coloured). Unfocused when the code question's step comes
    again, it gets the rules of an unfocused pane, not the ones met first."""
    app = build(None, "practice")
    async with app.run_test(size=(80, 24)) as pilot:
        code_step = _first_code_step("practice")
        screen = await _walk_to(app, pilot, code_step - 1)
        explain = screen.query_one("#explain-pane")
        for key in ("n", "p"):  # the code step's rules, met with the pane focused, and back
            assert explain.has_focus
            await pilot.press(key)
            await settle(app, pilot)
        screen.set_focus(None)
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        assert screen.index == code_step and screen.has_class("-code-step")
        assert not explain.has_focus
        assert _rules_as_textual_gives_them(app) == []


async def test_a_session_sharing_the_parents_parsed_rules_finds_their_memo(monkeypatch):
    """On a classroom server every session parses no CSS: it takes the warm
    parent's rule sets (tutor/serve/shared_css.py). The rules the parent's
    walk worked out for the code step's panes serve the session too: a
    second app with those rule sets matches none of them afresh."""
    from collections import OrderedDict

    from tutor.serve import shared_css
    from tutor.ui.screens import pane_styles

    monkeypatch.setattr(Stylesheet, "_parse_rules", Stylesheet._parse_rules)  # Textual's back afterwards
    monkeypatch.setattr(shared_css, "_parsed", {})
    monkeypatch.setattr(pane_styles, "_BY_RULES", OrderedDict())
    assert shared_css.share_parsed_css()
    matched: list = []
    original = Stylesheet.apply

    def counting(self, node, *args, **kwargs):
        if sys._getframe(1).f_code in WORKING_OUT:
            matched.append(node.id)
        return original(self, node, *args, **kwargs)

    monkeypatch.setattr(Stylesheet, "apply", counting)
    for session in ("parent", "child"):
        matched.clear()
        app = build(None, "practice")
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await _walk_to(app, pilot, _first_code_step("practice"))
            await pilot.pause(0.3)  # the learner reads: the way back is worked out ahead, in both
            await settle(app, pilot)
            assert screen.has_class("-code-step")
            assert _rules_as_textual_gives_them(app) == []
        if session == "parent":
            assert set(matched) >= {"explain-pane", "left", "side", "q-feedback"}
    assert matched == []


@pytest.mark.parametrize(("lesson_id", "step_id"), [("practice", None), ("sgd", "write-loop")])
async def test_the_key_onto_a_code_step_finds_its_rules_worked_out_ahead(monkeypatch, lesson_id, step_id):
    """A learner's own session has no warm parent's walk behind it: while
    the learner reads the step before, the screen works out the rules the
    next key's class changes will need (pane_styles.rehearse), leaving
    every style and class as it was. The key then matches no pane afresh:
    practice's first code step (the session's first), and sgd's
    `write-loop`, the one key that leaves a plot step for a code step."""
    from collections import OrderedDict

    from tutor.ui.screens import pane_styles

    monkeypatch.setattr(pane_styles, "_BY_RULES", OrderedDict())  # a session's first code step
    on_key: list = []
    original = Stylesheet.apply

    def counting(self, node, *args, **kwargs):
        if sys._getframe(1).f_code is _restyle.__code__ and not node.COMPONENT_CLASSES:
            on_key.append(node.id)
        return original(self, node, *args, **kwargs)

    monkeypatch.setattr(Stylesheet, "apply", counting)
    steps = BY_ID[lesson_id].steps
    target = _first_code_step(lesson_id) if step_id is None else [step.id for step in steps].index(step_id)
    app = build(None, lesson_id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _walk_to(app, pilot, target - 1)
        await pilot.pause(0.3)  # the learner reads; the next step runs ahead
        await settle(app, pilot)
        classes = set(screen.classes)
        assert ("-plot-step" in classes) == (step_id is not None) and "-code-step" not in classes
        assert _rules_as_textual_gives_them(app) == []  # the rehearsal changed no style
        on_key.clear()
        await pilot.press("n")
        await settle(app, pilot)
        assert screen.index == target and screen.has_class("-code-step")
        assert on_key == []
        assert _rules_as_textual_gives_them(app) == []
