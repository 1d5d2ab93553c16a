"""Offer the kernel's samepage merging (KSM) only the pages a session wrote.

A session is a copy-on-write copy of the warm pre-fork process: it maps
~75,000 pages of the parent's memory (~300 MB: Python's heap with torch,
Textual and the lessons) and, in a lesson, has written ~5,700 of them
(copied) or made them new. Many of those it writes the same way as every
other session (a reference count up and back down, code quickened as it
runs, the same strings' counts), which KSM can keep once for the whole
class: a learner in a lesson 22.7 -> 6.6 MB with KSM on
(`benchmarks/bench_memory.py -n 50 --settle 60`, docs/scaling.md).

KSM scans every page of a mergeable mapping, written or not, two passes
before it merges one. Marking a session's whole memory (prctl
PR_SET_MEMORY_MERGE on the pre-fork process, as first tried) made a pass over 400 learners ~24 million
pages: at the README's 1,000 pages every 20 ms, on a busy machine
(~21,000 pages a second measured), 19 minutes a pass, so while a class
joined nothing merged. Here a session marks only the ranges where it has
pages of its own (mapped once, present: /proc/self/pagemap's
"exclusively mapped" bit), bridging gaps of up to `GAP_PAGES` shared pages
so that a lesson's pages take a few hundred ranges (one VMA each) rather
than thousands. That is ~9,000 pages to scan a session instead of ~75,000.

It runs in a thread of the session on a schedule (`SCHEDULE`): soon after
the menu and the first lesson, then less and less often (every 5 minutes
from the seventh minute) for what later steps write. A pass reads
/proc/self/maps and the pagemap of its writable private mappings; it cost
~15 ms of CPU in a served lesson, and passes every minute took ~10% of the
sessions' CPU in a reading class of 500 (measured from the thread's own
/proc/PID/task/TID/stat), hence the longer intervals. While KSM is off on the machine it
does nothing, so there is nothing to split or scan; it starts the minute
an administrator turns KSM on.

The timing side channel of merged pages (a process that finds a write to
its page slow learns another process holds the same 4 KB) concerns a code
exercise's process (tutor.sandbox), forked from a session: it inherits
the session's marked ranges, not this thread, and takes every mark off
before the learner's code runs, with seccomp refusing a new one
(`tutor.sandbox_kernel.leave_page_merging`).
"""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path

from . import protocol

PAGE = os.sysconf("SC_PAGE_SIZE")
MADV_MERGEABLE = 12
GAP_PAGES = 8            # shared pages a marked range may bridge (measured: ~500 ranges a lesson)
SCHEDULE = (5.0, 20.0, 60.0, 120.0, 300.0)   # seconds between passes; the last repeats
KSM_RUN = "/sys/kernel/mm/ksm/run"
THREAD_NAME = "tutor merging"   # what `top -H` shows for the session's thread

# pagemap: one 8-byte little-endian entry a page; its top byte holds bit 63
# (present) and bit 56 (exclusively mapped: this process's own copy)
_OWN = bytes(1 if byte & 0x81 == 0x81 else 0 for byte in range(256))


def _runs(gap: int) -> re.Pattern[bytes]:
    """Runs of own pages (1) with at most `gap` others (0) between two."""
    return re.compile(rb"\x01(?:\x00{0,%d}\x01)*" % gap)


_RUNS = _runs(GAP_PAGES)


def ksm_state(run_file: str = KSM_RUN) -> str:
    """"on" or "off" as the machine's KSM switch says; "unsupported" where
    there is none (not Linux, or a kernel built without KSM)."""
    try:
        with open(run_file, encoding="ascii") as f:
            return "on" if f.read().strip() == "1" else "off"
    except OSError:
        return "unsupported"


def _writable_private_mappings() -> list[tuple[int, int]]:
    """(start, end) of this process's anonymous writable private mappings,
    the heap's included: where Python's objects live. Files' mappings and
    stacks are left out. Neighbours are joined: the ranges a pass marks
    split their mapping in the kernel's list, and the next pass reads the
    pagemap once for the whole span, not once a piece."""
    found: list[tuple[int, int]] = []
    with open("/proc/self/maps", encoding="ascii", errors="replace") as f:
        for line in f:
            fields = line.split(maxsplit=5)
            perms = fields[1]
            name = fields[5].strip() if len(fields) > 5 else ""
            if perms[1] != "w" or perms[3] != "p" or (name and name != "[heap]"):
                continue
            low, high = fields[0].split("-")
            start, end = int(low, 16), int(high, 16)
            if found and found[-1][1] == start:
                found[-1] = (found[-1][0], end)
            else:
                found.append((start, end))
    return found


