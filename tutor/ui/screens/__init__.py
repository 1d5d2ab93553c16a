"""The app's screens: the lesson menu, a lesson, the key help."""
