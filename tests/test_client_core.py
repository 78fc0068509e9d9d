"""The SDK core against a real DevServer: init, login, logout, the saved session, callbacks."""

from __future__ import annotations

import http.server
import json
import os
import re
import socket
import sqlite3
import stat
import threading
import time
import unittest
from typing import Any
from unittest import mock

from cometchat import (
    AppSettings,
    CometChat,
    CometChatClient,
    CometChatException,
    MainDispatchQueue,
    User,
    UserStatus,
)
from cometchat.cometchat import replaceDefaultClient
from cometchat.testing import DevServerMixin, EventRecorder, FaultProxy, scaled, settingsFor, waitFor
from cometchat.transport import rest

from helpers import RawHttpServer, error_of, http_answer, scratch_dir, statuses

#: what the hand-written servers answer a call they serve properly
SERVED = json.dumps({"error": {"code": "ERR_SERVED", "message": "the next call was served"}}).encode()


class InitTest(unittest.TestCase):
    def settings(self) -> AppSettings:
        return AppSettings.AppSettingsBuilder().setRegion(region="us").setInMemoryStorage().build()

    def test_validation_codes_go_to_on_error_on_the_dispatch_thread(self) -> None:
        cases = [
            ("", self.settings(), "ERROR_EMPTY_APPID"),
            (None, self.settings(), "ERROR_EMPTY_APPID"),
            ("has space", self.settings(), "ERR_INVALID_APP_ID"),
            ("bad/char", self.settings(), "ERR_INVALID_APP_ID"),
            (12345, self.settings(), "ERR_INVALID_APP_ID"),
            ("app1", {"region": "us"}, "ERROR_INVALID_APP_SETTINGS"),
            ("app1", AppSettings.AppSettingsBuilder().build(), "ERROR_REGION_MISSING"),
        ]
        for app_id, settings, code in cases:
            with self.subTest(code=code, app_id=app_id):
                client = CometChatClient()
                self.addCleanup(client.close)
                recorder = EventRecorder()
                future = client.init(appId=app_id, appSettings=settings, onError=recorder.callback("error"))
                self.assertEqual(error_of(future).errorCode, code)
                event = recorder.waitFor("error")
                self.assertEqual(event.arg.errorCode, code)
                self.assertEqual(event.thread, "cometchat-callbacks")
                self.assertFalse(client.isInitialised)

    def test_the_constructor_form_raises(self) -> None:
        with self.assertRaises(CometChatException) as caught:
            CometChatClient(appId="bad app", appSettings=self.settings())
        self.assertEqual(caught.exception.errorCode, "ERR_INVALID_APP_ID")
        self.assertEqual(caught.exception.errorDescription, "Invalid App ID")
        client = CometChatClient(appId="app.ok-1_x", appSettings=self.settings())
        self.addCleanup(client.close)
        self.assertTrue(client.isInitialised)

    def test_init_succeeds_with_true(self) -> None:
        client = CometChatClient()
        self.addCleanup(client.close)
        recorder = EventRecorder()
        self.assertIs(client.init(appId="app1", appSettings=self.settings(),
                                  onSuccess=recorder.callback("ok")).result(scaled(5)), True)
        self.assertEqual(recorder.waitFor("ok").args, (True,))

    def test_calls_before_init(self) -> None:
        client = CometChatClient()
        self.addCleanup(client.close)
        for future in (client.login(UID="cometchat-uid-1", authKey="k"), client.logout()):
            self.assertEqual(error_of(future).errorCode, "COMETCHAT_INITIALIZATION_NOT_DONE")
        self.assertIsNone(client.getLoggedInUser())
        self.assertIsNone(client.getUserAuthToken())

    def test_facade_is_initialised_is_a_class_property(self) -> None:
        self.assertIsInstance(CometChat.isInitialised, bool)


