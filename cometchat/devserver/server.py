"""Running the dev server: one event loop serving REST and the WebSocket on one socket.

``serve()`` is shared by the embedded server (``DevServer``, in a thread or a child process)
and the command line. The listening socket is bound by the caller before the loop starts,
so the URL is known without a race.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any, Callable

from aiohttp import web

from .api import build_app
from .backend import Backend, ServerConfig
from .controls import Controls
from .db import Database
from .guard import GuardedSite, Guards
from .media import FilesFolder

log = logging.getLogger("cometchat.devserver")


def bind(host: str, port: int) -> socket.socket:
    """A listening-ready TCP socket; port 0 picks a free one."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


class RunningServer:
    """The live parts of a started server, for the thread that embeds it."""

    def __init__(self, backend: Backend, runner: web.AppRunner) -> None:
        self.backend = backend
        self.runner = runner
        self.controls = Controls(backend)


async def serve(
    config: ServerConfig,
    sock: socket.socket,
    stop: asyncio.Event,
    on_ready: Callable[[RunningServer], Any] | None = None,
) -> None:
    """Serve until ``stop`` is set, then close every socket and the database."""
    db = Database(config.db_path)
    db.start()
    try:
        app_row = db.call(lambda s: s.ensure_app(config.app_id, config.auth_key, config.region))
        files = FilesFolder(config.files_dir)
        files.sweep(db.call(lambda s: s.file_tokens()))  # what a crash mid-upload left behind
        backend = Backend(config, db, app_row, files)
        backend.load_blocks(db.call(lambda s: s.all_blocks(config.app_id)))
        runner = web.AppRunner(build_app(backend), handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        guards = Guards(backend.gate)
        site = GuardedSite(runner, sock, guards, ssl_context=config.ssl_context)
        await site.start()
        log.info("dev server for app %s listening on %s", config.app_id, site.name)
        if on_ready is not None:
            on_ready(RunningServer(backend, runner))
        await stop.wait()
        await site.stop()  # accept nobody new first, or a dropped client could reconnect to a dying server
        backend.hub.drop(None, 1001)
        await asyncio.sleep(0.05)
        backend.hub.drop(None, None)
        await runner.cleanup()
        guards.abort_all()  # connections still lingering after their close
    finally:
        db.close()