def own_page_ranges(gap: int = GAP_PAGES) -> list[tuple[int, int]]:
    """(address, length) of the ranges that cover this process's own pages
    (present and mapped by it alone), bridging up to `gap` pages between
    two of them."""
    runs = _RUNS if gap == GAP_PAGES else _runs(gap)
    ranges = []
    fd = os.open("/proc/self/pagemap", os.O_RDONLY | os.O_CLOEXEC)
    try:
        for start, end in _writable_private_mappings():
            first = start // PAGE
            entries = os.pread(fd, (end - start) // PAGE * 8, first * 8)
            own = entries[7::8].translate(_OWN)
            for run in runs.finditer(own):
                ranges.append(((first + run.start()) * PAGE, (run.end() - run.start()) * PAGE))
    finally:
        os.close(fd)
    return ranges


def mark_own_pages(gap: int = GAP_PAGES, done: set[tuple[int, int]] | None = None) -> int:
    """madvise(MADV_MERGEABLE) the ranges of `own_page_ranges`: the pages
    marked (bridged ones included). A range that cannot be marked (a
    mapping that changed meanwhile) is skipped; so is one in `done` (the
    ranges an earlier pass marked), and the ones marked now are added."""
    madvise = _madvise()
    marked = 0
    for address, length in own_page_ranges(gap):
        if done is not None and (address, length) in done:
            continue
        if madvise(address, length, MADV_MERGEABLE) == 0:
            marked += length // PAGE
            if done is not None:
                done.add((address, length))
    return marked


def _madvise():
    import ctypes

    madvise = ctypes.CDLL(None, use_errno=True).madvise
    madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    madvise.restype = ctypes.c_int
    return madvise


def keep_marking(schedule: tuple[float, ...] = SCHEDULE, run_file: str = KSM_RUN) -> threading.Thread:
    """Start the session's thread that marks its own pages on `schedule`
    while KSM runs; a daemon, so it never holds the session open."""
    def passes() -> None:
        protocol.set_process_name(THREAD_NAME)  # PR_SET_NAME names the calling thread
        delays = iter(schedule)
        done: set[tuple[int, int]] = set()
        while True:
            time.sleep(next(delays, schedule[-1]))
            if ksm_state(run_file) == "on":
                try:
                    mark_own_pages(done=done)
                except OSError:
                    return  # no pagemap here: nothing this thread can do

    thread = threading.Thread(target=passes, name=THREAD_NAME, daemon=True)
    thread.start()
    return thread


def merging_settings(folder: str = "/sys/kernel/mm/ksm") -> str:
    """The machine's KSM settings in one line, for the benchmarks' headers
    (what a memory row measured under): "KSM off", or how fast it scans."""
    def read(name: str) -> str:
        try:
            with open(f"{folder}/{name}", encoding="ascii") as f:
                return f.read().strip()
        except OSError:
            return "?"

    if read("run") != "1":
        return "KSM off"
    advisor = read("advisor_mode")
    if "[scan-time]" in advisor:
        return (f"KSM on (advisor: a pass every {read('advisor_target_scan_time')} s, "
                f"at most {read('advisor_max_cpu')}% of a CPU)")
    return f"KSM on ({read('pages_to_scan')} pages every {read('sleep_millisecs')} ms)"


def merging_activity(folder: str = "/sys/kernel/mm/ksm") -> tuple[int, float]:
    """For the benchmarks: the pages KSM saves now (`pages_sharing`: the
    mappings that point at a merged page instead of a copy of their own)
    and the CPU seconds its thread (ksmd) has used since boot."""
    try:
        with open(f"{folder}/pages_sharing", encoding="ascii") as f:
            sharing = int(f.read())
    except (OSError, ValueError):
        sharing = 0
    cpu = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().split()
        except OSError:
            continue
        if fields[1] == "(ksmd)":
            cpu = (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
            break
    return sharing, cpu


def merging_report(since: tuple[int, float], seconds: float, folder: str = "/sys/kernel/mm/ksm") -> str:
    """The benchmarks' line on what KSM did since `since` (a
    `merging_activity` reading taken `seconds` ago): what it saves now,
    and the share of a CPU ksmd used meanwhile."""
    sharing, cpu = merging_activity(folder)
    return (f"KSM: {sharing * PAGE / 2**20:.0f} MB saved now (pages_sharing {sharing}), "
            f"ksmd {100 * (cpu - since[1]) / max(seconds, 1e-9):.0f}% of a CPU over {seconds:.0f} s")
