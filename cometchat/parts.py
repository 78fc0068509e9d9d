"""What the REST-backed parts (users, conversations, groups, messaging...) share: one way to call.

A call checks the session first (``init``, a login, a client not closed), then its own
arguments; either refusal reaches ``onError`` on the dispatch queue without touching the
network. Otherwise ``work`` runs on the REST worker and answers the reply itself (or, with
``_run``, ``fetch``'s result is the answer).
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import Any, Callable

from .callbacks import Notifier, Reply
from .exceptions import CometChatException
from .session import Session
from .worker import RestWorker

__all__ = ["RestPart", "Callback"]

Callback = Callable[..., Any]


class RestPart:
    """A part of the client whose calls run on the REST worker."""

    def __init__(self, session: Session, notifier: Notifier, worker: RestWorker) -> None:
        self._session = session
        self._notifier = notifier
        self._worker = worker

    def _call(self, onSuccess: Callback | None, onError: Callback | None, error: CometChatException | None,
              work: Callable[[Reply[Any]], None], *, needs_user: bool = True) -> Future[Any]:
        reply = self._notifier.reply(onSuccess, onError)
        error = self._session.refusal(needs_user=needs_user) or error
        if error is not None:
            reply.fail(error)
        else:
            self._worker.run(reply, lambda: work(reply))
        return reply.future

    def _run(self, onSuccess: Callback | None, onError: Callback | None, error: CometChatException | None,
             fetch: Callable[[], Any]) -> Future[Any]:
        """A call whose result is whatever ``fetch`` returns on the worker."""
        def work(reply: Reply[Any]) -> None:
            result = fetch()
            reply.succeed(result, result)

        return self._call(onSuccess, onError, error, work)
