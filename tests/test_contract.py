"""The contract made exact: what a Swift port and a script writer rely on, tried the way they
call the SDK (from inside callbacks, right after them, through the static facade)."""

from __future__ import annotations

import unittest
from concurrent.futures import Future
from typing import Any

from cometchat import (
    ActionMessage,
    ActionType,
    AppSettings,
    Attachment,
    BaseMessage,
    CometChat,
    CometChatClient,
    ConnectionStateChange,
    ConnectionStatus,
    Conversation,
    ConversationUpdateSettings,
    CustomMessage,
    File,
    Group,
    GroupMember,
    GroupMemberScopeType,
    GroupType,
    MediaMessage,
    MessageReceipt,
    MessageType,
    Reaction,
    ReactionCount,
    ReactionEvent,
    ReceiptType,
    ReceiverType,
    TextMessage,
    TransientMessage,
    TypingIndicator,
    User,
)
from cometchat import models as models_module
from cometchat.testing import DevServerMixin, EventRecorder, resetDefaultClient, scaled, settingsFor
from helpers import error_of, fast, ok, scratch_dir

#: "hundreds" of tries: the login race this guards against showed about one time in six
LOOPS = 300


class LoginThenConnectTest(DevServerMixin, unittest.TestCase):
    """Login's success is announced only once every call sees the signed-in session."""

    def client(self) -> CometChatClient:
        return self.newClient()

    def test_connect_from_inside_the_login_callback(self) -> None:
        client = self.client()
        for n in range(LOOPS):
            outcome: Future[Any] = Future()

            def logged_in(user: User) -> None:
                # the Swift pattern: log in, then connect in onSuccess
                client.connect(onSuccess=lambda: outcome.set_result("ok"), onError=outcome.set_result)

            client.login(UID="cometchat-uid-1", authKey=self.server.auth_key, onSuccess=logged_in,
                         onError=outcome.set_result)
            self.assertEqual(outcome.result(scaled(10)), "ok", f"attempt {n}")
            ok(client.logout())

    def test_connect_right_after_the_login_future(self) -> None:
        client = self.client()
        for n in range(LOOPS):
            ok(client.login(UID="cometchat-uid-2", authKey=self.server.auth_key))
            self.assertIsNone(client.connect().exception(scaled(10)), f"attempt {n}")
            ok(client.logout())

    def test_connect_from_the_login_listener(self) -> None:
        client = self.client()
        outcomes: list[Future[Any]] = []

        class Listener:
            def onLoginSuccess(self, user: User) -> None:
                outcomes.append(client.connect())

        client.addLoginListener("connect-on-login", Listener())
        for n in range(LOOPS // 3):
            ok(client.login(UID="cometchat-uid-3", authKey=self.server.auth_key))
            self.assertTrue(client.flush(scaled(10)))
            self.assertIsNone(outcomes[-1].exception(scaled(10)), f"attempt {n}")
            ok(client.logout())


class InitRestoreThenConnectTest(DevServerMixin, unittest.TestCase):
    """``init`` restoring a saved session announces it before its onSuccess: a connect()
    from inside onSuccess, or right after the init Future, finds the user signed in."""

    def setUp(self) -> None:
        self.storage = scratch_dir(self)
        first = self.fresh()
        ok(first.init(appId=self.server.app_id, appSettings=self.settings()))
        ok(first.login(UID="cometchat-uid-4", authKey=self.server.auth_key))
        first.close()  # the session stays saved in ``storage``

    def settings(self) -> AppSettings:
        return settingsFor(self.server, builder=fast(AppSettings.AppSettingsBuilder().setStoragePath(self.storage)))

    def fresh(self) -> CometChatClient:
        client = CometChatClient()
        self.addCleanup(client.close)
        return client

    def test_connect_from_inside_the_init_callback(self) -> None:
        for n in range(LOOPS):
            client = self.fresh()  # a new process, as it were: the session comes from storage
            outcome: Future[Any] = Future()

            def initialised(_: bool, client: CometChatClient = client) -> None:
                client.connect(onSuccess=lambda: outcome.set_result("ok"), onError=outcome.set_result)

            client.init(appId=self.server.app_id, appSettings=self.settings(), onSuccess=initialised,
                        onError=outcome.set_result)
            self.assertEqual(outcome.result(scaled(10)), "ok", f"attempt {n}")
            self.assertEqual(client.getLoggedInUser().uid, "cometchat-uid-4")  # type: ignore[union-attr]
            client.close()

    def test_connect_right_after_the_init_future(self) -> None:
        for n in range(LOOPS):
            client = self.fresh()
            self.assertTrue(ok(client.init(appId=self.server.app_id, appSettings=self.settings())))
            self.assertIsNone(client.connect().exception(scaled(10)), f"attempt {n}")
            client.close()


class LogoutThenCallTest(DevServerMixin, unittest.TestCase):
    """Logout's success is announced only once every call sees the signed-out session."""

    def test_calls_from_inside_the_logout_callback_see_nobody_logged_in(self) -> None:
        client = self.newClient(builder=fast())
        for n in range(LOOPS // 3):
            ok(client.login(UID="cometchat-uid-5", authKey=self.server.auth_key))
            ok(client.connect())
            seen: Future[Any] = Future()

            def logged_out(_: str) -> None:
                refusal = client.connect()
                seen.set_result((client.getLoggedInUser(), refusal))

            client.logout(onSuccess=logged_out, onError=seen.set_result)
            user, refusal = seen.result(scaled(10))
            self.assertIsNone(user, f"attempt {n}")
            self.assertEqual(error_of(refusal).errorCode, "ERROR_USER_NOT_LOGGED_IN", f"attempt {n}")

    def test_calls_right_after_the_logout_future_see_nobody_logged_in(self) -> None:
        client = self.newClient(builder=fast())
        for n in range(LOOPS // 3):
            ok(client.login(UID="cometchat-uid-5", authKey=self.server.auth_key))
            ok(client.connect())
            ok(client.logout())
            self.assertIsNone(client.getLoggedInUser(), f"attempt {n}")
            self.assertEqual(error_of(client.connect()).errorCode, "ERROR_USER_NOT_LOGGED_IN", f"attempt {n}")
            self.assertEqual(client.getConnectionStatus, ConnectionStatus.disconnected)


class StringValueTest(unittest.TestCase):
    def samples(self) -> list[Any]:
        user = User(uid="u1", name="One")
        return [
            user,
            BaseMessage(receiverUid="u2"),
            TextMessage(receiverUid="u2", text="hi"),
            CustomMessage(receiverUid="u2", customData={"a": 1}, type="poll"),
            TransientMessage(receiverID="u2", data={"live": True}),
            TypingIndicator(receiverID="u2", sender=user),
            MessageReceipt(receiverId="u2", receiverType=ReceiverType.user, messageId="7", sender=user,
                           receiptType=ReceiptType.read),
            ConnectionStateChange(ConnectionStatus.connecting, ConnectionStatus.connected),
            ActionMessage(receiverUid="u2", action=ActionType.messageEdited, actionBy=user),
            Conversation(conversationId="u1_user_u2", conversationWith=user),
            ConversationUpdateSettings(),
            Group(guid="g1", name="One", groupType=GroupType.password, password="secret"),
            GroupMember(UID="u1", groupMemberScope=GroupMemberScopeType.moderator),
            MediaMessage(receiverUid="u2", fileurl="/tmp/a.png", messageType=MessageType.image),
            Attachment(fileName="a.png", fileExtension="png", fileMimeType="image/png", fileUrl="https://x.test/a.png"),
            File(name="a.txt", data=b"abc"),
            Reaction(id="r1", messageId=7, reaction="+1", uid="u1"),
            ReactionCount(reaction="+1", count=2, reactedByMe=True),
            ReactionEvent(reaction=Reaction(messageId=7, reaction="+1"), receiverId="u2"),
        ]

    def test_every_model_has_string_value(self) -> None:
        samples = self.samples()
        model_classes = {getattr(models_module, name) for name in models_module.__all__
                         if hasattr(getattr(models_module, name), "__attrs_attrs__")}
        self.assertEqual(model_classes, {type(s) for s in samples})  # a new model needs a sample here
        for sample in samples:
            with self.subTest(model=type(sample).__name__):
                text = sample.stringValue()
                self.assertIsInstance(text, str)
                self.assertIn(type(sample).__name__, text)

    def test_a_ported_listener_prints_with_string_value(self) -> None:
        received = CustomMessage(receiverUid="u2", customData={"a": 1}, type="poll")
        self.assertIn("poll", "received: " + received.stringValue())


class FacadeTest(DevServerMixin, unittest.TestCase):
    def setUp(self) -> None:
        resetDefaultClient()
        self.addCleanup(resetDefaultClient)

    def settings(self) -> AppSettings:
        return settingsFor(self.server)

    def test_the_facade_works_again_after_close(self) -> None:
        for run in range(2):  # a sample's main() run twice in one process
            with self.subTest(run=run):
                recorder = EventRecorder()
                CometChat.addLoginListener("r", recorder)
                ok(CometChat.init(appId=self.server.app_id, appSettings=self.settings()))
                self.assertTrue(CometChat.isInitialised)
                ok(CometChat.login(UID="cometchat-uid-1", authKey=self.server.auth_key))
                recorder.waitFor("onLoginSuccess")
                ok(CometChat.connect())
                CometChat.close()
                self.assertFalse(CometChat.isInitialised)
                self.assertEqual(CometChat.getConnectionStatus, ConnectionStatus.disconnected)

    def test_a_closed_client_of_ones_own_stays_closed(self) -> None:
        client = CometChatClient(appId=self.server.app_id, appSettings=self.settings())
        client.close()
        error = client.init(appId=self.server.app_id, appSettings=self.settings()).exception(scaled(5))
        self.assertEqual(error.errorCode, "ERROR_CLIENT_CLOSED")

    def test_calling_the_facade_with_positional_arguments_names_the_facade(self) -> None:
        with self.assertRaises(TypeError) as caught:
            CometChat.login("cometchat-uid-1", "key")  # type: ignore[misc]
        message = str(caught.exception)
        self.assertIn("CometChat.login()", message)
        self.assertNotIn("CometChatClient", message)
        self.assertIn("UID", message)  # it says what the call takes

    def test_a_type_error_raised_inside_a_call_is_not_rewritten(self) -> None:
        with self.assertRaises(TypeError) as caught:
            CometChat.addMessageListener("", object())  # the registry's own complaint
        self.assertIn("non-empty string id", str(caught.exception))


class BackgroundTaskTest(DevServerMixin, unittest.TestCase):
    def test_background_task_enabled_reflects_configure_services_at_once(self) -> None:
        client = self.newClient("cometchat-uid-4")
        ok(client.connect())
        for _ in range(50):
            client.configureServices(CometChat.applicationState.didEnterBackground)
            self.assertTrue(client.backgroundTaskEnabled())
            client.configureServices(CometChat.applicationState.willResignActive)
            self.assertTrue(client.backgroundTaskEnabled())
            client.configureServices(CometChat.applicationState.didBecomeActive)
            self.assertFalse(client.backgroundTaskEnabled())

    def test_a_lapsed_window_turns_it_off(self) -> None:
        client = self.newClient("cometchat-uid-5", builder=fast(window=0.3))
        recorder = EventRecorder()
        client.addConnectionListener("r", recorder)
        ok(client.connect())
        client.configureServices(CometChat.applicationState.didEnterBackground)
        self.assertTrue(client.backgroundTaskEnabled())
        recorder.waitFor("disconnected")
        self.assertFalse(client.backgroundTaskEnabled())


if __name__ == "__main__":
    unittest.main()
