"""The command line as a user meets it: output, exit codes, one-line errors."""

import json
import os
import subprocess
import sys
import time
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
    assert "model = nn.Sequential(" in out and "nn.Linear(16, 8)," in out
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
    last = max(i for i, step in enumerate(a["steps"]) if step["values"])  # the code exercise after it shows none
    assert a["steps"][last]["values"] != b["steps"][last]["values"]


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
    known = "code, diagram, id, plot, question, show, status_loss, text, time_limit, title"
    assert first == f"{tmp_path / '01-broken.toml'}:{line}: unknown key 'bogus' in step 1 (known: {known})"


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



@pytest.mark.parametrize("argv", [
    [], ["--lang", "pt"], ["--lang=en", "--learner", "ana", "--seed", "3", "--lesson", "slope",
                            "--data-dir", "d", "--lessons", "l"], ["--lea", "bo"],
    ["run", "--lang", "en"], ["--lesson", "show"], ["list", "--seed", "2"],
    ["--seed", "-1"], ["--seed=+7"], ["--seed", " 12 "], ["--seed", "1_000"], ["--lang", "pt", "--lang", "en"],
    ["--learner", "   "], ["--learner=a=b"], ["--learner", "ana", "--learner", "bo"], ["--lesson=--x"],
    ["--data-dir=", "--lang", "en"], ["--lessons", "two words"], ["--learner", "maria-joão"],
])
def test_the_plain_start_reads_the_command_line_as_the_whole_parser_does(argv):
    """`python -m tutor [options]` is read without argparse, or without the
    commands' parsers (start-up, issue 14): what it gives must be what the
    whole command line gives, down to the defaults."""
    from tutor import cli

    assert vars(cli.parse_args(argv)) == vars(cli.build_parser(argv).parse_args(argv))


def test_the_plain_start_knows_the_top_level_options_and_the_commands_as_the_parser_does():
    from tutor import cli, cli_args

    parser = cli.build_parser()
    options = {option for action in parser._actions for option in action.option_strings}
    assert set(cli._PLAIN_OPTIONS) == options - {"-h", "--help"}
    assert {name for name, _, _ in cli_args._COMMANDS} == cli.COMMAND_NAMES
    assert set(cli._PLAIN_DEFAULTS) == set(vars(parser.parse_args([])))


