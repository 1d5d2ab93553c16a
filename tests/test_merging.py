"""A session offers KSM only the pages it wrote (tutor/serve/merging.py).

The scripts run in a fresh interpreter: a parent fills a private anonymous
buffer, forks, and the child (a session, in miniature) writes a few pages
of it and reads what it would mark.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tutor.serve import merging

pytestmark = pytest.mark.skipif(not Path("/proc/self/pagemap").exists(), reason="needs Linux's pagemap")

CHILD_SCRIPT = textwrap.dedent("""
    import ctypes, json, mmap, os, sys
    from tutor.serve import merging

    PAGE = merging.PAGE
    PAGES = 4096
    buf = mmap.mmap(-1, PAGES * PAGE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    for page in range(PAGES):
        buf[page * PAGE] = 1           # every page present, then shared with the child
    base = ctypes.addressof(ctypes.c_char.from_buffer(buf))
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        for page in (100, 101, 105, 2000):
            buf[page * PAGE + 7] = 2   # the child's own copies: a gap of 3 pages, then one alone
        ranges = [((a - base) // PAGE, n // PAGE) for a, n in merging.own_page_ranges()
                  if base <= a < base + PAGES * PAGE]
        marked = merging.mark_own_pages() if sys.argv[1] == "mark" else 0

        def flags(page):
            address = base + page * PAGE
            with open("/proc/self/smaps") as f:
                inside = False
                for line in f:
                    first = line.split()[0]
                    if "-" in first and not first.endswith(":"):
                        lo, hi = (int(x, 16) for x in first.split("-"))
                        inside = lo <= address < hi
                    elif inside and line.startswith("VmFlags:"):
                        return line.split()[1:]

        os.write(w, json.dumps({"ranges": ranges, "marked": marked,
                                "written": "mg" in flags(100), "alone": "mg" in flags(2000),
                                "shared": "mg" in flags(1000)}).encode())
        os._exit(0)
    os.waitpid(pid, 0)
    print(os.read(r, 100000).decode())
""")


def run_script(script: str, *args: str) -> str:
    """What `script` prints, run in a fresh interpreter."""
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True,
                          timeout=60, check=True).stdout


def child_report(mode: str) -> dict:
    return json.loads(run_script(CHILD_SCRIPT, mode))


def test_a_forked_child_finds_the_pages_it_wrote_and_not_those_it_shares():
    report = child_report("read")
    # 100, 101 and 105 are one range (the gap of 3 is bridged), 2000 another
    assert report["ranges"] == [[100, 6], [2000, 1]]
    assert not report["written"]  # reading marks nothing


def test_marking_makes_only_the_childs_own_ranges_mergeable():
    report = child_report("mark")
    assert report["written"] and report["alone"]
    assert not report["shared"]  # the 4,000 pages it shares with its parent are not scanned
    assert report["marked"] >= 7


def test_ksm_state_follows_the_machines_switch(tmp_path):
    run = tmp_path / "run"
    run.write_text("1\n")
    assert merging.ksm_state(str(run)) == "on"
    run.write_text("0\n")
    assert merging.ksm_state(str(run)) == "off"
    assert merging.ksm_state(str(tmp_path / "missing")) == "unsupported"


MARKING_SCRIPT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from tutor.serve import merging

    def mergeable():
        return sum(1 for line in Path("/proc/self/smaps").read_text().splitlines()
                   if line.startswith("VmFlags:") and " mg" in line)

    keep = bytearray(8 << 20)          # pages of this process's own
    keep[::4096] = b"\\1" * len(keep[::4096])
    merging.keep_marking((0.05,), sys.argv[1])
    time.sleep(0.5)
    print(mergeable())
""")


def test_the_sessions_thread_marks_nothing_while_ksm_is_off_and_marks_once_it_is_on(tmp_path):
    run = tmp_path / "run"

    def marked_with(value: str) -> int:
        run.write_text(value)
        return int(run_script(MARKING_SCRIPT, str(run)))

    assert marked_with("0\n") == 0
    assert marked_with("1\n") > 0


UNMERGE_SCRIPT = textwrap.dedent("""
    import mmap
    from pathlib import Path
    from tutor import sandbox_kernel

    def mergeable():
        return sum(1 for line in Path("/proc/self/smaps").read_text().splitlines()
                   if line.startswith("VmFlags:") and " mg" in line)

    buf = mmap.mmap(-1, 64 * mmap.PAGESIZE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    buf.madvise(mmap.MADV_MERGEABLE)   # as a session's marked ranges, inherited
    before = mergeable()
    # what a code exercise's process does before the learner's code (the
    # kernel's own locks left out, so that this script can read smaps)
    sandbox_kernel.lock_down(memory_bytes=512 << 20, cpu_seconds=10, sandboxed=False)
    print(before, mergeable())
""")


def test_a_code_exercises_process_takes_every_inherited_mark_off():
    before, after = (int(n) for n in run_script(UNMERGE_SCRIPT).split())
    assert before >= 1 and after == 0


def test_the_benchmarks_name_the_machines_merging_settings(tmp_path):
    (tmp_path / "run").write_text("0\n")
    assert merging.merging_settings(str(tmp_path)) == "KSM off"
    for name, value in (("run", "1"), ("pages_to_scan", "100"), ("sleep_millisecs", "20"),
                        ("advisor_mode", "[none] scan-time"), ("advisor_target_scan_time", "200"),
                        ("advisor_max_cpu", "30")):
        (tmp_path / name).write_text(value + "\n")
    assert merging.merging_settings(str(tmp_path)) == "KSM on (100 pages every 20 ms)"
    (tmp_path / "advisor_mode").write_text("none [scan-time]\n")
    assert merging.merging_settings(str(tmp_path)) == "KSM on (advisor: a pass every 200 s, at most 30% of a CPU)"


def test_the_benchmarks_say_what_ksm_saved_and_what_it_cost(tmp_path):
    (tmp_path / "pages_sharing").write_text(f"{(10 << 20) // merging.PAGE}\n")
    sharing, cpu = merging.merging_activity(str(tmp_path))
    assert sharing * merging.PAGE == 10 << 20
    report = merging.merging_report((0, cpu), 10.0, str(tmp_path))
    assert report.startswith(f"KSM: 10 MB saved now (pages_sharing {sharing}), ksmd ")
    assert report.endswith("% of a CPU over 10 s")
