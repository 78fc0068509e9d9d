"""CometChatException and every error code the SDK raises itself.

The SDK reports failures as ``CometChatException(errorCode, errorDescription, details)``,
delivered to ``onError`` callbacks (and raised by the few calls that raise). Codes are
stable strings; apps compare ``error.errorCode`` against the constants below or the
literals. Codes the server sends (``AUTH_ERR_*``, ``ERR_*``) pass through unchanged and
are not listed here except where the SDK acts on them.

==============================================  ======  ===============================================
Code                                            Source  When
==============================================  ======  ===============================================
``ERROR_EMPTY_APPID``                           iOS     ``init`` with an empty appId
``ERR_INVALID_APP_ID``                          seed    ``init`` with whitespace or characters outside
                                                        letters, digits, ``-``, ``_``, ``.``
``ERROR_REGION_MISSING``                        iOS     ``init`` with settings that have no region
``ERROR_INVALID_APP_SETTINGS``                  ours    ``init`` with something that is not AppSettings
``ERROR_INVALID_SETTING``                       ours    an AppSettingsBuilder method given a bad value
``COMETCHAT_INITIALIZATION_NOT_DONE``           JS      any call that needs ``init`` before it
``LOGIN_IN_PROGRESS``                           JS      ``login`` while another login is in flight
``ERROR_UID_WITH_SPACE``                        iOS     ``login(UID=...)`` with whitespace in the UID
``ERROR_INVALID_UID``                           iOS     ``login(UID=...)``, or any call given a user's
                                                        id (a conversation or unread count of a user
                                                        too), blank or with characters other than
                                                        letters, digits, ``_`` and ``-``
``ERROR_API_KEY_NOT_FOUND``                     iOS     ``login(UID=, authKey=)`` with an empty key
``ERROR_API_WITH_SPACE``                        iOS     ``login(UID=, authKey=)`` with whitespace in the key
``ERROR_BLANK_AUTHTOKEN``                       iOS     ``login(authToken=)`` with an empty token
``ERROR_AUTHTOKEN_WITH_SPACE``                  iOS     ``login(authToken=)`` with whitespace in the token
``ERROR_USER_NOT_LOGGED_IN``                    iOS     ``connect`` (and sends) with nobody logged in, or
                                                        while the login is still in flight
``ERROR_INTERNET_UNAVAILABLE``                  iOS     a REST call that could not reach the server, or
                                                        had no whole answer within its deadline (60 s;
                                                        then ``details["timeout"]``);
                                                        ``details["cause"]`` says why
``ERROR_CERTIFICATE_NOT_TRUSTED``               ours    the server's TLS certificate is not trusted (REST
                                                        or socket); give ``setSSLContext`` a context that
                                                        trusts it; ``details["cause"]`` says why
``ERROR_INVALID_SERVER_SETTINGS``               ours    the app settings the server sent name no chat host,
                                                        or a socket host or port no URL can hold (a port
                                                        that is not a number from 1 to 65535);
                                                        ``details["setting"]``, ``details["value"]``; the
                                                        socket is not retried until ``connect()``
``ERROR_JSON_EXCEPTION``                        iOS     the server answered something that is not the
                                                        JSON envelope ``{"data"}`` / ``{"error"}`` in
                                                        strict JSON (no ``NaN``, no lone surrogates), or
                                                        an answer over 64 MiB (``details["limit"]``)
``ERROR_TOO_MANY_REQUESTS``                     ours    the server answered a REST call with 429 (too
                                                        many requests, e.g. failed logins);
                                                        ``details["retryAfter"]`` is its wait in seconds
                                                        (None when it gave none)
``ERROR_WEBSOCKETS_ALLREADY_IN_CONNECTED_STATE``  seed  ``connect`` while connected (or throttled)
``ERROR_CONNECTION_ABORTED``                    ours    a ``connect`` joined to an attempt that
                                                        ``disconnect`` aborted
``WS_CONNECTION_FAIL``                          JS      a socket attempt failed (refused, timeout, server
                                                        error, drop during the handshake, throttled);
                                                        ``details`` holds the cause
``WS_AUTH_FAIL``                                JS      the server refused the socket's credentials
                                                        twice (before and after a JWT refresh)
``NO_WEBSOCKET_CONNECTION``                     JS/iOS  ``ping``, receipts, typing or transient
                                                        messages while not connected; a ``ping`` whose
                                                        answer did not come in time
``RECEIPTS_TEMPORARILY_BLOCKED``                JS      receipts under the app ``MODE``
                                                        ``LIMITED_TRANSIENT`` / ``NO_TRANSIENT``
``INVALID_RECEIVER_ID``                         JS      a message, receipt, typing indicator or
                                                        transient message with an empty receiver, or one
                                                        holding a lone surrogate (not valid Unicode)
``INVALID_RECEIVER_TYPE``                       JS      a receiver type other than ``user`` / ``group``
``INVALID_MESSAGE_TEXT``                        JS      a text message whose text is blank, or holds a
                                                        lone surrogate (not valid Unicode)
``INVALID_CUSTOM_DATA``                         JS      a custom message whose ``customData`` is not a
                                                        JSON object (the JS ``INVALID_{FIELD}`` pattern)
``INVALID_MESSAGE_TYPE``                        JS      a custom message without a type (same pattern)
``ERROR_INVALID_MESSAGE``                       iOS     a send given something that is not the message
                                                        class it takes
``ERROR_INVALID_PAYLOAD``                       ours    a body that JSON cannot carry (a lone surrogate,
                                                        ``NaN`` or an infinity, a value of no JSON
                                                        type), refused before anything is sent: a
                                                        message's tags, metadata or custom data (also in
                                                        an edit), a media message's caption or hosted
                                                        attachment, a user or group to create or update,
                                                        conversation tags, typing metadata, transient
                                                        data; or of the wrong type (a caption that is
                                                        not a string; on any message, user or group,
                                                        tags that are not a list of strings, metadata
                                                        that is not a dict); ``details["field"]`` names
                                                        the field where the SDK can tell
``ERROR_INVALID_MESSAGEID``                     iOS     a receipt for a message id that is not a
                                                        positive integer
``ERROR_INVALID_SENDER_ID``                     iOS     a receipt without the message's sender
``ERROR_INVALID_PARAMETER``                     ours    a request builder or its setter (raised at
                                                        once), a model given a value it cannot hold
                                                        (``Group(groupType=)``,
                                                        ``GroupMember(groupMemberScope=)``: raised at
                                                        once), or a call of the users / history /
                                                        conversations / groups / reactions tier, given a
                                                        value of the wrong type, or text no request can
                                                        carry: a lone surrogate (not valid Unicode),
                                                        e.g. in a search keyword, a reaction, a
                                                        password; a ``login`` key or token outside
                                                        visible ASCII (no HTTP header carries it)
``ERROR_SET_LIMIT_EXCEEDED``                      JS      a request's limit above its maximum (100; 50 for
                                                        ``ConversationRequest``): the fetch fails
``REQUEST_IN_PROGRESS``                         JS      a fetch while the same request's previous fetch
                                                        is still in flight
``NOT_ENOUGH_PARAMETERS``                       JS      ``MessagesRequest.fetchNext()`` with no message
                                                        id, timestamp or updatedAfter to start from
``EMPTY_USERS_LIST``                            JS      ``blockUsers`` / ``unblockUsers`` with no uids
``INVALID_AUTH_KEY``                            JS      ``createUser`` / ``updateUser`` with an empty
                                                        key, or one outside visible ASCII
``INVALID_CONVERSATION_TYPE``                   JS      a conversation call with a type other than user
                                                        or group
``CONVERSATION_NOT_FOUND``                      JS      ``getConversation`` answered without a conversation
``ERROR_INVALID_GUID``                          ours    a group call (a conversation or unread count of
                                                        a group too) given a guid that is blank or has
                                                        characters other than letters, digits, ``_``,
                                                        ``-``
``ERR_EMPTY_GROUP_PASS``                        JS      ``createGroup`` / ``joinGroup`` of a password group
                                                        without a password
``ERR_INVALID_FILE_OBJECT``                     JS      a media message without a file or attachment, or
                                                        ``files`` that are not a list of
                                                        ``File(name=, data=bytes)``, ``fileurl`` /
                                                        ``filePaths`` that are not a path / a list of
                                                        paths, ``attachment`` / ``attachments`` that are
                                                        not an ``Attachment`` / a list of them
``ERROR_FILE_NOT_READABLE``                     ours    ``fileurl`` names no file this process can read;
                                                        ``details["path"]``, ``details["cause"]``
``ERR_FILE_SIZE_EXCEEDED``                      JS      a file, or the files of one message together,
                                                        over the app setting ``file.size.max``
``ERR_FILE_COUNT_EXCEEDED``                     JS      more files (to upload, or hosted attachments)
                                                        than the app setting ``file.count.max``
``ERROR_UPLOAD_FAILED``                         ours    an upload that could not finish: cancelled by
                                                        logout or ``close()``, or a file that changed
                                                        while it was sent; ``details["cause"]``
``SET_MESSAGE_ID_IS_COMPULSORY``                JS      ``ReactionsRequest`` fetched without a message id
``ERROR_CLIENT_CLOSED``                         ours    any call on a client after ``close()``
``ERROR_STORAGE_IN_USE``                        ours    a second live client given the storage path of
                                                        another
``ERROR_INTERNAL``                              ours    a bug in the SDK; ``details["cause"]`` names it
                                                        (the full traceback is logged)
``AUTH_ERR_AUTH_TOKEN_NOT_FOUND``               server  the server no longer knows the token: the SDK
                                                        logs the user out locally (an upload it refused
                                                        says so too, not ``ERROR_UPLOAD_FAILED``)
==============================================  ======  ===============================================
"""

