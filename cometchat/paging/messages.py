"""``MessagesRequest``: history, with the cursors of ios-surface-next 8.1.

    request = (MessagesRequest.MessageRequestBuilder()
               .set(uid="cometchat-uid-2")
               .set(limit=30)
               .build())
    request.fetchPrevious(onSuccess=lambda messages: ..., onError=...)   # the newest 30, oldest first
    request.fetchPrevious(...)                                            # the 30 before those

``fetchPrevious`` pages back from the oldest message seen (or from ``set(messageID:)`` /
``set(timeStamp:)``), ``fetchNext`` forward from the newest seen; each message comes once.
When the server says the past is done (no ``meta.cursor``), the next ``fetchPrevious``
answers ``[]`` without asking again, as the official SDK does. The future is never done:
``fetchNext`` always asks, so the same request catches up with what arrived since (the JS SDK
stops there too, which leaves a list that can only grow stuck at its first short page).
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

import attrs

from .. import exceptions as errors
from .. import validation
from ..exceptions import CometChatException
from ..models import BaseMessage
from ..transport import endpoints
from ..transport.endpoints import Page, UserApi
from .base import Callback, DEFAULT_LIMIT, Builder, Request, flag, message_id, positive_int, text, words

__all__ = ["MessagesRequest", "MessageRequestBuilder"]


@attrs.frozen
class MessagesQuery:
    limit: int = DEFAULT_LIMIT
    uid: str | None = None
    guid: str | None = None
    parent_id: int = 0
    message_id: int = 0
    timestamp: int = 0
    updated_after: int = 0
    updates_only: bool = False
    unread: bool = False
    hide_blocked: bool = False
    search: str | None = None
    hide_deleted: bool = False
    hide_replies: bool = False
    categories: tuple[str, ...] = ()
    types: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    with_tags: bool = False
    mention_tags: bool = False
    mention_blocks: bool = False

    def wire(self, affix: str, edge: Edge) -> list[tuple[str, Any]]:
        """The query, in the order the official SDK writes it: what the builder set comes
        before ``affix``, a cursor key learned from a page after everything (the replies flag
        is dropped for a thread)."""
        seeded_update = self.updated_after if affix == "append" else 0
        learned = [("id", edge.message_id if not self.message_id else 0),
                   ("sentAt", edge.sent_at if not self.timestamp else 0),
                   ("updatedAt", edge.updated_at if not seeded_update else 0)]
        return [
            ("per_page", self.limit), ("hideMessagesFromBlockedUsers", 1 if self.hide_blocked else None),
            ("hideReplies", "true" if self.hide_replies and not self.parent_id else None),
            ("hideDeleted", 1 if self.hide_deleted else None),
            ("id", edge.message_id if self.message_id else None), ("sentAt", edge.sent_at if self.timestamp else None),
            ("onlyUpdates", 1 if self.updates_only else None), ("updatedAt", edge.updated_at if seeded_update else None),
            ("unread", 1 if self.unread else None), ("searchKey", self.search.strip() if self.search else None),
            ("affix", affix), ("categories", list(self.categories) or None), ("types", list(self.types) or None),
            ("tags", list(self.tags) or None), ("withTags", 1 if self.with_tags else None),
            ("mentionsWithTagInfo", 1 if self.mention_tags else None),
            ("mentionsWithBlockedInfo", 1 if self.mention_blocks else None),
            ("withThreadSubscribed", "true"),
            *((key, value) for key, value in learned if value),
        ]

    def target_error(self) -> CometChatException | None:
        """A malformed uid or guid fails the fetch, as it fails every other call."""
        if self.uid is not None:
            return validation.uid_error(self.uid)
        if self.guid is not None:
            return validation.guid_error(self.guid)
        return None


@attrs.frozen
class Edge:
    """Where one direction of paging stands: the oldest (or newest) message seen so far."""

    message_id: int = 0
    sent_at: int = 0
    updated_at: int = 0
    done: bool = False

    def moved(self, messages: list[BaseMessage], newest: bool, meta: dict[str, Any]) -> Edge:
        """The edge after a page: each key goes to the page's min (back) or max (forward); the
        update time moves only once it was set. No ``meta.cursor`` means this way is done."""
        pick = max if newest else min

        def step(current: int, values: list[int]) -> int:
            return pick([current, *values]) if current and values else (pick(values) if values else current)

        updated = [m.updatedAt for m in messages if m.updatedAt]
        return Edge(
            message_id=step(self.message_id, [m.id for m in messages if m.id]),
            sent_at=step(self.sent_at, [m.sentAt for m in messages if m.sentAt]),
            updated_at=step(self.updated_at, updated) if self.updated_at else 0,
            done=not isinstance(meta.get("cursor"), dict),
        )

    def moved_by_update(self, messages: list[BaseMessage]) -> Edge:
        """The edge after a page of updates, which comes in (update time, id) order: the last
        of the page, both keys of it, since many messages change in the same second."""
        last = max(messages, key=lambda m: (m.updatedAt or 0, m.id), default=None)
        if last is None:
            return self
        return Edge(message_id=last.id, sent_at=self.sent_at, updated_at=max(last.updatedAt or 0, self.updated_at))


class MessageRequestBuilder(Builder[MessagesQuery]):
    """Swift's ``MessagesRequest.MessageRequestBuilder`` (no "s", as in Swift)."""

    _labels = {
        "limit": ("limit", positive_int),
        "uid": ("uid", text),
        "guid": ("guid", text),
        "messageID": ("message_id", message_id),
        "timeStamp": ("timestamp", message_id),
        "unread": ("unread", flag),
        "searchKeyword": ("search", text),
        "categories": ("categories", words),
        "types": ("types", words),
    }

    def __init__(self, *, client: Any = None) -> None:
        super().__init__(MessagesQuery(), client)

    def hideMessagesFromBlockedUsers(self, block: bool) -> MessageRequestBuilder:
        return self._put("hide_blocked", flag("hideMessagesFromBlockedUsers", block))

    def hideDeletedMessages(self, hide: bool) -> MessageRequestBuilder:
        return self._put("hide_deleted", flag("hide", hide))

    def setUpdatedAfter(self, timeStamp: int) -> MessageRequestBuilder:
        return self._put("updated_after", message_id("timeStamp", timeStamp))

    def updatesOnly(self, onlyUpdates: bool) -> MessageRequestBuilder:
        return self._put("updates_only", flag("onlyUpdates", onlyUpdates))

    def setCategory(self, category: str) -> MessageRequestBuilder:
        """Deprecated in Swift: one category."""
        return self._put("categories", (text("category", category),))

    def setType(self, type: str) -> MessageRequestBuilder:
        """Deprecated in Swift: one type."""
        return self._put("types", (text("type", type),))

    def setParentMessageId(self, parentMessageId: int) -> MessageRequestBuilder:
        """Fetch the replies of this message (its thread)."""
        return self._put("parent_id", message_id("parentMessageId", parentMessageId))

    def hideReplies(self, hide: bool) -> MessageRequestBuilder:
        return self._put("hide_replies", flag("hide", hide))

    def setTags(self, tags: list[str]) -> MessageRequestBuilder:
        return self._put("tags", words("tags", tags))

    def withTags(self, withTags: bool) -> MessageRequestBuilder:
        return self._put("with_tags", flag("withTags", withTags))

    def mentionsWithTagInfo(self, mentionsWithTagInfo: bool) -> MessageRequestBuilder:
        """Mentioned users come with their tags."""
        return self._put("mention_tags", flag("mentionsWithTagInfo", mentionsWithTagInfo))

    def mentionsWithBlockedInfo(self, mentionsWithBlockedInfo: bool) -> MessageRequestBuilder:
        """Mentioned users come with ``blockedByMe`` / ``hasBlockedMe``."""
        return self._put("mention_blocks", flag("mentionsWithBlockedInfo", mentionsWithBlockedInfo))

    def build(self) -> MessagesRequest:
        return MessagesRequest(self._query, self._client)


