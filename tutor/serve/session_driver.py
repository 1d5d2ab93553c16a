"""The terminal driver of a served session: Textual's, minus its idle polling.

Textual's LinuxDriver reads keys in a thread that wakes ten times a second
(`select(0.1)`) whether or not a key came, to time out a lone Escape and to
notice that the app is leaving. Measured on a served session: about 1 ms of
CPU a second per learner who is only reading, which is a whole core for a
thousand readers on one machine, and CPU taken from the learners who are
pressing keys.

`SessionDriver` reads the same keys the same way (the same parser, the same
events), but its thread sleeps until a key arrives: it wakes on its own
only when the parser holds a partial sequence with a deadline (a lone
Escape, to be told from the start of an escape sequence), and the app's
leaving wakes it through a pipe (its `exit_event` writes to the pipe when
set), so leaving is not delayed either. Textual is pinned (pyproject), and
tests/test_serve_driver.py checks the keys, the lone Escape and the exit.
"""

from __future__ import annotations

import os
import selectors
import threading
from codecs import getincrementaldecoder

from textual._parser import ParseError
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

from tutor.ui.terminal_output import CompactWrites

POLL_SECONDS = 0.1   # Textual's own tick, used only while the parser waits on a deadline


class _WakingEvent(threading.Event):
    """A threading.Event that also wakes the input thread's select."""

    def __init__(self, wake_fd: int) -> None:
        super().__init__()
        self._wake_fd = wake_fd

    def set(self) -> None:
        super().set()
        try:
            os.write(self._wake_fd, b"x")
        except OSError:
            pass  # the pipe is full (already awake) or closed (driver closed)


class SessionDriver(CompactWrites, LinuxDriver):
    """LinuxDriver whose input thread blocks while nothing happens, and
    whose frames are compacted (tutor/ui/terminal_output.py)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self.exit_event = _WakingEvent(self._wake_w)

    def close(self) -> None:
        super().close()
        for fd in (self._wake_r, self._wake_w):
            try:
                os.close(fd)
            except OSError:
                pass

    def run_input_thread(self) -> None:
        """Textual's run_input_thread (8.2.8), waiting without a timeout
        unless the parser needs a tick."""
        selector = selectors.DefaultSelector()
        fileno = self.fileno
        selector.register(fileno, selectors.EVENT_READ)
        selector.register(self._wake_r, selectors.EVENT_READ)
        parser = XTermParser(self._debug)
        feed, tick = parser.feed, parser.tick
        decode = getincrementaldecoder("utf-8")().decode

        def process(events, final: bool = False) -> None:
            for key, _mask in events:
                if key.fd == self._wake_r:
                    self._drain_wakes()
                    continue
                unicode_data = decode(os.read(fileno, 1024 * 4), final=final)
                if not unicode_data:
                    break
                for event in feed(unicode_data):
                    self.process_message(event)
            for event in tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                process(selector.select(self._wait_seconds(parser)))
            selector.unregister(fileno)
            process(selector.select(POLL_SECONDS), final=True)
        finally:
            selector.close()
            try:
                for _event in feed(""):
                    pass
            except (EOFError, ParseError):
                pass

    @staticmethod
    def _wait_seconds(parser) -> float | None:
        """None (sleep until something happens) unless the parser waits on
        a deadline (`_timeout_time`, the lone Escape's), then Textual's tick."""
        return None if getattr(parser, "_timeout_time", 0.0) is None else POLL_SECONDS

    def _drain_wakes(self) -> None:
        try:
            while os.read(self._wake_r, 512):
                pass
        except (BlockingIOError, OSError):
            pass
