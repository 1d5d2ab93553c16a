"""A learner's code tries to escape the sandbox; each attempt must be stopped
with a clear message while the tutor's process goes on.

Every test runs the code through `run_untrusted` from this (pytest) process,
which has torch imported and a lesson namespace, as the app would, and then
checks three things: the harm did not happen, the learner gets a message
that says what stopped them, and this process still runs the next exercise.
"""

from __future__ import annotations

import os
import socket
import sys
import time

import pytest

from tutor import sandbox_kernel
from tutor.exercise_strings import STRINGS
from tutor.sandbox import Limits, SandboxUnavailable, run_untrusted, sandbox_available
from tutor.sandbox_wire import WireError, parse_result

pytestmark = pytest.mark.skipif(
    sandbox_kernel.why_unavailable() is not None,
    reason=f"this kernel cannot sandbox: {sandbox_kernel.why_unavailable()}",
)

SECRET = "S3CRET-do-not-leak"
FAST = Limits(wall_seconds=1.0, cpu_seconds=1)


@pytest.fixture(scope="module")
def torch():
    from tutor.runner import load_torch

    return load_torch(warm=True)


@pytest.fixture()
def ns(torch):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(16, 8), torch.nn.Linear(8, 4), torch.nn.Linear(4, 2))
    return {"torch": torch, "nn": torch.nn, "model": model, "sample": torch.randn(1, 16)}


@pytest.fixture()
def secrets(tmp_path, monkeypatch):
    """A progress store under TUTOR_DATA_DIR and an SSH host key, as `serve` keeps them."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("TUTOR_DATA_DIR", str(data))
    store = data / "progress.sqlite3"
    store.write_text(f"progress of every learner {SECRET}")
    key = data / "ssh_host_ed25519_key"
    key.write_text(f"-----BEGIN OPENSSH PRIVATE KEY-----\n{SECRET}\n")
    return {"store": store, "key": key, "dir": data}


def still_works(ns) -> None:
    """The tutor's process goes on: the next run is normal."""
    result = run_untrusted("y = model(sample).sum().item()", ns, capture=["y"])
    assert result.ok, result
    assert isinstance(result.after["y"].value.value, float)


def leaked(result) -> bool:
    return SECRET in repr(result)


def test_the_kernel_here_can_sandbox():
    assert sandbox_available() is None


def test_a_normal_run_sends_plain_values_back(ns):
    result = run_untrusted("print('hi')\nw = model[0].weight * 2", ns, capture=["w", "model[0].weight"])
    assert result.ok and result.output == "hi\n"
    assert result.after["w"].value.shape == (8, 16)
    assert result.after["model[0].weight"].same_object is True
    assert result.after["w"].same_object is None  # it did not exist before


