"""FaultProxy: a loopback TCP proxy that breaks connections on purpose.

Put it between a client and a server and the faults of a real network become test steps:

    with FaultProxy(server.url) as proxy:
        ...client talks to proxy.url...
        proxy.cut()                    # reset every live connection now
        with proxy.down():             # reset live and new connections until the block ends
        with proxy.blackhole():        # nothing moves either way; connections stay open
        with proxy.delay(0.5):         # every byte arrives half a second late, in order
        with proxy.flap(up=0.2, down=0.2):   # cut and refuse, then allow, in turns

A blackhole stalls the bytes rather than destroying them, as a real dead link does under
TCP: if the block ends before either side gives up, they arrive. One thread
(``cometchat-faultproxy``) runs every connection with a selector.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import queue
import selectors
import socket
import struct
import threading
import time
from typing import Any, Callable, Iterator
from urllib.parse import urlsplit

__all__ = ["FaultProxy"]

_CHUNK = 65536
_SLOW_CHUNK = 16384  #: what a throttled pipe reads at once
_SLOW_BACKLOG = 4  #: chunks a throttled pipe holds back before it stops reading


def _reset(sock: socket.socket) -> None:
    """Close with RST instead of FIN, as a crashed peer or a middlebox would."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


class _Pipe:
    """One direction of a proxied connection."""

    def __init__(self, src: socket.socket, dst: socket.socket) -> None:
        self.src = src
        self.dst = dst
        self.pending = bytearray()  # read, waiting to be written to dst
        self.eof = False  # src sent FIN
        self.shut = False  # FIN passed on to dst


class _Link:
    """A client connection and its upstream connection."""

    def __init__(self, client: socket.socket, upstream: socket.socket) -> None:
        self.client = client
        self.upstream = upstream
        self.up = _Pipe(client, upstream)
        self.down = _Pipe(upstream, client)
        self.closed = False


