"""Textual's Strip makes its seven caches when first used, not when built.

Every `Strip` (one line of a widget, ~500 of them built on a step's key)
creates seven `FIFOCache`s in `__init__`, one per method that remembers its
results (`crop`, `divide`, `apply_style`...). Most strips are drawn once and
never asked any of those: a session held 378 strips and 2,585 empty caches
of 2,648. Building them was 1.4 of a Strip's 1.65 microseconds (timeit,
this machine) and ~7% of the Python a step's key runs (opcode count,
`backprop-pytorch/write-gradients`). Textual's own `Content` already makes
its divide cache lazily; this does the same for `Strip`: each cache slot
becomes a descriptor that makes the cache on first read.

Textual is pinned (pyproject.toml). `apply()`, called when the learners'
app (tutor/ui/app.py) or the instructor console's is imported, patches
only the Strip it knows (its `__slots__` as in 8.2), and
tests/test_lazy_strip_caches.py fails if it did not, so an upgrade that
changes Strip is seen, not papered over.
Listed in docs/architecture.md's upgrade checklist.
"""

from __future__ import annotations

from textual.cache import FIFOCache
from textual.strip import Strip

# each cache slot and the size Textual 8.2 gives its FIFOCache
CACHE_SIZES = {
    "_divide_cache": 4,
    "_crop_cache": 16,
    "_style_cache": 16,
    "_filter_cache": 4,
    "_line_length_cache": 4,
    "_crop_extend_cache": 4,
    "_offsets_cache": 4,
}
KNOWN_SLOTS = ("_segments", "_cell_length", "_divide_cache", "_crop_cache", "_style_cache", "_filter_cache",
               "_render_cache", "_line_length_cache", "_crop_extend_cache", "_offsets_cache", "_link_ids",
               "_cell_count")


class _LazyCache:
    """A Strip's cache slot that fills itself with an empty FIFOCache the
    first time it is read."""

    __slots__ = ("size", "slot")

    def __init__(self, slot, size: int) -> None:
        self.slot = slot  # the slot's own member descriptor
        self.size = size

    def __get__(self, strip: Strip | None, owner: type | None = None):
        if strip is None:
            return self
        try:
            return self.slot.__get__(strip, owner)
        except AttributeError:
            cache: FIFOCache = FIFOCache(self.size)
            self.slot.__set__(strip, cache)
            return cache

    def __set__(self, strip: Strip, value: FIFOCache) -> None:
        self.slot.__set__(strip, value)


def _init(self: Strip, segments, cell_length: int | None = None) -> None:
    """Strip.__init__ of Textual 8.2 without the caches."""
    self._segments = list(segments)
    self._cell_length = cell_length
    self._render_cache = None
    self._link_ids = None
    self._cell_count = None


def apply() -> bool:
    """Patch Strip (once); False if it is not the Strip this knows."""
    if isinstance(Strip.__dict__.get("_crop_cache"), _LazyCache):
        return True
    if tuple(Strip.__slots__) != KNOWN_SLOTS:
        return False
    for name, size in CACHE_SIZES.items():
        setattr(Strip, name, _LazyCache(Strip.__dict__[name], size))
    Strip.__init__ = _init  # type: ignore[method-assign]
    return True
