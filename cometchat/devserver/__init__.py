"""A local CometChat-compatible server: REST and WebSocket on one port, SQLite behind it.

    from cometchat.devserver import DevServer
    with DevServer() as server:          # 127.0.0.1, a free port, a temporary database
        server.url, server.app_id, server.auth_key, server.region

The server runs its own event loop in a named daemon thread, or with ``process=True`` in a
child process driven over ``/_dev/`` (so tests and benchmarks need not share the GIL with
it). The test controls below work the same either way. ``python -m cometchat.devserver``
runs it from the command line.
"""

from __future__ import annotations

import asyncio
import os
import select
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any

import requests

from . import security
from .backend import ServerConfig
from .limits import LIMIT_NAMES, Limits, check_positive, limit_flags
from .server import RunningServer, bind, serve

__all__ = ["DevServer"]

_START_TIMEOUT = 30.0


class DevServer:
    """An embedded dev server; a context manager (or ``start()`` / ``stop()``)."""

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        app_id: str | None = None,
        auth_key: str | None = None,
        region: str = "us",
        db_path: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        auth_timeout: float = 10,
        idle_timeout: float = 45,
        jwt_lifetime: float = 86400,
        process: bool = False,
        *,
        max_frame_bytes: int | None = None,
        max_body_bytes: int | None = None,
        max_json_depth: int | None = None,
        max_outbox_bytes: int | None = None,
        header_timeout: float | None = None,
        body_timeout: float | None = None,
        max_unauthenticated_per_address: int | None = None,
        auth_failures: int | None = None,
        auth_failure_window: float | None = None,
        file_size_max: int | None = None,
        file_count_max: int | None = None,
        group_password_failures: int | None = None,
        group_password_failure_window: float | None = None,
        max_form_field_bytes: int | None = None,
        max_form_fields: int | None = None,
    ) -> None:
        """The limits (``max_*``, the timeouts, ``auth_failures`` per ``auth_failure_window``,
        ...) are the fields of ``limits.Limits``, where each is explained with its default (None
        keeps the default; the README's local-server section has the table)."""
        given = {name: value for name, value in locals().items() if name in LIMIT_NAMES and value is not None}
        if process and ssl_context is not None:
            raise ValueError("process=True cannot take an ssl_context; run the CLI with --certfile/--keyfile")
        limits = Limits(**given)  # a bad limit is refused here, in either mode, before anything is made
        for name, value in (("auth_timeout", auth_timeout), ("idle_timeout", idle_timeout),
                            ("jwt_lifetime", jwt_lifetime)):
            check_positive(name, value)  # ... and so is a bad timeout
        self.host = host
        self.app_id = app_id or security.new_app_id()
        self.auth_key = auth_key or security.new_auth_key()
        self.region = region
        self.process = process
        self._tmpdir: str | None = None
        if db_path is None:
            self._tmpdir = tempfile.mkdtemp(prefix="cometchat-devserver-")
            db_path = os.path.join(self._tmpdir, "devserver.db")
        self.db_path = db_path
        self._sock = bind(host, port)
        self.port: int = self._sock.getsockname()[1]
        self._config = ServerConfig(
            host=host,
            port=self.port,
            app_id=self.app_id,
            auth_key=self.auth_key,
            region=region,
            db_path=db_path,
            ssl_context=ssl_context,
            auth_timeout=auth_timeout,
            idle_timeout=idle_timeout,
            jwt_lifetime=jwt_lifetime,
            limits=limits,
        )
        scheme = "https" if ssl_context is not None else "http"
        netloc = f"[{host}]" if ":" in host else host
        self.url = f"{scheme}://{netloc}:{self.port}"
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._running: RunningServer | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._http: requests.Session | None = None
        #: what ``admin()`` verifies a TLS server against (a CA bundle path for test certificates)
        self.tls_verify: bool | str = True

    def __repr__(self) -> str:
        return f"DevServer(url={self.url!r}, app_id={self.app_id!r})"

    @property
    def pid(self) -> int | None:
        """The child process's id while a ``process=True`` server runs; None otherwise."""
        return self._proc.pid if self._proc is not None else None

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> DevServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> DevServer:
        if self.process:
            self._start_process()
        else:
            self._start_thread()
        return self

    def _start_thread(self) -> None:
        ready = threading.Event()
        failure: list[BaseException] = []

        def on_ready(running: RunningServer) -> None:
            self._running = running
            ready.set()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            self._stop = asyncio.Event()
            try:
                loop.run_until_complete(serve(self._config, self._sock, self._stop, on_ready))
            except BaseException as exc:  # reported to start()
                failure.append(exc)
                ready.set()
            finally:
                loop.close()

        self._thread = threading.Thread(target=run, name="cometchat-devserver", daemon=True)
        self._thread.start()
        if not ready.wait(_START_TIMEOUT):
            raise RuntimeError("the dev server did not start in time")
        if failure:
            raise RuntimeError("the dev server failed to start") from failure[0]

    def _start_process(self) -> None:
        config = self._config
        args = [
            sys.executable,
            "-m",
            "cometchat.devserver",
            "--fd",
            str(self._sock.fileno()),
            "--app-id",
            config.app_id,
            "--region",
            config.region,
            "--db",
            config.db_path,
            "--auth-timeout",
            str(config.auth_timeout),
            "--idle-timeout",
            str(config.idle_timeout),
            "--jwt-lifetime",
            str(config.jwt_lifetime),
            *limit_flags(config.limits),
            "--ready-line",
        ]
        env = dict(os.environ, COMETCHAT_DEVSERVER_AUTH_KEY=config.auth_key)
        self._proc = subprocess.Popen(
            args, pass_fds=(self._sock.fileno(),), stdout=subprocess.PIPE, env=env
        )
        assert self._proc.stdout is not None
        deadline = time.monotonic() + _START_TIMEOUT
        line = b""
        while not line.endswith(b"\n"):
            remaining = deadline - time.monotonic()
            readable, _, _ = select.select([self._proc.stdout], [], [], max(0.0, remaining))
            if not readable:
                self._proc.kill()
                raise RuntimeError("the dev server process did not start in time")
            chunk = os.read(self._proc.stdout.fileno(), 1)
            if not chunk:
                raise RuntimeError(f"the dev server process exited with {self._proc.wait()}")
            line += chunk
        self._proc.stdout.close()
        self._sock.close()
        self._http = requests.Session()
        self._http.headers.update({"appId": config.app_id, "apiKey": config.auth_key})

    def stop(self) -> None:
        """Stop serving: every socket is closed; a temporary database is deleted."""
        if self._thread is not None and self._loop is not None and self._stop is not None:
            try:
                self._loop.call_soon_threadsafe(self._stop.set)
            except RuntimeError:
                pass
            self._thread.join(timeout=15)
            self._thread = None
        if self._proc is not None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
            self._proc = None
        if self._http is not None:
            self._http.close()
            self._http = None
        try:
            self._sock.close()
        except OSError:
            pass
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
            self._tmpdir = None

    # ------------------------------------------------------------------ controls

    def _control(self, name: str, **kwargs: Any) -> Any:
        """Run a test control; a bad argument raises ValueError in both modes."""
        if self._http is not None:
            response = self._http.post(f"{self.url}/_dev/{name}", json=kwargs, timeout=30)
            body = response.json()
            if "error" in body:
                error = ValueError if response.status_code == 400 else RuntimeError
                raise error(body["error"]["message"])
            return body["data"]
        if self._running is None or self._loop is None:
            raise RuntimeError("the dev server is not running")
        coro = self._running.controls.call(name, kwargs)
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=30)

    def sessions(self, uid: str | None = None) -> list[dict[str, Any]]:
        """Authenticated WebSocket sessions (of one user, or all)."""
        return self._control("sessions", uid=uid)  # type: ignore[no-any-return]

    def open_sockets(self) -> list[dict[str, Any]]:
        """Every open WebSocket, authenticated or not."""
        return self._control("open_sockets")  # type: ignore[no-any-return]

    def drop_connections(self, uid: str | None = None, code: int | None = None) -> int:
        """Drop sockets abruptly (no close frame), or with a close frame carrying ``code``."""
        return self._control("drop_connections", uid=uid, code=code)  # type: ignore[no-any-return]

    def set_mode(self, mode: str) -> None:
        """Set the app's MODE; its sessions are closed with 4002 so clients see the new hash."""
        self._control("set_mode", mode=mode)

    def refuse_upgrades(self, status: int = 429, retry_after: int | None = None) -> None:
        self._control("refuse_upgrades", status=status, retry_after=retry_after)

    def accept_upgrades(self) -> None:
        self._control("accept_upgrades")

    def expire_jwts(self, uid: str | None = None) -> None:
        """Expire the JWTs issued so far and close their sessions (4001)."""
        self._control("expire_jwts", uid=uid)

    def revoke_auth_tokens(self, uid: str) -> None:
        """Refuse the user's sockets, fresh JWTs included, until the device logs in again."""
        self._control("revoke_auth_tokens", uid=uid)

    def delete_auth_tokens(self, uid: str) -> None:
        """Forget the user's auth tokens: REST then answers AUTH_ERR_AUTH_TOKEN_NOT_FOUND."""
        self._control("delete_auth_tokens", uid=uid)

    def delay_pongs(self, seconds: float) -> None:
        self._control("delay_pongs", seconds=seconds)

    def push(self, uid: str, frame: Any) -> int:
        """Send a raw frame (text, or a JSON value) to the user's sessions; returns how many."""
        return self._control("push", uid=uid, frame=frame)  # type: ignore[no-any-return]

    def push_many(self, uid: str, frames: list[Any]) -> int:
        """``push`` for many frames at once, in order; returns how many sessions got them."""
        return self._control("push_many", uid=uid, frames=frames)  # type: ignore[no-any-return]

    def blast(self, uid: str, template: str, count: int, start: int = 1) -> int:
        """Push ``count`` frames from ``template``, with ``{n}`` replaced by a counter (benchmarks)."""
        return self._control("blast", uid=uid, template=template, count=count, start=start)  # type: ignore[no-any-return]

    def seed_messages(self, sender: str, receiver: str, count: int, text: str = "seeded") -> list[int]:
        """Store ``count`` messages from ``sender`` to ``receiver`` at once (nothing is pushed);
        returns [first id, last id]."""
        return self._control("seed_messages", sender=sender, receiver=receiver, count=count, text=text)  # type: ignore[no-any-return]

    def push_raw(self, uid: str, frames: list[Any]) -> int:
        """Frames the protocol never sends, in order: ``{"text": str}`` (surrogates kept as
        bytes), ``{"binary": base64}``, ``{"invalid_utf8": base64}``, ``{"wire": base64}`` (raw
        bytes on the TCP stream), ``{"cut": True}``."""
        return self._control("push_raw", uid=uid, frames=frames)  # type: ignore[no-any-return]

    def greet(self, frames: list[Any]) -> None:
        """Raw frames (as ``push_raw``) for every new socket before its auth reply; [] stops it."""
        self._control("greet", frames=frames)

    def routes(self) -> list[dict[str, str]]:
        """Every REST endpoint: ``{"method": "GET", "path": "/v3.0/users/{uid}"}``, ..."""
        return self._control("routes")  # type: ignore[no-any-return]

    def requests(self, method: str | None = None, path: str | None = None) -> list[dict[str, Any]]:
        """REST requests served so far, e.g. ``requests("GET", "/v3.0/me")``."""
        return self._control("requests", method=method, path=path)  # type: ignore[no-any-return]

    def connections(self, event: str | None = None, uid: str | None = None) -> list[dict[str, Any]]:
        """The socket log: ``upgrade``, ``refused``, ``auth_ok`` and ``auth_fail`` events."""
        return self._control("connections", event=event, uid=uid)  # type: ignore[no-any-return]

    def clear_logs(self) -> None:
        self._control("clear_logs")

    # ------------------------------------------------------------------ admin REST helpers

    def admin(self, method: str, path: str, json: Any = None) -> Any:
        """Call the admin REST API with the app's key; returns ``data`` or raises."""
        response = requests.request(
            method,
            f"{self.url}/v3.0/{path}",
            json=json,
            headers={"appId": self.app_id, "apiKey": self.auth_key},
            timeout=30,
            verify=self.tls_verify,
        )
        body = response.json()
        if "error" in body:
            error = body["error"]
            raise RuntimeError(f"{error['code']}: {error['message']}")
        return body["data"]

    def create_user(self, uid: str, name: str | None = None, **fields: Any) -> dict[str, Any]:
        return self.admin("POST", "users", dict(fields, uid=uid, name=name or uid))  # type: ignore[no-any-return]

    def auth_token(self, uid: str) -> str:
        """Mint an auth token for ``uid`` (as a real app's backend would)."""
        return self.admin("POST", f"users/{uid}/auth_tokens")["authToken"]  # type: ignore[no-any-return]

    def add_friends(self, uid: str, friends: list[str]) -> None:
        self.admin("POST", f"users/{uid}/friends", {"accepted": friends})
