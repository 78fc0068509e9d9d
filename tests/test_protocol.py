"""The wire module against the frames recorded in reference/wire-protocol.md, both ways."""

from __future__ import annotations

import contextlib
import importlib
import json
import sys
import unittest
from typing import Callable, Iterator

import attrs

from hypothesis import given
from hypothesis import strategies as st

from cometchat.transport import protocol as p
from helpers import (
    AUTH_FRAME,
    DEVICE,
    JWT,
    MESSAGE_FRAME,
    OUTGOING_RECEIPT,
    PRESENCE_FRAME,
    RECEIPT_FRAME,
    SESSION,
    TRANSIENT_FRAME,
    TYPING_FRAME,
)

def wire(text: str) -> dict:
    return json.loads(text)


class GoldenFrameTest(unittest.TestCase):
    def test_ping_and_pong_are_exactly_the_official_texts(self) -> None:
        self.assertEqual(p.encode(p.Ping()), '{"action":"ping","ack":"true"}')
        self.assertEqual(p.encode(p.Pong()), '{"action":"pong"}')
        self.assertEqual(p.decode('{"action":"ping","ack":"true"}'), p.Ping())
        self.assertEqual(p.decode('{"action": "pong"}'), p.Pong())

    def test_auth_request_both_ways(self) -> None:
        frame = p.decode(json.dumps(AUTH_FRAME))
        self.assertIsInstance(frame, p.AuthRequest)
        assert isinstance(frame, p.AuthRequest)
        self.assertEqual((frame.app_id, frame.sender, frame.device_id, frame.jwt), ("app1", "alice", SESSION, JWT))
        self.assertEqual(frame.presence_subscription, "ROLES")
        self.assertEqual(frame.roles, ("admin", "vip"))
        self.assertEqual(frame.params["deviceId"], DEVICE)
        self.assertEqual(wire(p.encode(frame)), AUTH_FRAME)

    def test_auth_request_omits_presence_and_roles_when_not_subscribed(self) -> None:
        frame = p.AuthRequest(app_id="app1", sender="alice", device_id=SESSION, jwt=JWT, roles=("admin",))
        body = wire(p.encode(frame))["body"]
        self.assertNotIn("presenceSubscription", body)
        self.assertNotIn("roles", body)

    def test_reaction_frame_both_ways(self) -> None:
        official = {"appId": "app1", "receiver": "alice", "receiverType": "user", "deviceId": "WEB-bob",
                    "type": "reaction", "sender": "bob",
                    "body": {"action": "message_reaction_added", "id": "r9", "messageId": "42", "uid": "bob",
                             "reaction": "\N{THUMBS UP SIGN}", "reactedBy": {"uid": "bob", "name": "Bob"},
                             "reactedAt": 1700000300, "conversationId": "alice_user_bob", "parentId": 0}}
        frame = p.decode(json.dumps(official))
        assert isinstance(frame, p.ReactionFrame)
        self.assertEqual((frame.action, frame.receiver, frame.sender), ("message_reaction_added", "alice", "bob"))
        self.assertEqual(frame.reaction["messageId"], "42")
        self.assertNotIn("action", frame.reaction)
        self.assertEqual(wire(p.encode(frame)), official)
        with self.assertRaises(p.RemoteProtocolError):
            p.decode(json.dumps(dict(official, body=dict(official["body"], action="message_reaction_changed"))))
        with self.assertRaises(p.LocalProtocolError):
            p.encode(attrs.evolve(frame, action="nope"))

    def test_jwt_stays_out_of_repr(self) -> None:
        frame = p.decode(json.dumps(AUTH_FRAME))
        self.assertNotIn(JWT, repr(frame))

    def test_auth_reply_both_ways(self) -> None:
        official = {"type": "auth", "body": {"status": "OK", "code": "200"}}
        reply = p.decode(json.dumps(official))
        self.assertEqual(reply, p.AuthReply(status="OK", code="200"))
        assert isinstance(reply, p.AuthReply)
        self.assertTrue(reply.ok)
        self.assertEqual(wire(p.encode(reply)), official)

    def test_auth_reply_with_a_numeric_code_is_not_ok(self) -> None:
        # the official SDK compares strings; a numeric 200 silently disables its keep-alive
        with self.assertRaises(p.RemoteProtocolError) as caught:
            p.decode('{"type":"auth","body":{"status":"OK","code":200}}')
        self.assertEqual(caught.exception.field, "body.code")

    def test_message_frame_both_ways(self) -> None:
        frame = p.decode(json.dumps(MESSAGE_FRAME))
        self.assertIsInstance(frame, p.MessageFrame)
        assert isinstance(frame, p.MessageFrame)
        self.assertEqual(frame.body["data"]["text"], "hi alice")
        self.assertEqual(frame.device_id, "WEB-bob-session")
        self.assertEqual(wire(p.encode(frame)), MESSAGE_FRAME)

    def test_typing_frame_both_ways(self) -> None:
        frame = p.decode(json.dumps(TYPING_FRAME))
        self.assertEqual(
            frame,
            p.TypingFrame(
                app_id="app1",
                receiver="alice",
                receiver_type="user",
                device_id="WEB-bob-session",
                sender="bob",
                action="started",
                user={"uid": "bob", "name": "Bob"},
                metadata={"mood": "ok"},
            ),
        )
        self.assertEqual(wire(p.encode(frame)), TYPING_FRAME)

    def test_incoming_receipt_turns_the_id_into_a_string(self) -> None:
        frame = p.decode(json.dumps(RECEIPT_FRAME))
        assert isinstance(frame, p.ReceiptFrame)
        self.assertEqual(frame.message_id, "101")
        self.assertEqual(frame.timestamp, 1700000002)
        self.assertEqual(frame.user["uid"], "alice")

    def test_outgoing_receipt_matches_the_official_shape(self) -> None:
        frame = p.ReceiptFrame(
            app_id="app1",
            receiver="bob",
            receiver_type="user",
            device_id=SESSION,
            sender="alice",
            message_sender="bob",
            action="read",
            message_id="101",
            user={"uid": "alice", "name": "Alice", "status": "online"},
        )
        self.assertEqual(wire(p.encode(frame)), OUTGOING_RECEIPT)
        self.assertEqual(p.decode(p.encode(frame)), frame)

    def test_presence_frame_both_ways(self) -> None:
        frame = p.decode(json.dumps(PRESENCE_FRAME))
        assert isinstance(frame, p.PresenceFrame)
        self.assertEqual((frame.action, frame.timestamp, frame.user["uid"]), ("online", 1700000003, "bob"))
        self.assertEqual(wire(p.encode(frame)), PRESENCE_FRAME)

    def test_transient_frame_both_ways(self) -> None:
        frame = p.decode(json.dumps(TRANSIENT_FRAME))
        assert isinstance(frame, p.TransientFrame)
        self.assertEqual(frame.data, {"live": "reaction", "emoji": "wave"})
        self.assertEqual(wire(p.encode(frame)), TRANSIENT_FRAME)

    def test_error_frame_both_ways(self) -> None:
        frame = p.ErrorFrame(code="ERR_BAD_FRAME", message="nope")
        self.assertEqual(p.decode(p.encode(frame)), frame)

    def test_unknown_types_are_returned_not_raised(self) -> None:
        # (this used "reaction", until reactions became a frame of ours)
        frame = p.decode('{"type":"interaction_completed","body":{"messageId":"1"}}')
        self.assertEqual(frame, p.UnknownFrame(type="interaction_completed",
                                               raw={"type": "interaction_completed", "body": {"messageId": "1"}}))


