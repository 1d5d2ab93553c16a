"""The practice lesson as a learner meets it: a wrong answer, a hint, the right
answer, every exercise to the end; then the score on the menu and in the
store."""

from __future__ import annotations

from textual.widgets import Input

from test_app import BY_ID, build, screen_text, settle  # the app tests' helpers
from test_code_editor import run  # a run of the code in the editor
from tutor.progress import ProgressStore
from tutor.values import ListValue, NumberValue, TextValue, as_float, as_shape


def typed_answer(question, expected) -> str:
    """What a learner who knows the answer types, from the live value."""
    if question.kind == "number":
        return f"{as_float(expected):.6g}"
    if question.kind == "shape":
        return ", ".join(str(n) for n in as_shape(expected))
    if question.kind == "sign":
        value = as_float(expected)
        return "0" if abs(value) <= question.tolerance else "+" if value > 0 else "-"
    if question.kind == "choice":
        assert isinstance(expected, TextValue)
        return expected.text
    assert isinstance(expected, ListValue)
    return " ".join(str(i.value if isinstance(i, NumberValue) else i.text) for i in expected.items)


async def leave_the_answer_box(app, pilot) -> None:
    """Esc leaves the answer box; pressed elsewhere it would open the menu."""
    if isinstance(app.focused, Input):
        await pilot.press("escape")


def wrong_answer(question, expected) -> str:
    if question.kind == "number":
        return f"{as_float(expected) + 10 * max(question.tolerance, 1e-3) + 1:.6g}"
    if question.kind == "shape":
        return ", ".join(str(n + 1) for n in as_shape(expected))
    if question.kind == "choice":
        return next(o.key for o in question.options if o.key != expected.text)
    return "0" if typed_answer(question, expected) != "0" else "+"


async def test_practice_wrong_then_hint_then_right_and_the_score(tmp_path):
    lesson = BY_ID["practice"]
    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    app = build(store, start="practice")
    async with app.run_test(size=(80, 40)) as pilot:
        await settle(app, pilot)
        for _ in range(100):  # the lesson opens once torch has loaded
            if getattr(app.screen, "result", None) is not None:
                break
            await pilot.pause(0.1)
            await settle(app, pilot)
        for index, step in enumerate(lesson.steps):
            question = step.question
            assert question is not None, "every practice step is an exercise"
            if question.kind == "code":  # pasted into the editor (typing: test_code_editor), Ctrl+R
                app.screen.query_one("#editor").put(question.code.solution)
                assert "+ Right: your code passes every check." in await run(app, pilot), step.id
                await pilot.press("n")
                await settle(app, pilot)
                continue
            expected = app.screen.result.expected
            if index == 0:
                await pilot.press("a", *wrong_answer(question, expected), "enter")
                await settle(app, pilot)
                assert "Not quite." in screen_text(app)
                await leave_the_answer_box(app, pilot)
                await pilot.press("h")
                await settle(app, pilot)
                assert f"Hint 1/{len(question.hints)}" in screen_text(app)
            await pilot.press("a", "ctrl+a", "ctrl+k", *typed_answer(question, expected), "enter")
            await settle(app, pilot)
            assert "Right!" in screen_text(app), (step.id, typed_answer(question, expected))
            await leave_the_answer_box(app, pilot)
            if index + 1 < len(lesson.steps):
                await pilot.press("n")
                await settle(app, pilot)

        first = store.question("practice", lesson.steps[0].id)
        assert first.solved and len(first.attempts) == 2 and first.hints == 1
        assert [a.correct for a in first.attempts] == [False, True]
        ids = [s.id for s in lesson.steps]
        summary = store.lesson_summary("practice", len(ids), ids)
        # one hint costs a quarter of one exercise's point
        assert summary.status == "done" and summary.solved == len(ids)
        assert summary.score == round(100 * (len(ids) - 0.25) / len(ids))

        await pilot.press("l")  # the menu shows the score
        await settle(app, pilot)
        row = next(line for line in screen_text(app).splitlines() if "let's practice" in line.lower())
        assert f"{len(ids)}/{len(ids)}" in row and row.split()[-2] == f"{summary.score}%"  # questions, score
    store.close()
