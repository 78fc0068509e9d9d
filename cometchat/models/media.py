"""What media messages carry: ``Attachment`` (a file as the server hosts it) and ``File`` (bytes
the app already holds, to upload under a name)."""

from __future__ import annotations

import os
from typing import Any

import attrs

from ..exceptions import RemoteProtocolError
from . import wire

__all__ = ["Attachment", "File"]


@attrs.define(kw_only=True)
class Attachment:
    """A hosted file: ``Attachment(fileName=, fileExtension=, fileMimeType=, fileUrl=)``; set
    it as a ``MediaMessage``'s ``attachment`` to send a file that is online already."""

    fileName: str
    fileExtension: str
    fileMimeType: str
    fileUrl: str
    fileSize: float = 0.0

    @staticmethod
    def attachmentsToJSON(attachment: Attachment) -> dict[str, Any]:
        """The wire's attachment object (``name``, ``extension``, ``mimeType``, ``url``, ``size``)."""
        return {"name": attachment.fileName, "extension": attachment.fileExtension,
                "mimeType": attachment.fileMimeType, "url": attachment.fileUrl, "size": attachment.fileSize}

    @classmethod
    def fromWire(cls, obj: Any) -> Attachment:
        if not isinstance(obj, dict) or not isinstance(obj.get("url"), str):
            raise RemoteProtocolError("an attachment needs a url", field="data.attachments.url")
        name = wire.text(obj.get("name")) or os.path.basename(obj["url"])
        return cls(fileName=name, fileExtension=wire.text(obj.get("extension")) or "",
                   fileMimeType=wire.text(obj.get("mimeType")) or "", fileUrl=obj["url"],
                   fileSize=wire.floating(obj.get("size")))

    def stringValue(self) -> str:
        return f"Attachment(name={self.fileName}, size={self.fileSize:g}, url={self.fileUrl})"


@attrs.define(kw_only=True)
class File:
    """Bytes to upload as ``name`` (Swift's ``File(name:data:)``); they go up as they are."""

    name: str
    data: bytes = attrs.field(repr=lambda data: f"<{len(data)} bytes>")

    def stringValue(self) -> str:
        return f"File(name={self.name}, {len(self.data)} bytes)"
