"""The progress store: what a learner relies on when they come back."""

from __future__ import annotations

import argparse
import io
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tutor import progress_cmd
from tutor.progress import (
    FILE_NAME,
    SCHEMA_VERSION,
    ProgressError,
    ProgressStore,
    default_data_dir,
    default_store_path,
)

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def path(tmp_path) -> Path:
    return tmp_path / FILE_NAME


def reopen(path: Path, learner: str = "default") -> ProgressStore:
    store = ProgressStore(path, learner)
    assert store.warning is None
    return store


def broken_files(path: Path) -> list[Path]:
    return sorted(p for p in path.parent.iterdir() if p.name.startswith(FILE_NAME + ".broken-"))


# ------------------------------------------------------------------ data dir


def test_data_dir_precedence(monkeypatch, tmp_path):
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tmp_path / "env"))
    assert default_data_dir(str(tmp_path / "flag")) == tmp_path / "flag"
    assert default_data_dir(None) == tmp_path / "env"
    assert default_store_path(None) == tmp_path / "env" / FILE_NAME
    monkeypatch.delenv("TUTOR_DATA_DIR")
    import platformdirs

    assert default_data_dir(None) == Path(platformdirs.user_data_dir("tutor"))


def test_store_creates_its_folder(tmp_path):
    path = tmp_path / "a" / "b" / FILE_NAME
    with ProgressStore(path) as store:
        store.set_position("slope", 0, 3)
    assert path.exists()