from __future__ import annotations

from typing import Any

__all__ = ["CometChatException", "ProtocolError", "LocalProtocolError", "RemoteProtocolError"]

# init and settings
ERROR_EMPTY_APPID = "ERROR_EMPTY_APPID"
ERR_INVALID_APP_ID = "ERR_INVALID_APP_ID"
ERROR_REGION_MISSING = "ERROR_REGION_MISSING"
ERROR_INVALID_APP_SETTINGS = "ERROR_INVALID_APP_SETTINGS"
ERROR_INVALID_SETTING = "ERROR_INVALID_SETTING"
COMETCHAT_INITIALIZATION_NOT_DONE = "COMETCHAT_INITIALIZATION_NOT_DONE"

# login
LOGIN_IN_PROGRESS = "LOGIN_IN_PROGRESS"
ERROR_UID_WITH_SPACE = "ERROR_UID_WITH_SPACE"
ERROR_INVALID_UID = "ERROR_INVALID_UID"
ERROR_API_KEY_NOT_FOUND = "ERROR_API_KEY_NOT_FOUND"
ERROR_API_WITH_SPACE = "ERROR_API_WITH_SPACE"
ERROR_BLANK_AUTHTOKEN = "ERROR_BLANK_AUTHTOKEN"
ERROR_AUTHTOKEN_WITH_SPACE = "ERROR_AUTHTOKEN_WITH_SPACE"
ERROR_USER_NOT_LOGGED_IN = "ERROR_USER_NOT_LOGGED_IN"

