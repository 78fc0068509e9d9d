"""Messages over REST: send (and reply in a thread), history, details, edit, delete, unread counts.

(ios-surface-next 2.1-2.3, 8.1 and 10, items 7, 8, 10, 11.) Every endpoint answers only a
party to the conversation: a message of a conversation the caller is not in does not exist
for them (404). Only the sender edits or deletes; an edit or delete is stored and pushed as
an action message.
"""

from __future__ import annotations

import json
import time
from typing import Any

import attrs
from aiohttp import web

from ..transport import protocol
from . import keys, media
from .errors import ApiError
from .base import PREFIX, Endpoints
from .messages_store import HistoryQuery, NewMessage, Presentation
from .params import Params, bad_request, json_body

__all__ = ["MessagesApi", "message_not_found", "path_id"]

_AFFIXES = ("append", "prepend")


def message_not_found(message_id: int) -> ApiError:
    return ApiError(404, "ERR_MESSAGE_NOT_FOUND", f"The message with id {message_id} does not exist.",
                    {"messageId": str(message_id)})


def path_id(request: web.Request, name: str) -> int:
    number = protocol.parse_id(request.match_info[name])
    if number is None:
        raise bad_request(f"{name} must be a message id.", name)
    return number


class MessagesApi(Endpoints):
    def routes(self) -> list[web.RouteDef]:
        return [
            web.post(f"{PREFIX}/messages", self.send),
            web.post(PREFIX + "/messages/{parent}/thread", self.send_reply),
            web.get(f"{PREFIX}/messages", self.my_messages),
            web.get(PREFIX + "/users/{uid}/messages", self.conversation_messages),
            web.get(PREFIX + "/groups/{guid}/messages", self.group_messages),
            web.get(PREFIX + "/messages/{parent}/thread", self.thread_messages),
            web.get(PREFIX + "/messages/{id}", self.details),
            web.put(PREFIX + "/messages/{id}", self.edit),
            web.delete(PREFIX + "/messages/{id}", self.delete),
        ]

    # ------------------------------------------------------------------ sending

    async def send(self, request: web.Request) -> web.Response:
        return await self._send(request, parent_id=None)

    async def send_reply(self, request: web.Request) -> web.Response:
        return await self._send(request, parent_id=path_id(request, "parent"))

    async def _send(self, request: web.Request, parent_id: int | None) -> web.Response:
        """A JSON body, or a multipart one with files: those are written first and kept only
        if the message they belong to is committed with them."""
        uid = await self.caller(request)
        if request.content_type != "multipart/form-data":
            stored, new = await self._save(request, uid, await json_body(request), parent_id)
        else:
            stored, new = await self._save_upload(request, uid, parent_id)
        if new:
            await self._announce(request, uid, stored)
        return self.answer(stored)

    async def _save_upload(self, request: web.Request, uid: str, parent_id: int | None) -> tuple[dict[str, Any], bool]:
        files = self.backend.files
        base = self.backend.media_base(request)  # a junk Host is refused before anything is written
        upload = await media.read_upload(request, files, self.backend.config.limits, base)
        try:
            if not upload.files:
                raise ApiError(400, "ERR_EMPTY_MESSAGE_FILE", "A multipart message needs a file.", {"field": "files"})
            files.keep(upload.files)  # named for good before the commit; a crash now leaves unrecorded files
            stored, new = await self._save(request, uid, upload.body, parent_id, upload)
        except BaseException:
            files.discard(upload.files)  # not committed: nothing may stay
            raise
        if not new:
            files.discard(upload.files)  # a repeated send: the first send's files are the message's
        return stored, new

    async def _save(self, request: web.Request, uid: str, body: Any, parent_id: int | None,
                    upload: media.Upload | None = None) -> tuple[dict[str, Any], bool]:
        """Check and store a message: (the stored message, whether it is new); a send repeated
        with its muid answers the first one's message."""
        try:
            message = protocol.parse_message_request(body)
        except protocol.RemoteProtocolError as exc:
            code = "ERR_EMPTY_MESSAGE_TEXT" if exc.field == "text" else "ERR_BAD_REQUEST"
            raise ApiError(400, code, exc.message, {"field": exc.field}) from None
        count_max = self.backend.config.limits.file_count_max  # hosted files count as uploaded ones do
        if len(message.attachments) > count_max:
            raise ApiError(400, "ERR_FILE_COUNT_EXCEEDED", f"At most {count_max} files per message.",
                           {"field": "data.attachments", "limit": count_max})
        if parent_id is not None and message.parent_id not in (0, parent_id):
            raise bad_request("parentMessageId does not match the thread in the path.", "parentMessageId")
        sender = await self.user_or_404(uid)
        if message.receiver_type == "group":
            await self.group_for(message.receiver, uid)  # members only (a ban ends membership)
            group = await self.db.run(lambda s: s.group(self.app_id, message.receiver, None))
            if group is None:  # deleted between the check and now
                raise ApiError(404, "ERR_GUID_NOT_FOUND", "The group does not exist.", {"guid": message.receiver})
            receiver = group
            conv_key = keys.group_key(message.receiver)
        else:
            receiver = await self.user_or_404(message.receiver)
            conv_key = keys.user_key(uid, receiver["uid"])
        parent = parent_id or message.parent_id
        await self._check_related(uid, conv_key, parent, message.quoted_id)
        mentions = await self._mentions(message.text)
        new = self._new_message(uid, sender, receiver, conv_key, parent, message, mentions,
                                upload.files if upload is not None else ())

        def store(s: Any) -> tuple[dict[str, Any], bool]:
            repeated = s.message_by_muid(self.app_id, uid, message.muid)
            if repeated is None:
                return s.insert_message(self.app_id, new), True
            uploaded = upload is not None
            again = json.loads(json.dumps(new.build_body(repeated["id"])))  # as stored: JSON's types
            if _content(json.loads(repeated["body"]), uploaded) != _content(again, uploaded):
                # the SDK keeps a message object's muid across sends, so that a retry is stored once;
                # the same object sent again with other content must not answer the old content
                raise ApiError(409, "ERR_MUID_ALREADY_USED", "This muid names another message of yours (to"
                               " another receiver, or with other content): send a new message object.",
                               {"muid": str(message.muid)})
            return s.present_message(self.app_id, uid, repeated), False  # its answer was lost: stored once

        return await self.db.run(store)  # type: ignore[no-any-return]

    async def _announce(self, request: web.Request, uid: str, stored: dict[str, Any]) -> None:
        """Push a new message to the conversation (a quoted message goes along)."""
        quoted_id = stored.get("quotedMessageId")
        if isinstance(quoted_id, int) and quoted_id:
            stored["quotedMessage"] = await self._presented(uid, quoted_id)
        await self._deliver(stored, request.headers.get("resource"))

    async def _deliver(self, stored: dict[str, Any], resource: str | None, also: tuple[str, ...] = ()) -> None:
        """Push a stored message (or action) to its conversation: a group's members (and
        ``also``), or its two parties; never across a block."""
        if stored["receiverType"] == "group":
            members = await self.db.run(lambda s: s.member_uids(self.app_id, stored["receiver"]))
            uids = {*members, *also}
        else:
            uids = {stored["sender"], stored["receiver"]}
        self.backend.hub.deliver_to(uids, stored, resource, blocks=True)

    async def _mentions(self, text: str | None) -> dict[str, dict[str, Any]]:
        """The users a text names with ``<@uid:UID>`` who exist (``data.mentions``)."""
        uids = protocol.MENTION.findall(text or "")[:100]
        if not uids:
            return {}
        return await self.db.run(lambda s: s.mentioned_users(self.app_id, uids))  # type: ignore[no-any-return]

    def _new_message(self, uid: str, sender: dict[str, Any], receiver: dict[str, Any], conv_key: str, parent: int,
                     message: protocol.MessageRequest, mentions: dict[str, dict[str, Any]],
                     files: Any = ()) -> NewMessage:
        sent_at = int(time.time())
        message = attrs.evolve(message, parent_id=parent)

        def body(message_id: int) -> dict[str, Any]:
            obj = protocol.build_message_object(message_id=message_id, sender=sender, receiver=receiver,
                                                request=message, sent_at=sent_at, conversation=keys.display_id(conv_key))
            if mentions:
                obj["data"]["mentions"] = mentions
            return obj

        return NewMessage(conv_key=conv_key, sender=uid, receiver=receiver.get("uid") or receiver["guid"],
                          receiver_type=message.receiver_type, category=message.category, type=message.type,
                          sent_at=sent_at, build_body=body, parent_id=parent, muid=message.muid, tags=message.tags,
                          search_text=message.text.lower() if message.text else None, mentions=tuple(mentions),
                          files=tuple(files))

    async def _check_related(self, uid: str, conv_key: str, parent: int, quoted: int) -> None:
        """A reply's parent and a quoted message must be messages of this conversation."""
        for related in (parent, quoted):
            if not related:
                continue
            row = await self.db.run(lambda s: s.visible_message(self.app_id, uid, related))
            if row is None or row["conv_key"] != conv_key:
                raise message_not_found(related)
            if related == parent and row["parent_id"]:
                raise bad_request("A reply cannot have replies of its own.", "parentMessageId")

    async def _presented(self, viewer: str, message_id: int) -> dict[str, Any] | None:
        def present(s: Any) -> dict[str, Any] | None:
            row = s.visible_message(self.app_id, viewer, message_id)
            return None if row is None else s.present_message(self.app_id, viewer, row, quoted=False)

        return await self.db.run(present)

    # ------------------------------------------------------------------ history

    async def my_messages(self, request: web.Request) -> web.Response:
        viewer = await self.caller(request)
        params = Params(request)
        if params.flag("count"):
            kind = params.choice("receiverType", ("user", "group"))
            return await self._counts(viewer, params, kind=kind)
        return await self._history(viewer, params)

    async def conversation_messages(self, request: web.Request) -> web.Response:
        viewer = await self.caller(request)
        other = await self.user_or_404(request.match_info["uid"])
        conv_key = keys.user_key(viewer, other["uid"])
        params = Params(request)
        if params.flag("count"):
            return await self._counts(viewer, params, conv_key=conv_key)
        return await self._history(viewer, params, conv_key=conv_key)

    async def group_messages(self, request: web.Request) -> web.Response:
        viewer = await self.caller(request)
        guid = request.match_info["guid"]
        await self.group_for(guid, viewer)
        params = Params(request)
        if params.flag("count"):
            return await self._counts(viewer, params, conv_key=keys.group_key(guid))
        return await self._history(viewer, params, conv_key=keys.group_key(guid))

    async def thread_messages(self, request: web.Request) -> web.Response:
        viewer = await self.caller(request)
        parent = path_id(request, "parent")
        if await self.db.run(lambda s: s.visible_message(self.app_id, viewer, parent)) is None:
            raise message_not_found(parent)
        return await self._history(viewer, Params(request), parent_id=parent)

    async def _history(self, viewer: str, params: Params, *, conv_key: str | None = None,
                       parent_id: int | None = None) -> web.Response:
        query = self._history_query(viewer, params, conv_key, parent_id)
        how = Presentation(tags=params.flag("withTags"), mention_tags=params.flag("mentionsWithTagInfo"),
                           mention_blocks=params.flag("mentionsWithBlockedInfo"))

        def page(s: Any) -> list[dict[str, Any]]:
            rows = s.list_messages(self.app_id, query)
            return s.present_messages(self.app_id, viewer, rows, how=how)  # type: ignore[no-any-return]

        messages = await self.db.run(page)
        return self.answer(messages, self._cursor_meta(query, messages))

    @staticmethod
    def _history_query(viewer: str, params: Params, conv_key: str | None, parent_id: int | None) -> HistoryQuery:
        if params.flag("onlyUpdates") and params.optional_id("updatedAt") is None:
            raise ApiError(400, "ERR_BAD_REQUEST", "onlyUpdates needs updatedAt (the time after which to look).")
        return HistoryQuery(
            viewer=viewer, conv_key=conv_key, parent_id=parent_id,
            affix=params.choice("affix", _AFFIXES, "prepend") or "prepend",
            message_id=params.optional_id("id"), sent_at=params.optional_id("sentAt"),
            updated_at=params.optional_id("updatedAt"), only_updates=params.flag("onlyUpdates"),
            unread=params.flag("unread"), hide_blocked=params.flag("hideMessagesFromBlockedUsers"),
            hide_replies=params.flag("hideReplies"), hide_deleted=params.flag("hideDeleted"),
            categories=params.words("categories"), types=params.words("types"), tags=params.words("tags"),
            search=params.text("searchKey"), limit=params.number("per_page", 30, 1, 100),
        )

    @staticmethod
    def _cursor_meta(query: HistoryQuery, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """``meta.cursor`` echoes the boundary of a full page; a short page (the end) has none,
        which tells the official SDKs to stop asking. ``total_pages`` is given only where it
        is known without counting the whole history: a first page that holds all of it."""
        if len(messages) < query.limit:
            unbounded = query.message_id is None and query.sent_at is None and query.updated_at is None
            if not unbounded:
                return {}
            return {"pagination": {"total": len(messages), "count": len(messages), "per_page": query.limit,
                                   "current_page": 1, "total_pages": 1}}
        edge = messages[-1] if query.affix == "append" else messages[0]
        cursor = {"affix": query.affix, "per_page": query.limit, "id": edge["id"], "sentAt": edge.get("sentAt")}
        if query.updated_at is not None:
            cursor["updatedAt"] = edge.get("updatedAt")
        return {"cursor": cursor}

    async def _counts(self, viewer: str, params: Params, *, kind: str | None = None,
                      conv_key: str | None = None) -> web.Response:
        """The ``count=1`` form: unread messages per conversation."""
        hide_blocked = params.flag("hideMessagesFromBlockedUsers")
        counts = await self.db.run(lambda s: s.unread_counts(self.app_id, viewer, conv_key=conv_key, kind=kind,
                                                             hide_blocked=hide_blocked))
        return self.answer([{"entityId": with_id, "entityType": entity, "count": count}
                            for _, with_id, entity, count in counts])

    # ------------------------------------------------------------------ one message

    async def _visible(self, viewer: str, message_id: int) -> Any:
        row = await self.db.run(lambda s: s.visible_message(self.app_id, viewer, message_id))
        if row is None:
            raise message_not_found(message_id)
        return row

    async def details(self, request: web.Request) -> web.Response:
        viewer = await self.caller(request)
        message_id = path_id(request, "id")
        row = await self._visible(viewer, message_id)

        def present(s: Any) -> dict[str, Any]:
            obj: dict[str, Any] = s.present_message(self.app_id, viewer, row)
            obj["receipts"] = {"data": s.message_receipts(self.app_id, row)}
            return obj

        return self.answer(await self.db.run(present))

    async def edit(self, request: web.Request) -> web.Response:
        viewer = await self.caller(request)
        row = await self._own_message(viewer, path_id(request, "id"))
        body = await json_body(request)
        obj, text = _edited(row, body)
        now = int(time.time())
        obj.update(editedAt=now, editedBy=viewer, updatedAt=now)
        mentions = await self._mentions(text) if text is not None else None
        if mentions is not None:
            obj["data"].pop("mentions", None)
            if mentions:
                obj["data"]["mentions"] = mentions
        await self.db.run(lambda s: s.rewrite_message(
            self.app_id, row["id"], obj, updated_at=now, edited_at=now, search_text=text.lower() if text else None,
            mentions=tuple(mentions) if mentions is not None else None))
        return self.answer(await self._act(request, viewer, row, obj, "edited", now))

    async def delete(self, request: web.Request) -> web.Response:
        viewer = await self.caller(request)
        row = await self._own_message(viewer, path_id(request, "id"))
        obj: dict[str, Any] = json.loads(row["body"])
        now = int(time.time())
        obj.update(deletedAt=now, deletedBy=viewer, updatedAt=now)
        await self.db.run(lambda s: s.rewrite_message(self.app_id, row["id"], obj, updated_at=now, deleted_at=now))
        self.backend.files.discard_tokens(await self.db.run(lambda s: s.forget_files(self.app_id, row["id"])))
        return self.answer(await self._act(request, viewer, row, obj, "deleted", now))

    async def _own_message(self, viewer: str, message_id: int) -> Any:
        row = await self._visible(viewer, message_id)
        if row["sender"] != viewer:
            raise ApiError(403, "ERR_NOT_THE_SENDER", "Only the sender may edit or delete a message.",
                           {"messageId": str(message_id)})
        if row["category"] == "action":
            raise bad_request("An action message cannot be edited or deleted.", "id")
        if row["deleted_at"]:
            raise ApiError(409, "ERR_MESSAGE_DELETED", f"The message with id {message_id} was deleted.",
                           {"messageId": str(message_id)})
        return row

    async def _act(self, request: web.Request, viewer: str, row: Any, on: dict[str, Any], action: str,
                   now: int) -> dict[str, Any]:
        """Store and push the action message that tells the conversation about an edit or delete."""
        by = await self.user_or_404(viewer)
        receiver = on.get("data", {}).get("entities", {}).get("receiver", {})
        target = (receiver.get("entity") or {"uid": row["receiver"]}, receiver.get("entityType") or "user")

        def body(message_id: int) -> dict[str, Any]:
            return protocol.action_message_object(
                message_id=message_id, conversation=row["conversation_id"], action=action, by=by,
                on=(on, "message"), for_=target, receiver=row["receiver"], receiver_type=row["receiver_type"],
                sent_at=now)

        new = NewMessage(conv_key=row["conv_key"], sender=viewer, receiver=row["receiver"],
                         receiver_type=row["receiver_type"], category="action", type="message", sent_at=now,
                         build_body=body, action=action)
        stored: dict[str, Any] = await self.db.run(lambda s: s.insert_message(self.app_id, new))
        await self._deliver(stored, request.headers.get("resource"), also=(viewer,))
        return stored


#: what a message object holds that its sender did not send (who, when, what the server made of it)
_SERVER_MADE = ("id", "conversationId", "sender", "sentAt", "updatedAt", "muid", "editedAt", "editedBy", "deletedAt",
                "deletedBy", "readAt", "deliveredAt")


def _content(obj: dict[str, Any], uploaded: bool) -> dict[str, Any]:
    """What a send said, from the message object it made: receiver, kind, text, data, metadata,
    tags, thread and quote; not the server's fields, the entities or the resolved mentions. Files
    uploaded again get new URLs, so for an upload they are compared by name, type and size."""
    content = {key: value for key, value in obj.items() if key not in _SERVER_MADE}
    data = {key: value for key, value in (obj.get("data") or {}).items() if key not in ("entities", "mentions")}
    if uploaded:
        data.pop("url", None)
        data["attachments"] = [{k: v for k, v in a.items() if k != "url"} if isinstance(a, dict) else a
                               for a in data.get("attachments") or ()]
    content["data"] = data
    return content


def _edited(row: Any, body: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The stored message with the edit applied (text, custom data, metadata, tags), and its text."""
    obj: dict[str, Any] = json.loads(row["body"])
    data = obj.setdefault("data", {})
    sent: dict[str, Any] = body["data"] if isinstance(body.get("data"), dict) else {}
    text = None
    if row["category"] == "message" and row["type"] == "text":
        text = body.get("text", sent.get("text"))
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "ERR_EMPTY_MESSAGE_TEXT", "text must be a non-blank string", {"field": "text"})
        data["text"] = text
    elif row["category"] == "custom" or row["type"] == "custom":
        custom = body.get("customData", sent.get("customData"))
        if custom is not None:
            if not isinstance(custom, dict):
                raise bad_request("customData must be an object.", "customData")
            data["customData"] = custom
    metadata = body.get("metadata", sent.get("metadata"))
    if metadata is not None:
        if not isinstance(metadata, dict):
            raise bad_request("metadata must be an object.", "metadata")
        data["metadata"] = obj["metadata"] = metadata
    tags = body.get("tags")
    if tags is not None:
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise bad_request("tags must be a list of strings.", "tags")
        obj["tags"] = tags
    return obj, text

