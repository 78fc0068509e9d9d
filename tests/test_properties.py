"""Property-based tests of frame decoding, both ways (issue 11's standing suite).

Whatever arrives, ``protocol.decode`` gives a frame or a ``RemoteProtocolError`` and nothing
else, and so do the models built from what it gives; whatever a frame holds, ``encode`` gives
text that a strict parser reads back to the same frame, or a ``LocalProtocolError``.
"""

from __future__ import annotations

import copy
import json
import unittest
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cometchat.exceptions import ProtocolError
from cometchat.models import BaseMessage, User
from cometchat.transport import protocol as p
from helpers import MESSAGE_FRAME, PRESENCE_FRAME, RECEIPT_FRAME, TRANSIENT_FRAME, TYPING_FRAME, reliability

GOLDEN = [MESSAGE_FRAME, PRESENCE_FRAME, RECEIPT_FRAME, TRANSIENT_FRAME, TYPING_FRAME]
EXAMPLES = 300

#: strings a hostile peer likes: digits int() refuses, lone surrogates, huge, empty, markup
nasty_text = st.one_of(
    st.text(max_size=30),
    st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=3),
    st.sampled_from(["\u00b2", "\u0663", "", " ", "1e400", "NaN", "-1", "99999999999999999999999999999999999",
                     "0x10", "\x00", "</script>", "'; DROP TABLE users; --"]),
)
nasty_numbers = st.one_of(
    st.integers(), st.integers(min_value=2**63, max_value=2**300), st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
)
json_values = st.recursive(
    st.none() | nasty_numbers | nasty_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(nasty_text, inner, max_size=4),
    max_leaves=20,
)


def paths(obj: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside ``obj``."""
    found = [prefix] if prefix else []
    if isinstance(obj, dict):
        for key, value in obj.items():
            found += paths(value, prefix + (key,))
    elif isinstance(obj, list):
        for n, value in enumerate(obj):
            found += paths(value, prefix + (n,))
    return found


def replaced(obj: Any, path: tuple[Any, ...], value: Any) -> Any:
    out = copy.deepcopy(obj)
    target = out
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return out


def to_text(obj: Any) -> str:
    """JSON text of anything, NaN and lone surrogates included (as a hostile peer would write)."""
    return json.dumps(obj, allow_nan=True)


def survives(text: str | bytes) -> None:
    """Decode, then build every model the SDK builds from the frame: a protocol error is the
    only failure allowed (anything else escapes and fails the test)."""
    reliability.count("inputs", 1)
    try:
        frame = p.decode(text, max_depth=100)
        if isinstance(frame, p.MessageFrame):
            BaseMessage.fromWire(frame.body)
        user = getattr(frame, "user", None)
        if user is not None:
            User.fromWire(user)
    except ProtocolError:
        pass


class DecodingPropertyTest(unittest.TestCase):
    @settings(max_examples=EXAMPLES, suppress_health_check=[HealthCheck.too_slow])
    @given(golden=st.sampled_from(GOLDEN), data=st.data())
    def test_a_golden_frame_with_any_value_anywhere_decodes_or_is_a_protocol_error(self, golden: Any,
                                                                                     data: Any) -> None:
        path = data.draw(st.sampled_from(paths(golden)))
        survives(to_text(replaced(golden, path, data.draw(json_values))))

    @settings(max_examples=EXAMPLES)
    @given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
    def test_any_bytes_decode_or_are_a_protocol_error(self, raw: bytes) -> None:
        survives(raw)

    @settings(max_examples=EXAMPLES)
    @given(json_values, st.integers(min_value=1, max_value=3000))
    def test_any_json_at_any_depth_decodes_or_is_a_protocol_error(self, value: Any, depth: int) -> None:
        survives("[" * depth + to_text(value) + "]" * depth)

    def test_a_surrogate_encoded_in_the_bytes_is_refused_too(self) -> None:
        for raw in (b'{"type":"x","t":"\xed\xa0\x80"}', b'{"type":"x","t":"\\udc00"}', '{"type":"x","t":"\ud800"}'):
            with self.assertRaises(p.RemoteProtocolError, msg=raw):
                p.decode(raw)
        self.assertEqual(p.loads(b'{"t":"\\ud83d\\ude00"}'), {"t": "\U0001F600"})  # a pair is fine

    @settings(max_examples=EXAMPLES)
    @given(json_values)
    def test_what_decodes_holds_no_value_a_strict_parser_refuses(self, value: Any) -> None:
        text = to_text({"type": "transient_message", "receiver": "r", "receiverType": "user",
                        "body": {"user": {"uid": "u"}, "data": {"v": value}}})
        try:
            frame = p.decode(text)
        except ProtocolError:
            return
        json.dumps(frame.data, allow_nan=False).encode("utf-8")  # would raise on NaN or a lone surrogate


users = st.fixed_dictionaries({"uid": st.text(min_size=1, max_size=10)}, optional={"name": nasty_text})
receivers = st.text(min_size=1, max_size=20)


class EncodingPropertyTest(unittest.TestCase):
    @settings(max_examples=EXAMPLES)
    @given(action=st.sampled_from(p.TYPING_ACTIONS), receiver=receivers, user=users,
           metadata=st.none() | st.dictionaries(nasty_text, json_values, max_size=3))
    def test_typing_frames_encode_to_strict_json_that_decodes_to_the_same_frame(self, action: str, receiver: str,
                                                                                user: Any, metadata: Any) -> None:
        frame = p.TypingFrame(app_id="a", receiver=receiver, receiver_type="user", device_id="d", sender="s",
                              action=action, user=user, metadata=metadata)
        self.assert_both_ways(frame)

    @settings(max_examples=EXAMPLES)
    @given(receiver=receivers, user=users, data=st.none() | st.dictionaries(nasty_text, json_values, max_size=3))
    def test_transient_frames_both_ways(self, receiver: str, user: Any, data: Any) -> None:
        frame = p.TransientFrame(app_id="a", receiver=receiver, receiver_type="user", device_id=None, sender="s",
                                 user=user, data=data)
        self.assert_both_ways(frame)

    @settings(max_examples=EXAMPLES)
    @given(body=st.dictionaries(nasty_text, json_values, max_size=5), receiver=st.none() | receivers)
    def test_message_frames_both_ways(self, body: Any, receiver: str | None) -> None:
        frame = p.MessageFrame(app_id="a", receiver=receiver, receiver_type="user" if receiver else None,
                               device_id="d", sender="s", body=body)
        self.assert_both_ways(frame)

    def assert_both_ways(self, frame: Any) -> None:
        try:
            text = p.encode(frame)
        except p.LocalProtocolError:
            return
        strict = json.loads(text, parse_constant=lambda name: self.fail(f"encoded {name}"))
        self.assertIsInstance(strict, dict)
        text.encode("utf-8")  # a lone surrogate would raise here
        self.assertEqual(p.decode(text), frame)
        reliability.count("inputs", 1)


if __name__ == "__main__":
    unittest.main()