# transport
ERROR_INTERNET_UNAVAILABLE = "ERROR_INTERNET_UNAVAILABLE"
ERROR_CERTIFICATE_NOT_TRUSTED = "ERROR_CERTIFICATE_NOT_TRUSTED"
ERROR_INVALID_SERVER_SETTINGS = "ERROR_INVALID_SERVER_SETTINGS"
ERROR_JSON_EXCEPTION = "ERROR_JSON_EXCEPTION"
ERROR_TOO_MANY_REQUESTS = "ERROR_TOO_MANY_REQUESTS"
ERROR_WEBSOCKETS_ALLREADY_IN_CONNECTED_STATE = "ERROR_WEBSOCKETS_ALLREADY_IN_CONNECTED_STATE"
ERROR_CONNECTION_ABORTED = "ERROR_CONNECTION_ABORTED"
WS_CONNECTION_FAIL = "WS_CONNECTION_FAIL"
WS_AUTH_FAIL = "WS_AUTH_FAIL"
NO_WEBSOCKET_CONNECTION = "NO_WEBSOCKET_CONNECTION"
RECEIPTS_TEMPORARILY_BLOCKED = "RECEIPTS_TEMPORARILY_BLOCKED"

# messages and receipts
INVALID_RECEIVER_ID = "INVALID_RECEIVER_ID"
INVALID_RECEIVER_TYPE = "INVALID_RECEIVER_TYPE"
INVALID_MESSAGE_TEXT = "INVALID_MESSAGE_TEXT"
INVALID_CUSTOM_DATA = "INVALID_CUSTOM_DATA"
INVALID_MESSAGE_TYPE = "INVALID_MESSAGE_TYPE"
ERROR_INVALID_MESSAGE = "ERROR_INVALID_MESSAGE"
ERROR_INVALID_PAYLOAD = "ERROR_INVALID_PAYLOAD"
ERROR_INVALID_MESSAGEID = "ERROR_INVALID_MESSAGEID"
ERROR_INVALID_SENDER_ID = "ERROR_INVALID_SENDER_ID"

