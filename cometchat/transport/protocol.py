"""The CometChat v3.0 wire format as pure functions: no sockets, threads or clocks.

The SDK and the local server both speak through this module, so one file defines the wire.
Socket frames are small frozen values; ``encode`` turns one into text and ``decode`` turns
text back into one. REST bodies go through ``success`` / ``failure`` / ``parse_envelope``
and the message helpers at the end. Field names here are PEP 8; the wire's camelCase names
appear only in the ``_to_*`` / ``_*_from`` functions.

A frame that breaks the protocol raises ``RemoteProtocolError`` when it came from the peer
and ``LocalProtocolError`` when we were about to send it (h11's split): the error names the
field, so a log line says what was wrong and whose fault it was.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Callable, Union

import attrs

from ..exceptions import LocalProtocolError, ProtocolError, RemoteProtocolError
from ..numbers import MAX_ID, whole_number
from . import jsonfast

__all__ = [
    "PING_TEXT",
    "PONG_TEXT",
    "PRESENCE_SUBSCRIPTIONS",
    "ProtocolError",
    "LocalProtocolError",
    "RemoteProtocolError",
    "AuthRequest",
    "AuthReply",
    "Ping",
    "Pong",
    "MessageFrame",
    "TypingFrame",
    "ReceiptFrame",
    "PresenceFrame",
    "TransientFrame",
    "ErrorFrame",
    "UnknownFrame",
    "Frame",
    "encode",
    "decode",
    "decode_event",
    "MessageObject",
    "Inbound",
    "loads",
    "json_depth",
    "has_lone_surrogate",
    "Success",
    "Failure",
    "success",
    "failure",
    "parse_envelope",
    "MessageRequest",
    "build_message_request",
    "parse_message_request",
    "MAX_ID",
    "parse_id",
    "build_message_object",
    "action_message_object",
    "conversation_id",
]

#: The keep-alive frame, exactly as the official SDK sends it (``ack`` is a string).
PING_TEXT = '{"action":"ping","ack":"true"}'
#: The server's answer to a ping.
PONG_TEXT = '{"action":"pong"}'

PRESENCE_SUBSCRIPTIONS = ("ALL_USERS", "ROLES", "FRIENDS")
RECEIVER_TYPES = ("user", "group")
TYPING_ACTIONS = ("started", "ended")
RECEIPT_ACTIONS = ("delivered", "read", "deliveredToAll", "readByAll")
PRESENCE_ACTIONS = ("online", "available", "offline")
REACTION_ACTIONS = ("message_reaction_added", "message_reaction_removed")
MEDIA_TYPES = ("image", "video", "audio", "file")
#: a mention in a text or caption: ``<@uid:UID>``
MENTION = re.compile(r"<@uid:([A-Za-z0-9_-]+)>")


# --------------------------------------------------------------------------- frames


@attrs.frozen(kw_only=True)
class AuthRequest:
    """The client's first frame: the JWT and how it wants presence delivered."""

    app_id: str
    sender: str
    device_id: str
    jwt: str = attrs.field(repr=False)
    presence_subscription: str | None = None
    roles: tuple[str, ...] = ()
    params: dict[str, Any] = attrs.field(factory=dict, hash=False)


@attrs.frozen(kw_only=True)
class AuthReply:
    """The server's answer to ``AuthRequest``; ``ok`` only for the exact strings OK / 200."""

    status: str
    code: str
    settings_hash: str | None = None
    error_code: str | None = None
    message: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "OK" and self.code == "200"


@attrs.frozen
class Ping:
    """The keep-alive request (``PING_TEXT``)."""


@attrs.frozen
class Pong:
    """The keep-alive answer (``PONG_TEXT``)."""


@attrs.frozen(kw_only=True)
class MessageFrame:
    """A new message; ``body`` is the full message object (see ``build_message_object``)."""

    app_id: str | None
    receiver: str | None
    receiver_type: str | None
    device_id: str | None
    sender: str | None
    body: dict[str, Any] = attrs.field(hash=False)


@attrs.frozen(kw_only=True)
class TypingFrame:
    app_id: str | None
    receiver: str
    receiver_type: str
    device_id: str | None
    sender: str | None
    action: str
    user: dict[str, Any] = attrs.field(hash=False)
    metadata: dict[str, Any] | None = attrs.field(default=None, hash=False)


@attrs.frozen(kw_only=True)
class ReceiptFrame:
    """A delivered/read receipt; ``timestamp`` is added by the server when it relays."""

    app_id: str | None
    receiver: str
    receiver_type: str
    device_id: str | None
    sender: str | None
    message_sender: str | None
    action: str
    message_id: str
    user: dict[str, Any] = attrs.field(hash=False)
    timestamp: int | None = None


