"""The line of keys at the bottom of the lesson screen.

Textual's Footer is a widget per key: when the keys change (a question step
adds `h` hint and `a` answer) it removes and mounts them all, restyles them
and lays out the screen twice -- about a third of such a step's time. This
bar is one line of text, redrawn in place, and only when its text changes
(a OneLine: drawn to a Strip once per text, not through Textual's Content
at each repaint).
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding

from tutor.ui.widgets.text_line import OneLine


class KeyBar(OneLine):
    """The screen's shown bindings, `key description`, one per action."""

    COMPONENT_CLASSES = {"key-bar--key", "key-bar--description"}

    DEFAULT_CSS = """
    KeyBar {
        height: 1;
        dock: bottom;
        background: $footer-background;
    }
    KeyBar > .key-bar--key {
        text-style: bold;
        color: $footer-key-foreground;
    }
    KeyBar > .key-bar--description {
        color: $footer-description-foreground;
    }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._keys: tuple[tuple[str, str], ...] = ()

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.show_keys)
        self.show_keys(self.screen)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def keys(self) -> list[tuple[str, str]]:
        """(key as shown, description) for each action the footer shows.

        A key a focused text box takes as text is not among the screen's
        active bindings (Textual leaves it out), and an action reached only
        by another of its keys shows that key: in the answer box `?` types a
        question mark, so help reads "F1 help" there."""
        active = self.screen.active_bindings
        seen: set[str] = set()
        out = []
        for node, binding, enabled, _tooltip in active.values():
            if not binding.show or not enabled or binding.action in seen:
                continue
            seen.add(binding.action)
            shown = self.app.get_key_display(binding)
            named = [b.key for bindings in node._bindings.key_to_bindings.values() for b in bindings
                     if b.action == binding.action and self._natural(b.key) == shown]
            if named and not any(key in active and active[key].binding.action == binding.action for key in named):
                shown = self._natural(binding.key)  # the key shown is typed as text: the one that works
            out.append((shown, binding.description))
        return out

    def _natural(self, key: str) -> str:
        """How a key is written when its binding names no display: F1, Esc, ^r, n."""
        if key[:1] == "f" and key[1:].isdigit():
            return key.upper()
        return {"escape": "Esc", "enter": "Enter"}.get(key) or self.app.get_key_display(Binding(key, ""))

    def show_keys(self, _screen=None) -> None:
        keys = tuple(self.keys())
        if keys != self._keys:
            self._keys = keys
            self.refresh()

    def line_key(self) -> tuple[tuple[str, str], ...]:
        return self._keys

    def line_text(self, width: int) -> Text:
        key_style = self.get_component_rich_style("key-bar--key", partial=True)
        text_style = self.get_component_rich_style("key-bar--description", partial=True)
        text = Text(no_wrap=True, overflow="crop", end="")
        for key, description in self._keys:
            text.append(f" {key} ", key_style)
            text.append(f"{description} ", text_style)
        return text
