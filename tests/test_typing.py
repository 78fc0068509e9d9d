"""The package is typed (it ships ``py.typed``): ``mypy cometchat`` finds nothing, as CI runs it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class MypyTest(unittest.TestCase):
    def test_mypy_is_clean(self) -> None:
        with tempfile.TemporaryDirectory() as cache:
            done = subprocess.run(
                [sys.executable, "-m", "mypy", "cometchat", "--cache-dir", cache],
                capture_output=True, text=True, cwd=ROOT, timeout=600,
            )
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        self.assertIn("Success: no issues found", done.stdout)

    def test_users_see_the_swift_enums_as_types(self) -> None:
        program = (
            "from cometchat import CometChat, CometChatClient, AppSettings\n"
            "def kind(value: CometChatClient.ReceiverType) -> str:\n"
            "    return value.value\n"
            "kind(CometChat.ReceiverType.user)\n"
            "settings = AppSettings.AppSettingsBuilder().setRegion(region='us').build()\n"
            "region: str | None = settings.region\n"
        )
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "user_code.py")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(program)
            done = subprocess.run([sys.executable, "-m", "mypy", path, "--cache-dir", os.path.join(folder, "cache")],
                                  capture_output=True, text=True, cwd=ROOT, timeout=600)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)


if __name__ == "__main__":
    unittest.main()
