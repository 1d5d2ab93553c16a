"""The runner: code runs live, values are snapshots, errors stay in their step."""

from pathlib import Path

from tutor.lesson import load_lesson
from tutor.runner import LessonRun
from tutor.values import ListValue, NumberValue, TensorValue, TextValue

# a step whose code fails (the runner keeps the error in its step)
BROKEN_STEP = '''[[steps]]
id = "broken"
title = { en = "Broken", pt = "Quebrado" }
text = { en = "t", pt = "t" }
code = """
a = 1
b = a / 0
"""
'''

LESSON = '''\
id = "runner-demo"
order = 1
title = { en = "Demo", pt = "Demo" }

[[params]]
name = "lr"
default = 0.1
min = 0.001
max = 1.0
step = 10.0
scale = "log"
label = { en = "learning rate", pt = "taxa de aprendizado" }

[[steps]]
id = "grad"
title = { en = "Gradient", pt = "Gradiente" }
text = { en = "t", pt = "t" }
code = """
def f(x):
    return x ** 2
x = torch.tensor(3.0, requires_grad=True)
f(x).backward()
w = torch.randn(2, 3)
"""
show = ["x.grad", "w", "w.shape", "None"]

[steps.plot]
function = "f"
range = [-4.0, 4.0]
tangent_at = "[1.0, 3.0]"

[[steps]]
id = "update"
title = { en = "Update", pt = "Atualização" }
text = { en = "t", pt = "t" }
code = """
with torch.no_grad():
    w -= lr * 2
losses = [1.0, 0.1, 0.01]
"""
show = ["w"]

[steps.plot]
series = ["losses"]
log = true

[steps.question]
kind = "number"
prompt = { en = "?", pt = "?" }
answer = "w[0, 0].item()"
explain = { en = "{answer}", pt = "{answer}" }

''' + BROKEN_STEP + '''
[[steps]]
id = "after"
title = { en = "After", pt = "Depois" }
text = { en = "t", pt = "t" }
code = """
c = x.grad * 2
"""
show = ["c"]
'''


def make_run(tmp_path: Path, **kwargs) -> LessonRun:
    path = tmp_path / "demo.toml"
    path.write_text(LESSON, encoding="utf-8")
    return LessonRun(load_lesson(path), **kwargs)


def test_values_come_from_the_code_that_ran(tmp_path):
    first = make_run(tmp_path).run_to(0)
    grad = first.values["x.grad"]
    assert isinstance(grad, TensorValue) and grad.shape == () and grad.data == 6.0
    assert first.values["w"].shape == (2, 3)
    assert first.values["w.shape"] == ListValue((NumberValue(2), NumberValue(3)))
    assert first.values["None"] == TextValue("None")
    assert first.error is None


def test_the_param_is_written_into_the_first_step_that_uses_it(tmp_path):
    run = make_run(tmp_path)
    assert "lr" not in run.run_to(0).code
    assert run.run_to(1).code.splitlines()[0] == "lr = 0.1"


def test_an_update_records_what_changed(tmp_path):
    run = make_run(tmp_path)
    before = run.run_to(0).values["w"]
    after = run.run_to(1)
    assert after.previous["w"] == before  # the snapshot was not changed in place
    diff = after.values["w"].minus(before)
    assert all(abs(d + 0.2) < 1e-6 for d in diff.flat())  # lr * 2 = 0.2
    assert after.expected == NumberValue(after.values["w"].rows()[0][0])


