"""`python -m tutor check --run`: every lesson run headless, and what went
wrong at run time reported as `FILE:LINE: message`.

`check` alone reads the files; what only running shows (a step that never
ends or ends its process, code that raises, a `show` expression that fails,
a question whose live answer cannot be an answer of its kind) is found here,
before a learner meets it. Each step runs within its time limit, in a child
process (tutor.runner), so a broken lesson cannot hang or end the check.
"""

from __future__ import annotations

from .lesson import Lesson, LessonError


def run_problems(lessons: list[Lesson], *, seed: int = 0, lang: str = "en",
                 time_limit: float | None = None) -> list[LessonError]:
    """Run each lesson with its default params; one problem per step error
    and per failed `show` expression, at the step's line."""
    from .runner import LessonRun, load_torch

    if lessons:
        load_torch(warm=True)  # once here, not once in each lesson's child
    problems: list[LessonError] = []
    for lesson in lessons:
        run = LessonRun(lesson, seed=seed, lang=lang, time_limit=time_limit)
        try:
            results = run.run_all()
        finally:
            run.close()
        for result in results:
            step = result.step
            where = f"step {result.index + 1} ('{step.id}')"
            line = step.line if step.line > 0 else 1
            for expr, error in result.show_errors.items():
                problems.append(LessonError(lesson.path, line, f"{where}: show '{expr}': {_one_line(error)}"))
            if result.error:
                problems.append(LessonError(lesson.path, line, f"{where}: {_one_line(result.error)}"))
    return problems


def _one_line(text: str) -> str:
    """An error of several lines (`line 2: b = a / 0` / `ZeroDivisionError: ...`) on one."""
    return "; ".join(part.strip() for part in text.splitlines() if part.strip())
