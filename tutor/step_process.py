"""The child process a lesson's steps run in, and the messages it exchanges
with the tutor.

A step's code is the instructor's, trusted but fallible: it may never end
(`while True: pass`, or `sum(range(10 ** 11))`, a C loop that holds the
interpreter so no thread could stop it), or end its process (`os._exit(3)`,
`os.kill(os.getpid(), signal.SIGTERM)`). Only another process survives
that, so `tutor.runner.LessonRun` forks one (`spawn`) that runs the
in-process engine (tutor.step_engine) and answers requests over a socket:
the tutor waits for a step at most its time limit, and kills the child if
it takes longer or dies.

The messages are length-prefixed JSON: plain data, read back with
`values.from_wire`; nothing the child sends is unpickled or run. The child
is forked, not started fresh, so it is born with torch imported and the
lesson already loaded, and answers its first step in milliseconds.

What the child does to be harmless: its stdin, stdout and stderr are
/dev/null (so printing, closing stdout or reading input cannot touch the
terminal the app draws on), it ignores Ctrl-C (the tutor decides), it is in
its own process group (so the tutor can kill whatever it started too), and
an alarm ends it a few seconds after a step's limit even if the tutor died
without killing it; an idle child ends when the tutor's end of the socket
closes.

An idle child can also end by itself (`spawn(..., idle=seconds)`): on a
classroom server a child's pages are ~20 MB a learner, a reading learner
needs none (the run keeps every result), and a fresh one replays the steps
in milliseconds; after a code check it waits longer (CODE_IDLE_SECONDS).
It says so first (`IDLE_REPLY`), so the tutor can tell "ended while idle,
before your request" (start a fresh one) from "your step's code ended its
process" (the step's error).
"""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import struct
import sys
import time
from typing import Any

from .values import Value, from_wire, to_wire

MAX_MESSAGE = 64 * 1024 * 1024  # bytes; the chapter's largest step sends ~60 KB
BACKSTOP = 5.0  # seconds past its limit a step's child ends by itself
IDLE_REPLY = {"idle": True}  # a child's last words when it ends for being idle
# After checking a learner's code, a child that ends when idle (a classroom
# server's: a few seconds) waits this long for the next request instead: a
# learner at a code exercise runs again and again, a fresh child would
# replay the lesson's steps and run the solution again before each run
# (~4x a run's time, and over SSH the 250 ms p95 missed), and a coder's
# child is ~20 MB for the minute (benchmarks/bench_serve.py --rows coding).
CODE_IDLE_SECONDS = 60.0
_HEADER = struct.Struct(">I")


class ChildGone(Exception):
    """The child stopped answering: it died, or the deadline passed."""

    def __init__(self, timed_out: bool):
        super().__init__("timed out" if timed_out else "ended")
        self.timed_out = timed_out


class ChildIdle(Exception):
    """The child ended for being idle before it read the request: nothing of
    the request ran, and a fresh child can take it."""


# ---------------------------------------------------------------- framing


def send(sock: socket.socket, message: dict) -> None:
    body = json.dumps(message, separators=(",", ":")).encode("utf-8")
    sock.sendall(_HEADER.pack(len(body)) + body)


def receive(sock: socket.socket, deadline: float | None, pidfd: int | None = None) -> dict:
    """The next message, waiting until `deadline` (time.monotonic) at most.

    Raises ChildGone when the deadline passes or the other end is gone (the
    socket closed, or `pidfd` says the process ended)."""
    header = _read(sock, _HEADER.size, deadline, pidfd)
    (size,) = _HEADER.unpack(header)
    if size > MAX_MESSAGE:
        raise ChildGone(timed_out=False)
    try:
        message = json.loads(_read(sock, size, deadline, pidfd))
    except (ValueError, RecursionError):
        raise ChildGone(timed_out=False) from None
    if not isinstance(message, dict):
        raise ChildGone(timed_out=False)
    return message


