"""The instructor console: one screen over a class served with `tutor serve`.

`app.ConsoleApp(link, lang=...)` is the entry point; the server gives it the
link to the class (see `app.ClassLink`). The model behind the screen is
`tutor.classroom.ClassState` (no Textual there)."""
