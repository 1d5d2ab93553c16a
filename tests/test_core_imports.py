"""The core stays light: no textual anywhere, no torch until a lesson runs.

Loading and checking lessons must work without the TUI (instructors in CI,
`show`), and the app's first screen must not wait for torch's import.
"""

import subprocess
import sys

CORE = "tutor.lesson, tutor.runner, tutor.values, tutor.textview, tutor.i18n, tutor.cli"


def run_python(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_core_imports_neither_textual_nor_torch():
    out = run_python(
        f"import sys, {CORE}\n"
        "from tutor.lesson import load_lessons\n"
        "load_lessons()\n"
        "print('textual' in sys.modules, 'torch' in sys.modules)"
    )
    assert out == "False False"


def test_checking_and_progress_import_neither():
    out = run_python(
        "import sys, importlib\n"
        "for name in ('tutor.checking', 'tutor.progress'):\n"
        "    importlib.import_module(name)\n"
        "print('textual' in sys.modules, 'torch' in sys.modules)"
    )
    assert out == "False False"


def test_torch_arrives_when_a_lesson_runs():
    out = run_python(
        "import sys\n"
        "from tutor.lesson import load_lessons\n"
        "from tutor.runner import LessonRun\n"
        "LessonRun(load_lessons()[0]).run_to(0)\n"
        "print('textual' in sys.modules, 'torch' in sys.modules)"
    )
    assert out == "False True"