def test_unwritable_folder_is_said_not_raised(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes anywhere; the rule is tested with a file in the folder's place")
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with ProgressStore(locked / "sub" / FILE_NAME) as store:
        assert store.saving is False and "cannot create the folder" in store.warning


@pytest.mark.parametrize("name", ["", "   ", "x" * 65, "a\nb"])
def test_bad_learner_names(path, name):
    with pytest.raises(ProgressError):
        ProgressStore(path, name)


# ---------------------------------------------------------------- positions


def test_round_trip_and_resume(path):
    with ProgressStore(path, "ana") as store:
        assert store.position("slope") is None
        assert store.last_lesson() is None
        store.set_position("slope", 0, 5)
        store.set_position("slope", 3, 5)
        store.set_position("convexity", 1, 4)
        store.set_position("slope", 2, 5)  # went back to look again
    with reopen(path, "ana") as store:
        assert store.position("slope") == 2
        assert store.furthest("slope") == 3
        assert store.position("convexity") == 1
        assert store.last_lesson() == "slope"
        store.set_position("convexity", 2, 4)
        assert store.last_lesson() == "convexity"


def test_position_outside_the_lesson_is_refused(path):
    with ProgressStore(path) as store:
        with pytest.raises(ValueError):
            store.set_position("slope", 5, 5)
        with pytest.raises(ValueError):
            store.set_position("slope", -1, 5)


# --------------------------------------------------------- answers and hints


def test_attempts_hints_reveal_are_kept_in_order(path):
    with ProgressStore(path) as store:
        assert store.record_hint("slope", "autograd") == 1
        assert store.record_answer("slope", "autograd", "5", False) == 1
        assert store.record_hint("slope", "autograd") == 2
        assert store.record_answer("slope", "autograd", "6", True) == 2
        assert store.record_answer("slope", "autograd", "6.0", True) == 3
    with reopen(path) as store:
        q = store.question("slope", "autograd")
        assert [(a.answer, a.correct) for a in q.attempts] == [("5", False), ("6", True), ("6.0", True)]
        assert q.attempts[0].at <= q.attempts[1].at <= q.attempts[2].at
        assert (q.hints, q.solved, q.revealed) == (2, True, False)
        assert q.solve_hints == 2
        assert q.points == 0.5
        fresh = store.question("slope", "never-seen")
        assert (fresh.attempts, fresh.hints, fresh.solved, fresh.revealed) == ((), 0, False, False)


def test_reveal_before_solving_scores_nothing(path):
    with ProgressStore(path) as store:
        store.record_reveal("slope", "q1")
        store.record_reveal("slope", "q1")
        store.record_answer("slope", "q1", "6", True)
        q = store.question("slope", "q1")
        assert q.revealed and q.solved and q.points == 0.0


def test_huge_answers_are_stored_cut(path):
    with ProgressStore(path) as store:
        store.record_answer("slope", "q1", "9" * 100_000, False)
        (attempt,) = store.question("slope", "q1").attempts
        assert len(attempt.answer) == 500 and attempt.answer.endswith("…")


def test_answers_are_data_in_sql_too(path):
    evil = "'); DROP TABLE attempts; --"
    with ProgressStore(path) as store:
        store.record_answer("slope", "q1", evil, False)
    with reopen(path) as store:
        assert store.question("slope", "q1").attempts[0].answer == evil


# ----------------------------------------------------------------- summaries


def test_lesson_summary_new_started_done(path):
    ids = ["q1", "q2"]
    with ProgressStore(path) as store:
        new = store.lesson_summary("slope", 4, ids)
        assert (new.status, new.furthest, new.solved, new.total_questions, new.score) == ("new", None, 0, 2, 0)
        store.set_position("slope", 1, 4)
        store.record_answer("slope", "q1", "6", True)
        started = store.lesson_summary("slope", 4, ids)
        assert (started.status, started.furthest, started.solved, started.score) == ("started", 1, 1, 50)
        store.set_position("slope", 3, 4)
        # Last step reached, but q2 is still open: not done.
        assert store.lesson_summary("slope", 4, ids).status == "started"
        store.record_hint("slope", "q2")
        store.record_reveal("slope", "q2")
        done = store.lesson_summary("slope", 4, ids)
        assert (done.status, done.furthest, done.solved, done.revealed, done.score) == ("done", 3, 1, 1, 50)


def test_score_counts_hints_before_solving(path):
    with ProgressStore(path) as store:
        store.set_position("slope", 2, 3)
        for _ in range(2):
            store.record_hint("slope", "q1")
        store.record_answer("slope", "q1", "1", True)
        store.record_hint("slope", "q1")  # read after solving: free
        store.record_answer("slope", "q2", "1", True)
        assert store.lesson_summary("slope", 3, ["q1", "q2"]).score == 75


def test_lesson_grown_since_is_started_again(path):
    """A lesson file that gained a step: the stored furthest step no longer reaches the end."""
    with ProgressStore(path) as store:
        store.set_position("slope", 2, 3)
        assert store.lesson_summary("slope", 3, []).status == "done"
        assert store.lesson_summary("slope", 4, []).status == "started"


def test_summary_lists_stored_lessons_latest_first(path):
    with ProgressStore(path) as store:
        store.set_position("slope", 1, 3)
        store.set_position("convexity", 0, 2)
        store.record_answer("loops", "q1", "x", False)  # answered without a stored position
        rows = store.summary()
        assert [row.lesson_id for row in rows] == ["convexity", "slope", "loops"]
        assert rows[1].furthest == 1 and rows[1].total_steps == 3
        assert rows[2].status == "started"


# ------------------------------------------------------- learners and reset


def test_two_learners_are_isolated_and_reset_is_per_learner(path):
    ana, bia = ProgressStore(path, "ana"), ProgressStore(path, "bia")
    ana.set_position("slope", 2, 5)
    ana.record_answer("slope", "q1", "6", True)
    bia.set_position("slope", 0, 5)
    assert bia.question("slope", "q1").attempts == ()
    assert bia.position("slope") == 0 and ana.position("slope") == 2
    assert ana.learners() == ["ana", "bia"]
    bia.reset()
    assert bia.position("slope") is None and bia.last_lesson() is None
    assert ana.position("slope") == 2
    assert ana.question("slope", "q1").solved
    ana.reset()
    assert ana.summary() == []
    ana.close()
    bia.close()


# ------------------------------------------------------- damaged stores


def test_garbage_file_is_moved_aside_with_a_warning(path):
    path.write_bytes(b"this is not a database\n" * 100)
    with ProgressStore(path) as store:
        assert store.warning is not None
        (aside,) = broken_files(path)
        assert aside.name in store.warning
        assert aside.read_bytes().startswith(b"this is not a database")
        store.set_position("slope", 1, 3)
    with reopen(path) as store:
        assert store.position("slope") == 1


def test_damaged_pages_are_moved_aside(path):
    with ProgressStore(path) as store:
        for i in range(200):
            store.record_answer("slope", "q1", f"answer {i} " + "x" * 200, False)
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    data = bytearray(path.read_bytes())
    assert len(data) > 8 * 4096
    data[4096 * 2 : 4096 * 6] = b"\xff" * (4096 * 4)  # wreck pages 3-6, keep the header
    path.write_bytes(bytes(data))
    with ProgressStore(path) as store:
        assert store.warning and "could not be used" in store.warning
        assert len(broken_files(path)) == 1
        assert store.summary() == []


def test_a_newer_tutors_store_is_left_alone(path):
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE future (x)")
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.commit()
    con.close()
    with ProgressStore(path) as store:
        assert store.warning and "newer" in store.warning and "not saved" in store.warning
        store.set_position("slope", 0, 1)
    assert broken_files(path) == []
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
    assert con.execute("SELECT name FROM sqlite_master").fetchall() == [("future",)]
    con.close()


def test_someone_elses_sqlite_file_is_left_alone(path):
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE recipes (name)")
    con.commit()
    con.close()
    with ProgressStore(path) as store:
        assert store.warning and "recipes" in store.warning
    assert broken_files(path) == []


def test_a_good_store_is_not_touched(path):
    with ProgressStore(path) as store:
        store.set_position("slope", 1, 3)
    with reopen(path) as store:
        assert store.position("slope") == 1
    assert broken_files(path) == []


# ------------------------------------------------------ kill during writes

WRITER = textwrap.dedent(
    """
    import sys
    from tutor.progress import ProgressStore
    store = ProgressStore(sys.argv[1], "ana")
    i = 0
    while True:
        store.record_answer("slope", "q1", f"answer {i}", i % 3 == 0)
        store.set_position("slope", i % 7, 7)
        print(i, flush=True)   # printed only after both commits returned
        i += 1
    """
)


def test_kill_during_writes_keeps_every_committed_answer(path):
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    committed = -1
    try:
        for line in child.stdout:
            committed = int(line)
            if committed >= 60:
                break
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
    assert committed >= 60
    assert child.returncode == -signal.SIGKILL
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    con.close()
    with reopen(path, "ana") as store:
        answers = [a.answer for a in store.question("slope", "q1").attempts]
        # Every answer reported as written is there, in order (a later one may be too).
        assert answers[: committed + 1] == [f"answer {i}" for i in range(committed + 1)]
        assert store.position("slope") is not None
        assert store.question("slope", "q1").solved


def test_progress_imports_neither_textual_nor_torch():
    code = "import sys, tutor.progress; print('textual' in sys.modules, 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.split() == ["False", "False"]


CONCURRENT = textwrap.dedent(
    """
    import sys
    from tutor.progress import ProgressStore
    store = ProgressStore(sys.argv[1], sys.argv[2])
    for i in range(150):
        store.record_answer("slope", "q1", f"{sys.argv[2]} {i}", False)
        store.set_position("slope", i % 5, 5)
    store.close()
    """
)


def test_learners_writing_at_once_wait_for_each_other(path):
    """The SSH classroom: one process per learner, one file."""
    children = [
        subprocess.Popen([sys.executable, "-c", CONCURRENT, str(path), name], cwd=REPO,
                         stderr=subprocess.PIPE, text=True)
        for name in ("ana", "bia", "caio")
    ]
    for child in children:
        _, err = child.communicate()
        assert child.returncode == 0, err
    for name in ("ana", "bia", "caio"):
        with reopen(path, name) as store:
            answers = [a.answer for a in store.question("slope", "q1").attempts]
            assert answers == [f"{name} {i}" for i in range(150)]


# ------------------------------------------------- `python -m tutor progress`

TINY = '''
id = "tiny"
order = 1
title = { en = "A tiny lesson", pt = "Uma lição pequena" }

[[steps]]
id = "start"
title = { en = "Start", pt = "Início" }
text = { en = "Hello", pt = "Olá" }
code = "x = 2"

[[steps]]
id = "ask"
title = { en = "Ask", pt = "Pergunta" }
text = { en = "What is x?", pt = "Quanto vale x?" }

[steps.question]
kind = "number"
prompt = { en = "x?", pt = "x?" }
answer = "x"
explain = { en = "{answer}", pt = "{answer}" }

[[steps]]
id = "end"
title = { en = "End", pt = "Fim" }
text = { en = "Bye", pt = "Tchau" }
'''


@pytest.fixture
def lessons_dir(tmp_path) -> Path:
    folder = tmp_path / "lessons"
    folder.mkdir()
    (folder / "01-tiny.toml").write_text(TINY, encoding="utf-8")
    return folder


def run_cmd(lessons_dir, data_dir, *, lang="en", learner="default", reset=False, yes=False, stdin=""):
    args = argparse.Namespace(
        lang=lang, learner=learner, data_dir=str(data_dir), lessons=str(lessons_dir), reset=reset, yes=yes
    )
    out, err = io.StringIO(), io.StringIO()
    code = progress_cmd.main(args, stdin=io.StringIO(stdin), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def table_row(output: str, lesson_id: str) -> list[str]:
    for line in output.splitlines():
        cells = line.split()
        if len(cells) > 1 and cells[1] == lesson_id:
            return cells
    raise AssertionError(f"no row for {lesson_id} in:\n{output}")


def test_progress_table_before_anything_creates_nothing(lessons_dir, tmp_path):
    data = tmp_path / "data"
    code, out, err = run_cmd(lessons_dir, data)
    assert code == 0 and err == ""
    assert table_row(out, "tiny") == ["1", "tiny", "A", "tiny", "lesson", "new", "-/3", "-", "-"]
    assert "No progress yet" in out
    assert not data.exists()


def test_progress_table_follows_the_store(lessons_dir, tmp_path):
    data = tmp_path / "data"
    with ProgressStore(data / FILE_NAME, "ana") as store:
        store.set_position("tiny", 1, 3)
        store.record_hint("tiny", "ask")
        store.record_answer("tiny", "ask", "3", False)
        store.record_answer("tiny", "ask", "2", True)
        store.set_position("gone-lesson", 0, 2)
        store.set_position("tiny", 1, 3)
    code, out, _ = run_cmd(lessons_dir, data, learner="ana")
    assert code == 0
    assert table_row(out, "tiny")[-4:] == ["started", "2/3", "1/1", "75%"]
    assert table_row(out, "gone-lesson")[2:5] == ["(no", "longer", "in"]
    assert "Resume: tiny, step 2 of 3." in out
    with ProgressStore(data / FILE_NAME, "ana") as store:
        store.set_position("tiny", 2, 3)
    code, out, _ = run_cmd(lessons_dir, data, learner="ana", lang="pt")
    assert "Uma lição pequena" in out and "concluída" in out and "Continuar: tiny, passo 3 de 3." in out
    # Another learner in the same file sees nothing of ana's.
    code, out, _ = run_cmd(lessons_dir, data, learner="bia")
    assert table_row(out, "tiny")[-4:] == ["new", "-/3", "-", "-"]


def test_progress_reset_asks_first(lessons_dir, tmp_path):
    data = tmp_path / "data"
    for learner in ("ana", "bia"):
        with ProgressStore(data / FILE_NAME, learner) as store:
            store.set_position("tiny", 1, 3)
    code, out, _ = run_cmd(lessons_dir, data, learner="ana", reset=True, stdin="no\n")
    assert code == 1 and "Type yes to confirm" in out and "Nothing erased." in out
    code, out, _ = run_cmd(lessons_dir, data, learner="ana", reset=True, stdin="")  # end of input
    assert code == 1
    with ProgressStore(data / FILE_NAME, "ana") as store:
        assert store.position("tiny") == 1
    code, out, _ = run_cmd(lessons_dir, data, learner="ana", reset=True, lang="pt", stdin="sim\n")
    assert code == 0 and "Digite sim" in out and "foi apagado" in out
    with ProgressStore(data / FILE_NAME, "ana") as store:
        assert store.position("tiny") is None
    code, out, _ = run_cmd(lessons_dir, data, learner="bia", reset=True, yes=True)
    assert code == 0 and "Type yes" not in out and "Erased the progress of learner 'bia'." in out
    with ProgressStore(data / FILE_NAME, "bia") as store:
        assert store.position("tiny") is None


def test_progress_reset_without_a_store(lessons_dir, tmp_path):
    code, out, _ = run_cmd(lessons_dir, tmp_path / "none", reset=True, yes=True)
    assert code == 0 and "no progress to erase" in out


def test_progress_bad_learner_and_broken_store(lessons_dir, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / FILE_NAME).write_bytes(b"\x00garbage" * 64)
    code, out, err = run_cmd(lessons_dir, data, learner="")
    assert code == 2 and "the learner name is empty" in err and out == ""
    code, out, err = run_cmd(lessons_dir, data, lang="pt")
    assert code == 0
    assert "não pôde ser usado" in err and ".broken-" in err
    assert table_row(out, "tiny")[-4:] == ["nova", "-/3", "-", "-"]


def test_progress_command_end_to_end(lessons_dir, tmp_path):
    env = dict(os.environ, TUTOR_DATA_DIR=str(tmp_path / "env-data"), LANG="pt_BR.UTF-8")
    with ProgressStore(tmp_path / "env-data" / FILE_NAME, "ana") as store:
        store.set_position("tiny", 0, 3)
    result = subprocess.run(
        [sys.executable, "-m", "tutor", "progress", "--learner", "ana", "--lessons", str(lessons_dir)],
        cwd=REPO, env=env, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "iniciada" in result.stdout and "1/3" in result.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "tutor", "progress", "--learner", "x" * 80, "--lang", "en"],
        cwd=REPO, env=env, capture_output=True, text=True,
    )
    assert bad.returncode == 2 and "longer than 64" in bad.stderr and "Traceback" not in bad.stderr


# ------------------------------------------- a busy, read-only or private store

HOLD_LOCK = textwrap.dedent(
    """
    import sqlite3, sys, time
    con = sqlite3.connect(sys.argv[1], isolation_level=None)
    con.execute("BEGIN IMMEDIATE")   # the write lock, held as a long writer would
    con.execute("INSERT INTO attempts (learner, lesson_id, question_id, answer, correct, at)"
                " VALUES ('ana', 'slope', 'q1', 'while bia opened', 0, '2026-01-01T00:00:00+00:00')")
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
    con.execute("COMMIT")
    """
)


def test_a_store_locked_by_a_long_writer_is_never_moved_aside(path):
    """A writer holds the write lock for 15 s while another learner opens:
    the file is healthy, so nothing is moved aside and both learners'
    progress stays where it was, readable at once and writable after."""
    with ProgressStore(path, "ana") as store:
        store.record_answer("slope", "q1", "ana's first", False)
    with ProgressStore(path, "bia") as store:
        store.set_position("slope", 2, 3)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(path), "15"], cwd=REPO,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "holding"
        with ProgressStore(path, "bia") as store:
            assert holder.poll() is None                        # opened while the lock is still held
            assert store.warning is None and store.saving
            assert store.position("slope") == 2
            assert holder.wait(timeout=60) == 0
            store.set_position("slope", 1, 3)                  # writes again once the lock is free
    finally:
        holder.kill()
        holder.wait()
    assert broken_files(path) == []
    with reopen(path, "ana") as store:
        assert [a.answer for a in store.question("slope", "q1").attempts] == ["ana's first", "while bia opened"]
    with reopen(path, "bia") as store:
        assert store.position("slope") == 1


