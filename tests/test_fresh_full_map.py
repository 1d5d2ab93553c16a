"""A layout arranges the lesson screen's widgets once (tutor/ui/fresh_full_map.py):
Textual's reflow left the full map it had just built marked stale, and the
first region asked for after it arranged the whole tree again."""

from __future__ import annotations

from textual._compositor import Compositor

from test_app import BY_ID, build, settle
from test_keys_fast import _walk_to
from tutor.ui import fresh_full_map
from tutor.ui.app import TutorApp  # noqa: F401  (importing the app applies the wrap)


def test_importing_the_app_wraps_reflow():
    """Fails after a Textual upgrade that drops the mark (the wrap then
    stands aside): check that reflow still builds the full map, and what
    marks it stale, before restoring it."""
    assert Compositor.reflow is fresh_full_map._reflow
    assert fresh_full_map.apply()


async def test_the_key_that_shows_the_editor_arranges_the_screen_once(monkeypatch):
    """sgd's `write-loop` after its plot step shows the editor and resizes
    every column: one arrangement of the whole tree, the layout's own, and
    every widget's region is the one a map built afresh gives."""
    arranged: list[bool] = []
    original = Compositor._arrange_root

    def counting(self, root, size, visible_only=True):
        arranged.append(visible_only)
        return original(self, root, size, visible_only=visible_only)

    monkeypatch.setattr(Compositor, "_arrange_root", counting)
    steps = [step.id for step in BY_ID["sgd"].steps]
    app = build(None, start="sgd")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await _walk_to(app, pilot, steps.index("write-loop") - 1)
        await pilot.pause(0.3)
        await settle(app, pilot)
        arranged.clear()
        await pilot.press("n")
        assert screen.step.id == "write-loop"
        assert arranged.count(False) == 1, arranged  # the reflow's, not a second for the first region asked
        await settle(app, pilot)
        compositor = screen._compositor
        fresh, _ = original(compositor, screen, compositor.size, visible_only=False)
        for widget in screen.query("*"):
            if widget.display and widget in fresh:
                assert widget.region == fresh[widget].region, widget
