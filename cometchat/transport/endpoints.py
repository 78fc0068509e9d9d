"""Every REST endpoint the SDK calls, one typed function each: the paths live in this file only.

Calls made as the logged-in user go through a ``UserApi`` (the session supplies one that adds
the auth token and notices a token the server forgot); the few made before there is a user
take the ``RestClient`` and the credential they need. Reading an answer's ``data`` is the one
place where a malformed answer becomes ``ERROR_JSON_EXCEPTION`` (``_reading``), so no caller
repeats that mapping.
"""

from __future__ import annotations

import contextlib
import copy
import logging
from typing import Any, Callable, Iterator, Protocol, Sequence, TypeVar
from urllib.parse import quote

import attrs

from .. import exceptions as errors
from ..exceptions import RemoteProtocolError
from ..models import (
    ActionMessage,
    BaseMessage,
    Conversation,
    Group,
    GroupMember,
    GroupMemberScopeType,
    MessageReceipt,
    Reaction,
    ReceiptType,
    ReceiverType,
    User,
)
from ..models.messages import mark_mentions
from ..models.wire import number as wire_number
from .protocol import Success, has_lone_surrogate
from .rest import RestClient

log = logging.getLogger("cometchat")
T = TypeVar("T")
Query = Sequence[tuple[str, Any]]

__all__ = [
    "UserApi",
    "Me",
    "Page",
    "query_string",
    "mint_auth_token",
    "register_device",
    "fetch_me",
    "log_out",
    "get_user",
    "list_users",
    "update_me",
    "create_user",
    "update_user",
    "block_users",
    "unblock_users",
    "list_blocked_users",
    "send_message",
    "list_messages",
    "unread_counts",
    "message_receipts",
    "edit_message",
    "delete_message",
    "list_conversations",
    "get_conversation",
    "tag_conversation",
    "delete_conversation",
    "mark_conversation",
    "mark_unread",
    "upload_message",
    "add_reaction",
    "remove_reaction",
    "list_reactions",
    "create_group",
    "get_group",
    "update_group",
    "delete_group",
    "list_groups",
    "join_group",
    "leave_group",
    "list_members",
    "add_members",
    "kick_member",
    "ban_member",
    "unban_member",
    "list_banned_members",
    "set_member_scope",
    "transfer_ownership",
]

#: What the login answers carry beyond the user object (never saved as part of the user).
_ME_ONLY = ("authToken", "jwt", "settings", "wsChannel", "fat")


class UserApi(Protocol):
    """REST as the logged-in user (who is ``user``)."""

    @property
    def user(self) -> User | None: ...

    def call(
        self, method: str, path: str, *, body: dict[str, Any] | None = None, params: dict[str, Any] | None = None
    ) -> Success: ...

    def upload(self, path: str, body: Any, content_type: str) -> Success: ...


@attrs.frozen
class Me:
    """``PUT me`` / ``GET me``: the user, the socket's JWT and the app settings (None when
    the answer carried none)."""

    user: dict[str, Any] = attrs.field(hash=False)
    jwt: str = attrs.field(repr=False)
    settings: dict[str, Any] | None = attrs.field(hash=False, repr=False)
    profile: User = attrs.field(hash=False, repr=False)  #: ``user`` read as the model


@contextlib.contextmanager
def _reading(what: str) -> Iterator[None]:
    """Read an answer's data; any surprise in its shape is the server's malformed answer."""
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError, RemoteProtocolError) as exc:
        raise errors.malformed_answer(what, cause=f"{type(exc).__name__}: {exc}") from None


@attrs.frozen
class Page:
    """One page of a list: its items and the answer's ``meta``."""

    items: list[Any]
    meta: dict[str, Any] = attrs.field(factory=dict)