def test_a_value_bound_afresh_shows_no_change_from_the_one_before(tmp_path):
    """What changed is told of the same object carried on (`w -= ...`,
    `w = w - ...`); a step that binds `w` afresh (another exercise's `w`)
    shows its `w.grad` without a "change" from a gradient of something
    else (practice 6 read "change: -12.8" against exercise 5's w.grad)."""
    run = odd_run(
        tmp_path,
        _step("first", "w = torch.tensor(3.0, requires_grad=True)\n(w ** 2).backward()", show=["w", "w.grad"]),
        _step("carried", "with torch.no_grad():\n    w -= 0.1 * w.grad", show=["w"]),
        _step("rebound", "w = w * 2", show=["w"]),
        _step("afresh", "w = torch.tensor(0.6, requires_grad=True)\n((w - 1) ** 2).backward()",
              show=["w", "w.grad"]),
    )
    assert run.run_to(1).previous["w"] == run.run_to(0).values["w"]
    assert "w" in run.run_to(2).previous
    assert run.run_to(3).previous == {}


def test_same_seed_same_numbers_other_seed_other_numbers(tmp_path):
    a = make_run(tmp_path, seed=0).run_to(0).values["w"]
    b = make_run(tmp_path, seed=0).run_to(0).values["w"]
    c = make_run(tmp_path, seed=1).run_to(0).values["w"]
    assert a == b and a != c


def test_changing_a_param_reruns_with_the_new_value(tmp_path):
    run = make_run(tmp_path)
    run.run_to(1)
    assert run.step_param("lr", +1) == 1.0
    assert run.results == []
    result = run.run_to(1)
    assert result.code.startswith("lr = 1.0")
    diff = result.values["w"].minus(result.previous["w"])
    assert all(abs(d + 2.0) < 1e-6 for d in diff.flat())
    assert run.step_param("lr", +1) == 1.0  # clamped at max


def test_an_error_is_the_steps_result_and_later_steps_still_run(tmp_path):
    results = make_run(tmp_path).run_all()
    broken = results[2]
    assert broken.error.splitlines() == ["line 2: b = a / 0", "ZeroDivisionError: division by zero"]
    assert results[3].error is None
    assert results[3].values["c"].data == 12.0


def test_plot_tangents_use_the_autograd_slope(tmp_path):
    plot = make_run(tmp_path).run_to(0).plot
    kinds = [s.kind for s in plot.series]
    assert kinds == ["line", "tangent", "tangent"]
    tangent = plot.series[2]  # at x = 3: slope 6
    (x0, x1), (y0, y1) = tangent.xs[:2], tangent.ys[:2]
    assert abs((y1 - y0) / (x1 - x0) - 6.0) < 1e-6
    assert "+6" in tangent.label


def test_log_series_are_log10(tmp_path):
    plot = make_run(tmp_path).run_to(1).plot
    assert plot.log and plot.series[0].ys == [0.0, -1.0, -2.0]


# ------------------------------------------------------------ lesson code that misbehaves
#
# A lesson's code is the instructor's: trusted, but it can be wrong. Whatever
# a step does, its outcome is that step's result and the run goes on.

import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import textwrap  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402

import pytest  # noqa: E402

from tutor.runner import RunStopped  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def _step(step_id: str, code: str, show=(), question: str = "", time_limit: float | None = None) -> str:
    text = (
        f'[[steps]]\nid = "{step_id}"\ntitle = {{ en = "{step_id}", pt = "{step_id}" }}\n'
        f'text = {{ en = "t", pt = "t" }}\ncode = """\n{textwrap.dedent(code).strip()}\n"""\n'
        f"show = {json.dumps(list(show))}\n"
    )
    if time_limit is not None:
        text += f"time_limit = {time_limit}\n"
    return text + question


def _question(kind: str, answer: str, options: str = "") -> str:
    return (
        f'[steps.question]\nkind = "{kind}"\nprompt = {{ en = "?", pt = "?" }}\n'
        f"answer = {json.dumps(answer)}\nexplain = {{ en = \"{{answer}}\", pt = \"{{answer}}\" }}\n{options}"
    )