def test_a_run_from_a_worker_thread_works_as_from_the_main_one(ns):
    """The app runs steps in a worker thread; the fork happens there."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        result = pool.submit(run_untrusted, "y = model(sample).sum().item()\nprint(y)", ns, capture=["y"]).result()
    assert result.ok and result.output.strip() == repr(result.after["y"].value.value)


def test_the_callers_namespace_is_never_changed(ns, torch):
    before = ns["model"][0].weight.clone()
    result = run_untrusted("with torch.no_grad():\n    model[0].weight += 1\nmodel = None", ns,
                           capture=["model"])
    assert result.ok
    assert ns["model"] is not None and torch.equal(ns["model"][0].weight, before)


# --------------------------------------------------------------- files


@pytest.mark.parametrize("which", ["store", "key"])
def test_reading_the_progress_store_or_the_host_key_is_refused(ns, secrets, which):
    result = run_untrusted(f"data = open({str(secrets[which])!r}).read()\nprint(data)", ns, capture=["data"])
    assert result.error.type == "PermissionError" and result.error.line == 1
    assert "Permission denied" in result.error.message
    assert not leaked(result)
    still_works(ns)


def test_the_tutor_can_ask_whether_a_folder_is_readable_in_the_sandbox(secrets, ns):
    from tutor.sandbox import readable_in_sandbox

    assert not readable_in_sandbox(secrets["dir"])
    inside = os.path.join(os.path.dirname(os.__file__), "some-data-dir")
    assert readable_in_sandbox(inside)
    result = run_untrusted(f"import os\nnames = os.listdir({os.path.dirname(os.__file__)!r})", ns,
                           capture=["names"])
    assert result.ok  # the Python installation itself is readable: imports work
    fresh = [m for m in ("fractions", "statistics", "numpy.polynomial") if m not in sys.modules]
    result = run_untrusted("import importlib\n" + "".join(f"importlib.import_module({m!r})\n" for m in fresh), ns)
    assert fresh and result.ok, result.error


def test_descriptors_the_tutor_holds_open_are_closed_in_the_child(ns, secrets):
    held = os.open(secrets["store"], os.O_RDONLY)  # the app keeps its progress store open
    try:
        code = (
            "import os\n"
            "got = []\n"
            "for fd in range(3, 256):\n"
            "    try:\n"
            "        got.append(os.pread(fd, 200, 0).decode('latin-1'))\n"
            "    except OSError:\n"
            "        pass\n"
        )
        result = run_untrusted(code, ns, capture=["got"])
    finally:
        os.close(held)
    assert result.ok
    assert not leaked(result)


def test_the_tutors_environment_is_not_the_learners(ns, monkeypatch):
    monkeypatch.setenv("TEACHER_API_TOKEN", SECRET)
    result = run_untrusted("import os\nenv = dict(os.environ)\nprint(env)", ns, capture=["env"])
    assert result.ok and not leaked(result)


def test_listing_home_and_reading_the_parents_memory_are_refused(ns):
    code = f"import os\nos.listdir({os.path.expanduser('~')!r})"
    result = run_untrusted(code, ns)
    assert result.error.type == "PermissionError"
    result = run_untrusted("import os\nopen(f'/proc/{os.getppid()}/environ', 'rb').read()", ns)
    assert result.error.type == "PermissionError"
    still_works(ns)


def test_writing_a_file_is_refused(ns, tmp_path):
    target = tmp_path / "written.txt"
    result = run_untrusted(f"open({str(target)!r}, 'w').write('x')", ns)
    assert result.error.type == "PermissionError"
    assert not target.exists()
    lines = _verdict_lines(result, "en")
    assert STRINGS.get("error.blocked", "en") in lines
    still_works(ns)


def test_changing_a_files_mode_is_refused(ns, secrets):
    before = secrets["key"].stat().st_mode
    result = run_untrusted(f"import os\nos.chmod({str(secrets['key'])!r}, 0o777)", ns)
    assert result.error.type == "PermissionError"
    assert secrets["key"].stat().st_mode == before


# --------------------------------------------------------------- network


def test_opening_a_socket_is_refused(ns):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.setblocking(False)
    port = server.getsockname()[1]
    try:
        result = run_untrusted(f"import socket\nsocket.create_connection(('127.0.0.1', {port}))", ns)
        assert result.error.type == "PermissionError" and result.error.line == 2
        with pytest.raises(BlockingIOError):
            server.accept()  # nobody connected
    finally:
        server.close()
    still_works(ns)


# --------------------------------------------------------------- processes


def test_os_system_is_refused(ns, tmp_path):
    target = tmp_path / "made-by-a-shell"
    result = run_untrusted(f"import os\nrc = os.system('touch {target}')", ns)
    assert result.error.type == "PermissionError" and result.error.line == 2
    assert "cannot start other programs" in result.error.message
    assert not target.exists()
    still_works(ns)


def test_the_kernel_refuses_a_shell_even_behind_the_message(ns, tmp_path):
    target = tmp_path / "made-by-a-shell"
    result = run_untrusted(f"import posix\nrc = posix.system('touch {target}')", ns, capture=["rc"])
    assert result.after["rc"].value.value != 0
    assert not target.exists()


def test_subprocess_is_refused(ns):
    result = run_untrusted("import subprocess\nsubprocess.run(['echo', 'hi'])", ns)
    assert result.error.type == "PermissionError" and result.error.line == 2
    still_works(ns)


def test_a_fork_bomb_is_refused(ns):
    result = run_untrusted("import os\nwhile True:\n    os.fork()", ns)
    assert result.error.type == "PermissionError" and result.error.line == 3
    assert result.error.text.strip() == "os.fork()"
    still_works(ns)


def test_threads_are_allowed(ns):
    code = "import threading\nout = []\nt = threading.Thread(target=out.append, args=(1,))\nt.start(); t.join()"
    result = run_untrusted(code, ns, capture=["out"])
    assert result.ok and result.after["out"].value.items[0].value == 1


def test_signals_to_the_parent_are_refused(ns):
    for code in ("import os\nos.kill(os.getppid(), 9)", "import os\nos.kill(0, 15)",
                 "import os\nos.killpg(os.getpgid(0), 9)"):
        result = run_untrusted(code, ns)
        assert result.error.type == "PermissionError" and result.error.line == 2, code
    still_works(ns)


def test_a_signal_to_itself_only_ends_the_child(ns):
    result = run_untrusted("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)", ns)
    assert result.stopped == "crashed" and result.detail == "SIGKILL"
    still_works(ns)


# --------------------------------------------------------------- time, memory, stack


def test_an_endless_loop_is_stopped_at_the_wall_time_limit(ns):
    started = time.monotonic()
    result = run_untrusted("while True: pass", ns, limits=Limits(wall_seconds=0.5, cpu_seconds=5))
    assert result.stopped == "timeout"
    assert time.monotonic() - started < 2.0
    assert "Stopped after 0.5 s" in _verdict_lines(result, "en")[0]
    still_works(ns)


def test_the_cpu_limit_stops_a_loop_the_wall_clock_would_allow(ns):
    result = run_untrusted("while True: pass", ns, limits=Limits(wall_seconds=10, cpu_seconds=1))
    assert result.stopped == "cpu"
    assert result.seconds < 4
    still_works(ns)


def test_a_child_that_closes_its_pipe_and_loops_is_still_stopped(ns):
    code = "import os\nfor fd in range(3, 64):\n    try: os.close(fd)\n    except OSError: pass\nwhile True: pass"
    result = run_untrusted(code, ns, limits=Limits(wall_seconds=0.5, cpu_seconds=5))
    assert result.stopped == "timeout"


def test_without_pidfds_the_child_is_still_waited_for_and_stopped(ns, monkeypatch):
    def no_pidfd(pid):
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(os, "pidfd_open", no_pidfd)
    assert run_untrusted("x = 1", ns, capture=["x"]).ok
    code = "import os\nfor fd in range(3, 64):\n    try: os.close(fd)\n    except OSError: pass\nwhile True: pass"
    result = run_untrusted(code, ns, limits=Limits(wall_seconds=0.5, cpu_seconds=5))
    assert result.stopped == "timeout" and result.seconds < 2


@pytest.mark.parametrize("code", [
    "x = torch.empty(10 * 2**30 // 4)",  # 10 GB of float32
    "x = bytearray(10 * 2**30)",
])
def test_allocating_ten_gigabytes_fails_in_the_child(ns, code):
    result = run_untrusted(code, ns)
    assert result.error is not None and result.error.line == 1
    assert result.error.type in ("MemoryError", "RuntimeError")
    still_works(ns)


def test_deep_recursion_is_an_error_at_the_learners_line(ns):
    result = run_untrusted("def f(n):\n    return f(n + 1)\nf(0)", ns)
    assert result.error.type == "RecursionError" and result.error.line == 2
    still_works(ns)


def test_recursion_past_the_c_stack_crashes_only_the_child(ns):
    # Python-to-Python calls no longer use the C stack (3.11); json's C encoder does
    code = "import sys, json\nsys.setrecursionlimit(10**8)\nx = []\nfor _ in range(10**5):\n    x = [x]\njson.dumps(x)"
    result = run_untrusted(code, ns, limits=Limits(wall_seconds=5))
    assert result.stopped == "crashed"
    assert "crashed the process" in _verdict_lines(result, "en")[0]
    still_works(ns)


# --------------------------------------------------------------- ctypes


def test_ctypes_cannot_get_past_the_kernel(ns, tmp_path):
    target = tmp_path / "by-ctypes"
    code = (
        "import ctypes, os\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "killed = libc.kill(os.getppid(), 9)\n"
        f"opened = libc.open({str(target).encode()!r}, os.O_WRONLY | os.O_CREAT, 0o644)\n"
        "forked = libc.syscall(57)\n"
        "spawned = libc.system(b'true')\n"
    )
    result = run_untrusted(code, ns, capture=["killed", "opened", "forked", "spawned"])
    assert result.ok
    assert {k: v.value.value for k, v in result.after.items()} == {
        "killed": -1, "opened": -1, "forked": -1, "spawned": 127 << 8}
    assert not target.exists()
    still_works(ns)


def test_no_page_of_the_child_can_be_offered_to_samepage_merging(ns):
    # a merged page is a timing side channel to other sessions' memory
    # (tutor/serve/merging.py): the learner's code cannot mark one
    code = (
        "import ctypes, mmap\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "marked = libc.prctl(67, 1, 0, 0, 0)\n"   # PR_SET_MEMORY_MERGE
        "page = mmap.mmap(-1, 16384, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)\n"
        "page.madvise(mmap.MADV_DONTNEED)\n"      # other advice is a program's own business
        "page.madvise(mmap.MADV_MERGEABLE)\n"
    )
    result = run_untrusted(code, ns, capture=["marked"])
    assert result.error.type == "PermissionError" and result.error.line == 6
    assert result.after["marked"].value.value == -1
    still_works(ns)


def test_ctypes_crashing_the_child_is_reported(ns):
    result = run_untrusted("import ctypes\nctypes.string_at(0)", ns)
    assert result.stopped == "crashed" and result.detail == "SIGSEGV"
    still_works(ns)


# --------------------------------------------------------------- output and exits


def test_printing_100_mb_is_cut_and_reported(ns):
    result = run_untrusted("print('x' * 100_000_000)\ndone = True", ns, capture=["done"])
    assert result.ok and result.output_truncated
    assert len(result.output) == Limits().output_chars
    from tutor.exercise import Verdict

    shown = Verdict(False, result).output_lines("en")  # the note first: the end is far below the screen
    assert shown[0] == "(too much output: only the first 16000 characters are shown)"
    assert shown[1] == "x" * Limits().output_chars
    still_works(ns)


def test_closing_stdout_is_an_error_at_the_learners_line(ns):
    result = run_untrusted("import sys\nsys.stdout.close()\nprint('after')", ns)
    assert result.error.type == "ValueError" and result.error.line == 3
    result = run_untrusted("import os\nos.close(1)\nos.close(2)\nprint('still captured')", ns)
    assert result.ok and result.output == "still captured\n"
    still_works(ns)


def test_sys_exit_is_reported_not_obeyed(ns):
    result = run_untrusted("import sys\nsys.exit(3)\n", ns)
    assert result.error.type == "SystemExit" and result.error.line == 2
    assert STRINGS.get("error.exit", "pt") in _verdict_lines(result, "pt")
    still_works(ns)


def test_os_exit_ends_only_the_child(ns):
    result = run_untrusted("import os\nos._exit(3)", ns)
    assert result.stopped == "exited" and result.detail == "3"
    assert "exit status 3" in _verdict_lines(result, "en")[0]
    still_works(ns)


def test_a_forged_document_is_refused(ns):
    code = (
        "import os\n"
        "for fd in range(3, 1024):\n"
        "    try:\n"
        "        os.write(fd, b'{\"v\": 1, \"completed\": true}')\n"
        "    except OSError:\n"
        "        pass\n"
        "os._exit(0)\n"
    )
    result = run_untrusted(code, ns)
    assert result.stopped == "bad-result"
    still_works(ns)


def test_syntax_errors_name_the_learners_line(ns):
    result = run_untrusted("x = 1\ny = (2 +\n", ns)
    assert result.error.type == "SyntaxError" and result.error.line == 2


def test_runs_side_by_side_each_keep_their_own_limits_and_results(ns):
    from tutor.sandbox import run_untrusted_many

    big = "x = torch.arange(20_000.0)"  # ~200 KB of JSON each: more than a pipe holds
    slow, first, second = run_untrusted_many([
        {"code": "while True: pass", "namespace": ns, "limits": Limits(wall_seconds=0.5, cpu_seconds=5)},
        {"code": big, "namespace": ns, "capture": ["x"]},
        {"code": big + " * 2", "namespace": ns, "capture": ["x"]},
    ])
    assert slow.stopped == "timeout"
    assert first.ok and first.after["x"].value.flat()[-1] == 19_999.0
    assert second.ok and second.after["x"].value.flat()[-1] == 39_998.0


def test_a_document_over_the_size_cap_is_refused(ns):
    result = run_untrusted("x = torch.zeros(10_000)", ns, capture=["x"], limits=Limits(result_bytes=10_000))
    assert result.stopped == "too-large"
    still_works(ns)


def test_a_fork_the_system_refuses_is_a_result_not_an_exception(ns, monkeypatch):
    import errno

    def refuse():
        raise OSError(errno.EAGAIN, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "fork", refuse)
    result = run_untrusted("x = 1", ns)
    assert result.stopped == "no-fork" and "temporarily unavailable" in result.detail
    assert "could not start a process" in _verdict_lines(result, "en")[0]


# --------------------------------------------------------------- unsandboxed, and the wire


def test_unsandboxed_runs_still_have_the_wall_time_limit(ns):
    result = run_untrusted("while True: pass", ns, limits=Limits(wall_seconds=0.3, cpu_seconds=5),
                           sandboxed=False)
    assert result.stopped == "timeout" and result.sandboxed is False


def test_an_unavailable_sandbox_is_refused_with_its_reason(ns, monkeypatch):
    from tutor import sandbox

    monkeypatch.setattr(sandbox, "_availability", ["this kernel has no Landlock"])
    with pytest.raises(SandboxUnavailable, match="no Landlock"):
        run_untrusted("x = 1", ns)


@pytest.mark.parametrize("doc", [
    b"not json",
    b'{"v": 1}',
    b'{"v": 1, "completed": true, "output": "", "truncated": false, "error": null, "before": {},'
    b' "after": {"x": {"value": {"t": "tensor", "shape": [2], "dtype": "float32", "grad": false,'
    b' "data": [1.0]}, "same": null}}}',
    b'{"v": 1, "completed": true, "output": "", "truncated": false, "error": null, "before": {},'
    b' "after": {"x": {"value": {"t": "number", "v": NaN}, "same": null}}}',
    b'{"v": 1, "completed": true, "output": "", "truncated": false, "error": null, "before": {},'
    b' "after": {"other": {"value": {"t": "number", "v": 1}, "same": null}}}',
    b'{"v": 1, "completed": true, "output": "", "truncated": false, "error": null, "before": {},'
    b' "after": {"x": {"value": {"t": "pickle", "v": "gASV"}, "same": null}}}',
])
def test_the_parser_refuses_documents_off_the_schema(doc):
    with pytest.raises(WireError):
        parse_result(doc, ("x",), 1000)


def _verdict_lines(result, lang):
    from tutor.exercise import Verdict

    return Verdict(False, result).problem_lines(lang)