AS_NOBODY = textwrap.dedent(
    """
    import fcntl, json, os, sys   # imported as root: Python itself may live in /root
    from tutor.progress import ProgressStore
    os.setgid(65534); os.setuid(65534)
    store = ProgressStore(sys.argv[1], "ana")
    position = store.position("slope")
    store.set_position("slope", 0, 3)           # taken in memory, never written
    print(json.dumps({"warning": store.warning, "saving": store.saving,
                      "position": position, "after": store.position("slope")}))
    """
)


def _as_nobody(path: Path) -> dict:
    """Open the store as an unprivileged user (root ignores file modes)."""
    import json

    result = subprocess.run([sys.executable, "-c", AS_NOBODY, str(path)], cwd=REPO,
                            capture_output=True, text=True, timeout=60,
                            env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def shared_folder(tmp_path_factory):
    """A folder an unprivileged user can reach (pytest's own are root-only)."""
    import shutil
    import tempfile

    if os.geteuid() != 0:
        folder = tmp_path_factory.mktemp("shared")
        yield folder
        return
    folder = Path(tempfile.mkdtemp(prefix="tutor-ro-", dir="/tmp"))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _read_only_store(folder: Path) -> Path:
    path = folder / FILE_NAME
    with ProgressStore(path, "ana") as store:
        store.set_position("slope", 2, 3)
    path.chmod(0o444)
    folder.chmod(0o755)  # the store made it 0700; another user must reach the file here
    return path


def test_a_read_only_store_is_shown_not_moved_aside(shared_folder):
    """chmod 444: the learner's progress stays visible, the tutor says it
    is not being saved, and the file is left exactly as it was."""
    path = _read_only_store(shared_folder)
    before = path.read_bytes()
    if os.geteuid() == 0:
        seen = _as_nobody(path)
    else:
        with ProgressStore(path, "ana") as store:
            seen = {"warning": store.warning, "saving": store.saving,
                    "position": store.position("slope")}
            store.set_position("slope", 0, 3)
            seen["after"] = store.position("slope")
    assert seen["position"] == 2 and seen["after"] == 0
    assert seen["saving"] is False
    assert "not saved" in seen["warning"] and str(path) in seen["warning"]
    assert broken_files(path) == []
    assert path.read_bytes() == before


def test_the_store_and_its_folder_are_private(tmp_path):
    """Progress is the learner's business: folder 0700, every file 0600,
    also when the folder existed before with looser modes."""
    import stat

    folder = tmp_path / "data"
    with ProgressStore(folder / FILE_NAME, "ana") as store:
        store.set_position("slope", 0, 3)
        files = list(folder.iterdir())
        assert {p.name for p in files} >= {FILE_NAME, FILE_NAME + "-wal", FILE_NAME + "-shm"}
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        for p in files:
            assert stat.S_IMODE(p.stat().st_mode) == 0o600, p
    old = tmp_path / "old"
    old.mkdir(mode=0o755)
    old.chmod(0o755)
    (old / FILE_NAME).write_bytes(b"")
    (old / FILE_NAME).chmod(0o644)
    ProgressStore(old / FILE_NAME, "ana").close()
    assert stat.S_IMODE(old.stat().st_mode) == 0o700
    assert stat.S_IMODE((old / FILE_NAME).stat().st_mode) == 0o600


# ---------------------------------------------- the rule for an unusable store


def test_an_unusable_store_never_stops_the_tutor(tmp_path, path):
    """The one rule (see the module docstring): only a bad learner name is
    an error; a store that cannot be used gives a store in memory and a
    warning that says nothing is saved, and no file is moved aside unless
    SQLite finds it damaged."""
    (tmp_path / "file").write_text("x")
    with ProgressStore(tmp_path / "file" / FILE_NAME, "ana") as store:   # no folder can be made
        assert store.saving is False and store.readable is False
        assert "not saved" in store.warning and "cannot create the folder" in store.warning
        store.set_position("slope", 1, 3)
        assert store.position("slope") == 1
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE future (x)")
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.commit()
    con.close()
    with ProgressStore(path, "ana") as store:                          # a newer tutor's file
        assert store.saving is False and "newer" in store.warning
    assert broken_files(path) == []
    with pytest.raises(ProgressError):
        ProgressStore(path, "")


def test_progress_says_so_when_it_cannot_read_the_store(lessons_dir, tmp_path):
    """`tutor progress` on a store it cannot read exits 2 with the reason,
    never "No progress yet"."""
    data = tmp_path / "data"
    data.mkdir()
    con = sqlite3.connect(data / FILE_NAME)
    con.execute("CREATE TABLE recipes (name)")
    con.commit()
    con.close()
    code, out, err = run_cmd(lessons_dir, data)
    assert code == 2 and "recipes" in err and "No progress yet" not in out
    assert broken_files(data / FILE_NAME) == []


# ---------------------------------------------------------------- code questions


def test_the_learners_code_comes_back_whole_after_reopening(path):
    store = reopen(path, "ana")
    assert store.code("05-backprop", "write-it") is None
    store.set_code("05-backprop", "write-it", "loss.backward()\n")
    code = "loss.backward()\ngrad = model[0].weight.grad\n# é ç ñ\n" + "x = 1\n" * 5000
    store.set_code("05-backprop", "write-it", code)
    store.close()
    again = reopen(path, "ana")
    assert again.code("05-backprop", "write-it") == code
    assert reopen(path, "bia").code("05-backprop", "write-it") is None
    again.reset()
    assert again.code("05-backprop", "write-it") is None


def test_a_store_from_before_the_code_table_gains_it_and_keeps_its_progress(path):
    store = reopen(path, "ana")
    store.set_position("01-slope", 2, 5)
    store.close()
    con = sqlite3.connect(path)
    con.execute("DROP TABLE code")
    con.commit()
    con.close()
    old = reopen(path, "ana")
    assert old.position("01-slope") == 2
    old.set_code("05-backprop", "write-it", "loss.backward()\n")
    assert old.code("05-backprop", "write-it") == "loss.backward()\n"


# ------------------------------------------------- schema 2: normalised answers


def test_answers_keep_their_normalised_form(path):
    with reopen(path, "ana") as store:
        store.record_answer("practice", "shape", "8x16", False, normalised="8, 16")
        store.record_answer("practice", "shape", "8 by 16", True)
        attempts = store.question("practice", "shape").attempts
    assert [(a.answer, a.normalised) for a in attempts] == [("8x16", "8, 16"), ("8 by 16", None)]
    with reopen(path, "bia") as store:
        records = store.everyone()
    assert [(a.learner, a.answer, a.normalised, a.correct) for a in records.attempts] == [
        ("ana", "8x16", "8, 16", False), ("ana", "8 by 16", None, True)]


def _schema_1_store(path: Path) -> None:
    """A store as the tutor wrote it before schema 2 (no attempts.normalised)."""
    with ProgressStore(path, "ana") as store:
        store.set_position("practice", 2, 8)
        store.record_answer("practice", "shape", "16x8", False)
        store.record_answer("practice", "shape", "8x16", True)
    con = sqlite3.connect(path)
    con.execute("ALTER TABLE attempts DROP COLUMN normalised")
    con.execute("PRAGMA user_version = 1")
    con.commit()
    con.close()


def test_a_schema_1_store_is_migrated_and_loses_nothing(path):
    _schema_1_store(path)
    before = sqlite3.connect(path).execute("SELECT * FROM attempts ORDER BY id").fetchall()
    with reopen(path, "ana") as store:
        assert store.position("practice") == 2
        assert [a.answer for a in store.question("practice", "shape").attempts] == ["16x8", "8x16"]
        store.record_answer("practice", "shape", "16 by 8", False, normalised="16, 8")
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
    after = con.execute("SELECT * FROM attempts ORDER BY id").fetchall()
    con.close()
    assert [row[:-1] for row in after[:2]] == before and [row[-1] for row in after] == [None, None, "16, 8"]
    assert broken_files(path) == []


READ_SCHEMA_1 = textwrap.dedent(
    """
    import json, os, sys
    from tutor.progress import ProgressStore
    if os.geteuid() == 0:
        os.setgid(65534); os.setuid(65534)   # root ignores file modes
    store = ProgressStore(sys.argv[1], "ana")
    seen = {"saving": store.saving, "readable": store.readable, "position": store.position("practice"),
            "answers": [a.answer for a in store.everyone().attempts]}
    store.record_answer("practice", "shape", "8", False, normalised="8")   # in memory only
    seen["after"] = len(store.everyone().attempts)
    print(json.dumps(seen))
    """
)


def test_a_read_only_schema_1_store_is_still_shown(shared_folder):
    import json

    path = shared_folder / FILE_NAME
    _schema_1_store(path)
    path.chmod(0o444)
    shared_folder.chmod(0o755)
    before = path.read_bytes()
    result = subprocess.run([sys.executable, "-c", READ_SCHEMA_1, str(path)], cwd=REPO, capture_output=True,
                            text=True, timeout=60, env=dict(os.environ, PYTHONPATH=str(REPO)))
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen == {"saving": False, "readable": True, "position": 2, "answers": ["16x8", "8x16"], "after": 3}
    assert path.read_bytes() == before


# ------------------------------------------------------- progress --all [--csv]


def run_all(lessons_dir, data_dir, *, csv=False, lang="en", every=True, reset=False):
    args = argparse.Namespace(lang=lang, learner="default", data_dir=str(data_dir), lessons=str(lessons_dir),
                              reset=reset, yes=False, all=every, csv=csv)
    out, err = io.StringIO(), io.StringIO()
    code = progress_cmd.main(args, stdin=io.StringIO(""), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def _fill_class(data: Path) -> None:
    with ProgressStore(data / FILE_NAME, "bia") as store:
        store.set_position("tiny", 0, 3)
        store.set_position("tiny", 2, 3)
        store.record_hint("tiny", "ask")
        store.record_hint("tiny", "ask")
        store.record_answer("tiny", "ask", "3", False, normalised="3")
        store.record_answer("tiny", "ask", "2", True, normalised="2")
    with ProgressStore(data / FILE_NAME, "ana") as store:
        store.set_position("tiny", 1, 3)
        store.record_reveal("tiny", "ask")
        store.set_position("old-lesson", 3, 4)


def test_progress_all_lists_every_learner(lessons_dir, tmp_path):
    data = tmp_path / "data"
    code, out, err = run_all(lessons_dir, data)
    assert code == 0 and "No progress yet" in out and not data.exists()
    _fill_class(data)
    code, out, err = run_all(lessons_dir, data)
    assert code == 0 and err == ""
    rows = [line.split() for line in out.splitlines()[3:]]
    assert [row[:6] for row in rows] == [
        ["ana", "tiny", "2/3", "0/1", "0", "1"],
        ["ana", "old-lesson", "4/4", "0/0", "0", "0"],
        ["bia", "tiny", "3/3", "1/1", "2", "0"],
    ]
    assert out.splitlines()[2].split()[:6] == ["Learner", "Lesson", "Steps", "Right", "Hints", "Revealed"]
    code, out, _ = run_all(lessons_dir, data, lang="pt")
    assert "Progresso de todos os alunos" in out and "Visto por último" in out


def test_progress_all_csv(lessons_dir, tmp_path):
    import csv
    from datetime import datetime

    data = tmp_path / "data"
    _fill_class(data)
    code, out, err = run_all(lessons_dir, data, csv=True)
    assert code == 0 and err == ""
    table = list(csv.reader(io.StringIO(out)))
    assert table[0] == ["learner", "lesson", "steps_seen", "steps", "right", "questions", "hints", "revealed",
                        "last_seen"]
    assert [row[:-1] for row in table[1:]] == [
        ["ana", "tiny", "2", "3", "0", "1", "0", "1"],
        ["ana", "old-lesson", "4", "4", "0", "0", "0", "0"],
        ["bia", "tiny", "3", "3", "1", "1", "2", "0"],
    ]
    for row in table[1:]:
        assert datetime.fromisoformat(row[-1]).tzinfo is not None
    assert run_all(lessons_dir, data, csv=True, every=False)[0] == 2
    code, _, err = run_all(lessons_dir, data, reset=True)
    assert code == 2 and "--reset" in err


def test_progress_all_csv_from_the_command_line(lessons_dir, tmp_path):
    data = tmp_path / "data"
    _fill_class(data)
    result = subprocess.run(
        [sys.executable, "-m", "tutor", "progress", "--all", "--csv", "--lessons", str(lessons_dir),
         "--data-dir", str(data)],
        cwd=REPO, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith("learner,lesson,steps_seen")
    assert result.stdout.splitlines()[3].startswith("bia,tiny,3,3,1,1,2,0,")


def test_a_title_too_long_for_the_table_is_cut_after_a_whole_word(tmp_path):
    chapter = Path(__file__).resolve().parents[1] / "lessons"
    code, out, _ = run_cmd(chapter, tmp_path / "data", lang="pt")
    assert code == 0
    rows = {cells[1]: line for line in out.splitlines() if len(cells := line.split()) > 1}
    assert "Atualização manual dos parâmetros… " in rows["manual-update"]  # not "... parâmetros d…"
    assert "Descida de gradiente com um… " in rows["sgd"]
    assert "Funções convexas e não convexas " in rows["convexity"]  # a title that fits is whole
