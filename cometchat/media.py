"""The media part: ``sendMediaMessage``.

A local file (``fileurl=`` a path, or ``files=[File(...)]``) goes up as multipart/form-data,
streamed from the disk on a thread of its own (``UploadThreads``), so a big upload never holds
up the sends and the JWT refresh on the REST worker. Everything is checked before a byte goes
out: the message, that each file exists and can be read, and the count and sizes against the
app settings ``file.count.max`` / ``file.size.max``. A file that is online already (an
``attachment``) goes as JSON, like any send. ``onProgress(sentBytes, totalBytes)`` (a Python
extension) runs on the dispatch queue at most ten times a second, and once when all is sent.
Logging out or closing the client cancels uploads in flight (``ERROR_UPLOAD_FAILED``); at
most four uploads run at once, the others wait their turn.
"""

from __future__ import annotations

import json
import mimetypes
import os
import threading
import time
import uuid
from concurrent.futures import Future
from typing import Any

from . import exceptions as errors
from . import validation
from .callbacks import Notifier, Reply
from .dispatch import run_user_code
from .exceptions import CometChatException
from .models import Attachment, File, MediaMessage, MessageType, ReceiverType
from .parts import Callback
from .realtime import Realtime
from .session import Session
from .storage import SavedSession
from .transport import endpoints, protocol
from .transport.multipart import FilePart, MultipartBody, UploadAborted
from .worker import RestWorker, UploadThreads, cancelled_upload

__all__ = ["Media"]


#: the app settings' defaults when the server does not say (wire reference: app settings)
DEFAULT_FILE_SIZE_MAX = 100 * 1024 * 1024
DEFAULT_FILE_COUNT_MAX = 10
_MEDIA_TYPES = (MessageType.image, MessageType.video, MessageType.audio, MessageType.file)
_PROGRESS_EVERY = 0.1  #: seconds between two progress calls, at most
#: how a cancelled upload can fail besides ``UploadAborted``: the link it stopped feeding broke
#: or timed out, or the logout that cancelled it came first. An answer from the server is never
#: cancelling's doing, though the answer may itself cancel (a forgotten token logs the user out).
_WHAT_CANCELLING_BREAKS = frozenset({errors.ERROR_INTERNET_UNAVAILABLE, errors.ERROR_USER_NOT_LOGGED_IN})


class Media:
    """Media sends of one client."""

    def __init__(self, session: Session, realtime: Realtime, notifier: Notifier, worker: RestWorker,
                 uploads: UploadThreads) -> None:
        self._session = session
        self._realtime = realtime
        self._notifier = notifier
        self._worker = worker
        self._uploads = uploads
        session.add_observer(self)

    def send(self, message: Any, onSuccess: Callback | None, onError: Callback | None,
             onProgress: Callback | None) -> Future[MediaMessage]:
        reply = self._notifier.reply(onSuccess, onError)
        error = (validation.message_error(message, MediaMessage) or _shape_error(message)
                 or self._session.refusal(needs_user=True) or _type_error(message) or _payload_error(message))
        parts: list[FilePart] | CometChatException = []
        if error is None:
            parts = _local_files(message, *self._limits())
            error = parts if isinstance(parts, CometChatException) else None
        if error is None and not parts:
            error = _hosted_error(message, self._limits()[1])
        if error is not None:
            reply.fail(error)
            return reply.future
        message.muid = message.muid or str(uuid.uuid4())  # the same muid if the app sends it again
        assert isinstance(parts, list)
        if parts:
            self._uploads.start(reply, lambda cancelled: self._upload(message, parts, reply, onProgress, cancelled))
        else:
            self._worker.run(reply, lambda: self._send_hosted(message, reply))
        return reply.future

    def _limits(self) -> tuple[int, int]:
        """(file.size.max, file.count.max) from the app settings."""
        current = self._session.current
        settings = current.settings if current is not None else {}
        size = settings.get("file.size.max")
        count = settings.get("file.count.max")
        return (size if isinstance(size, int) and size > 0 else DEFAULT_FILE_SIZE_MAX,
                count if isinstance(count, int) and count > 0 else DEFAULT_FILE_COUNT_MAX)

    def _send_hosted(self, message: MediaMessage, reply: Reply[Any]) -> None:
        attachments = _hosted(message)
        request = protocol.MessageRequest(
            receiver=message.receiverUid, receiver_type=ReceiverType(message.receiverType).value,
            category="message",
            type=MessageType(message.messageType).value, text=message.caption, metadata=message.metaData,
            tags=tuple(message.tags or ()), muid=message.muid, parent_id=message.parentMessageId,
            quoted_id=message.quotedMessageId, attachments=tuple(Attachment.attachmentsToJSON(a) for a in attachments))
        sent = endpoints.send_message(self._session, protocol.build_message_request(request), message.parentMessageId)
        self._realtime.mark_seen(sent.id)
        reply.succeed(sent, sent)

    def _upload(self, message: MediaMessage, parts: list[FilePart], reply: Reply[Any], onProgress: Callback | None,
                cancelled: threading.Event) -> None:
        """On an upload thread: the multipart body, streamed; the stored message answers."""
        progress = _Progress(self._notifier, onProgress) if onProgress is not None else None
        before, after = _fields(message)
        body = MultipartBody(before, parts, after, progress=progress, cancelled=cancelled)
        try:
            sent = endpoints.upload_message(self._session, body, body.content_type, message.parentMessageId)
        except UploadAborted as exc:
            raise CometChatException(errors.ERROR_UPLOAD_FAILED, f"The upload did not finish: {exc.reason}.",
                                     {"cause": exc.reason}) from None
        except CometChatException as exc:
            if cancelled.is_set() and exc.errorCode in _WHAT_CANCELLING_BREAKS:
                raise cancelled_upload() from None
            raise  # the server's answer (a token it forgot logs the user out, which cancels: still its answer)
        self._realtime.mark_seen(sent.id)
        reply.succeed(sent, sent)

    # ------------------------------------------------------------------ the session's observer

    def signed_in(self, saved: SavedSession) -> None:
        pass

    def signed_out(self) -> None:
        self._uploads.cancel_all()  # what was being sent for the user who left stops

    def settings_changed(self, settings: dict[str, Any]) -> None:
        pass


