"""Mutated lesson files through `check`, `check --run`, `show` and `show
--json`: a mistake in a lesson is a clear message, never a traceback, never a
hang, never the end of the tutor.

The eight lessons of the chapter are mutated the way an instructor gets a
file wrong (a line dropped or doubled, a value of the wrong type, a huge
number, odd code in a step, a `show` or an answer that cannot be what its
kind needs), with a fixed seed, so a failure names a mutant that can be
rebuilt. Each mutant runs in a process forked from this one (torch already
imported, so a mutant costs tens of milliseconds, not a second), under a
deadline: a mutant that hangs is killed and reported.
"""

from __future__ import annotations

import io
import json
import os
import random
import re
import select
import signal
import sys
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LESSONS = sorted((ROOT / "lessons").glob("*.toml"))
SEED = 14  # 13 stopped covering os._exit once lessons 5-8 grew code exercises
COUNT = 320  # mutants
STEP_LIMIT = "0.3"  # seconds per step: mutants that spin are stopped fast
DEADLINE = 60.0  # seconds for the four commands on one mutant

ODD_CODE = [
    "while True:\n    pass",
    "import time\ntime.sleep(10 ** 6)",
    "sum(range(10 ** 11))",
    "exit()",
    "quit()",
    "raise SystemExit",
    "raise BaseException('x')",
    "raise GeneratorExit",
    "raise KeyboardInterrupt",
    "import sys\nsys.stdout.close()",
    "import sys\nsys.stderr.close()",
    "import os, signal\nos.kill(os.getpid(), signal.SIGTERM)",
    "import os\nos._exit(3)",
    "print('x' * 100000)",
    "input()",
    "import threading\nthreading.Thread(target=lambda: __import__('time').sleep(60)).start()",
    "1 / 0",
    "x = 10 ** 5000",
    "import sys\nsys.setrecursionlimit(50)",
    "torch.set_default_dtype(torch.float64)",
    "del torch",
    "loss = torch.tensor([1 + 2j])",
    "loss = 10 ** 400",
]
ODD_VALUES = [
    "10 ** 5000", "-(10 ** 400)", "torch.tensor([1 + 2j])", "{1: 2}", "None", "[[1]]", "'zzz'",
    "1 + 2j", "torch.ones(2)", "float('nan')", "float('inf')", "torch.zeros(400, 400)",
    "torch.nested.nested_tensor([torch.ones(2), torch.ones(3)])", "[]", "()", "'a' * 100000",
    "range(10 ** 9)", "lambda: 0", "print", "object()", "torch.tensor([])", "[[[[[[[]]]]]]]",
    "undefined_name", "1 / 0", "1" + " + 1" * 2000, "(" * 200 + "1" + ")" * 200,
]
ODD_TOML_VALUES = [
    "1e309", "-1e309", "1e45", "9" * 5000, "0", "-1", "[]", "{}", "true", '""', '"x"', "[[[1]]]",
    "nan", "inf", "{ en = 1, pt = 2 }", '"""\n"""', "[" * 50 + "]" * 50, "1" + " + 1" * 50,
    "[" * 900 + "]" * 900, "{ a = " * 3000 + "1" + " }" * 3000,
]


def mutate(text: str, rng: random.Random) -> str:
    """One mistake an instructor could make in `text`."""
    lines = text.splitlines()
    kind = rng.choice(["drop", "double", "value", "code", "show", "answer", "key", "swap"])
    if kind == "drop" and lines:
        del lines[rng.randrange(len(lines))]
    elif kind == "double" and lines:
        i = rng.randrange(len(lines))
        lines.insert(i, lines[i])
    elif kind == "swap" and len(lines) > 1:
        i = rng.randrange(len(lines) - 1)
        lines[i], lines[i + 1] = lines[i + 1], lines[i]
    elif kind == "value":
        candidates = [i for i, line in enumerate(lines) if re.match(r"^\s*[A-Za-z_]+\s*=\s*\S", line)]
        if candidates:
            i = rng.choice(candidates)
            key = lines[i].split("=", 1)[0]
            lines[i] = f"{key}= {rng.choice(ODD_TOML_VALUES)}"
    elif kind == "key":
        candidates = [i for i, line in enumerate(lines) if line.startswith("[[steps]]")]
        if candidates:
            key = rng.choice(["time_limit", "tolerance", "default", "min", "max", "step", "range"])
            lines.insert(rng.choice(candidates) + 1, f"{key} = {rng.choice(ODD_TOML_VALUES)}")
    else:
        pattern = {"code": r'^code = """', "show": r"^show = \[", "answer": r"^answer = "}[kind]
        candidates = [i for i, line in enumerate(lines) if re.match(pattern, line)]
        if candidates:
            i = rng.choice(candidates)
            if kind == "code":
                lines[i + 1:i + 1] = rng.choice(ODD_CODE).splitlines()
            elif kind == "show":
                lines[i] = f"show = [{json.dumps(rng.choice(ODD_VALUES))}, " + lines[i][len("show = ["):]
            else:
                lines[i] = f"answer = {json.dumps(rng.choice(ODD_VALUES))}"
    return "\n".join(lines) + "\n"


