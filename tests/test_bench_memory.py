"""What `benchmarks/bench_memory.py` reads of the kernel beside a session's
PSS: the page tables and mappings it prints must be the process's own,
and a session gone between two reads is skipped, not a crash."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from bench_memory import kernel_side


def test_a_process_s_page_tables_and_mappings_are_read():
    page_tables_kb, mappings = kernel_side(os.getpid())
    with open("/proc/self/status", encoding="ascii") as f:
        status = dict(line.split(":", 1) for line in f)
    assert page_tables_kb == int(status["VmPTE"].split()[0]) > 0
    with open("/proc/self/maps", "rb") as f:
        assert mappings == sum(1 for _ in f) > 0


def test_a_process_gone_reads_as_nothing():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert kernel_side(child.pid) == (0, 0)
