"""The command line as a user meets it: output, exit codes, one-line errors."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTER = ["slope", "convexity", "training", "backprop-order", "backprop-pytorch", "manual-update", "sgd", "practice"]


def tutor(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, "LANG": "C.UTF-8", **(env or {})}
    environment.pop("LC_ALL", None)
    return subprocess.run(
        [sys.executable, "-m", "tutor", *args], capture_output=True, text=True, timeout=300, cwd=ROOT, env=environment
    )


def test_list_shows_the_chapter_in_order():
    done = tutor("list")
    assert done.returncode == 0, done.stderr
    ids = [line.split()[1] for line in done.stdout.splitlines()]
    assert ids == CHAPTER


def test_list_speaks_portuguese_from_lang():
    english = tutor("list").stdout
    portuguese = tutor("list", env={"LANG": "pt_BR.UTF-8"}).stdout
    assert portuguese != english
    assert "passos" in portuguese and "steps" in english
    assert tutor("list", "--lang", "en", env={"LANG": "pt_BR.UTF-8"}).stdout == english


def test_show_prints_every_step_with_code_and_values():
    done = tutor("show", "backprop-pytorch")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "nn.Sequential(nn.Linear(16, 8)" in out
    assert "loss.backward()" in out
    assert "tensor 8x16 float32" in out  # model[0].weight.grad
    assert "tensor 2x4 float32" in out  # model[2].weight.grad


def test_show_json_has_complete_values_of_the_chapter_model():
    done = tutor("show", "backprop-pytorch", "--json", "--seed", "3")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["lesson"] == "backprop-pytorch" and doc["seed"] == 3 and doc["lang"] == "en"
    values = {}
    for step in doc["steps"]:
        assert {"id", "title", "code", "values"} <= step.keys()
        values.update(step["values"])
    grads = {k: v for k, v in values.items() if k.endswith(".grad") and isinstance(v, dict)}
    shapes = sorted(tuple(v["shape"]) for v in grads.values())
    assert shapes == sorted([(8, 16), (8,), (4, 8), (4,), (2, 4), (2,)])
    weight_grad = next(v for k, v in grads.items() if v["shape"] == [8, 16])
    assert len(weight_grad["data"]) == 8 and all(len(row) == 16 for row in weight_grad["data"])
    assert weight_grad["dtype"] == "float32"


def test_seed_changes_the_numbers():
    a = json.loads(tutor("show", "backprop-pytorch", "--json").stdout)
    b = json.loads(tutor("show", "backprop-pytorch", "--json", "--seed", "7").stdout)
    assert a["steps"][-1]["values"] != b["steps"][-1]["values"]


def test_show_accepts_a_lesson_number():
    assert tutor("show", "1").stdout == tutor("show", "slope").stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (("show", "nope"), "no lesson 'nope'"),
        (("--bogus",), "unrecognized arguments: --bogus"),
        (("--lessons", "/nonexistent/folder", "list"), "no such lessons folder"),
        (("--lang", "fr", "list"), "invalid choice: 'fr'"),
        (("show", "slope", "--param", "nope=1"), "--param"),
    ],
)
def test_bad_calls_give_one_clear_line_and_exit_2(args, message):
    done = tutor(*args)
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_check_passes_on_the_chapter():
    done = tutor("check")
    assert done.returncode == 0, done.stdout
    assert "no problems" in done.stdout


def test_check_reports_file_line_message_and_exits_1(tmp_path):
    source = (ROOT / "lessons").glob("*.toml")
    original = sorted(source)[0].read_text(encoding="utf-8")
    broken = original.replace("[[steps]]", "[[steps]]\nbogus = 1", 1)
    (tmp_path / "01-broken.toml").write_text(broken, encoding="utf-8")
    done = tutor("check", str(tmp_path))
    assert done.returncode == 1
    first = done.stdout.splitlines()[0]
    line = next(n for n, text in enumerate(broken.splitlines(), 1) if text == "bogus = 1")
    assert first == f"{tmp_path / '01-broken.toml'}:{line}: unknown key 'bogus' in step 1 (known: code, diagram, id, plot, question, show, text, time_limit, title)"


def test_a_broken_lessons_folder_stops_show_with_exit_2(tmp_path):
    (tmp_path / "01-x.toml").write_text("id = 'x'\n", encoding="utf-8")
    done = tutor("--lessons", str(tmp_path), "show", "x")
    assert done.returncode == 2
    assert "01-x.toml:" in done.stderr and "Traceback" not in done.stderr


def test_an_instructors_own_lessons_folder(tmp_path):
    (tmp_path / "01-mine.toml").write_text(
        'id = "mine"\norder = 1\ntitle = { en = "Mine", pt = "Minha" }\n'
        '[[steps]]\nid = "a"\ntitle = { en = "A", pt = "A" }\ntext = { en = "t", pt = "t" }\n'
        'code = "v = torch.ones(3) * 2"\nshow = ["v.sum()"]\n',
        encoding="utf-8",
    )
    done = tutor("show", "mine", "--lessons", str(tmp_path), "--json")
    assert json.loads(done.stdout)["steps"][0]["values"]["v.sum()"]["data"] == 6.0


def test_help_names_every_command_and_serve_keeps_its_own_options():
    """The server's options are only loaded when `serve` is on the command
    line (start-up); its help and its checks must not notice."""
    top = tutor("--help")
    assert top.returncode == 0
    for command in ("run", "list", "show", "check", "progress", "serve"):
        assert command in top.stdout
    serve = tutor("serve", "--help")
    assert serve.returncode == 0
    assert "--port" in serve.stdout and "--max-sessions" in serve.stdout
    bad = tutor("serve", "--port", "x")
    assert bad.returncode == 2 and "--port" in bad.stderr and "Traceback" not in bad.stderr
    assert "--port" not in tutor("list", "--help").stdout
