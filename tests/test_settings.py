"""AppSettingsBuilder: the Swift methods, the Python extensions, and bad values at once."""

from __future__ import annotations

import math
import ssl
import unittest

import attrs

from cometchat import AppSettings, AppSettingsBuilder, CometChatException, DispatchQueue


class BuilderTest(unittest.TestCase):
    def test_nested_as_in_swift_and_fluent(self) -> None:
        self.assertIs(AppSettings.AppSettingsBuilder, AppSettingsBuilder)
        builder = AppSettings.AppSettingsBuilder()
        self.assertIs(builder.setRegion(region="us"), builder)
        self.assertIs(builder.autoEstablishSocketConnection(False), builder)

    def test_defaults(self) -> None:
        settings = AppSettings.AppSettingsBuilder().setRegion(region="EU").build()
        self.assertEqual(settings.region, "eu")
        self.assertTrue(settings.autoEstablishSocketConnection)
        self.assertIsNone(settings.presenceSubscription)
        self.assertEqual(
            (settings.connectTimeout, settings.pingInterval, settings.pongTimeout, settings.closeTimeout,
             settings.backgroundWindow, settings.reconnectBackoffInitial, settings.reconnectBackoffMaximum,
             settings.reconnectBackoffResetAfter),
            (10.0, 15.0, 5.0, 2.0, 30.0, 1.0, 30.0, 10.0),
        )
        self.assertFalse(settings.recoverMissedMessages)

    def test_built_settings_are_frozen(self) -> None:
        settings = AppSettings.AppSettingsBuilder().setRegion(region="us").build()
        with self.assertRaises(attrs.exceptions.FrozenInstanceError):
            settings.region = "eu"  # type: ignore[misc]

    def test_presence_subscriptions(self) -> None:
        b = AppSettings.AppSettingsBuilder
        self.assertEqual(b().subscribePresenceForAllUsers().build().presenceSubscription, "ALL_USERS")
        self.assertEqual(b().subscribePresenceForFriends().build().presenceSubscription, "FRIENDS")
        roles = b().subcribePresenceForRoles(roles=["admin", "vip"]).build()
        self.assertEqual((roles.presenceSubscription, roles.roles), ("ROLES", ("admin", "vip")))
        alias = b().subscribePresenceForRoles(roles=["admin"]).build()
        self.assertEqual((alias.presenceSubscription, alias.roles), ("ROLES", ("admin",)))
        last_wins = b().subcribePresenceForRoles(roles=["x"]).subscribePresenceForAllUsers().build()
        self.assertEqual((last_wins.presenceSubscription, last_wins.roles), ("ALL_USERS", ()))

    def test_extensions(self) -> None:
        queue = DispatchQueue("settings-test")
        context = ssl.create_default_context()
        settings = (
            AppSettings.AppSettingsBuilder()
            .setRegion(region="us")
            .overrideAdminHost("127.0.0.1:3000")
            .overrideClientHost("http://127.0.0.1:3000")
            .setDispatchQueue(queue)
            .setStoragePath("relative/dir")
            .setSSLContext(context)
            .setConnectTimeout(1.5)
            .setPingInterval(2)
            .setPongTimeout(0.5)
            .setReconnectBackoff(initial=0.1, maximum=0.4, resetAfter=3)
            .setCloseTimeout(0.25)
            .setBackgroundWindow(4)
            .recoverMissedMessages(True)
            .build()
        )
        self.assertEqual((settings.adminHost, settings.clientHost), ("127.0.0.1:3000", "http://127.0.0.1:3000"))
        self.assertIs(settings.dispatchQueue, queue)
        self.assertTrue(settings.storagePath.endswith("relative/dir"))  # type: ignore[union-attr]
        self.assertIs(settings.sslContext, context)
        self.assertEqual((settings.reconnectBackoffInitial, settings.reconnectBackoffMaximum,
                          settings.reconnectBackoffResetAfter), (0.1, 0.4, 3.0))
        self.assertTrue(settings.recoverMissedMessages)
        memory = AppSettings.AppSettingsBuilder().setStoragePath("x").setInMemoryStorage().build()
        self.assertEqual((memory.storagePath, memory.inMemoryStorage), (None, True))

    def test_bad_values_raise_at_once(self) -> None:
        b = AppSettings.AppSettingsBuilder
        bad_calls = {
            "empty region": lambda: b().setRegion(region=""),
            "region not a string": lambda: b().setRegion(region=5),
            "region with a space": lambda: b().setRegion(region="u s"),
            "roles as a string": lambda: b().subcribePresenceForRoles(roles="admin"),
            "no roles": lambda: b().subcribePresenceForRoles(roles=[]),
            "blank role": lambda: b().subcribePresenceForRoles(roles=[""]),
            "flag not a bool": lambda: b().autoEstablishSocketConnection("yes"),
            "host with a space": lambda: b().overrideClientHost("my host"),
            "host with another scheme": lambda: b().overrideAdminHost("ftp://host"),
            "queue not a queue": lambda: b().setDispatchQueue(object()),
            "context not a context": lambda: b().setSSLContext("ctx"),
            "empty path": lambda: b().setStoragePath(""),
            "zero timeout": lambda: b().setConnectTimeout(0),
            "negative interval": lambda: b().setPingInterval(-1),
            "nan": lambda: b().setPongTimeout(math.nan),
            "infinity": lambda: b().setCloseTimeout(math.inf),
            "bool as seconds": lambda: b().setBackgroundWindow(True),
            "string as seconds": lambda: b().setConnectTimeout("5"),
            "maximum below initial": lambda: b().setReconnectBackoff(initial=5, maximum=1),
            "recover not a bool": lambda: b().recoverMissedMessages(1),
        }
        for what, call in bad_calls.items():
            with self.subTest(what), self.assertRaises(CometChatException) as caught:
                call()
            self.assertEqual(caught.exception.errorCode, "ERROR_INVALID_SETTING")

    def test_unknown_options_do_not_exist(self) -> None:
        with self.assertRaises(AttributeError):
            AppSettings.AppSettingsBuilder().setRegoin(region="us")  # type: ignore[attr-defined]
        with self.assertRaises(TypeError):
            AppSettings.AppSettingsBuilder().setRegion(regoin="us")  # type: ignore[call-arg]


if __name__ == "__main__":
    unittest.main()
