"""Runs a learner's code in a locked-down child process and returns plain data.

A code exercise runs code the learner typed. Over SSH every learner shares
the server's account, so that code must reach nothing but its own exercise;
locally the same path keeps a runaway loop or a 10 GB tensor from taking the
tutor down. `run_untrusted` forks the calling process (which has torch
imported and holds the lesson's namespace, so the child starts warm and
sees the namespace copy-on-write), and the child:

1. points fds 0-2 at /dev/null, closes every other inherited descriptor
   (the progress store, the SSH session's PTY) except its result pipe,
   and forgets the environment but the locale;
2. locks itself down (`tutor.sandbox_kernel.lock_down`: rlimits, Landlock,
   seccomp) and dies with its parent;
3. evaluates the expressions to capture (keeping each object alive, so an
   `id()` compared later means "the same object"), runs the code, captures
   them again, and writes ONE JSON document to the pipe.

The parent reads at most `Limits.result_bytes` within `Limits.wall_seconds`,
kills the child when it is late, and parses the document strictly
(`tutor.sandbox_wire`). Nothing from the child is unpickled or executed.
"""

from __future__ import annotations

import errno
import os
import select
import signal
import sys
import time
import traceback
from dataclasses import dataclass, field
from time import monotonic, perf_counter

from . import sandbox_kernel, sandbox_wire
from .sandbox_wire import Captured, LearnerError, WireError

FILENAME = "<exercise>"
_EXIT_LOCKS_FAILED = 71
_EXIT_HARNESS_FAILED = 72


@dataclass(frozen=True)
class Limits:
    wall_seconds: float = 2.0
    cpu_seconds: int = 2  # the kernel counts whole seconds; the wall clock stops loops first
    memory_mb: int = 512  # more address space than the forked child starts with
    output_chars: int = 16_000  # what the code prints, kept; the rest is counted as cut
    result_bytes: int = 4 * 1024 * 1024


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class SandboxResult:
    """What happened to the learner's code, as plain data.

    `stopped` is None when the child sent its document (the code may still
    have raised: see `error`), else why the tutor has no document:
    "timeout" (killed at the wall-time limit), "cpu" (CPU-time limit),
    "crashed" (a fatal signal: `detail` names it), "exited" (the code ended
    the process itself: `detail` is the exit status), "too-large" (the
    document passed `result_bytes`), "bad-result" (the document did not
    match the schema: `detail` says where), "locks-failed" (the child could
    not lock itself down and ran nothing), "no-fork" (the system could not
    start a process: out of memory or processes)."""

    completed: bool = False
    output: str = ""
    output_truncated: bool = False
    error: LearnerError | None = None
    before: dict[str, Captured] = field(default_factory=dict)
    after: dict[str, Captured] = field(default_factory=dict)
    stopped: str | None = None
    detail: str = ""
    seconds: float = 0.0
    sandboxed: bool = True

    @property
    def ok(self) -> bool:
        """The code ran to its end without raising."""
        return self.stopped is None and self.error is None and self.completed


class SandboxUnavailable(RuntimeError):
    """The kernel cannot lock a child down; the message says why."""


_availability: list[str | None] = []

# Set by `tutor serve` (and inherited by every session it forks) when the
# sandbox cannot be had and the teacher did not pass --allow-unsandboxed-code:
# learners share the server's account, so their code must not run unlocked.
REQUIRE_ENV = "TUTOR_REQUIRE_SANDBOX"


def require_sandbox(required: bool = True) -> None:
    """From now on (in this process and those it starts), learner code runs
    only inside the sandbox: without it, a run is refused."""
    if required:
        os.environ[REQUIRE_ENV] = "1"
    else:
        os.environ.pop(REQUIRE_ENV, None)


def sandbox_required() -> bool:
    return os.environ.get(REQUIRE_ENV) == "1"


def sandbox_available() -> str | None:
    """None when learner code can run locked down here, else why not.

    Checks the kernel (Linux, x86_64, Landlock, seccomp), then once per
    process forks a child that applies every lock and runs `pass`, so a
    kernel that advertises a feature but refuses it is caught too."""
    if not _availability:
        reason = sandbox_kernel.why_unavailable()
        if reason is None:
            probe = _run("x = 1", {}, ("x",), DEFAULT_LIMITS, None, sandboxed=True)
            if probe.stopped is not None or not probe.ok:
                reason = f"the sandbox could not lock a process down here ({probe.stopped}: {probe.detail})"
        _availability.append(reason)
    return _availability[0]