class DecodeEventTest(unittest.TestCase):
    """``decode_event``, the client reader's ``decode``: a message frame stays its JSON object,
    checked as ``decode`` checks a ``MessageFrame``; anything else is exactly ``decode``'s."""

    def test_a_message_frame_is_its_json_object(self) -> None:
        text = json.dumps(MESSAGE_FRAME)
        obj = p.decode_event(text)
        self.assertIs(type(obj), dict)
        self.assertEqual(obj, MESSAGE_FRAME)
        frame = p.decode(text)
        assert isinstance(frame, p.MessageFrame) and isinstance(obj, dict)
        self.assertEqual((obj["deviceId"], obj["body"]), (frame.device_id, frame.body))

    def test_other_frames_are_what_decode_gives(self) -> None:
        for obj in (TYPING_FRAME, RECEIPT_FRAME, AUTH_FRAME, {"type": "message", "action": "pong", "body": {}},
                    {"action": "ping"}, {"type": "interaction_completed", "body": {}}):
            text = json.dumps(obj)
            self.assertEqual(p.decode_event(text), p.decode(text))
        self.assertIsInstance(p.decode_event(p.PONG_TEXT), p.Pong)

    def test_a_message_envelope_of_the_wrong_shape_is_refused_naming_the_field(self) -> None:
        for field, value in (("deviceId", 5), ("sender", ["bob"]), ("receiver", {}), ("receiverType", 1),
                             ("appId", True), ("body", "text")):
            with self.subTest(field=field):
                text = json.dumps(dict(MESSAGE_FRAME, **{field: value}))
                for decoder in (p.decode, p.decode_event):
                    with self.assertRaises(p.RemoteProtocolError) as caught:
                        decoder(text)
                    self.assertEqual(caught.exception.field, field)
        for text in ("{nope", "[1]", '{"type":"message","body":{"n":NaN}}'):
            with self.assertRaises(p.RemoteProtocolError):
                p.decode_event(text)