def _quote(value: Any) -> str:
    """One path segment or query value, percent-encoded. Every path and query is written
    here, so this is where text no URL can carry (a lone surrogate, which is not Unicode) is
    refused for every call, as the app's bad parameter rather than an SDK error."""
    text = str(value)
    if has_lone_surrogate(text):
        raise errors.CometChatException(errors.ERROR_INVALID_PARAMETER, f"{text[:40]!r} holds a lone surrogate, "
                                        "which is not valid Unicode: no request can carry it.")
    return quote(text, safe="")


def query_string(pairs: Query) -> str:
    """``key=value&...`` as the official SDKs write it: lists comma-joined, each value
    percent-encoded, commas between list items left as they are; None values left out."""
    parts = []
    for key, value in pairs:
        if value is None:
            continue
        if isinstance(value, (list, tuple)):
            value = ",".join(_quote(item) for item in value)
        else:
            value = _quote(value)
        parts.append(f"{key}={value}")
    return "&".join(parts)


def _with_query(path: str, pairs: Query) -> str:
    query = query_string(pairs)
    return f"{path}?{query}" if query else path


def _items(success: Success, what: str, read: Callable[[Any], T]) -> Page:
    """A list answer as models; an item that cannot be read is skipped (and logged), not the page."""
    with _reading(what):
        if not isinstance(success.data, list):
            raise TypeError(f"{what} is not a list")
    items = []
    for raw in success.data:
        try:
            items.append(read(raw))
        except (RemoteProtocolError, KeyError, TypeError, ValueError) as exc:
            log.warning("skipping a malformed item of %s: %s", what, exc)
    return Page(items, success.meta or {})


def _messages(api: UserApi) -> Callable[[Any], BaseMessage]:
    """Reads a message object, marking whether it mentions the caller."""
    me = api.user.uid if api.user is not None else None
    return lambda raw: mark_mentions(BaseMessage.fromWire(raw), me)


def _conversations(api: UserApi) -> Callable[[Any], Conversation]:
    me = api.user.uid if api.user is not None else None

    def read(raw: Any) -> Conversation:
        conversation = Conversation.fromWire(raw)
        mark_mentions(conversation.lastMessage, me)
        return conversation

    return read


def _one(success: Success, what: str, read: Callable[[Any], T]) -> T:
    with _reading(what):
        return read(success.data)


def _me(data: Any) -> Me:
    with _reading("the answer to me"):
        jwt = data["jwt"]
        if not isinstance(jwt, str) or not isinstance(data.get("uid"), str):
            raise ValueError("no uid or no JWT")
        settings = data.get("settings")
        user = {k: v for k, v in data.items() if k not in _ME_ONLY}
        return Me(user=user, jwt=jwt, settings=settings if isinstance(settings, dict) else None,
                  profile=User.fromWire(copy.deepcopy(user)))  # the app's own: it shares nothing with ``user``


# --------------------------------------------------------------------------- session


def mint_auth_token(rest: RestClient, uid: str, api_key: str, device: dict[str, Any]) -> str:
    """*admin* ``POST users/{uid}/auth_tokens``: an auth token for a login by key."""
    data = rest.call("POST", f"users/{uid}/auth_tokens", admin=True, api_key=api_key, body=device).data
    with _reading("the auth token"):
        token = data["authToken"]
        if not isinstance(token, str) or not token:
            raise ValueError("no auth token")
        return token


def register_device(rest: RestClient, auth_token: str, device: dict[str, Any]) -> Me:
    """``PUT me``: log this device in with an auth token."""
    return _me(rest.call("PUT", "me", auth_token=auth_token, body=device).data)


def fetch_me(api: UserApi) -> Me:
    """``GET me``: a fresh JWT and the app's current settings."""
    return _me(api.call("GET", "me").data)


def log_out(rest: RestClient, auth_token: str) -> None:
    """``DELETE me``: the server forgets this device's login."""
    rest.call("DELETE", "me", auth_token=auth_token)


# --------------------------------------------------------------------------- messages


