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

glibc's heap has the same holes, for what Python does not keep in its
pools (objects over 512 bytes, dicts' tables, lists' arrays, C libraries'
buffers): `fill_malloc_holes` takes those, and `one_malloc_arena` keeps
the warm-up's threads from leaving a second arena of holes behind. With
both, a session at the menu 16.1 -> 14.7 MB, after a lesson's first
steps 24.4 -> 23.0 MB.
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


M_ARENA_MAX = -8       # mallopt's parameter
_PREV_INUSE = 1
_SIZE_BITS = ~7        # a chunk's size word also holds three flag bits
_CHUNK_HEADER = 16     # glibc's prev_size and size words on 64-bit builds
_TCACHE_LARGEST = 1040 # glibc's largest chunk size its per-thread cache keeps


def one_malloc_arena() -> None:
    """Every thread of this process mallocs from glibc's main arena.

    By default a thread that finds the main arena busy gets an arena of
    its own; the warm-up's threads (the rehearsal's workers) would leave
    one behind, full of freed chunks on pages every session inherits, and
    a session's own threads would write into those, copying the pages.
    Called before the warm-up starts any thread; a session sets its own
    limit after the fork (child.py)."""
    limit_malloc_arenas(1)


def limit_malloc_arenas(arenas: int) -> None:
    """At most `arenas` glibc malloc arenas in this process (nothing where
    malloc is not glibc's)."""
    try:
        import ctypes

        ctypes.CDLL(None).mallopt(M_ARENA_MAX, arenas)
    except (OSError, AttributeError):
        pass


def heap_range() -> tuple[int, int] | None:
    """The start and end of glibc's main heap ([heap] in /proc/self/maps)."""
    try:
        with open("/proc/self/maps", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.rstrip().endswith("[heap]"):
                    low, high = line.split()[0].split("-")
                    return int(low, 16), int(high, 16)
    except OSError:
        pass
    return None


def free_chunk_sizes() -> tuple[list[int], int]:
    """The sizes of the free chunks in glibc's main heap, walked chunk by
    chunk from its start (a chunk is free when the next one's PREV_INUSE
    bit is clear), and where its top chunk (the unused end) starts; ([], 0)
    when there is no such heap or its chunks do not add up (not glibc)."""
    import ctypes

    where = heap_range()
    if where is None:
        return [], 0
    low, high = where
    heap = memoryview((ctypes.c_char * (high - low)).from_address(low)).cast("B").cast("Q")
    sizes: list[int] = []
    chunk = 0             # in 8-byte words from `low`
    end = (high - low) // 8
    while True:
        size = heap[chunk + 1] & _SIZE_BITS
        if size < 2 * _CHUNK_HEADER or size % 16 or chunk + size // 8 > end:
            return [], 0
        following = chunk + size // 8
        if following + 2 > end:   # the last chunk: the top
            return sizes, low + chunk * 8
        if not heap[following + 1] & _PREV_INUSE:
            sizes.append(size)
        chunk = following


def fill_malloc_holes(limit: int = 200_000) -> int:
    """Take the free chunks of glibc's main heap (what Python's objects
    larger than 512 bytes, dict tables and lists' arrays, and C libraries
    get from malloc) and never free them: the chunks taken.

    A session's first mallocs would otherwise reuse them, and each copies
    a shared page of the parent's live data around a small hole (measured
    on a served lesson: ~650 of the parent's free chunks written, most of
    the ~1,000 heap pages a session copies). For each size seen free,
    largest first, then each size glibc's per-thread cache holds (its
    chunks look in use to the walk), malloc that size until it comes from
    the top of the heap: what is below the top was a hole. `limit` bounds
    the calls, whatever the heap looks like.
    """
    import ctypes

    sizes, top = free_chunk_sizes()
    if not top:
        return 0
    libc = ctypes.CDLL(None)
    malloc = libc.malloc
    malloc.restype = ctypes.c_void_p
    malloc.argtypes = [ctypes.c_size_t]
    low = heap_range()[0]  # type: ignore[index]
    taken = calls = 0
    wanted = sorted(set(sizes) | set(range(2 * _CHUNK_HEADER, _TCACHE_LARGEST + 1, 16)), reverse=True)
    for size in wanted:
        while calls < limit:
            calls += 1
            pointer = malloc(size - _CHUNK_HEADER)   # glibc rounds that up to exactly `size`
            if not pointer or not low <= pointer < top:
                break                                # from the top, or mapped apart: no hole left
            taken += 1
    return taken
