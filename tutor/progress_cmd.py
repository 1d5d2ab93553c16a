"""`python -m tutor progress [--reset] [--yes]`: a learner's progress, as a table;
`python -m tutor progress --all [--csv]`: every learner's, one row per learner and lesson.

The table is judged against the lesson files as they are now (a lesson that
gained a step is no longer done), so it loads the lessons for their titles,
step counts and question ids; lessons with stored progress that are no longer
in the folder are listed after them. Looking never creates a store: with no
progress file there is simply nothing started yet.

`--all` is the instructor's export: learner, lesson, steps seen, questions
right, hints, revealed, last seen. `--csv` prints the same rows as CSV
(headers are stable English names, for spreadsheets and scripts; the
instructor console writes the same CSV with one key, through `class_rows`
and `write_csv`).
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TextIO

from .i18n import Catalog, pick
from .notation import shortened
from .progress import (
    ClassRecords,
    LessonSummary,
    ProgressError,
    ProgressStore,
    check_learner,
    default_store_path,
)

STRINGS = Catalog(
    {
        "heading": {
            "en": "Progress of learner '{learner}' ({path})",
            "pt": "Progresso de '{learner}' ({path})",
        },
        "col_lesson": {"en": "Lesson", "pt": "Lição"},
        "col_title": {"en": "Title", "pt": "Título"},
        "col_status": {"en": "Status", "pt": "Situação"},
        "col_step": {"en": "Furthest", "pt": "Passo"},
        "col_questions": {"en": "Solved", "pt": "Resolvidas"},
        "col_score": {"en": "Score", "pt": "Nota"},
        "status_new": {"en": "new", "pt": "nova"},
        "status_started": {"en": "started", "pt": "iniciada"},
        "status_done": {"en": "done", "pt": "concluída"},
        "gone": {"en": "(no longer in the lessons)", "pt": "(não está mais nas lições)"},
        "revealed": {"en": "{n} revealed", "pt": "{n} revelada(s)"},
        "resume": {
            "en": "Resume: {lesson}, step {step} of {total}.",
            "pt": "Continuar: {lesson}, passo {step} de {total}.",
        },
        "nothing_yet": {
            "en": "No progress yet: every lesson is new.",
            "pt": "Nenhum progresso ainda: todas as lições são novas.",
        },
        "confirm": {
            "en": "Erase all progress of learner '{learner}' in {path}? Type yes to confirm: ",
            "pt": "Apagar todo o progresso de '{learner}' em {path}? Digite sim para confirmar: ",
        },
        "kept": {
            "en": "Nothing erased.",
            "pt": "Nada foi apagado.",
        },
        "erased": {
            "en": "Erased the progress of learner '{learner}'.",
            "pt": "O progresso de '{learner}' foi apagado.",
        },
        "nothing_to_erase": {
            "en": "Learner '{learner}' has no progress to erase.",
            "pt": "'{learner}' não tem progresso para apagar.",
        },
        "error": {"en": "tutor: {message}", "pt": "tutor: {message}"},
        "all_heading": {
            "en": "Progress of every learner ({path})",
            "pt": "Progresso de todos os alunos ({path})",
        },
        "all_nothing": {
            "en": "No progress yet: no learner has started a lesson.",
            "pt": "Nenhum progresso ainda: nenhum aluno começou uma lição.",
        },
        "col_learner": {"en": "Learner", "pt": "Aluno"},
        "col_steps": {"en": "Steps", "pt": "Passos"},
        "col_right": {"en": "Right", "pt": "Certas"},
        "col_hints": {"en": "Hints", "pt": "Dicas"},
        "col_revealed": {"en": "Revealed", "pt": "Reveladas"},
        "col_seen": {"en": "Last seen", "pt": "Visto por último"},
        "csv_alone": {
            "en": "tutor: --csv goes with --all (every learner's progress)",
            "pt": "tutor: --csv vai junto com --all (o progresso de todos os alunos)",
        },
        "all_reset": {
            "en": "tutor: --all cannot be combined with --reset (reset one learner at a time)",
            "pt": "tutor: --all não combina com --reset (apague um aluno de cada vez)",
        },
    }
)

YES = {"en": {"yes"}, "pt": {"sim", "yes"}}
TITLE_WIDTH = 36


def main(args, stdin: TextIO | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Print the table, or reset after confirmation. 0 on success, 1 when a reset
    was not confirmed, 2 when the store cannot be read (or, for a reset,
    written). A store that can be read but not written is shown, with its
    warning on stderr (see the rule in `tutor.progress`)."""
    stdin, stdout, stderr = stdin or sys.stdin, stdout or sys.stdout, stderr or sys.stderr
    lang = getattr(args, "lang", None) or "en"
    learner = getattr(args, "learner", None)
    learner = "default" if learner is None else learner
    path = default_store_path(getattr(args, "data_dir", None))
    every, as_csv = bool(getattr(args, "all", False)), bool(getattr(args, "csv", False))
    if as_csv and not every:
        print(STRINGS.get("csv_alone", lang), file=stderr)
        return 2
    if every and getattr(args, "reset", False):
        print(STRINGS.get("all_reset", lang), file=stderr)
        return 2
    try:
        if every:
            return _show_all(args, path, lang, as_csv, stdout, stderr)
        if getattr(args, "reset", False):
            return _reset(path, learner, bool(getattr(args, "yes", False)), lang, stdin, stdout, stderr)
        return _show(args, path, learner, lang, stdout, stderr)
    except ProgressError as exc:
        print(STRINGS.get("error", lang, message=exc), file=stderr)
        return 2


