"""The chapter's code exercises (tests/data/exercises.toml) and the namespace
each one starts from, as a lesson step would give it: torch, nn, optim, F,
math, torch.manual_seed(0), the lesson's earlier steps (`setup`), then the
step's own code. Shared by the tests and benchmarks/bench_sandbox.py.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from tutor.exercise import CodeExercise, exercise_from_table

DATA = Path(__file__).parent / "data" / "exercises.toml"
SEED = 0


@dataclass(frozen=True)
class ExerciseCase:
    id: str
    exercise: CodeExercise
    setup: str  # the lesson's earlier steps
    code: str  # the step's own code, run before the learner's

    def namespace(self) -> dict:
        from tutor.runner import load_torch

        torch = load_torch(warm=True)
        torch.manual_seed(SEED)
        ns = {"__name__": "__lesson__", "torch": torch, "nn": torch.nn, "optim": torch.optim,
              "F": torch.nn.functional, "math": math}
        exec(compile(self.setup, "<setup>", "exec"), ns)
        exec(compile(self.code, f"<{self.id}>", "exec"), ns)
        return ns


def load_cases() -> list[ExerciseCase]:
    with DATA.open("rb") as f:
        data = tomllib.load(f)
    cases = []
    for item in data["exercises"]:
        exercise, problems = exercise_from_table(item["question"])
        if exercise is None or problems:
            raise ValueError(f"{DATA}: exercise {item['id']}: {problems}")
        cases.append(ExerciseCase(item["id"], exercise, data["setup"], item.get("code", "")))
    return cases
