"""Where the SDK sends its requests: the real service by default, overrides when given."""

from __future__ import annotations

import unittest

from cometchat import CometChatException
from cometchat.transport import hosts
from cometchat.transport.rest import RestClient

SETTINGS = {
    "CLIENT_API_HOST": "app1.apiclient-eu.cometchat.io",
    "ADMIN_API_HOST": "app1.api-eu.cometchat.io",
    "CHAT_API_VERSION": "v3.0",
    "CHAT_HOST": "app1.chat-eu.cometchat.io",
    "CHAT_WSS_PORT": "443",
}


class HostsTest(unittest.TestCase):
    def test_real_service_urls_from_app_id_and_region(self) -> None:
        self.assertEqual(hosts.client_base("APP123", "us"), "https://APP123.apiclient-us.cometchat.io/v3.0/")
        self.assertEqual(hosts.admin_base("APP123", "eu"), "https://APP123.api-eu.cometchat.io/v3.0/")

    def test_overrides(self) -> None:
        cases = {
            "127.0.0.1:3000": "https://127.0.0.1:3000/v3.0/",
            "http://127.0.0.1:3000": "http://127.0.0.1:3000/v3.0/",
            "http://127.0.0.1:3000/": "http://127.0.0.1:3000/v3.0/",
            "localhost:8443/v3.0": "https://localhost:8443/v3.0/",
            "https://chat.example.test/custom/base": "https://chat.example.test/custom/base/",
        }
        for override, expected in cases.items():
            with self.subTest(override):
                self.assertEqual(hosts.client_base("A", "us", override), expected)
                self.assertEqual(hosts.admin_base("A", "us", override), expected)

    def test_settings_bases(self) -> None:
        self.assertEqual(hosts.settings_base(SETTINGS, "CLIENT_API_HOST"), "https://app1.apiclient-eu.cometchat.io/v3.0/")
        self.assertIsNone(hosts.settings_base({}, "CLIENT_API_HOST"))

    def test_socket_url(self) -> None:
        self.assertEqual(hosts.socket_url(SETTINGS, "https://x/v3.0/"), "wss://app1.chat-eu.cometchat.io:443/")
        specific = dict(SETTINGS, CHAT_HOST_APP_SPECIFIC="app1.chat.example")
        self.assertEqual(hosts.socket_url(specific, "https://x/"), "wss://app1.chat.example:443/")
        override = dict(specific, CHAT_HOST_OVERRIDE="edge.example")
        self.assertEqual(hosts.socket_url(override, "https://x/"), "wss://edge.example:443/")
        # plain ws only when REST itself is plain http; never a downgrade
        self.assertEqual(hosts.socket_url(SETTINGS, "http://127.0.0.1:3000/v3.0/"),
                         "ws://app1.chat-eu.cometchat.io:443/")
        self.assertEqual(hosts.socket_url(dict(SETTINGS, CHAT_WSS_PORT=8443), "https://x/"),
                         "wss://app1.chat-eu.cometchat.io:8443/")
        self.assertEqual(hosts.socket_url(dict(SETTINGS, CHAT_WSS_PORT=""), "https://x/"),
                         "wss://app1.chat-eu.cometchat.io/")
        self.assertEqual(hosts.socket_url(dict(SETTINGS, CHAT_HOST="::1"), "https://x/"), "wss://[::1]:443/")

    def test_a_socket_url_the_settings_cannot_make_is_a_settings_error(self) -> None:
        bad = [("CHAT_WSS_PORT", port) for port in ("abc", "99999", "0", "-1", "\u00b2", True, 70000, 4.5)]
        bad += [("CHAT_HOST", host) for host in ("x]", "a/b", "a b", "u@h", "a?b", "a#b", 42)]
        for setting, value in bad:
            with self.subTest(setting=setting, value=value), self.assertRaises(CometChatException) as caught:
                hosts.socket_url(dict(SETTINGS, **{setting: value}), "https://x/")
            self.assertEqual((caught.exception.errorCode, caught.exception.details),
                             ("ERROR_INVALID_SERVER_SETTINGS", {"setting": setting, "value": value}))
        with self.assertRaises(CometChatException) as caught:
            hosts.socket_url({}, "https://x/")
        self.assertEqual(caught.exception.details, {"setting": "CHAT_HOST", "value": None})

    def test_rest_client_rebases_on_settings_unless_overridden(self) -> None:
        plain = RestClient(app_id="app1", region="eu", session_id="s")
        plain.rebase(SETTINGS)
        self.assertEqual(plain.client_base, "https://app1.apiclient-eu.cometchat.io/v3.0/")
        self.assertEqual(plain.admin_base, "https://app1.api-eu.cometchat.io/v3.0/")
        overridden = RestClient(app_id="app1", region="eu", session_id="s", client_override="http://127.0.0.1:9")
        overridden.rebase(SETTINGS)
        self.assertEqual(overridden.client_base, "http://127.0.0.1:9/v3.0/")
        self.assertEqual(overridden.admin_base, "https://app1.api-eu.cometchat.io/v3.0/")
        plain.close()
        overridden.close()


if __name__ == "__main__":
    unittest.main()
