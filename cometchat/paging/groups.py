"""``GroupsRequest``, ``GroupMembersRequest`` and ``BannedGroupMembersRequest``
(ios-surface-next 4.3): page-number lists, ``fetchNext`` only.

    request = (GroupsRequest.GroupsRequestBuilder(limit=30)
               .set(joinedOnly=True)
               .build())
    request.fetchNext(onSuccess=lambda groups: ..., onError=...)
"""

from __future__ import annotations

import abc
from concurrent.futures import Future
from typing import Any

import attrs

from ..models import Group, GroupMember
from ..transport import endpoints
from ..transport.endpoints import Page, UserApi
from ..validation import guid_error
from .base import Callback, DEFAULT_LIMIT, Builder, PagedRequest, flag, positive_int, text, words

__all__ = [
    "GroupsRequest",
    "GroupsRequestBuilder",
    "GroupMembersRequest",
    "GroupMembersRequestBuilder",
    "BannedGroupMembersRequest",
    "BannedGroupMembersRequestBuilder",
]



def _search(value: str | None) -> str | None:
    return value.strip() if value else None


@attrs.frozen
class GroupsQuery:
    limit: int = DEFAULT_LIMIT
    search: str | None = None
    joined_only: bool = False
    tags: tuple[str, ...] = ()
    with_tags: bool = False

    def wire(self, page: int) -> list[tuple[str, Any]]:
        """The query, in the order the official SDK writes it."""
        return [("per_page", self.limit), ("searchKey", _search(self.search)),
                ("hasJoined", 1 if self.joined_only else None), ("tags", list(self.tags) or None),
                ("withTags", 1 if self.with_tags else None), ("page", page)]


class GroupsRequestBuilder(Builder[GroupsQuery]):
    """Swift's ``GroupsRequest.GroupsRequestBuilder(limit:)``; ``joinedOnly`` is the wire's
    ``hasJoined=1``."""

    _labels = {
        "limit": ("limit", positive_int),
        "searchKeyword": ("search", text),
        "joinedOnly": ("joined_only", flag),
        "tags": ("tags", words),
    }

    def __init__(self, limit: int = DEFAULT_LIMIT, *, client: Any = None) -> None:
        super().__init__(GroupsQuery(limit=positive_int("limit", limit)), client)

    def withTags(self, withTags: bool) -> GroupsRequestBuilder:
        return self._put("with_tags", flag("withTags", withTags))

    def build(self) -> GroupsRequest:
        return GroupsRequest(self._query, self._client)


class GroupsRequest(PagedRequest):
    """The groups the user can see (public and password groups, and private ones they are in):
    ``GET groups``."""

    GroupsRequestBuilder = GroupsRequestBuilder

    def __init__(self, query: GroupsQuery, client: Any = None) -> None:
        super().__init__(query.limit, client)
        self._query = query

    def fetchNext(self, onSuccess: Callback | None = None, onError: Callback | None = None) -> Future[list[Group]]:
        return self._fetch_page(onSuccess, onError, self._load)

    def _load(self, api: UserApi, page: int) -> Page:
        return endpoints.list_groups(api, self._query.wire(page))


@attrs.frozen
class MembersQuery:
    guid: str
    limit: int = DEFAULT_LIMIT
    search: str | None = None
    scopes: tuple[str, ...] = ()

    def wire(self, page: int) -> list[tuple[str, Any]]:
        return [("per_page", self.limit), ("searchKey", _search(self.search)),
                ("scopes", list(self.scopes) or None), ("page", page)]


class _MembersBuilder(Builder[MembersQuery]):
    """``init(guid:)``: a guid that is not a string raises ``ERROR_INVALID_PARAMETER`` at once,
    as a setter's would; a malformed one fails the first fetch with ``ERROR_INVALID_GUID``, as
    a bad receiver fails a send."""

    _labels = {
        "limit": ("limit", positive_int),
        "searchKeyword": ("search", text),
        "scopes": ("scopes", words),
    }

    def __init__(self, guid: str, *, client: Any = None) -> None:
        super().__init__(MembersQuery(guid=text("guid", guid)), client)


class _MembersRequest(PagedRequest, abc.ABC):

    def __init__(self, query: MembersQuery, client: Any = None) -> None:
        super().__init__(query.limit, client)
        self._query = query

    def fetchNext(self, onSuccess: Callback | None = None,
                  onError: Callback | None = None) -> Future[list[GroupMember]]:
        return self._fetch_page(onSuccess, onError, self._load, precondition=guid_error(self._query.guid))

    @abc.abstractmethod
    def _load(self, api: UserApi, page: int) -> Page:
        """One page of the list."""


class GroupMembersRequestBuilder(_MembersBuilder):
    """Swift's ``GroupMembersRequest.GroupMembersRequestBuilder(guid:)``."""

    def build(self) -> GroupMembersRequest:
        return GroupMembersRequest(self._query, self._client)


class GroupMembersRequest(_MembersRequest):
    """A group's members with their scopes (members only): ``GET groups/{guid}/members``."""

    GroupMembersRequestBuilder = GroupMembersRequestBuilder

    def _load(self, api: UserApi, page: int) -> Page:
        return endpoints.list_members(api, self._query.guid, self._query.wire(page))


class BannedGroupMembersRequestBuilder(_MembersBuilder):
    """Swift's ``BannedGroupMembersRequest.BannedGroupMembersRequestBuilder(guid:)``."""

    def build(self) -> BannedGroupMembersRequest:
        return BannedGroupMembersRequest(self._query, self._client)


class BannedGroupMembersRequest(_MembersRequest):
    """Who is banned from a group (moderators and admins): ``GET groups/{guid}/bannedusers``."""

    BannedGroupMembersRequestBuilder = BannedGroupMembersRequestBuilder

    def _load(self, api: UserApi, page: int) -> Page:
        return endpoints.list_banned_members(api, self._query.guid, self._query.wire(page))
