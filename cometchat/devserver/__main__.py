"""python -m cometchat.devserver: run the local CometChat-compatible server."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import ssl
import sys
import tempfile

from .backend import ServerConfig
from .limits import add_limit_arguments, check_positive, limits_from
from .server import RunningServer, bind, serve


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m cometchat.devserver",
        description="Run a local CometChat-compatible server (REST and WebSocket on one port, SQLite"
        " behind it), for apps and tests that need CometChat with no account and no internet.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=3000, help="port (default 3000; 0 picks a free one)")
    parser.add_argument("--app-id", default="devapp", help="the app ID (default devapp)")
    parser.add_argument(
        "--auth-key",
        default=os.environ.get("COMETCHAT_DEVSERVER_AUTH_KEY", "devkey"),
        help="the auth key (default devkey, or $COMETCHAT_DEVSERVER_AUTH_KEY)",
    )
    parser.add_argument("--region", default="us", help="the region (default us)")
    parser.add_argument(
        "--db", help="SQLite file; data survives restarts with the same file (default: a temporary one, removed on exit)"
    )
    parser.add_argument("--certfile", help="serve TLS with this certificate (PEM)")
    parser.add_argument("--keyfile", help="the certificate's private key (PEM)")
    parser.add_argument("--auth-timeout", type=float, default=10.0, help="seconds to send auth (default 10)")
    parser.add_argument("--idle-timeout", type=float, default=45.0, help="close silent sockets (default 45)")
    parser.add_argument("--jwt-lifetime", type=float, default=86400.0, help="JWT lifetime in seconds")
    add_limit_arguments(parser)
    parser.add_argument("--fd", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--ready-line", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if bool(args.certfile) != bool(args.keyfile):
        parser.error("--certfile and --keyfile go together")
    try:
        limits_from(args)
        for name in ("auth_timeout", "idle_timeout", "jwt_lifetime"):
            check_positive(name, getattr(args, name))
    except ValueError as exc:
        parser.error(str(exc))
    return args


def banner(url: str, config: ServerConfig) -> str:
    return "\n".join(
        [
            f"CometChat dev server listening on {url}",
            f"  App ID:   {config.app_id}",
            f"  Auth key: {config.auth_key}",
            f"  Region:   {config.region}",
            f"  Database: {config.db_path}",
            "Point an app at it with:",
            f'  AppSettings.AppSettingsBuilder().setRegion(region="{config.region}")'
            f'.overrideClientHost("{url}").overrideAdminHost("{url}").build()',
            "Press Ctrl-C to stop.",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    context = None
    if args.certfile:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.certfile, args.keyfile)
    if args.fd is not None:
        sock = socket.socket(fileno=args.fd)
    else:
        sock = bind(args.host, args.port)
    host, port = sock.getsockname()[:2]
    scratch = tempfile.TemporaryDirectory(prefix="cometchat-devserver-") if not args.db else None
    db_path = os.path.join(scratch.name, "devserver.db") if scratch is not None else args.db
    config = ServerConfig(
        host=host,
        port=port,
        app_id=args.app_id,
        auth_key=args.auth_key,
        region=args.region,
        db_path=db_path,
        ssl_context=context,
        auth_timeout=args.auth_timeout,
        idle_timeout=args.idle_timeout,
        jwt_lifetime=args.jwt_lifetime,
        limits=limits_from(args),
    )
    scheme = "https" if context else "http"
    url = f"{scheme}://{'[' + host + ']' if ':' in host else host}:{port}"

    def ready(_: RunningServer) -> None:
        print("READY" if args.ready_line else banner(url, config), flush=True)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(config, sock, stop, ready)

    try:
        asyncio.run(run())
    finally:
        if scratch is not None:
            scratch.cleanup()
    if not args.ready_line:
        print("Stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
