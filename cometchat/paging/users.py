"""``UsersRequest`` and ``BlockedUserRequest`` (ios-surface-next 1.2, 1.3): page-number lists.

    request = (UsersRequest.UsersRequestBuilder(limit=30)
               .set(searchKeyword="ali")
               .hideBlockedUsers(True)
               .build())
    request.fetchNext(onSuccess=lambda users: ..., onError=...)
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

import attrs

from ..models import Blocked, SortOrder, User, UserStatus
from ..transport import endpoints
from ..transport.endpoints import Page, UserApi
from .base import Callback, DEFAULT_LIMIT, Builder, PagedRequest, enum_value, flag, positive_int, text, words

__all__ = ["UsersRequest", "UsersRequestBuilder", "BlockedUserRequest", "BlockedUserRequestBuilder"]



@attrs.frozen
class UsersQuery:
    limit: int = DEFAULT_LIMIT
    search: str | None = None
    search_in: tuple[str, ...] = ()
    status: UserStatus | None = None
    hide_blocked: bool = False
    roles: tuple[str, ...] = ()
    friends_only: bool = False
    tags: tuple[str, ...] = ()
    with_tags: bool = False
    uids: tuple[str, ...] = ()
    sort_by: str | None = None
    sort_order: SortOrder | None = None

    def wire(self, page: int) -> list[tuple[str, Any]]:
        """The query, in the order the official SDK writes it."""
        status = None if self.status is None else ("offline" if self.status is UserStatus.offline else "available")
        return [
            ("per_page", self.limit), ("searchKey", self.search.strip() if self.search else None),
            ("status", status), ("hideBlockedUsers", 1 if self.hide_blocked else None),
            ("roles", list(self.roles) or None), ("tags", list(self.tags) or None),
            ("friendsOnly", 1 if self.friends_only else None), ("withTags", 1 if self.with_tags else None),
            ("uids", list(self.uids) or None), ("sortBy", self.sort_by.lower() if self.sort_by else None),
            ("sortOrder", self.sort_order.value if self.sort_order else None),
            ("searchIn", list(self.search_in) or None), ("page", page),
        ]


def _one_role(name: str, value: Any) -> tuple[str, ...]:
    return (text(name, value),)


class UsersRequestBuilder(Builder[UsersQuery]):
    """Swift's ``UsersRequest.UsersRequestBuilder``: ``init()`` / ``init(limit:)``."""

    _labels = {
        "limit": ("limit", positive_int),
        "searchKeyword": ("search", text),
        "status": ("status", enum_value(UserStatus)),
        "roles": ("roles", words),
        "role": ("roles", _one_role),  # deprecated in Swift: one role
        "tags": ("tags", words),
        "UIDs": ("uids", words),
    }

    def __init__(self, limit: int = DEFAULT_LIMIT, *, client: Any = None) -> None:
        super().__init__(UsersQuery(limit=positive_int("limit", limit)), client)

    def searchIn(self, values: list[str]) -> UsersRequestBuilder:
        return self._put("search_in", words("searchIn", values))

    def hideBlockedUsers(self, hide: bool) -> UsersRequestBuilder:
        return self._put("hide_blocked", flag("hideBlockedUsers", hide))

    def friendsOnly(self, friendsOnly: bool) -> UsersRequestBuilder:
        return self._put("friends_only", flag("friendsOnly", friendsOnly))

    def withTags(self, withTags: bool) -> UsersRequestBuilder:
        return self._put("with_tags", flag("withTags", withTags))

    def sortBy(self, value: str) -> UsersRequestBuilder:
        return self._put("sort_by", text("sortBy", value))

    def sortOrder(self, value: SortOrder) -> UsersRequestBuilder:
        return self._put("sort_order", enum_value(SortOrder)("sortOrder", value))

    def build(self) -> UsersRequest:
        return UsersRequest(self._query, self._client)


class UsersRequest(PagedRequest):
    """Users, page by page (``GET users``); Swift has ``fetchNext`` only."""

    UsersRequestBuilder = UsersRequestBuilder

    def __init__(self, query: UsersQuery, client: Any = None) -> None:
        super().__init__(query.limit, client)
        self._query = query

    def fetchNext(self, onSuccess: Callback | None = None, onError: Callback | None = None) -> Future[list[User]]:
        return self._fetch_page(onSuccess, onError, self._load)

    def _load(self, api: UserApi, page: int) -> Page:
        return endpoints.list_users(api, self._query.wire(page))


@attrs.frozen
class BlockedQuery:
    limit: int = DEFAULT_LIMIT
    direction: Blocked = Blocked.both
    search: str | None = None

    def wire(self, page: int) -> list[tuple[str, Any]]:
        return [("per_page", self.limit), ("direction", self.direction.value),
                ("searchKey", self.search.strip() if self.search else None), ("page", page)]


class BlockedUserRequestBuilder(Builder[BlockedQuery]):
    """Swift's ``BlockedUserRequest.BlockedUserRequestBuilder`` (singular, as in Swift)."""

    _labels = {
        "limit": ("limit", positive_int),
        "direction": ("direction", enum_value(Blocked)),
        "searchKeyword": ("search", text),
    }

    def __init__(self, limit: int = DEFAULT_LIMIT, *, client: Any = None) -> None:
        super().__init__(BlockedQuery(limit=positive_int("limit", limit)), client)

    def build(self) -> BlockedUserRequest:
        return BlockedUserRequest(self._query, self._client)


class BlockedUserRequest(PagedRequest):
    """Blocked users, by ``direction`` (``CometChat.Blocked``): ``GET blockedusers``."""

    BlockedUserRequestBuilder = BlockedUserRequestBuilder

    def __init__(self, query: BlockedQuery, client: Any = None) -> None:
        super().__init__(query.limit, client)
        self._query = query

    def fetchNext(self, onSuccess: Callback | None = None, onError: Callback | None = None) -> Future[list[User]]:
        return self._fetch_page(onSuccess, onError, self._load)

    def fetchPrevious(self, onSuccess: Callback | None = None,
                      onError: Callback | None = None) -> Future[list[User]]:
        """The page before the last one fetched ([] at the start); Swift declares it without
        saying more."""
        return self._fetch_page(onSuccess, onError, self._load, back=True)

    def _load(self, api: UserApi, page: int) -> Page:
        return endpoints.list_blocked_users(api, self._query.wire(page))
