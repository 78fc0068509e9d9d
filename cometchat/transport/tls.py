"""TLS for REST and the socket: one shared default context, and what an untrusted server looks like.

Building a verifying ``ssl.SSLContext`` loads the system's CA store (tens of milliseconds and
most of a megabyte), so the process makes the default one once, lazily, under a lock, and
every client shares it, for REST and the socket alike; a context the app gives through
``setSSLContext`` always wins. urllib3, handed it for REST, writes two things into it on each
new connection: the verify mode it already has (``rest._Adapter.cert_verify`` sees to that) and
ALPN ``http/1.1`` (the right protocol for the socket's upgrade too). Nothing loads CA files into
it after it is made.
"""

from __future__ import annotations

import ssl
import threading

__all__ = ["default_context", "untrusted_certificate"]

_lock = threading.Lock()
_default: ssl.SSLContext | None = None


def default_context() -> ssl.SSLContext:
    """The process's verifying TLS context, made on first use."""
    global _default
    with _lock:
        if _default is None:
            _default = ssl.create_default_context()
        return _default


def untrusted_certificate(exc: BaseException) -> str | None:
    """The verifier's complaint if ``exc`` (or what caused it) is a certificate that is not
    trusted; None for any other failure. requests and urllib3 wrap the ``ssl`` error a few
    layers deep: in ``args``, in urllib3's ``reason`` and in ``__cause__``."""
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return str(current)
        pending += [arg for arg in current.args if isinstance(arg, BaseException)]
        linked = (current.__cause__, current.__context__, getattr(current, "reason", None))
        pending += [e for e in linked if isinstance(e, BaseException)]
    return None