def readable_in_sandbox(path: str | os.PathLike) -> bool:
    """Whether a sandboxed child could read `path`: true only beneath the
    Python installation. `serve` checks its data folder (progress store,
    host key) with it: one kept inside a virtualenv would be readable."""
    target = os.path.realpath(path)
    for allowed in sandbox_kernel.read_only_paths():
        root = os.path.realpath(allowed)
        if target == root or target.startswith(root.rstrip(os.sep) + os.sep):
            return True
    return False


def run_untrusted(
    code: str,
    namespace: dict,
    *,
    capture: tuple[str, ...] | list[str] = (),
    limits: Limits = DEFAULT_LIMITS,
    seed: int | None = None,
    sandboxed: bool = True,
) -> SandboxResult:
    """Runs `code` in a forked child over a copy of `namespace`.

    `capture`: names or expressions evaluated in the child before and after
    the code (`SandboxResult.before` / `.after`). `seed`: torch.manual_seed
    in the child before anything runs, so the solution and the learner's
    code draw the same random numbers. `sandboxed=False` keeps the fork and
    the rlimits but skips Landlock and seccomp (a teacher's explicit
    `--allow-unsandboxed-code`, or a local run on a kernel without them);
    with `sandboxed=True` on such a kernel, SandboxUnavailable is raised.
    `namespace` is never changed: the child works on its own copy."""
    if sandboxed:
        reason = sandbox_available()
        if reason is not None:
            raise SandboxUnavailable(reason)
    return _run(code, namespace, tuple(capture), limits, seed, sandboxed)


# ------------------------------------------------------------------ parent


def run_untrusted_many(jobs: list[dict], *, sandboxed: bool = True) -> list[SandboxResult]:
    """Several runs at once (each a dict of `run_untrusted`'s arguments but
    `sandboxed`), their children running side by side: a first check runs
    the solution and the learner's code together, in the time of the longer."""
    if sandboxed:
        reason = sandbox_available()
        if reason is not None:
            raise SandboxUnavailable(reason)
    children = [_start(job["code"], job["namespace"], tuple(job.get("capture", ())),
                       job.get("limits", DEFAULT_LIMITS), job.get("seed"), sandboxed) for job in jobs]
    return _collect(children)


@dataclass
class _Child:
    pid: int
    fd: int
    exprs: tuple[str, ...]
    limits: Limits
    sandboxed: bool
    started: float
    deadline: float
    chunks: list[bytes] = field(default_factory=list)
    size: int = 0
    done: bool = False
    late: bool = False
    too_large: bool = False


def _start(code: str, namespace: dict, exprs: tuple[str, ...], limits: Limits, seed: int | None,
           sandboxed: bool) -> _Child | SandboxResult:
    started = perf_counter()
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError as exc:  # out of memory or processes: this run did not start
        os.close(read_fd)
        os.close(write_fd)
        return SandboxResult(stopped="no-fork", detail=exc.strerror or str(exc), sandboxed=sandboxed)
    if pid == 0:  # the child never returns from here
        os.close(read_fd)
        _child(code, namespace, exprs, limits, seed, sandboxed, write_fd)
    os.close(write_fd)
    return _Child(pid, read_fd, exprs, limits, sandboxed, started, monotonic() + limits.wall_seconds)


def _run(code: str, namespace: dict, exprs: tuple[str, ...], limits: Limits, seed: int | None,
         sandboxed: bool) -> SandboxResult:
    return _collect([_start(code, namespace, exprs, limits, seed, sandboxed)])[0]


def _collect(started: list[_Child | SandboxResult]) -> list[SandboxResult]:
    """Reads every child's document until EOF, its deadline or its size cap.
    If the tutor is interrupted meanwhile, the children are killed and reaped."""
    children = [c for c in started if isinstance(c, _Child)]
    try:
        _read_all(children)
    except BaseException:
        for child in children:
            os.kill(child.pid, signal.SIGKILL)
            os.waitpid(child.pid, 0)
        raise
    finally:
        for child in children:
            os.close(child.fd)
    return [_finish(c) if isinstance(c, _Child) else c for c in started]


def _read_all(children: list[_Child]) -> None:
    poller = select.poll()
    by_fd = {child.fd: child for child in children}
    for fd in by_fd:
        poller.register(fd, select.POLLIN | select.POLLHUP)
    while any(not child.done for child in children):
        now = monotonic()
        for child in children:
            if not child.done and now >= child.deadline:
                child.done = child.late = True
                poller.unregister(child.fd)
        waiting = [c.deadline for c in children if not c.done]
        if not waiting:
            break
        for fd, _ in poller.poll(max(0.0, min(waiting) - now) * 1000):
            child = by_fd[fd]
            chunk = os.read(fd, 1 << 16)
            if chunk:
                child.size += len(chunk)
                child.chunks.append(chunk)
                if child.size <= child.limits.result_bytes:
                    continue
                child.too_large = True
            child.done = True
            poller.unregister(fd)