def odd_lesson(tmp_path: Path, *steps: str, lesson_id: str = "odd") -> Path:
    """A lesson folder with one lesson made of `steps` (from _step)."""
    folder = tmp_path / "lessons"
    folder.mkdir(exist_ok=True)
    head = f'id = "{lesson_id}"\norder = 1\ntitle = {{ en = "Odd", pt = "Estranha" }}\n\n'
    (folder / f"01-{lesson_id}.toml").write_text(head + "\n".join(steps), encoding="utf-8")
    return folder


def odd_run(tmp_path: Path, *steps: str, **kwargs) -> LessonRun:
    folder = odd_lesson(tmp_path, *steps)
    return LessonRun(load_lesson(folder / "01-odd.toml"), **kwargs)


BEFORE = _step("before", "a = torch.randn(3)\nkept = 1", show=["a"])
AFTER = _step("after", "b = kept + 1", show=["b", "a"])

NEVER_ENDING = {
    "while-loop": "while True:\n    pass",
    "sleep": "import time\ntime.sleep(10 ** 6)",
    "c-loop-holding-the-gil": "sum(range(10 ** 11))",
    "input": "import time\ntry:\n    input()\nexcept EOFError:\n    time.sleep(10 ** 6)",
}


@pytest.mark.parametrize("code", NEVER_ENDING.values(), ids=NEVER_ENDING.keys())
def test_a_step_that_never_ends_is_stopped_at_its_time_limit_and_the_run_goes_on(tmp_path, code):
    run = odd_run(tmp_path, BEFORE, _step("spin", code + "\nkept = 99"), AFTER, time_limit=0.5)
    started = time.monotonic()
    results = run.run_all()
    assert time.monotonic() - started < 8
    assert results[1].error.startswith("stopped after 0.5 s")
    # the step after runs in the namespace the steps before it left
    assert results[2].error is None
    assert results[2].values["b"] == NumberValue(2)
    assert results[2].values["a"] == results[0].values["a"]  # same seed, replayed
    run.close()


ENDS_ITS_PROCESS = {
    "exit": ("exit()", "SystemExit"),
    "quit": ("quit(3)", "SystemExit: exit code 3"),
    "raise-system-exit": ("raise SystemExit", "SystemExit"),
    "raise-base-exception": ("raise BaseException('boom')", "BaseException: boom"),
    "raise-generator-exit": ("raise GeneratorExit", "GeneratorExit"),
    "keyboard-interrupt": ("raise KeyboardInterrupt", "KeyboardInterrupt"),
    "sigterm": ("import os, signal\nos.kill(os.getpid(), signal.SIGTERM)", "(signal SIGTERM)"),
    "os-exit": ("import os\nos._exit(3)", "(exit code 3)"),
    "sigkill-own-group": ("import os, signal\nos.killpg(0, signal.SIGKILL)", "(signal SIGKILL)"),
}


@pytest.mark.parametrize("code, error", ENDS_ITS_PROCESS.values(), ids=ENDS_ITS_PROCESS.keys())
def test_code_that_ends_its_process_is_the_steps_error(tmp_path, code, error):
    run = odd_run(tmp_path, BEFORE, _step("end", code), AFTER)
    results = run.run_all()
    assert error in results[1].error
    assert results[2].error is None and results[2].values["b"] == NumberValue(2)
    run.close()


def test_printing_or_closing_stdout_touches_nothing_of_the_tutor(tmp_path, capfd):
    code = ("import sys, os\nprint('hello')\nos.write(1, b'raw')\nos.write(2, b'err')\n"
            "sys.stdout.close()\nsys.stderr.close()")
    run = odd_run(tmp_path, BEFORE, _step("print", code), AFTER)
    results = run.run_all()
    assert results[1].error is None and results[2].values["b"] == NumberValue(2)
    out, err = capfd.readouterr()
    assert "hello" not in out and "raw" not in out and "err" not in err
    assert not sys.stdout.closed
    run.close()