def send_message(api: UserApi, body: dict[str, Any], parent_id: int = 0) -> BaseMessage:
    """``POST messages`` (a reply: ``POST messages/{parent}/thread``): the stored message."""
    path = f"messages/{parent_id}/thread" if parent_id else "messages"
    data = api.call("POST", path, body=body).data
    with _reading("the stored message"):
        return _messages(api)(data)


def upload_message(api: UserApi, body: Any, content_type: str, parent_id: int = 0) -> BaseMessage:
    """``POST messages`` (or ``messages/{parent}/thread``) as multipart/form-data: a media
    message with its files, streamed from ``body``."""
    path = f"messages/{parent_id}/thread" if parent_id else "messages"
    data = api.upload(path, body, content_type).data
    with _reading("the stored media message"):
        return _messages(api)(data)


# --------------------------------------------------------------------------- reactions


def _reaction_path(message_id: int, reaction: str | None = None) -> str:
    path = f"messages/{message_id}/reactions"
    return f"{path}/{_quote(reaction)}" if reaction is not None else path


def add_reaction(api: UserApi, message_id: int, reaction: str) -> BaseMessage:
    """``POST messages/{id}/reactions/{reaction}`` (no body): the message with its reactions."""
    return _one(api.call("POST", _reaction_path(message_id, reaction)), "the reacted message", _messages(api))


def remove_reaction(api: UserApi, message_id: int, reaction: str) -> BaseMessage:
    """``DELETE messages/{id}/reactions/{reaction}``: the message with its reactions."""
    return _one(api.call("DELETE", _reaction_path(message_id, reaction)), "the message", _messages(api))


def list_reactions(api: UserApi, message_id: int, reaction: str | None, query: Query) -> Page:
    """``GET messages/{id}/reactions[/{reaction}]?limit=..&affix=..&<the server's cursor>``."""
    return _items(api.call("GET", _with_query(_reaction_path(message_id, reaction), query)), "the reactions",
                  Reaction.fromWire)


# --------------------------------------------------------------------------- users


def get_user(api: UserApi, uid: str) -> User:
    """``GET users/{uid}``."""
    return _one(api.call("GET", f"users/{_quote(uid)}"), "the user", User.fromWire)


def list_users(api: UserApi, query: Query) -> Page:
    """``GET users?...&page=N``."""
    return _items(api.call("GET", _with_query("users", query)), "the user list", User.fromWire)


def update_me(api: UserApi, body: dict[str, Any]) -> Me:
    """``PUT me`` with the user's fields: the profile as the server now has it."""
    return _me(api.call("PUT", "me", body=body).data)


def create_user(rest: RestClient, api_key: str, body: dict[str, Any]) -> User:
    """*admin* ``POST users``."""
    return _one(rest.call("POST", "users", admin=True, api_key=api_key, body=body), "the new user", User.fromWire)


def update_user(rest: RestClient, api_key: str, uid: str, body: dict[str, Any]) -> User:
    """*admin* ``PUT users/{uid}``."""
    return _one(rest.call("PUT", f"users/{_quote(uid)}", admin=True, api_key=api_key, body=body),
                "the updated user", User.fromWire)


def _block_outcomes(success: Success) -> dict[str, str]:
    """``{uid: {"success": bool}}`` as the iOS SDK hands it over: ``{uid: "success" | "fail"}``."""
    with _reading("the block answer"):
        if not isinstance(success.data, dict):
            raise TypeError("not an object")
        return {uid: "success" if isinstance(v, dict) and v.get("success") is True else "fail"
                for uid, v in success.data.items()}


def block_users(api: UserApi, uids: list[str]) -> dict[str, str]:
    """``POST blockedusers``."""
    return _block_outcomes(api.call("POST", "blockedusers", body={"blockedUids": uids}))


def unblock_users(api: UserApi, uids: list[str]) -> dict[str, str]:
    """``DELETE blockedusers`` (with a JSON body)."""
    return _block_outcomes(api.call("DELETE", "blockedusers", body={"blockedUids": uids}))


