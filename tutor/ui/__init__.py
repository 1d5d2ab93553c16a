"""The Textual app: the only part of the tutor that imports textual."""
