"""A step reaches the terminal as one frame.

Over SSH every frame is bytes and a learner's wait, and a step drawn in two
frames (text first, values a moment later; or a pane painted, resized and
painted again) is what made steps slow and heavy (issue 3). These tests
count the screen updates Textual sends for one key press -- no timing, so
they hold on a busy machine -- and guard the design that keeps it to one:
results run ahead of the learner, panes that repaint instead of laying out
(LinePane), and resized panes painted once (PaintOnce).
"""

from __future__ import annotations

import pytest
from textual._compositor import Compositor

from tutor.lesson import load_lessons
from tutor.ui.app import make_app

LESSONS = load_lessons(None)


@pytest.fixture
def frames(monkeypatch):
    """A list that gets one entry per screen update sent to the terminal."""
    sent: list[int] = []
    original = Compositor.render_update

    def counting(self, *args, **kwargs):
        update = original(self, *args, **kwargs)
        if update is not None:
            sent.append(1)
        return update

    monkeypatch.setattr(Compositor, "render_update", counting)
    return sent


async def _ready(app, pilot) -> None:
    for _ in range(100):
        await pilot.pause(0.05)
        if app.torch_ready:
            break
    await app.workers.wait_for_complete()
    await pilot.pause(0.3)


async def _step(app, pilot, key: str) -> None:
    await pilot.press(key)
    await pilot.pause(0.25)  # the prefetch timer, its worker, any late frame
    await app.workers.wait_for_complete()
    await pilot.pause(0.05)


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.id for lesson in LESSONS])
async def test_every_step_is_one_frame(lesson, frames, tmp_path):
    """Back through the lesson and forward again: each `n` and `p` (every
    pane has been shown once, so each has a size) sends one update, also
    from one code exercise to the next (the editor's text replaced, its
    scrollbars shown or hidden)."""
    app = make_app(lessons=LESSONS, lang="en", seed=0, learner="ana", store=None, start_lesson=lesson.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(app, pilot)
        screen = app.screen
        for _ in range(screen.total - 1):
            await _step(app, pilot, "n")
        counts = {}
        for key in ["p"] * (screen.total - 1) + ["n"] * (screen.total - 1):
            frames.clear()
            await _step(app, pilot, key)
            step = lesson.steps[screen.index]
            if step.plot is not None and step.plot.animate:
                continue  # the training loop's curve grows over ~2 s on purpose
            counts[(key, screen.index + 1)] = len(frames)
        assert counts and all(n == 1 for n in counts.values()), {k: v for k, v in counts.items() if v != 1}


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.id for lesson in LESSONS])
async def test_first_pass_is_one_frame_a_step(lesson, frames, tmp_path):
    """A learner's first walk through a lesson: panes shown for the first
    time (the question, the diagram, the plot, the code editor and, for a
    long exercise, its scrollbars) still come in the step's one frame."""
    app = make_app(lessons=LESSONS, lang="en", seed=0, learner="ana", store=None, start_lesson=lesson.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await _ready(app, pilot)
        screen = app.screen
        counts = {}
        for _ in range(screen.total - 1):
            frames.clear()
            await _step(app, pilot, "n")
            step = lesson.steps[screen.index]
            if step.plot is not None and step.plot.animate:
                continue
            counts[screen.index + 1] = len(frames)
        assert counts and all(n == 1 for n in counts.values()), {k: v for k, v in counts.items() if v != 1}
