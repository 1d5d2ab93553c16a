"""How a text box (the answer box, the code editor, the console's message
line) takes its keys: in the order they were typed, and with the key line
told which keys it takes as text.

In order. Textual (8.2) inserts a typed character in the box's own
`_on_key`, but runs a key the box binds (Backspace, Delete, the arrows,
Home/End, Enter in the answer box) only once that key has bubbled up to the
app, through the message queue of every widget above the box. Keys that
arrive together (a packet over SSH, a fast typist, tmux) were then applied
out of order: `x, Backspace, 5` gave "x5" with the Backspace after the 5
(deleting it), and Down Down End then a name typed the name a line too
high. Textual's issue #6605 (open; pull request #6631 proposes this same
fix). The box's own non-priority bindings now run in the box, as the key
arrives. Nothing else changes: the focused widget's bindings are the first
the app would try for a key anyway, priority bindings were tried before the
key reached the box, and a key the box does not bind (or whose action it
declines: `check_action`, `SkipAction`) goes on up as before.

Taken as text. Textual leaves out of the screen's bindings (and so of the
key line) the keys a focused box consumes, asking it with the key's
character; for `+`, `-`, `/`, `@`, `\\` and `_` it has none to give
(`key_to_character("plus")` is None), so the key line offered "+/- param"
while `+` typed a plus into the answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events

if TYPE_CHECKING:
    from textual.widget import Widget

    _Base = Widget
else:
    _Base = object

# Keys Textual gives no character for (textual.keys.key_to_character), and theirs.
_CHARACTERS = {"plus": "+", "minus": "-", "slash": "/", "at": "@", "backslash": "\\", "underscore": "_"}


class TextBoxKeys(_Base):
    """Mixed in before a text widget (`class Box(TextBoxKeys, Input)`)."""

    async def _on_key(self, event: events.Key) -> None:
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if not binding.priority and await self.app.run_action(binding.action, self):
                event.stop()
                event.prevent_default()  # the base class's _on_key, for a key now handled
                return

    def check_consume_key(self, key: str, character: str | None = None) -> bool:
        return super().check_consume_key(key, character or _CHARACTERS.get(key))
