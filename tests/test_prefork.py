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