def list_blocked_users(api: UserApi, query: Query) -> Page:
    """``GET blockedusers?per_page=..&direction=..&page=N``."""
    return _items(api.call("GET", _with_query("blockedusers", query)), "the blocked users", User.fromWire)


# --------------------------------------------------------------------------- history


def history_path(*, uid: str | None = None, guid: str | None = None, parent_id: int = 0) -> str:
    """Where a history lives: a thread, a user's or a group's conversation, or all of them."""
    if parent_id:
        return f"messages/{int(parent_id)}/thread"
    if uid is not None:
        return f"users/{_quote(uid)}/messages"
    if guid is not None:
        return f"groups/{_quote(guid)}/messages"
    return "messages"


def list_messages(api: UserApi, query: Query, *, uid: str | None = None, guid: str | None = None,
                  parent_id: int = 0) -> Page:
    """``GET messages`` / ``users/{uid}/messages`` / ``groups/{guid}/messages`` /
    ``messages/{id}/thread``: a page of messages, oldest first."""
    path = history_path(uid=uid, guid=guid, parent_id=parent_id)
    return _items(api.call("GET", _with_query(path, query)), "the message history", _messages(api))


def unread_counts(api: UserApi, query: Query, *, uid: str | None = None,
                  guid: str | None = None) -> list[tuple[str, str, int]]:
    """The ``count=1`` form of a history path: (entityId, entityType, count) per conversation."""
    data = api.call("GET", _with_query(history_path(uid=uid, guid=guid), query)).data
    with _reading("the unread counts"):
        return [(str(e["entityId"]), str(e["entityType"]), int(e["count"])) for e in data]


def message_receipts(api: UserApi, message_id: int) -> list[MessageReceipt]:
    """``GET messages/{id}``: who delivered and read the message (``data.receipts.data[]``), and when."""
    details = api.call("GET", f"messages/{message_id}").data
    with _reading("the message's receipts"):
        if not isinstance(details, dict):
            raise TypeError("not an object")
        receipts = details.get("receipts") if isinstance(details.get("receipts"), dict) else {}
        found = []
        for entry in (receipts or {}).get("data") or []:
            if not isinstance(entry, dict) or not isinstance(entry.get("recipient"), dict):
                continue
            delivered, read = wire_number(entry.get("deliveredAt")), wire_number(entry.get("readAt"))
            found.append(MessageReceipt(
                receiverId=str(details.get("receiver") or ""),
                receiverType=ReceiverType(details.get("receiverType", "user")),
                messageId=str(details.get("id")), sender=User.fromWire(entry["recipient"]),
                receiptType=ReceiptType.read if read else ReceiptType.delivered, timeStamp=read or delivered,
                deliveredAt=delivered or read, readAt=read))
        return found


def _action(api: UserApi, success: Success) -> ActionMessage:
    with _reading("the action message"):
        action = _messages(api)(success.data)
        if not isinstance(action, ActionMessage) or not isinstance(action.actionOn, BaseMessage):
            raise TypeError("not an action on a message")
        return action


def edit_message(api: UserApi, message_id: int, body: dict[str, Any]) -> ActionMessage:
    """``PUT messages/{id}``: the ``edited`` action message."""
    return _action(api, api.call("PUT", f"messages/{message_id}", body=body))


def delete_message(api: UserApi, message_id: int) -> ActionMessage:
    """``DELETE messages/{id}`` (with ``{"id": "<id>"}`` as the JSON body, as the official SDK)."""
    return _action(api, api.call("DELETE", f"messages/{message_id}", body={"id": str(message_id)}))


# --------------------------------------------------------------------------- conversations


def conversation_path(kind: str, with_id: str) -> str:
    return f"{'groups' if kind == 'group' else 'users'}/{_quote(with_id)}/conversation"