def test_the_plain_start_does_not_import_argparse():
    code = ("import sys, tutor.cli\n"
            "args = tutor.cli.parse_args(['--lang', 'pt', '--learner=ana', '--seed', '4'])\n"
            "print(args.lang, args.learner, args.seed, 'argparse' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["pt", "ana", "4", "False"]


@pytest.mark.parametrize("args, message", [
    (("--seed", "x"), "invalid int value: 'x'"), (("nope",), "invalid choice: 'nope' (choose from"),
    (("--lang",), "expected one argument"), (("--lang", "fr"), "invalid choice: 'fr'"),
    (("--learner", "ana", "--seed"), "expected one argument"),
])
def test_a_mistake_in_the_plain_start_reads_as_the_whole_parser_says_it(args, message):
    done = tutor(*args)
    assert done.returncode == 2
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1

# ------------------------------------------------------------ lessons that misbehave when run

BAD_STEPS = [
    ("spin", "sum(range(10 ** 11))", "stopped after 0.5 s"),
    ("leave", "exit()", "SystemExit"),
    ("crash", "import os\nos._exit(3)", "exit code 3"),
    ("term", "import os, signal\nos.kill(os.getpid(), signal.SIGTERM)", "signal SIGTERM"),
    ("mute", "import sys\nprint('-'.join('LOUD'))\nsys.stdout.close()", None),
]


def _bad_lesson(folder: Path) -> Path:
    """A lesson whose steps never end, end their process or close stdout,
    between two good ones; and a question whose answer is of the wrong kind."""
    def step(step_id: str, code: str, extra: str = "") -> str:
        return (f'[[steps]]\nid = "{step_id}"\ntitle = {{ en = "{step_id}", pt = "{step_id}" }}\n'
                f'text = {{ en = "t", pt = "t" }}\ncode = """\n{code}\n"""\n{extra}\n')

    text = 'id = "bad"\norder = 1\ntitle = { en = "Bad", pt = "Ruim" }\n\n'
    text += step("first", "a = torch.ones(2)", 'show = ["a", "10 ** 5000", "torch.tensor([1 + 2j])"]')
    for step_id, code, _ in BAD_STEPS:
        text += step(step_id, code)
    text += step("last", "b = a * 2", 'show = ["b"]\n[steps.question]\nkind = "sign"\n'
                 'prompt = { en = "?", pt = "?" }\nanswer = "[[1]]"\nexplain = { en = "{answer}", pt = "{answer}" }')
    folder.mkdir(exist_ok=True)
    path = folder / "01-bad.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_show_json_survives_steps_that_hang_or_end_the_process(tmp_path):
    _bad_lesson(tmp_path)
    done = tutor("--lessons", str(tmp_path), "show", "bad", "--json", "--answers", "--time-limit", "0.5")
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    doc = json.loads(done.stdout)
    steps = {step["id"]: step for step in doc["steps"]}
    assert list(steps) == ["first", *(s for s, _, _ in BAD_STEPS), "last"]
    for step_id, _, error in BAD_STEPS:
        if error is None:
            assert steps[step_id]["error"] is None
        else:
            assert error in steps[step_id]["error"]
    assert "L-O-U-D" not in done.stdout
    assert steps["first"]["values"]["10 ** 5000"].startswith("1.000e+5000")
    assert "complex numbers are shown as text" in steps["first"]["values"]["torch.tensor([1 + 2j])"]
    assert steps["last"]["values"]["b"]["data"] == [2.0, 2.0]  # the run went on
    assert steps["last"]["error"].startswith("question answer:")
    assert steps["last"]["question"]["expected"] is None


def test_show_text_survives_them_too(tmp_path):
    _bad_lesson(tmp_path)
    done = tutor("--lessons", str(tmp_path), "show", "bad", "--answers", "--time-limit", "0.5")
    assert done.returncode == 0 and "Traceback" not in done.stderr
    assert "stopped after 0.5 s" in done.stdout and "Step 7 of 7: last" in done.stdout


def test_check_run_reports_what_only_running_shows_as_file_line(tmp_path):
    path = _bad_lesson(tmp_path)
    assert tutor("check", str(tmp_path)).returncode == 0  # reading the file finds nothing
    done = tutor("check", "--run", "--time-limit", "0.5", str(tmp_path))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = path.read_text(encoding="utf-8").splitlines()
    where = {text.split('"')[1]: n - 1 for n, text in enumerate(lines, 1) if text.startswith("id = ") and n > 1}
    problems = done.stdout.splitlines()
    expected = [f"{path}:{where[step_id]}: step {i} ('{step_id}'): "
                for i, (step_id, _, error) in enumerate(BAD_STEPS, 2) if error]
    expected.append(f"{path}:{where['last']}: step 7 ('last'): question answer: ")
    assert len(problems) == len(expected)
    for problem, start in zip(problems, expected):
        assert problem.startswith(start), (problem, start)
    assert "stopped after 0.5 s" in problems[0]
    assert f"{len(expected)} problem(s) found" in done.stderr


def test_check_run_passes_on_the_chapter():
    done = tutor("check", "--run")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no problems" in done.stdout


@pytest.mark.parametrize("value", ["0", "-1", "nan", "x"])
def test_a_bad_time_limit_is_one_line_and_exit_2(value):
    done = tutor("check", "--run", "--time-limit", value)
    assert done.returncode == 2 and "--time-limit" in done.stderr and "Traceback" not in done.stderr


def _children_of(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def _running(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_q_ends_the_app_at_once_while_a_step_never_ends(tmp_path):
    """The app in a real terminal, on a step whose code holds the interpreter
    in a C loop: `q` ends it within a second or two, and no process stays."""
    import pty
    import select
    import signal

    (tmp_path / "lessons").mkdir()
    (tmp_path / "lessons" / "01-spin.toml").write_text(
        'id = "spin"\norder = 1\ntitle = { en = "Spin", pt = "Gira" }\n'
        '[[steps]]\nid = "spin"\ntitle = { en = "Spinning", pt = "Girando" }\ntext = { en = "t", pt = "t" }\n'
        'code = "sum(range(10 ** 11))"\n', encoding="utf-8")
    env = {**os.environ, "LANG": "C.UTF-8", "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    env.pop("LC_ALL", None)
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(ROOT)
        os.execvpe(sys.executable, [sys.executable, "-m", "tutor", "--lessons", str(tmp_path / "lessons"),
                                    "--data-dir", str(tmp_path / "data"), "--lesson", "spin"], env)
    try:
        deadline = time.monotonic() + 60
        children: list[int] = []
        while time.monotonic() < deadline and not children:
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    os.read(fd, 65536)
                except OSError:
                    break
            children = _children_of(pid)
        assert children, "the step never started"
        time.sleep(0.5)  # well inside the step
        os.write(fd, b"q")
        started = time.monotonic()
        status = None
        while time.monotonic() - started < 8:
            if select.select([fd], [], [], 0.05)[0]:
                try:
                    os.read(fd, 65536)
                except OSError:
                    pass
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                break
        ended = time.monotonic() - started
        assert done, "q did not end the app"
        assert ended < 3, f"q took {ended:.1f} s"
        assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
        time.sleep(0.3)
        assert not any(_running(child) for child in children)
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (OSError, ChildProcessError):
            pass
        os.close(fd)


@pytest.mark.parametrize("argv", [["--learner", "--lang"], ["--learner", "-h"], ["--seed", "x"], ["--lang", "fr"],
                                  ["--lang"], ["--learner=ana", "--lessons"]])
def test_what_the_plain_start_cannot_read_goes_to_the_whole_parser(argv, capsys):
    """An option's value that is another option, a language or seed that
    does not read, a missing value: argparse's answer (help, or one line and
    exit 2), never a start with a value the parser would refuse."""
    from tutor import cli

    with pytest.raises(SystemExit):
        cli.parse_args(argv)
    capsys.readouterr()
