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
        problems += _code_problems(lesson, seed=seed, lang=lang, time_limit=time_limit)
    return problems


def _code_problems(lesson: Lesson, *, seed: int, lang: str, time_limit: float | None) -> list[LessonError]:
    """Each code question tested in full from the namespace its step leaves:
    the solution passes its own checks, the starter as given does not, each
    mistake's example is caught by its mistake; problems as FILE:LINE."""
    from .lesson.check import _Locator
    from .runner import LessonRun

    indexes = [i for i, step in enumerate(lesson.steps) if step.question is not None and step.question.code]
    if not indexes:
        return []
    locator = _Locator(lesson.path.read_text(encoding="utf-8"))
    problems: list[LessonError] = []
    run = LessonRun(lesson, seed=seed, lang=lang, time_limit=time_limit)
    try:
        for index in indexes:
            step = lesson.steps[index]
            for field, number, message in run.validate_code(index):
                path: list = ["steps", index, "question"]
                for part in field.split("."):
                    name, _, rest = part.partition("[")
                    path.append(name)
                    if rest:
                        path.append(int(rest.rstrip("]")))
                line = locator.line(tuple(path))
                if number:
                    line = locator.value_start(line) + number - 1
                problems.append(LessonError(lesson.path, line,
                                            f"step {index + 1} ('{step.id}'): {field}: {_one_line(message)}"))
    finally:
        run.close()
    return problems


def _one_line(text: str) -> str:
    """An error of several lines (`line 2: b = a / 0` / `ZeroDivisionError: ...`) on one."""
    return "; ".join(part.strip() for part in text.splitlines() if part.strip())
