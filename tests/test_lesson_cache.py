"""The lesson cache: validated lessons read back as JSON on the next start,
and never a reason to show a stale or a broken lesson; with them, the menu's
index, from which the app draws its first frame (`open_chapter`).

Whether a load came from the cache is seen by making the validator fail
loudly: a load that still succeeds did not validate.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import tutor.lesson.check
from tutor.lesson import LessonLoadError, check_lessons, default_lessons_dir, load_lessons, open_chapter
from tutor.lesson import cache as lesson_cache
from tutor.lesson.chapter import MenuEntry

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("TUTOR_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def lessons_dir(tmp_path) -> Path:
    folder = tmp_path / "lessons"
    shutil.copytree(default_lessons_dir(), folder)
    return folder


def no_validation(monkeypatch) -> None:
    def refuse(files, warnings=False):
        raise AssertionError("validated again instead of reading the cache")

    monkeypatch.setattr(tutor.lesson.check, "check_files", refuse)


def plain(lessons) -> list:
    return [lesson_cache._plain(lesson) for lesson in lessons]


def edit(path: Path, old: str, new: str) -> None:
    """Change a file so that its size changes too (an edit inside one mtime tick)."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_second_load_reads_the_cache_and_gives_the_same_lessons(cache, lessons_dir, monkeypatch):
    validated, errors = check_lessons(lessons_dir)
    assert errors == []
    first = load_lessons(lessons_dir)
    assert list(cache.glob("lessons-*.json"))
    no_validation(monkeypatch)
    second = load_lessons(lessons_dir)
    assert plain(second) == plain(first) == plain(validated)
    # the same kinds of objects a validation gives: tuples, paths, nested dataclasses
    lesson = second[0]
    assert isinstance(lesson.steps, tuple) and isinstance(lesson.path, Path)
    assert any(step.question is not None and isinstance(step.question.hints, tuple)
               for lesson in second for step in lesson.steps)
    assert all(isinstance(step.plot.range, tuple) for lesson in second for step in lesson.steps if step.plot)


def test_an_edited_lesson_is_validated_again(cache, lessons_dir):
    load_lessons(lessons_dir)
    path = sorted(lessons_dir.glob("*.toml"))[0]
    edit(path, 'title = { en = "', 'title = { en = "Edited: ')
    assert load_lessons(lessons_dir)[0].title["en"].startswith("Edited: ")


def test_a_lesson_broken_after_it_was_cached_is_reported_with_file_and_line(cache, lessons_dir):
    load_lessons(lessons_dir)
    path = sorted(lessons_dir.glob("*.toml"))[1]
    edit(path, "[[steps]]", "[[steps]]\nnot toml at all")
    with pytest.raises(LessonLoadError) as caught:
        load_lessons(lessons_dir)
    assert any(error.path == path and error.line > 1 for error in caught.value.errors)


def test_a_new_or_removed_file_is_noticed(cache, lessons_dir):
    count = len(load_lessons(lessons_dir))
    sorted(lessons_dir.glob("*.toml"))[-1].unlink()
    assert len(load_lessons(lessons_dir)) == count - 1


@pytest.mark.parametrize("content", [
    "{not json",
    '{"key": null, "lessons": []}',
    "[1, 2, 3]",
    "\udcff",
])
def test_a_corrupt_cache_is_ignored_and_rebuilt(cache, lessons_dir, content):
    expected = plain(load_lessons(lessons_dir))
    (path,) = cache.glob("lessons-*.json")
    path.write_text(content, encoding="utf-8", errors="surrogateescape")
    assert plain(load_lessons(lessons_dir)) == expected
    assert json.loads(path.read_text(encoding="utf-8"))["lessons"]  # written again, whole


