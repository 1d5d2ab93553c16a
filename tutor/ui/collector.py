"""When Python collects garbage, so that it is never during a key press.

A full (generation 2) collection walks every tracked object. After torch
and textual are imported that is some 300,000 objects and 150-200 ms, and
it comes every few dozen keys, in the middle of whichever step happened to
allocate the last straw: that one key takes ten times as long as the rest.
Three things keep it off the keys:

- `freeze()` once everything long-lived is loaded (torch, textual, the
  lessons): those objects leave the collector's reach for good, and a full
  collection then walks only what the app made since (20-40 ms);
- `collect_if_due()`, called by the lesson screen just after a step's frame
  has gone out: when the interpreter's own counters say a full collection
  is about to happen, it happens now, while the learner reads, instead of
  inside the next key;
- `hold_during_key()` / `release()`: no collection at all while a key is
  handled, until its frame is out. A key makes tens of thousands of
  objects (strips, segments, layout maps), and the young collections they
  set off (every 700 allocations) walked them in the middle of drawing:
  up to 1.7 ms of a code exercise's key. They run after the frame.
"""

from __future__ import annotations

import gc


def freeze() -> None:
    gc.freeze()


def hold_during_key() -> bool:
    """Stop automatic collection until `release()`. False if it was
    already stopped (by an earlier key whose frame is not out yet, or
    start-up): then the caller does not release it."""
    if not gc.isenabled():
        return False
    gc.disable()
    return True


def release() -> None:
    """Let collection run again: the next allocation collects what the
    key left."""
    gc.enable()


def collect_if_due() -> bool:
    """Run the full collection now if the next collection would be one.
    True if it ran."""
    _, _, full_count = gc.get_count()
    _, _, full_threshold = gc.get_threshold()
    if full_count >= full_threshold:
        gc.collect()
        return True
    return False
