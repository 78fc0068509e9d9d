"""What every request of the Swift "request" builders shares.

- Builders are mutable and chainable, like Swift's; Swift overloads told apart by their labels
  are one ``set`` method whose keyword is the label (``set(limit=50)``, ``set(uid="bob")``),
  exactly one per call. A value of the wrong type raises ``ERROR_INVALID_PARAMETER`` at once,
  given to a setter or to the builder itself (``limit=``, ``guid=``, ``client=``).
- ``build()`` gives a request that owns its cursor or page number. Its fetches call back on
  the dispatch queue and return a Future; an empty list means the end. A second fetch while
  one is in flight fails with ``REQUEST_IN_PROGRESS``, and a limit above the maximum fails
  the fetch with ``ERROR_SET_LIMIT_EXCEEDED``, as the official SDK does.
- A request runs on the facade's client unless built with ``client=`` (a Python extension).
"""

from __future__ import annotations

import enum
import threading
from concurrent.futures import Future
from typing import Any, Callable, ClassVar, Generic, TypeVar

import attrs

from .. import exceptions as errors
from ..exceptions import CometChatException, invalid_parameter
from ..services import is_client, services_of
from ..transport.endpoints import Page, UserApi
from ..transport.protocol import has_lone_surrogate

__all__ = [
    "Request",
    "PagedRequest",
    "Builder",
    "positive_int",
    "text",
    "flag",
    "words",
    "message_id",
    "enum_value",
]

Q = TypeVar("Q")
B = TypeVar("B", bound="Builder[Any]")
Callback = Callable[..., Any]
DEFAULT_LIMIT = 30


# --------------------------------------------------------------------------- checks of setter values


def positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise invalid_parameter(name, "a positive int", value)
    return value


def message_id(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise invalid_parameter(name, "a non-negative int", value)
    return value


def text(name: str, value: Any) -> str:
    """A string that is valid Unicode (a lone surrogate can go in no request)."""
    if not isinstance(value, str) or has_lone_surrogate(value):
        raise invalid_parameter(name, "a string of valid Unicode", value)
    return value


def flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise invalid_parameter(name, "True or False", value)
    return value


def words(name: str, value: Any) -> tuple[str, ...]:
    """A list of strings; members of the SDK's string enums count as their wire values."""
    if isinstance(value, str) or not isinstance(value, (list, tuple)) \
            or not all(isinstance(v, str) and not has_lone_surrogate(v) for v in value):
        raise invalid_parameter(name, "a list of strings of valid Unicode", value)
    return tuple(str(getattr(v, "value", v)) for v in value)


def enum_value(kind: type[enum.Enum]) -> Callable[[str, Any], Any]:
    """A check that takes a member of ``kind`` (or its wire value) and gives the member."""

    def check(name: str, value: Any) -> Any:
        try:
            return kind(value)
        except ValueError:
            raise invalid_parameter(name, f"a {kind.__name__}", value) from None

    return check


# --------------------------------------------------------------------------- builders


class Builder(Generic[Q]):
    """A chainable builder of a frozen query ``Q``; subclasses list their ``set`` labels."""

    #: label of ``set(label=value)`` -> (query field, check)
    _labels: ClassVar[dict[str, tuple[str, Callable[[str, Any], Any]]]] = {}

    def __init__(self, query: Q, client: Any = None) -> None:
        if client is not None and not is_client(client):
            raise invalid_parameter("client", "a CometChatClient or None", client)
        self._query = query
        self._client = client

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._query!r})"

    def _put(self: B, field: str, value: Any) -> B:
        self._query = attrs.evolve(self._query, **{field: value})
        return self

    def set(self: B, **label: Any) -> B:
        """Swift's ``set(label:)`` overloads: exactly one labelled value per call."""
        if len(label) != 1:
            raise TypeError(f"set() takes exactly one labelled value, like Swift's set(label:); got {sorted(label)}")
        (name, value), = label.items()
        if name not in self._labels:
            raise TypeError(f"set() got an unexpected label {name!r}; {type(self).__name__} takes one of "
                            f"{', '.join(sorted(self._labels))}")
        field, check = self._labels[name]
        return self._put(field, check(name, value))


# --------------------------------------------------------------------------- requests


class Request:
    """One fetch at a time, on the REST worker of the request's client."""

    #: the most items one fetch may ask for
    max_limit: ClassVar[int] = 100

    def __init__(self, limit: int, client: Any) -> None:
        self._limit = limit
        self._client = client
        self._lock = threading.Lock()
        self._busy: object | None = None  #: the fetch in flight

    def _fetch(self, onSuccess: Callback | None, onError: Callback | None,
               load: Callable[[UserApi], list[Any]], precondition: CometChatException | None = None) -> Future[Any]:
        """Run ``load`` (which moves the cursor) on the worker; answer with its list."""
        services = services_of(self._client)
        reply = services.notifier.reply(onSuccess, onError)
        error = services.session.refusal(needs_user=True) or self._limit_error() or precondition
        ticket = object()
        if error is None and not self._claim(ticket):
            error = CometChatException(errors.REQUEST_IN_PROGRESS, "Request in progress.")
        if error is not None:
            reply.fail(error)
            return reply.future
        reply.future.add_done_callback(lambda _: self._release(ticket))  # also if the work never ran

        def work() -> None:
            try:
                items = load(services.session)
            finally:
                self._release(ticket)  # before the app hears: its onSuccess may fetch again
            reply.succeed(items, items)

        services.worker.run(reply, work)
        return reply.future

    def _limit_error(self) -> CometChatException | None:
        if self._limit <= self.max_limit:
            return None
        return CometChatException(errors.ERROR_SET_LIMIT_EXCEEDED, f"Limit exceeded max limit of {self.max_limit}.",
                                  {"limit": self._limit, "maximum": self.max_limit})

    def _claim(self, ticket: object) -> bool:
        with self._lock:
            if self._busy is not None:
                return False
            self._busy = ticket
            return True

    def _release(self, ticket: object) -> None:
        """End fetch ``ticket``; a later fetch's claim is not this one's to end."""
        with self._lock:
            if self._busy is ticket:
                self._busy = None


class PagedRequest(Request):
    """A page-number list (ios-surface-next 8.3): pages from 1; an empty page does not advance."""

    def __init__(self, limit: int, client: Any) -> None:
        super().__init__(limit, client)
        self._next_page = 1

    def _fetch_page(self, onSuccess: Callback | None, onError: Callback | None,
                    load: Callable[[UserApi, int], Page], *, back: bool = False,
                    precondition: CometChatException | None = None) -> Future[Any]:
        def next_page(api: UserApi) -> list[Any]:
            if back and self._next_page <= 2:
                return []  # nothing before the first page
            page = self._next_page - 2 if back else self._next_page
            items = load(api, page).items
            if items:
                self._next_page = page + 1
            return items

        return self._fetch(onSuccess, onError, next_page, precondition)
