"""`pip install .` must carry every package and the lessons.

pyproject.toml lists the packages by hand (the lessons folder at the top of
the repo installs as `tutor.lessons`), so a new sub-package left off the list
would vanish from installs while every test run from the checkout still
passes. This test closes that gap.
"""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_package_on_disk_is_listed_in_pyproject():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    on_disk = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "tutor").rglob("__init__.py")
        if "__pycache__" not in init.parts
    }
    assert on_disk | {"tutor.lessons"} == listed
    assert config["tool"]["setuptools"]["package-dir"]["tutor.lessons"] == "lessons"
    assert "*.toml" in config["tool"]["setuptools"]["package-data"]["tutor.lessons"]


def test_the_stylesheet_ships_with_the_app():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert list((ROOT / "tutor" / "ui").glob("*.tcss"))
    assert "*.tcss" in config["tool"]["setuptools"]["package-data"]["tutor.ui"]