class _Progress:
    """``onProgress`` on the dispatch queue: at most every ``_PROGRESS_EVERY`` seconds, and
    once when the last byte is sent."""

    def __init__(self, notifier: Notifier, callback: Callback) -> None:
        self._notifier = notifier
        self._callback = callback
        self._last = 0.0

    def __call__(self, sent: int, total: int) -> None:
        now = time.monotonic()
        if sent < total and now - self._last < _PROGRESS_EVERY:
            return
        self._last = now
        self._notifier.post(run_user_code, self._callback, sent, total)


def _type_error(message: MediaMessage) -> CometChatException | None:
    try:
        if MessageType(message.messageType) in _MEDIA_TYPES:
            return None
    except ValueError:
        pass
    return CometChatException(errors.INVALID_MESSAGE_TYPE, "A media message's type is image, video, audio or file.",
                              {"given": repr(message.messageType)[:40]})


def _is_list(value: Any) -> bool:
    return isinstance(value, (list, tuple))


def _shape_error(message: MediaMessage) -> CometChatException | None:
    """What each field holds, checked before anything reads it: a caption that is not text, or a
    single ``File`` where a list of them belongs, would otherwise fail deep in the upload as
    an internal error (tags and metadata are checked for every kind of message, in
    ``validation.message_error``)."""
    def file_object(field: str, expected: str, given: Any) -> CometChatException:
        return CometChatException(errors.ERR_INVALID_FILE_OBJECT, f"{field} must be {expected}.",
                                  {"field": field, "given": type(given).__name__})

    if message.caption is not None and not isinstance(message.caption, str):
        return CometChatException(errors.ERROR_INVALID_PAYLOAD, "caption must be a string.",
                                  {"field": "caption", "given": type(message.caption).__name__})
    if message.files is not None and not _is_list(message.files):
        return file_object("files", "a list of File(name=, data=bytes)", message.files)
    paths = message.filePaths
    if paths is not None and (not _is_list(paths) or not all(isinstance(p, (str, os.PathLike)) for p in paths)):
        return file_object("filePaths", "a list of file paths", paths)
    if message.attachment is not None and not isinstance(message.attachment, Attachment):
        return file_object("attachment", "an Attachment", message.attachment)
    attachments = message.attachments
    if attachments is not None and (not _is_list(attachments)
                                    or not all(isinstance(a, Attachment) for a in attachments)):
        return file_object("attachments", "a list of Attachment", attachments)
    return None


def _payload_error(message: MediaMessage) -> CometChatException | None:
    """The caption and hosted attachments must be what JSON and UTF-8 can carry (the tags and
    metadata were checked with every message's, by the same check)."""
    return validation.payload_error(caption=message.caption,
                                    attachments=[Attachment.attachmentsToJSON(a) for a in _hosted(message)])


