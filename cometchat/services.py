"""How request objects reach the client they run on.

Swift's request builders (``MessagesRequest.MessageRequestBuilder()`` and the rest) run on the
SDK that ``CometChat`` stands for; a Python request runs on the facade's client unless it was
built for another ``CometChatClient`` (``client=``). Each client registers the parts a request
needs (the session that calls REST as the user, the REST worker, the notifier) under itself,
so a request finds them without reaching into the client.
"""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from .callbacks import Notifier
    from .session import Session
    from .worker import RestWorker

__all__ = ["Services", "register", "set_default", "services_of", "is_client"]


@attrs.frozen
class Services:
    """What a request needs from its client."""

    session: Session
    worker: RestWorker
    notifier: Notifier


_lock = threading.Lock()
_registry: weakref.WeakKeyDictionary[Any, Services] = weakref.WeakKeyDictionary()
_default: list[Any] = []


def register(client: Any, services: Services) -> None:
    with _lock:
        _registry[client] = services


def set_default(client: Any) -> None:
    """The client requests run on when built without ``client=`` (the facade's)."""
    with _lock:
        _default[:] = [client]


def is_client(client: Any) -> bool:
    """Whether ``client`` is a ``CometChatClient`` (every one registers as it is made)."""
    with _lock:
        return client in _registry  # (False for what cannot be weakly referenced)


def services_of(client: Any) -> Services:
    """The parts of ``client``, or of the facade's client when ``client`` is None.

    Raises:
        TypeError: ``client`` is not a ``CometChatClient``.
    """
    with _lock:
        target = client if client is not None else (_default[0] if _default else None)
        services = _registry.get(target) if target is not None else None
    if services is None:
        raise TypeError(f"client must be a CometChatClient, not {type(client).__name__}")
    return services
