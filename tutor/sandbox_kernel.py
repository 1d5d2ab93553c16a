"""The kernel's own locks for a learner's code: rlimits, Landlock and seccomp.

`tutor.sandbox` forks a child and calls `lock_down` in it before the
learner's code runs. Each lock is applied by a raw system call through
ctypes: Landlock is three syscalls with small fixed structs, a seccomp
filter is an array of eight-byte BPF instructions, and neither needs a
library that the machine may lack (the reasons are in docs/architecture.md).

Who stops what:
- Landlock: no file is opened for writing, created, removed, renamed or
  truncated anywhere; files are read only under the Python installation;
  TCP bind/connect (ABI 4+); signals and abstract Unix sockets reaching
  outside the child (ABI 6+); ptrace of anything outside (every ABI).
- samepage merging (KSM): none of the child's pages can be merged with
  another process's (`leave_page_merging`), and seccomp keeps it so.
- seccomp (a deny list; the default is allow): new processes (fork, vfork,
  clone without CLONE_THREAD, execve), sockets of any family, signals to any
  process but the child itself, ptrace and reading other processes' memory,
  io_uring (its requests bypass seccomp), namespaces and mounts, raising
  rlimits, changing file modes/owners/times/xattrs (Landlock does not cover
  them), opening files by handle, and root-only knobs (modules, reboot,
  clock, swap, keys, bpf, perf). Any other architecture's calling convention
  (x32, i386 via int 0x80) kills the child.
- rlimits: address space (memory), CPU time, file size 0, core dumps 0,
  processes 0 (a second guard; root ignores it, seccomp does not).
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import resource
import struct
import sys

# ------------------------------------------------------------------ Landlock

SYS_LANDLOCK_CREATE_RULESET = 444  # the same number on every architecture
SYS_LANDLOCK_ADD_RULE = 445
SYS_LANDLOCK_RESTRICT_SELF = 446
LANDLOCK_CREATE_RULESET_VERSION = 1
LANDLOCK_RULE_PATH_BENEATH = 1

FS_EXECUTE = 1 << 0
FS_WRITE_FILE = 1 << 1
FS_READ_FILE = 1 << 2
FS_READ_DIR = 1 << 3
# every filesystem right each ABI knows; handling a right denies it unless a rule allows it
_FS_RIGHTS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1}
_FS_RIGHTS_LATEST = (1 << 16) - 1  # ABI 5 added IOCTL_DEV
NET_BIND_TCP = 1 << 0
NET_CONNECT_TCP = 1 << 1
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0
SCOPE_SIGNAL = 1 << 1

PR_SET_NO_NEW_PRIVS = 38
PR_SET_PDEATHSIG = 1
PR_SET_SECCOMP = 22
PR_GET_SECCOMP = 21
SECCOMP_MODE_FILTER = 2

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long
_libc.prctl.restype = ctypes.c_int
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]


class LockError(OSError):
    """A lock could not be applied: the child must not run the code."""


def _syscall(number: int, *args) -> int:
    result = _libc.syscall(ctypes.c_long(number), *args)
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return result


def landlock_abi() -> int:
    """The kernel's Landlock ABI version, 0 when it has none (or it is off)."""
    try:
        return _syscall(SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0),
                        ctypes.c_uint32(LANDLOCK_CREATE_RULESET_VERSION))
    except OSError:
        return 0


def apply_landlock(read_paths: list[str], abi: int) -> None:
    """Read-only access beneath `read_paths`, nothing anywhere else."""
    fs_rights = _FS_RIGHTS_BY_ABI.get(abi, _FS_RIGHTS_LATEST)
    if abi >= 6:
        attr = struct.pack("QQQ", fs_rights, NET_BIND_TCP | NET_CONNECT_TCP,
                           SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL)
    elif abi >= 4:
        attr = struct.pack("QQ", fs_rights, NET_BIND_TCP | NET_CONNECT_TCP)
    else:
        attr = struct.pack("Q", fs_rights)
    buf = ctypes.create_string_buffer(attr, len(attr))
    ruleset = _syscall(SYS_LANDLOCK_CREATE_RULESET, buf, ctypes.c_size_t(len(attr)), ctypes.c_uint32(0))
    try:
        for path in read_paths:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue  # a prefix that does not exist has nothing to read
            try:
                rights = FS_READ_FILE | FS_READ_DIR if os.path.isdir(path) else FS_READ_FILE
                rule = ctypes.create_string_buffer(struct.pack("=Qi", rights, fd), 12)
                _syscall(SYS_LANDLOCK_ADD_RULE, ctypes.c_int(ruleset),
                         ctypes.c_int(LANDLOCK_RULE_PATH_BENEATH), rule, ctypes.c_uint32(0))
            finally:
                os.close(fd)
        _no_new_privs()
        _syscall(SYS_LANDLOCK_RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0))
    finally:
        os.close(ruleset)


