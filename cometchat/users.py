"""The users part: fetching users, blocking them, and updating profiles.

``getUser`` and the blocks run as the logged-in user; ``createUser`` / ``updateUser`` run on
the admin host with the key the app gives (``authKey=`` or ``apiKey=``), as the official SDKs
do, and need only ``init``. An update of the logged-in user (``updateCurrentUserDetails``, or
``updateUser`` of oneself) replaces the user the SDK keeps.
"""

from __future__ import annotations

import copy
from concurrent.futures import Future
from typing import Any

from . import exceptions as errors
from .callbacks import Reply
from .exceptions import CometChatException, invalid_parameter
from .models import User
from .parts import Callback, RestPart
from .transport import endpoints
from .validation import header_error, uid_error, user_error

__all__ = ["Users"]


class Users(RestPart):
    """Users and blocks for one client."""

    def get_user(self, uid: Any, onSuccess: Callback | None, onError: Callback | None) -> Future[User]:
        def fetch(reply: Reply[User]) -> None:
            user = endpoints.get_user(self._session, uid)
            reply.succeed(user, user)

        return self._call(onSuccess, onError, uid_error(uid), fetch)

    def block(self, uids: Any, block: bool, onSuccess: Callback | None, onError: Callback | None) -> Future[dict[str, str]]:
        error = _uids_error(uids)
        call = endpoints.block_users if block else endpoints.unblock_users

        def send(reply: Reply[dict[str, str]]) -> None:
            outcome = call(self._session, list(dict.fromkeys(uids)))
            reply.succeed(outcome, outcome)

        return self._call(onSuccess, onError, error, send)

    def update_current_user(self, user: Any, onSuccess: Callback | None, onError: Callback | None) -> Future[User]:
        error = user_error(user, check_uid=False)

        def send(reply: Reply[User]) -> None:
            me = self._session.user
            body = dict(user.toWire(request=True), uid=me.uid if me else user.uid)  # the server's me, whatever uid says
            updated = self._session.replace_user(endpoints.update_me(self._session, body).user)
            if updated is None:
                raise errors.not_logged_in()
            yours = copy.deepcopy(updated)  # the app's own: changing it must not change getLoggedInUser()
            reply.succeed(yours, yours)

        return self._call(onSuccess, onError, error, send)

    def save_user(self, user: Any, key: Any, create: bool, onSuccess: Callback | None,
                  onError: Callback | None) -> Future[User]:
        """``createUser`` / ``updateUser`` with an auth key or API key (the admin host)."""
        error = _admin_error(user, key)

        def send(reply: Reply[User]) -> None:
            rest = self._session.rest
            assert rest is not None
            body = user.toWire(request=True)
            saved = (endpoints.create_user(rest, key, body) if create
                     else endpoints.update_user(rest, key, user.uid, body))
            self._session.replace_user(saved.toWire())  # when the user is the one logged in
            reply.succeed(saved, saved)

        return self._call(onSuccess, onError, error, send, needs_user=False)


def _uids_error(uids: Any) -> CometChatException | None:
    if isinstance(uids, str) or not isinstance(uids, (list, tuple)):
        return invalid_parameter("users", "a list of uids", uids)
    if not uids:
        return CometChatException(errors.EMPTY_USERS_LIST, "The list of users cannot be empty.")
    return next((e for e in map(uid_error, uids) if e is not None), None)


def _admin_error(user: Any, key: Any) -> CometChatException | None:
    if not isinstance(key, str) or not key.strip() or header_error("authKey", key) is not None:
        return CometChatException(errors.INVALID_AUTH_KEY, "Invalid auth key. Please provide a valid auth key.")
    return user_error(user)