def test_the_time_limit_comes_from_the_step(tmp_path):
    run = odd_run(tmp_path, _step("slow", "import time\ntime.sleep(0.3)\ndone = 1", show=["done"], time_limit=2),
                  _step("slower", "time.sleep(10 ** 6)", time_limit=0.7), _step("default", "after = done"))
    results = run.run_all()
    assert results[0].values["done"] == NumberValue(1)  # well within its limit
    assert results[1].error.startswith("stopped after 0.7 s")
    assert results[2].error is None
    assert [run.limit_for(i) for i in range(3)] == [2, 0.7, 10.0]  # 10 s unless the lesson says
    run.close()
    capped = LessonRun(run.lesson, time_limit=1)  # show --time-limit, check --run --time-limit
    assert [capped.limit_for(i) for i in range(3)] == [1, 0.7, 1]


def test_values_that_cannot_be_captured_are_text_with_a_note(tmp_path):
    shows = ["10 ** 5000", "-(2 ** 2000)", "torch.tensor([1 + 2j])",
             "torch.nested.nested_tensor([torch.ones(2), torch.ones(3)])", "{1: 2}", "deep", "loop",
             "torch.zeros(1000, 1000)", "2 ** 60"]
    code = "deep = []\nfor _ in range(5000):\n    deep = [deep]\nloop = []\nloop.append(loop)"
    run = odd_run(tmp_path, _step("odd", code, show=shows))
    values = run.run_to(0).values
    assert values["10 ** 5000"].text.startswith("1.000e+5000 (an integer of 5,001 digits")
    assert values["-(2 ** 2000)"].text.startswith("-1.148e+602")
    assert "complex numbers are shown as text" in values["torch.tensor([1 + 2j])"].text
    assert "nested or sparse tensor" in values["torch.nested.nested_tensor([torch.ones(2), torch.ones(3)])"].text
    assert values["{1: 2}"] == TextValue("{1: 2}")
    for name in ("deep", "loop"):  # a list for 32 levels, then a note
        value, depth = values[name], 0
        while isinstance(value, ListValue):
            value, depth = value.items[0], depth + 1
        assert depth == 32 and "nested too deeply to show as a list" in value.text
    too_many = "tensor 1000x1000 float32 (1,000,000 entries, too many to show)"
    assert values["torch.zeros(1000, 1000)"] == TextValue(too_many)
    assert values["2 ** 60"] == NumberValue(2 ** 60)
    run.close()


WRONG_ANSWERS = {
    "sign-matrix": _question("sign", "[[1]]"),
    "sign-too-big": _question("sign", "10 ** 400"),
    "number-text": _question("number", "'zzz'"),
    "number-complex": _question("number", "1 + 2j"),
    "number-complex-tensor": _question("number", "torch.tensor(1 + 2j)"),
    "shape-none": _question("shape", "None"),
    "choice-tensor": _question(
        "choice", "torch.ones(2)",
        '[[steps.question.options]]\nkey = "a"\nen = "A"\npt = "A"\n'
        '[[steps.question.options]]\nkey = "b"\nen = "B"\npt = "B"\n'),
}


@pytest.mark.parametrize("question", WRONG_ANSWERS.values(), ids=WRONG_ANSWERS.keys())
def test_an_answer_of_the_wrong_type_for_its_kind_is_the_steps_error(tmp_path, question):
    run = odd_run(tmp_path, BEFORE, _step("q", "x = 1", question=question), AFTER)
    results = run.run_all()
    assert results[1].error.startswith("question answer: ")
    assert results[1].expected is None  # nothing a learner could be checked against
    assert results[2].error is None
    run.close()


