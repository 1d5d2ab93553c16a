"""`tutor serve` on a kernel without the sandbox: the teacher is told once,
at start, and code exercises are refused (the learner reads why) unless the
teacher passed --allow-unsandboxed-code."""

from __future__ import annotations

import subprocess
import sys

import pytest

import tutor.exercise
import tutor.sandbox
from exercise_data import load_cases
from tutor.exercise import check_code
from tutor.sandbox import REQUIRE_ENV, sandbox_required
from tutor.serve import sandbox_note

WHY = "Landlock is not enabled in this kernel"


@pytest.fixture
def no_sandbox(monkeypatch):
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    for module in (tutor.sandbox, tutor.exercise):
        monkeypatch.setattr(module, "sandbox_available", lambda: WHY)


@pytest.fixture(scope="module")
def case():
    case = load_cases()[0]
    return case.exercise, case.namespace()


def test_without_the_sandbox_serve_says_so_once_and_code_is_refused(no_sandbox, capsys, case):
    note = sandbox_note(False, "en")
    err = capsys.readouterr().err
    assert err.count("no sandbox here") == 1 and WHY in err and "code exercises are refused" in err
    assert note in err and sandbox_required()

    exercise, namespace = case
    verdict = check_code(exercise, "print('ran')\n" + exercise.solution, namespace, sandboxed=False)
    assert not verdict.passed
    assert verdict.run.output == "" and not verdict.run.completed  # the code never ran
    (line,) = verdict.problem_lines("en")
    assert "This server runs no code exercises" in line and "--allow-unsandboxed-code" in line and WHY in line
    assert "--allow-unsandboxed-code" in verdict.problem_lines("pt")[0]


def test_the_teacher_may_allow_code_without_the_sandbox(no_sandbox, capsys, case):
    sandbox_note(True, "pt")
    err = capsys.readouterr().err
    assert "sem isolamento aqui" in err and "--allow-unsandboxed-code" in err
    assert not sandbox_required()

    exercise, namespace = case
    verdict = check_code(exercise, "print('ran')\n" + exercise.solution, namespace, sandboxed=False)
    assert verdict.passed and verdict.run.output == "ran\n" and not verdict.run.sandboxed


def test_with_the_sandbox_serve_says_nothing_and_requires_nothing(monkeypatch, capsys):
    monkeypatch.delenv(REQUIRE_ENV, raising=False)
    monkeypatch.setattr(tutor.sandbox, "sandbox_available", lambda: None)
    assert sandbox_note(False, "en") is None
    assert capsys.readouterr().err == "" and not sandbox_required()


def test_serve_help_names_the_flag():
    out = subprocess.run([sys.executable, "-m", "tutor", "serve", "--help"], capture_output=True, text=True,
                         timeout=60).stdout
    assert "--allow-unsandboxed-code" in out
