"""The warm parent parses Textual's CSS once for every session
(tutor/serve/shared_css.py): a second app with the same stylesheets and
theme parses nothing and looks the same; another theme parses its own."""

from __future__ import annotations

import asyncio

import pytest
import textual.css.stylesheet as stylesheet_module
from textual.app import App, ComposeResult
from textual.css.stylesheet import Stylesheet
from textual.widgets import Static

from tutor.serve import shared_css


class Styled(App):
    CSS = """
    #box { background: $primary; color: $text; height: 3; border: round $accent; }
    """

    def compose(self) -> ComposeResult:
        yield Static("hello", id="box")


@pytest.fixture
def shared(monkeypatch):
    """share_parsed_css() for this test only: Textual's method and an empty
    cache come back afterwards."""
    monkeypatch.setattr(Stylesheet, "_parse_rules", Stylesheet._parse_rules)
    monkeypatch.setattr(shared_css, "_parsed", {})
    parses = []
    real_parse = stylesheet_module.parse

    def counting_parse(*args, **kwargs):
        parses.append(args[1][:40])
        return real_parse(*args, **kwargs)

    monkeypatch.setattr(stylesheet_module, "parse", counting_parse)
    assert shared_css.share_parsed_css()
    return parses


def looks(theme: str | None = None) -> tuple:
    """The box's resolved colours and border, from a headless run."""
    async def run() -> tuple:
        app = Styled()
        if theme:
            app.theme = theme
        async with app.run_test(size=(40, 10)) as pilot:
            await pilot.pause()
            box = app.query_one("#box")
            return (box.styles.background, box.styles.color, box.styles.border_top, box.region.height)

    return asyncio.run(run())


def test_a_second_app_parses_no_css_and_looks_the_same(shared):
    first = looks()
    parsed_first = len(shared)
    assert parsed_first > 0 and shared_css.parsed_count() > 0
    second = looks()
    assert len(shared) == parsed_first, "the second app parsed CSS again"
    assert second == first


def test_another_theme_parses_its_own_and_gets_its_own_colours(shared):
    default = looks()
    parsed = len(shared)
    other = looks("nord")
    assert len(shared) > parsed
    assert other[0] != default[0]          # $primary differs between the themes
    assert looks("nord") == other and looks() == default


def test_sharing_twice_installs_one_cache(shared):
    method = Stylesheet._parse_rules
    assert shared_css.share_parsed_css()
    assert Stylesheet._parse_rules is method