def _finish(child: _Child) -> SandboxResult:
    limits, pid = child.limits, child.pid
    late, too_large = child.late, child.too_large
    raw = b"".join(child.chunks)
    reaped = _reap(pid, late or too_large, child.deadline)
    if reaped is None:  # it closed its pipe and went on: late all the same
        late = True
        os.kill(pid, signal.SIGKILL)
        reaped = os.wait4(pid, 0)[1:]
    status, usage = reaped
    seconds = perf_counter() - child.started
    sandboxed = child.sandboxed

    def stopped(kind: str, detail: str = "") -> SandboxResult:
        return SandboxResult(stopped=kind, detail=detail, seconds=seconds, sandboxed=sandboxed)

    if too_large:
        return stopped("too-large", f"more than {limits.result_bytes} bytes")
    if late:
        return stopped("timeout", f"{limits.wall_seconds:g} s")
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        cpu_used = usage.ru_utime + usage.ru_stime
        if sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu_used >= limits.cpu_seconds):
            return stopped("cpu", f"{limits.cpu_seconds} s")  # SIGKILL: the CPU limit's hard stop
        return stopped("crashed", _signal_name(sig))
    code_ = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
    if code_ == _EXIT_LOCKS_FAILED:
        return stopped("locks-failed", raw.decode("ascii", "replace")[:500])
    if not raw:
        return stopped("exited", str(code_))
    try:
        report = sandbox_wire.parse_result(raw, child.exprs, limits.output_chars)
    except WireError as exc:
        return stopped("bad-result", str(exc))
    return SandboxResult(
        completed=report.completed,
        output=report.output,
        output_truncated=report.output_truncated,
        error=report.error,
        before=report.before,
        after=report.after,
        seconds=seconds,
        sandboxed=sandboxed,
    )


def _signal_name(sig: int) -> str:
    try:
        return signal.Signals(sig).name
    except ValueError:
        return f"signal {sig}"


def _reap(pid: int, kill_now: bool, deadline: float):
    """The child's (wait status, rusage), killing it first when asked; None
    if it is still running at the deadline."""
    if kill_now:
        os.kill(pid, signal.SIGKILL)
        return os.wait4(pid, 0)[1:]
    try:
        pidfd = os.pidfd_open(pid)
    except OSError:  # a kernel before 5.3 (unsandboxed runs only): look every 5 ms
        pidfd = None
    try:
        while True:
            done, status, usage = os.wait4(pid, os.WNOHANG)
            if done:
                return status, usage
            left = deadline - monotonic()
            if left <= 0:
                return None
            if pidfd is None:
                time.sleep(min(left, 0.005))
            else:
                poller = select.poll()
                poller.register(pidfd, select.POLLIN)
                poller.poll(left * 1000)
    finally:
        if pidfd is not None:
            os.close(pidfd)


# ------------------------------------------------------------------ child


class _CappedOutput:
    """sys.stdout and sys.stderr in the child: keeps the first `limit`
    characters, counts the rest as cut, never touches a real descriptor."""

    encoding = "utf-8"
    errors = "replace"

    def __init__(self, limit: int):
        self.limit = limit
        self.parts: list[str] = []
        self.size = 0
        self.truncated = False
        self.closed = False

    def write(self, text: str) -> int:
        if self.closed:
            raise ValueError("I/O operation on closed file.")
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        room = self.limit - self.size
        if room > 0:
            self.parts.append(text[:room])
            self.size += min(room, len(text))
        if len(text) > room:
            self.truncated = True
        return len(text)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        raise OSError("the exercise's output is not a file")

    def text(self) -> str:
        return "".join(self.parts)


def _child(code: str, namespace: dict, exprs: tuple[str, ...], limits: Limits, seed: int | None,
           sandboxed: bool, out_fd: int) -> None:
    """Runs in the forked child; ends with os._exit, never returns or unwinds
    into the tutor's own code (its atexit handlers, its open files)."""
    status = _EXIT_HARNESS_FAILED
    try:
        _isolate_descriptors(out_fd)
        try:
            sandbox_kernel.lock_down(memory_bytes=limits.memory_mb * 1024 * 1024,
                                     cpu_seconds=limits.cpu_seconds, sandboxed=sandboxed)
        except Exception as exc:
            _write_all(out_fd, f"{type(exc).__name__}: {exc}".encode("ascii", "replace"))
            status = _EXIT_LOCKS_FAILED
            return
        _forget_environment()
        _say_why_programs_fail()
        report = _run_learner_code(code, namespace, exprs, limits, seed)
        _write_all(out_fd, sandbox_wire.encode_report(report))
        status = 0
    except BaseException:
        pass
    finally:
        os._exit(status)