def _read(sock: socket.socket, size: int, deadline: float | None, pidfd: int | None) -> bytes:
    chunks: list[bytes] = []
    missing = size
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN)
    if pidfd is not None:
        poller.register(pidfd, select.POLLIN)
    while missing:
        if deadline is None:
            wait_ms = None
        else:
            left = deadline - time.monotonic()
            if left <= 0:
                raise ChildGone(timed_out=True)
            wait_ms = max(1, int(left * 1000))
        events = dict(poller.poll(wait_ms))
        if not events:
            continue  # the deadline is checked at the top
        if sock.fileno() in events:
            try:
                chunk = sock.recv(min(missing, 1 << 20))
            except InterruptedError:
                continue
            except OSError:
                raise ChildGone(timed_out=False) from None
            if not chunk:
                raise ChildGone(timed_out=False)
            chunks.append(chunk)
            missing -= len(chunk)
        elif pidfd is not None and pidfd in events:
            raise ChildGone(timed_out=False)
    return b"".join(chunks)


# ---------------------------------------------------------------- results on the wire


def result_to_wire(result: Any) -> dict:
    plot = result.plot
    return {
        "index": result.index,
        "values": [[expr, to_wire(value)] for expr, value in result.values.items()],
        "previous": [[expr, to_wire(value)] for expr, value in result.previous.items()],
        "plot": None if plot is None else {
            "title": plot.title, "xlabel": plot.xlabel, "ylabel": plot.ylabel,
            "log": plot.log, "animate": plot.animate,
            "series": [[s.label, s.xs, s.ys, s.kind] for s in plot.series],
        },
        "expected": None if result.expected is None else to_wire(result.expected),
        "error": result.error,
        "loss": result.loss,
        "seconds": result.seconds,
        "show_errors": [[expr, text] for expr, text in result.show_errors.items()],
    }


def result_from_wire(data: dict, index: int, step: Any, code: str) -> Any:
    """The StepResult a `result_to_wire` form describes, for the tutor's own
    copy of the step. Malformed parts become notes, never exceptions."""
    from .step_engine import PlotData, Series, StepResult

    def pairs(items: Any) -> dict[str, Value]:
        out: dict[str, Value] = {}
        for item in items if isinstance(items, list) else []:
            if isinstance(item, list) and len(item) == 2 and isinstance(item[0], str):
                out[item[0]] = from_wire(item[1])
        return out

    plot = None
    spec = data.get("plot")
    if isinstance(spec, dict):
        series = []
        for item in spec.get("series") or []:
            if (isinstance(item, list) and len(item) == 4 and isinstance(item[0], str)
                    and _numbers(item[1]) and _numbers(item[2]) and isinstance(item[3], str)):
                series.append(Series(item[0], [float(x) for x in item[1]], [float(y) for y in item[2]], item[3]))
        plot = PlotData(
            str(spec.get("title") or ""), str(spec.get("xlabel") or ""), str(spec.get("ylabel") or ""),
            series, bool(spec.get("log")), bool(spec.get("animate")),
        )
    error = data.get("error")
    loss = data.get("loss")
    seconds = data.get("seconds")
    return StepResult(
        index=index,
        step=step,
        code=code,
        values=pairs(data.get("values")),
        previous=pairs(data.get("previous")),
        plot=plot,
        expected=None if data.get("expected") is None else from_wire(data["expected"]),
        error=error if isinstance(error, str) else None,
        loss=float(loss) if isinstance(loss, (int, float)) and not isinstance(loss, bool) else None,
        seconds=float(seconds) if isinstance(seconds, (int, float)) else 0.0,
        show_errors={
            item[0]: item[1] for item in data.get("show_errors") or []
            if isinstance(item, list) and len(item) == 2 and all(isinstance(x, str) for x in item)
        },
    )


def _numbers(items: Any) -> bool:
    return isinstance(items, list) and all(
        isinstance(x, (int, float)) and not isinstance(x, bool) for x in items
    )


# ---------------------------------------------------------------- the child