def _open(path, learner: str, lang: str, stderr: TextIO, *, writing: bool = False) -> ProgressStore:
    """The store, its warning told on stderr. A store whose file could not be
    read (or, to erase, not written) is an error here: a table of "new"
    lessons over progress that could not be read would be false."""
    store = ProgressStore(path, learner, lang=lang)
    if store.warning:
        if not store.readable or (writing and not store.saving):
            store.close()
            raise ProgressError(store.warning)
        print(STRINGS.get("error", lang, message=store.warning), file=stderr)
    return store


def _reset(path, learner: str, yes: bool, lang: str, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    if not path.exists():
        print(STRINGS.get("nothing_to_erase", lang, learner=check_learner(learner, lang)), file=stdout)
        return 0
    with _open(path, learner, lang, stderr, writing=True) as store:
        if not yes:
            stdout.write(STRINGS.get("confirm", lang, learner=store.learner, path=path))
            stdout.flush()
            reply = stdin.readline()  # "" at end of input: no answer is no
            if not reply or not _is_tty(stdin):  # no terminal echoed the reply's newline
                stdout.write("\n")
            if reply.strip().lower() not in YES.get(lang, YES["en"]):
                print(STRINGS.get("kept", lang), file=stdout)
                return 1
        store.reset()
        print(STRINGS.get("erased", lang, learner=store.learner), file=stdout)
    return 0


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _show(args, path, learner: str, lang: str, stdout: TextIO, stderr: TextIO) -> int:
    from .lesson import load_lessons

    lessons = load_lessons(getattr(args, "lessons", None))  # LessonLoadError: the CLI reports it
    if path.exists():
        store = _open(path, learner, lang, stderr)
    else:
        check_learner(learner, lang)
        store = None
    rows: list[tuple[str, str, LessonSummary | None, int]] = []
    resume = None
    try:
        known = set()
        for lesson in lessons:
            ids = [step.id for step in lesson.steps if step.question is not None]
            known.add(lesson.id)
            if store is None:
                rows.append((lesson.id, pick(lesson.title, lang), None, len(lesson.steps)))
                continue
            summary = store.lesson_summary(lesson.id, len(lesson.steps), ids)
            rows.append((lesson.id, pick(lesson.title, lang), summary, len(lesson.steps)))
        if store is not None:
            for summary in store.summary():
                if summary.lesson_id not in known:
                    rows.append((summary.lesson_id, STRINGS.get("gone", lang), summary, summary.total_steps))
            last = store.last_lesson()
            if last is not None and last in known:
                lesson = next(lesson for lesson in lessons if lesson.id == last)
                position = store.position(last)
                if position is not None and position < len(lesson.steps):
                    resume = (last, position + 1, len(lesson.steps))
    finally:
        if store is not None:
            store.close()

    print(STRINGS.get("heading", lang, learner=learner.strip(), path=path), file=stdout)
    print(file=stdout)
    stdout.write(_table(rows, lang))
    print(file=stdout)
    if resume:
        print(STRINGS.get("resume", lang, lesson=resume[0], step=resume[1], total=resume[2]), file=stdout)
    elif all(summary is None or summary.status == "new" for _, _, summary, _ in rows):
        print(STRINGS.get("nothing_yet", lang), file=stdout)
    return 0


def _table(rows, lang: str) -> str:
    header = [
        "#",
        STRINGS.get("col_lesson", lang),
        STRINGS.get("col_title", lang),
        STRINGS.get("col_status", lang),
        STRINGS.get("col_step", lang),
        STRINGS.get("col_questions", lang),
        STRINGS.get("col_score", lang),
    ]
    lines = [header]
    for n, (lesson_id, full_title, summary, total_steps) in enumerate(rows, 1):
        title = shortened(full_title, TITLE_WIDTH, at_word=True)
        status = summary.status if summary else "new"
        if summary is None or summary.status == "new":
            step, solved, score = f"-/{total_steps}", "-", "-"
        else:
            furthest = "-" if summary.furthest is None else str(summary.furthest + 1)
            step = f"{furthest}/{total_steps}"
            solved = f"{summary.solved}/{summary.total_questions}"
            if summary.revealed:
                solved += " (" + STRINGS.get("revealed", lang, n=summary.revealed) + ")"
            score = f"{summary.score}%" if summary.total_questions else "-"
        lines.append([str(n), lesson_id, title, STRINGS.get(f"status_{status}", lang), step, solved, score])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    right = {0, 4, 6}  # numbers line up on the right
    out = []
    for line in lines:
        cells = [cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(line, widths))]
        out.append("  ".join(cells).rstrip() + "\n")
    return "".join(out)


