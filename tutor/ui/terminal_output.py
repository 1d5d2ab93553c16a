"""Fewer bytes a frame, the same screen: what the drivers write, compacted.

Textual writes each run of text as `ESC[<style>m text ESC[0m`, so between
two runs the terminal is always back at its default style; a run in the
default style (`ESC[39;49m`, or just its background `ESC[49m`) then changes
nothing, and its two sequences are 12 of the 4 KB a step sends at 80x24.
Textual also writes a newline between two lines of an update although each
line starts with a cursor move. `compact` drops both; nothing else is
touched (the cells painted and their styles are the same: the test paints
both strings on a model terminal, tests/test_terminal_output.py). Over SSH
every byte is the learner's bandwidth and the server's CPU.

`CompactWrites` is mixed into a Textual driver: the local one
(`CompactLinuxDriver`, chosen by the app) and the served session's.
"""

from __future__ import annotations

import re
import time

from textual.drivers.linux_driver import LinuxDriver

# a run in the default style: nothing to set, nothing to reset
_PLAIN_RUN = re.compile(r"\x1b\[(?:39;49|49|39)m([^\x1b]*)\x1b\[0m")
# a line break right before a cursor move: the move puts the cursor there anyway
_BREAK_BEFORE_MOVE = re.compile(r"\n(?=\x1b\[\d+;\d+H)")


def compact(sequence: str) -> str:
    """`sequence` without what does not change the screen (see the module)."""
    return _BREAK_BEFORE_MOVE.sub("", _PLAIN_RUN.sub(r"\1", sequence))


class CompactWrites:
    """A driver mix-in: every write compacted, and sent at once.

    Textual's driver hands a frame to its writer thread, which needs the
    GIL to send it. The UI thread goes on at once with what the frame's
    layout set off (Resize, Show and Hide for every pane that changed, the
    widgets' own messages after a step's key) and keeps the GIL for up to
    the 5 ms switch interval: a step's bytes waited 1.5-3 ms (median) after
    their frame was made. Sleeping 0 s lets the writer thread take the GIL
    now (`bench_app.py --probe`, the `out` column: median 1.5-3.1 -> 0.7-1.1 ms)."""

    def write(self, data: str) -> None:
        super().write(compact(data))  # type: ignore[misc]
        time.sleep(0)


class CompactLinuxDriver(CompactWrites, LinuxDriver):
    """Textual's Linux and macOS driver, writing compacted frames."""
