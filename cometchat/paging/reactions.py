"""``ReactionsRequestBuilder`` / ``ReactionsRequest`` (ios-surface-next 2.5, 8.2): a message's
reactions, paged both ways by the server's own cursors.

    request = ReactionsRequestBuilder().set(messageId=42).set(limit=10).build()
    request.fetchPrevious(onSuccess=lambda reactions: ..., onError=...)

Swift's builder is a top-level class (not nested in ``ReactionsRequest``). The server answers
each page with ``meta.next`` / ``meta.previous``, opaque objects whose keys go back verbatim
in the next request of that direction; an empty page is the end and moves nothing.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any

import attrs

from .. import exceptions as errors
from .. import validation
from ..exceptions import CometChatException
from ..models import Reaction
from ..transport import endpoints
from ..transport.endpoints import UserApi
from .base import Callback, Builder, Request, message_id, positive_int

__all__ = ["ReactionsRequest", "ReactionsRequestBuilder"]

DEFAULT_LIMIT = 10


@attrs.frozen
class ReactionsQuery:
    limit: int = DEFAULT_LIMIT
    message_id: int | None = None
    reaction: str | None = None


def a_reaction(name: str, value: Any) -> str:
    error = validation.reaction_error(value)
    if error is not None:
        raise error
    return str(value)


class ReactionsRequestBuilder(Builder[ReactionsQuery]):
    """Swift's top-level ``ReactionsRequestBuilder``: ``set(limit=)``, ``set(messageId=)`` (needed),
    ``set(reaction=)`` (only that emoji)."""

    _labels = {
        "limit": ("limit", positive_int),
        "messageId": ("message_id", message_id),
        "reaction": ("reaction", a_reaction),
    }

    def __init__(self, *, client: Any = None) -> None:
        super().__init__(ReactionsQuery(), client)

    def build(self) -> ReactionsRequest:
        return ReactionsRequest(self._query, self._client)


class ReactionsRequest(Request):
    """A message's reactions, oldest first within a page, fetched forward or back."""

    ReactionsRequestBuilder = ReactionsRequestBuilder

    def __init__(self, query: ReactionsQuery, client: Any = None) -> None:
        super().__init__(query.limit, client)
        self._query = query
        self._cursors: dict[str, dict[str, Any]] = {}  #: "next" / "previous" -> the server's keys

    def fetchNext(self, onSuccess: Callback | None = None, onError: Callback | None = None) -> Future[list[Reaction]]:
        return self._fetch(onSuccess, onError, lambda api: self._page(api, "next"), self._missing_id())

    def fetchPrevious(self, onSuccess: Callback | None = None,
                      onError: Callback | None = None) -> Future[list[Reaction]]:
        return self._fetch(onSuccess, onError, lambda api: self._page(api, "previous"), self._missing_id())

    def _missing_id(self) -> CometChatException | None:
        if self._query.message_id:
            return None
        return CometChatException(errors.SET_MESSAGE_ID_IS_COMPULSORY, "Please set the message id: "
                                  "ReactionsRequestBuilder().set(messageId=...).")

    def _page(self, api: UserApi, direction: str) -> list[Reaction]:
        query = self._query
        assert query.message_id is not None
        pairs: list[tuple[str, Any]] = [("limit", query.limit),
                                        ("affix", "append" if direction == "next" else "prepend")]
        pairs += sorted(self._cursors.get(direction, {}).items())
        page = endpoints.list_reactions(api, query.message_id, query.reaction, pairs)
        if page.items:
            for key in ("next", "previous"):
                cursor = page.meta.get(key)
                if isinstance(cursor, dict) and all(isinstance(v, (str, int)) for v in cursor.values()):
                    self._cursors[key] = dict(cursor)
        return page.items
