"""Where to reach CometChat: REST base URLs and the WebSocket URL (pure functions).

Without overrides the SDK targets the real service: ``https://{appId}.apiclient-{region}...``
for client calls and ``https://{appId}.api-{region}...`` for admin calls, then the settings'
``CLIENT_API_HOST`` / ``ADMIN_API_HOST`` once the server has sent them. An override always
wins and is never re-based; it is ``host[:port]`` (https implied) or a URL with a scheme, and
``/v3.0`` is appended when it has no path.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .. import exceptions as errors

API_VERSION = "v3.0"


def _with_version(scheme: str, netloc: str, path: str) -> str:
    path = path.rstrip("/") or f"/{API_VERSION}"
    return f"{scheme}://{netloc}{path}/"


def override_base(override: str) -> str:
    """``"127.0.0.1:3000"`` -> ``"https://127.0.0.1:3000/v3.0/"``; a URL keeps its scheme."""
    if "://" not in override:
        override = "https://" + override
    parts = urlsplit(override)
    return _with_version(parts.scheme, parts.netloc, parts.path)


def client_base(app_id: str, region: str, override: str | None = None) -> str:
    if override:
        return override_base(override)
    return f"https://{app_id}.apiclient-{region}.cometchat.io/{API_VERSION}/"


def admin_base(app_id: str, region: str, override: str | None = None) -> str:
    if override:
        return override_base(override)
    return f"https://{app_id}.api-{region}.cometchat.io/{API_VERSION}/"


def settings_base(settings: dict[str, Any], key: str) -> str | None:
    """``https://{settings[key]}/{CHAT_API_VERSION}/``, or None if the settings lack it."""
    host = settings.get(key)
    if not isinstance(host, str) or not host:
        return None
    version = settings.get("CHAT_API_VERSION") or API_VERSION
    return f"https://{host}/{version}/"


def socket_url(settings: dict[str, Any], rest_base: str) -> str:
    """``wss://{chat host}:{CHAT_WSS_PORT}/``; ``ws://`` only when REST itself is plain http.

    Raises:
        CometChatException: ``ERROR_INVALID_SERVER_SETTINGS`` when the settings name no chat
            host, or a host or port no URL can hold (checked here, where the URL is made, so
            nothing that reads it later fails on it).
    """
    key, host = next(((k, settings.get(k)) for k in _CHAT_HOSTS if settings.get(k)), ("CHAT_HOST", None))
    if not isinstance(host, str):
        raise errors.invalid_server_settings(key, host, "names no chat host")
    port = settings.get("CHAT_WSS_PORT")
    number = _port_number(port)
    if number is None and port not in (None, ""):
        raise errors.invalid_server_settings("CHAT_WSS_PORT", port, "is not a port number from 1 to 65535")
    scheme = "ws" if rest_base.startswith("http://") else "wss"
    netloc = f"[{host}]" if ":" in host and not host.startswith("[") else host
    url = f"{scheme}://{netloc}:{number}/" if number is not None else f"{scheme}://{netloc}/"
    try:
        parts = urlsplit(url)  # raises on unbalanced brackets
        valid = (parts.port is None or parts.port > 0) and bool(parts.hostname) and parts.path == "/" \
            and not (parts.query or parts.fragment or parts.username) and not any(c.isspace() for c in host)
    except ValueError:  # what parts.port raises for a port that is not one
        valid = False
    if not valid:
        raise errors.invalid_server_settings(key, host, "is not a host name")
    return url


_CHAT_HOSTS = ("CHAT_HOST_OVERRIDE", "CHAT_HOST_APP_SPECIFIC", "CHAT_HOST")


def _port_number(port: Any) -> int | None:
    """A TCP port as the settings may give it (``"443"`` or ``443``), or None."""
    if isinstance(port, str) and port.isascii() and port.isdigit():
        port = int(port)
    if isinstance(port, int) and not isinstance(port, bool) and 1 <= port <= 65535:
        return port
    return None
