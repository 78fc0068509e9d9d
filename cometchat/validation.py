"""The client-side checks, made before any request: each returns the error, or None.

They follow the official SDKs (iOS first, then JS) in what they check, in which order, and
with which code and text.
"""

from __future__ import annotations

import json
import re
from typing import Any

from . import exceptions as errors
from .exceptions import CometChatException
from .exceptions import invalid_parameter
from .models import BaseMessage, CustomMessage, Group, GroupType, ReceiverType, TextMessage, User
from .numbers import whole_number
from .settings import AppSettings
from .transport.protocol import has_lone_surrogate

_APP_ID = re.compile(r"^[A-Za-z0-9._-]+\Z")
_UID = re.compile(r"^[A-Za-z0-9_-]+\Z")
#: what an HTTP header value carries for certain: visible ASCII (keys and tokens are such)
_HEADER_TEXT = re.compile(r"^[\x21-\x7e]*\Z")


def _fail(code: str, description: str, details: dict[str, Any] | None = None) -> CometChatException:
    return CometChatException(code, description, details)


def payload_error(**fields: Any) -> CometChatException | None:
    """``ERROR_INVALID_PAYLOAD`` for the first field that JSON and UTF-8 cannot carry (``NaN``
    or an infinity, a lone surrogate, a value of no JSON type, a cycle), before anything is sent:
    requests would fail it as a network error, or send it escaped for the server to refuse."""
    for name, value in fields.items():
        try:
            json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
        except (TypeError, ValueError, RecursionError) as exc:  # (UnicodeEncodeError is a ValueError)
            return _fail(errors.ERROR_INVALID_PAYLOAD, f"Cannot send this {name}: JSON cannot carry it ({exc}).",
                         {"field": name})
    return None


def tags_metadata_error(tags: Any, metadata: Any, metadata_name: str = "metadata") -> CometChatException | None:
    """Tags are a list of strings and metadata a dict (or None), on a message, user or group:
    a string given as tags would go out one letter per tag."""
    if tags is not None and (not isinstance(tags, (list, tuple)) or not all(isinstance(tag, str) for tag in tags)):
        return _fail(errors.ERROR_INVALID_PAYLOAD, "tags must be a list of strings.",
                     {"field": "tags", "given": type(tags).__name__})
    if metadata is not None and not isinstance(metadata, dict):
        return _fail(errors.ERROR_INVALID_PAYLOAD, f"{metadata_name} must be a dictionary.",
                     {"field": metadata_name, "given": type(metadata).__name__})
    return None


def header_error(name: str, value: str) -> CometChatException | None:
    """A key or token goes in a header: outside visible ASCII, http.client cannot send it."""
    if not _HEADER_TEXT.match(value):
        return _fail(errors.ERROR_INVALID_PARAMETER, f"{name} holds characters an HTTP header cannot carry "
                     "(keys and tokens are visible ASCII).", {"parameter": name})
    return None


def text_error(name: str, value: str) -> CometChatException | None:
    """A text parameter with a lone surrogate (not valid Unicode: no request can carry it)."""
    if has_lone_surrogate(value):
        return _fail(errors.ERROR_INVALID_PARAMETER, f"{name} holds a lone surrogate, which is not valid Unicode.",
                     {"parameter": name})
    return None


