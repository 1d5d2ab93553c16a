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
# Address space a session may add beyond the pre-fork image it starts from,
# in seat budgets: a session's own pages stay near one budget (about 30 MB
# PSS), but glibc and torch reserve address space they never touch (thread
# stacks; malloc arenas, which a session limits to two), so the cap leaves
# room for those and for a learner's bigger model, and no more: one
# session can never take more than this from the class.
SESSION_MEMORY_BUDGETS = 8
DEFAULT_SESSION_MEMORY_MB = SESSION_MEMORY_BUDGETS * SEAT_BUDGET_MB
DEFAULT_SESSION_CPU_SECONDS = 1800
CPU_KILL_AFTER_SECONDS = 2   # the kernel's SIGKILL, past the soft limit's SIGXCPU
# The largest window a session draws: beyond it, the app draws at this size
# (and says so). Textual's memory and time grow with the cells on screen;
# 500x200 is more than any real screen shows in a readable font.
MAX_COLS, MAX_ROWS = 500, 200


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
    """Bytes, not text: the file's Name line is the process name, and a
    learner called João names their session `tutor joão`."""
    with open(f"/proc/{pid}/status", "rb") as f:
        for line in f:
            if line.startswith(b"VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def apply_session_limits(memory_mb: int, cpu_seconds: int) -> None:
    """Cap this (freshly forked) session: address space and CPU time.

    RLIMIT_AS counts from the pre-fork image the child already maps, so the
    limit is that size plus `memory_mb`. CPU past the soft limit raises
    SIGXCPU (the session ends cleanly); 2 s later the kernel kills it.
    0 turns a limit off.
    """
    if memory_mb > 0:
        limit = vm_size_bytes() + memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if cpu_seconds > 0:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + CPU_KILL_AFTER_SECONDS))


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