# ------------------------------------------------------------ every learner


@dataclass(frozen=True)
class ClassRow:
    """One learner in one lesson: what `progress --all` prints and the console exports."""

    learner: str
    lesson: str
    steps_seen: int  # the furthest step reached, counted from 1 (0: none)
    steps: int  # the lesson's steps (from the lesson file when it is known)
    right: int  # questions answered right
    questions: int  # the lesson's questions (from the file), else those stored
    hints: int
    revealed: int  # questions revealed and never answered right (as in `progress`)
    last_seen: datetime | None


CSV_FIELDS = ("learner", "lesson", "steps_seen", "steps", "right", "questions", "hints", "revealed", "last_seen")


def class_rows(records: ClassRecords, lessons: Iterable[Any] = ()) -> list[ClassRow]:
    """Every (learner, lesson) with stored progress, by learner, then in the
    lessons' order (lessons no longer in the folder after, by id)."""
    files = {lesson.id: lesson for lesson in lessons}
    order = {lesson_id: n for n, lesson_id in enumerate(files)}
    places = {(r.learner, r.lesson_id): r for r in records.lessons}
    keys = set(places) | {(q.learner, q.lesson_id) for q in records.questions} \
        | {(a.learner, a.lesson_id) for a in records.attempts}
    seen: dict[tuple[str, str], datetime] = {}

    def saw(key: tuple[str, str], when: datetime) -> None:
        if key not in seen or when > seen[key]:
            seen[key] = when

    for record in records.lessons:
        saw((record.learner, record.lesson_id), record.updated_at)
    for attempt in records.attempts:
        saw((attempt.learner, attempt.lesson_id), attempt.at)
    stored_questions: dict[tuple[str, str], list[Any]] = {}
    for q in records.questions:
        saw((q.learner, q.lesson_id), q.updated_at)
        stored_questions.setdefault((q.learner, q.lesson_id), []).append(q)
    rows = []
    for learner, lesson_id in keys:
        place = places.get((learner, lesson_id))
        questions = stored_questions.get((learner, lesson_id), [])
        lesson = files.get(lesson_id)
        if lesson is not None:
            steps = len(lesson.steps)
            total_questions = sum(step.question is not None for step in lesson.steps)
        else:
            steps = place.total_steps if place is not None else 0
            total_questions = len(questions)
        rows.append(ClassRow(
            learner=learner,
            lesson=lesson_id,
            steps_seen=place.furthest + 1 if place is not None else 0,
            steps=steps,
            right=sum(q.solved_at is not None for q in questions),
            questions=total_questions,
            hints=sum(q.hints for q in questions),
            revealed=sum(q.revealed_at is not None and q.solved_at is None for q in questions),
            last_seen=seen.get((learner, lesson_id)),
        ))
    far = len(order)
    rows.sort(key=lambda r: (r.learner.casefold(), r.learner, order.get(r.lesson, far), r.lesson))
    return rows


def read_class(path, lang: str = "en", stderr: TextIO | None = None) -> ClassRecords:
    """Everyone's records in the store at `path` (empty when there is no
    file: looking never creates one). Raises ProgressError when the file
    cannot be read."""
    if not path.exists():
        return ClassRecords()
    with _open(path, "default", lang, stderr or sys.stderr) as store:
        return store.everyone()


def write_csv(rows: Iterable[ClassRow], stream: TextIO) -> None:
    """The rows as CSV, one header line first; `last_seen` in ISO 8601 (UTC)."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for r in rows:
        writer.writerow([r.learner, r.lesson, r.steps_seen, r.steps, r.right, r.questions, r.hints, r.revealed,
                         r.last_seen.isoformat(timespec="seconds") if r.last_seen else ""])


def _show_all(args, path, lang: str, as_csv: bool, stdout: TextIO, stderr: TextIO) -> int:
    from .lesson import load_lessons

    lessons = load_lessons(getattr(args, "lessons", None))  # LessonLoadError: the CLI reports it
    rows = class_rows(read_class(path, lang, stderr), lessons)
    if as_csv:
        write_csv(rows, stdout)
        return 0
    print(STRINGS.get("all_heading", lang, path=path), file=stdout)
    print(file=stdout)
    if not rows:
        print(STRINGS.get("all_nothing", lang), file=stdout)
        return 0
    header = [STRINGS.get(key, lang) for key in
              ("col_learner", "col_lesson", "col_steps", "col_right", "col_hints", "col_revealed", "col_seen")]
    lines = [header]
    for r in rows:
        when = r.last_seen.astimezone().strftime("%Y-%m-%d %H:%M") if r.last_seen else "-"
        lines.append([r.learner, r.lesson, f"{r.steps_seen}/{r.steps}", f"{r.right}/{r.questions}",
                      str(r.hints), str(r.revealed), when])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    right = {2, 3, 4, 5}
    for line in lines:
        cells = [cell.rjust(w) if i in right else cell.ljust(w) for i, (cell, w) in enumerate(zip(line, widths))]
        print("  ".join(cells).rstrip(), file=stdout)
    return 0
