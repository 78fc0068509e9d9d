"""``client.statistics()``: its counters move with what really happens on a real socket, and
the snapshot is frozen all the way down."""

from __future__ import annotations

import json
import unittest

from cometchat import ClientStatistics
from cometchat.testing import DevServerMixin, EventRecorder, scaled
from helpers import ProxiedMixin, fast, ok, pushed_message

UID = "cometchat-uid-1"


def counters(stats: ClientStatistics) -> dict[str, int]:
    return {name: getattr(stats, name) for name in ("connectAttempts", "connections", "drops", "retries")}


class ConnectionCountersTest(ProxiedMixin, unittest.TestCase):
    def test_a_drop_moves_drops_retries_and_connections(self) -> None:
        client = self.newClient(UID, builder=fast())
        recorder = EventRecorder()
        client.addConnectionListener("r", recorder)
        ok(client.connect())
        self.assertEqual(counters(client.statistics()), dict(connectAttempts=1, connections=1, drops=0, retries=0))
        self.server.drop_connections(UID)
        recorder.waitFor("connected", count=2)  # the counters move before the listeners hear of it
        self.assertEqual(counters(client.statistics()), dict(connectAttempts=2, connections=2, drops=1, retries=1))
        ok(client.disconnect())  # the app's own close is no drop
        self.assertEqual(client.statistics().drops, 1)

    def test_failed_attempts_count_as_attempts_and_retries_but_not_connections(self) -> None:
        client, proxy = self.proxied_client("cometchat-uid-2", initial=0.1, maximum=0.2)
        recorder = EventRecorder()
        client.addConnectionListener("r", recorder)
        with proxy.down():
            client.connect()
            recorder.waitFor("onConnectionError", count=3)
            stats = client.statistics()
            self.assertEqual((stats.connections, stats.drops), (0, 0))
            self.assertGreaterEqual(stats.retries, 2)
            self.assertIn(stats.connectAttempts, (stats.retries + 1, stats.retries + 2))  # one may be opening
        recorder.waitFor("connected")
        stats = client.statistics()
        self.assertEqual((stats.connections, stats.drops, stats.connectAttempts), (1, 0, stats.retries + 1))


class EventCountersTest(DevServerMixin, unittest.TestCase):
    def setUp(self) -> None:
        self.client = self.newClient(UID, builder=fast(ping=30, pong=30))
        self.events = EventRecorder()
        self.client.addMessageListener("r", self.events)
        ok(self.client.connect())
        self.next_id = 7_000_000

    def valid(self) -> dict[str, object]:
        self.next_id += 1
        return pushed_message(UID, self.next_id)

    def test_malformed_frames_are_counted_as_skipped_and_cost_nothing_else(self) -> None:
        self.server.push_many(UID, [self.valid()])  # a valid frame alone: delivered, nothing skipped
        self.events.waitFor("onTextMessageReceived")
        stats = self.client.statistics()
        self.assertEqual((stats.framesSkipped, stats.messagesDelivered), (0, 1))
        with self.assertLogs("cometchat", "WARNING") as logs:
            # not a frame at all (the socket reader skips it), then a frame that is not the
            # message it claims to be (the event router skips it), each followed by a valid one
            self.server.push_raw(UID, [{"text": "{not json"}, {"text": json.dumps(self.valid())}])
            self.events.waitFor("onTextMessageReceived", count=2)
            self.assertEqual(self.client.statistics().framesSkipped, 1)
            self.server.push_many(UID, [{"type": "message", "body": {"id": True}}, self.valid()])
            self.events.waitFor("onTextMessageReceived", count=3)
        self.assertEqual(len(logs.output), 2, logs.output)
        stats = self.client.statistics()
        self.assertEqual((stats.framesSkipped, stats.messagesDelivered), (2, 3))
        self.assertEqual((stats.connections, stats.drops, stats.state), (1, 0, "connected"))

    def test_a_listener_sees_its_own_message_counted(self) -> None:
        seen: list[int] = []

        class Counting:
            def onTextMessageReceived(inner, message: object) -> None:
                seen.append(self.client.statistics().messagesDelivered)

        self.client.addMessageListener("counting", Counting())
        self.server.push_many(UID, [self.valid() for _ in range(3)])  # one burst: one batch, or a few
        self.events.waitFor("onTextMessageReceived", count=3)
        self.assertTrue(self.client.flush(scaled(5)))  # the counting listener runs after the recorder
        self.assertEqual(seen, [1, 2, 3])  # each count taken inside the listener, before the next message
        self.assertEqual(self.client.statistics().messagesDelivered, 3)

    def test_the_snapshot_is_frozen_all_the_way_down(self) -> None:
        stats = self.client.statistics()
        self.assertEqual(stats.listeners["Message"], 1)
        with self.assertRaises(TypeError):
            stats.listeners["Message"] = 5  # type: ignore[index]
        self.client.removeMessageListener("r")
        self.assertEqual(stats.listeners["Message"], 1)  # a snapshot: the client's change is not in it
        self.assertEqual(self.client.statistics().listeners["Message"], 0)
        as_dict = stats.asDict()
        self.assertEqual(type(as_dict["listeners"]), dict)
        self.assertEqual(json.loads(json.dumps(as_dict, default=str))["connections"], 1)
        hash(stats)


if __name__ == "__main__":
    unittest.main()