@attrs.frozen(kw_only=True)
class PresenceFrame:
    app_id: str | None
    device_id: str | None
    sender: str | None
    action: str
    user: dict[str, Any] = attrs.field(hash=False)
    timestamp: int | None = None


@attrs.frozen(kw_only=True)
class TransientFrame:
    app_id: str | None
    receiver: str
    receiver_type: str
    device_id: str | None
    sender: str | None
    user: dict[str, Any] = attrs.field(hash=False)
    data: dict[str, Any] | None = attrs.field(default=None, hash=False)


@attrs.frozen(kw_only=True)
class ReactionFrame:
    """A reaction added to or removed from a message; ``reaction`` is the reaction object
    (``id``, ``messageId``, ``uid``, ``reaction``, ``reactedBy``, ``reactedAt``,
    ``conversationId``, ``parentId``)."""

    app_id: str | None
    receiver: str
    receiver_type: str
    device_id: str | None
    sender: str | None
    action: str
    reaction: dict[str, Any] = attrs.field(hash=False)


@attrs.frozen(kw_only=True)
class ErrorFrame:
    """The server's complaint about a frame it could not use; the session survives it."""

    code: str
    message: str


@attrs.frozen(kw_only=True)
class UnknownFrame:
    """A well-formed frame of a type this module does not know; receivers log and skip it."""

    type: str
    raw: dict[str, Any] = attrs.field(hash=False)


Frame = Union[
    AuthRequest,
    AuthReply,
    Ping,
    Pong,
    MessageFrame,
    TypingFrame,
    ReceiptFrame,
    PresenceFrame,
    TransientFrame,
    ReactionFrame,
    ErrorFrame,
    UnknownFrame,
]

#: a message frame as ``decode_event`` gives it: the frame's JSON object, its envelope checked
#: (``deviceId`` and the rest strings or null, ``body`` an object)
MessageObject = dict[str, Any]
#: what a client's reader hands on: a frame, or a message frame as its JSON object
Inbound = Union[Frame, MessageObject]


# --------------------------------------------------------------------------- ids



def parse_id(value: Any) -> int | None:
    """A message id as the wire carries it (a number, or its ASCII digits as a string) from 0 to
    ``MAX_ID``; None for anything else (a bool, a negative or larger number, ``"\u00b2"``, 5,000
    digits)."""
    if isinstance(value, bool):
        return None
    number = value if isinstance(value, int) else whole_number(value)
    return number if number is not None and 0 <= number <= MAX_ID else None


# --------------------------------------------------------------------------- strict JSON

#: a surrogate written as an escape (``\ud800``): where a lone one may hide in JSON text
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF][0-9a-fA-F]{2}")
_SURROGATE = re.compile("[\ud800-\udfff]")


def has_lone_surrogate(text: str) -> bool:
    """Whether ``text`` holds a surrogate code point (which UTF-8 cannot carry)."""
    return _SURROGATE.search(text) is not None


def _refuse_constant(name: str) -> Any:
    raise RemoteProtocolError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise RemoteProtocolError(f"{text[:40]} is too large for a number")
    return value


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite_float)


def json_depth(obj: Any) -> int:
    """How deeply arrays and objects nest in ``obj`` (a scalar is 0), without recursion."""
    deepest = 0
    pending = [(obj, 1)]
    while pending:
        value, depth = pending.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else None
        if children is None:
            continue
        deepest = max(deepest, depth)
        pending.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return deepest


def loads(text: str | bytes, *, max_depth: int | None = None) -> Any:
    """Parse JSON text strictly: what any strict parser (the JS SDK's included) accepts.

    Refused, as ``RemoteProtocolError``: text that is not JSON or not UTF-8; ``NaN`` and
    ``Infinity``; numbers too large for a float (``1e400``); strings holding a lone surrogate
    (``"\\ud800"``, which UTF-8 cannot carry); nesting deeper than ``max_depth`` (when given) or
    than the interpreter can parse. Integers keep every digit (up to the interpreter's 4,300: a
    longer one is refused).

    msgspec (``jsonfast``, the ``fast`` extra) keeps all of that by itself; without it the
    standard library does, with the checks ``_strict_stdlib_loads`` adds. What msgspec refuses
    goes to the standard library, which decides (and explains) every refusal.
    """
    if jsonfast.loads is not None:
        try:
            obj = jsonfast.loads(text)
        except (ValueError, RecursionError):
            # the standard library decides every refusal, so a text is accepted or refused (and
            # the fault named) the same with or without the fast parser: msgspec calls a lone
            # surrogate "truncated input", and refuses a few numbers json reads exactly
            obj = _strict_stdlib_loads(text)
    else:
        obj = _strict_stdlib_loads(text)
    if max_depth is not None and _brackets(text) > max_depth and json_depth(obj) > max_depth:
        raise RemoteProtocolError(f"JSON nested deeper than {max_depth} levels")
    return obj


