"""Conversations over REST (ios-surface-next 3 and 10, items 14-17).

Each user has their own view of a conversation: its unread count, read position, tags, and
whether they deleted it. Marking a conversation read or delivered tells the sender of its
newest message, as a receipt would (in a group, also ``deliveredToAll`` / ``readByAll`` once
every member has). Every route exists twice: ``users/{uid}/conversation`` and
``groups/{guid}/conversation`` (members only).
"""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from ..transport import protocol
from . import keys
from .errors import ApiError
from .base import PREFIX, Endpoints, page_meta
from .conversations_store import ConversationQuery
from .messages_api import message_not_found
from .params import Params, bad_request, json_body

__all__ = ["ConversationsApi"]


def conversation_not_found(with_id: str) -> ApiError:
    return ApiError(404, "ERR_CONVERSATION_NOT_FOUND", f"There is no conversation with {with_id}.",
                    {"conversationWith": with_id})


class ConversationsApi(Endpoints):
    def routes(self) -> list[web.RouteDef]:
        routes = [web.get(f"{PREFIX}/conversations", self.list_conversations)]
        for one in (PREFIX + "/users/{uid}/conversation", PREFIX + "/groups/{guid}/conversation"):
            routes += [
                web.get(one, self.get_conversation),
                web.put(one, self.tag_conversation),
                web.delete(one, self.delete_conversation),
                web.post(one + "/read", self.mark_read),
                web.post(one + "/delivered", self.mark_delivered),
                web.delete(one + "/read", self.mark_unread),
            ]
        return routes

    async def list_conversations(self, request: web.Request) -> web.Response:
        viewer = await self.caller(request)
        params = Params(request)
        per_page, page = params.number("per_page", 30, 1, 50), params.number("page", 1, 1, 1_000_000)
        query = ConversationQuery(
            viewer=viewer, kind=params.choice("conversationType", ("user", "group")), tags=params.words("tags"),
            user_tags=params.words("userTags"), group_tags=params.words("groupTags"),
            include_blocked=params.flag("includeBlockedUsers"), unread=params.flag("unread"),
            search=params.text("searchKey"), with_tags=params.flag("withTags"),
            with_user_and_group_tags=params.flag("withUserAndGroupTags"),
            with_blocked_info=params.flag("withBlockedInfo"),
        )
        found, total = await self.db.run(lambda s: s.list_conversations(self.app_id, query, page, per_page))
        return self.answer([self._live(c) for c in found], page_meta(total, len(found), per_page, page))

    def _live(self, conversation: dict[str, Any]) -> dict[str, Any]:
        with_ = conversation.get("conversationWith")
        if isinstance(with_, dict) and "uid" in with_:
            self.online(with_)
        return conversation

    async def _conversation_key(self, request: web.Request) -> tuple[str, str, str]:
        """(caller, the other user or the group, the conversation key)."""
        viewer = await self.caller(request)
        if "guid" in request.match_info:
            guid = request.match_info["guid"]
            await self.group_for(guid, viewer)
            return viewer, guid, keys.group_key(guid)
        other = (await self.user_or_404(request.match_info["uid"]))["uid"]
        return viewer, other, keys.user_key(viewer, other)

    async def _conversation(self, viewer: str, other: str, conv_key: str) -> dict[str, Any]:
        found = await self.db.run(lambda s: s.conversation(self.app_id, viewer, conv_key))
        if found is None:
            raise conversation_not_found(other)
        return self._live(found)

    async def get_conversation(self, request: web.Request) -> web.Response:
        return self.answer(await self._conversation(*await self._conversation_key(request)))

    async def tag_conversation(self, request: web.Request) -> web.Response:
        viewer, other, conv_key = await self._conversation_key(request)
        tags = (await json_body(request)).get("tags")
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            raise bad_request("tags must be a list of strings.", "tags")
        await self._conversation(viewer, other, conv_key)
        await self.db.run(lambda s: s.set_conversation_tags(self.app_id, viewer, conv_key, tags))
        return self.answer(await self._conversation(viewer, other, conv_key))

    async def delete_conversation(self, request: web.Request) -> web.Response:
        viewer, other, conv_key = await self._conversation_key(request)
        await self._conversation(viewer, other, conv_key)
        await self.db.run(lambda s: s.clear_conversation(self.app_id, viewer, conv_key))
        return self.answer({"success": True, "message": "Conversation deleted successfully."})

    async def mark_read(self, request: web.Request) -> web.Response:
        return await self._mark(request, "read")

    async def mark_delivered(self, request: web.Request) -> web.Response:
        return await self._mark(request, "delivered")

    async def _mark(self, request: web.Request, kind: str) -> web.Response:
        """Everything the others sent so far is read (or delivered); the sender of the newest
        message hears a receipt."""
        viewer, other, conv_key = await self._conversation_key(request)
        await self._conversation(viewer, other, conv_key)
        now = int(time.time())
        in_group = "guid" in request.match_info

        def mark(s: Any) -> tuple[Any, tuple[str, ...], bool]:
            latest = s.latest_from_others(self.app_id, viewer, conv_key)
            if latest is None or not s.record_receipt(self.app_id, conv_key, viewer, kind, latest["id"], now):
                return None, (), False
            return latest, s.completed_for_all(self.app_id, latest, kind), s.sender_hears_receipts(self.app_id, latest)

        latest, everyone, heard = await self.db.run(mark)
        if latest is not None and heard:  # a sender who left the group is told nothing
            reader = await self.user_or_404(viewer)
            self.backend.hub.push_receipt(
                reader, latest["sender"], latest["id"], kind, now, request.headers.get("resource"),
                receiver=other if in_group else latest["sender"], receiver_type="group" if in_group else "user",
                to_all=everyone)
        return self.answer({"success": True, "message": f"Conversation marked as {kind} successfully."})

    async def mark_unread(self, request: web.Request) -> web.Response:
        """``markAsUnread``: from ``messageId`` on, the conversation is unread again for the caller."""
        viewer, other, conv_key = await self._conversation_key(request)
        message_id = protocol.parse_id((await json_body(request)).get("messageId"))
        if message_id is None:
            raise bad_request("messageId must be a message id (a whole number below 2**63).", "messageId")
        row = await self.db.run(lambda s: s.visible_message(self.app_id, viewer, message_id))
        if row is None or row["conv_key"] != conv_key:
            raise message_not_found(message_id)
        await self.db.run(lambda s: s.mark_unread(self.app_id, viewer, conv_key, message_id))
        return self.answer({"conversation": await self._conversation(viewer, other, conv_key)})