class LoginTest(DevServerMixin, unittest.TestCase):
    def setUp(self) -> None:
        self.client = self.newClient()
        self.recorder = EventRecorder()
        self.client.addLoginListener("recorder", self.recorder)

    def test_login_validation_codes(self) -> None:
        cases = [
            (dict(UID="", authKey="k"), "ERROR_INVALID_UID"),
            (dict(UID=None, authKey="k"), "ERROR_INVALID_UID"),
            (dict(UID="a/b", authKey="k"), "ERROR_INVALID_UID"),
            (dict(UID="has space", authKey="k"), "ERROR_UID_WITH_SPACE"),
            (dict(UID="alice", authKey=""), "ERROR_API_KEY_NOT_FOUND"),
            (dict(UID="alice"), "ERROR_API_KEY_NOT_FOUND"),
            (dict(UID="alice", apiKey="a key"), "ERROR_API_WITH_SPACE"),
            (dict(authToken=""), "ERROR_BLANK_AUTHTOKEN"),
            (dict(authToken="tok en"), "ERROR_AUTHTOKEN_WITH_SPACE"),
            # no HTTP header carries these (they were ERROR_INTERNAL, a UnicodeEncodeError)
            (dict(UID="alice", authKey="k\u20ac"), "ERROR_INVALID_PARAMETER"),
            (dict(UID="alice", authKey="k\ud800"), "ERROR_INVALID_PARAMETER"),
            (dict(authToken="t\u20ac"), "ERROR_INVALID_PARAMETER"),
        ]
        self.server.clear_logs()
        for kwargs, code in cases:
            with self.subTest(code=code, kwargs=kwargs):
                self.assertEqual(error_of(self.client.login(**kwargs)).errorCode, code)
        self.assertEqual(self.server.requests(path="/v3.0/me"), [])
        self.assertEqual(self.server.requests(method="POST"), [])  # no token minted either

    def test_login_with_the_auth_key_mints_a_token_then_puts_me(self) -> None:
        self.server.clear_logs()
        user = self.client.login(UID="cometchat-uid-1", authKey=self.server.auth_key,
                                 onSuccess=self.recorder.callback("ok")).result(scaled(10))
        self.assertIsInstance(user, User)
        self.assertEqual((user.uid, user.name, user.role, user.status), ("cometchat-uid-1", "Andrew Joseph",
                                                                           "moderator", UserStatus.online))
        self.assertEqual(self.client.getLoggedInUser(), user)
        self.assertTrue(self.client.getUserAuthToken())
        calls = [(r["method"], r["path"]) for r in self.server.requests()]
        self.assertEqual(calls, [("POST", "/v3.0/users/cometchat-uid-1/auth_tokens"), ("PUT", "/v3.0/me")])
        for request in self.server.requests():
            self.assertRegex(request["resource"], r"^PY-\d+\.\d+\.\d+-[0-9a-f-]{36}-\d{13}$")
            self.assertRegex(request["sdk"], r"^python@\d+\.\d+\.\d+$")
        self.assertEqual(self.recorder.waitFor("ok").arg, user)
        self.assertEqual(self.recorder.waitFor("onLoginSuccess").arg, user)
        with sqlite3.connect(self.server.db_path) as db:
            devices = [row[0] for row in db.execute("SELECT device_id FROM devices")]
        self.assertTrue(any(re.match(rf"^{self.server.app_id}_[0-9a-f-]{{36}}_\d{{13}}$", d) for d in devices))

    def test_login_with_an_auth_token_only_puts_me(self) -> None:
        token = self.server.auth_token("cometchat-uid-2")
        self.server.clear_logs()
        user = self.client.login(authToken=token).result(scaled(10))
        self.assertEqual(user.uid, "cometchat-uid-2")
        self.assertEqual(self.client.getUserAuthToken(), token)
        self.assertEqual([(r["method"], r["path"]) for r in self.server.requests()], [("PUT", "/v3.0/me")])

    def test_server_errors_pass_through_and_reach_the_login_listener(self) -> None:
        cases = [
            (dict(UID="cometchat-uid-1", authKey="wrong-key"), "AUTH_ERR_APIKEY_NOT_FOUND"),
            (dict(UID="nobody", authKey=self.server.auth_key), "ERR_UID_NOT_FOUND"),
            (dict(authToken="not-a-real-token"), "AUTH_ERR_AUTH_TOKEN_NOT_FOUND"),
        ]
        for n, (kwargs, code) in enumerate(cases, start=1):
            with self.subTest(code=code):
                self.assertEqual(error_of(self.client.login(**kwargs)).errorCode, code)
                self.assertEqual(self.recorder.waitFor("onLoginFailed", count=n).arg.errorCode, code)
        self.assertIsNone(self.client.getLoggedInUser())

    def test_unknown_app(self) -> None:
        client = CometChatClient(appId="no-such-app", appSettings=settingsFor(self.server))
        self.addCleanup(client.close)
        error = error_of(client.login(UID="cometchat-uid-1", authKey=self.server.auth_key))
        self.assertEqual(error.errorCode, "AUTH_ERR_INVALID_APPID")

    def test_same_user_again_answers_without_the_network(self) -> None:
        first = self.client.login(UID="cometchat-uid-3", authKey=self.server.auth_key).result(scaled(10))
        self.server.clear_logs()
        again = self.client.login(UID="cometchat-uid-3", authKey=self.server.auth_key).result(scaled(10))
        self.assertEqual(again, first)
        self.assertEqual(self.server.requests(), [])

    def test_another_user_logs_the_first_out(self) -> None:
        self.client.login(UID="cometchat-uid-3", authKey=self.server.auth_key).result(scaled(10))
        self.server.clear_logs()
        user = self.client.login(UID="cometchat-uid-4", authKey=self.server.auth_key).result(scaled(10))
        self.assertEqual(user.uid, "cometchat-uid-4")
        self.assertEqual(self.client.getLoggedInUser().uid, "cometchat-uid-4")
        waitFor(lambda: self.server.requests("DELETE", "/v3.0/me"))
        self.assertEqual(self.server.requests("DELETE", "/v3.0/me")[0]["uid"], "cometchat-uid-3")

    def test_a_second_login_while_one_is_in_flight(self) -> None:
        with FaultProxy(self.server.url) as proxy, proxy.delay(0.2):
            builder = AppSettings.AppSettingsBuilder().setInMemoryStorage()
            settings = (builder.setRegion(region="us").overrideClientHost(proxy.url).overrideAdminHost(proxy.url)
                        .autoEstablishSocketConnection(False).build())
            client = CometChatClient(appId=self.server.app_id, appSettings=settings)
            self.addCleanup(client.close)
            first = client.login(UID="cometchat-uid-1", authKey=self.server.auth_key)
            second = client.login(UID="cometchat-uid-2", authKey=self.server.auth_key)
            self.assertEqual(error_of(second).errorCode, "LOGIN_IN_PROGRESS")
            self.assertEqual(first.result(scaled(10)).uid, "cometchat-uid-1")

    def test_logout(self) -> None:
        self.client.login(UID="cometchat-uid-5", authKey=self.server.auth_key).result(scaled(10))
        message = self.client.logout(onSuccess=self.recorder.callback("ok")).result(scaled(10))
        self.assertEqual(message, "User logged out successfully.")
        self.assertEqual(self.recorder.waitFor("ok").args, ("User logged out successfully.",))
        self.recorder.waitFor("onLogoutSuccess")
        self.assertIsNone(self.client.getLoggedInUser())
        self.assertIsNone(self.client.getUserAuthToken())
        self.assertEqual(error_of(self.client.logout()).errorCode, "ERROR_USER_NOT_LOGGED_IN")

    def test_logout_with_a_token_the_server_forgot_still_succeeds(self) -> None:
        self.client.login(UID="cometchat-uid-5", authKey=self.server.auth_key).result(scaled(10))
        self.server.delete_auth_tokens("cometchat-uid-5")
        self.assertEqual(self.client.logout().result(scaled(10)), "User logged out successfully.")
        self.recorder.waitFor("onLogoutSuccess")

    def test_logout_when_the_server_is_gone(self) -> None:
        with FaultProxy(self.server.url) as proxy:
            settings = (AppSettings.AppSettingsBuilder().setInMemoryStorage().setRegion(region="us")
                        .overrideClientHost(proxy.url).overrideAdminHost(proxy.url).build())
            client = CometChatClient(appId=self.server.app_id, appSettings=settings)
            self.addCleanup(client.close)
            recorder = EventRecorder()
            client.addLoginListener("r", recorder)
            client.login(UID="cometchat-uid-1", authKey=self.server.auth_key).result(scaled(10))
            with proxy.down():
                error = error_of(client.logout(onError=recorder.callback("error")))
            self.assertEqual(error.errorCode, "ERROR_INTERNET_UNAVAILABLE")
            self.assertIn("cause", error.details)
            self.assertEqual(recorder.waitFor("error").arg, error)
            self.assertEqual(recorder.waitFor("onLogoutFailed").arg, error)
            self.assertIsNone(client.getLoggedInUser())  # logged out locally all the same