def spawn(lesson: Any, seed: int, params: dict[str, float], lang: str,
          idle: float | None = None) -> tuple[int, socket.socket]:
    """Fork a child that runs `lesson`'s steps on request; its pid and the
    tutor's end of the socket. With `idle`, the child ends by itself after
    that many seconds without a request (saying IDLE_REPLY first). The child
    never returns from here."""
    ours, theirs = socket.socketpair()
    cpu_left = _cpu_left()
    pid = os.fork()
    if pid == 0:  # the child
        code = 70
        try:
            ours.close()
            if cpu_left is not None:
                _limit_cpu(cpu_left)
            _serve(theirs, lesson, seed, params, lang, idle)
            code = 0
        finally:
            os._exit(code)
    theirs.close()
    return pid, ours


def _cpu_left() -> int | None:
    """Seconds of CPU this process may still use under its RLIMIT_CPU (a
    classroom session's `--session-cpu`), or None without a limit. A fork
    starts counting from zero, so the child is given what is left, not the
    whole allowance again; when it spends it, the tutor hears of it
    (tutor.runner passes SIGXCPU on)."""
    import resource

    soft, _ = resource.getrlimit(resource.RLIMIT_CPU)
    if soft == resource.RLIM_INFINITY:
        return None
    used = resource.getrusage(resource.RUSAGE_SELF)
    return max(1, int(soft - used.ru_utime - used.ru_stime))


def _limit_cpu(seconds: int) -> None:
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    cap = seconds + 10 if hard == resource.RLIM_INFINITY else min(hard, seconds + 10)
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (min(seconds, cap), cap))
    except (ValueError, OSError):
        pass


def _serve(sock: socket.socket, lesson: Any, seed: int, params: dict[str, float], lang: str,
           idle: float | None = None) -> None:
    _become_harmless(sock)
    from .step_engine import InProcessRun

    run = InProcessRun(lesson, seed=seed, params=params, lang=lang)
    wait = idle
    while True:
        if wait is not None and not _readable(sock, wait):
            try:
                send(sock, IDLE_REPLY)
            except OSError:
                pass
            return
        try:
            request = receive(sock, None)
        except ChildGone:
            return  # the tutor is gone
        op = request.get("op")
        if idle is not None:
            wait = max(idle, CODE_IDLE_SECONDS) if op in ("check_code", "validate_code") else idle
        reply: dict[str, Any]
        try:
            if op == "step":
                limit = float(request.get("limit") or 0)
                if limit > 0:  # should the tutor die without killing us
                    signal.setitimer(signal.ITIMER_REAL, limit + BACKSTOP)
                result = run.run_next()
                signal.setitimer(signal.ITIMER_REAL, 0)
                _restore_stdio()
                reply = {"ok": True}
                if not request.get("quiet"):
                    reply["result"] = result_to_wire(result)
            elif op in ("check_code", "validate_code"):
                reply = code_reply(run, lesson, request)
                _restore_stdio()
            elif op == "skip":
                run.skip(str(request.get("error") or ""))
                reply = {"ok": True}
            elif op == "reset":
                run.param_values = dict(request.get("params") or {})
                run.reset()
                reply = {"ok": True}
            else:
                reply = {"ok": False, "error": f"unknown request {op!r}"}
        except BaseException as exc:  # the engine's own failure: say it, keep serving
            signal.setitimer(signal.ITIMER_REAL, 0)
            _restore_stdio()
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        try:
            send(sock, _within_limit(reply))
        except (OSError, ValueError, TypeError, RecursionError):
            return


def _readable(sock: socket.socket, seconds: float) -> bool:
    """Whether a request (or the tutor's end closing) arrives within `seconds`."""
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN)
    deadline = time.monotonic() + seconds
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        try:
            if poller.poll(max(1, int(left * 1000))):
                return True
        except InterruptedError:
            continue