class MalformedFrameTest(unittest.TestCase):
    def assertRemote(self, text: str, field: str | None) -> p.ProtocolError:
        with self.assertRaises(p.RemoteProtocolError) as caught:
            p.decode(text)
        self.assertEqual(caught.exception.field, field)
        self.assertEqual(caught.exception.fault, "remote")
        self.assertIn("remote fault", str(caught.exception))
        return caught.exception

    def test_not_json(self) -> None:
        self.assertRemote("{nope", None)

    def test_not_an_object(self) -> None:
        self.assertRemote("[1, 2]", None)

    def test_missing_type(self) -> None:
        self.assertRemote('{"body": {}}', "type")

    def test_typing_without_a_user(self) -> None:
        bad = dict(TYPING_FRAME, body={"action": "started"})
        self.assertRemote(json.dumps(bad), "body.user")

    def test_typing_with_an_unknown_action(self) -> None:
        bad = dict(TYPING_FRAME, body={"action": "dancing", "user": {}})
        self.assertRemote(json.dumps(bad), "body.action")

    def test_receipt_without_a_message_id(self) -> None:
        bad = dict(RECEIPT_FRAME, body={"action": "read", "user": {}})
        self.assertRemote(json.dumps(bad), "body.messageId")

    def test_a_message_id_is_a_whole_number_from_1_below_2_63(self) -> None:
        """In either direction: the server looks ids up in SQLite, whose integers end there."""
        for good, number in (("1", 1), (7, 7), (str(2**63 - 1), 2**63 - 1)):
            frame = p.decode(json.dumps(dict(RECEIPT_FRAME, body=dict(RECEIPT_FRAME["body"], messageId=good))))
            self.assertEqual(p.parse_id(frame.message_id), number)  # type: ignore[union-attr]
        for bad in (str(2**63), 2**63, 10**20, "9" * 5000, "0", 0, -1, "\u00b2", "1e3", 1.5, True, ""):
            with self.subTest(bad=str(bad)[:30]):
                self.assertRemote(json.dumps(dict(RECEIPT_FRAME, body=dict(RECEIPT_FRAME["body"], messageId=bad))),
                                  "body.messageId")

    def test_auth_with_an_unknown_subscription(self) -> None:
        bad = dict(AUTH_FRAME, body=dict(AUTH_FRAME["body"], presenceSubscription="EVERYONE"))
        self.assertRemote(json.dumps(bad), "body.presenceSubscription")

    def test_auth_without_a_jwt(self) -> None:
        bad = dict(AUTH_FRAME, body=dict(AUTH_FRAME["body"], auth=""))
        self.assertRemote(json.dumps(bad), "body.auth")

    def test_building_a_bad_frame_is_a_local_fault(self) -> None:
        frame = p.TypingFrame(
            app_id="a", receiver="b", receiver_type="user", device_id="d", sender="s", action="nope", user={}
        )
        with self.assertRaises(p.LocalProtocolError) as caught:
            p.encode(frame)
        self.assertEqual(caught.exception.field, "body.action")
        self.assertEqual(caught.exception.fault, "local")


class EnvelopeTest(unittest.TestCase):
    def test_success_and_failure_shapes(self) -> None:
        self.assertEqual(p.success({"uid": "a"}), {"data": {"uid": "a"}})
        self.assertEqual(p.success([], {"cursor": {}}), {"data": [], "meta": {"cursor": {}}})
        self.assertEqual(
            p.failure("ERR_UID_NOT_FOUND", "no", {"uid": "x"}),
            {"error": {"code": "ERR_UID_NOT_FOUND", "message": "no", "details": {"uid": "x"}}},
        )

    def test_parse_reads_data_as_success_and_error_as_failure(self) -> None:
        self.assertEqual(p.parse_envelope({"data": 1, "meta": {"a": 1}}), p.Success(1, {"a": 1}))
        failure = p.parse_envelope({"error": {"code": "ERR_X", "message": "m", "details": {}}})
        self.assertEqual(failure, p.Failure("ERR_X", "m", None))

    def test_parse_refuses_anything_else(self) -> None:
        for bad in ([], {"status": "ok"}, {"error": "string"}, {"error": {"message": "no code"}}):
            with self.subTest(bad=bad), self.assertRaises(p.RemoteProtocolError):
                p.parse_envelope(bad)