def _hosted_error(message: MediaMessage, count_max: int) -> CometChatException | None:
    """A message without local files needs files online, as many as ``file.count.max`` allows."""
    count = len(_hosted(message))
    if not count:
        return CometChatException(errors.ERR_INVALID_FILE_OBJECT, "A media message needs a file (fileurl or "
                                  "files) or an attachment that is online.")
    if count > count_max:
        return CometChatException(errors.ERR_FILE_COUNT_EXCEEDED, f"At most {count_max} files per message.",
                                  {"count": count, "limit": count_max})
    return None


def _hosted(message: MediaMessage) -> list[Attachment]:
    """The files online already that the message carries (``attachments``, else ``attachment``)."""
    return list(message.attachments or ([message.attachment] if message.attachment else []))


def _display_name(name: str) -> str:
    """A file name as text: bytes a file system holds that are not UTF-8 become U+FFFD."""
    try:
        raw = name.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = name.encode("utf-8", "replace")
    return raw.decode("utf-8", "replace")


def _local_files(message: MediaMessage, size_max: int, count_max: int) -> list[FilePart] | CometChatException:
    """The files to upload, each checked (readable, within the limits); [] for none."""
    parts: list[FilePart] = []
    paths = ([message.filePath] if message.filePath is not None else []) + list(message.filePaths or ())
    for path in paths:
        part = _file_on_disk(path)
        if isinstance(part, CometChatException):
            return part
        parts.append(part)
    for item in message.files or ():
        if not isinstance(item, File) or not isinstance(item.name, str) or not item.name \
                or not isinstance(item.data, (bytes, bytearray)):
            return CometChatException(errors.ERR_INVALID_FILE_OBJECT, "files must be File(name=, data=bytes).",
                                      {"given": type(item).__name__})
        name = _display_name(item.name)
        parts.append(FilePart(filename=name, mime_type=_mime(name), size=len(item.data), data=bytes(item.data)))
    if len(parts) > count_max:
        return CometChatException(errors.ERR_FILE_COUNT_EXCEEDED, f"At most {count_max} files per message.",
                                  {"count": len(parts), "limit": count_max})
    for part in parts:
        if part.size > size_max:
            return CometChatException(errors.ERR_FILE_SIZE_EXCEEDED,
                                      f"{part.filename} is larger than {size_max} bytes.",
                                      {"file": part.filename, "size": part.size, "limit": size_max})
    total = sum(part.size for part in parts)
    if total > size_max:  # the server takes a multipart body of file.size.max (and the form's fields)
        return CometChatException(errors.ERR_FILE_SIZE_EXCEEDED,
                                  f"The files of a message are larger than {size_max} bytes together.",
                                  {"size": total, "limit": size_max})
    return parts


def _file_on_disk(path: Any) -> FilePart | CometChatException:
    """A local file, if it is a regular file this process can read."""
    if not isinstance(path, (str, os.PathLike)):
        return CometChatException(errors.ERR_INVALID_FILE_OBJECT, "fileurl must be the path of a file.",
                                  {"given": type(path).__name__})
    path = os.fspath(path)
    try:
        if not os.path.isfile(path):
            raise IsADirectoryError("not a regular file") if os.path.exists(path) else FileNotFoundError("no such file")
        with open(path, "rb"):
            pass
        size = os.path.getsize(path)
    except OSError as exc:
        return CometChatException(errors.ERROR_FILE_NOT_READABLE, f"Cannot read {path}: {exc}.",
                                  {"path": path, "cause": type(exc).__name__})
    name = _display_name(os.path.basename(path))
    return FilePart(filename=name, mime_type=_mime(name), size=size, path=path)


def _mime(name: str) -> str:
    return mimetypes.guess_type(name)[0] or "application/octet-stream"


def _fields(message: MediaMessage) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The plain fields before and after the files, in the official SDK's order."""
    data: dict[str, Any] = {}
    if message.caption:
        data["text"] = message.caption
    if message.metaData is not None:
        data["metadata"] = message.metaData
    before = [("type", MessageType(message.messageType).value),
              ("receiverType", ReceiverType(message.receiverType).value), ("category", "message"), ("data", json.dumps(data, ensure_ascii=False))]
    after: list[tuple[str, str]] = []
    if message.caption:
        after.append(("caption", message.caption))
    after += [("tags[]", tag) for tag in message.tags or ()]
    after.append(("muid", message.muid))
    if message.parentMessageId:
        after.append(("parentMessageId", str(message.parentMessageId)))
    if message.quotedMessageId:
        after.append(("quotedMessageId", str(message.quotedMessageId)))
    after.append(("receiver", message.receiverUid))
    return before, after