def test_stop_wakes_a_thread_waiting_for_a_step_at_once(tmp_path):
    """`q` in the app: the run's child is killed and the worker returns."""
    run = odd_run(tmp_path, BEFORE, _step("spin", NEVER_ENDING["c-loop-holding-the-gil"]))
    run.run_to(0)
    outcome = []

    def work():
        try:
            run.run_to(1)
        except RunStopped as exc:
            outcome.append(exc)

    worker = threading.Thread(target=work)
    worker.start()
    time.sleep(0.3)
    started = time.monotonic()
    run.stop()
    worker.join(5)
    assert not worker.is_alive() and time.monotonic() - started < 1
    assert isinstance(outcome[0], RunStopped)
    # the results so far stay, and the run can go on later
    assert len(run.results) == 1
    run.close()


def test_nothing_a_step_started_outlives_the_process(tmp_path):
    """A program that ends while a non-daemon thread waits for a step that
    never ends (and whose code started a process of its own) ends at once,
    and leaves no process behind."""
    folder = odd_lesson(tmp_path, BEFORE, _step("spawn", "import subprocess, sys\n"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "open('grandchild.pid', 'w').write(str(p.pid))\nwhile True:\n    pass"))
    script = textwrap.dedent(f"""
        import threading, time
        from tutor.lesson import load_lessons
        from tutor.runner import LessonRun
        run = LessonRun(load_lessons({str(folder)!r})[0])
        run.run_to(0)
        threading.Thread(target=run.run_to, args=(1,)).start()
        while run._child is None or not __import__('os').path.exists('grandchild.pid'):
            time.sleep(0.05)
        print(run._child.pid, flush=True)
    """)
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < 30
    child = int(done.stdout.split()[0])
    grandchild = int((tmp_path / "grandchild.pid").read_text())
    time.sleep(0.5)
    for pid in (child, grandchild):
        assert not _alive(pid), pid


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_the_process_run_shows_what_the_in_process_engine_shows(tmp_path):
    """The child's results come back intact: the same values, plot, answer."""
    from tutor.runner import InProcessRun

    lesson = make_run(tmp_path).lesson
    here = InProcessRun(lesson).run_all()
    there = LessonRun(lesson).run_all()
    for a, b in zip(here, there):
        assert (a.values, a.previous, a.plot, a.expected, a.error, a.loss) == (
            b.values, b.previous, b.plot, b.expected, b.error, b.loss)


def test_one_idle_child_is_kept_and_a_run_whose_child_was_ended_replays(tmp_path):
    """A learner who opens lesson after lesson keeps one child, not one per
    lesson (memory on a classroom server); going back replays, same numbers."""
    first = make_run(tmp_path)
    before = first.run_to(1)
    child = first._child
    second = make_run(tmp_path)
    second.run_to(0)
    assert child.closed and not second._child.closed
    again = first.run_to(2)  # a fresh child replays steps 0 and 1 first
    assert first._child is not child and again.error.splitlines()[-1].startswith("ZeroDivisionError")
    assert first.run_to(3).values["c"].data == 12.0
    assert first.results[1] is before
    first.close()
    second.close()


def test_a_forked_process_leaves_its_parents_children_alone(tmp_path):
    """A classroom session is forked from a warm parent that ran lessons: the
    session must never kill, reap or close the parent's step children (their
    descriptors' numbers are the session's own by then), and its runs start
    children of their own."""
    run = make_run(tmp_path)
    run.run_to(0)
    parents_child = run._child
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the "session"
        code = 1
        try:
            os.close(read)
            inherited_closed = parents_child.closed
            result = run.run_to(1)  # a child of its own, replaying step 0
            ok = inherited_closed and run._child is not parents_child and result.error is None
            run.close()
            os.write(write, b"ok" if ok else b"bad")
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    _, status = os.waitpid(pid, 0)
    with os.fdopen(read, "rb") as pipe:
        assert pipe.read() == b"ok" and status == 0
    # the parent's child is untouched: alive, and answers
    assert not parents_child.closed and _alive(parents_child.pid)
    assert run.run_to(1).error is None and run._child is parents_child
    run.close()