class FaultProxy:
    """A TCP proxy on 127.0.0.1 in front of ``target`` (a URL or ``(host, port)``)."""

    def __init__(self, target: str | tuple[str, int], host: str = "127.0.0.1", port: int = 0) -> None:
        if isinstance(target, str):
            parts = urlsplit(target)
            if parts.hostname is None or parts.port is None:
                raise ValueError(f"the target URL needs a host and a port: {target!r}")
            self.target: tuple[str, int] = (parts.hostname, parts.port)
            self._scheme = parts.scheme or "http"
        else:
            self.target = target
            self._scheme = "http"
        self._listener = socket.create_server((host, port))
        self._listener.setblocking(False)
        self.host, self.port = self._listener.getsockname()[:2]
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._commands: queue.SimpleQueue[tuple[Callable[[], Any], threading.Event]] = queue.SimpleQueue()
        self._links: list[_Link] = []
        self._registered: set[socket.socket] = set()
        self._delayed: list[tuple[float, int, _Pipe, bytes]] = []
        self._order = itertools.count()
        self._refusing = 0
        self._paused = 0
        self._delay = 0.0
        self._rate = 0.0  #: bytes per second per direction of a connection (0: unlimited)
        self._free_at: dict[_Pipe, float] = {}
        self.accepted = 0  #: connections accepted so far (refused ones included)
        self._thread: threading.Thread | None = None
        self._running = False

    @property
    def url(self) -> str:
        """``scheme://host:port`` of the proxy, with the target's scheme."""
        return f"{self._scheme}://{self.host}:{self.port}"

    @property
    def connections(self) -> int:
        """Connections currently proxied."""
        return self._call(lambda: sum(not link.closed for link in self._links))

    # ------------------------------------------------------------------ lifecycle

    def __enter__(self) -> FaultProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> FaultProxy:
        self._running = True
        self._selector.register(self._listener, selectors.EVENT_READ, "accept")
        self._selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._thread = threading.Thread(target=self._run, name="cometchat-faultproxy", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is None:
            return
        self._call(self._shutdown)
        self._thread.join(timeout=10)
        self._thread = None
        for sock in (self._wake_r, self._wake_w):
            sock.close()

    # ------------------------------------------------------------------ faults

    def cut(self) -> int:
        """Reset every live connection now; returns how many were cut."""
        return self._call(self._cut_all)

    @contextlib.contextmanager
    def down(self) -> Iterator[None]:
        """Cut live connections, and reset new ones, until the block ends."""
        self._call(self._refuse_and_cut)
        try:
            yield
        finally:
            self._call(lambda: self._set("_refusing", -1))

    def _refuse_and_cut(self) -> None:
        self._set("_refusing", +1)
        self._cut_all()

    @contextlib.contextmanager
    def blackhole(self) -> Iterator[None]:
        """Move no bytes in either direction; connections stay open (a half-open link)."""
        self._call(lambda: self._set("_paused", +1))
        try:
            yield
        finally:
            self._call(lambda: self._set("_paused", -1))

    @contextlib.contextmanager
    def delay(self, seconds: float) -> Iterator[None]:
        """Hold every byte for ``seconds`` before passing it on, keeping the order."""
        with self._setting("_delay", float(seconds)):
            yield

    @contextlib.contextmanager
    def throttle(self, bytes_per_second: float) -> Iterator[None]:
        """A slow link: each direction of each connection moves at most ``bytes_per_second``
        (the sender is held back, as a slow network would, not buffered for)."""
        if bytes_per_second <= 0:
            raise ValueError("bytes_per_second must be positive")
        with self._setting("_rate", float(bytes_per_second)):
            yield

    @contextlib.contextmanager
    def _setting(self, name: str, value: float) -> Iterator[None]:
        """One of the proxy's settings, changed on its loop for the block, then restored."""
        previous = getattr(self, name)
        self._call(lambda: setattr(self, name, value))
        try:
            yield
        finally:
            self._call(lambda: setattr(self, name, previous))

    @contextlib.contextmanager
    def flap(self, up: float = 0.5, down: float = 0.5) -> Iterator[None]:
        """Alternate ``up`` seconds of service with ``down`` seconds of cut-and-refuse."""
        stop = threading.Event()

        def cycle() -> None:
            while not stop.wait(up):
                with self.down():
                    if stop.wait(down):
                        return

        flapper = threading.Thread(target=cycle, name="cometchat-faultproxy-flap", daemon=True)
        flapper.start()
        try:
            yield
        finally:
            stop.set()
            flapper.join(timeout=10)

    # ------------------------------------------------------------------ the proxy thread

    def _call(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on the proxy thread and return its result."""
        if self._thread is None or not self._thread.is_alive() or threading.current_thread() is self._thread:
            return fn()
        done = threading.Event()
        box: list[Any] = []
        self._commands.put((lambda: box.append(fn()), done))
        try:
            self._wake_w.send(b"\0")
        except OSError:
            pass
        done.wait(timeout=10)
        return box[0] if box else None

    def _set(self, name: str, delta: int) -> None:
        setattr(self, name, getattr(self, name) + delta)
        if name == "_paused":
            for link in self._links:
                self._watch(link)

    def _shutdown(self) -> None:
        self._cut_all()
        self._running = False
        self._selector.unregister(self._listener)
        self._listener.close()

    def _cut_all(self) -> int:
        live = [link for link in self._links if not link.closed]
        for link in live:
            self._close(link, reset=True)
        return len(live)

    def _run(self) -> None:
        while self._running:
            timeout = 0.5
            if self._delayed:
                timeout = max(0.0, min(timeout, self._delayed[0][0] - time.monotonic()))
            for key, mask in self._selector.select(timeout):
                try:
                    self._handle(key, mask)
                except OSError:
                    link = key.data if isinstance(key.data, _Link) else None
                    if link is not None:
                        self._close(link, reset=True)
            self._release_delayed()
            self._run_commands()
        self._selector.close()

    def _run_commands(self) -> None:
        while True:
            try:
                fn, done = self._commands.get_nowait()
            except queue.Empty:
                return
            try:
                fn()
            finally:
                done.set()

    def _handle(self, key: selectors.SelectorKey, mask: int) -> None:
        if key.data == "wake":
            try:
                self._wake_r.recv(4096)
            except OSError:
                pass
        elif key.data == "accept":
            self._accept()
        else:
            link: _Link = key.data
            sock = key.fileobj
            if mask & selectors.EVENT_READ and not self._paused:
                self._read(link, link.up if sock is link.client else link.down)
            if mask & selectors.EVENT_WRITE and not link.closed:
                self._write(link, link.down if sock is link.client else link.up)
            self._watch(link)

    def _accept(self) -> None:
        try:
            client, _ = self._listener.accept()
        except OSError:
            return
        self.accepted += 1
        if self._refusing:
            _reset(client)
            return
        try:
            upstream = socket.create_connection(self.target, timeout=5)
        except OSError:
            _reset(client)
            return
        for sock in (client, upstream):
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        link = _Link(client, upstream)
        self._links = [old for old in self._links if not old.closed] + [link]
        self._watch(link)

    def _read(self, link: _Link, pipe: _Pipe) -> None:
        if pipe.eof:
            return
        try:
            data = pipe.src.recv(_SLOW_CHUNK if self._rate else _CHUNK)
        except BlockingIOError:
            return
        except OSError:
            self._close(link, reset=True)
            return
        if not data:
            pipe.eof = True
        elif self._delay > 0 or self._rate > 0:
            heapq.heappush(self._delayed, (self._release_time(pipe, len(data)), next(self._order), pipe, data))
            return
        else:
            pipe.pending += data
        self._write(link, pipe)

    def _release_time(self, pipe: _Pipe, size: int) -> float:
        """When bytes read now may go on: after the delay, and (throttled) after what went before."""
        now = time.monotonic()
        if not self._rate:
            return now + self._delay
        free_at = max(now, self._free_at.get(pipe, now)) + size / self._rate
        self._free_at[pipe] = free_at
        return free_at + self._delay

    def _backlogged(self, pipe: _Pipe) -> bool:
        """Throttled, a pipe reads no more while it holds a few chunks back: the sender waits."""
        return bool(self._rate) and sum(1 for entry in self._delayed if entry[2] is pipe) >= _SLOW_BACKLOG

    def _write(self, link: _Link, pipe: _Pipe) -> None:
        if pipe.pending and not self._paused:
            try:
                sent = pipe.dst.send(pipe.pending)
            except BlockingIOError:
                sent = 0
            except OSError:
                self._close(link, reset=True)
                return
            del pipe.pending[:sent]
        if pipe.eof and not pipe.pending and not pipe.shut and not self._delayed_for(pipe):
            pipe.shut = True
            try:
                pipe.dst.shutdown(socket.SHUT_WR)
            except OSError:
                pass
        if link.up.shut and link.down.shut:
            self._close(link, reset=False)

    def _delayed_for(self, pipe: _Pipe) -> bool:
        return any(entry[2] is pipe for entry in self._delayed)

    def _release_delayed(self) -> None:
        now = time.monotonic()
        touched = []
        while self._delayed and self._delayed[0][0] <= now:
            _, _, pipe, data = heapq.heappop(self._delayed)
            pipe.pending += data
            touched.append(pipe)
        for link in self._links:
            if not link.closed and (link.up in touched or link.down in touched):
                self._write(link, link.up)
                self._write(link, link.down)
                self._watch(link)

    def _watch(self, link: _Link) -> None:
        """Watch each socket of the link for what it is waiting on, and nothing else."""
        if link.closed:
            return
        for sock, inbound, outbound in ((link.client, link.up, link.down), (link.upstream, link.down, link.up)):
            events = 0
            if not self._paused:
                if not inbound.eof and not self._backlogged(inbound):
                    events |= selectors.EVENT_READ
                if outbound.pending:
                    events |= selectors.EVENT_WRITE
            self._want(sock, events, link)

    def _want(self, sock: socket.socket, events: int, link: _Link) -> None:
        registered = sock in self._registered
        if not events:
            if registered:
                self._selector.unregister(sock)
                self._registered.discard(sock)
        elif registered:
            self._selector.modify(sock, events, link)
        else:
            self._selector.register(sock, events, link)
            self._registered.add(sock)

    def _close(self, link: _Link, *, reset: bool) -> None:
        if link.closed:
            return
        link.closed = True
        for sock in (link.client, link.upstream):
            self._want(sock, 0, link)
            if reset:
                _reset(sock)
            else:
                sock.close()
        self._delayed = [entry for entry in self._delayed if entry[2] not in (link.up, link.down)]
        heapq.heapify(self._delayed)
        for pipe in (link.up, link.down):
            self._free_at.pop(pipe, None)
