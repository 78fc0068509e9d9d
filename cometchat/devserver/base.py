"""What every group of REST endpoints shares: the backend, who is calling, users as they see them.

Each area of the API (users, messages, conversations, ...) is one ``Endpoints`` subclass in its
own module, listing its routes; ``api.py`` puts them together.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..transport import protocol
from .backend import API_VERSION, Backend
from .errors import ApiError
from .limits import Limits

__all__ = ["Endpoints", "UID_KEY", "LIMITS_KEY", "PREFIX", "page_meta"]

PREFIX = f"/{API_VERSION}"

#: where handlers leave the authenticated uid for the request log
UID_KEY: Any = web.RequestKey("uid", str) if hasattr(web, "RequestKey") else "uid"

#: the server's limits, on the application (``json_body`` reads bodies under them)
LIMITS_KEY: Any = web.AppKey("limits", Limits) if hasattr(web, "AppKey") else "limits"


def page_meta(total: int, count: int, per_page: int, page: int) -> dict[str, Any]:
    """``meta`` of a page-number list (ios-surface-next 8.3)."""
    return {"pagination": {"total": total, "count": count, "per_page": per_page, "current_page": page,
                           "total_pages": max(1, -(-total // per_page))}}


class Endpoints:
    """A group of endpoints; subclasses add their handlers and ``routes()``."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.db = backend.db

    @property
    def app_id(self) -> str:
        return self.backend.app.app_id

    def routes(self) -> list[web.RouteDef]:
        raise NotImplementedError

    async def caller(self, request: web.Request) -> str:
        """The uid behind the request's auth token (401s for anything else)."""
        uid, _, _ = await self.backend.check_auth_token(request)
        request[UID_KEY] = uid
        return uid

    def online(self, user: dict[str, Any]) -> dict[str, Any]:
        """A user object with its live presence."""
        user["status"] = "online" if self.backend.hub.is_online(user["uid"]) else "offline"
        return user

    async def user_or_404(self, uid: str, viewer: str | None = None) -> dict[str, Any]:
        app_id = self.app_id
        user = await self.db.run(lambda s: s.get_user(app_id, uid, viewer))
        if user is None:
            raise ApiError(404, "ERR_UID_NOT_FOUND", f"The user with uid {uid} does not exist.", {"uid": uid})
        return self.online(user)

    async def group_for(self, guid: str, viewer: str, *, member: bool = True) -> Any:
        """The group's row, if it exists for the viewer (a private group exists only for its
        members and those it banned: to anyone else it answers as a missing one would); with
        ``member``, the viewer must be one (403 ``ERR_NOT_A_MEMBER``)."""
        row, membership = await self.group_and_membership(guid, viewer)
        if member and membership is None:
            raise self.not_a_member(viewer, guid)
        return row

    @staticmethod
    def not_a_member(viewer: str, guid: str) -> ApiError:
        """The caller is not a member of a group it acts in."""
        return ApiError(403, "ERR_NOT_A_MEMBER", f"The user {viewer} is not a member of the group {guid}.",
                        {"guid": guid, "uid": viewer})

    async def group_and_membership(self, guid: str, viewer: str) -> tuple[Any, Any]:
        """The group's row (404 as ``group_for``) and the viewer's member row (None when not a
        member), read together."""
        app_id = self.app_id

        def find(s: Any) -> tuple[Any, Any]:
            row = s.group_row(app_id, guid)
            if row is None or not s.visible_to(app_id, row, viewer):
                return None, None
            return row, s.member_row(app_id, guid, viewer)

        row, membership = await self.db.run(find)
        if row is None:
            raise ApiError(404, "ERR_GUID_NOT_FOUND", f"The group with guid {guid} does not exist.", {"guid": guid})
        return row, membership

    @staticmethod
    def answer(data: Any, meta: dict[str, Any] | None = None) -> web.Response:
        return web.json_response(protocol.success(data, meta))