def list_conversations(api: UserApi, query: Query) -> Page:
    """``GET conversations?...&page=N``."""
    return _items(api.call("GET", _with_query("conversations", query)), "the conversation list",
                  _conversations(api))


def _conversation(api: UserApi, success: Success) -> Conversation:
    data = success.data
    if not data:
        raise errors.CometChatException(errors.CONVERSATION_NOT_FOUND, "Conversation not found.")
    return _one(success, "the conversation", _conversations(api))


def get_conversation(api: UserApi, kind: str, with_id: str) -> Conversation:
    """``GET users/{uid}/conversation`` or ``GET groups/{guid}/conversation``."""
    return _conversation(api, api.call("GET", conversation_path(kind, with_id)))


def tag_conversation(api: UserApi, kind: str, with_id: str, tags: list[str]) -> Conversation:
    """``PUT .../conversation`` with ``{"tags": [...]}``: the caller's own tags."""
    return _conversation(api, api.call("PUT", conversation_path(kind, with_id), body={"tags": tags}))


def delete_conversation(api: UserApi, kind: str, with_id: str) -> None:
    """``DELETE .../conversation``: for the caller only."""
    api.call("DELETE", conversation_path(kind, with_id))


def mark_conversation(api: UserApi, kind: str, with_id: str, how: str) -> None:
    """``POST .../conversation/read`` or ``.../conversation/delivered``."""
    api.call("POST", f"{conversation_path(kind, with_id)}/{how}")


def mark_unread(api: UserApi, kind: str, with_id: str, message_id: int) -> Conversation:
    """``DELETE .../conversation/read`` with ``{"messageId": "<id>"}``: the conversation after."""
    data = api.call("DELETE", f"{conversation_path(kind, with_id)}/read", body={"messageId": str(message_id)}).data
    with _reading("the conversation marked unread"):
        return _conversations(api)(data["conversation"])


# --------------------------------------------------------------------------- groups


def _group_path(guid: str, *rest: str) -> str:
    return "/".join(("groups", _quote(guid), *(_quote(part) for part in rest)))


def _member_outcomes(results: Any) -> dict[str, str]:
    """Per-uid results under ``admins`` / ``moderators`` / ``participants`` / ``usersToBan`` as
    the SDKs hand them over: ``{uid: "success" | <the error's message>}``."""
    outcomes: dict[str, str] = {}
    for key in ("admins", "moderators", "participants", "usersToBan"):
        for uid, result in (results.get(key) or {}).items():
            if isinstance(result, dict) and result.get("success") is True:
                outcomes[uid] = "success"
            else:
                error = result.get("error") if isinstance(result, dict) else None
                outcomes[uid] = str(error.get("message", "fail")) if isinstance(error, dict) else "fail"
    return outcomes


def _done_text(success: Success, fallback: str) -> str:
    """The server's ``data.message`` for a call Swift answers with a string."""
    data = success.data
    message = data.get("message") if isinstance(data, dict) else None
    return message if isinstance(message, str) and message else fallback


def create_group(api: UserApi, body: dict[str, Any]) -> tuple[Group, dict[str, str]]:
    """``POST groups`` (with ``members``, for ``createGroupWithMembers``): the group and the
    per-uid outcomes of the members it was created with."""
    data = api.call("POST", "groups", body=body).data
    with _reading("the new group"):
        if not isinstance(data, dict):
            raise TypeError("not an object")
        members = data.get("members")
        results = members.get("data") if isinstance(members, dict) else None
        group = Group.fromWire({k: v for k, v in data.items() if k != "members"})
        return attrs.evolve(group, hasJoined=True), _member_outcomes(results if isinstance(results, dict) else {})


def get_group(api: UserApi, guid: str) -> Group:
    """``GET groups/{guid}``."""
    return _one(api.call("GET", _group_path(guid)), "the group", Group.fromWire)