COMMANDS = [
    ["check"],
    ["check", "--run", "--time-limit", STEP_LIMIT],
    ["show", "1", "--answers", "--time-limit", STEP_LIMIT],
    ["show", "1", "--json", "--answers", "--time-limit", STEP_LIMIT],
]


def _run_commands(folder: Path) -> list[dict]:
    """In the forked worker: each command through the real `main`, with its
    output captured; a traceback is whatever escapes `main`."""
    from tutor.cli import main

    outcomes = []
    for command in COMMANDS:
        argv = ["--lang", "en", "--lessons", str(folder), *command]
        if command[0] == "check":
            argv = ["--lang", "en", *command, str(folder)]
        out, err = io.StringIO(), io.StringIO()
        real = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = out, err
        crash = None
        try:
            code = main(argv)
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
        except BaseException:
            code, crash = None, traceback.format_exc()
        finally:
            sys.stdout, sys.stderr = real
        outcomes.append({"argv": argv, "code": code, "crash": crash,
                         "stdout": out.getvalue(), "stderr": err.getvalue()})
    return outcomes


def _in_fork(folder: Path) -> list[dict] | str:
    """The commands' outcomes, run in a forked process; a string if it hung or died."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(read)
            os.environ["TUTOR_CACHE_DIR"] = str(folder.parent / "cache")
            os.setpgid(0, 0)
            data = json.dumps(_run_commands(folder)).encode()
            with os.fdopen(write, "wb") as pipe:
                pipe.write(data)
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    chunks, deadline = [], time.monotonic() + DEADLINE
    with os.fdopen(read, "rb") as pipe:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([pipe], [], [], left)[0]:
                os.killpg(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                return f"hung: the four commands took more than {DEADLINE:g} s"
            chunk = os.read(pipe.fileno(), 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    if status != 0:
        return f"the process running the commands died (wait status {status})"
    return json.loads(b"".join(chunks))


def _problems(outcomes: list[dict] | str) -> list[str]:
    if isinstance(outcomes, str):
        return [outcomes]
    problems = []
    for outcome in outcomes:
        name = " ".join(outcome["argv"][-5:])
        if outcome["crash"]:
            problems.append(f"{name}: {outcome['crash'].strip().splitlines()[-1]}\n{outcome['crash']}")
        elif "Traceback" in outcome["stderr"] or "Traceback" in outcome["stdout"]:
            problems.append(f"{name}: printed a traceback\n{outcome['stderr'][-2000:]}")
        elif outcome["code"] not in (0, 1, 2):
            problems.append(f"{name}: exit code {outcome['code']}")
        elif outcome["code"] != 0 and not outcome["stderr"].strip() and not outcome["stdout"].strip():
            problems.append(f"{name}: exit code {outcome['code']} without a word")
        elif "--json" in outcome["argv"] and outcome["code"] == 0:
            try:
                json.loads(outcome["stdout"])
            except ValueError as exc:
                problems.append(f"{name}: invalid JSON: {exc}")
        elif outcome["argv"][-1] != "--json" and outcome["code"] == 0 and not outcome["stdout"].strip():
            problems.append(f"{name}: exit code 0 and no output")
    return problems


def _mutants() -> list[tuple[str, str, str]]:
    rng = random.Random(SEED)
    texts = {path.name: path.read_text(encoding="utf-8") for path in LESSONS}
    out = []
    for number in range(COUNT):
        name = rng.choice(sorted(texts))
        text = texts[name]
        for _ in range(rng.choice([1, 1, 2])):
            text = mutate(text, rng)
        out.append((f"{number:03d}-{name}", name, text))
    return out




def test_no_mutated_lesson_gives_a_traceback_or_a_hang(tmp_path):
    from tutor.runner import load_torch

    load_torch(warm=True)  # once, before forking: each mutant starts warm
    started = time.monotonic()
    failures = []
    for mutant_id, name, text in _mutants():
        folder = tmp_path / mutant_id / "lessons"
        folder.mkdir(parents=True)
        (folder / name).write_text(text, encoding="utf-8")
        problems = _problems(_in_fork(folder))
        if problems:
            failures.append(f"mutant {mutant_id} (seed {SEED}):\n  " + "\n  ".join(problems))
    elapsed = time.monotonic() - started
    print(f"{COUNT} mutants in {elapsed:.0f} s")
    assert not failures, f"{len(failures)} of {COUNT} mutants failed:\n" + "\n".join(failures[:10])


def test_the_mutants_are_varied_and_reproducible():
    """The mutants exercise each kind of mistake, and the same seed gives the same files."""
    mutants = _mutants()
    assert mutants == _mutants()
    originals = {path.name: path.read_text(encoding="utf-8") for path in LESSONS}
    changed = sum(text != originals[name] for _, name, text in mutants)
    assert changed > COUNT * 0.9
    joined = "\n".join(text for _, _, text in mutants)
    for marker in ("while True", "os._exit(3)", "10 ** 5000", "1e309", "sum(range(10 ** 11))"):
        assert marker in joined, marker