class SavedSessionTest(DevServerMixin, unittest.TestCase):
    def setUp(self) -> None:
        self.dir = scratch_dir(self)

    def file_settings(self, path: str | None = None) -> AppSettings:
        builder = AppSettings.AppSettingsBuilder().setStoragePath(path or self.dir)
        return settingsFor(self.server, builder=builder)

    def test_a_restarted_app_restores_the_session_at_init(self) -> None:
        first = CometChatClient(appId=self.server.app_id, appSettings=self.file_settings())
        user = first.login(UID="cometchat-uid-2", authKey=self.server.auth_key).result(scaled(10))
        token = first.getUserAuthToken()
        first.close()
        self.server.clear_logs()
        second = CometChatClient(appId=self.server.app_id, appSettings=self.file_settings())
        self.addCleanup(second.close)
        self.assertEqual(second.getLoggedInUser(), user)
        self.assertEqual(second.getUserAuthToken(), token)
        self.assertEqual(self.server.requests(), [])  # restored with no network
        second.logout().result(scaled(10))
        self.assertFalse(os.path.exists(os.path.join(self.dir, "session.json")))
        self.assertTrue(os.path.exists(os.path.join(self.dir, "device.json")))

    def test_the_session_file_is_private_under_a_permissive_umask(self) -> None:
        previous = os.umask(0o000)
        try:
            client = CometChatClient(appId=self.server.app_id, appSettings=self.file_settings())
            client.login(UID="cometchat-uid-2", authKey=self.server.auth_key).result(scaled(10))
            client.close()
        finally:
            os.umask(previous)
        mode = stat.S_IMODE(os.stat(os.path.join(self.dir, "session.json")).st_mode)
        self.assertEqual(mode, 0o600)

    def test_a_corrupt_session_file_means_nobody_is_logged_in(self) -> None:
        with open(os.path.join(self.dir, "session.json"), "w") as handle:
            handle.write("\x00garbage{")
        with self.assertLogs("cometchat", "WARNING"):
            client = CometChatClient(appId=self.server.app_id, appSettings=self.file_settings())
        self.addCleanup(client.close)
        self.assertTrue(client.isInitialised)
        self.assertIsNone(client.getLoggedInUser())
        self.assertEqual(client.login(UID="cometchat-uid-1", authKey=self.server.auth_key)
                         .result(scaled(10)).uid, "cometchat-uid-1")

    def test_init_with_another_app_clears_the_first_apps_session_without_the_server(self) -> None:
        client = CometChatClient(appId=self.server.app_id, appSettings=self.file_settings())
        self.addCleanup(client.close)
        client.login(UID="cometchat-uid-1", authKey=self.server.auth_key).result(scaled(10))
        self.server.clear_logs()
        client.init(appId="another-app", appSettings=self.file_settings()).result(scaled(5))
        self.assertIsNone(client.getLoggedInUser())
        self.assertFalse(os.path.exists(os.path.join(self.dir, "session.json")))
        client.flush(scaled(5))
        self.assertEqual(self.server.requests(), [])

    def test_the_facades_client_saves_under_the_users_data_directory(self) -> None:
        previous = os.environ.get("XDG_DATA_HOME")
        os.environ["XDG_DATA_HOME"] = self.dir  # where platformdirs looks on Linux
        try:
            client = replaceDefaultClient()  # the facade's client, whose default is a file
            self.addCleanup(replaceDefaultClient)
            client.init(appId=self.server.app_id, appSettings=settingsFor(
                self.server, builder=AppSettings.AppSettingsBuilder())).result(scaled(5))
            client.login(UID="cometchat-uid-3", authKey=self.server.auth_key).result(scaled(10))
            client.close()
        finally:
            if previous is None:
                del os.environ["XDG_DATA_HOME"]
            else:
                os.environ["XDG_DATA_HOME"] = previous
        saved = os.path.join(self.dir, "cometchat-python", "session.json")
        self.assertTrue(os.path.exists(saved), os.listdir(self.dir))
        self.assertEqual(stat.S_IMODE(os.stat(saved).st_mode), 0o600)

    def test_two_clients_cannot_share_a_storage_path(self) -> None:
        first = CometChatClient(appId=self.server.app_id, appSettings=self.file_settings())
        self.addCleanup(first.close)
        with self.assertRaises(CometChatException) as caught:
            CometChatClient(appId=self.server.app_id, appSettings=self.file_settings())
        self.assertEqual(caught.exception.errorCode, "ERROR_STORAGE_IN_USE")


