"""CometChat: the Swift-shaped static facade.

Every member delegates to a default ``CometChatClient`` made at import (as requests'
``api.get`` delegates to a ``Session``), so Swift code ports line by line:

    CometChat.init(appId="APP_ID", appSettings=settings, onSuccess=..., onError=...)
    CometChat.login(UID="cometchat-uid-1", authKey="AUTH_KEY", onSuccess=..., onError=...)

The members are made from the client's own: each public method becomes a static method
calling the same method on whichever client is the default at call time, each property a
class-level property, each nested enum the same enum. A method added to the client is on the
facade too, and a test keeps the signatures equal. Type checkers read these members from
``_surface.pyi``, which ``.ci/stubgen.py`` writes from what this module builds (a test fails
when the stub and the runtime differ).

Listeners may be added before ``init``; they survive it. The default client keeps its session
in a private file under the user's data directory unless the settings say otherwise.
``CometChat.close()`` stops the default client and puts a fresh one in its place, so the
facade works again (``init`` first; listeners are those of the new client).
"""

from __future__ import annotations

import functools
import inspect
from typing import TYPE_CHECKING, Any, Callable

from . import services
from .client import CometChatClient

__all__ = ["CometChat", "defaultClient", "replaceDefaultClient", "facade_members"]


class _FacadeClient(CometChatClient):
    """The client behind ``CometChat``: it saves its session to a file by default."""

    _persistent_by_default = True


_default: CometChatClient = _FacadeClient()
services.set_default(_default)


def defaultClient() -> CometChatClient:
    """The client behind ``CometChat``."""
    return _default


def replaceDefaultClient() -> CometChatClient:
    """Close the default client and put a fresh one behind ``CometChat``."""
    global _default
    _default.close()
    _default = _FacadeClient()
    services.set_default(_default)
    return _default


def _misuse(name: str, method: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> TypeError:
    """A call that does not fit the signature, explained in the facade's own terms."""
    signature = _facade_signature(method)
    try:
        signature.bind(*args, **kwargs)
        problem = "bad arguments"
    except TypeError as exc:
        problem = str(exc)
    return TypeError(f"CometChat.{name}(): {problem}; it takes {name}{signature} (Swift labels are keywords)")


def _facade_signature(method: Callable[..., Any]) -> inspect.Signature:
    signature = inspect.signature(method)
    return signature.replace(parameters=list(signature.parameters.values())[1:])  # without self


def _delegation(name: str, method: Callable[..., Any]) -> staticmethod:  # type: ignore[type-arg]
    """``CometChat.name(...)``: ``name(...)`` on whichever client is the default at call time."""

    @functools.wraps(method)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return getattr(_default, name)(*args, **kwargs)
        except TypeError as exc:
            raised_by_the_call_itself = exc.__traceback__ is not None and exc.__traceback__.tb_next is None
            if raised_by_the_call_itself:
                raise _misuse(name, method, args, kwargs) from None
            raise

    call.__qualname__ = f"CometChat.{name}"
    call.__signature__ = _facade_signature(method)  # type: ignore[attr-defined]
    return staticmethod(call)


def _close() -> None:
    """Stop the default client (its threads, its socket) and put a fresh one in its place.

    Not a logout: the saved session stays, and ``init`` restores it."""
    replaceDefaultClient()


def _shared(name: str, member: property) -> property:
    """A class-level property reading (and, if the client's can, setting) ``name``."""
    setter = None if member.fset is None else (lambda cls, value: setattr(_default, name, value))
    return property(lambda cls: getattr(_default, name), setter, doc=member.__doc__)


def facade_members(client_type: type = CometChatClient) -> tuple[dict[str, Any], dict[str, Any]]:
    """(class namespace, metaclass namespace) mirroring the public members of ``client_type``
    (``CometChatClient``; a test passes a client with one more kind of listener)."""
    namespace: dict[str, Any] = {}
    meta: dict[str, Any] = {}
    for name, member in inspect.getmembers(client_type):
        if name.startswith("_"):
            continue
        if isinstance(member, property):
            meta[name] = _shared(name, member)
        elif inspect.isclass(member):
            namespace[name] = member
        elif inspect.isfunction(member):
            namespace[name] = _delegation(name, member)
    _close.__qualname__ = "CometChat.close"
    namespace["close"] = staticmethod(_close)
    return namespace, meta


if TYPE_CHECKING:
    # the members are made below from the client's; type checkers read them, with their
    # signatures, from the stub that .ci/stubgen.py writes from this module's result
    from ._surface import CometChat as CometChat
else:

    class _CometChatType(type):
        """Swift's static properties, readable (and the delegates settable) on the class itself."""

    class CometChat(metaclass=_CometChatType):
        """The SDK, as Swift's ``CometChat`` class: every member is static."""


def _install() -> None:
    namespace, meta = facade_members()
    for name, member in meta.items():
        setattr(type(CometChat), name, member)
    for name, member in namespace.items():
        setattr(CometChat, name, member)


_install()
