"""``ConversationRequest`` (ios-surface-next 3.1): the conversation list, page by page.

    request = ConversationRequest.ConversationRequestBuilder(limit=30).setConversationType(
        conversationType=CometChat.ConversationType.user).build()
    request.fetchNext(onSuccess=lambda conversations: ..., onError=...)

Swift's ``with(blockedInfo:)`` is ``with_(blockedInfo=)`` here (``with`` is a Python keyword);
``getattr(builder, "with")`` also works.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

import attrs

from ..models import Conversation, ConversationType
from ..transport import endpoints
from ..transport.endpoints import Page, UserApi
from .base import Callback, Builder, PagedRequest, enum_value, flag, positive_int, text, words

__all__ = ["ConversationRequest", "ConversationRequestBuilder"]



@attrs.frozen
class ConversationsQuery:
    limit: int
    kind: ConversationType = ConversationType.none
    search: str | None = None
    with_user_and_group_tags: bool = False
    tags: tuple[str, ...] = ()
    with_tags: bool = False
    user_tags: tuple[str, ...] = ()
    group_tags: tuple[str, ...] = ()
    include_blocked: bool = False
    with_blocked_info: bool = False
    unread: bool = False

    def wire(self, page: int) -> list[tuple[str, Any]]:
        """The query, in the order the official SDK writes it (flags as the literal ``true``)."""
        def true(on: bool) -> str | None:
            return "true" if on else None

        return [
            ("per_page", self.limit), ("conversationType", None if self.kind is ConversationType.none else self.kind.value),
            ("searchKey", self.search.strip() if self.search else None),
            ("withUserAndGroupTags", true(self.with_user_and_group_tags)), ("tags", list(self.tags) or None),
            ("withTags", true(self.with_tags)), ("userTags", list(self.user_tags) or None),
            ("groupTags", list(self.group_tags) or None), ("includeBlockedUsers", true(self.include_blocked)),
            ("withBlockedInfo", true(self.with_blocked_info)), ("unread", true(self.unread)), ("page", page),
        ]


class ConversationRequestBuilder(Builder[ConversationsQuery]):
    """Swift's ``ConversationRequest.ConversationRequestBuilder(limit:)``."""

    _labels = {"limit": ("limit", positive_int)}

    def __init__(self, limit: int, *, client: Any = None) -> None:
        super().__init__(ConversationsQuery(limit=positive_int("limit", limit)), client)

    def setConversationType(self, conversationType: ConversationType) -> ConversationRequestBuilder:
        return self._put("kind", enum_value(ConversationType)("conversationType", conversationType))

    def withUserAndGroupTags(self, withUserAndGroupTags: bool) -> ConversationRequestBuilder:
        return self._put("with_user_and_group_tags", flag("withUserAndGroupTags", withUserAndGroupTags))

    def setTags(self, tags: list[str]) -> ConversationRequestBuilder:
        return self._put("tags", words("tags", tags))

    def withTags(self, withTags: bool) -> ConversationRequestBuilder:
        return self._put("with_tags", flag("withTags", withTags))

    def setUserTags(self, tags: list[str]) -> ConversationRequestBuilder:
        return self._put("user_tags", words("tags", tags))

    def setGroupTags(self, tags: list[str]) -> ConversationRequestBuilder:
        return self._put("group_tags", words("tags", tags))

    def include(self, *, blockedUsers: bool) -> ConversationRequestBuilder:
        """Swift's ``include(blockedUsers:)``: list conversations with blocked users too."""
        return self._put("include_blocked", flag("blockedUsers", blockedUsers))

    def with_(self, *, blockedInfo: bool) -> ConversationRequestBuilder:
        """Swift's ``with(blockedInfo:)``."""
        return self._put("with_blocked_info", flag("blockedInfo", blockedInfo))

    def setSearchKeyword(self, keyword: str) -> ConversationRequestBuilder:
        return self._put("search", text("keyword", keyword))

    def setUnread(self, unread: bool) -> ConversationRequestBuilder:
        return self._put("unread", flag("unread", unread))

    def build(self) -> ConversationRequest:
        return ConversationRequest(self._query, self._client)


setattr(ConversationRequestBuilder, "with", ConversationRequestBuilder.with_)


class ConversationRequest(PagedRequest):
    """The caller's conversations, most recent first (``GET conversations``)."""

    ConversationRequestBuilder = ConversationRequestBuilder
    max_limit = 50

    def __init__(self, query: ConversationsQuery, client: Any = None) -> None:
        super().__init__(query.limit, client)
        self._query = query

    def fetchNext(self, onSuccess: Callback | None = None,
                  onError: Callback | None = None) -> Future[list[Conversation]]:
        return self._fetch_page(onSuccess, onError, self._load)

    def _load(self, api: UserApi, page: int) -> Page:
        return endpoints.list_conversations(api, self._query.wire(page))