def _brackets(text: str | bytes) -> int:
    """How many ``[`` and ``{`` the text holds: at least its depth, found at C speed, so the
    depth itself is measured only for text that could be too deep."""
    if isinstance(text, str):
        return text.count("[") + text.count("{")
    return text.count(b"[") + text.count(b"{")


def _strict_stdlib_loads(text: str | bytes) -> Any:
    # bytes are decoded strictly (json.loads would let encoded surrogates through), so only a str
    # from the caller can hold a raw surrogate; an escaped one is looked for only where "\u" occurs
    suspect = False
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RemoteProtocolError(f"not UTF-8: {exc.reason}") from None
    else:
        suspect = has_lone_surrogate(text)
    try:
        obj = _DECODER.decode(text)
    except RemoteProtocolError:
        raise
    except RecursionError:
        raise RemoteProtocolError("JSON nested too deeply") from None
    except ValueError as exc:
        raise RemoteProtocolError(f"not JSON: {exc}") from None
    if suspect or ("\\u" in text and _SURROGATE_ESCAPE.search(text) is not None):
        _check_unicode(obj)
    return obj


def _check_unicode(obj: Any) -> None:
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise RemoteProtocolError("a string holds a lone surrogate (not valid Unicode)") from None
    except (RecursionError, ValueError):
        raise RemoteProtocolError("JSON nested too deeply") from None


# --------------------------------------------------------------------------- decoding


def decode(text: str | bytes, *, max_depth: int | None = None) -> Frame:
    """Parse one text frame from the peer (strictly, as ``loads``).

    Raises:
        RemoteProtocolError: the text is not strict JSON, or a required field is missing or
            has the wrong type.
    """
    return _frame_from(_parse(text, max_depth))


def decode_event(text: str | bytes) -> Inbound:
    """``decode`` for a client's socket reader: the same checks, the same frames, except that a
    message frame comes back as its JSON object (a ``MessageObject``), not a ``MessageFrame``.
    A client needs only its ``deviceId`` and ``body``, and a message frame is most of what
    arrives: an object fewer to build for each. Its envelope is checked as ``decode`` checks
    it; one that fails the check is decoded (and refused, naming the field) by ``decode``.

    Raises:
        RemoteProtocolError: as ``decode``.
    """
    obj = _parse(text, None)
    if type(obj) is dict and obj.get("type") == "message" and obj.get("action") not in _KEEPALIVE_ACTIONS \
            and _plain_message(obj):
        return obj
    return _frame_from(obj)


def _parse(text: str | bytes, max_depth: int | None) -> Any:
    try:
        return loads(text, max_depth=max_depth)
    except RemoteProtocolError as exc:
        raise RemoteProtocolError(f"frame refused: {exc.message}") from None


def _frame_from(obj: Any) -> Frame:
    if not isinstance(obj, dict):
        raise RemoteProtocolError("frame is not a JSON object")
    action = obj.get("action")
    if action == "pong":
        return Pong()
    if action == "ping":
        return Ping()
    kind = obj.get("type")
    if not isinstance(kind, str):
        raise RemoteProtocolError("frame has no type", field="type")
    parse = _PARSERS.get(kind)
    if parse is None:
        return UnknownFrame(type=kind, raw=obj)
    return parse(obj)


_TEXT_OR_NONE = frozenset((str, type(None)))


