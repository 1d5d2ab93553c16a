"""Textual's Strip, patched to make its caches on first use
(tutor/ui/lazy_strip_caches.py), still crops, styles and divides as
Textual's does, and remembers what it made."""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from tutor.ui import lazy_strip_caches
from tutor.ui.app import TutorApp  # noqa: F401  (importing the app applies the patch)


def test_importing_the_app_patches_the_strip_it_knows():
    """Fails after a Textual upgrade that changes Strip (the patch then
    stands aside): check KNOWN_SLOTS and _init against the new Strip
    before updating them."""
    assert tuple(Strip.__slots__) == lazy_strip_caches.KNOWN_SLOTS
    assert Strip.__init__ is lazy_strip_caches._init
    assert isinstance(Strip.__dict__["_crop_cache"], lazy_strip_caches._LazyCache)


def test_a_new_strip_has_no_caches_until_one_is_used():
    strip = Strip([Segment("hello "), Segment("world", Style(bold=True))])
    slots = {name: Strip.__dict__[name].slot for name in lazy_strip_caches.CACHE_SIZES}
    unset = [name for name, slot in slots.items() if not _is_set(slot, strip)]
    assert unset == list(lazy_strip_caches.CACHE_SIZES)
    strip.crop(0, 5)
    assert _is_set(slots["_crop_cache"], strip) and not _is_set(slots["_style_cache"], strip)


def _is_set(slot, strip: Strip) -> bool:
    try:
        slot.__get__(strip, Strip)
    except AttributeError:
        return False
    return True


def test_a_strip_crops_styles_and_divides_as_before_and_keeps_the_results():
    bold = Style(bold=True)
    strip = Strip([Segment("hello "), Segment("world", bold)], 11)
    assert strip.cell_length == 11 and strip.text == "hello world"
    hello = strip.crop(0, 5)
    assert hello.text == "hello" and strip.crop(0, 5) is hello
    assert strip.crop_extend(6, 14, None).text == "world   "
    assert [part.text for part in strip.divide([3, 8, 11])] == ["hel", "lo wo", "rld"]
    red = Style(color="red")
    styled = strip.apply_style(red)
    assert styled is strip.apply_style(red)
    assert [segment.style for segment in styled] == [red, red + bold]
    assert strip.adjust_cell_length(13).text == "hello world  "
    assert strip.simplify().text == "hello world"