def login_error(uid: Any, key: Any, token: Any) -> CometChatException | None:
    """The iOS client-side checks of login's arguments, in the iOS order."""
    if token is not None and uid is None:
        if not isinstance(token, str) or not token.strip():
            return _fail(errors.ERROR_BLANK_AUTHTOKEN, "Auth token cannot be empty. Please provide a valid auth token")
        if any(c.isspace() for c in token):
            return _fail(
                errors.ERROR_AUTHTOKEN_WITH_SPACE, "Auth token cannot contain spaces. Please provide a valid AuthToken"
            )
        return header_error("authToken", token)
    if not isinstance(uid, str) or not uid.strip():
        return _fail(errors.ERROR_INVALID_UID, "UID cannot be blank. Please provide a valid UID")
    if any(c.isspace() for c in uid):
        return _fail(errors.ERROR_UID_WITH_SPACE, "UID cannot contain spaces. Please provide a valid UID")
    if not _UID.match(uid):
        return _fail(errors.ERROR_INVALID_UID, "Please provide a valid UID")
    if not isinstance(key, str) or not key:
        return _fail(errors.ERROR_API_KEY_NOT_FOUND, "ApiKey cannot be null or empty. Please provide a valid Api Key")
    if any(c.isspace() for c in key):
        return _fail(errors.ERROR_API_WITH_SPACE, "ApiKey cannot contain spaces. Please provide a valid ApiKey!")
    return header_error("authKey", key)


def uid_error(uid: Any) -> CometChatException | None:
    """A uid given to a call: a non-blank string of letters, digits, ``_`` and ``-``."""
    if not isinstance(uid, str) or not _UID.match(uid):
        return _fail(errors.ERROR_INVALID_UID, "Please provide a valid UID", {"given": repr(uid)[:40]})
    return None


def guid_error(guid: Any) -> CometChatException | None:
    """A guid given to a group call: letters, digits, ``_`` and ``-`` (as the server allows)."""
    if not isinstance(guid, str) or not _UID.match(guid):
        return _fail(errors.ERROR_INVALID_GUID, "Please provide a valid GUID", {"given": repr(guid)[:40]})
    return None


def password_error(group_type: Any, password: Any) -> CometChatException | None:
    """A password group is created and joined with its password (the JS SDK's check)."""
    if password is not None and not isinstance(password, str):
        return invalid_parameter("password", "a string or None", password)
    if password and has_lone_surrogate(password):
        return text_error("password", password)
    if group_type is GroupType.password and not password:
        return _fail(errors.ERR_EMPTY_GROUP_PASS, "Password is mandatory to join a password protected group.")
    return None


def group_error(group: Any) -> CometChatException | None:
    """A group to create or update: its guid, and a body JSON can carry."""
    if not isinstance(group, Group):
        return invalid_parameter("group", "a Group", group)
    if group.name is not None and not isinstance(group.name, str):
        return invalid_parameter("name", "a string", group.name)
    return (password_error(None, group.password) or guid_error(group.guid)
            or tags_metadata_error(group.tags, group.metadata)
            or payload_error(metadata=group.metadata, group=group.toWire(request=True)))


def user_error(user: Any, *, check_uid: bool = True) -> CometChatException | None:
    """A user to create or update (``check_uid`` False for the logged-in user, whose uid is the
    server's): a body JSON can carry."""
    if not isinstance(user, User):
        return invalid_parameter("user", "a User", user)
    return ((uid_error(user.uid) if check_uid else None) or tags_metadata_error(user.tags, user.metadata)
            or payload_error(metadata=user.metadata, user=user.toWire(request=True)))


_RECEIVER_TYPES = frozenset(ReceiverType)


def receiver_error(receiver_id: Any, receiver_type: Any) -> CometChatException | None:
    if not isinstance(receiver_id, str) or not receiver_id.strip() or has_lone_surrogate(receiver_id):
        return _fail(errors.INVALID_RECEIVER_ID, "Invalid receiver id. Please provide a valid receiver id.")
    if not isinstance(receiver_type, str) or receiver_type not in _RECEIVER_TYPES:  # the enum or its value
        return _fail(errors.INVALID_RECEIVER_TYPE, "Receiver type can be `user` or `group`.")
    return None


