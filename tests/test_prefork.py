"""The pre-fork parent takes the allocator's free blocks, so a forked
session's new objects do not copy the pages it shares with the parent."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from tutor.serve import prefork

# A parent whose heap is full of holes (every other small object freed), as
# after imports and a collection; a forked child then makes as many objects
# of the same size as there are holes and reports the private memory that
# cost it (kB). With the holes taken before the fork, its objects go to
# fresh pages: about their own size. Without, they land in the holes, and
# each copies a shared page half full of the parent's objects: about twice.
SCRIPT = textwrap.dedent("""
    import os, sys
    from tutor.serve import prefork

    def dirty_kb():
        with open("/proc/self/smaps_rollup") as f:
            return sum(int(line.split()[1]) for line in f if line.startswith("Private_Dirty:"))

    kept = [bytes(40) for _ in range(200_000)]     # 73 bytes each: pymalloc's 80-byte blocks
    del kept[::2]
    if sys.argv[1] == "fill":
        prefork.fill_allocator_holes()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        before = dirty_kb()
        made = [bytes(40) for _ in range(100_000)]
        os.write(w, str(dirty_kb() - before).encode())
        os._exit(0)
    os.waitpid(pid, 0)
    print(os.read(r, 100).decode())
""")


def child_dirty_kb(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", SCRIPT, mode], capture_output=True, text=True,
                          timeout=120, check=True)
    return int(done.stdout.strip())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_forked_childs_new_objects_do_not_copy_the_parents_pages():
    with_holes = child_dirty_kb("holes")
    filled = child_dirty_kb("fill")
    objects_kb = 100_000 * 80 // 1024
    assert filled < objects_kb * 1.3, (filled, with_holes)
    assert with_holes > filled * 1.5, (filled, with_holes)


def test_filling_leaves_no_free_blocks_in_the_pools_in_use():
    kept = [bytes(24) for _ in range(50_000)]   # 57 bytes: the 64-byte blocks
    del kept[::2]
    free, _, pool_size = prefork.allocator_holes()
    assert pool_size > 0 and sorted(free)[:2] == [16, 32] and max(free) == 512
    assert free[64] >= 25_000
    taken = prefork.fill_allocator_holes()
    assert taken >= 25_000 * 64
    after, _, _ = prefork.allocator_holes()
    assert after[64] < 1_000      # what the report itself and this test allocate and free


# The same for glibc's heap: objects over 512 bytes (a 1,000-byte bytes
# object is a 1,056-byte chunk, past glibc's per-thread cache) come from
# malloc; every other one freed leaves a hole between two live ones. The
# child's private [heap] pages are counted.
MALLOC_SCRIPT = textwrap.dedent("""
    import os, sys
    from tutor.serve import prefork

    def heap_dirty_kb():
        kb, heap = 0, False
        with open("/proc/self/smaps") as f:
            for line in f:
                first = line.split(maxsplit=1)[0]
                if "-" in first and not first.endswith(":"):
                    heap = line.rstrip().endswith("[heap]")
                elif heap and first == "Private_Dirty:":
                    kb += int(line.split()[1])
        return kb

    kept = [bytes(range(250)) * 4 for _ in range(20_000)]
    del kept[::2]
    assert len(prefork.free_chunk_sizes()[0]) >= 9_000   # the walk finds the holes
    if sys.argv[1] == "fill":
        prefork.fill_malloc_holes()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        before = heap_dirty_kb()
        made = [bytes(range(250)) * 4 for _ in range(10_000)]
        os.write(w, str(heap_dirty_kb() - before).encode())
        os._exit(0)
    os.waitpid(pid, 0)
    print(os.read(r, 100).decode())
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_forked_childs_large_objects_do_not_copy_the_parents_heap_pages():
    def dirty(mode: str) -> int:
        done = subprocess.run([sys.executable, "-c", MALLOC_SCRIPT, mode], capture_output=True, text=True,
                              timeout=120, check=True)
        return int(done.stdout.strip())

    with_holes, filled = dirty("holes"), dirty("fill")
    objects_kb = 10_000 * 1056 // 1024
    assert filled < objects_kb * 1.3, (filled, with_holes)
    assert with_holes > filled * 1.5, (filled, with_holes)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_filling_leaves_no_free_chunks_in_the_heap():
    kept = [bytes(1000) for _ in range(4_000)]
    del kept[::2]
    sizes, top = prefork.free_chunk_sizes()
    assert top and sizes.count(1056) >= 1_900
    assert prefork.fill_malloc_holes() >= 1_900
    after, _ = prefork.free_chunk_sizes()
    assert after.count(1056) < 10 and len(after) < 20


# A thread's first malloc gets it a glibc arena of its own unless the
# process is held to one; malloc_info lists one <heap> per arena.
ARENA_SCRIPT = textwrap.dedent("""
    import ctypes, os, sys, tempfile, threading
    from tutor.serve import prefork

    if sys.argv[1] == "one":
        prefork.one_malloc_arena()
    kept = []
    worker = threading.Thread(target=lambda: kept.extend(bytes(range(250)) * 4 for _ in range(100)))
    worker.start()
    worker.join()
    libc = ctypes.CDLL(None)
    libc.fdopen.restype = ctypes.c_void_p
    with tempfile.TemporaryFile() as out:
        stream = libc.fdopen(os.dup(out.fileno()), b"w")
        libc.malloc_info(0, ctypes.c_void_p(stream))
        libc.fclose(ctypes.c_void_p(stream))
        out.seek(0)
        print(out.read().decode().count("<heap nr="))
""")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc")
def test_the_warm_parents_threads_leave_no_arena_of_their_own():
    def arenas(mode: str) -> int:
        done = subprocess.run([sys.executable, "-c", ARENA_SCRIPT, mode], capture_output=True, text=True,
                              timeout=120, check=True)
        return int(done.stdout.strip())

    assert arenas("default") == 2
    assert arenas("one") == 1
