"""Every test gets its own cache and data folders, never the developer's.

The tutor keeps validated lessons in `$TUTOR_CACHE_DIR` and learners'
progress in `$TUTOR_DATA_DIR` (else the user's own cache and data folders).
A test that ran against those would read a stale cache or a real learner's
progress, and write into them. So:

- while pytest collects (some test modules load the lessons at import time),
  both variables point into one temporary folder for the whole run;
- each test then gets fresh, empty ones (`tutor_cache_dir`,
  `tutor_data_dir`), exported in `os.environ` so that subprocesses, tmux
  sessions and ssh sessions started by the test inherit them too.

A test that sets either variable itself still can: monkeypatch undoes its
change first, then this fixture's.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

_VARIABLES = ("TUTOR_CACHE_DIR", "TUTOR_DATA_DIR")
_saved: dict[str, str | None] = {}
_session_roots: list[Path] = []  # the run's one temporary folder, once configured


def pytest_configure(config):
    root = Path(tempfile.mkdtemp(prefix="tutor-tests-"))
    _session_roots.append(root)
    for name in _VARIABLES:
        _saved[name] = os.environ.get(name)
        os.environ[name] = str(root / name.lower())


def pytest_unconfigure(config):
    for name, value in _saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    while _session_roots:
        shutil.rmtree(_session_roots.pop(), ignore_errors=True)


@pytest.fixture
def tutor_cache_dir(tmp_path_factory) -> Path:
    """This test's own, empty lesson-cache folder (not created yet)."""
    return tmp_path_factory.mktemp("tutor-env") / "cache"


@pytest.fixture
def tutor_data_dir(tmp_path_factory) -> Path:
    """This test's own, empty progress folder (not created yet)."""
    return tmp_path_factory.mktemp("tutor-env") / "data"


@pytest.fixture(autouse=True)
def _own_tutor_folders(monkeypatch, tutor_cache_dir, tutor_data_dir):
    monkeypatch.setenv("TUTOR_CACHE_DIR", str(tutor_cache_dir))
    monkeypatch.setenv("TUTOR_DATA_DIR", str(tutor_data_dir))
