"""What an SSH session's child sets up before the app runs (no SSH needed):
its environment describes the learner's terminal and nothing of the
server's, and the app runs keyboard-only."""

from __future__ import annotations

import asyncio

from tutor.serve import session


def test_the_environment_never_carries_columns_lines_or_the_servers_no_color(monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("LINES", "24")
    monkeypatch.setenv("NO_COLOR", "1")
    env = session.child_environment({"term": "xterm-256color", "colorterm": ""}, "/data")
    assert "COLUMNS" not in env and "LINES" not in env
    assert "NO_COLOR" not in env
    assert env["TERM"] == "xterm-256color" and env["TEXTUAL_COLOR_SYSTEM"] == "256"


def test_no_color_only_when_the_client_sent_it():
    env = session.child_environment({"term": "xterm", "colorterm": "truecolor", "no_color": True}, "/data")
    assert env["NO_COLOR"] == "1"
    assert env["COLORTERM"] == "truecolor" and env["TEXTUAL_COLOR_SYSTEM"] == "truecolor"


def test_the_session_runs_the_app_without_mouse_tracking():
    class RecordingApp:
        return_code = 0

        async def run_async(self, **options):
            self.options = options

        def exit(self):  # pragma: no cover - only a signal would call it
            pass

    app = RecordingApp()
    assert asyncio.run(session._run(app)) == 0
    assert app.options.get("mouse") is False