def _no_new_privs() -> None:
    if _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def die_with_parent() -> None:
    _libc.prctl(PR_SET_PDEATHSIG, 9, 0, 0, 0)  # SIGKILL when the tutor goes


# ------------------------------------------------------------------ seccomp

AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000
RET_ALLOW = 0x7FFF0000
RET_KILL_PROCESS = 0x80000000
RET_ERRNO = 0x00050000
CLONE_THREAD = 0x00010000
CLONE_NEW_ANY = 0x7E020000 | 0x00000080  # NEWNS, NEWCGROUP..NEWNET, NEWTIME

# x86_64 syscall numbers (arch/x86/entry/syscalls/syscall_64.tbl)
_DENIED_X86_64 = {
    # new processes and programs
    "fork": 57, "vfork": 58, "execve": 59, "execveat": 322,
    # network: no socket of any family (fds inherited are closed first)
    "socket": 41, "socketpair": 53,
    # other processes: signals by pidfd, memory, tracing
    "pidfd_send_signal": 424, "pidfd_open": 434, "pidfd_getfd": 438,
    "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "kcmp": 312,
    "process_madvise": 440, "process_mrelease": 448,
    "setpriority": 141, "sched_setparam": 142, "sched_setscheduler": 144,
    "sched_setaffinity": 203, "sched_setattr": 314, "ioprio_set": 251,
    "migrate_pages": 256, "move_pages": 279,
    # io_uring runs requests that seccomp never sees
    "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427,
    # namespaces and mounts
    "unshare": 272, "setns": 308, "mount": 165, "umount2": 166, "pivot_root": 155,
    "chroot": 161, "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431,
    "fsmount": 432, "fspick": 433, "mount_setattr": 442,
    # limits stay as set
    "setrlimit": 160,
    # file metadata that Landlock does not guard
    "chmod": 90, "fchmod": 91, "fchmodat": 268, "fchmodat2": 452,
    "chown": 92, "fchown": 93, "lchown": 94, "fchownat": 260,
    "setxattr": 188, "lsetxattr": 189, "fsetxattr": 190, "removexattr": 197,
    "lremovexattr": 198, "fremovexattr": 199, "setxattrat": 463, "removexattrat": 466,
    "utime": 132, "utimes": 235, "utimensat": 280, "futimesat": 261,
    "truncate": 76, "mknod": 133, "mknodat": 259,
    "name_to_handle_at": 303, "open_by_handle_at": 304,
    "inotify_init": 253, "inotify_init1": 294, "fanotify_init": 300,
    # root-only knobs (a served tutor may run as root)
    "reboot": 169, "init_module": 175, "finit_module": 313, "delete_module": 176,
    "kexec_load": 246, "kexec_file_load": 320, "swapon": 167, "swapoff": 168,
    "syslog": 103, "acct": 163, "quotactl": 179, "quotactl_fd": 443,
    "settimeofday": 164, "clock_settime": 227, "adjtimex": 159, "clock_adjtime": 305,
    "sethostname": 170, "setdomainname": 171, "iopl": 172, "ioperm": 173,
    "keyctl": 250, "add_key": 248, "request_key": 249,
    "bpf": 321, "perf_event_open": 298, "userfaultfd": 323,
}
_CLONE, _CLONE3, _PRLIMIT64 = 56, 435, 302
_MADVISE, _PRCTL = 28, 157
MADV_MERGEABLE, MADV_UNMERGEABLE = 12, 13
PR_SET_MEMORY_MERGE = 67
_SIGNAL_SELF_ONLY = {"kill": 62, "tkill": 200, "tgkill": 234, "rt_sigqueueinfo": 129, "rt_tgsigqueueinfo": 297}

