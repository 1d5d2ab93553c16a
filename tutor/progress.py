"""Where each learner is: a small SQLite store, one file for every learner.

The file is `<data dir>/progress.sqlite3`; the data dir is `--data-dir`, else
the `TUTOR_DATA_DIR` environment variable, else
`platformdirs.user_data_dir("tutor")` (`default_data_dir`).

What is kept, per learner (the SSH classroom runs one process per learner
against the same file, so every row carries the learner's name):

- lessons: the current step, the furthest step reached, the lesson's step
  count when last seen, and when it was started and last touched;
- questions (the question id is the step id): hints used, when it was first
  solved (and how many hints had been used by then), when it was revealed;
- attempts: every answer text, right or wrong, with its time, and the
  answer as the checker read it (`normalised`: "8x16" and "8, 16" are one
  answer), so an instructor's console counts the class's answers alike.

Schema versions: 1 kept attempts without their normalised form; 2 adds the
`normalised` column (NULL in rows written before it). A version 1 file is
migrated when it is opened for writing (one `ALTER TABLE`, nothing lost)
and read as it is when it can only be read.

Nothing is lost: every change is its own short transaction, committed before
the method returns, in WAL mode with synchronous=FULL, so killing the process
at any moment leaves a readable store holding every answer already recorded.
Concurrent writers wait for each other (busy_timeout) instead of failing.

The rule for a store that cannot be used: **the store never stops the
tutor.** Opening raises `ProgressError` only for a bad learner name (the
caller's input). Anything else about the file gives a working store and a
one-line `warning`:

- SQLite itself says the file is damaged (not a database, or a failed
  `quick_check`, a subset of `integrity_check`): the only case where a file
  is moved aside, to `progress.sqlite3.broken-<timestamp>` (with its -wal and
  -shm files); a fresh store starts in its place.
- the file is busy (another process holds its lock through three busy
  timeouts), read-only, in a read-only folder, written by a newer tutor, or
  someone else's SQLite file; or the folder cannot be made: the file is left
  exactly as it is, and the learner works on a copy in memory (`saving` is
  False): their progress is shown when it could be read (`readable`), and
  nothing is saved for this session.

A file whose schema is already complete is opened without taking the write
lock, so a long writer elsewhere never delays (or breaks) a learner's start.
The data folder is made 0700 and every file in it 0600 (tightened when they
are ours and looser): progress is each learner's own business.

Opening takes an advisory lock on `progress.sqlite3.lock` beside the store
(left in place: deleting a lock file races with the next process), so that two
learners starting at once never both move a damaged file aside.

The score of a lesson (`LessonSummary.score`, 0-100) rewards solving without
help: a solved question is worth 1 point, less 0.25 per hint used before it
was solved (at least 0.25); a question revealed before it was solved is worth
0. Wrong attempts cost nothing: trying is how one learns.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .i18n import Catalog
from .notation import shortened

SCHEMA_VERSION = 2  # 2: attempts.normalised
FILE_NAME = "progress.sqlite3"
BUSY_TIMEOUT_MS = 10_000
OPEN_ATTEMPTS = 3  # busy timeouts waited before opening read-only
MAX_ANSWER = 500  # characters of an answer kept; the checker refuses more than 200 anyway
MAX_LEARNER = 64

_SCHEMA = """
CREATE TABLE IF NOT EXISTS lessons (
    learner       TEXT    NOT NULL,
    lesson_id     TEXT    NOT NULL,
    current_step  INTEGER NOT NULL,
    furthest_step INTEGER NOT NULL,
    total_steps   INTEGER NOT NULL,
    started_at    TEXT    NOT NULL,
    updated_at    TEXT    NOT NULL,
    touched       INTEGER NOT NULL,   -- per-learner sequence: the latest lesson has the highest
    PRIMARY KEY (learner, lesson_id)
);
CREATE TABLE IF NOT EXISTS questions (
    learner      TEXT    NOT NULL,
    lesson_id    TEXT    NOT NULL,
    question_id  TEXT    NOT NULL,
    hints        INTEGER NOT NULL DEFAULT 0,
    solved_at    TEXT,
    solve_hints  INTEGER,             -- hints used before the first right answer
    revealed_at  TEXT,
    first_at     TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    PRIMARY KEY (learner, lesson_id, question_id)
);
CREATE TABLE IF NOT EXISTS attempts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    learner      TEXT    NOT NULL,
    lesson_id    TEXT    NOT NULL,
    question_id  TEXT    NOT NULL,
    answer       TEXT    NOT NULL,
    correct      INTEGER NOT NULL,
    at           TEXT    NOT NULL,
    normalised   TEXT                 -- the answer as the checker read it (schema 2)
);
CREATE INDEX IF NOT EXISTS attempts_by_question ON attempts (learner, lesson_id, question_id);
CREATE TABLE IF NOT EXISTS params (    -- parameter values the learner set (+ and -), per lesson
    learner    TEXT NOT NULL,
    lesson_id  TEXT NOT NULL,
    name       TEXT NOT NULL,
    value      REAL NOT NULL,
    PRIMARY KEY (learner, lesson_id, name)
);
CREATE TABLE IF NOT EXISTS code (      -- a code question's code as the learner last ran it
    learner      TEXT NOT NULL,
    lesson_id    TEXT NOT NULL,
    question_id  TEXT NOT NULL,
    code         TEXT NOT NULL,
    updated_at   TEXT NOT NULL,
    PRIMARY KEY (learner, lesson_id, question_id)
);
"""
_TABLES = {"lessons", "questions", "attempts", "params", "code", "sqlite_sequence"}


STRINGS = Catalog(
    {
        "learner_empty": {"en": "the learner name is empty", "pt": "o nome do aluno está vazio"},
        "learner_long": {
            "en": "the learner name is longer than {limit} characters",
            "pt": "o nome do aluno tem mais de {limit} caracteres",
        },
        "learner_control": {
            "en": "the learner name has control characters",
            "pt": "o nome do aluno tem caracteres de controle",
        },
        "no_folder": {
            "en": "cannot create the folder {folder}: {error}",
            "pt": "não foi possível criar a pasta {folder}: {error}",
        },
        "read_only": {"en": "it cannot be written ({error})", "pt": "ele não pode ser gravado ({error})"},
        "no_write": {
            "en": "cannot write progress to {path}: {error}",
            "pt": "não foi possível gravar o progresso em {path}: {error}",
        },
        "no_read": {
            "en": "cannot read progress from {path}: {error}",
            "pt": "não foi possível ler o progresso de {path}: {error}",
        },
        "no_move": {
            "en": "{reason}, and it cannot be moved aside ({error})",
            "pt": "{reason}, e não pôde ser renomeado ({error})",
        },
        "busy": {
            "en": "another process has held it locked for too long ({error})",
            "pt": "outro processo o mantém bloqueado há tempo demais ({error})",
        },
        "shown_not_saved": {
            "en": "Progress in {path} is shown but not saved in this session: {reason}.",
            "pt": "O progresso em {path} aparece, mas não será salvo nesta sessão: {reason}.",
        },
        "not_saved": {
            "en": "Progress is not saved in this session: {path} cannot be used: {reason}.",
            "pt": "O progresso não será salvo nesta sessão: {path} não pode ser usado: {reason}.",
        },
        "newer": {
            "en": "it was written by a newer tutor (schema {version}; this one reads up to {ours})",
            "pt": "foi gravado por um tutor mais novo (esquema {version}; este lê até {ours})",
        },
        "damaged": {"en": "it is damaged ({check})", "pt": "está danificado ({check})"},
        "foreign": {
            "en": "it is a SQLite file of something else (tables: {tables})",
            "pt": "é um arquivo SQLite de outra coisa (tabelas: {tables})",
        },
        "unreadable": {"en": "it is not readable ({error})", "pt": "não pode ser lido ({error})"},
        "moved": {
            "en": "The progress file {path} could not be used: {reason}. "
            "It was moved to {aside} and a fresh one started.",
            "pt": "O arquivo de progresso {path} não pôde ser usado: {reason}. "
            "Ele foi renomeado para {aside} e um novo foi iniciado.",
        },
    }
)


class ProgressError(Exception):
    """The store cannot be opened or written (a read-only folder, a locked file)."""


@dataclass(frozen=True)
class Attempt:
    answer: str
    correct: bool
    at: datetime
    normalised: str | None = None  # as the checker read it; None in rows from before schema 2


@dataclass(frozen=True)
class QuestionProgress:
    lesson_id: str
    question_id: str
    attempts: tuple[Attempt, ...]
    hints: int
    solved: bool
    revealed: bool
    solved_at: datetime | None = None
    revealed_at: datetime | None = None
    solve_hints: int | None = None  # hints used before the first right answer

    @property
    def points(self) -> float:
        """This question's share of the score (see the module docstring)."""
        if not self.solved:
            return 0.0
        if self.revealed and self.revealed_at and self.solved_at and self.revealed_at <= self.solved_at:
            return 0.0
        hints = self.solve_hints if self.solve_hints is not None else self.hints
        return max(0.25, 1.0 - 0.25 * hints)