def _opt_str(obj: dict[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    raise RemoteProtocolError(f"{key} must be a string", field=key)


def _req_str(obj: dict[str, Any], key: str, where: str = "") -> str:
    value = obj.get(key)
    if isinstance(value, str) and value:
        return value
    raise RemoteProtocolError(f"{key} must be a non-empty string", field=where + key)


def _opt_dict(obj: dict[str, Any], key: str, where: str = "") -> dict[str, Any] | None:
    value = obj.get(key)
    if value is None or isinstance(value, dict):
        return value
    raise RemoteProtocolError(f"{key} must be an object", field=where + key)


def _req_dict(obj: dict[str, Any], key: str, where: str = "") -> dict[str, Any]:
    value = obj.get(key)
    if isinstance(value, dict):
        return value
    raise RemoteProtocolError(f"{key} must be an object", field=where + key)


def _choice(obj: dict[str, Any], key: str, allowed: tuple[str, ...], where: str = "") -> str:
    value = obj.get(key)
    if value in allowed:
        return value  # type: ignore[return-value]
    raise RemoteProtocolError(f"{key} must be one of {', '.join(allowed)}", field=where + key)


def _opt_int(obj: dict[str, Any], key: str, where: str = "") -> int | None:
    value = obj.get(key)
    if value is None:
        return None
    if isinstance(value, bool):
        raise RemoteProtocolError(f"{key} must be a number", field=where + key)
    if isinstance(value, (int, float)):
        return int(value)
    number = whole_number(value)
    if number is not None:
        return number
    raise RemoteProtocolError(f"{key} must be a number", field=where + key)


def _auth_from(obj: dict[str, Any]) -> AuthRequest | AuthReply:
    body = _req_dict(obj, "body")
    if "auth" not in body:
        return AuthReply(
            status=_req_str(body, "status", "body."),
            code=_req_str(body, "code", "body."),
            settings_hash=_opt_str(body, "settingsHash"),
            error_code=_opt_str(body, "errorCode"),
            message=_opt_str(body, "message"),
        )
    subscription = body.get("presenceSubscription")
    if subscription is not None and subscription not in PRESENCE_SUBSCRIPTIONS:
        raise RemoteProtocolError(
            "presenceSubscription must be ALL_USERS, ROLES or FRIENDS",
            field="body.presenceSubscription",
        )
    roles = body.get("roles") or []
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise RemoteProtocolError("roles must be a list of strings", field="body.roles")
    return AuthRequest(
        app_id=_req_str(obj, "appId"),
        sender=_req_str(obj, "sender"),
        device_id=_req_str(obj, "deviceId"),
        jwt=_req_str(body, "auth", "body."),
        presence_subscription=subscription,
        roles=tuple(roles),
        params=_opt_dict(body, "params", "body.") or {},
    )


def _head(obj: dict[str, Any], *, addressed: bool = True) -> dict[str, Any]:
    """The envelope every event frame shares: who sent it, from which session, to whom."""
    head = {"app_id": _opt_str(obj, "appId"), "device_id": _opt_str(obj, "deviceId"), "sender": _opt_str(obj, "sender")}
    if addressed:
        head["receiver"] = _req_str(obj, "receiver")
        head["receiver_type"] = _choice(obj, "receiverType", RECEIVER_TYPES)
    return head


_KEEPALIVE_ACTIONS = ("ping", "pong")


def _plain_message(obj: dict[str, Any]) -> bool:
    """Whether a message frame's envelope is what the protocol says (a ``body`` object, the
    rest strings or null), checked at once: the hot path of every inbound message. The
    field-by-field checks, which name the field at fault, run only when this fails."""
    get = obj.get
    return type(get("body")) is dict and {type(get("appId")), type(get("deviceId")), type(get("sender")),
                                          type(get("receiver")), type(get("receiverType"))} <= _TEXT_OR_NONE


def _message_from(obj: dict[str, Any]) -> MessageFrame:
    get = obj.get
    if _plain_message(obj):
        return MessageFrame(app_id=get("appId"), receiver=get("receiver"), receiver_type=get("receiverType"),
                            device_id=get("deviceId"), sender=get("sender"), body=obj["body"])
    head = _head(obj, addressed=False)
    return MessageFrame(receiver=_opt_str(obj, "receiver"), receiver_type=_opt_str(obj, "receiverType"),
                        body=_req_dict(obj, "body"), **head)


def _typing_from(obj: dict[str, Any]) -> TypingFrame:
    body = _req_dict(obj, "body")
    return TypingFrame(
        action=_choice(body, "action", TYPING_ACTIONS, "body."),
        user=_req_dict(body, "user", "body."),
        metadata=_opt_dict(body, "metadata", "body."),
        **_head(obj),
    )


def _receipt_from(obj: dict[str, Any]) -> ReceiptFrame:
    body = _req_dict(obj, "body")
    message_id = body.get("messageId")
    if not parse_id(message_id):
        raise RemoteProtocolError("messageId must be a message id (a whole number from 1 to 2**63 - 1, or its"
                                  " digits as a string)", field="body.messageId")
    return ReceiptFrame(
        message_sender=_opt_str(obj, "messageSender"),
        action=_choice(body, "action", RECEIPT_ACTIONS, "body."),
        message_id=str(message_id),
        user=_req_dict(body, "user", "body."),
        timestamp=_opt_int(body, "timestamp", "body."),
        **_head(obj),
    )


def _presence_from(obj: dict[str, Any]) -> PresenceFrame:
    body = _req_dict(obj, "body")
    return PresenceFrame(
        action=_choice(body, "action", PRESENCE_ACTIONS, "body."),
        user=_req_dict(body, "user", "body."),
        timestamp=_opt_int(body, "timestamp", "body."),
        **_head(obj, addressed=False),
    )


def _transient_from(obj: dict[str, Any]) -> TransientFrame:
    body = _req_dict(obj, "body")
    return TransientFrame(
        user=_req_dict(body, "user", "body."),
        data=_opt_dict(body, "data", "body."),
        **_head(obj),
    )


def _reaction_from(obj: dict[str, Any]) -> ReactionFrame:
    body = dict(_req_dict(obj, "body"))
    action = _choice(body, "action", REACTION_ACTIONS, "body.")
    _req_str(body, "reaction", "body.")
    message_id = body.get("messageId")
    if isinstance(message_id, bool) or not isinstance(message_id, (str, int)) or message_id == "":
        raise RemoteProtocolError("messageId must be a string or a number", field="body.messageId")
    del body["action"]
    return ReactionFrame(action=action, reaction=body, **_head(obj))


def _error_from(obj: dict[str, Any]) -> ErrorFrame:
    body = _req_dict(obj, "body")
    return ErrorFrame(code=_req_str(body, "code", "body."), message=str(body.get("message", "")))


_PARSERS: dict[str, Callable[[dict[str, Any]], Frame]] = {
    "auth": _auth_from,
    "message": _message_from,
    "typing_indicator": _typing_from,
    "receipts": _receipt_from,
    "presence": _presence_from,
    "transient_message": _transient_from,
    "reaction": _reaction_from,
    "error": _error_from,
}


# --------------------------------------------------------------------------- encoding


def encode(frame: Frame) -> str:
    """Serialise one frame to the text sent on the socket.

    Raises:
        LocalProtocolError: the frame would break the protocol (an unknown action, a
            presence subscription the server does not know, ...).
    """
    if isinstance(frame, Ping):
        return PING_TEXT
    if isinstance(frame, Pong):
        return PONG_TEXT
    to_wire = _BUILDERS.get(type(frame))
    if to_wire is None:
        raise LocalProtocolError(f"cannot encode {type(frame).__name__}")
    try:
        text = json.dumps(to_wire(frame), separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:  # no JSON type, NaN, a cycle, nesting too deep
        raise LocalProtocolError(f"the frame is not JSON: {exc}") from None
    if has_lone_surrogate(text):
        raise LocalProtocolError("a string holds a lone surrogate, which UTF-8 cannot carry")
    return text


def _check(condition: bool, message: str, field: str) -> None:
    if not condition:
        raise LocalProtocolError(message, field=field)


def _envelope(frame: Any, kind: str) -> dict[str, Any]:
    out: dict[str, Any] = {"appId": frame.app_id}
    receiver = getattr(frame, "receiver", None)
    if receiver is not None:
        out["receiver"] = receiver
        out["receiverType"] = frame.receiver_type
    out["deviceId"] = frame.device_id
    out["type"] = kind
    out["sender"] = frame.sender
    return out


def _auth_request_to(frame: AuthRequest) -> dict[str, Any]:
    _check(bool(frame.jwt), "an auth frame needs the JWT", "body.auth")
    subscription = frame.presence_subscription
    _check(
        subscription is None or subscription in PRESENCE_SUBSCRIPTIONS,
        "unknown presence subscription",
        "body.presenceSubscription",
    )
    body: dict[str, Any] = {"auth": frame.jwt, "deviceId": frame.device_id}
    if subscription is not None:
        body["presenceSubscription"] = subscription
    if subscription == "ROLES" and frame.roles:
        body["roles"] = list(frame.roles)
    body["params"] = frame.params
    return {
        "appId": frame.app_id,
        "deviceId": frame.device_id,
        "type": "auth",
        "sender": frame.sender,
        "body": body,
    }


def _auth_reply_to(frame: AuthReply) -> dict[str, Any]:
    body: dict[str, Any] = {"status": frame.status, "code": frame.code}
    if frame.settings_hash is not None:
        body["settingsHash"] = frame.settings_hash
    if frame.error_code is not None:
        body["errorCode"] = frame.error_code
    if frame.message is not None:
        body["message"] = frame.message
    return {"type": "auth", "body": body}


def _message_to(frame: MessageFrame) -> dict[str, Any]:
    out = _envelope(frame, "message")
    out["body"] = frame.body
    return out


def _typing_to(frame: TypingFrame) -> dict[str, Any]:
    _check(frame.action in TYPING_ACTIONS, "typing action must be started or ended", "body.action")
    _check(frame.receiver_type in RECEIVER_TYPES, "receiverType must be user or group", "receiverType")
    out = _envelope(frame, "typing_indicator")
    body: dict[str, Any] = {"action": frame.action, "user": frame.user}
    if frame.metadata is not None:
        body["metadata"] = frame.metadata
    out["body"] = body
    return out


def _receipt_to(frame: ReceiptFrame) -> dict[str, Any]:
    _check(frame.action in RECEIPT_ACTIONS, "unknown receipt action", "body.action")
    _check(frame.receiver_type in RECEIVER_TYPES, "receiverType must be user or group", "receiverType")
    out = _envelope(frame, "receipts")
    if frame.message_sender is not None:
        out["messageSender"] = frame.message_sender
    body: dict[str, Any] = {"action": frame.action, "messageId": frame.message_id, "user": frame.user}
    if frame.timestamp is not None:
        body["timestamp"] = frame.timestamp
    out["body"] = body
    return out


def _presence_to(frame: PresenceFrame) -> dict[str, Any]:
    _check(frame.action in PRESENCE_ACTIONS, "unknown presence action", "body.action")
    body: dict[str, Any] = {"action": frame.action, "user": frame.user}
    if frame.timestamp is not None:
        body["timestamp"] = frame.timestamp
    return {
        "appId": frame.app_id,
        "deviceId": frame.device_id,
        "sender": frame.sender,
        "type": "presence",
        "body": body,
    }


def _transient_to(frame: TransientFrame) -> dict[str, Any]:
    _check(frame.receiver_type in RECEIVER_TYPES, "receiverType must be user or group", "receiverType")
    out = _envelope(frame, "transient_message")
    body: dict[str, Any] = {"user": frame.user}
    if frame.data is not None:
        body["data"] = frame.data
    out["body"] = body
    return out


def _reaction_to(frame: ReactionFrame) -> dict[str, Any]:
    _check(frame.action in REACTION_ACTIONS, "unknown reaction action", "body.action")
    out = _envelope(frame, "reaction")
    out["body"] = {"action": frame.action, **frame.reaction}
    return out


def _error_to(frame: ErrorFrame) -> dict[str, Any]:
    return {"type": "error", "body": {"code": frame.code, "message": frame.message}}


def _unknown_to(frame: UnknownFrame) -> dict[str, Any]:
    return frame.raw


_BUILDERS: dict[type, Callable[[Any], dict[str, Any]]] = {
    AuthRequest: _auth_request_to,
    AuthReply: _auth_reply_to,
    MessageFrame: _message_to,
    TypingFrame: _typing_to,
    ReceiptFrame: _receipt_to,
    PresenceFrame: _presence_to,
    TransientFrame: _transient_to,
    ReactionFrame: _reaction_to,
    ErrorFrame: _error_to,
    UnknownFrame: _unknown_to,
}


# --------------------------------------------------------------------------- REST envelope


@attrs.frozen
class Success:
    """``{"data": ..., "meta": ...}``"""

    data: Any
    meta: dict[str, Any] | None = None


@attrs.frozen
class Failure:
    """``{"error": {"code", "message", "details"}}``"""

    code: str
    message: str
    details: dict[str, Any] | None = None


def success(data: Any, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"data": data}
    if meta is not None:
        body["meta"] = meta
    return body


def failure(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return {"error": error}


def parse_envelope(obj: Any) -> Success | Failure:
    """Read a REST answer: ``data`` means success, ``error`` means failure (as the JS SDK).

    Raises:
        RemoteProtocolError: neither key is there, or ``error`` lacks its code.
    """
    if not isinstance(obj, dict):
        raise RemoteProtocolError("answer is not a JSON object")
    if "data" in obj:
        meta = obj.get("meta")
        return Success(obj["data"], meta if isinstance(meta, dict) else None)
    error = obj.get("error")
    if not isinstance(error, dict):
        raise RemoteProtocolError("answer has neither data nor error", field="error")
    code = error.get("code")
    if not isinstance(code, (str, int)) or code == "":
        raise RemoteProtocolError("error has no code", field="error.code")
    details = error.get("details")
    return Failure(
        code=str(code),
        message=str(error.get("message") or error.get("name") or ""),
        details=details if isinstance(details, dict) and details else None,
    )


# --------------------------------------------------------------------------- messages


@attrs.frozen(kw_only=True)
class MessageRequest:
    """The body of ``POST messages`` (or ``POST messages/{parent}/thread``): a text, media or
    custom message to one receiver. ``data`` is the ``data`` object as the client sent it (the
    server stores it as sent, adding only the entities and mentions). A media message's
    ``attachments`` are ``{name, extension, mimeType, size, url}`` and its ``text`` the caption."""

    receiver: str
    receiver_type: str
    category: str
    type: str
    text: str | None = None
    custom_data: dict[str, Any] | None = attrs.field(default=None, hash=False)
    sub_type: str | None = None
    metadata: dict[str, Any] | None = attrs.field(default=None, hash=False)
    tags: tuple[str, ...] = ()
    muid: str | None = None
    parent_id: int = 0
    quoted_id: int = 0
    conversation_text: str | None = None
    update_conversation: bool | None = None
    send_notification: bool | None = None
    attachments: tuple[dict[str, Any], ...] = attrs.field(default=(), hash=False, eq=False)
    data: dict[str, Any] = attrs.field(factory=dict, hash=False, eq=False)


def build_message_request(req: MessageRequest) -> dict[str, Any]:
    """The JSON the official SDK posts (wire reference section 2.10): the message object with
    unset fields left out and the receiver last. A custom message's ``subType`` goes both at
    the top level and in ``data`` (the official SDKs read it from ``data``)."""
    _check(bool(req.receiver), "a message needs a receiver", "receiver")
    _check(req.receiver_type in RECEIVER_TYPES, "receiverType must be user or group", "receiverType")
    out: dict[str, Any] = {"type": req.type, "receiverType": req.receiver_type, "category": req.category}
    data: dict[str, Any] = {}
    if req.category == "message" and req.type == "text":
        _check(bool(req.text and req.text.strip()), "text must not be blank", "text")
        data["text"] = out["text"] = req.text
    elif req.category == "message" and req.type in MEDIA_TYPES:
        _check(bool(req.attachments), "a media message sent as JSON needs its attachments", "attachments")
        if req.text:
            data["text"] = req.text
        data["attachments"] = [dict(a) for a in req.attachments]
    elif req.category == "custom":
        _check(isinstance(req.custom_data, dict), "customData must be an object", "customData")
        data["customData"] = out["customData"] = req.custom_data
        if req.sub_type is not None:
            data["subType"] = out["subType"] = req.sub_type
        _custom_extras(req, out)
    else:
        raise LocalProtocolError("only text, media and custom messages can be built", field="category")
    if req.metadata is not None:
        data["metadata"] = out["metadata"] = req.metadata
    out["data"] = data
    if req.tags:
        out["tags"] = list(req.tags)
    if req.muid is not None:
        out["muid"] = req.muid
    if req.parent_id:
        out["parentMessageId"] = req.parent_id
    if req.quoted_id:
        out["quotedMessageId"] = req.quoted_id
    out["receiver"] = req.receiver
    return out


def _custom_extras(req: MessageRequest, out: dict[str, Any]) -> None:
    if req.conversation_text is not None:
        out["conversationText"] = req.conversation_text
    if req.update_conversation is not None:
        out["updateConversation"] = req.update_conversation
    if req.send_notification is not None:
        out["sendNotification"] = req.send_notification


def _opt_id(obj: dict[str, Any], key: str) -> int:
    """An optional message id (0 when absent or null)."""
    value = obj.get(key, 0)
    if value is None:
        return 0
    number = parse_id(value)
    if number is None:
        raise RemoteProtocolError(f"{key} must be a message id (a whole number below 2**63)", field=key)
    return number


def _opt_bool(obj: dict[str, Any], key: str) -> bool | None:
    value = obj.get(key)
    if value is None or isinstance(value, bool):
        return value
    raise RemoteProtocolError(f"{key} must be true or false", field=key)


def parse_message_request(obj: Any) -> MessageRequest:
    """Validate a ``POST messages`` body (the server side of ``build_message_request``)."""
    if not isinstance(obj, dict):
        raise RemoteProtocolError("body is not a JSON object")
    category = _choice(obj, "category", ("message", "custom"))
    kind = _req_str(obj, "type")
    data = dict(_opt_dict(obj, "data") or {})
    data.pop("entities", None)  # who sent it, and whom it mentions, are the server's to say
    data.pop("mentions", None)
    metadata = _opt_dict(obj, "metadata") or _opt_dict(data, "metadata", "data.")
    if metadata is not None:
        data["metadata"] = metadata
    tags = obj.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise RemoteProtocolError("tags must be a list of strings", field="tags")
    common = dict(
        receiver=_req_str(obj, "receiver"), receiver_type=_choice(obj, "receiverType", RECEIVER_TYPES),
        category=category, type=kind, metadata=metadata, tags=tuple(tags), muid=_opt_str(obj, "muid"),
        parent_id=_opt_id(obj, "parentMessageId"), quoted_id=_opt_id(obj, "quotedMessageId"), data=data,
    )
    if category == "message" and kind in MEDIA_TYPES:
        return _media_request(obj, data, common)
    if category == "message":
        if kind != "text":
            raise RemoteProtocolError("a message's type must be text, image, video, audio or file", field="type")
        text = obj.get("text", data.get("text"))
        if not isinstance(text, str) or not text.strip():
            raise RemoteProtocolError("text must be a non-blank string", field="text")
        data["text"] = text
        return MessageRequest(text=text, **common)  # type: ignore[arg-type]
    custom = obj.get("customData", data.get("customData"))
    if not isinstance(custom, dict):
        raise RemoteProtocolError("customData must be an object", field="customData")
    data["customData"] = custom
    return MessageRequest(
        custom_data=custom, sub_type=_opt_str(obj, "subType"), conversation_text=_opt_str(obj, "conversationText"),
        update_conversation=_opt_bool(obj, "updateConversation"), send_notification=_opt_bool(obj, "sendNotification"),
        **common,  # type: ignore[arg-type]
    )


def _media_request(obj: dict[str, Any], data: dict[str, Any], common: dict[str, Any]) -> MessageRequest:
    """A media message whose files are hosted already (``data.attachments``); the caption is
    ``data.text`` (or a top-level ``caption``)."""
    attachments = data.get("attachments")
    if not isinstance(attachments, list) or not attachments:
        raise RemoteProtocolError("a media message needs data.attachments", field="data.attachments")
    checked = tuple(attachment_from(a, f"data.attachments[{n}]") for n, a in enumerate(attachments))
    caption = obj.get("caption", data.get("text"))
    if caption is not None and not isinstance(caption, str):
        raise RemoteProtocolError("caption must be a string", field="caption")
    data["attachments"] = [dict(a) for a in checked]
    data["url"] = checked[0]["url"]
    if caption:
        data["text"] = caption
    return MessageRequest(text=caption or None, attachments=checked, **common)


def attachment_from(obj: Any, where: str = "attachment") -> dict[str, Any]:
    """One attachment, checked: an http(s) ``url`` and a ``name``, ``size`` a number of bytes."""
    if not isinstance(obj, dict):
        raise RemoteProtocolError("an attachment must be an object", field=where)
    for key in ("url", "name"):
        if not isinstance(obj.get(key), str) or not obj[key]:
            raise RemoteProtocolError(f"an attachment needs a {key}", field=f"{where}.{key}")
    if not obj["url"].startswith(("https://", "http://")):
        raise RemoteProtocolError("an attachment's url must be http or https", field=f"{where}.url")
    size = obj.get("size", 0)
    if isinstance(size, bool) or not isinstance(size, (int, float)) or size < 0:
        raise RemoteProtocolError("size must be a number of bytes", field=f"{where}.size")
    out = {"name": obj["name"], "extension": str(obj.get("extension") or ""),
           "mimeType": str(obj.get("mimeType") or "application/octet-stream"), "size": size, "url": obj["url"]}
    return out


def conversation_id(uid_a: str, uid_b: str) -> str:
    """The local server's id for a one-to-one conversation: both uids, sorted."""
    first, second = sorted((uid_a, uid_b))
    return f"{first}_user_{second}"


def build_message_object(
    *,
    message_id: int,
    sender: dict[str, Any],
    receiver: dict[str, Any],
    request: MessageRequest,
    sent_at: int,
    conversation: str,
) -> dict[str, Any]:
    """The full message object the server stores, returns and pushes (reference 4.1).

    ``data`` is what the client sent, plus ``data.entities`` (the sender and receiver
    objects), without which the official SDK's message has no sender.
    """
    data = dict(request.data)
    data["entities"] = {
        "sender": {"entity": sender, "entityType": "user"},
        "receiver": {"entity": receiver, "entityType": request.receiver_type},
    }
    receiver_id = receiver["uid"] if request.receiver_type == "user" else receiver["guid"]
    body: dict[str, Any] = {
        "id": str(message_id),
        "conversationId": conversation,
        "sender": sender["uid"],
        "receiver": receiver_id,
        "receiverType": request.receiver_type,
        "type": request.type,
        "category": request.category,
        "sentAt": sent_at,
        "updatedAt": sent_at,
        "data": data,
    }
    for key, value in (("subType", request.sub_type), ("metadata", request.metadata),
                       ("conversationText", request.conversation_text),
                       ("updateConversation", request.update_conversation),
                       ("sendNotification", request.send_notification), ("muid", request.muid)):
        if value is not None:
            body[key] = value
    if request.tags:
        body["tags"] = list(request.tags)
    if request.parent_id:
        body["parentId"] = request.parent_id
    if request.quoted_id:
        body["quotedMessageId"] = request.quoted_id
    return body


def action_message_object(
    *,
    message_id: int,
    conversation: str,
    action: str,
    by: dict[str, Any],
    on: tuple[dict[str, Any], str],
    for_: tuple[dict[str, Any], str],
    receiver: str,
    receiver_type: str,
    sent_at: int,
    extras: dict[str, Any] | None = None,
    kind: str = "message",
) -> dict[str, Any]:
    """An action message (wire reference 4.6): ``by`` did ``action`` to ``on`` in ``for_``."""
    data: dict[str, Any] = {
        "action": action,
        "entities": {
            "by": {"entity": by, "entityType": "user"},
            "on": {"entity": on[0], "entityType": on[1]},
            "for": {"entity": for_[0], "entityType": for_[1]},
        },
    }
    if extras:
        data["extras"] = extras
    return {
        "id": str(message_id),
        "conversationId": conversation,
        "sender": by["uid"],
        "receiver": receiver,
        "receiverType": receiver_type,
        "type": kind,
        "category": "action",
        "sentAt": sent_at,
        "updatedAt": sent_at,
        "data": data,
    }