def test_a_cache_with_the_right_key_but_wrong_lessons_is_ignored(cache, lessons_dir):
    expected = plain(load_lessons(lessons_dir))
    (path,) = cache.glob("lessons-*.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["lessons"][0]["steps"][0] = {"id": "only-an-id"}
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert plain(load_lessons(lessons_dir)) == expected


def test_a_cache_of_another_version_is_ignored(cache, lessons_dir, monkeypatch):
    load_lessons(lessons_dir)
    monkeypatch.setattr(lesson_cache, "__version__", "999.0")
    no_validation(monkeypatch)
    with pytest.raises(AssertionError, match="validated again"):
        load_lessons(lessons_dir)


def test_a_cache_that_cannot_be_written_is_no_problem(tmp_path, lessons_dir, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TUTOR_CACHE_DIR", str(blocker / "cache"))
    assert len(load_lessons(lessons_dir)) == len(list(lessons_dir.glob("*.toml")))


def test_check_always_validates_in_full(cache, lessons_dir, monkeypatch):
    load_lessons(lessons_dir)
    no_validation(monkeypatch)
    with pytest.raises(AssertionError, match="validated again"):
        check_lessons(lessons_dir)


def test_the_cache_folder_is_the_user_cache_folder_unless_told(monkeypatch, tmp_path):
    monkeypatch.delenv("TUTOR_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    import platformdirs

    assert lesson_cache.cache_dir() == Path(platformdirs.user_cache_dir("tutor"))
    if sys.platform.startswith("linux"):
        assert lesson_cache.cache_dir() == tmp_path / "xdg" / "tutor"
    assert lesson_cache.cache_dir({"TUTOR_CACHE_DIR": "/y"}) == Path("/y")


def test_the_command_line_still_stops_on_a_broken_lesson_with_a_cache(tmp_path, lessons_dir):
    """`python -m tutor --lessons DIR` after DIR's lessons were cached and
    one was broken: FILE:LINE and exit 2 before any screen; `check` exit 1."""
    env = dict(os.environ, TUTOR_CACHE_DIR=str(tmp_path / "cache"), TUTOR_DATA_DIR=str(tmp_path / "data"),
               PYTHONPATH=str(ROOT))
    listed = subprocess.run([sys.executable, "-m", "tutor", "list", "--lessons", str(lessons_dir)],
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert list((tmp_path / "cache").glob("lessons-*.json"))
    path = sorted(lessons_dir.glob("*.toml"))[0]
    edit(path, "order = ", "order = oops ")
    run = subprocess.run([sys.executable, "-m", "tutor", "--lessons", str(lessons_dir)],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=60, stdin=subprocess.DEVNULL)
    assert run.returncode == 2
    assert f"{path}:" in run.stderr and "Traceback" not in run.stderr
    check = subprocess.run([sys.executable, "-m", "tutor", "check", str(lessons_dir)],
                           capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert check.returncode == 1
    assert f"{path}:" in check.stdout


def test_an_edit_that_keeps_size_and_modification_time_is_seen(cache, lessons_dir):
    """`cp -p` and `rsync -t` keep a file's mtime: the cache is keyed on content."""
    load_lessons(lessons_dir)
    path = sorted(lessons_dir.glob("*.toml"))[0]
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    title = tomllib.loads(text)["title"]["en"]
    changed = title[:-1] + ("X" if title[-1] != "X" else "Y")
    path.write_text(text.replace(f'en = "{title}"', f'en = "{changed}"', 1), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    assert load_lessons(lessons_dir)[0].title["en"] == changed


def _break_title(doc):
    doc["lessons"][0]["title"] = 5


def _break_steps(doc):
    doc["lessons"][0]["steps"] = []


def _break_step(doc):
    doc["lessons"][0]["steps"][0] = ["not", "a", "step"]


def _break_kind(doc):
    question = next(s["question"] for s in doc["lessons"][0]["steps"] if s["question"])
    question["kind"] = "essay"


def _break_range(doc):
    plot = next(s["plot"] for lesson in doc["lessons"] for s in lesson["steps"] if s["plot"])
    plot["range"] = "ab"


def _break_path(doc):
    doc["lessons"][0]["path"] = 3


def _break_text(doc):
    doc["lessons"][0]["steps"][0]["text"] = {"en": "only English"}


def _drop_lesson(doc):
    del doc["lessons"][0]


def _lessons_not_a_list(doc):
    doc["lessons"] = {"a": 1}


def _extra_field(doc):
    doc["lessons"][0]["steps"][0]["surprise"] = 1


@pytest.mark.parametrize("damage", [
    _break_title, _break_steps, _break_step, _break_kind, _break_range, _break_path, _break_text,
    _drop_lesson, _lessons_not_a_list, _extra_field,
])
def test_a_cache_with_the_right_key_but_ill_formed_lessons_is_rebuilt(cache, lessons_dir, damage):
    expected = plain(load_lessons(lessons_dir))
    (path,) = cache.glob("lessons-*.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    damage(doc)
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert plain(load_lessons(lessons_dir)) == expected
    assert json.loads(path.read_text(encoding="utf-8")) != doc  # rewritten whole


def test_a_deeply_nested_cache_is_ignored_and_rebuilt(cache, lessons_dir):
    expected = plain(load_lessons(lessons_dir))
    (path,) = cache.glob("lessons-*.json")
    path.write_text('{"key": ' + "[" * 100_000 + "]" * 100_000 + "}", encoding="utf-8")
    assert plain(load_lessons(lessons_dir)) == expected


def test_a_cache_that_cannot_be_replaced_leaves_no_partial_file(cache, lessons_dir):
    load_lessons(lessons_dir)
    (path,) = cache.glob("lessons-*.json")
    (menu,) = cache.glob("menu-*.json")  # the menu index, written with the lessons
    path.unlink()
    path.mkdir()  # something os.replace cannot replace
    (path / "inside").write_text("x")
    path.parent.joinpath("unrelated.tmp").write_text("not ours")
    assert len(load_lessons(lessons_dir)) == len(list(lessons_dir.glob("*.toml")))
    assert sorted(p.name for p in cache.iterdir()) == sorted([path.name, menu.name, "unrelated.tmp"])


def test_an_edit_made_while_the_lessons_are_validated_is_not_hidden(cache, lessons_dir, monkeypatch):
    """The cache's key describes the files as they were read, not as they
    are after: an edit saved during validation is seen on the next load."""
    path = sorted(lessons_dir.glob("*.toml"))[0]
    validate = tutor.lesson.check.check_files

    def edit_while_validating(files):
        result = validate(files)
        edit(path, 'title = { en = "', 'title = { en = "Saved meanwhile: ')
        return result

    monkeypatch.setattr(tutor.lesson.check, "check_files", edit_while_validating)
    assert not load_lessons(lessons_dir)[0].title["en"].startswith("Saved meanwhile: ")
    monkeypatch.setattr(tutor.lesson.check, "check_files", validate)
    assert load_lessons(lessons_dir)[0].title["en"].startswith("Saved meanwhile: ")


def test_a_folder_of_300_lessons_rewritten_in_place_is_the_same_for_check_and_load(cache, tmp_path):
    """Issue 13: a folder of 300 lessons that `check` accepted was refused by
    `show`. The cause was the cache's old key (each file's size and
    modification time): a generator that rewrites a folder keeping sizes and
    times (ids of one length, one mtime tick, `cp -p`, `rsync -t`) got the
    previous lessons back from the cache, so `show NEW-ID` found no such
    lesson while `check`, which reads the files, accepted them. With the key
    on content both read the same lessons at any size of folder."""
    from test_lesson_loader import GOOD

    folder = tmp_path / "many"
    folder.mkdir()

    def generate(tag: str) -> list[str]:
        for i in range(300):
            text = GOOD.replace('id = "demo"', f'id = "{tag}{i:03d}"').replace("order = 1", f"order = {i + 1}")
            path = folder / f"{i:03d}.toml"
            path.write_text(text, encoding="utf-8")
            os.utime(path, ns=(1_700_000_000 * 10**9, 1_700_000_000 * 10**9))
        return [f"{tag}{i:03d}" for i in range(300)]

    first = generate("a")
    assert [lesson.id for lesson in load_lessons(folder)] == first  # validated, then cached
    second = generate("b")  # same sizes, same times, other ids
    checked, errors = check_lessons(folder)
    assert errors == [] and [lesson.id for lesson in checked] == second
    assert [lesson.id for lesson in load_lessons(folder)] == second
    assert [lesson.id for lesson in load_lessons(folder)] == second  # and from the cache


@pytest.mark.skipif(sys.platform != "linux", reason="file names that are not UTF-8 are a Linux thing")
def test_a_lesson_file_whose_name_is_not_utf8_loads_as_check_reads_it(cache, tmp_path):
    """`check` accepted such a folder; `list` and `show` crashed writing the
    cache (UnicodeEncodeError) and left a partial cache file behind."""
    from test_lesson_loader import GOOD

    folder = tmp_path / "odd"
    folder.mkdir()
    with open(os.fsencode(folder) + b"/\xff.toml", "w", encoding="utf-8") as out:
        out.write(GOOD)
    checked, errors = check_lessons(folder)
    assert errors == [] and [lesson.id for lesson in checked] == ["demo"]
    assert [lesson.id for lesson in load_lessons(folder)] == ["demo"]
    assert [lesson.id for lesson in load_lessons(folder)] == ["demo"]
    assert [path.name for path in cache.glob("*.tmp")] == []


# ---------------------------------------------------------------- the menu index (open_chapter)


def no_decoding(monkeypatch) -> None:
    """Reading the lessons' cache file (decoding every lesson) fails loudly."""
    def refuse(*args, **kwargs):
        raise AssertionError("decoded the lessons")

    monkeypatch.setattr(lesson_cache, "load", refuse)


def entries_of(lessons) -> list:
    return [MenuEntry.of(lesson) for lesson in lessons]


def test_the_menu_is_read_from_the_index_and_the_lessons_decoded_when_asked(cache, lessons_dir, monkeypatch):
    expected = load_lessons(lessons_dir)
    assert list(cache.glob("menu-*.json"))
    no_validation(monkeypatch)
    with monkeypatch.context() as patch:
        no_decoding(patch)
        chapter = open_chapter(lessons_dir)
        assert not chapter.loaded
        # what the menu shows: every lesson's title and summary in both
        # languages, its step count and its question steps
        assert chapter.entries == entries_of(expected)
        assert [entry.question_ids for entry in chapter.entries] == [
            tuple(step.id for step in lesson.steps if step.question) for lesson in expected]
    assert plain(chapter.lessons()) == plain(expected)
    assert chapter.loaded and chapter.lessons() is chapter.lessons()  # decoded once


def test_the_first_open_of_a_folder_loads_its_lessons_at_once(cache, lessons_dir):
    chapter = open_chapter(lessons_dir)  # nothing cached yet: validated now, as load_lessons
    assert chapter.loaded
    assert chapter.entries == entries_of(chapter.lessons())
    assert not open_chapter(lessons_dir).loaded  # the next start reads the index


def test_an_edited_lesson_is_not_read_from_the_index(cache, lessons_dir):
    load_lessons(lessons_dir)
    edit(sorted(lessons_dir.glob("*.toml"))[0], 'title = { en = "', 'title = { en = "Edited: ')
    chapter = open_chapter(lessons_dir)
    assert chapter.loaded and chapter.entries[0].title["en"].startswith("Edited: ")


def _index_bad_json(doc):
    return "{not json"


def _index_other_key(doc):
    doc["key"]["version"] = "999.0"


def _index_title_not_text(doc):
    doc["entries"][0]["title"] = {"en": "only English"}


def _index_one_entry_short(doc):
    del doc["entries"][-1]


def _index_twice_one_id(doc):
    doc["entries"][1]["id"] = doc["entries"][0]["id"]


def _index_no_steps(doc):
    doc["entries"][0]["step_count"] = 0


def _index_extra_field(doc):
    doc["entries"][0]["surprise"] = 1


def _index_question_ids_not_a_list(doc):
    doc["entries"][0]["question_ids"] = "q1"


@pytest.mark.parametrize("damage", [
    _index_bad_json, _index_other_key, _index_title_not_text, _index_one_entry_short, _index_twice_one_id,
    _index_no_steps, _index_extra_field, _index_question_ids_not_a_list,
])
def test_a_damaged_menu_index_is_ignored_and_written_again(cache, lessons_dir, monkeypatch, damage):
    expected = load_lessons(lessons_dir)
    (path,) = cache.glob("menu-*.json")
    doc = json.loads(path.read_text(encoding="utf-8"))
    text = damage(doc)
    path.write_text(text if text is not None else json.dumps(doc), encoding="utf-8")
    no_validation(monkeypatch)  # the lessons' own cache is fine: read from it
    chapter = open_chapter(lessons_dir)
    assert chapter.loaded and chapter.entries == entries_of(expected)
    assert not open_chapter(lessons_dir).loaded  # the index was written again


def test_a_lessons_cache_damaged_after_the_index_was_read_is_validated_again(cache, lessons_dir):
    expected = plain(load_lessons(lessons_dir))
    chapter = open_chapter(lessons_dir)
    assert not chapter.loaded
    (path,) = cache.glob("lessons-*.json")
    path.write_text("{not json", encoding="utf-8")
    assert plain(chapter.lessons()) == expected
    assert json.loads(path.read_text(encoding="utf-8"))["lessons"]  # and cached again


def test_a_lesson_broken_after_the_menu_was_drawn_is_an_error_every_time_it_is_asked(cache, lessons_dir):
    load_lessons(lessons_dir)
    chapter = open_chapter(lessons_dir)
    (path,) = cache.glob("lessons-*.json")
    path.unlink()
    broken = sorted(lessons_dir.glob("*.toml"))[0]
    edit(broken, "order = ", "order = oops ")
    for _ in range(2):  # the app's background decode, then the key that opens a lesson
        with pytest.raises(LessonLoadError) as caught:
            chapter.lessons()
        assert any(error.path == broken and error.line > 0 for error in caught.value.errors)
    assert not chapter.loaded


def test_the_lessons_are_decoded_once_when_two_threads_ask_at_once():
    import threading
    import time

    from tutor.lesson.chapter import Chapter

    lessons = load_lessons(None)
    calls = []

    def slow_load():
        calls.append(1)
        time.sleep(0.2)
        return lessons

    chapter = Chapter(entries_of(lessons), slow_load)
    got = []
    threads = [threading.Thread(target=lambda: got.append(chapter.lessons())) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and all(result is lessons for result in got)