@dataclass(frozen=True)
class LessonSummary:
    lesson_id: str
    status: str  # "new" | "started" | "done"
    current: int | None  # step index, None when never opened
    furthest: int | None
    total_steps: int
    solved: int  # questions answered right
    revealed: int  # questions revealed without being solved
    total_questions: int
    score: int  # 0-100
    updated_at: datetime | None


@dataclass(frozen=True)
class LessonRecord:
    """One learner's place in one lesson, as stored."""

    learner: str
    lesson_id: str
    current: int
    furthest: int
    total_steps: int
    updated_at: datetime
    touched: int  # per learner: the lesson moved in last has the highest


@dataclass(frozen=True)
class QuestionRecord:
    learner: str
    lesson_id: str
    question_id: str
    hints: int
    solved_at: datetime | None
    revealed_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class AttemptRecord:
    learner: str
    lesson_id: str
    question_id: str
    answer: str
    normalised: str | None  # None in rows from before schema 2
    correct: bool
    at: datetime


@dataclass(frozen=True)
class ClassRecords:
    """Everything stored for every learner in one file (`ProgressStore.everyone`)."""

    lessons: tuple[LessonRecord, ...] = ()
    questions: tuple[QuestionRecord, ...] = ()
    attempts: tuple[AttemptRecord, ...] = ()