# users, history and conversations
ERROR_INVALID_PARAMETER = "ERROR_INVALID_PARAMETER"
ERROR_SET_LIMIT_EXCEEDED = "ERROR_SET_LIMIT_EXCEEDED"
REQUEST_IN_PROGRESS = "REQUEST_IN_PROGRESS"
NOT_ENOUGH_PARAMETERS = "NOT_ENOUGH_PARAMETERS"
EMPTY_USERS_LIST = "EMPTY_USERS_LIST"
INVALID_AUTH_KEY = "INVALID_AUTH_KEY"
INVALID_CONVERSATION_TYPE = "INVALID_CONVERSATION_TYPE"
CONVERSATION_NOT_FOUND = "CONVERSATION_NOT_FOUND"

# groups
ERROR_INVALID_GUID = "ERROR_INVALID_GUID"
ERR_EMPTY_GROUP_PASS = "ERR_EMPTY_GROUP_PASS"

# media, reactions
ERR_INVALID_FILE_OBJECT = "ERR_INVALID_FILE_OBJECT"
ERROR_FILE_NOT_READABLE = "ERROR_FILE_NOT_READABLE"
ERR_FILE_SIZE_EXCEEDED = "ERR_FILE_SIZE_EXCEEDED"
ERR_FILE_COUNT_EXCEEDED = "ERR_FILE_COUNT_EXCEEDED"
ERROR_UPLOAD_FAILED = "ERROR_UPLOAD_FAILED"
SET_MESSAGE_ID_IS_COMPULSORY = "SET_MESSAGE_ID_IS_COMPULSORY"

# client lifecycle
ERROR_CLIENT_CLOSED = "ERROR_CLIENT_CLOSED"
ERROR_STORAGE_IN_USE = "ERROR_STORAGE_IN_USE"
ERROR_INTERNAL = "ERROR_INTERNAL"

# server codes the SDK acts on
AUTH_ERR_AUTH_TOKEN_NOT_FOUND = "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"