def code_reply(run: Any, lesson: Any, request: dict) -> dict:
    """A code question checked here, in the child that holds the namespace
    its step left: `check_code` (the learner's code, judged) or
    `validate_code` (`tutor check --run`'s test of the exercise itself). The
    learner's code runs in a sandboxed grandchild (tutor.exercise); what
    comes back to the tutor is plain JSON, rendered in every language."""
    from .exercise import check_code, validate_exercise
    from .i18n import LANGS
    from .sandbox import sandbox_available

    index = int(request.get("index", -1))
    if not 0 <= index < len(lesson.steps) or lesson.steps[index].question is None \
            or lesson.steps[index].question.code is None:
        return {"ok": False, "error": f"step {index + 1} has no code question"}
    ex = lesson.steps[index].question.code
    namespace = run._ns if run._ns is not None else run._namespace()
    unsandboxed = sandbox_available()  # why not, or None
    sandboxed = unsandboxed is None
    if request.get("op") == "validate_code":
        problems = validate_exercise(ex, namespace, seed=run.seed, sandboxed=sandboxed)
        return {"ok": True, "problems": [[p.field, p.line, p.message] for p in problems]}
    # the namespace's state: this step, after the same steps with the same params
    state = (index, len(run.results), tuple(sorted(run.param_values.items())))
    verdict = check_code(ex, str(request.get("code") or ""), namespace, seed=run.seed, sandboxed=sandboxed,
                         same_as=state)
    return {"ok": True, "verdict": {
        "passed": verdict.passed,
        "lines": {lang: verdict.lines(lang) for lang in LANGS},
        "problem_lines": {lang: verdict.problem_lines(lang) for lang in LANGS},
        "output_lines": {lang: verdict.output_lines(lang) for lang in LANGS},
        "checks": [[c.expr, c.right] for c in verdict.checks],
        "mistake": None if verdict.mistake is None else ex.mistakes.index(verdict.mistake),
        "values": [[expr, to_wire(value)] for expr, value in verdict.values.items()],
        "unsandboxed": unsandboxed,
    }}


def _within_limit(reply: dict) -> dict:
    """A reply too large to send (or not JSON at all) becomes an error."""
    try:
        size = len(json.dumps(reply, separators=(",", ":")))
    except (ValueError, TypeError, RecursionError) as exc:
        return {"ok": False, "error": f"the step's values could not be sent: {type(exc).__name__}: {exc}"}
    if size > MAX_MESSAGE:
        return {"ok": False, "error": f"the step's values are too large to show ({size:,} bytes)"}
    return reply


def _become_harmless(sock: socket.socket) -> None:
    """Cut the child loose from the tutor's terminal, signals and threads."""
    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    for number in signal.valid_signals():
        try:
            if callable(signal.getsignal(number)):  # the app's handlers are not ours
                signal.signal(number, signal.SIG_DFL)
        except (OSError, ValueError, TypeError):
            pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the tutor's to decide
    signal.signal(signal.SIGALRM, signal.SIG_DFL)  # the backstop ends the process
    try:
        signal.set_wakeup_fd(-1)
    except (ValueError, OSError):
        pass
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2, *_inherited_fds(keep=(null, sock.fileno()))):
        os.dup2(null, fd)
    os.close(null)
    _restore_stdio()
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)  # a forked pool hangs otherwise
    import gc

    gc.freeze()  # the tutor's objects stay shared, not copied by the collector


def _inherited_fds(keep: tuple[int, ...]) -> list[int]:
    """The descriptors above 2 the child inherited (the terminal, the
    server's sockets, other children's sockets), but those in `keep`.

    Each is pointed at /dev/null rather than closed: the file is let go (a
    learner's terminal closes when the tutor ends, another child sees its
    socket close), while the number stays taken, so an object of the
    tutor's that still holds it can never close a file the child opens."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        fds = list(range(3, 256))
    out = []
    for fd in fds:
        if fd > 2 and fd not in keep:
            try:
                os.fstat(fd)
            except OSError:
                continue  # not open (or /proc's own listing descriptor, gone)
            out.append(fd)
    return out


def _restore_stdio() -> None:
    """Fresh stdin/stdout/stderr on /dev/null: a step that closed or replaced
    them leaves the next step unharmed."""
    # kept open for the child's life: these are its standard streams
    sys.stdin = open(os.devnull, encoding="utf-8")  # noqa: SIM115
    sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
