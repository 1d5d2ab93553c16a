"""Steps drawn from what a classroom server's warm process rendered.

Before it forks any session, the warm process walks the shared lessons at
80x24 with `shared_lines.keeping()` on (tutor.serve.forker.rehearse). A
session of that size, language and theme then finds each step's
explanation, code, values and plot laid out, and renders none of them: the
same cells on screen, for less CPU a key. These tests walk a lesson as the
warm process does, then as a session would, and compare with a session
that found nothing kept.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from screens import screen_text
from tutor.lesson import load_lessons
from tutor.ui import shared_lines
from tutor.ui.app import make_app
from tutor.ui.widgets import plot_pane
from tutor.ui.widgets.tensor_view import TensorView
from tutor.ui.widgets.text_pane import TextPane

REPO = Path(__file__).resolve().parent.parent
LESSONS = load_lessons(None)
LESSON = next(lesson for lesson in LESSONS if lesson.id == "convexity")  # text, code, values, plots, a question


@pytest.fixture
def shared(monkeypatch):
    """The lesson's results shared (as the warm process has them), and an
    empty store of kept lines, for this test only."""
    import tutor.runner

    monkeypatch.setattr(tutor.runner, "_shared_results", {})
    assert tutor.runner.share_results([LESSON], 0, ("en",), 120) == [LESSON.id]
    shared_lines.forget()
    yield
    shared_lines.forget()


def count_rendering(patch=setattr) -> dict[str, int]:
    """How many times text panes render Markdown or code, the values pane
    lays values out and the plot pane builds a canvas, from now on
    (`patch`: monkeypatch's setattr, to undo it after the test)."""
    counts = {"text": 0, "values": 0, "plots": 0}
    render, build, canvas = TextPane.render_renderable, TensorView._build, plot_pane._build_canvas

    def counting_render(self, renderable, width):
        counts["text"] += 1
        return render(self, renderable, width)

    def counting_build(self, *args, **kwargs):
        counts["values"] += 1
        return build(self, *args, **kwargs)

    def counting_canvas(*args, **kwargs):
        counts["plots"] += 1
        return canvas(*args, **kwargs)

    patch(TextPane, "render_renderable", counting_render)
    patch(TensorView, "_build", counting_build)
    patch(plot_pane, "_build_canvas", counting_canvas)
    return counts


@pytest.fixture
def renders(monkeypatch) -> dict[str, int]:
    return count_rendering(monkeypatch.setattr)


async def walk(lesson, lang: str = "en", opened=lambda: None, each_step=None) -> list[str]:
    """Every step of `lesson` with `n`, as a learner at 80x24 sees it (the
    next step prepared while they read, as in a session); `opened` is
    called once the lesson's first step is on screen, and `each_step(app,
    pilot)` (a coroutine) on every step after it."""
    app = make_app(lessons=[lesson], lang=lang, seed=0, learner="ana", store=None, start_lesson=lesson.id)
    seen = []
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.3)
        await app.workers.wait_for_complete()
        seen.append(screen_text(app))
        opened()
        for _ in range(len(lesson.steps) - 1):
            await pilot.press("n")
            await pilot.pause(0.25)  # the prefetch timer
            await app.workers.wait_for_complete()
            await pilot.pause(0.05)
            seen.append(screen_text(app))
            if each_step is not None:
                await each_step(app, pilot)
    return seen


async def test_a_session_draws_kept_steps_without_rendering_them(shared, renders):
    fresh = await walk(LESSON)
    assert all(renders.values()), renders  # a session on its own renders them
    with shared_lines.keeping():
        await walk(LESSON)  # the warm process's walk
    assert shared_lines.count() > 0
    renders.update(text=0, values=0, plots=0)
    opening = {}
    drawn = await walk(LESSON, opened=lambda: opening.update(renders))
    assert drawn == fresh  # the same cells on screen, step by step
    # the first step's values come before a layout gave the pane a width
    assert opening == {"text": 0, "values": 1, "plots": 0}
    assert renders == opening  # and not one more, step after step


async def test_a_cursor_in_the_values_leaves_kept_lines_as_they_were(shared):
    """Tab into the values pane draws the cursor by rewriting lines in
    place: on a step drawn from kept lines, it rewrites its own copy."""
    with shared_lines.keeping():
        await walk(LESSON)
    before = await walk(LESSON)

    async def visit_the_values(app, pilot):
        app.screen.query_one("#values").focus()
        await pilot.press("down", "right")
        app.screen.query_one("#explain-pane").focus()
        await pilot.pause(0.05)

    await walk(LESSON, each_step=visit_the_values)
    assert await walk(LESSON) == before


async def test_nothing_is_kept_outside_the_warm_walk(shared):
    await walk(LESSON)
    assert shared_lines.count() == 0  # a session's (or the local app's) store never grows


async def test_kept_lines_serve_only_the_same_words(shared):
    """Lines are kept under the text itself, not the lesson's id and step:
    a teacher's lesson with the same id but other words shows its own."""
    with shared_lines.keeping():
        await walk(LESSON)
    steps = list(LESSON.steps)
    changed = dict(steps[1].text, en="A teacher's own words about the **order** of the gradients.")
    steps[1] = dataclasses.replace(steps[1], text=changed)
    other = dataclasses.replace(LESSON, steps=tuple(steps))
    drawn = await walk(other)
    assert "A teacher's own words" in drawn[1]
    assert "A teacher's own words" not in "".join(drawn[:1] + drawn[2:])


async def test_another_language_is_rendered_not_taken_from_kept_lines(shared, renders):
    with shared_lines.keeping():
        await walk(LESSON)
    renders.update(text=0, values=0, plots=0)
    drawn = await walk(LESSON, "pt")
    assert renders["text"] > 0
    assert LESSON.steps[1].title["pt"] in drawn[1]


REHEARSE = textwrap.dedent('''
    import asyncio, json, sys
    sys.path.insert(0, "tests")
    from test_shared_lines import LESSON, count_rendering, walk
    from tutor.serve import forker
    from tutor.ui import shared_lines
    shared = forker.share_lesson_results([LESSON], {"seed": 0, "langs": ["pt", "en"]})
    drawn = forker.rehearse([LESSON], shared, 0, langs=["pt", "en"])
    texts = {slot[1][1] for slot in shared_lines._kept if slot[0] == "text" and slot[1][0] == "explain"}
    renders = count_rendering()
    asyncio.run(walk(LESSON, "pt", opened=lambda: renders.update(text=0, values=0, plots=0)))  # a session forked now
    print(json.dumps({"shared": shared, "drawn": drawn, "texts": sorted(texts), "renders": renders}))
''')


def test_the_warm_process_walks_every_step_in_each_language():
    """forker.rehearse itself, as the pre-fork process runs it (in a process
    of its own: it is one), then a session's walk in that process."""
    out = subprocess.run([sys.executable, "-c", REHEARSE], cwd=REPO, capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["shared"] == {"pt": ["convexity"], "en": ["convexity"]}
    titles = {step.title[lang] for step in LESSON.steps for lang in ("en", "pt")}
    assert set(result["texts"]) == titles  # every step's explanation, in both languages
    assert result["drawn"] == 2 * len(LESSON.steps)
    assert result["renders"] == {"text": 0, "values": 0, "plots": 0}  # after the first step, nothing to render
