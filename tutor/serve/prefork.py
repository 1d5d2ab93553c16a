"""Keep a session's new objects off the pages it shares with the pre-fork parent.

A session starts as a copy-on-write copy of the warm pre-fork process.
After the warm-up, Python's small-object allocator (pymalloc) holds free
blocks scattered through its pools (objects freed by imports, by the
rehearsal of the app and by the last collection) and unused pools inside
its arenas. A session's first allocations would land there: each one
copies a whole shared 4 KB page to store a few dozen bytes.

`fill_allocator_holes` takes all of them in the parent just before the
fork and never gives them back. They cost the machine their size once (a
few MB, shared; blocks on pages never touched cost nothing), and each
session's objects go to arenas of its own, packed together.

Measured with `benchmarks/bench_memory.py -n 20` (two runs each): a
session at the menu 18.1 -> 16.9 MB; after a lesson's first steps no
change (25.5 -> 25.4 MB). What else a session copies is in
docs/scaling.md.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile

_CLASS_LINE = re.compile(r"^\s*\d+\s+(\d+)\s+\d+\s+\d+\s+(\d+)\s*$", re.M)
_UNUSED_POOLS = re.compile(r"^(\d+) unused pools \* (\d+) bytes", re.M)
_POOL_HEADER_BYTES = 48   # pymalloc's pool_header on 64-bit builds


def allocator_holes() -> tuple[dict[int, int], int, int]:
    """Python's small-object allocator as `sys._debugmallocstats` reports
    it: {block size: free blocks in the pools in use}, the unused pools in
    its arenas, and a pool's size in bytes ({}, 0, 0 when it says nothing,
    e.g. a build without pymalloc)."""
    with tempfile.TemporaryFile() as out:
        sys.stderr.flush()
        saved = os.dup(2)
        try:
            os.dup2(out.fileno(), 2)   # the report goes to the C-level stderr
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        out.seek(0)
        text = out.read().decode("ascii", "replace")
    free = {int(size): int(avail) for size, avail in _CLASS_LINE.findall(text)}
    pools = _UNUSED_POOLS.search(text)
    unused, pool_size = (int(pools.group(1)), int(pools.group(2))) if pools else (0, 0)
    return free, unused, pool_size


def fill_allocator_holes() -> int:
    """Take every free block in the allocator's pools in use, then every
    unused pool in its arenas, and never free them: the bytes taken.

    Pymalloc serves a size from a pool in use that has a free block before
    it opens a pool, and opens pools in the fullest arena with room before
    it maps a new one; so taking exactly the free blocks it reports, size
    by size, then as many pools' worth of its largest blocks as it has
    unused pools, leaves a session nothing but fresh arenas.
    """
    import ctypes

    malloc = ctypes.pythonapi.PyObject_Malloc
    malloc.restype = ctypes.c_void_p
    malloc.argtypes = [ctypes.c_size_t]
    free, unused, pool_size = allocator_holes()
    taken = 0
    for size, count in free.items():
        for _ in range(count):
            malloc(size)
        taken += size * count
    if free and pool_size:
        largest = max(free)
        blocks = unused * ((pool_size - _POOL_HEADER_BYTES) // largest)
        for _ in range(blocks):
            malloc(largest)
        taken += blocks * largest
    return taken