# ------------------------------------------------------------ idle children end (memory on a server)
#
# A classroom server makes idle step children end by themselves: a reading
# learner's child costs as much memory as their whole session. What a
# learner sees must not change: the same numbers, the same time limits.


@pytest.fixture
def idle_children_end():
    from tutor import runner

    def set_seconds(seconds: float) -> None:
        runner.end_idle_children_after(seconds)

    yield set_seconds
    runner.end_idle_children_after(None)


def _wait_until(predicate, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_an_idle_child_ends_by_itself_and_the_next_step_shows_the_same_numbers(tmp_path, idle_children_end):
    reference = make_run(tmp_path).run_all()
    idle_children_end(0.3)
    run = make_run(tmp_path)
    assert run.run_to(1).values == reference[1].values
    child = run._child
    assert _wait_until(lambda: not _alive(child.pid))  # ended by itself, nobody asked
    again = run.run_to(3)  # a fresh child replays steps 0-2 (seed 0) and runs step 3
    assert run._child is not child
    assert again.values == reference[3].values and again.values["c"].data == 12.0
    assert run.results[2].error.splitlines()[-1].startswith("ZeroDivisionError")
    # the ended child was reaped, not left a zombie
    assert not os.path.exists(f"/proc/{child.pid}") or not _is_our_zombie(child.pid)
    run.close()


def _is_our_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return False
    return fields[0] == "Z" and int(fields[1]) == os.getpid()


def test_without_the_setting_an_idle_child_stays(tmp_path):
    run = make_run(tmp_path)
    run.run_to(0)
    child = run._child
    time.sleep(1.0)
    assert _alive(child.pid) and run.run_to(1).error is None and run._child is child
    run.close()


def test_a_child_ending_for_idleness_as_a_step_is_asked_is_replaced_not_blamed(
        tmp_path, idle_children_end, monkeypatch):
    """The race: the run sees its child alive, the child's idle time runs
    out before it reads the request. Nothing of the request ran, so a fresh
    child runs it; it is not "the step's code ended its process"."""
    from tutor import runner

    reference = make_run(tmp_path).run_all()
    idle_children_end(0.2)
    run = make_run(tmp_path)
    run.run_to(0)
    child = run._child
    assert _wait_until(lambda: not _alive(child.pid))
    monkeypatch.setattr(runner._Child, "ended", lambda self: self.closed)  # it looked alive
    result = run.run_to(1)
    assert result.error is None and result.values == reference[1].values
    assert run._child is not child
    run.close()


def test_a_step_that_never_ends_is_still_stopped_at_its_limit_when_idle_children_end(
        tmp_path, idle_children_end):
    """The idle clock runs only between requests: a hung step is killed at
    its own limit (longer than the idle time), and the run goes on."""
    idle_children_end(0.2)
    run = odd_run(tmp_path, BEFORE, _step("spin", NEVER_ENDING["while-loop"], time_limit=1.0), AFTER)
    run.run_to(0)
    started = time.monotonic()
    result = run.run_to(1)
    took = time.monotonic() - started
    assert result.error.startswith("stopped after 1 s") and 0.9 < took < 6
    assert run.run_to(2).values["b"] == NumberValue(2)
    run.close()


def test_run_ahead_readies_the_rest_of_the_lesson_so_reading_needs_no_child(tmp_path, idle_children_end):
    idle_children_end(0.3)
    run = make_run(tmp_path)
    run.run_ahead(1)
    assert len(run.results) == len(run.lesson.steps)
    child = run._child
    assert _wait_until(lambda: not _alive(child.pid))
    # every step comes back with no child at all
    assert run.run_to(3).values["c"].data == 12.0
    assert run._child is None or run._child.closed
    run.close()


def test_run_ahead_stops_when_asked_to_and_within_its_time(tmp_path):
    run = make_run(tmp_path)
    run.run_ahead(0, keep_going=lambda: False)
    assert len(run.results) == 1
    run.run_ahead(1, seconds=0)
    assert len(run.results) == 2
    calls = []
    run.run_ahead(1, keep_going=lambda: calls.append(1) or len(calls) < 2)
    assert len(run.results) == 3  # one more step, then asked to stop
    run.close()


def test_torch_is_warmed_once_per_process_image(monkeypatch):
    """A classroom session forked from a warm parent must not warm torch
    again: that touches (and so copies) the parent's pages in every session."""
    import torch

    from tutor.step_engine import load_torch

    load_torch(warm=True)  # the warm parent's (or an earlier test's) warm-up
    built = []
    real = torch.optim.SGD
    monkeypatch.setattr(torch.optim, "SGD", lambda *a, **k: built.append(1) or real(*a, **k))
    assert load_torch(warm=True) is torch
    assert built == []


# ------------------------------------------------ results shared before a fork (a classroom's warm parent)


# the demo lesson without its broken step: every step runs
SOUND = LESSON.replace(BROKEN_STEP, "")


@pytest.fixture
def shared_results(monkeypatch):
    """share_results for this test only."""
    import tutor.runner

    monkeypatch.setattr(tutor.runner, "_shared_results", {})
    return tutor.runner


def test_shared_results_are_the_live_ones_and_need_no_step_process(tmp_path, shared_results):
    path = tmp_path / "demo.toml"
    path.write_text(SOUND, encoding="utf-8")
    lesson = load_lesson(path)
    assert shared_results.share_results([lesson], 0, ("en",), 60) == ["runner-demo"]
    run = LessonRun(lesson, seed=0, lang="en")
    run.run_ahead(0)
    assert run._child is None                     # nothing ran in this process
    live = LessonRun(lesson, seed=0, lang="en")
    live.reset(shared=False)
    live.run_all()
    assert live._child is not None
    assert [r.values for r in run.results] == [r.values for r in live.results]
    assert [r.code for r in run.results] == [r.code for r in live.results]
    live.close()


def test_other_params_seeds_languages_and_reruns_run_live(tmp_path, shared_results):
    path = tmp_path / "demo.toml"
    path.write_text(SOUND, encoding="utf-8")
    lesson = load_lesson(path)
    shared_results.share_results([lesson], 0, ("en",), 60)
    for run in (LessonRun(lesson, seed=1, lang="en"), LessonRun(lesson, seed=0, lang="pt"),
                LessonRun(lesson, seed=0, lang="en", params={"lr": 1.0}),
                LessonRun(lesson, seed=0, lang="en", time_limit=5)):
        assert run.results == []
    run = LessonRun(lesson, seed=0, lang="en")
    assert len(run.results) == len(lesson.steps)
    run.step_param("lr", +1)                      # a param the learner chose: live
    assert run.results == []
    assert run.run_to(1).code.startswith("lr = 1.0")
    run.step_param("lr", -1)                      # back at the default: the shared results again
    assert len(run.results) == len(lesson.steps) and run.results[1].code.startswith("lr = 0.1")
    run.reset(shared=False)                       # the learner's rerun
    assert run.results == []
    run.close()
    # another lesson object with the same id (lessons reloaded) is not served another's results
    again = LessonRun(load_lesson(path), seed=0, lang="en")
    assert again.results == []


def test_a_lesson_with_a_failing_step_is_not_shared(tmp_path, shared_results):
    lesson = load_lesson(odd_lesson(tmp_path, _step("one", "x = 1", ["x"]), _step("two", "1 / 0")) / "01-odd.toml")
    assert shared_results.share_results([lesson], 0, ("en",), 60) == []
    assert LessonRun(lesson, seed=0).results == []


def test_sharing_stops_when_its_time_is_spent(tmp_path, shared_results):
    path = tmp_path / "demo.toml"
    path.write_text(SOUND, encoding="utf-8")
    assert shared_results.share_results([load_lesson(path)], 0, ("en", "pt"), 0) == []