class CallbackTest(DevServerMixin, unittest.TestCase):
    def test_two_users_in_one_process(self) -> None:
        alice = self.newClient("cometchat-uid-1")
        bob = self.newClient("cometchat-uid-2")
        self.assertEqual((alice.getLoggedInUser().uid, bob.getLoggedInUser().uid),
                         ("cometchat-uid-1", "cometchat-uid-2"))
        self.assertNotEqual(alice.getUserAuthToken(), bob.getUserAuthToken())
        resources = {r["resource"] for r in self.server.requests("PUT", "/v3.0/me")}
        self.assertGreaterEqual(len(resources), 2)

    def test_callbacks_run_in_order_on_the_dispatch_thread(self) -> None:
        client = self.newClient()
        recorder = EventRecorder()
        client.addLoginListener("r", recorder)
        client.login(UID="cometchat-uid-1", authKey=self.server.auth_key,
                     onSuccess=recorder.callback("login.ok")).result(scaled(10))
        client.logout(onSuccess=recorder.callback("logout.ok"))
        recorder.waitFor("onLogoutSuccess")
        self.assertEqual(recorder.names(), ["login.ok", "onLoginSuccess", "logout.ok", "onLogoutSuccess"])
        self.assertEqual({e.thread for e in recorder.events}, {"cometchat-callbacks"})

    def test_result_can_be_awaited_inside_a_callback(self) -> None:
        client = self.newClient("cometchat-uid-3")
        outcome: list[str] = []
        done = threading.Event()

        class Listener:
            def onLogoutSuccess(self) -> None:
                user = client.login(UID="cometchat-uid-4", authKey=LoginTestKey.key).result(scaled(10))
                outcome.append(user.uid)
                done.set()

        LoginTestKey.key = self.server.auth_key
        client.addLoginListener("l", Listener())
        client.logout()
        self.assertTrue(done.wait(scaled(10)))
        self.assertEqual(outcome, ["cometchat-uid-4"])

    def test_the_main_queue_pumped_by_hand(self) -> None:
        main = MainDispatchQueue()
        builder = AppSettings.AppSettingsBuilder().setInMemoryStorage().setDispatchQueue(main)
        client = CometChatClient(appId=self.server.app_id, appSettings=settingsFor(self.server, builder=builder))
        self.addCleanup(client.close)
        ran: list[str] = []
        user = client.login(UID="cometchat-uid-1", authKey=self.server.auth_key,
                            onSuccess=lambda u: ran.append(threading.current_thread().name)).result(scaled(10))
        self.assertEqual(user.uid, "cometchat-uid-1")
        self.assertEqual(ran, [])  # the future did not wait for the queue
        self.assertGreaterEqual(main.runPending(timeout=scaled(5)), 1)
        self.assertEqual(ran, [threading.current_thread().name])

    def test_a_listener_added_before_the_app_pumps_its_queue_hears_the_connection(self) -> None:
        main = MainDispatchQueue()
        builder = (AppSettings.AppSettingsBuilder().setInMemoryStorage().setDispatchQueue(main)
                   .autoEstablishSocketConnection(False))
        client = CometChatClient(appId=self.server.app_id, appSettings=settingsFor(self.server, builder=builder))
        self.addCleanup(client.close)
        client.login(UID="cometchat-uid-1", authKey=self.server.auth_key).result(scaled(10))
        client.connect().result(scaled(10))  # connected while nobody listened
        recorder = EventRecorder()
        client.addConnectionListener("late", recorder)  # as an app does at start-up, before its loop runs
        main.runPending(timeout=scaled(5))
        self.assertEqual(statuses(recorder), ["connecting", "connected"])

    def test_a_raising_callback_is_logged_and_later_callbacks_still_run(self) -> None:
        client = self.newClient()
        recorder = EventRecorder()
        client.addLoginListener("boom", type("Boom", (), {"onLoginSuccess": lambda self, u: 1 / 0})())
        client.addLoginListener("after", recorder)
        with self.assertLogs("cometchat", "ERROR") as logs:
            client.login(UID="cometchat-uid-1", authKey=self.server.auth_key)
            recorder.waitFor("onLoginSuccess")
        self.assertIn("ZeroDivisionError", "\n".join(logs.output))

    def test_listeners_are_keyed_and_the_delegate_is_weak(self) -> None:
        client = self.newClient()
        first, second, delegate = EventRecorder(), EventRecorder(), EventRecorder()
        client.addLoginListener("same", first)
        client.addLoginListener("same", second)  # replaces
        client.logindelegate = delegate
        self.assertIs(client.logindelegate, delegate)
        client.login(UID="cometchat-uid-1", authKey=self.server.auth_key).result(scaled(10))
        second.waitFor("onLoginSuccess")
        delegate.waitFor("onLoginSuccess")
        client.flush(scaled(5))
        self.assertEqual(first.events, [])
        del delegate
        self.assertIsNone(client.logindelegate)
        client.removeLoginListener("same")
        client.removeLoginListener("same")  # idempotent
        with self.assertRaises(TypeError):
            client.logindelegate = {"not": "weakly referenceable"}

    def test_close_stops_every_thread_and_later_calls_fail(self) -> None:
        before = threading.active_count()
        client = CometChatClient(appId=self.server.app_id, appSettings=settingsFor(self.server))
        client.login(UID="cometchat-uid-1", authKey=self.server.auth_key).result(scaled(10))
        self.assertTrue(client.flush(scaled(5)))
        client.close()
        self.assertEqual(threading.active_count(), before)
        self.assertEqual(error_of(client.logout()).errorCode, "ERROR_CLIENT_CLOSED")