def default_data_dir(data_dir: str | os.PathLike | None = None) -> Path:
    """`data_dir` if given, else $TUTOR_DATA_DIR, else the platform's user data dir."""
    if data_dir:
        return Path(data_dir).expanduser()
    env = os.environ.get("TUTOR_DATA_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("tutor"))


def default_store_path(data_dir: str | os.PathLike | None = None) -> Path:
    return default_data_dir(data_dir) / FILE_NAME


def check_learner(name: str, lang: str = "en") -> str:
    """A learner's name is a label: non-empty, printable, at most 64 characters."""
    if not isinstance(name, str) or not name.strip():
        raise ProgressError(STRINGS.get("learner_empty", lang))
    name = name.strip()
    if len(name) > MAX_LEARNER:
        raise ProgressError(STRINGS.get("learner_long", lang, limit=MAX_LEARNER))
    if not name.isprintable():
        raise ProgressError(STRINGS.get("learner_control", lang))
    return name


def _cut(answer: str) -> str:
    """An answer as kept: at most MAX_ANSWER characters."""
    return shortened(answer, MAX_ANSWER)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


class ProgressStore:
    """One learner's view of the shared progress file. Thread-safe; keep one per process."""

    def __init__(self, path: str | os.PathLike, learner: str = "default", lang: str = "en"):
        """`lang` is the language of `.warning` and of ProgressError messages.

        Raises ProgressError only for a bad learner name; any other trouble
        with the file gives a store in memory and a `warning` (see the
        module docstring)."""
        self.path = Path(path)
        self.lang = lang
        self.learner = check_learner(learner, lang)
        self.warning: str | None = None
        self.saving = True      # False: changes live in memory only, for this session
        self.readable = True    # False: the file's progress could not be read at all
        self._lock = threading.Lock()
        try:
            make_private_folder(self.path.parent)
        except OSError as exc:
            reason = self._text("no_folder", folder=self.path.parent, error=exc.strerror or exc)
            self._conn = self._in_memory(None, reason)
            return
        with _file_lock(self.path):
            self._conn = self._open()

    # -------------------------------------------------------------- opening

    def _open(self) -> sqlite3.Connection:
        """The file's connection; or a fresh file when SQLite finds this one
        damaged; or a copy in memory when it cannot be written."""
        for attempt in range(OPEN_ATTEMPTS):
            try:
                return self._open_file()
            except _Busy as exc:
                busy = exc
                time.sleep(0.1 * (attempt + 1))
        return self._in_memory(self._read_only_copy(), self._text("busy", error=busy))

    def _open_file(self) -> sqlite3.Connection:
        if self.path.exists() and not os.access(self.path, os.W_OK):
            # SQLite would open it read-only without a word, and fail at the first write.
            return self._in_memory(self._read_only_copy(), self._text("read_only", error="permission denied"))
        kind: str | None
        try:
            make_private_file(self.path)
            conn = self._connect()
        except OSError as exc:
            return self._in_memory(self._read_only_copy(), self._text("read_only", error=exc.strerror or exc))
        except sqlite3.DatabaseError as exc:
            return self._database_error(exc)
        try:
            kind, problem = self._problem(conn)
            if kind is None and (not self._has_schema(conn) or not self._has_table(conn, "code")):
                self._create_schema(conn)  # a store from before the code table gains it
        except sqlite3.DatabaseError as exc:
            conn.close()
            return self._database_error(exc)
        if kind is None:
            return conn
        conn.close()
        assert problem is not None  # _problem names why whenever kind is set
        if kind == "damaged":
            return self._replace(problem)
        return self._in_memory(None, problem)  # a newer tutor's file, or someone else's: left alone

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,  # autocommit; transactions are explicit (`_tx`)
            check_same_thread=False,  # the app calls from its UI and worker threads, under _lock
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":  # SQLite keeps the old mode when it cannot write
                raise sqlite3.OperationalError(f"attempt to write a readonly database (journal mode {mode})")
            conn.execute("PRAGMA synchronous = FULL")
        except sqlite3.DatabaseError:
            conn.close()
            raise
        return conn

    def _problem(self, conn: sqlite3.Connection) -> tuple[str | None, str | None]:
        """(kind, why) this file cannot be our store, or (None, None) when it can.

        kind "damaged": SQLite itself finds it broken (the only reason to
        move a file aside); "foreign": a newer tutor's or someone else's."""
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        check = conn.execute("PRAGMA quick_check").fetchone()[0]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if check != "ok":
            return "damaged", self._text("damaged", check=check)
        if version > SCHEMA_VERSION:
            return "foreign", self._text("newer", version=version, ours=SCHEMA_VERSION)
        if version == 0 and tables - _TABLES:
            return "foreign", self._text("foreign", tables=", ".join(sorted(tables)))
        return None, None

    @staticmethod
    def _has_schema(conn: sqlite3.Connection) -> bool:
        """Already ours and complete: opening then needs no write lock, so a
        long writer elsewhere never holds a learner's start."""
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return version == SCHEMA_VERSION and {"lessons", "questions", "attempts"} <= tables

    @staticmethod
    def _is_readable_store(conn: sqlite3.Connection) -> bool:
        """Ours, of this schema or an older one this tutor migrates (a file
        that can only be read is read as it is, then migrated in memory)."""
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        return 1 <= version <= SCHEMA_VERSION and {"lessons", "questions", "attempts"} <= tables

    @staticmethod
    def _has_table(conn: sqlite3.Connection, name: str) -> bool:
        return conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() \
            is not None

    def _text(self, key: str, **fields) -> str:
        return STRINGS.get(key, self.lang, **fields)

    def _create_schema(self, conn: sqlite3.Connection) -> None:
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    conn.execute(statement)
            # schema 1 -> 2: attempts keep the answer as the checker read it
            columns = {row[1] for row in conn.execute("PRAGMA table_info(attempts)")}
            if "normalised" not in columns:
                conn.execute("ALTER TABLE attempts ADD COLUMN normalised TEXT")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _read_only_copy(self) -> sqlite3.Connection | None:
        """The file opened read-only, when it is our store and readable; else None."""
        if not self.path.exists():
            return None
        uri = "file:" + urllib.parse.quote(str(self.path.resolve()))
        for options in ("?mode=ro", "?mode=ro&immutable=1"):  # immutable: no -shm can be made
            try:
                conn = sqlite3.connect(uri + options, uri=True, timeout=1, check_same_thread=False)
            except sqlite3.DatabaseError:
                continue
            try:
                if self._problem(conn)[0] is None and self._is_readable_store(conn):
                    return conn
            except sqlite3.DatabaseError:
                pass
            conn.close()
        return None

    def _database_error(self, exc: sqlite3.DatabaseError) -> sqlite3.Connection:
        """What opening the file does when SQLite refuses it: a lock held
        elsewhere is retried (`_Busy`), a damaged file is replaced, anything
        else is worked on as a copy in memory."""
        kind = _error_kind(exc)
        if kind == "busy":
            raise _Busy(str(exc)) from None
        if kind == "damaged":
            return self._replace(self._text("unreadable", error=exc))
        return self._in_memory(self._read_only_copy(), self._text("read_only", error=exc))

    def _in_memory(self, source: sqlite3.Connection | None, reason: str) -> sqlite3.Connection:
        """A store in memory: a copy of `source` (progress shown, nothing
        saved) or, without one, an empty store (nothing shown or saved)."""
        self.saving = False
        self.readable = source is not None
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
        if source is not None:
            try:
                source.backup(conn)
            except sqlite3.DatabaseError:
                self.readable = False
            finally:
                source.close()
        if not self._has_schema(conn):
            self._create_schema(conn)
        key = "shown_not_saved" if self.readable else "not_saved"
        self.warning = self._text(key, path=self.path, reason=reason)
        return conn

    def _replace(self, reason: str) -> sqlite3.Connection:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.broken-{stamp}")
        n = 1
        while aside.exists():
            n += 1
            aside = self.path.with_name(f"{self.path.name}.broken-{stamp}-{n}")
        try:
            os.replace(self.path, aside)
            for suffix in ("-wal", "-shm"):
                side = self.path.with_name(self.path.name + suffix)
                if side.exists():
                    os.replace(side, aside.with_name(aside.name + suffix))
        except OSError as exc:
            reason = self._text("no_move", reason=reason, error=exc.strerror or exc)
            return self._in_memory(None, reason)
        try:
            make_private_file(self.path)
            conn = self._connect()
            self._create_schema(conn)
        except (OSError, sqlite3.DatabaseError) as exc:
            return self._in_memory(None, self._text("unreadable", error=exc))
        self.warning = self._text("moved", path=self.path, reason=reason, aside=aside.name)
        return conn

    # ---------------------------------------------------------- transactions

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        """One short write transaction, committed before returning."""
        with self._lock:
            conn = self._conn
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise ProgressError(self._text("no_write", path=self.path, error=exc)) from None
            try:
                yield conn
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                conn.execute("ROLLBACK")
                raise ProgressError(self._text("no_write", path=self.path, error=exc)) from None
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def _read(self, sql: str, params: Iterable = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._conn.execute(sql, tuple(params)).fetchall()
            except sqlite3.Error as exc:
                raise ProgressError(self._text("no_read", path=self.path, error=exc)) from None

    # --------------------------------------------------------------- lessons

    def set_position(self, lesson_id: str, step_index: int, total_steps: int) -> None:
        """The learner is looking at `step_index` (0-based) of a lesson of `total_steps`."""
        step_index, total_steps = int(step_index), int(total_steps)
        if total_steps < 1 or not 0 <= step_index < total_steps:
            raise ValueError(f"step {step_index} is outside a lesson of {total_steps} steps")
        now = _now()
        with self._tx() as conn:
            touched = conn.execute(
                "SELECT COALESCE(MAX(touched), 0) + 1 FROM lessons WHERE learner = ?", (self.learner,)
            ).fetchone()[0]
            conn.execute(
                """INSERT INTO lessons (learner, lesson_id, current_step, furthest_step, total_steps,
                                        started_at, updated_at, touched)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (learner, lesson_id) DO UPDATE SET
                       current_step = excluded.current_step,
                       furthest_step = MAX(furthest_step, excluded.furthest_step),
                       total_steps = excluded.total_steps,
                       updated_at = excluded.updated_at,
                       touched = excluded.touched""",
                (self.learner, lesson_id, step_index, step_index, total_steps, now, now, touched),
            )

    def set_params(self, lesson_id: str, values: dict[str, float]) -> None:
        """The parameter values (a learning rate) the learner chose in a lesson."""
        with self._tx() as conn:
            for name, value in values.items():
                conn.execute(
                    """INSERT INTO params (learner, lesson_id, name, value) VALUES (?, ?, ?, ?)
                       ON CONFLICT (learner, lesson_id, name) DO UPDATE SET value = excluded.value""",
                    (self.learner, lesson_id, str(name), float(value)),
                )

    def params(self, lesson_id: str) -> dict[str, float]:
        """The parameter values the learner set in a lesson ({} if none)."""
        rows = self._read(
            "SELECT name, value FROM params WHERE learner = ? AND lesson_id = ?", (self.learner, lesson_id)
        )
        return dict(rows)

    def position(self, lesson_id: str) -> int | None:
        """The step to resume at, or None for a lesson never opened."""
        rows = self._read(
            "SELECT current_step FROM lessons WHERE learner = ? AND lesson_id = ?", (self.learner, lesson_id)
        )
        return rows[0][0] if rows else None

    def furthest(self, lesson_id: str) -> int | None:
        rows = self._read(
            "SELECT furthest_step FROM lessons WHERE learner = ? AND lesson_id = ?", (self.learner, lesson_id)
        )
        return rows[0][0] if rows else None

    def last_lesson(self) -> str | None:
        """The lesson the learner moved in last, to resume where they left."""
        rows = self._read(
            "SELECT lesson_id FROM lessons WHERE learner = ? ORDER BY touched DESC LIMIT 1", (self.learner,)
        )
        return rows[0][0] if rows else None

    # ------------------------------------------------------------- questions

    def _ensure_question(self, conn: sqlite3.Connection, lesson_id: str, question_id: str, now: str) -> None:
        conn.execute(
            """INSERT INTO questions (learner, lesson_id, question_id, first_at, updated_at)
               VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING""",
            (self.learner, lesson_id, question_id, now, now),
        )

    def record_answer(self, lesson_id: str, question_id: str, answer: str, correct: bool,
                      normalised: str | None = None) -> int:
        """Keep one answer (committed on return); returns the attempts so far.

        `normalised`: the answer as the checker read it
        (`tutor.classroom.normalised_answer`), for the instructor's console."""
        answer = _cut(str(answer))
        if normalised is not None:
            normalised = _cut(str(normalised))
        now = _now()
        with self._tx() as conn:
            self._ensure_question(conn, lesson_id, question_id, now)
            conn.execute(
                """INSERT INTO attempts (learner, lesson_id, question_id, answer, correct, at, normalised)
                   VALUES (?, ?, ?, ?, ?, ?, ?)""",
                (self.learner, lesson_id, question_id, answer, int(bool(correct)), now, normalised),
            )
            if correct:
                conn.execute(
                    """UPDATE questions SET solved_at = ?, solve_hints = hints
                       WHERE learner = ? AND lesson_id = ? AND question_id = ? AND solved_at IS NULL""",
                    (now, self.learner, lesson_id, question_id),
                )
            conn.execute(
                "UPDATE questions SET updated_at = ? WHERE learner = ? AND lesson_id = ? AND question_id = ?",
                (now, self.learner, lesson_id, question_id),
            )
            return conn.execute(
                "SELECT COUNT(*) FROM attempts WHERE learner = ? AND lesson_id = ? AND question_id = ?",
                (self.learner, lesson_id, question_id),
            ).fetchone()[0]

    def record_hint(self, lesson_id: str, question_id: str) -> int:
        """One more hint shown; returns the hints used so far."""
        now = _now()
        with self._tx() as conn:
            self._ensure_question(conn, lesson_id, question_id, now)
            conn.execute(
                """UPDATE questions SET hints = hints + 1, updated_at = ?
                   WHERE learner = ? AND lesson_id = ? AND question_id = ?""",
                (now, self.learner, lesson_id, question_id),
            )
            return conn.execute(
                "SELECT hints FROM questions WHERE learner = ? AND lesson_id = ? AND question_id = ?",
                (self.learner, lesson_id, question_id),
            ).fetchone()[0]

    def record_reveal(self, lesson_id: str, question_id: str) -> None:
        """The learner asked to see the answer (the first reveal is the one kept)."""
        now = _now()
        with self._tx() as conn:
            self._ensure_question(conn, lesson_id, question_id, now)
            conn.execute(
                """UPDATE questions SET revealed_at = COALESCE(revealed_at, ?), updated_at = ?
                   WHERE learner = ? AND lesson_id = ? AND question_id = ?""",
                (now, now, self.learner, lesson_id, question_id),
            )

    def set_code(self, lesson_id: str, question_id: str, code: str) -> None:
        """The learner's code for a code question, kept on every run (whole:
        it is their work), so it comes back when they return."""
        with self._tx() as conn:
            conn.execute(
                """INSERT INTO code (learner, lesson_id, question_id, code, updated_at) VALUES (?, ?, ?, ?, ?)
                   ON CONFLICT (learner, lesson_id, question_id)
                   DO UPDATE SET code = excluded.code, updated_at = excluded.updated_at""",
                (self.learner, lesson_id, question_id, str(code), _now()),
            )

    def code(self, lesson_id: str, question_id: str) -> str | None:
        """The code the learner last ran for a code question, or None."""
        rows = self._read(
            "SELECT code FROM code WHERE learner = ? AND lesson_id = ? AND question_id = ?",
            (self.learner, lesson_id, question_id),
        )
        return rows[0][0] if rows else None

    def question(self, lesson_id: str, question_id: str) -> QuestionProgress:
        return self._questions(lesson_id, [question_id])[question_id]

    def _questions(self, lesson_id: str, question_ids: Iterable[str] | None) -> dict[str, QuestionProgress]:
        """Progress of the given questions (every stored one when None), in one read."""
        with self._lock:
            try:
                rows = self._conn.execute(
                    """SELECT question_id, hints, solved_at, solve_hints, revealed_at FROM questions
                       WHERE learner = ? AND lesson_id = ?""",
                    (self.learner, lesson_id),
                ).fetchall()
                attempt_rows = self._conn.execute(
                    """SELECT question_id, answer, correct, at, normalised FROM attempts
                       WHERE learner = ? AND lesson_id = ? ORDER BY id""",
                    (self.learner, lesson_id),
                ).fetchall()
            except sqlite3.Error as exc:
                raise ProgressError(self._text("no_read", path=self.path, error=exc)) from None
        attempts: dict[str, list[Attempt]] = {}
        for qid, answer, correct, at, normalised in attempt_rows:
            # `at` is NOT NULL, so never _when's None
            attempts.setdefault(qid, []).append(
                Attempt(answer, bool(correct), datetime.fromisoformat(at), normalised))
        stored = {row[0]: row for row in rows}
        ids = list(question_ids) if question_ids is not None else list(stored)
        out = {}
        for qid in ids:
            _, hints, solved_at, solve_hints, revealed_at = stored.get(qid, (qid, 0, None, None, None))
            out[qid] = QuestionProgress(
                lesson_id=lesson_id,
                question_id=qid,
                attempts=tuple(attempts.get(qid, ())),
                hints=hints,
                solved=solved_at is not None,
                revealed=revealed_at is not None,
                solved_at=_when(solved_at),
                revealed_at=_when(revealed_at),
                solve_hints=solve_hints,
            )
        return out

    # -------------------------------------------------------------- summaries

    def lesson_summary(self, lesson_id: str, total_steps: int, question_ids: Iterable[str]) -> LessonSummary:
        """Status and score of a lesson as it is now (its steps and questions from the lesson file).

        done = the last step was reached and every question is solved or revealed.
        """
        question_ids = list(question_ids)
        rows = self._read(
            """SELECT current_step, furthest_step, updated_at FROM lessons
               WHERE learner = ? AND lesson_id = ?""",
            (self.learner, lesson_id),
        )
        questions = self._questions(lesson_id, question_ids)
        current, furthest, updated = rows[0] if rows else (None, None, None)
        solved = sum(q.solved for q in questions.values())
        revealed = sum(q.revealed and not q.solved for q in questions.values())
        closed = all(q.solved or q.revealed for q in questions.values())
        touched = rows or any(q.attempts or q.hints or q.revealed for q in questions.values())
        if furthest is not None and total_steps > 0 and furthest >= total_steps - 1 and closed:
            status = "done"
        elif touched:
            status = "started"
        else:
            status = "new"
        score = round(100 * sum(q.points for q in questions.values()) / len(question_ids)) if question_ids else 0
        if not question_ids and status == "done":
            score = 100
        return LessonSummary(
            lesson_id=lesson_id,
            status=status,
            current=current,
            furthest=furthest,
            total_steps=total_steps,
            solved=solved,
            revealed=revealed,
            total_questions=len(question_ids),
            score=score,
            updated_at=_when(updated),
        )

    def summary(self) -> list[LessonSummary]:
        """Every lesson this learner has stored, most recent first, judged by what was stored
        (the step count last seen, the questions met so far). `progress` prefers
        `lesson_summary` with the lesson files when it has them."""
        lessons = self._read(
            """SELECT lesson_id, total_steps FROM lessons WHERE learner = ? ORDER BY touched DESC""",
            (self.learner,),
        )
        seen = {lid for lid, _ in lessons}
        orphans = self._read(
            "SELECT DISTINCT lesson_id FROM questions WHERE learner = ? ORDER BY lesson_id", (self.learner,)
        )
        out = []
        for lesson_id, total in lessons + [(lid, 0) for (lid,) in orphans if lid not in seen]:
            ids = list(self._questions(lesson_id, None))
            out.append(self.lesson_summary(lesson_id, total, ids))
        return out

    def learners(self) -> list[str]:
        """Everyone with progress in this file (for an instructor's overview)."""
        rows = self._read("SELECT learner FROM lessons UNION SELECT learner FROM questions ORDER BY 1")
        return [row[0] for row in rows]

    def everyone(self) -> ClassRecords:
        """Every learner's stored progress in this file, in one read (for an
        instructor: `progress --all` and the console's starting state).
        Rows come ordered by learner, then lesson, question and time."""
        with self._lock:
            try:
                lessons = self._conn.execute(
                    """SELECT learner, lesson_id, current_step, furthest_step, total_steps, updated_at, touched
                       FROM lessons ORDER BY learner, lesson_id"""
                ).fetchall()
                questions = self._conn.execute(
                    """SELECT learner, lesson_id, question_id, hints, solved_at, revealed_at, updated_at
                       FROM questions ORDER BY learner, lesson_id, question_id"""
                ).fetchall()
                attempts = self._conn.execute(
                    """SELECT learner, lesson_id, question_id, answer, normalised, correct, at
                       FROM attempts ORDER BY learner, lesson_id, question_id, id"""
                ).fetchall()
            except sqlite3.Error as exc:
                raise ProgressError(self._text("no_read", path=self.path, error=exc)) from None
        return ClassRecords(
            lessons=tuple(
                LessonRecord(learner, lid, current, furthest, total, datetime.fromisoformat(updated), touched)
                for learner, lid, current, furthest, total, updated, touched in lessons
            ),
            questions=tuple(
                QuestionRecord(learner, lid, qid, hints, _when(solved), _when(revealed),
                               datetime.fromisoformat(updated))
                for learner, lid, qid, hints, solved, revealed, updated in questions
            ),
            attempts=tuple(
                AttemptRecord(learner, lid, qid, answer, normalised, bool(correct), datetime.fromisoformat(at))
                for learner, lid, qid, answer, normalised, correct, at in attempts
            ),
        )

    # ---------------------------------------------------------------- admin

    def reset(self) -> None:
        """Forget this learner's progress; other learners keep theirs."""
        with self._tx() as conn:
            for table in ("attempts", "questions", "lessons", "params", "code"):
                conn.execute(f"DELETE FROM {table} WHERE learner = ?", (self.learner,))

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None  # type: ignore[assignment]

    def __enter__(self) -> ProgressStore:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Busy(Exception):
    """Another process holds the file's lock past the busy timeout."""


# SQLite's primary result codes (the low byte of the extended code).
_SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_CORRUPT, _SQLITE_NOTADB = 5, 6, 11, 26


def _error_kind(exc: sqlite3.DatabaseError) -> str:
    """"busy" (wait and retry), "damaged" (SQLite says the file is broken:
    the one case for moving it aside), or "access" (read-only, no room...)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        code &= 0xFF
        if code in (_SQLITE_BUSY, _SQLITE_LOCKED):
            return "busy"
        if code in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
            return "damaged"
        return "access"
    text = str(exc).lower()
    if "locked" in text or "busy" in text:
        return "busy"
    if "not a database" in text or "malformed" in text:
        return "damaged"
    return "access"


def make_private_folder(folder: Path) -> None:
    """The data folder, made 0700 (and tightened to 0700 when it is ours and
    looser): progress is each learner's own business."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    _tighten(folder, 0o700)


def make_private_file(path: Path) -> None:
    """Create the store 0600 before SQLite does (SQLite would use 0644, and
    gives its -wal and -shm files the mode of the database)."""
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        _tighten(path, 0o600)
        for suffix in ("-wal", "-shm"):
            _tighten(path.with_name(path.name + suffix), 0o600)
    except PermissionError:
        pass  # a read-only folder: SQLite reports the real problem


def _tighten(path: Path, mode: int) -> None:
    try:
        info = path.stat()
        if info.st_uid == os.geteuid() and info.st_mode & 0o777 & ~mode:
            path.chmod(info.st_mode & 0o777 & mode)
    except OSError:
        pass


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Serialise opening (and possibly moving aside) the store between processes, so two
    learners starting at once never both rename the file, or rename a fresh one."""
    try:
        import fcntl
    except ImportError:  # not POSIX: opening is rarely concurrent there
        yield
        return
    lock_path = path.with_name(path.name + ".lock")
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:
        yield  # a read-only folder: sqlite will report the real problem
        return
    try:
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    break  # better to race than to hang a learner's start forever
                time.sleep(0.02)
        yield
    finally:
        os.close(fd)
