"""The REST client: one ``requests.Session`` speaking CometChat's envelope.

Every call sends the protocol's headers (``appId``, ``resource`` = this client's session id,
``sdk``, and ``authToken`` or ``apiKey``) and reads ``{"data"}`` as success and ``{"error"}``
as failure. Foreign errors become ``CometChatException`` in one place, ``_translate_errors``:
a network failure is ``ERROR_INTERNET_UNAVAILABLE`` with the cause in ``details``, a server
certificate nobody trusts is ``ERROR_CERTIFICATE_NOT_TRUSTED``, an answer that is not the
envelope (or strict JSON: no ``NaN``, no lone surrogates, no nesting deeper than the interpreter
parses) is ``ERROR_JSON_EXCEPTION``, a 429 is ``ERROR_TOO_MANY_REQUESTS`` carrying the server's
``Retry-After`` in ``details["retryAfter"]``, and the server's own codes pass through unchanged.
What each endpoint's ``data`` holds is read in ``endpoints.py``.

Bounds: one worker thread makes every REST call of a client, so one call that never ends would
hold up the login, the sends and the JWT refresh behind it. A call therefore has
``CALL_DEADLINE`` seconds from its start to the last byte of the answer (every read of the
answer, headers included, waits at most until then; a server trickling a byte at a time is
cut off there), and an answer larger than ``MAX_ANSWER_BYTES`` fails the call unread. An
upload, on a thread of its own, may take as long as its file needs to go out; its answer then
has the same deadline and cap.

TLS is verified with one context for every https connection of a session: the app's
(``setSSLContext``) or the process's shared default (``tls.default_context()``, which trusts
the system's CAs and certifi's or ``REQUESTS_CA_BUNDLE``'s when it is made); that context alone
decides whom to trust: nothing is loaded into it per connection, as requests would otherwise do.
Proxies come from the environment, as requests does by default.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import logging
import socket
import ssl
import threading
import time
from typing import Any, Iterator, Mapping

import requests
from requests.adapters import HTTPAdapter
from urllib3 import poolmanager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .. import exceptions as errors
from ..__version__ import __version__
from ..exceptions import CometChatException
from ..numbers import retry_after
from . import hosts, protocol, tls

log = logging.getLogger("cometchat")

#: Seconds a REST call (not an upload) has from its start to the last byte of its answer.
CALL_DEADLINE = 60.0
#: The largest answer body (after decompression) the SDK reads: 64 MiB.
MAX_ANSWER_BYTES = 64 * 1024 * 1024
_CHUNK = 64 * 1024


class _Deadline:
    """When the request this thread is making must have its whole answer: ``seconds`` from now,
    or (``from_answer``, an upload) from when its answer starts, after the last byte went out."""

    __slots__ = ("seconds", "at", "expired")

    def __init__(self, seconds: float, from_answer: bool = False) -> None:
        self.seconds = seconds
        self.at = None if from_answer else time.monotonic() + seconds
        self.expired = False

    def started(self) -> _Deadline:
        if self.at is None:
            self.at = time.monotonic() + self.seconds
        return self


#: ``deadline``: the ``_Deadline`` of the request this thread is making, or None
_calls = threading.local()


@contextlib.contextmanager
def _bounded(deadline: _Deadline) -> Iterator[_Deadline]:
    _calls.deadline = deadline
    try:
        yield deadline
    finally:
        _calls.deadline = None


class _DeadlineReader(io.RawIOBase):
    """A socket's reads for one answer, none waiting past the call's deadline: far from it, the
    per-read timeout urllib3 set applies as it is; near it, each read waits only what is left."""

    def __init__(self, sock: socket.socket, deadline: _Deadline) -> None:
        super().__init__()
        self._raw = sock.makefile("rb", buffering=0)  # counted by the socket, as http.client's own
        self._sock = sock
        self._deadline = deadline.started()
        assert deadline.at is not None
        self._at = deadline.at
        self._per_read = sock.gettimeout()

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._raw.fileno()

    def readinto(self, buffer: Any) -> int | None:
        left = self._at - time.monotonic()
        if self._per_read is not None and left > self._per_read:
            return self._raw.readinto(buffer)
        if left <= 0:
            self._deadline.expired = True
            raise socket.timeout(f"no whole answer within {self._deadline.seconds:g} s")
        self._sock.settimeout(left)
        try:
            return self._raw.readinto(buffer)
        except socket.timeout:
            self._deadline.expired = True
            raise
        finally:
            with contextlib.suppress(OSError):  # closed meanwhile: nothing to restore
                self._sock.settimeout(self._per_read)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    """http.client's response, reading through the call's deadline when this thread has one."""

    def __init__(self, sock: socket.socket, *args: Any, **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        deadline = getattr(_calls, "deadline", None)
        # a proxy's answer to CONNECT is the tunnel, not the call's answer: an upload's deadline
        # must not start there, before its file has gone out
        if deadline is not None and kwargs.get("method") != "CONNECT":
            self.fp.close()  # http.client's own reader, nothing read from it yet
            self.fp = io.BufferedReader(_DeadlineReader(sock, deadline))


class _Connection(HTTPConnection):
    response_class = _DeadlineResponse


class _TlsConnection(HTTPSConnection):
    response_class = _DeadlineResponse


class _Pool(HTTPConnectionPool):
    ConnectionCls = _Connection


class _TlsPool(HTTPSConnectionPool):
    ConnectionCls = _TlsConnection


def _use_our_pools(manager: poolmanager.PoolManager) -> None:
    """urllib3's own pools (never a SOCKS proxy's) swapped for ours, whose answers keep deadlines."""
    if manager.pool_classes_by_scheme == poolmanager.pool_classes_by_scheme:
        manager.pool_classes_by_scheme = {"http": _Pool, "https": _TlsPool}


class _Adapter(HTTPAdapter):
    """requests' adapter with the SDK's pools and, for https, one TLS context for every
    connection: built once (``tls.default_context()`` or the app's), never loaded with CA files."""

    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        self._context = context
        super().__init__()

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        if self._context is not None:
            kwargs["ssl_context"] = self._context
        super().init_poolmanager(*args, **kwargs)
        _use_our_pools(self.poolmanager)

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        if self._context is not None:
            kwargs["ssl_context"] = self._context
        manager = super().proxy_manager_for(proxy, **kwargs)
        _use_our_pools(manager)
        return manager

    def cert_verify(self, conn: Any, url: str, verify: Any, cert: Any) -> None:
        if self._context is None or not url.lower().startswith("https"):
            super().cert_verify(conn, url, verify, cert)
            return
        # requests names a CA file for every pool (certifi's, or REQUESTS_CA_BUNDLE), and urllib3
        # loads it into the context it is given on every new connection: the shared context
        # would grow, and a private-CA context would trust every public CA. The context decides.
        conn.ca_certs = None
        conn.ca_cert_dir = None
        conn.cert_reqs = self._context.verify_mode  # urllib3 writes it back into the context: unchanged


@contextlib.contextmanager
def _translate_errors(method: str, path: str, deadline: _Deadline | None = None) -> Iterator[None]:
    try:
        yield
    except requests.exceptions.RequestException as exc:
        complaint = tls.untrusted_certificate(exc)
        if complaint is not None:
            raise errors.certificate_not_trusted(complaint) from exc
        if deadline is not None and deadline.expired:
            raise CometChatException(
                errors.ERROR_INTERNET_UNAVAILABLE,
                f"The server did not answer within {deadline.seconds:g} s. Please try again later.",
                {"cause": f"no whole answer within {deadline.seconds:g} s", "timeout": deadline.seconds,
                 "request": f"{method} {path}"},
            ) from exc
        raise CometChatException(
            errors.ERROR_INTERNET_UNAVAILABLE,
            "No Internet Connection. Please try again later.",
            {"cause": f"{type(exc).__name__}: {exc}", "request": f"{method} {path}"},
        ) from exc


def _read_body(response: requests.Response) -> bytes:
    """The whole answer body, at most ``MAX_ANSWER_BYTES`` (decoded): more fails the call, and
    the connection is closed rather than read to its end."""
    limit = MAX_ANSWER_BYTES
    with response:  # a body read to its end gives the connection back; one left unread closes it
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise _too_large(response.status_code, limit)
        chunks, size = [], 0
        for chunk in response.iter_content(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise _too_large(response.status_code, limit)
            chunks.append(chunk)
    return b"".join(chunks)


def _too_large(status: int, limit: int) -> CometChatException:
    return errors.malformed_answer(f"larger than {limit} bytes", status=status, limit=limit)


def _too_many_requests(headers: Mapping[str, str], content: bytes) -> CometChatException:
    """A 429, whatever its body says: the code is ours, the wait is the server's."""
    wait = retry_after(headers.get("Retry-After"))
    details: dict[str, Any] = {"status": 429, "retryAfter": wait}
    try:
        failure = protocol.parse_envelope(protocol.loads(content))
    except protocol.RemoteProtocolError:
        failure = None
    if isinstance(failure, protocol.Failure):
        details.update(serverCode=failure.code, serverMessage=failure.message)
    when = f"in {wait:g} s" if wait is not None else "later"
    return CometChatException(
        errors.ERROR_TOO_MANY_REQUESTS, f"The server is refusing requests for now: try again {when}.", details
    )


def _read_envelope(status: int, headers: Mapping[str, str], content: bytes) -> protocol.Success:
    if status == 429:
        raise _too_many_requests(headers, content)
    try:
        body = protocol.loads(content)
    except protocol.RemoteProtocolError as exc:
        raise errors.malformed_answer(f"not JSON ({exc.message})", status=status) from None
    try:
        envelope = protocol.parse_envelope(body)
    except protocol.RemoteProtocolError as exc:
        raise errors.malformed_answer(exc.message, status=status, field=exc.field) from None
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
        session.mount("http://", _Adapter())
        # the TLS context is asked for only when a base is https (a plain-http client builds none)
        https = self.client_base.startswith("https:") or self.admin_base.startswith("https:")
        session.mount("https://", _Adapter(self._ssl_context or tls.default_context()) if https else _Adapter())
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
        with _bounded(_Deadline(CALL_DEADLINE)) as deadline, _translate_errors(method, path, deadline):
            response = self._session.request(
                method, url, json=body, params=params, headers=headers, timeout=self._timeout, stream=True
            )
            content = _read_body(response)
        log.debug("REST %s %s -> %s", method, path, response.status_code)
        return _read_envelope(response.status_code, response.headers, content)

    def upload(self, path: str, body: Any, content_type: str, *, auth_token: str) -> protocol.Success:
        """A streamed request body (a multipart upload): ``body`` has ``read(n)`` and ``len()``,
        so it goes with a Content-Length and never whole in memory. Each upload runs on a thread
        of its own, with a connection of its own (a requests session is not shared across
        threads). Sending takes what it takes (a big file on a slow link); the answer, once the
        last byte went out, has ``CALL_DEADLINE``."""
        headers = {"authToken": auth_token, "Content-Type": content_type}
        with self._new_session() as session, _bounded(_Deadline(CALL_DEADLINE, from_answer=True)) as deadline, \
                _translate_errors("POST", path, deadline):
            response = session.request("POST", self.client_base + path, data=body, headers=headers,
                                       timeout=self._timeout, stream=True)
            content = _read_body(response)
        log.debug("REST POST %s (upload) -> %s", path, response.status_code)
        return _read_envelope(response.status_code, response.headers, content)

    def close(self) -> None:
        self._session.close()