_LD_ABS_W = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_AND_K = 0x54
_RET_K = 0x06
_OFF_NR, _OFF_ARCH = 0, 4


def _arg_low(i: int) -> int:
    return 16 + 8 * i  # seccomp_data.args[i], low 32 bits on little-endian


def _arg_high(i: int) -> int:
    return 16 + 8 * i + 4


def _ins(code: int, k: int, jt: int = 0, jf: int = 0) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k & 0xFFFFFFFF)


def _refuse_when(number: int, arg: int, value: int, answer: int) -> list[bytes]:
    """Instructions that return `answer` for syscall `number` when its
    argument `arg` (its low 32 bits) is `value`, and go on otherwise."""
    return [
        _ins(_LD_ABS_W, _OFF_NR),
        _ins(_JEQ_K, number, 0, 3),
        _ins(_LD_ABS_W, _arg_low(arg)),
        _ins(_JEQ_K, value, 0, 1),
        _ins(_RET_K, answer),
    ]


def seccomp_program(own_pid: int) -> bytes:
    """The BPF filter for x86_64, as bytes. Denied calls fail with EPERM, so
    Python raises PermissionError at the learner's line."""
    eperm = RET_ERRNO | errno.EPERM
    prog = [
        _ins(_LD_ABS_W, _OFF_ARCH),
        _ins(_JEQ_K, AUDIT_ARCH_X86_64, 1, 0),
        _ins(_RET_K, RET_KILL_PROCESS),
        _ins(_LD_ABS_W, _OFF_NR),
        _ins(_JGE_K, X32_SYSCALL_BIT, 0, 1),
        _ins(_RET_K, RET_KILL_PROCESS),
    ]
    for number in sorted(_DENIED_X86_64.values()):
        prog += [_ins(_JEQ_K, number, 0, 1), _ins(_RET_K, eperm)]
    # clone3 passes its flags in memory that BPF cannot read: ENOSYS makes
    # glibc fall back to clone, whose flags it can
    prog += [_ins(_JEQ_K, _CLONE3, 0, 1), _ins(_RET_K, RET_ERRNO | errno.ENOSYS)]
    # clone: a thread (CLONE_THREAD, no new namespace) only
    prog += [
        _ins(_JEQ_K, _CLONE, 0, 5),
        _ins(_LD_ABS_W, _arg_low(0)),
        _ins(_AND_K, CLONE_THREAD | CLONE_NEW_ANY),
        _ins(_JEQ_K, CLONE_THREAD, 0, 1),
        _ins(_RET_K, RET_ALLOW),
        _ins(_RET_K, eperm),
    ]
    # prlimit64 may read limits (new_limit == NULL), never set them
    prog += [
        _ins(_LD_ABS_W, _OFF_NR),
        _ins(_JEQ_K, _PRLIMIT64, 0, 6),
        _ins(_LD_ABS_W, _arg_low(2)),
        _ins(_JEQ_K, 0, 0, 3),
        _ins(_LD_ABS_W, _arg_high(2)),
        _ins(_JEQ_K, 0, 0, 1),
        _ins(_RET_K, RET_ALLOW),
        _ins(_RET_K, eperm),
    ]
    # samepage merging: never marked again (leave_page_merging took it off)
    prog += _refuse_when(_MADVISE, 2, MADV_MERGEABLE, eperm)
    prog += _refuse_when(_PRCTL, 0, PR_SET_MEMORY_MERGE, eperm)
    # signals: to the child itself only (its first argument is a pid or tgid)
    for number in sorted(_SIGNAL_SELF_ONLY.values()):
        prog += [
            _ins(_LD_ABS_W, _OFF_NR),
            _ins(_JEQ_K, number, 0, 4),
            _ins(_LD_ABS_W, _arg_low(0)),
            _ins(_JEQ_K, own_pid, 0, 1),
            _ins(_RET_K, RET_ALLOW),
            _ins(_RET_K, eperm),
        ]
    prog.append(_ins(_RET_K, RET_ALLOW))
    return b"".join(prog)


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def apply_seccomp(own_pid: int) -> None:
    program = seccomp_program(own_pid)
    buf = ctypes.create_string_buffer(program, len(program))
    fprog = _SockFprog(len(program) // 8, ctypes.cast(buf, ctypes.c_void_p))
    _no_new_privs()
    if _libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.addressof(fprog), 0, 0) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def seccomp_supported() -> bool:
    return _libc.prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0


