"""The SDK over TLS: REST and the socket both verified with the app's SSLContext. An untrusted
certificate refused is counted as an attack for tests/RELIABILITY.md (a standing suite)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import ssl
import tempfile
import threading
import unittest
from typing import Any
from unittest import mock

import trustme

from cometchat import (AppSettings, AppSettingsBuilder, CometChatClient, CometChatException, ConnectionStatus, File,
                       MediaMessage, ReceiverType, TextMessage)
from cometchat.devserver import DevServer
from cometchat.testing import DevServerMixin, EventRecorder, scaled, settingsFor
from cometchat.transport import tls
from helpers import fast, ok, reliability, scratch_dir


def tls_server() -> tuple[trustme.CA, DevServer]:
    """A private CA and a DevServer serving TLS with a certificate it issued for 127.0.0.1."""
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    return ca, DevServer(ssl_context=server_context).start()


class TlsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.ca, cls.server = tls_server()

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


class ContextCount:
    """Counts the TLS contexts built while it is active (every ``ssl.SSLContext``, whoever
    builds it) and the SDK's requests for its shared default one."""

    def __init__(self) -> None:
        self.built: list[ssl.SSLContext] = []
        built, new = self.built, ssl.SSLContext.__new__

        def counted(cls: type[ssl.SSLContext], *args: Any, **kwargs: Any) -> ssl.SSLContext:
            context = new(cls, *args, **kwargs)
            built.append(context)
            return context

        self._patches = (mock.patch.object(ssl.SSLContext, "__new__", counted),
                         mock.patch.object(tls, "default_context", wraps=tls.default_context))

    def __enter__(self) -> Any:
        self._patches[0].start()
        return self._patches[1].start()

    def __exit__(self, *exc: object) -> None:
        for patch in reversed(self._patches):
            patch.stop()


class PlainSocketTest(DevServerMixin, unittest.TestCase):
    def test_a_ws_client_builds_no_tls_context_from_creation_to_a_message(self) -> None:
        counting = ContextCount()
        with counting as asked_for_default:
            ssl.create_default_context()  # the count sees a context built through the standard library
            self.assertEqual(len(counting.built), 1)
            alice = self.newClient("cometchat-uid-1", builder=fast())
            bob = self.newClient("cometchat-uid-2", builder=fast())
            heard = EventRecorder()
            bob.addMessageListener("r", heard)
            ok(alice.connect())
            ok(bob.connect())
            ok(alice.sendTextMessage(message=TextMessage(receiverUid="cometchat-uid-2", text="plain",
                                                         receiverType=ReceiverType.user)))
            self.assertEqual(heard.waitFor("onTextMessageReceived").arg.text, "plain")
        self.assertEqual(len(counting.built), 1)  # only ours
        asked_for_default.assert_not_called()


def fresh_tls() -> Any:
    """A fresh copy of the ``tls`` module, so the process's own default context (made or not,
    by whichever test ran before) plays no part."""
    spec = importlib.util.spec_from_file_location("fresh_tls", tls.__file__)
    assert spec is not None and spec.loader is not None
    fresh = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fresh)
    return fresh


