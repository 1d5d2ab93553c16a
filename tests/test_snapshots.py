"""SVG snapshots of the app: the menu and a key step of every lesson at
80x24 (the smallest supported window), and the wide layout at 120x40.

Deterministic by construction: seed 0, language "en", a fresh progress
store, torch loaded and every step worker and animation finished before the
picture is taken, nothing focused that blinks. Update with
`pytest tests/test_snapshots.py --snapshot-update` only after looking at
the report (snapshot_report.html) or the SVGs.
"""

from __future__ import annotations

import pytest

from tutor.lesson import load_lessons
from tutor.progress import ProgressStore
from tutor.ui.app import make_app

LESSONS = {lesson.id: lesson for lesson in load_lessons(None)}

# (lesson, step id): the step that shows best what the lesson is about
KEY_STEPS = [
    ("slope", "autograd"),  # function, tangent, autograd's slope
    ("convexity", "descent-convex"),  # descent paths reaching the minimum
    ("training", "gradients"),  # diagram at L2, gradients
    ("backprop-order", "l1"),  # diagram at L1, hand chain rule vs autograd
    ("backprop-pytorch", "layer1"),  # the 4x8 gradient
    ("manual-update", "every-layer"),  # what an update changed
    ("sgd", "loop"),  # the loss curve, fully drawn
    ("practice", "shape"),  # a question before its answer
]


def _step_index(lesson_id: str, step_id: str) -> int:
    return next(i for i, s in enumerate(LESSONS[lesson_id].steps) if s.id == step_id)


def _app(tmp_path, lesson_id=None, index=0, lang="en"):
    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    if lesson_id is not None:
        store.set_position(lesson_id, index, len(LESSONS[lesson_id].steps))
    return make_app(lessons=list(LESSONS.values()), lang=lang, seed=0, learner="ana", store=store,
                    start_lesson=lesson_id)


async def _settled(pilot) -> None:
    """Torch loaded, steps run, the loss curve fully drawn."""
    app = pilot.app
    for _ in range(600):
        await pilot.pause()
        await app.workers.wait_for_complete()
        screen = app.screen
        growing = any(getattr(plot, "animating", False) for plot in screen.query("PlotPane"))
        busy = getattr(screen, "busy", False) or growing
        if app.torch_ready and not busy:
            break
        await pilot.pause(0.05)
    await pilot.pause()


class TestMenu:
    def test_menu_80x24(self, snap_compare, tmp_path):
        assert snap_compare(_app(tmp_path), terminal_size=(80, 24), run_before=_settled)

    def test_menu_pt_80x24(self, snap_compare, tmp_path):
        assert snap_compare(_app(tmp_path, lang="pt"), terminal_size=(80, 24), run_before=_settled)

    def test_help_80x24(self, snap_compare, tmp_path):
        assert snap_compare(_app(tmp_path), press=["question_mark"], terminal_size=(80, 24), run_before=_settled)

    def test_too_small_60x20(self, snap_compare, tmp_path):
        assert snap_compare(_app(tmp_path), terminal_size=(60, 20), run_before=_settled)


class TestLessonSteps:
    @pytest.mark.parametrize("lesson_id,step_id", KEY_STEPS, ids=[k for k, _ in KEY_STEPS])
    def test_key_step_80x24(self, snap_compare, tmp_path, lesson_id, step_id):
        index = _step_index(lesson_id, step_id)
        app = _app(tmp_path, lesson_id, index)
        assert snap_compare(app, terminal_size=(80, 24), run_before=_settled)


class TestWide:
    def test_slope_plot_120x40(self, snap_compare, tmp_path):
        app = _app(tmp_path, "slope", _step_index("slope", "autograd"))
        assert snap_compare(app, terminal_size=(120, 40), run_before=_settled)

    def test_backprop_pytorch_200x50(self, snap_compare, tmp_path):
        app = _app(tmp_path, "backprop-pytorch", _step_index("backprop-pytorch", "layer1"))
        assert snap_compare(app, terminal_size=(200, 50), run_before=_settled)


class TestCodeEditor:
    def test_code_step_after_a_run_80x24(self, snap_compare, tmp_path):
        """The practice lesson's first code exercise at 80x24: the editor in
        the code pane's place, after a run whose `grad` has the wrong shape
        (the check's verdict, the mistake's message, the learner's values);
        the editor left with Esc, so no cursor blinks."""
        app = _app(tmp_path, "practice", _step_index("practice", "write-gradients"))

        async def run_once(pilot) -> None:
            await _settled(pilot)
            await pilot.press("a", "f7", *"loss.backward()", "enter", *"grad = model[0].weight.grad.T", "ctrl+r")
            for _ in range(200):
                await pilot.pause(0.05)
                await pilot.app.workers.wait_for_complete()
                if not pilot.app.screen._code_running:
                    break
            await pilot.press("escape")
            await _settled(pilot)

        assert snap_compare(app, terminal_size=(80, 24), run_before=run_once)
