"""When Python collects garbage, so that it is never during a key press.

A full (generation 2) collection walks every tracked object. After torch
and textual are imported that is some 300,000 objects and 150-200 ms, and
it comes every few dozen keys, in the middle of whichever step happened to
allocate the last straw: that one key takes ten times as long as the rest.
Two things keep it off the keys:

- `freeze()` once everything long-lived is loaded (torch, textual, the
  lessons): those objects leave the collector's reach for good, and a full
  collection then walks only what the app made since (20-40 ms);
- `collect_if_due()`, called by the lesson screen just after a step's frame
  has gone out: when the interpreter's own counters say a full collection
  is about to happen, it happens now, while the learner reads, instead of
  inside the next key.
"""

from __future__ import annotations

import gc


def freeze() -> None:
    gc.freeze()


def collect_if_due() -> bool:
    """Run the full collection now if the next collection would be one.
    True if it ran."""
    _, _, full_count = gc.get_count()
    _, _, full_threshold = gc.get_threshold()
    if full_count >= full_threshold:
        gc.collect()
        return True
    return False
