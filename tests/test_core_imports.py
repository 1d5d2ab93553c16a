"""The core stays light: no TUI or server library anywhere, no torch until a
lesson runs.

Loading and checking lessons must work without the TUI (instructors in CI,
`show`), and the app's first screen must not wait for torch's import.

Each check runs in a fresh interpreter with its own, empty lesson cache:
with a warm cache the validator is never imported, and a TUI import in it
would go unseen. The core modules are found on disk, not listed here, so a
new core module is covered the day it is added.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tutor"
# The layers above the core: the Textual app and the SSH server.
NOT_CORE = ("tutor.ui", "tutor.serve")
FORBIDDEN = ("textual", "rich", "asyncssh")
VALIDATOR = "tutor.lesson.check"


def core_modules() -> list[str]:
    """Every module of the `tutor` package on disk but the UI and the server."""
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        name = ".".join(parts)
        if any(name == top or name.startswith(top + ".") for top in NOT_CORE):
            continue
        names.append(name)
    return names


def run_python(code: str, cache_dir: Path) -> dict:
    """Run `code` in a fresh interpreter with an empty lesson cache; it
    prints one JSON document, returned here."""
    assert not cache_dir.exists() or not any(cache_dir.iterdir())
    env = dict(os.environ, TUTOR_CACHE_DIR=str(cache_dir), PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


REPORT = (
    "import json, sys\n"
    f"print(json.dumps({{name: name in sys.modules for name in {[*FORBIDDEN, 'torch', 'tomllib', VALIDATOR]!r}}}))\n"
)


def test_the_core_modules_are_found_on_disk():
    names = core_modules()
    for expected in ("tutor", "tutor.runner", "tutor.checking", "tutor.progress", "tutor.i18n", VALIDATOR):
        assert expected in names
    assert not any(name.startswith(("tutor.ui", "tutor.serve")) for name in names)


def test_every_core_module_imports_no_tui_no_server_and_no_torch(tmp_path):
    names = core_modules()
    loaded = run_python(
        "import importlib\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n" + REPORT,
        tmp_path / "cache",
    )
    assert loaded[VALIDATOR]  # imported by name, cache or no cache
    assert [name for name in (*FORBIDDEN, "torch") if loaded[name]] == []


def test_lessons_are_validated_in_full_without_the_tui(tmp_path):
    loaded = run_python(
        "from tutor.lesson import check_lessons, load_lessons\n"
        "lessons, errors = check_lessons()\n"
        "assert lessons and not errors, errors\n"
        "assert load_lessons()\n" + REPORT,
        tmp_path / "cache",
    )
    assert loaded["tomllib"] and loaded[VALIDATOR]  # the files were really read and validated
    assert [name for name in (*FORBIDDEN, "torch") if loaded[name]] == []


def test_torch_arrives_when_a_lesson_runs(tmp_path):
    loaded = run_python(
        "from tutor.lesson import load_lessons\n"
        "from tutor.runner import LessonRun\n"
        "LessonRun(load_lessons()[0]).run_to(0)\n" + REPORT,
        tmp_path / "cache",
    )
    assert loaded["torch"]
    assert [name for name in FORBIDDEN if loaded[name]] == []


# ---------------------------------------------------------------- the static contracts (lint-imports)


def contracts() -> dict[str, dict]:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {contract["name"]: contract for contract in config["tool"]["importlinter"]["contracts"]}


def children() -> set[str]:
    """The modules and subpackages right under `tutor`, found on disk."""
    names = {f"tutor.{path.stem}" for path in PACKAGE.glob("*.py") if path.stem != "__init__"}
    return names | {f"tutor.{path.parent.name}" for path in PACKAGE.glob("*/__init__.py")}


def test_the_core_contract_names_every_core_module_on_disk():
    """import-linter has no "every module but": the list is explicit, so a
    new core module must join it, or this fails."""
    contract = contracts()["The core never imports the TUI or the server libraries"]
    assert set(contract["source_modules"]) == children() - set(NOT_CORE)
    assert set(contract["forbidden_modules"]) == set(FORBIDDEN)


def test_the_lesson_contract_forbids_every_tutor_module_but_i18n():
    contract = contracts()[
        "The lesson package imports nothing of the tutor above it (only tutor.i18n and tutor's __init__)"]
    forbidden = {name for name in contract["forbidden_modules"] if name.startswith("tutor.")}
    assert forbidden == children() - {"tutor.lesson", "tutor.i18n"}