class MessageRequestTest(unittest.TestCase):
    def test_text_message_matches_the_official_body(self) -> None:
        # reference section 2.10, TextMessage('bob','hello','user') + metadata + muid
        official = {
            "type": "text",
            "receiverType": "user",
            "category": "message",
            "data": {"text": "hello", "metadata": {"k": 1}},
            "text": "hello",
            "metadata": {"k": 1},
            "muid": "muid-1",
            "receiver": "bob",
        }
        req = p.MessageRequest(
            receiver="bob", receiver_type="user", category="message", type="text", text="hello",
            metadata={"k": 1}, muid="muid-1",
        )
        self.assertEqual(p.build_message_request(req), official)
        self.assertEqual(p.parse_message_request(official), req)

    def test_custom_message_matches_the_official_body(self) -> None:
        official = {
            "type": "location",
            "receiverType": "group",
            "category": "custom",
            "customData": {"lat": 1.5},
            "data": {"customData": {"lat": 1.5}},
            "receiver": "g1",
        }
        req = p.MessageRequest(
            receiver="g1", receiver_type="group", category="custom", type="location", custom_data={"lat": 1.5}
        )
        self.assertEqual(p.build_message_request(req), official)
        self.assertEqual(p.parse_message_request(official), req)

    def test_a_custom_subtype_travels_at_the_top_and_in_data(self) -> None:
        req = p.MessageRequest(receiver="bob", receiver_type="user", category="custom", type="poll",
                               custom_data={"q": 1}, sub_type="yesno")
        body = p.build_message_request(req)
        self.assertEqual((body["subType"], body["data"]["subType"]), ("yesno", "yesno"))

    def test_the_server_stores_data_as_the_client_sent_it(self) -> None:
        sent = {"type": "poll", "receiverType": "user", "category": "custom", "customData": {"q": 1},
                "data": {"customData": {"q": 1}}, "subType": "top-only", "receiver": "bob"}
        stored = p.build_message_object(message_id=1, sender={"uid": "a"}, receiver={"uid": "bob"},
                                        request=p.parse_message_request(sent), sent_at=1, conversation="a_user_bob")
        self.assertEqual(stored["subType"], "top-only")
        self.assertNotIn("subType", stored["data"])  # a client that forgets data.subType is seen to forget it

    def test_blank_text_is_refused_both_ways(self) -> None:
        with self.assertRaises(p.LocalProtocolError):
            p.build_message_request(
                p.MessageRequest(receiver="b", receiver_type="user", category="message", type="text", text="  ")
            )
        with self.assertRaises(p.RemoteProtocolError) as caught:
            p.parse_message_request({"receiver": "b", "receiverType": "user", "category": "message",
                                     "type": "text", "text": " "})
        self.assertEqual(caught.exception.field, "text")

    def test_message_object_carries_the_entities(self) -> None:
        req = p.MessageRequest(receiver="alice", receiver_type="user", category="message", type="text", text="hi",
                               tags=("t",))
        body = p.build_message_object(
            message_id=7, sender={"uid": "bob"}, receiver={"uid": "alice"}, request=p.parse_message_request(
                p.build_message_request(req)), sent_at=5, conversation="alice_user_bob",
        )
        self.assertEqual(body["id"], "7")
        self.assertEqual(body["conversationId"], "alice_user_bob")
        self.assertEqual(body["data"]["entities"]["sender"], {"entity": {"uid": "bob"}, "entityType": "user"})
        self.assertEqual(body["data"]["entities"]["receiver"]["entity"], {"uid": "alice"})
        self.assertEqual(body["tags"], ["t"])


_users = st.fixed_dictionaries({"uid": st.text(min_size=1, max_size=20), "name": st.text(max_size=20)})


class RoundTripPropertyTest(unittest.TestCase):
    @given(
        action=st.sampled_from(p.TYPING_ACTIONS),
        receiver=st.text(min_size=1, max_size=30),
        user=_users,
        metadata=st.none() | st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    )
    def test_typing_frames_survive_the_wire(self, action: str, receiver: str, user: dict, metadata: dict) -> None:
        frame = p.TypingFrame(app_id="a", receiver=receiver, receiver_type="user", device_id="d", sender="s",
                              action=action, user=user, metadata=metadata)
        self.assertEqual(p.decode(p.encode(frame)), frame)

    @given(
        action=st.sampled_from(p.RECEIPT_ACTIONS),
        message_id=st.integers(min_value=1, max_value=2**53).map(str),
        timestamp=st.none() | st.integers(min_value=0, max_value=2**40),
    )
    def test_receipt_frames_survive_the_wire(self, action: str, message_id: str, timestamp: int | None) -> None:
        frame = p.ReceiptFrame(app_id="a", receiver="r", receiver_type="user", device_id="d", sender="s",
                               message_sender="m", action=action, message_id=message_id, user={"uid": "s"},
                               timestamp=timestamp)
        self.assertEqual(p.decode(p.encode(frame)), frame)

    @given(st.text(max_size=200))
    def test_decode_never_fails_with_anything_but_a_protocol_error(self, text: str) -> None:
        try:
            p.decode(text)
        except p.RemoteProtocolError:
            pass