class CometChatException(Exception):
    """A failure reported by the SDK or passed through from the server.

    ``errorCode`` and ``errorDescription`` mirror Swift; ``details`` (a dict or None)
    carries what Swift cannot: the server's details, or the cause of a network failure.
    """

    def __init__(
        self, errorCode: str, errorDescription: str, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(errorCode, errorDescription)
        self.errorCode = errorCode
        self.errorDescription = errorDescription
        self.details = details

    def __str__(self) -> str:
        return f"{self.errorCode}: {self.errorDescription}"

    def __repr__(self) -> str:
        return f"CometChatException({self.errorCode!r}, {self.errorDescription!r})"


# The errors raised from several places, made in one.


def not_initialised() -> CometChatException:
    return CometChatException(COMETCHAT_INITIALIZATION_NOT_DONE, "Please call CometChat.init() before using this method.")


def not_logged_in() -> CometChatException:
    return CometChatException(ERROR_USER_NOT_LOGGED_IN, "Please log in to CometChat before calling this method")


def client_closed() -> CometChatException:
    return CometChatException(ERROR_CLIENT_CLOSED, "This client has been closed.")


def no_websocket() -> CometChatException:
    return CometChatException(
        NO_WEBSOCKET_CONNECTION, "Connection to our Websockets server is broken. Please retry after some time."
    )


def invalid_parameter(name: str, expected: str, given: Any) -> CometChatException:
    return CometChatException(ERROR_INVALID_PARAMETER, f"{name} must be {expected}, not {given!r}.",
                              {"parameter": name, "given": type(given).__name__})


def already_connected() -> CometChatException:
    return CometChatException(
        ERROR_WEBSOCKETS_ALLREADY_IN_CONNECTED_STATE, "Web sockets connect called while web sockets are already connected"
    )


def aborted() -> CometChatException:
    return CometChatException(ERROR_CONNECTION_ABORTED, "The connection attempt was aborted by disconnect().")


def connection_failed(cause: str, **details: Any) -> CometChatException:
    return CometChatException(WS_CONNECTION_FAIL, f"The WebSocket connection failed: {cause}", dict(details, cause=cause))


def closed_error(code: int | None, reason: str) -> CometChatException:
    cause = f"the server closed the connection (code {code})" if code is not None else "the connection dropped"
    return connection_failed(cause, code=code, reason=reason)


def certificate_not_trusted(cause: str) -> CometChatException:
    return CometChatException(
        ERROR_CERTIFICATE_NOT_TRUSTED,
        "The server's TLS certificate is not trusted. If it is signed by a private CA, pass an ssl.SSLContext"
        " that trusts it to AppSettingsBuilder.setSSLContext().",
        {"cause": cause},
    )


def invalid_server_settings(setting: str, value: Any, what: str) -> CometChatException:
    """The app settings the server sent cannot be used: waiting will not change them."""
    return CometChatException(ERROR_INVALID_SERVER_SETTINGS,
                              f"The app settings the server sent are not usable: {setting} {what} ({value!r}).",
                              {"setting": setting, "value": value})


def malformed_answer(what: str, **details: Any) -> CometChatException:
    return CometChatException(ERROR_JSON_EXCEPTION, f"The server's answer is malformed: {what}.", details or None)


def internal(cause: BaseException) -> CometChatException:
    return CometChatException(ERROR_INTERNAL, "Internal SDK error.", {"cause": type(cause).__name__})


# Protocol errors: raised by the wire module (``transport/protocol.py``) and the models'
# named constructors. They live here so that ``models`` never imports ``transport``.


class ProtocolError(Exception):
    """A frame or body that breaks the protocol; ``field`` names the offending key."""

    fault = "unknown"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        where = f" (field {self.field!r})" if self.field else ""
        return f"{self.message}{where}; {self.fault} fault"


class LocalProtocolError(ProtocolError):
    """We were about to send something the protocol forbids: a bug on our side."""

    fault = "local"


class RemoteProtocolError(ProtocolError):
    """The peer sent something the protocol forbids: its bug, not ours."""

    fault = "remote"