def update_group(api: UserApi, guid: str, body: dict[str, Any]) -> Group:
    """``PUT groups/{guid}`` with the fields that are set."""
    return _one(api.call("PUT", _group_path(guid), body=body), "the updated group", Group.fromWire)


def delete_group(api: UserApi, guid: str) -> str:
    """``DELETE groups/{guid}``."""
    return _done_text(api.call("DELETE", _group_path(guid)), "Group deleted successfully.")


def list_groups(api: UserApi, query: Query) -> Page:
    """``GET groups?...&page=N``."""
    return _items(api.call("GET", _with_query("groups", query)), "the group list", Group.fromWire)


def join_group(api: UserApi, guid: str, body: dict[str, Any]) -> Group:
    """``POST groups/{guid}/members``: the answer is the ``joined`` action; the group is its
    ``for``, and the caller a participant since the action."""
    data = api.call("POST", _group_path(guid, "members"), body=body).data
    with _reading("the joined action"):
        action = _messages(api)(data)
        if not isinstance(action, ActionMessage) or not isinstance(action.actionFor, Group):
            raise TypeError("not an action on a group")
        return attrs.evolve(action.actionFor, hasJoined=True, scope=GroupMemberScopeType.participant,
                            joinedAt=action.sentAt)


def leave_group(api: UserApi, guid: str) -> str:
    """``DELETE groups/{guid}/members``."""
    return _done_text(api.call("DELETE", _group_path(guid, "members")), "Group left successfully.")


def list_members(api: UserApi, guid: str, query: Query) -> Page:
    """``GET groups/{guid}/members?...&page=N``."""
    return _items(api.call("GET", _with_query(_group_path(guid, "members"), query)), "the member list",
                  GroupMember.fromWire)


def add_members(api: UserApi, guid: str, body: dict[str, list[str]]) -> dict[str, str]:
    """``PUT groups/{guid}/members`` with uids grouped by scope (and ``usersToBan``)."""
    data = api.call("PUT", _group_path(guid, "members"), body=body).data
    with _reading("the added members"):
        if not isinstance(data, dict):
            raise TypeError("not an object")
        return _member_outcomes(data)


def kick_member(api: UserApi, guid: str, uid: str) -> str:
    """``DELETE groups/{guid}/members/{uid}``."""
    return _done_text(api.call("DELETE", _group_path(guid, "members", uid)), f"{uid} kicked from {guid}.")


def ban_member(api: UserApi, guid: str, uid: str) -> str:
    """``POST groups/{guid}/bannedusers/{uid}``."""
    return _done_text(api.call("POST", _group_path(guid, "bannedusers", uid)), f"{uid} banned from {guid}.")


def unban_member(api: UserApi, guid: str, uid: str) -> str:
    """``DELETE groups/{guid}/bannedusers/{uid}``."""
    return _done_text(api.call("DELETE", _group_path(guid, "bannedusers", uid)), f"{uid} unbanned from {guid}.")


def list_banned_members(api: UserApi, guid: str, query: Query) -> Page:
    """``GET groups/{guid}/bannedusers?...&page=N``."""
    return _items(api.call("GET", _with_query(_group_path(guid, "bannedusers"), query)), "the banned members",
                  GroupMember.fromWire)


def set_member_scope(api: UserApi, guid: str, uid: str, scope: str) -> str:
    """``PUT groups/{guid}/members/{uid}`` with ``{"scope": ...}``."""
    return _done_text(api.call("PUT", _group_path(guid, "members", uid), body={"scope": scope}),
                      f"The scope of {uid} in {guid} is now {scope}.")


def transfer_ownership(api: UserApi, guid: str, uid: str) -> str:
    """``PATCH groups/{guid}/owner`` with ``{"owner": uid}``."""
    return _done_text(api.call("PATCH", _group_path(guid, "owner"), body={"owner": uid}),
                      f"Ownership transferred to user {uid} for the group with guid {guid}.")
