"""The SDK over TLS: REST and the socket both verified with the app's SSLContext. An untrusted
certificate refused is counted as an attack for tests/RELIABILITY.md (a standing suite)."""

from __future__ import annotations

import ssl
import unittest

import trustme

from cometchat import AppSettings, AppSettingsBuilder, CometChatClient, CometChatException, ConnectionStatus
from cometchat.devserver import DevServer
from cometchat.testing import EventRecorder, scaled, settingsFor
from helpers import fast, reliability, scratch_dir


class TlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.ca = trustme.CA()
        server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cls.ca.issue_cert("127.0.0.1").configure_cert(server_context)
        cls.server = DevServer(ssl_context=server_context).start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.stop()

    def client(self, context: ssl.SSLContext, builder: AppSettingsBuilder | None = None) -> CometChatClient:
        builder = fast((builder or AppSettings.AppSettingsBuilder().setInMemoryStorage()).setSSLContext(context))
        client = CometChatClient(appId=self.server.app_id, appSettings=settingsFor(self.server, builder=builder))
        self.addCleanup(client.close)
        return client

    def test_https_and_wss_with_the_apps_ssl_context(self) -> None:
        trusting = ssl.create_default_context()
        self.ca.configure_trust(trusting)
        client = self.client(trusting)
        recorder = EventRecorder()
        client.addConnectionListener("r", recorder)
        client.login(UID="cometchat-uid-1", authKey=self.server.auth_key).result(scaled(10))
        client.connect().result(scaled(10))
        self.assertEqual(client.getConnectionStatus, ConnectionStatus.connected)
        self.assertEqual(len(self.server.sessions("cometchat-uid-1")), 1)

    def test_an_untrusted_certificate_is_refused_on_rest_with_its_own_code(self) -> None:
        client = self.client(ssl.create_default_context())  # the system CAs do not know ours
        error = client.login(UID="cometchat-uid-1", authKey=self.server.auth_key).exception(scaled(10))
        self.assertIsInstance(error, CometChatException)
        self.assertEqual(error.errorCode, "ERROR_CERTIFICATE_NOT_TRUSTED")
        self.assertIn("setSSLContext", error.errorDescription)
        self.assertIn("certificate verify failed", error.details["cause"])
        reliability.count("attacks")

    def test_an_untrusted_certificate_on_the_socket_is_reported_and_not_retried(self) -> None:
        directory = scratch_dir(self, prefix="cometchat-tls-")
        trusting = ssl.create_default_context()
        self.ca.configure_trust(trusting)
        first = self.client(trusting, AppSettings.AppSettingsBuilder().setStoragePath(directory))
        first.login(UID="cometchat-uid-2", authKey=self.server.auth_key).result(scaled(10))
        first.close()
        # the same saved session, restored without the network, by a client that trusts nobody
        client = self.client(ssl.create_default_context(), AppSettings.AppSettingsBuilder().setStoragePath(directory))
        self.assertIsNotNone(client.getLoggedInUser())
        recorder = EventRecorder()
        client.addConnectionListener("r", recorder)
        error = client.connect().exception(scaled(10))
        self.assertEqual(error.errorCode, "ERROR_CERTIFICATE_NOT_TRUSTED")
        self.assertIn("setSSLContext", error.errorDescription)
        self.assertIn("certificate verify failed", error.details["cause"])  # as on REST: the verifier's words
        reported = recorder.waitFor("onConnectionError").arg
        self.assertEqual((reported.errorCode, reported.details), (error.errorCode, error.details))
        recorder.waitFor("disconnected")
        self.assertEqual(client.statistics().state, "idle")  # waiting cannot heal it: no retry is scheduled
        self.assertEqual(client.getConnectionStatus, ConnectionStatus.disconnected)
        # the app may try again; it is told the same
        self.assertEqual(client.connect().exception(scaled(10)).errorCode, "ERROR_CERTIFICATE_NOT_TRUSTED")
        recorder.waitFor("onConnectionError", count=2)
        reliability.count("attacks", 2)


if __name__ == "__main__":
    unittest.main()
