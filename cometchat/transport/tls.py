"""TLS for REST and the socket: one shared default context, and what an untrusted server looks like.

Building a verifying ``ssl.SSLContext`` loads CA stores (tens of milliseconds and most of a
megabyte), so the process makes the default one once, lazily, under a lock, and
every client shares it, for REST and the socket alike; a context the app gives through
``setSSLContext`` always wins. urllib3, handed it for REST, writes two things into it on each
new connection: the verify mode it already has (``rest._Adapter.cert_verify`` sees to that) and
ALPN ``http/1.1`` (the right protocol for the socket's upgrade too). Nothing loads CA files into
it after it is made.
"""

from __future__ import annotations

import os
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
            _default = _make_default()
        return _default


def _make_default() -> ssl.SSLContext:
    """The system's CAs (``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` name others), and what requests
    trusts by default: certifi's bundle, or the one ``REQUESTS_CA_BUNDLE`` names. A system with
    no CA store of its own (some containers, python.org builds on macOS) still verifies the
    real service, as REST did when requests chose the CAs."""
    context = ssl.create_default_context()
    named = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if named:
        context.load_verify_locations(cafile=named)  # a wrong path fails loudly, as in requests
        return context
    try:
        import certifi
    except ImportError:  # requests depends on it; a trimmed install keeps the system's CAs
        return context
    context.load_verify_locations(cafile=certifi.where())
    return context


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