def _isolate_descriptors(keep: int) -> None:
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    top = os.sysconf("SC_OPEN_MAX")
    os.closerange(3, keep)
    os.closerange(keep + 1, max(top, keep + 2))
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGCHLD, signal.SIGWINCH, signal.SIGPIPE):
        try:
            signal.signal(sig, signal.SIG_DFL)
        except (ValueError, OSError):
            pass
    try:
        signal.set_wakeup_fd(-1)
    except (ValueError, OSError):
        pass


_KEPT_ENVIRONMENT = ("LANG", "LC_ALL", "LC_CTYPE", "LC_MESSAGES", "TZ")


def _forget_environment() -> None:
    """The tutor's environment (a teacher's shell's tokens, paths) is not the
    learner's to read: the child keeps only the locale and time zone."""
    for name in list(os.environ):
        if name not in _KEPT_ENVIRONMENT:
            del os.environ[name]


def _say_why_programs_fail() -> None:
    """os.system reports a refused process as a bare status (-1, or 127 as
    if the shell were missing); in the child it raises instead, so the
    learner reads why. seccomp refuses the process either way."""
    system = os.system

    def guarded_system(command):
        status = system(command)
        if status == -1 or status == 127 << 8:
            raise PermissionError(errno.EPERM, "os.system: an exercise cannot start other programs")
        return status

    os.system = guarded_system


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _learner_error(exc: BaseException, code: str) -> dict:
    lines = code.splitlines()
    line = None
    if isinstance(exc, SyntaxError) and exc.filename == FILENAME:
        line = exc.lineno
    else:
        for frame, lineno in traceback.walk_tb(exc.__traceback__):
            if frame.f_code.co_filename == FILENAME:
                line = lineno
    if line is not None and not 1 <= line <= len(lines):
        line = None
    try:
        message = str(exc.msg) if isinstance(exc, SyntaxError) else str(exc)
    except Exception:
        message = ""
    return {
        "type": sandbox_wire.clip(type(exc).__name__, 100),
        "message": sandbox_wire.clip(message),
        "line": line,
        "text": None if line is None else sandbox_wire.clip(lines[line - 1]),
    }


def _evaluate_all(exprs: tuple[str, ...], namespace: dict) -> dict[str, object]:
    out: dict[str, object] = {}
    for expr in exprs:
        try:
            out[expr] = eval(compile(expr, "<check>", "eval"), namespace)
        except BaseException as exc:
            out[expr] = _Failed(f"{type(exc).__name__}: {exc}")
    return out


class _Failed:
    def __init__(self, text: str):
        self.text = sandbox_wire.clip(text)


def _encode_captures(objs: dict[str, object], before: dict[str, object] | None) -> dict:
    """Plain data for captured objects; with `before`, whether each is the
    very object it was then (both are alive, so `is` is an id() comparison)."""
    out: dict[str, dict] = {}
    for expr, obj in objs.items():
        if isinstance(obj, _Failed):
            out[expr] = {"error": obj.text}
            continue
        same = None
        if before is not None and not isinstance(before.get(expr), _Failed):
            same = obj is before[expr]
        out[expr] = {"value": sandbox_wire.encode_value(obj), "same": same}
    return out


def _run_learner_code(code: str, namespace: dict, exprs: tuple[str, ...], limits: Limits,
                      seed: int | None) -> dict:
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)
        if seed is not None:
            torch.manual_seed(seed)
    output = _CappedOutput(limits.output_chars)
    sys.stdout = sys.stderr = output
    namespace.setdefault("__builtins__", __builtins__)
    error = None
    completed = False
    before = _evaluate_all(exprs, namespace)  # held until the end: ids stay unique
    before_data = _encode_captures(before, None)  # now: the code may change these objects in place
    try:
        compiled = compile(code, FILENAME, "exec")
    except SyntaxError as exc:
        error = _learner_error(exc, code)
        compiled = None
    if compiled is not None:
        try:
            exec(compiled, namespace)
            completed = True
        except BaseException as exc:  # SystemExit, KeyboardInterrupt too: the child reports them
            error = _learner_error(exc, code)
    after = _evaluate_all(exprs, namespace)
    sys.stdout = sys.stderr = sys.__stdout__
    return {
        "v": sandbox_wire.VERSION,
        "completed": completed,
        "output": output.text(),
        "truncated": output.truncated,
        "error": error,
        "before": before_data,
        "after": _encode_captures(after, before),
    }

