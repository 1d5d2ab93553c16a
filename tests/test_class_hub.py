"""The server's class hub with real socket pairs, no SSH: what crosses
between sessions, what is dropped (and logged once), and what a slow
console costs the server (nothing: a bounded queue, then a snapshot)."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest

from tutor.class_events import BadMessage, check_command, check_event, encode, event
from tutor.serve import class_hub
from tutor.serve.class_hub import ClassHub


def read_all(sock: socket.socket) -> list[dict]:
    sock.setblocking(False)
    out = []
    while True:
        try:
            data = sock.recv(65536)
        except BlockingIOError:
            return out
        out.append(json.loads(data))


async def turn() -> None:
    for _ in range(5):
        await asyncio.sleep(0.01)


class Hub:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.ended: list[str] = []
        self.hub = ClassHub(self.lines.append, self.ended.append)


async def test_events_reach_consoles_only_stamped_by_the_server_and_commands_reach_learners():
    h = Hub()
    hub = h.hub
    ana = hub.open("s1", "ana", console=False)
    bob = hub.open("s2", "bob", console=False)
    ana.send(encode(event("join", lang="en")))
    ana.send(encode(event("step", lesson="slope", step="intro", index=0, steps=5)))
    await turn()
    prof = hub.open("c1", "prof", console=True)  # a console that opens later gets the snapshot
    # a learner claiming to be someone else is named by the server
    bob.send(encode({**event("join", lang="pt"), "learner": "ana", "session": "s1"}))
    await turn()
    assert read_all(bob) == [] and read_all(ana) == []  # nothing a learner sends reaches a learner
    seen = read_all(prof)
    assert [(e["event"], e["learner"], e["session"]) for e in seen] == [
        ("join", "ana", "s1"), ("step", "ana", "s1")]
    assert "dropped a message from bob (s2): event 'join': unexpected field 'learner'" in h.lines[-1]
    for message in seen:
        check_event(message, stamped=True)

    hub.key("s1")
    hub.key("s1")  # within the second: not sent again
    prof.send(encode({"command": "follow", "instructor": "mallory", "lesson": "slope", "index": 2}))
    await turn()
    assert [e["event"] for e in read_all(prof)] == ["key"]
    for learner in (ana, bob):
        got = read_all(learner)
        assert got == [{"command": "follow", "instructor": "prof", "lesson": "slope", "index": 2}]
        check_command(got[0])
    cid = hub.open("s3", "cid", console=False)  # joins during the follow: follows too
    assert read_all(cid)[0]["command"] == "follow"
    prof.send(encode({"command": "end"}))
    await turn()
    assert h.ended == ["prof"] and hub.follow is None
    hub.close("s1")
    await turn()
    assert [(e["event"], e["learner"]) for e in read_all(prof)] == [("leave", "ana")]


@pytest.mark.parametrize("raw, why", [
    (b"\x80not json", "not JSON"),
    (b"[1, 2]", "must be a JSON object"),
    (b'{"event": "rm -rf", "t": 1}', "unknown event"),
    (json.dumps(event("step", lesson="slope", step="x", index=-1, steps=5)).encode(), "'index' must be a whole number"),
    (json.dumps(event("answer", lesson="a", step="b", question="b", verdict="maybe", answer="1", tries=1)).encode(),
     "verdict 'maybe'"),
    (json.dumps(event("hint", lesson="a" * 500, step="b", question="b", hints=1)).encode(), "longer than"),
    (json.dumps(event("leave")).encode(), "the server does"),
    (b"x" * 10000, "more than 4096 bytes"),
])
async def test_a_learners_malformed_message_is_dropped_with_one_log_line(raw, why):
    h = Hub()
    ana = h.hub.open("s1", "ana", console=False)
    prof = h.hub.open("c1", "prof", console=True)
    ana.send(raw)
    ana.send(encode(event("join", lang="en")))  # the session goes on
    await turn()
    assert [e["event"] for e in read_all(prof)] == ["join"]
    assert len(h.lines) == 1 and why in h.lines[0] and "ana (s1)" in h.lines[0], h.lines
    assert "Traceback" not in h.lines[0]


async def test_a_flood_of_bad_messages_is_one_line_a_second():
    h = Hub()
    ana = h.hub.open("s1", "ana", console=False)
    for _ in range(200):
        ana.send(b"junk")
    await turn()
    assert len(h.lines) == 1


async def test_a_console_that_never_reads_costs_a_bounded_queue_then_a_snapshot(monkeypatch):
    monkeypatch.setattr(class_hub, "CONSOLE_QUEUE", 50)
    monkeypatch.setattr(class_hub, "RATE", 1e9)  # the learners' flood limit is another test's
    h = Hub()
    hub = h.hub
    learners = [hub.open(f"s{i}", f"l{i}", console=False) for i in range(3)]
    slow = hub.open("c1", "prof", console=True)
    slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    for sock in learners:
        sock.send(encode(event("join", lang="en")))
    await turn()
    hub.close("s2")  # leaves while the console is not reading
    for n in range(3000):  # far more than the socket and the queue hold
        learners[n % 2].send(encode(event("step", lesson="slope", step="x", index=n % 5, steps=5)))
        if n % 40 == 0:
            await asyncio.sleep(0)
    await turn()
    endpoint = hub.consoles["c1"].endpoint
    assert len(endpoint.queue) <= 50
    assert any("fell behind" in line for line in h.lines)
    # once it reads, it has what it needs: who is here and where
    got: list[dict] = []
    for _ in range(200):
        got += read_all(slow)
        await asyncio.sleep(0.005)
    live = {e["learner"] for e in got if e["event"] == "join"}
    assert {"l0", "l1"} <= live
    assert ("leave", "l2") in {(e["event"], e["learner"]) for e in got}


def test_commands_are_checked_field_by_field():
    check_command({"command": "message", "text": "Look at the plot"})
    for bad in ({"command": "message", "text": "two\nlines"}, {"command": "message", "text": "x" * 201},
                {"command": "follow", "lesson": "slope"}, {"command": "follow", "lesson": "s", "index": True},
                {"command": "shell", "cmd": "ls"}, "end"):
        with pytest.raises(BadMessage):
            check_command(bad)


async def test_a_session_channel_drops_bad_commands_and_never_raises_when_the_server_is_gone():
    from tutor.serve.class_link import SessionChannel

    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    logged: list[str] = []
    channel = SessionChannel(theirs.detach(), logged.append)
    got: list[dict] = []
    channel.listen(got.append)
    ours.send(b'{"command": "shell", "cmd": "rm -rf /"}')
    ours.send(encode({"command": "message", "instructor": "prof", "text": "hello"}))
    await turn()
    assert got == [{"command": "message", "instructor": "prof", "text": "hello"}]
    assert len(logged) == 1 and "unknown command 'shell'" in logged[0]
    channel.report(event("join", lang="en"))
    assert json.loads(ours.recv(4096))["event"] == "join"
    ours.close()
    await turn()
    channel.report(event("key"))  # the server is gone: dropped, no exception
    assert channel.dropped == 1
    channel.close()


async def test_a_console_link_reads_events_until_the_server_goes_and_sends_checked_commands():
    from tutor.serve.class_link import ConsoleLink

    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    link = ConsoleLink(theirs.detach(), "prof")
    stamped = {"event": "join", "lang": "pt", "learner": "ana", "session": "s1", "t": 1.0}
    ours.send(encode(stamped))
    ours.send(b"not json")
    ours.send(encode({"event": "key", "learner": "ana", "session": "s1", "t": 2.0}))
    ours.shutdown(socket.SHUT_WR)
    seen = [e async for e in link.events()]
    assert seen == [stamped, {"event": "key", "learner": "ana", "session": "s1", "t": 2.0}]
    await link.send({"command": "follow", "lesson": "slope", "index": 1})
    assert json.loads(ours.recv(4096)) == {"command": "follow", "lesson": "slope", "index": 1, "instructor": "prof"}
    with pytest.raises(BadMessage):
        await link.send({"command": "message", "text": "x" * 500})
    link.close()
    ours.close()
