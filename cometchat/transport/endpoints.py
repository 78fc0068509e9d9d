"""Every REST endpoint the SDK calls, one typed function each: the paths live in this file only.

Calls made as the logged-in user go through a ``UserApi`` (the session supplies one that adds
the auth token and notices a token the server forgot); the few made before there is a user
take the ``RestClient`` and the credential they need. Reading an answer's ``data`` is the one
place where a malformed answer becomes ``ERROR_JSON_EXCEPTION`` (``_reading``), so no caller
repeats that mapping.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator, Protocol

import attrs

from .. import exceptions as errors
from ..exceptions import RemoteProtocolError
from ..models import BaseMessage
from .protocol import Success
from .rest import RestClient

__all__ = [
    "UserApi",
    "Me",
    "mint_auth_token",
    "register_device",
    "fetch_me",
    "log_out",
    "send_message",
    "latest_messages",
    "messages_after",
]

#: What the login answers carry beyond the user object (never saved as part of the user).
_ME_ONLY = ("authToken", "jwt", "settings", "wsChannel", "fat")


class UserApi(Protocol):
    """REST as the logged-in user."""

    def call(
        self, method: str, path: str, *, body: dict[str, Any] | None = None, params: dict[str, Any] | None = None
    ) -> Success: ...


@attrs.frozen
class Me:
    """``PUT me`` / ``GET me``: the user, the socket's JWT and the app settings (None when
    the answer carried none)."""

    user: dict[str, Any] = attrs.field(hash=False)
    jwt: str = attrs.field(repr=False)
    settings: dict[str, Any] | None = attrs.field(hash=False, repr=False)


@contextlib.contextmanager
def _reading(what: str) -> Iterator[None]:
    """Read an answer's data; any surprise in its shape is the server's malformed answer."""
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError, RemoteProtocolError) as exc:
        raise errors.malformed_answer(what, cause=f"{type(exc).__name__}: {exc}") from None


def _me(data: Any) -> Me:
    with _reading("the answer to me"):
        jwt = data["jwt"]
        if not isinstance(jwt, str) or not isinstance(data.get("uid"), str):
            raise ValueError("no uid or no JWT")
        settings = data.get("settings")
        return Me(
            user={k: v for k, v in data.items() if k not in _ME_ONLY},
            jwt=jwt,
            settings=settings if isinstance(settings, dict) else None,
        )


# --------------------------------------------------------------------------- session


def mint_auth_token(rest: RestClient, uid: str, api_key: str, device: dict[str, Any]) -> str:
    """*admin* ``POST users/{uid}/auth_tokens``: an auth token for a login by key."""
    data = rest.call("POST", f"users/{uid}/auth_tokens", admin=True, api_key=api_key, body=device).data
    with _reading("the auth token"):
        token = data["authToken"]
        if not isinstance(token, str) or not token:
            raise ValueError("no auth token")
        return token


def register_device(rest: RestClient, auth_token: str, device: dict[str, Any]) -> Me:
    """``PUT me``: log this device in with an auth token."""
    return _me(rest.call("PUT", "me", auth_token=auth_token, body=device).data)


def fetch_me(api: UserApi) -> Me:
    """``GET me``: a fresh JWT and the app's current settings."""
    return _me(api.call("GET", "me").data)


def log_out(rest: RestClient, auth_token: str) -> None:
    """``DELETE me``: the server forgets this device's login."""
    rest.call("DELETE", "me", auth_token=auth_token)


# --------------------------------------------------------------------------- messages


def send_message(api: UserApi, body: dict[str, Any]) -> BaseMessage:
    """``POST messages``: the stored message."""
    data = api.call("POST", "messages", body=body).data
    with _reading("the stored message"):
        return BaseMessage.fromWire(data)


def _message_list(success: Success) -> list[dict[str, Any]]:
    with _reading("the message list"):
        if not isinstance(success.data, list) or not all(isinstance(m, dict) for m in success.data):
            raise TypeError("not a list of messages")
        return success.data


def latest_messages(api: UserApi, count: int) -> list[dict[str, Any]]:
    """``GET messages?affix=prepend``: my newest messages (in any conversation), oldest first."""
    return _message_list(api.call("GET", "messages", params={"affix": "prepend", "per_page": count}))


def messages_after(api: UserApi, message_id: int, count: int) -> list[dict[str, Any]]:
    """``GET messages?id=N&affix=append``: my messages after ``message_id``, oldest first."""
    params = {"id": message_id, "affix": "append", "per_page": count}
    return _message_list(api.call("GET", "messages", params=params))
