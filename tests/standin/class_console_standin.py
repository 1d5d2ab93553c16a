"""A stand-in for the instructor's console, for the server's tests only.

The real console (tutor.ui.console.app.ConsoleApp) is another helper's
work; this app has the same entry point (`StandInConsole(link, lang=...)`)
and only shows what the link delivers and sends what its keys say, so the
tests can see the channel end to end. Every event is also appended, with
the time it arrived, to `standin-events.jsonl` in the data folder.
"""

from __future__ import annotations

import json
import time

from textual.app import App, ComposeResult
from textual.widgets import Log, Static

COMMANDS = {
    "f": {"command": "follow", "lesson": "backprop-pytorch", "index": 3},
    "g": {"command": "follow", "lesson": "backprop-pytorch", "index": 4},
    "r": {"command": "free"},
    "m": {"command": "message", "text": "Look at the shape now"},
    "e": {"command": "end"},
}


class StandInConsole(App):
    def __init__(self, link, lang: str = "en") -> None:
        super().__init__()
        self.link = link
        self.lang = lang

    def compose(self) -> ComposeResult:
        yield Static(f"console of {self.link.instructor}")
        yield Log(id="log")

    def on_mount(self) -> None:
        self.run_worker(self._read(), exclusive=True)

    async def _read(self) -> None:
        record = self.link.data_dir / "standin-events.jsonl"
        log = self.query_one(Log)
        async for event in self.link.events():
            with open(record, "a", encoding="utf-8") as fh:
                fh.write(json.dumps({"received": time.time(), **event}) + "\n")
            extra = " ".join(str(event[k]) for k in ("lesson", "index", "verdict", "answer") if k in event)
            log.write_line(f"EV {event['event']} {event['learner']} {extra}".rstrip())
        log.write_line("EV end-of-events")

    async def on_key(self, event) -> None:
        command = COMMANDS.get(event.key)
        if command is not None:
            await self.link.send(dict(command))
            self.query_one(Log).write_line(f"SENT {command['command']}")
