"""The warm parent runs the lessons once before forking sessions
(forker.share_lesson_results): under a session's memory cap, as a
session's own run would be, and with the process's limit put back after."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

LESSON = '''\
id = "{id}"
order = {order}
title = {{ en = "T", pt = "T" }}

[[steps]]
id = "one"
title = {{ en = "One", pt = "Um" }}
text = {{ en = "t", pt = "t" }}
code = """
{code}
"""
show = ["x"]
'''

SCRIPT = textwrap.dedent('''
    import json, resource, sys
    from tutor.lesson import load_lessons
    from tutor.runner import LessonRun, _shared_results
    from tutor.runner import load_torch
    from tutor.serve import forker
    load_torch(warm=True)   # as the warm parent has, before it shares
    lessons = load_lessons(sys.argv[1])
    before = resource.getrlimit(resource.RLIMIT_AS)
    forker.share_lesson_results(lessons, {"seed": 0, "session_memory_mb": int(sys.argv[2])})
    shared = sorted({key[0] for key in _shared_results})
    fresh = {l.id: len(LessonRun(l, seed=0, lang="pt").results) for l in lessons}
    print(json.dumps({"shared": shared, "fresh": fresh,
                      "limit_back": resource.getrlimit(resource.RLIMIT_AS) == before}))
''')


def share(tmp_path: Path, memory_mb: int) -> dict:
    folder = tmp_path / "lessons"
    folder.mkdir()
    (folder / "01-small.toml").write_text(LESSON.format(id="small", order=1, code="x = torch.ones(3)"))
    # 400 MB of floats: past a 100 MB session cap, not past no cap
    (folder / "02-big.toml").write_text(LESSON.format(id="big", order=2,
                                                      code="x = torch.ones(100_000_000).sum()"))
    out = subprocess.run([sys.executable, "-c", SCRIPT, str(folder), str(memory_mb)], cwd=REPO,
                         capture_output=True, text=True, timeout=240)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_lessons_are_shared_in_both_languages_and_the_limit_comes_back(tmp_path):
    result = share(tmp_path, 0)
    assert result["shared"] == ["big", "small"]
    assert result["fresh"] == {"small": 1, "big": 1}      # a run made afterwards starts with them
    assert result["limit_back"]


def test_a_lesson_past_a_sessions_memory_cap_is_not_shared(tmp_path):
    result = share(tmp_path, 100)
    assert result["shared"] == ["small"]
    assert result["fresh"] == {"small": 1, "big": 0}      # it runs live, in the session, under its cap
    assert result["limit_back"]
