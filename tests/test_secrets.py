"""Secrets never reach logs or reprs: keys, tokens and JWTs, with every logger at DEBUG."""

from __future__ import annotations

import json
import logging
import os
import unittest

from cometchat import AppSettings, ReceiverType, TextMessage, TypingIndicator
from cometchat.storage import SavedSession
from cometchat.testing import DevServerMixin, EventRecorder, scaled, settingsFor, waitFor
from helpers import scratch_dir


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = record.getMessage()
        if record.exc_info:
            text += logging.Formatter().formatException(record.exc_info)
        self.lines.append(f"{record.name}: {text}")


class SecretsTest(DevServerMixin, unittest.TestCase):
    def setUp(self) -> None:
        self.capture = Capture()
        root = logging.getLogger()
        self.previous = root.level
        root.addHandler(self.capture)
        root.setLevel(logging.DEBUG)
        self.addCleanup(root.removeHandler, self.capture)
        self.addCleanup(root.setLevel, self.previous)

    def file_client(self) -> tuple[object, str]:
        """A client that saves its session to a file, where the test reads the JWT (the socket
        credential is internal on purpose: no public call returns it)."""
        directory = scratch_dir(self, prefix="cometchat-secrets-")
        client = self.newClient(builder=AppSettings.AppSettingsBuilder().setStoragePath(directory))
        return client, directory

    @staticmethod
    def saved(directory: str) -> SavedSession:
        with open(os.path.join(directory, "session.json"), encoding="utf-8") as handle:
            return SavedSession.from_json(json.load(handle))

    def exercise(self) -> list[str]:
        """Everything a client does with its secrets; returns the secrets it saw."""
        client, directory = self.file_client()
        recorder = EventRecorder()
        client.addLoginListener("r", recorder)
        client.login(UID="cometchat-uid-1", authKey=self.server.auth_key).result(scaled(10))
        token = client.getUserAuthToken()
        jwt = self.saved(directory).jwt
        client.connect().result(scaled(10))
        message = TextMessage(receiverUid="cometchat-uid-2", text="secret-free", receiverType=ReceiverType.user)
        client.sendTextMessage(message=message).result(scaled(10))
        client.startTyping(indicator=TypingIndicator(receiverID="cometchat-uid-2", receiverType=ReceiverType.user))
        self.server.expire_jwts("cometchat-uid-1")  # a refused auth frame and a refresh
        waitFor(lambda: client.getConnectionStatus.value == "connected" and self.server.sessions("cometchat-uid-1"))
        refreshed = waitFor(lambda: self.saved(directory).jwt != jwt and self.saved(directory).jwt)
        client.disconnect().result(scaled(10))
        client.logout().result(scaled(10))
        other = self.server.auth_token("cometchat-uid-2")
        client.login(authToken=other).result(scaled(10))
        client.login(UID="cometchat-uid-3", authKey="wrong-" + self.server.auth_key).exception(scaled(10))
        client.flush(scaled(5))
        return [self.server.auth_key, token, jwt, refreshed, other]

    def test_no_secret_in_any_log_line(self) -> None:
        secrets = self.exercise()
        self.assertTrue(self.capture.lines, "nothing was logged at all: the capture is broken")
        for line in self.capture.lines:
            for secret in secrets:
                self.assertNotIn(secret, line)

    def test_no_secret_in_any_repr(self) -> None:
        client, directory = self.file_client()
        client.login(UID="cometchat-uid-4", authKey=self.server.auth_key).result(scaled(10))
        saved = self.saved(directory)
        secrets = [self.server.auth_key, client.getUserAuthToken(), saved.jwt]
        objects = [client, saved, client.getLoggedInUser(), self.server, client.statistics(),
                   settingsFor(self.server, builder=AppSettings.AppSettingsBuilder())]
        for obj in objects:
            for secret in secrets:
                self.assertNotIn(secret, repr(obj), type(obj).__name__)


if __name__ == "__main__":
    unittest.main()
