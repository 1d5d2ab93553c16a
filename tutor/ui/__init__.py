"""The Textual app: the only part of the tutor that imports textual."""

from tutor.ui import lazy_strip_caches

lazy_strip_caches.apply()
