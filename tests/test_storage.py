"""The saved session: private files, atomic writes, corrupt and foreign files, one owner."""

from __future__ import annotations

import json
import os
import stat
import unittest

from cometchat.exceptions import CometChatException
from cometchat.storage import FileStore, MemoryStore, SavedSession
from helpers import scratch_dir

SESSION = SavedSession(app_id="app1", user={"uid": "alice", "name": "Alice"}, auth_token="tok-secret",
                       jwt="jwt-secret", settings={"MODE": "DEFAULT"}, last_delivered_message_id=7)


class FileStoreTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = scratch_dir(self)
        self.path = os.path.join(self.dir, "store")
        self.store = FileStore(self.path)
        self.addCleanup(self.store.close)

    def test_round_trip(self) -> None:
        self.store.save(SESSION)
        self.assertEqual(self.store.load("app1"), SESSION)
        self.assertIsNone(self.store.load("another-app"))
        self.store.clear()
        self.assertIsNone(self.store.load("app1"))

    def test_files_are_private_even_under_a_permissive_umask(self) -> None:
        previous = os.umask(0o000)
        try:
            path = os.path.join(self.dir, "open-umask")
            store = FileStore(path)
            store.save(SESSION)
            store.device_id("app1")
            store.close()
        finally:
            os.umask(previous)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o700)
        for name in ("session.json", "device.json"):
            self.assertEqual(stat.S_IMODE(os.stat(os.path.join(path, name)).st_mode), 0o600, name)

    def test_writes_leave_no_temporary_files(self) -> None:
        for n in range(5):
            self.store.save(SavedSession(app_id="app1", user={"uid": "a"}, auth_token="t", jwt="j",
                                         last_delivered_message_id=n))
        self.assertEqual(sorted(os.listdir(self.path)), ["session.json"])
        self.assertEqual(self.store.load("app1").last_delivered_message_id, 4)  # type: ignore[union-attr]

    def test_corrupt_and_foreign_files_count_as_no_session(self) -> None:
        target = os.path.join(self.path, "session.json")
        for content in ("{not json", json.dumps({"some": "other program"}), json.dumps([1, 2]),
                        json.dumps({"format": 1, "appId": "app1", "user": {}, "authToken": "t", "jwt": "j"})):
            with self.subTest(content=content):
                with open(target, "w") as handle:
                    handle.write(content)
                with self.assertLogs("cometchat", "WARNING"):
                    self.assertIsNone(self.store.load("app1"))

    def test_device_id_survives_logout_and_restarts(self) -> None:
        device = self.store.device_id("app1")
        self.assertRegex(device, r"^app1_[0-9a-f-]{36}_\d{13}$")
        self.store.save(SESSION)
        self.store.clear()
        self.assertEqual(self.store.device_id("app1"), device)
        self.store.close()
        again = FileStore(self.path)
        self.addCleanup(again.close)
        self.assertEqual(again.device_id("app1"), device)
        self.assertNotEqual(again.device_id("app2"), device)

    def test_two_live_stores_never_share_a_directory(self) -> None:
        with self.assertRaises(CometChatException) as caught:
            FileStore(self.path)
        self.assertEqual(caught.exception.errorCode, "ERROR_STORAGE_IN_USE")
        self.store.close()
        FileStore(self.path).close()

    def test_credentials_stay_out_of_repr(self) -> None:
        self.assertNotIn("tok-secret", repr(SESSION))
        self.assertNotIn("jwt-secret", repr(SESSION))


class MemoryStoreTest(unittest.TestCase):
    def test_keeps_one_session_per_app_and_a_stable_device(self) -> None:
        store = MemoryStore()
        store.save(SESSION)
        self.assertEqual(store.load("app1"), SESSION)
        self.assertIsNone(store.load("app2"))
        device = store.device_id("app1")
        store.clear()
        self.assertIsNone(store.load("app1"))
        self.assertEqual(store.device_id("app1"), device)


if __name__ == "__main__":
    unittest.main()
