"""An SVG snapshot of the instructor console at 80x24 (the smallest window):
four learners, one stuck (six minutes on a step), a question answered
wrong by two learners one way and by one another way.

Deterministic by construction: a fixed clock, an in-memory link whose
events are all in before the picture, no progress store. Update with
`pytest tests/test_console_snapshots.py --snapshot-update` only after
looking at the SVG."""

from __future__ import annotations

from tutor.lesson import load_lessons
from tutor.ui.console.app import ConsoleApp
from tutor.ui.console.memory_link import MemoryLink

LESSONS = load_lessons(None)
NOW = 1_800_000_000.0


def _app(tmp_path, lang="en") -> ConsoleApp:
    link = MemoryLink("Prof. Ana", store_path=tmp_path / "progress.sqlite3")
    practice = next(lesson for lesson in LESSONS if lesson.id == "practice")

    def push(kind, learner, t=NOW, **fields):
        link.push({"event": kind, "learner": learner, "session": f"s-{learner}", "t": t, **fields})

    for name, lesson, index, key_age, since in [("bia", practice, 2, 3, 60), ("caio", practice, 2, 41, 60),
                                                ("dani", LESSONS[0], 1, 7, 400), ("edu", practice, 5, 12, 30)]:
        push("join", name, NOW - since, lang=lang)
        push("step", name, NOW - since, lesson=lesson.id, step=lesson.steps[index].id, index=index,
             steps=len(lesson.steps))
        push("key", name, NOW - key_age)
    for name, answer, verdict in [("bia", "16, 8", "wrong"), ("caio", "16, 8", "wrong"), ("caio", "8, 16", "right"),
                                  ("edu", "8", "wrong")]:
        push("answer", name, NOW + 1, lesson="practice", step="shape", question="shape", verdict=verdict,
             answer=answer, tries=1)
    push("hint", "bia", NOW + 1, lesson="practice", step="shape", question="shape", hints=1)
    return ConsoleApp(link, lang=lang, lessons=LESSONS, clock=lambda: NOW)


async def _on_shape_question(pilot) -> None:
    app = pilot.app
    for _ in range(200):
        await pilot.pause(0.01)
        if app.store_loaded.is_set() and app.link._queue.empty():
            break
    app.screen.selected = app.state.question_ids().index(("practice", "shape"))
    app.screen.redraw()
    await pilot.pause()


class TestConsole:
    def test_console_80x24(self, snap_compare, tmp_path):
        assert snap_compare(_app(tmp_path), terminal_size=(80, 24), run_before=_on_shape_question)