@contextlib.contextmanager
def parser(name: str) -> Iterator[None]:
    """``protocol.loads`` as it runs with msgspec installed (``fast``) or without it (``json``)."""
    from cometchat.transport import jsonfast

    saved = sys.modules.get("msgspec")
    if name == "json":
        sys.modules["msgspec"] = None  # type: ignore[assignment]  # as if it were not installed
    try:
        importlib.reload(jsonfast)
        if jsonfast.BACKEND != name:
            raise unittest.SkipTest("msgspec is not installed (the fast extra)")
        yield
    finally:
        if saved is None:
            sys.modules.pop("msgspec", None)
        else:
            sys.modules["msgspec"] = saved
        importlib.reload(jsonfast)


class StrictLoadsTest(unittest.TestCase):
    """``loads`` keeps the same promises with msgspec (the ``fast`` extra) and without it."""

    def each_parser(self, check: Callable[[], None]) -> None:
        for name in ("msgspec", "json"):
            with self.subTest(parser=name), parser(name):
                check()

    def test_frames_parse_the_same_from_bytes_and_str(self) -> None:
        frame = '{"type":"message","body":{"id":"7","data":{"text":"h\\u00e9llo \\ud83d\\ude00"}}}'

        def check() -> None:
            self.assertEqual(p.loads(frame.encode()), p.loads(frame))
            self.assertEqual(p.loads(frame.encode())["body"]["data"]["text"], "héllo 😀")
            self.assertEqual(p.decode(frame.encode()), p.decode(frame))

        self.each_parser(check)

    def test_long_integers_keep_every_digit(self) -> None:
        text = '{"n": 18446744073709551616, "m": -9223372036854775809, "f": 1.5, "big": 1e308}'

        def check() -> None:
            for value in (text, text.encode()):
                obj = p.loads(value)
                self.assertEqual(obj, {"n": 2**64, "m": -(2**63) - 1, "f": 1.5, "big": 1e308})
                self.assertIsInstance(obj["n"], int)
            # numbers msgspec alone would refuse: both parsers read them alike
            self.assertEqual(p.loads(b"-" + b"1" * 4300), -int("1" * 4300))
            self.assertEqual(p.loads(b"1" * 1000 + b"e-1000"), float("1" * 1000 + "e-1000"))

        self.each_parser(check)

    def test_nesting_is_limited(self) -> None:
        def check() -> None:
            self.assertEqual(p.loads(b"[[1]]", max_depth=2), [[1]])
            for value in ("[[[1]]]", b"[[[1]]]", b'{"a":{"b":{"c":1}}}'):
                with self.assertRaises(p.RemoteProtocolError):
                    p.loads(value, max_depth=2)
            self.assertEqual(p.json_depth(p.loads(b"[" * 200 + b"]" * 200)), 200)
            for value in ("[" * 100_000 + "]" * 100_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000):
                with self.assertRaises(p.RemoteProtocolError):  # deeper than the interpreter walks
                    p.loads(value)

        self.each_parser(check)

    def test_what_strict_json_refuses_is_refused_as_bytes_and_str(self) -> None:
        refused_text = ("NaN", "[Infinity]", "-Infinity", "1e400", '["\\ud800"]', '["\\udc00x"]', "{not json",
                        '{"a": 1,}', "", '{"a": 1} x', '"\\x"', '"\x01"')

        def check() -> None:
            for text in refused_text:
                for value in (text, text.encode()):
                    with self.assertRaises(p.RemoteProtocolError, msg=repr(value)):
                        p.loads(value)
            for value in (b'{"a": "\xff"}', b'"\xed\xa0\x80"', '"\udc80"'):  # not UTF-8; a raw surrogate
                with self.assertRaises(p.RemoteProtocolError, msg=repr(value)):
                    p.loads(value)

        self.each_parser(check)


if __name__ == "__main__":
    unittest.main()
