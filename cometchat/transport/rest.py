"""The REST client: one ``requests.Session`` speaking CometChat's envelope.

Every call sends the protocol's headers (``appId``, ``resource`` = this client's session id,
``sdk``, and ``authToken`` or ``apiKey``) and reads ``{"data"}`` as success and ``{"error"}``
as failure. Foreign errors become ``CometChatException`` in one place, ``_translate_errors``:
a network failure is ``ERROR_INTERNET_UNAVAILABLE`` with the cause in ``details``, a server
certificate nobody trusts is ``ERROR_CERTIFICATE_NOT_TRUSTED``, an answer that is not the
envelope (or strict JSON: no ``NaN``, no lone surrogates, no nesting deeper than the interpreter
parses) is ``ERROR_JSON_EXCEPTION``, a 429 is ``ERROR_TOO_MANY_REQUESTS`` carrying the server's
``Retry-After`` in ``details["retryAfter"]``, and the server's own codes pass through unchanged. TLS is
verified (with the app's ``SSLContext`` when it gave one); proxies come from the environment,
as requests does by default. What each endpoint's ``data`` holds is read in ``endpoints.py``.
"""

from __future__ import annotations

import contextlib
import logging
import ssl
from typing import Any, Iterator

import requests
from requests.adapters import HTTPAdapter

from .. import exceptions as errors
from ..__version__ import __version__
from ..exceptions import CometChatException
from ..numbers import retry_after
from . import hosts, protocol, tls

log = logging.getLogger("cometchat")


class _ContextAdapter(HTTPAdapter):
    """Hands the app's SSLContext to urllib3 for every https connection."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)

    def proxy_manager_for(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["ssl_context"] = self._context
        return super().proxy_manager_for(*args, **kwargs)


@contextlib.contextmanager
def _translate_errors(method: str, path: str) -> Iterator[None]:
    try:
        yield
    except requests.exceptions.RequestException as exc:
        complaint = tls.untrusted_certificate(exc)
        if complaint is not None:
            raise errors.certificate_not_trusted(complaint) from exc
        raise CometChatException(
            errors.ERROR_INTERNET_UNAVAILABLE,
            "No Internet Connection. Please try again later.",
            {"cause": f"{type(exc).__name__}: {exc}", "request": f"{method} {path}"},
        ) from exc


def _too_many_requests(response: requests.Response) -> CometChatException:
    """A 429, whatever its body says: the code is ours, the wait is the server's."""
    wait = retry_after(response.headers.get("Retry-After"))
    details: dict[str, Any] = {"status": 429, "retryAfter": wait}
    try:
        failure = protocol.parse_envelope(protocol.loads(response.content))
    except protocol.RemoteProtocolError:
        failure = None
    if isinstance(failure, protocol.Failure):
        details.update(serverCode=failure.code, serverMessage=failure.message)
    when = f"in {wait:g} s" if wait is not None else "later"
    return CometChatException(
        errors.ERROR_TOO_MANY_REQUESTS, f"The server is refusing requests for now: try again {when}.", details
    )


def _read_envelope(response: requests.Response) -> protocol.Success:
    if response.status_code == 429:
        raise _too_many_requests(response)
    try:
        body = protocol.loads(response.content)
    except protocol.RemoteProtocolError as exc:
        raise errors.malformed_answer(f"not JSON ({exc.message})", status=response.status_code) from None
    try:
        envelope = protocol.parse_envelope(body)
    except protocol.RemoteProtocolError as exc:
        raise errors.malformed_answer(exc.message, status=response.status_code, field=exc.field) from None
    if isinstance(envelope, protocol.Failure):
        raise CometChatException(envelope.code, envelope.message, envelope.details)
    return envelope


class RestClient:
    """REST calls for one client: ``call`` from one thread (the client's REST worker), ``upload``
    from any (each with its own session)."""

    def __init__(
        self,
        *,
        app_id: str,
        region: str,
        session_id: str,
        client_override: str | None = None,
        admin_override: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        connect_timeout: float = 10.0,
        read_timeout: float = 30.0,
    ) -> None:
        self.client_base = hosts.client_base(app_id, region, client_override)
        self.admin_base = hosts.admin_base(app_id, region, admin_override)
        self._overridden = (client_override is not None, admin_override is not None)
        self._timeout = (connect_timeout, read_timeout)
        self._headers = {"appId": app_id, "resource": session_id, "sdk": f"python@{__version__}",
                         "Accept": "application/json"}
        self._ssl_context = ssl_context
        self._session = self._new_session()

    def _new_session(self) -> requests.Session:
        session = requests.Session()
        session.headers.update(self._headers)
        if self._ssl_context is not None:
            session.mount("https://", _ContextAdapter(self._ssl_context))
        return session

    def rebase(self, settings: dict[str, Any]) -> None:
        """Use the hosts the server named in its settings, unless the app overrode them."""
        client = hosts.settings_base(settings, "CLIENT_API_HOST")
        admin = hosts.settings_base(settings, "ADMIN_API_HOST")
        if client and not self._overridden[0]:
            self.client_base = client
        if admin and not self._overridden[1]:
            self.admin_base = admin

    def call(
        self,
        method: str,
        path: str,
        *,
        admin: bool = False,
        auth_token: str | None = None,
        api_key: str | None = None,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
    ) -> protocol.Success:
        """One request; returns the envelope's data and meta or raises CometChatException."""
        headers = {}
        if auth_token is not None:
            headers["authToken"] = auth_token
        if api_key is not None:
            headers["apiKey"] = api_key
        url = (self.admin_base if admin else self.client_base) + path
        with _translate_errors(method, path):
            response = self._session.request(
                method, url, json=body, params=params, headers=headers, timeout=self._timeout
            )
        log.debug("REST %s %s -> %s", method, path, response.status_code)
        return _read_envelope(response)

    def upload(self, path: str, body: Any, content_type: str, *, auth_token: str) -> protocol.Success:
        """A streamed request body (a multipart upload): ``body`` has ``read(n)`` and ``len()``,
        so it goes with a Content-Length and never whole in memory. Each upload runs on a thread
        of its own, with a connection of its own (a requests session is not shared across threads)."""
        headers = {"authToken": auth_token, "Content-Type": content_type}
        with self._new_session() as session, _translate_errors("POST", path):
            response = session.request("POST", self.client_base + path, data=body, headers=headers,
                                       timeout=self._timeout)
        log.debug("REST POST %s (upload) -> %s", path, response.status_code)
        return _read_envelope(response)

    def close(self) -> None:
        self._session.close()
