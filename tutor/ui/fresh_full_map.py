"""After a layout, the compositor's map of every widget is the one it just built.

Textual (8.2) keeps two maps of where widgets are: the visible one, for
drawing, and the full one, for `Widget.region` of any widget. A step that
shows a pane (a code question's editor, the plot, the question panel) makes
a widget dirty that the old visible map does not hold, and
`Compositor.update_widgets` marks the full map stale. `Compositor.reflow`
then arranges the whole tree, visible or not, and keeps the result as the
full map, but leaves it marked stale: the first region asked for after the
layout (each resized widget asks its own as the screen hands out the new
sizes) arranges the whole tree a second time, to build the same map. That
second arrangement was ~3% of the Python of such a key (the costliest ones:
`python benchmarks/bench_key_work.py`).

`apply` wraps `reflow` to clear the mark it leaves: nothing can change the
tree between the arrangement it made and its return. Applied with
`lazy_strip_caches` when the learners' app or the console is imported;
`tests/test_fresh_full_map.py` checks one arrangement a layout and the
regions against a fresh map, and fails after an upgrade that changes
`reflow` or the mark.
"""

from __future__ import annotations

from textual._compositor import Compositor

_ORIGINAL = Compositor.reflow


def _reflow(self: Compositor, parent, size):
    result = _ORIGINAL(self, parent, size)
    self._full_map_invalidated = False  # the full map is the arrangement reflow just made
    return result


def apply() -> bool:
    """Wrap `Compositor.reflow` (once); False if it has no stale mark to clear."""
    if Compositor.reflow is _reflow:
        return True
    if not hasattr(Compositor(), "_full_map_invalidated"):
        return False
    Compositor.reflow = _reflow  # type: ignore[method-assign]
    return True