class MessagesRequest(Request):
    """History, page by page, back (``fetchPrevious``) or forward (``fetchNext``)."""

    MessageRequestBuilder = MessageRequestBuilder

    def __init__(self, query: MessagesQuery, client: Any = None) -> None:
        super().__init__(query.limit, client)
        self._query = query
        seed = Edge(message_id=query.message_id, sent_at=query.timestamp, updated_at=query.updated_after)
        self._older = attrs.evolve(seed, updated_at=0)
        self._newer = seed

    def fetchPrevious(self, onSuccess: Callback | None = None,
                      onError: Callback | None = None) -> Future[list[BaseMessage]]:
        """Older messages (``affix=prepend``), oldest first; [] at the beginning."""
        missing = None
        if self._query.updates_only:
            missing = CometChatException(
                errors.NOT_ENOUGH_PARAMETERS,
                "`updatesOnly` pages forward from `updatedAfter`: use the 'fetchNext()' method.")
        return self._fetch(onSuccess, onError, self._previous, self._query.target_error() or missing)

    def fetchNext(self, onSuccess: Callback | None = None,
                  onError: Callback | None = None) -> Future[list[BaseMessage]]:
        """Newer messages (``affix=append``), oldest first; needs a place to start."""
        edge = self._newer
        missing = None
        if self._query.updates_only and not self._query.updated_after:
            missing = CometChatException(
                errors.NOT_ENOUGH_PARAMETERS, "`updatedAfter` is required to use `updatesOnly`.")
        elif not (edge.message_id or edge.sent_at or edge.updated_at):
            missing = CometChatException(
                errors.NOT_ENOUGH_PARAMETERS,
                "`Timestamp`, `MessageId` or `updatedAfter` is required to use the 'fetchNext()' method.")
        return self._fetch(onSuccess, onError, self._next, self._query.target_error() or missing)

    def _page(self, api: UserApi, affix: str, edge: Edge) -> Page:
        query = self._query
        return endpoints.list_messages(api, query.wire(affix, edge), uid=query.uid, guid=query.guid,
                                       parent_id=query.parent_id)

    def _previous(self, api: UserApi) -> list[BaseMessage]:
        if self._older.done:
            return []
        page = self._page(api, "prepend", self._older)
        self._older = self._older.moved(page.items, newest=False, meta=page.meta)
        if not self._newer.message_id:  # forward paging starts after what was seen
            self._newer = attrs.evolve(self._newer.moved(page.items, newest=True, meta={"cursor": {}}), done=False)
        return page.items

    def _next(self, api: UserApi) -> list[BaseMessage]:
        page = self._page(api, "append", self._newer)
        if self._query.updated_after:
            self._newer = self._newer.moved_by_update(page.items)
        else:
            self._newer = self._newer.moved(page.items, newest=True, meta=page.meta)
        return page.items