class LoginTestKey:
    key = ""


class BadServerTest(unittest.TestCase):
    def test_an_answer_that_is_not_json(self) -> None:
        class Html(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = b"<html>gateway error</html>"
                self.send_response(502)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Html)
        threading.Thread(target=server.serve_forever, name="test-html", daemon=True).start()
        self.addCleanup(server.server_close)
        self.addCleanup(server.shutdown)
        url = f"http://127.0.0.1:{server.server_address[1]}"
        settings = (AppSettings.AppSettingsBuilder().setInMemoryStorage().setRegion(region="us")
                    .overrideClientHost(url).overrideAdminHost(url).build())
        client = CometChatClient(appId="app1", appSettings=settings)
        self.addCleanup(client.close)
        error = error_of(client.login(UID="cometchat-uid-1", authKey="k"))
        self.assertEqual((error.errorCode, error.details), ("ERROR_JSON_EXCEPTION", {"status": 502}))

    def client_of(self, server: RawHttpServer) -> CometChatClient:
        settings = (AppSettings.AppSettingsBuilder().setInMemoryStorage().setRegion(region="us")
                    .overrideClientHost(server.url).overrideAdminHost(server.url).build())
        client = CometChatClient(appId="app1", appSettings=settings)
        self.addCleanup(client.close)
        return client

    def raw_server(self, answer: Any) -> RawHttpServer:
        server = RawHttpServer(answer).start()
        self.addCleanup(server.stop)
        return server

    def test_an_answer_that_trickles_is_cut_off_at_the_deadline_and_the_next_call_is_served(self) -> None:
        deadline = scaled(1.0)
        openings = {  # then a byte at a time, each far inside the 30 s a single read may wait
            "headers": b"HTTP/1.1 200 OK\r\nX-Slow: ",
            "body": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{",
        }
        for phase, opening in openings.items():
            with self.subTest(phase=phase):
                def answer(n: int, sock: socket.socket, stopped: threading.Event, opening: bytes = opening) -> None:
                    if n > 0:
                        sock.sendall(http_answer(400, SERVED))
                        return
                    sock.sendall(opening)
                    while not stopped.wait(scaled(0.05)):
                        sock.sendall(b" ")

                client = self.client_of(self.raw_server(answer))
                with mock.patch.object(rest, "CALL_DEADLINE", deadline):
                    started = time.monotonic()
                    login = client.login(UID="cometchat-uid-1", authKey="k")
                    # queued behind the stuck call on the client's one REST worker
                    queued = client.createUser(user=User(uid="queued", name="Queued"), authKey="k")
                    error = login.exception(timeout=deadline + scaled(5))
                    took = time.monotonic() - started
                    served = queued.exception(timeout=scaled(5))
                self.assertIsInstance(error, CometChatException)
                self.assertEqual((error.errorCode, error.details["timeout"]), ("ERROR_INTERNET_UNAVAILABLE", deadline))
                self.assertIn(f"within {deadline:g} s", error.errorDescription)
                self.assertGreaterEqual(took, deadline)
                self.assertLess(took, deadline + scaled(2))
                self.assertEqual(served.errorCode, "ERR_SERVED")  # type: ignore[union-attr]

    def test_an_answer_over_the_size_cap_fails_the_call_and_the_next_is_served(self) -> None:
        cap = 1000
        big = json.dumps({"error": {"code": "ERR_BIG", "message": "x" * 5 * cap}}).encode()  # a valid envelope
        answers = [
            http_answer(400, big),  # its Content-Length says it is too big: not read
            b"HTTP/1.1 400 X\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n" + big,  # no length
            http_answer(400, SERVED + b" " * (cap - len(SERVED))),  # exactly the cap: read and passed on
        ]

        def answer(n: int, sock: socket.socket, stopped: threading.Event) -> None:
            sock.sendall(answers[n])
            if n == 1:
                sock.shutdown(socket.SHUT_WR)  # the end of an answer without a length

        client = self.client_of(self.raw_server(answer))
        with mock.patch.object(rest, "MAX_ANSWER_BYTES", cap):
            for expected in ("ERROR_JSON_EXCEPTION", "ERROR_JSON_EXCEPTION", "ERR_SERVED"):
                error = error_of(client.login(UID="cometchat-uid-1", authKey="k"))
                self.assertEqual(error.errorCode, expected, error.errorDescription[:120])
                if expected == "ERROR_JSON_EXCEPTION":
                    self.assertEqual(error.details, {"status": 400, "limit": cap})
                    self.assertIn(f"larger than {cap} bytes", error.errorDescription)

    def test_no_server_at_all(self) -> None:
        settings = (AppSettings.AppSettingsBuilder().setInMemoryStorage().setRegion(region="us")
                    .overrideClientHost("http://127.0.0.1:9").overrideAdminHost("http://127.0.0.1:9").build())
        client = CometChatClient(appId="app1", appSettings=settings)
        self.addCleanup(client.close)
        error = error_of(client.login(UID="cometchat-uid-1", authKey="k"))
        self.assertEqual(error.errorCode, "ERROR_INTERNET_UNAVAILABLE")
        self.assertIn("ConnectionError", error.details["cause"])


if __name__ == "__main__":
    unittest.main()