# ------------------------------------------------------------------ rlimits


def _vm_size() -> int:
    """The process's current address-space size in bytes (torch alone maps ~700 MB)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def apply_rlimits(memory_bytes: int, cpu_seconds: int) -> None:
    """`memory_bytes` more address space than the child already has, within
    the limits the child inherited: a served session runs under its own caps
    (`serve --session-memory`, `--session-cpu`), which a process may lower
    but never raise, so asking for more than them would fail the lock."""
    address_space = _vm_size() + memory_bytes
    for limit, wanted in (
        (resource.RLIMIT_AS, address_space),
        (resource.RLIMIT_CPU, cpu_seconds),
        (resource.RLIMIT_FSIZE, 0),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_NPROC, 0),
    ):
        soft, hard = wanted, wanted + 1 if limit == resource.RLIMIT_CPU else wanted  # SIGXCPU, then SIGKILL
        inherited = resource.getrlimit(limit)[1]
        if inherited != resource.RLIM_INFINITY:
            soft, hard = min(soft, inherited), min(hard, inherited)
        resource.setrlimit(limit, (soft, hard))


# ------------------------------------------------------------------ all of it


def read_only_paths() -> list[str]:
    """The Python installation: the prefixes, the site-packages in use, and
    the folders torch and numpy were imported from."""
    import site

    paths = {sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix}
    try:
        paths.update(site.getsitepackages())
    except AttributeError:
        pass
    for name in ("torch", "numpy"):
        module = sys.modules.get(name)
        where = getattr(module, "__file__", None)
        if where:
            paths.add(os.path.dirname(os.path.dirname(os.path.abspath(where))))
    return sorted(p for p in paths if p and os.path.isabs(p))


def why_unavailable() -> str | None:
    """None when this kernel can lock a child down, else the reason, in English
    (a log line and the teacher's console; the UI has its own words)."""
    if sys.platform != "linux":
        return f"the sandbox needs Linux (this is {sys.platform})"
    machine = platform.machine()
    if machine != "x86_64":
        return f"the sandbox's seccomp filter is written for x86_64 (this is {machine})"
    abi = landlock_abi()
    if abi < 1:
        return (f"this kernel ({platform.release()}) has no Landlock (Linux 5.13 or later,"
                " with landlock in the lsm= boot list)")
    if not seccomp_supported():
        return f"this kernel ({platform.release()}) has no seccomp filters"
    return None


def leave_page_merging() -> None:
    """Take every mapping of the child out of the kernel's samepage merging.

    A session offers KSM the pages it wrote (tutor/serve/merging.py), and
    the child inherits those marked ranges. A learner's code that writes a
    page there and times the next write could learn whether another
    session holds the same 4 KB (a merged page is copied on that write).
    MADV_UNMERGEABLE gives the child its own copy of every merged page it
    maps (at most the session's marked pages, ~8,800 in a lesson, and only
    those KSM merged) and clears the mark, and
    seccomp refuses to set one again (`seccomp_program`). A mapping that
    was never marked is left as it is.
    """
    with open("/proc/self/maps", encoding="ascii", errors="replace") as f:
        ranges = [line.split(maxsplit=1)[0].split("-") for line in f]
    for start, end in ranges:
        low, high = int(start, 16), int(end, 16)
        _libc.madvise(ctypes.c_void_p(low), ctypes.c_size_t(high - low), MADV_UNMERGEABLE)


def lock_down(*, memory_bytes: int, cpu_seconds: int, sandboxed: bool) -> None:
    """Everything the child does before the learner's code. Raises if a lock fails."""
    die_with_parent()
    leave_page_merging()  # before the memory limit: it may copy pages
    apply_rlimits(memory_bytes, cpu_seconds)
    if sandboxed:
        apply_landlock(read_only_paths(), landlock_abi())
        apply_seccomp(os.getpid())