def message_error(message: Any, kind: type[BaseMessage]) -> CometChatException | None:
    """The JS SDK's checks before a message is sent."""
    if not isinstance(message, kind):
        return _fail(errors.ERROR_INVALID_MESSAGE, f"message must be a {kind.__name__}.")
    error = receiver_error(message.receiverUid, message.receiverType)
    if error is not None:
        return error
    error = tags_metadata_error(message.tags, message.metaData, "metaData")
    if error is not None:
        return error
    if isinstance(message, TextMessage) and (not isinstance(message.text, str) or not message.text.strip()):
        return _fail(errors.INVALID_MESSAGE_TEXT, "Message text cannot be empty.")
    if isinstance(message, TextMessage) and has_lone_surrogate(message.text):
        return _fail(errors.INVALID_MESSAGE_TEXT, "Message text holds a lone surrogate, which is not valid Unicode.")
    if isinstance(message, CustomMessage):
        if not isinstance(message.customData, dict):
            return _fail(errors.INVALID_CUSTOM_DATA, "customData must be a dictionary.")
        if not isinstance(message.type, str) or not message.type.strip():
            return _fail(errors.INVALID_MESSAGE_TYPE, "A custom message needs a type.")
        return payload_error(tags=message.tags, metaData=message.metaData, customData=message.customData,
                             type=message.type, subType=message.subType, conversationText=message.conversationText)
    return payload_error(tags=message.tags, metaData=message.metaData)


def message_id_error(message_id: Any) -> CometChatException | None:
    if isinstance(message_id, bool) or not isinstance(message_id, int) or message_id <= 0:
        return _fail(errors.ERROR_INVALID_MESSAGEID, "Please provide a valid message id.")
    return None


def edit_error(message: Any) -> CometChatException | None:
    """An edit needs a stored message (with its id) of a kind that can be edited."""
    if not isinstance(message, (TextMessage, CustomMessage)):
        return _fail(errors.ERROR_INVALID_MESSAGE, "message must be the TextMessage or CustomMessage to edit.")
    return message_id_error(message.id) or message_error(message, type(message))


def receipt_error(message_id: Any, receiver_id: Any, receiver_type: Any, author: Any) -> CometChatException | None:
    if isinstance(message_id, bool) or not isinstance(message_id, int) or message_id <= 0:
        if not (whole_number(message_id) or 0) > 0:
            return _fail(errors.ERROR_INVALID_MESSAGEID, "Please provide a valid message id.")
    try:
        receiver_type = ReceiverType(receiver_type)
    except ValueError:
        pass
    error = receiver_error(receiver_id, receiver_type)
    if error is not None:
        return error
    if not isinstance(author, str) or not author:
        return _fail(errors.ERROR_INVALID_SENDER_ID, "Please provide the uid of the message's sender.")
    return None


def init_error(app_id: Any, settings: Any) -> CometChatException | None:
    if app_id is None or app_id == "":
        return _fail(errors.ERROR_EMPTY_APPID, "AppID cannot be empty. Please specify a valid appID")
    if not isinstance(app_id, str) or not _APP_ID.match(app_id):
        return _fail(errors.ERR_INVALID_APP_ID, "Invalid App ID")
    if not isinstance(settings, AppSettings):
        return _fail(
            errors.ERROR_INVALID_APP_SETTINGS,
            "appSettings must be built with AppSettings.AppSettingsBuilder().build()",
            {"given": type(settings).__name__},
        )
    if not settings.region:
        return _fail(
            errors.ERROR_REGION_MISSING,
            "Region not specified. Please specify the region in the AppSettingsBuilder class using the"
            " `setRegion()` method",
        )
    return None


MAX_REACTION = 64  #: characters in one reaction, as the dev server takes them


def reaction_error(reaction: Any) -> CometChatException | None:
    """A reaction travels as a path segment: an emoji or a short word, never ``.`` or ``..``
    (which a URL resolves away, reaching another endpoint) and never text UTF-8 cannot carry."""
    if (not isinstance(reaction, str) or not reaction.strip() or len(reaction) > MAX_REACTION
            or reaction.strip() in (".", "..") or has_lone_surrogate(reaction)):
        return invalid_parameter("reaction", f"an emoji (a non-blank string of at most {MAX_REACTION} characters)",
                                 reaction)
    return None