class SharedContextTest(DevServerMixin, unittest.TestCase):
    """Over https, without setSSLContext: every client's REST, socket and upload use the one
    default context of the process, and nothing is loaded into it."""

    @classmethod
    def setUpClass(cls) -> None:
        cls.ca, cls.server = tls_server()
        cls.ca_file = os.path.join(tempfile.mkdtemp(prefix="cometchat-ca-"), "ca.pem")
        cls.ca.cert_pem.write_to_path(cls.ca_file)

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.stop()
        shutil.rmtree(os.path.dirname(cls.ca_file), ignore_errors=True)

    def test_https_clients_and_an_upload_build_one_default_context(self) -> None:
        fresh = fresh_tls()
        # the default context trusts the bundle REQUESTS_CA_BUNDLE names, as requests would
        with mock.patch.dict(os.environ, {"REQUESTS_CA_BUNDLE": self.ca_file}), \
                mock.patch.object(tls, "default_context", fresh.default_context):
            made = fresh.default_context()
            loaded = made.cert_store_stats()
            counting = ContextCount()  # made here, it counts the asks for the fresh module's default
            with counting as asked_for_default:
                alice, bob, carol = (self.newClient(uid, builder=fast())
                                     for uid in ("cometchat-uid-1", "cometchat-uid-2", "cometchat-uid-3"))
                heard = EventRecorder()
                bob.addMessageListener("r", heard)
                for client in (alice, bob, carol):
                    ok(client.connect())  # a wss socket each
                picture = File(name="dot.png", data=b"\x89PNG over TLS")
                sent = ok(alice.sendMediaMessage(message=MediaMessage(  # an upload: a session of its own
                    receiverUid="cometchat-uid-2", files=[picture], messageType="image", receiverType=ReceiverType.user)))
                self.assertEqual(heard.waitFor("onMediaMessageReceived").arg.id, sent.id)
                ok(carol.sendTextMessage(message=TextMessage(receiverUid="cometchat-uid-2", text="and text",
                                                             receiverType=ReceiverType.user)))
                self.assertEqual(heard.waitFor("onTextMessageReceived").arg.text, "and text")
        self.assertEqual(counting.built, [])  # no other context was built for any of it
        self.assertIs(fresh.default_context(), made)
        self.assertGreaterEqual(asked_for_default.call_count, 6)  # three clients' REST and sockets, the upload
        self.assertEqual(made.cert_store_stats(), loaded)  # nothing loaded into it since it was made


class DefaultContextTest(unittest.TestCase):
    def test_the_default_context_trusts_what_requests_trusts_on_a_system_without_cas(self) -> None:
        import certifi

        with open(certifi.where(), encoding="ascii") as bundle:
            in_certifi = bundle.read().count("BEGIN CERTIFICATE")
        system_without_cas = {"SSL_CERT_FILE": os.devnull, "SSL_CERT_DIR": os.devnull}
        with mock.patch.dict(os.environ, system_without_cas):
            os.environ.pop("REQUESTS_CA_BUNDLE", None)
            os.environ.pop("CURL_CA_BUNDLE", None)
            self.assertEqual(ssl.create_default_context().cert_store_stats()["x509_ca"], 0)  # the premise
            self.assertEqual(fresh_tls().default_context().cert_store_stats()["x509_ca"], in_certifi)
            os.environ["REQUESTS_CA_BUNDLE"] = self._ca_file()
            self.assertEqual(fresh_tls().default_context().cert_store_stats()["x509_ca"], 1)  # only what it names

    def _ca_file(self) -> str:
        folder = scratch_dir(self, prefix="cometchat-ca-")
        path = os.path.join(folder, "ca.pem")
        trustme.CA().cert_pem.write_to_path(path)
        return path

    def test_the_default_context_is_made_once_and_shared_by_every_thread(self) -> None:
        fresh = fresh_tls()
        threads, made, got = 8, [], []
        all_in = threading.Event()
        create = ssl.create_default_context

        def slow_create(*args: Any, **kwargs: Any) -> ssl.SSLContext:
            made.append(threading.current_thread().name)
            if len(made) == threads:
                all_in.set()
            all_in.wait(scaled(0.3))  # a window for every thread to come in, were nothing to stop them
            return create(*args, **kwargs)

        start = threading.Barrier(threads)

        def ask() -> None:
            start.wait(scaled(5))
            got.append(fresh.default_context())

        with mock.patch.object(ssl, "create_default_context", slow_create):
            workers = [threading.Thread(target=ask) for _ in range(threads)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join(scaled(10))
            again = fresh.default_context()
        self.assertEqual(len(got), threads)
        self.assertEqual(len(made), 1)
        self.assertTrue(all(context is again for context in got))
        self.assertEqual(again.verify_mode, ssl.CERT_REQUIRED)  # a verifying context
        self.assertTrue(again.check_hostname)


if __name__ == "__main__":
    unittest.main()
