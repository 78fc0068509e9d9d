"""Reactions over REST (ios-surface-next 2.5 and 10, items 12-13).

Only a party to a message's conversation (or a member of its group) reacts to it or lists
its reactions; to anyone else the message does not exist. Adding a reaction answers the
message with its ``reactions`` and pushes a ``reaction`` frame to the conversation's sessions;
adding the same one again changes nothing and pushes nothing. Lists page by an opaque cursor
(``meta.next`` / ``meta.previous``, whose keys the client sends back as they are).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from aiohttp import web

from ..transport import protocol
from .errors import ApiError
from .base import PREFIX, Endpoints
from .messages_api import message_not_found, path_id
from .params import Params, bad_request
from .reactions_store import ReactionPage, reaction_object

__all__ = ["ReactionsApi"]

_MAX_REACTION = 64  #: characters in one reaction (an emoji sequence, or a short word)
_AFFIXES = ("append", "prepend")


def _reaction(request: web.Request) -> str:
    reaction = request.match_info["reaction"]
    if not reaction.strip() or len(reaction) > _MAX_REACTION or not all(map(_allowed, reaction)):
        raise bad_request(f"A reaction is 1-{_MAX_REACTION} characters: an emoji (sequence) or a word.", "reaction")
    return reaction


def _allowed(char: str) -> bool:
    """No control, surrogate, line-breaking or invisible formatting character, except what emoji
    sequences are made of: the zero-width joiner and the tag characters of subdivision flags."""
    category = unicodedata.category(char)
    if category == "Cf":
        return char == "\u200d" or "\U000e0020" <= char <= "\U000e007f"
    return category not in ("Cc", "Cs", "Co", "Cn", "Zl", "Zp")


class ReactionsApi(Endpoints):
    def routes(self) -> list[web.RouteDef]:
        one = PREFIX + "/messages/{id}/reactions"
        return [
            web.post(one + "/{reaction}", self.add),
            web.delete(one + "/{reaction}", self.remove),
            web.get(one, self.list_reactions),
            web.get(one + "/{reaction}", self.list_reactions),
        ]

    async def _message(self, request: web.Request) -> tuple[str, Any]:
        """(the caller, the message's row) if the caller may see it and it takes reactions."""
        viewer = await self.caller(request)
        message_id = path_id(request, "id")
        row = await self.db.run(lambda s: s.visible_message(self.app_id, viewer, message_id))
        if row is None:
            raise message_not_found(message_id)
        return viewer, row

    async def add(self, request: web.Request) -> web.Response:
        viewer, row = await self._message(request)
        if row["category"] == "action" or row["deleted_at"]:
            raise bad_request("Only a message that is there takes reactions.", "id")
        reaction = _reaction(request)
        added = await self.db.run(lambda s: s.add_reaction(self.app_id, row["id"], viewer, reaction))
        if added is not None:
            await self._push(request, viewer, row, added, "message_reaction_added")
        return await self._answer_message(viewer, row)

    async def remove(self, request: web.Request) -> web.Response:
        viewer, row = await self._message(request)
        reaction = _reaction(request)
        removed = await self.db.run(lambda s: s.remove_reaction(self.app_id, row["id"], viewer, reaction))
        if removed is None:
            raise ApiError(404, "ERR_REACTION_NOT_FOUND", f"You have not reacted {reaction} to this message.",
                           {"messageId": str(row["id"]), "reaction": reaction})
        await self._push(request, viewer, row, removed, "message_reaction_removed")
        return await self._answer_message(viewer, row)

    async def _answer_message(self, viewer: str, row: Any) -> web.Response:
        return self.answer(await self.db.run(lambda s: s.present_message(self.app_id, viewer, row)))

    async def _push(self, request: web.Request, viewer: str, row: Any, reaction_row: Any, action: str) -> None:
        """The ``reaction`` frame, to both parties (or every member): its ``receiver`` is the
        other party of a one-to-one conversation, or the group."""
        by = await self.user_or_404(viewer)
        reaction = dict(reaction_object(reaction_row, by), conversationId=row["conversation_id"],
                        parentId=row["parent_id"])
        if row["receiver_type"] == "group":
            receiver, uids = row["receiver"], await self.db.run(lambda s: s.member_uids(self.app_id, row["receiver"]))
        else:
            receiver = row["receiver"] if row["sender"] == viewer else row["sender"]
            uids = [row["sender"], row["receiver"]]
        frame = protocol.ReactionFrame(app_id=self.app_id, receiver=receiver, receiver_type=row["receiver_type"],
                                       device_id=request.headers.get("resource"), sender=viewer, action=action,
                                       reaction=reaction)
        self.backend.hub.push_frame(frame, viewer, uids)

    async def list_reactions(self, request: web.Request) -> web.Response:
        viewer, row = await self._message(request)
        params = Params(request)
        page = ReactionPage(message_id=row["id"], limit=params.number("limit", 10, 1, 100),
                            reaction=_reaction(request) if "reaction" in request.match_info else None,
                            affix=params.choice("affix", _AFFIXES, "append") or "append",
                            cursor=params.optional_id("id"))
        found = await self.db.run(lambda s: s.list_reactions(self.app_id, page))
        meta: dict[str, Any] = {}
        if found:
            meta = {"previous": {"id": found[0]["id"]}, "next": {"id": found[-1]["id"]}}
        return self.answer(found, meta)
