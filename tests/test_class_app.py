"""A learner's app in a guided class (issue 12), driven by a Pilot with a
fake class channel: the events it reports, and what it does on the
instructor's follow, free, message and end."""

from __future__ import annotations

import pytest

from screens import screen_text
from tutor.class_events import check_event
from tutor.lesson import load_lessons
from tutor.progress import ProgressStore
from tutor.ui.app import TutorApp, make_app
from tutor.ui.screens.lesson import LessonScreen
from tutor.ui.screens.menu import MenuScreen

LESSONS = load_lessons(None)
BY_ID = {lesson.id: lesson for lesson in LESSONS}
SIZE = (100, 30)


class FakeChannel:
    """Records what the app reports; `send` plays the server handing a command in."""

    def __init__(self, *queued: dict) -> None:
        self.reported: list[dict] = []
        self.handler = None
        self.queued = list(queued)

    def report(self, event: dict) -> None:
        self.reported.append(check_event(event))  # every report is a well-formed event

    def listen(self, handler) -> None:
        self.handler = handler
        for command in self.queued:  # commands that waited in the socket before the app listened
            handler(command)

    def close(self) -> None:
        pass

    def send(self, name: str, **fields) -> None:
        self.handler({"command": name, "instructor": "prof", **fields})

    def of(self, name: str) -> list[dict]:
        return [e for e in self.reported if e["event"] == name]


@pytest.fixture
def store(tmp_path):
    store = ProgressStore(tmp_path / "progress.sqlite3", "ana")
    yield store
    store.close()


def build(store, channel, lang="en") -> TutorApp:
    app = make_app(lessons=LESSONS, lang=lang, seed=0, learner="ana", store=store)
    app.class_channel = channel
    return app


async def settle(app, pilot) -> None:
    for _ in range(3):
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause()


def status(app) -> str:
    return screen_text(app).splitlines()[0]


def lesson_screen(app) -> LessonScreen:
    assert isinstance(app.screen, LessonScreen), type(app.screen)
    return app.screen


async def test_follow_moves_the_learner_and_holds_them_until_free(store):
    channel = FakeChannel()
    app = build(store, channel)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert channel.of("join") == [channel.reported[0]] and channel.reported[0]["lang"] == "en"
        assert isinstance(app.screen, MenuScreen)

        channel.send("follow", lesson="backprop-order", index=2)
        await settle(app, pilot)
        screen = lesson_screen(app)
        assert (screen.lesson.id, screen.index) == ("backprop-order", 2)
        assert "following prof" in status(app)
        assert "step 3/7" in status(app)
        steps = channel.of("step")
        assert steps[-1]["lesson"] == "backprop-order" and steps[-1]["index"] == 2 and steps[-1]["steps"] == 7
        assert steps[-1]["step"] == BY_ID["backprop-order"].steps[2].id

        for key in ("n", "p", "right", "l", "escape"):  # every key that would step away
            await pilot.press(key)
            await settle(app, pilot)
            assert lesson_screen(app).index == 2, key
            assert "wait for the instructor to release you" in status(app), key

        # the instructor moves on: the learner goes too, once per step
        channel.send("follow", lesson="backprop-order", index=3)
        await settle(app, pilot)
        assert lesson_screen(app).index == 3
        assert [e["index"] for e in channel.of("step")][-2:] == [2, 3]

        channel.send("free")
        await settle(app, pilot)
        assert "following" not in status(app)
        await pilot.press("n")
        await settle(app, pilot)
        assert lesson_screen(app).index == 4
        assert channel.of("step")[-1]["index"] == 4
        await pilot.press("l")
        await settle(app, pilot)
        assert isinstance(app.screen, MenuScreen)


async def test_answers_and_hints_still_count_while_following(store):
    channel = FakeChannel()
    app = build(store, channel)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        channel.send("follow", lesson="backprop-pytorch", index=3)  # a shape question
        await settle(app, pilot)
        assert lesson_screen(app).index == 3
        await pilot.press("h")
        await settle(app, pilot)
        assert channel.of("hint")[-1] | {"t": 0} == {
            "event": "hint", "lesson": "backprop-pytorch", "step": "backward", "question": "backward",
            "hints": 1, "t": 0}
        await pilot.press("a", *"999x1", "enter")
        await settle(app, pilot)
        answer = channel.of("answer")[-1]
        assert (answer["verdict"], answer["answer"], answer["tries"]) == ("wrong", "999, 1", 1)
        # the store counts it too
        assert len(store.question("backprop-pytorch", "backward").attempts) == 1
        await pilot.press(*["backspace"] * 5, *"(1, 999)", "enter")
        await settle(app, pilot)
        answer = channel.of("answer")[-1]
        assert (answer["verdict"], answer["answer"], answer["tries"]) == ("wrong", "1, 999", 2)


async def test_a_message_stays_until_the_next_key(store):
    channel = FakeChannel()
    app = build(store, channel)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")  # the first lesson
        await settle(app, pilot)
        channel.send("message", text="Look at the slope now")
        await settle(app, pilot)
        assert "prof: Look at the slope now" in status(app)
        await pilot.pause(4.5)  # longer than a status note lasts
        assert "prof: Look at the slope now" in status(app)
        await pilot.press("z")
        await settle(app, pilot)
        assert "Look at the slope" not in status(app)


async def test_a_message_on_the_menu_is_a_notification_until_the_next_key(store):
    channel = FakeChannel()
    app = build(store, channel, lang="pt")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        channel.send("message", text="Abram a lição 2")
        await settle(app, pilot)
        assert [n.message for n in app._notifications] == ["prof: Abram a lição 2"]
        await pilot.press("down")
        await settle(app, pilot)
        assert not list(app._notifications)


async def test_end_tells_the_learner_saves_and_closes(store):
    channel = FakeChannel()
    app = build(store, channel)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("enter", "n", "n")
        await settle(app, pilot)
        channel.send("end")
        await pilot.pause(0.2)
        assert "prof ended the class" in screen_text(app)
        await pilot.pause(2.0)
        assert not app.is_running
    assert app.return_code in (0, None)
    assert store.position(LESSONS[0].id) == 2


async def test_a_learner_who_joins_during_a_follow_starts_there(store):
    channel = FakeChannel({"command": "follow", "instructor": "prof", "lesson": "sgd", "index": 3})
    app = build(store, channel, lang="pt")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = lesson_screen(app)
        assert (screen.lesson.id, screen.index) == ("sgd", 3)
        assert "seguindo prof" in status(app)
        await pilot.press("n")
        await settle(app, pilot)
        assert "espere o instrutor liberar você" in status(app)
        assert lesson_screen(app).index == 3


async def test_without_a_class_nothing_is_reported_or_held(store):
    app = make_app(lessons=LESSONS, lang="en", seed=0, learner="ana", store=store)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert app.class_control is None
        await pilot.press("enter", "n")
        await settle(app, pilot)
        assert lesson_screen(app).index == 1
        assert "following" not in status(app)
