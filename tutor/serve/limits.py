"""How many learners fit, how much each may use, and how much they do use.

The numbers behind the defaults were measured on a 2-core, 24 GB machine
(benchmarks/bench_serve.py): a forked session costs a few tens of MB of
proportional memory (PSS) on top of the shared pre-fork image, so a budget
of 60 MB a seat leaves room for a learner who trains a bigger model.
"""

from __future__ import annotations

import os
import resource

SEAT_BUDGET_MB = 60
MAX_SEATS_CAP = 250
# Address space a session may add beyond the pre-fork image it starts from:
# torch and glibc reserve a lot of virtual memory (thread stacks, malloc
# arenas of 64 MB each) that is never touched, so this is generous.
DEFAULT_SESSION_MEMORY_MB = 1536
DEFAULT_SESSION_CPU_SECONDS = 1800


def available_memory_mb() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) // 1024
    except OSError:
        return None
    return None


def default_max_sessions() -> int:
    """Seats for a class: available RAM / 60 MB, between 1 and 250."""
    mb = available_memory_mb()
    if mb is None:
        return 20
    return max(1, min(MAX_SEATS_CAP, mb // SEAT_BUDGET_MB))


def vm_size_bytes(pid: int | str = "self") -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as f:
        for line in f:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def apply_session_limits(memory_mb: int, cpu_seconds: int) -> None:
    """Cap this (freshly forked) session: address space and CPU time.

    RLIMIT_AS counts from the pre-fork image the child already maps, so the
    limit is that size plus `memory_mb`. CPU past the soft limit raises
    SIGXCPU (the session ends cleanly); 10 s later the kernel kills it.
    0 turns a limit off.
    """
    if memory_mb > 0:
        limit = vm_size_bytes() + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if cpu_seconds > 0:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 10))


def pss_kb(pid: int) -> int:
    """Proportional set size of one process in kB (0 if it is gone).

    PSS splits each shared page between the processes mapping it, so the
    sum over a process tree is the memory that tree really uses.
    """
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return 0
    return 0


def children(pid: int) -> list[int]:
    """Direct children of `pid`, from /proc (every thread's list)."""
    kids: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return kids
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/children", encoding="ascii") as f:
                kids.extend(int(x) for x in f.read().split())
        except OSError:
            continue
    return kids


def tree_pids(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children(p))
    return out


def tree_pss_kb(pid: int) -> int:
    return sum(pss_kb(p) for p in tree_pids(pid))
