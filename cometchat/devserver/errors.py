"""The dev server's REST failure: an HTTP status and the envelope's code, message and details."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from ..transport import protocol

__all__ = ["ApiError"]


class ApiError(Exception):
    """A REST failure; ``headers`` go with the answer (``Retry-After``), and ``close`` ends the
    connection after it (a body that was not read to its end)."""

    def __init__(self, status: int, code: str, message: str, details: dict[str, Any] | None = None, *,
                 headers: dict[str, str] | None = None, close: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers or {}
        self.close = close

    def response(self) -> web.Response:
        body = protocol.failure(self.code, self.message, self.details)
        response = web.json_response(body, status=self.status, headers=self.headers)
        if self.close:
            response.force_close()
        return response
