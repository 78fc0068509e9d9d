"""The package is typed (it ships ``py.typed``): ``mypy cometchat`` finds nothing, as CI runs it,
and users' type checkers see the Swift surface as it is, though the facade and the listener
members are made at run time (they read ``cometchat/_surface.pyi``, generated from the runtime)."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STUB = os.path.join(ROOT, "cometchat", "_surface.pyi")

#: Swift-style user code that must type-check
GOOD_PROGRAM = """
    from concurrent.futures import Future
    from cometchat import (AppSettings, CometChat, CometChatClient, CometChatException,
                           CometChatMessageDelegate, TextMessage, User)

    def on_login(user: User) -> None:
        print(user.name)

    def on_error(error: CometChatException) -> None:
        print(error.errorCode)

    settings = AppSettings.AppSettingsBuilder().setRegion(region="us").subscribePresenceForAllUsers().build()
    CometChat.init(appId="APP_ID", appSettings=settings, onSuccess=lambda ok: None, onError=on_error)
    pending: Future[User] = CometChat.login(UID="cometchat-uid-1", authKey="AUTH_KEY",
                                            onSuccess=on_login, onError=on_error)
    uid: str = pending.result().uid

    def kind(value: CometChat.ReceiverType) -> str:
        return value.value

    kind(CometChat.ReceiverType.user)

    class Listener(CometChatMessageDelegate):
        def onTextMessageReceived(self, textMessage: TextMessage) -> None:
            print(textMessage.text)

    CometChat.addMessageListener("listener", Listener())
    CometChat.messagedelegate = Listener()
    ready: bool = CometChat.isInitialised
    status: CometChat.ConnectionStatus = CometChat.getConnectionStatus
    client = CometChatClient()
    client.addMessageListener("listener", Listener())
    client.removeMessageListener("listener")
    client.messagedelegate = None
    CometChat.close()
"""

#: user code with one mistake a line, and what mypy must say about each (line: error code)
BAD_PROGRAM = """
    from cometchat import CometChat, CometChatClient
    CometChat.logn(UID="cometchat-uid-1", authKey="AUTH_KEY")
    CometChat.login(UID="cometchat-uid-1", authKy="AUTH_KEY")
    CometChat.login(UID=1, authKey="AUTH_KEY")
    client = CometChatClient()
    client.addMesageListener("listener", object())
    CometChat.addMesageListener("listener", object())
    CometChat.isInitialised = True
    count: int = CometChat.login(UID="cometchat-uid-1", authKey="AUTH_KEY").result().uid
"""
BAD_LINES = {3: "attr-defined", 4: "call-arg", 5: "arg-type", 7: "attr-defined", 8: "attr-defined", 9: "misc",
             10: "assignment"}


def load_stubgen() -> object:
    spec = importlib.util.spec_from_file_location("stubgen", os.path.join(ROOT, ".ci", "stubgen.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def mypy(folder: str, *paths: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", *paths, "--cache-dir", os.path.join(folder, "cache")],
                          capture_output=True, text=True, cwd=ROOT, timeout=600)


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



class SurfaceStubTest(unittest.TestCase):
    def test_the_stub_is_what_the_runtime_builds(self) -> None:
        with open(STUB, encoding="utf-8") as handle:
            written = handle.read()
        self.assertEqual(written, load_stubgen().render(),  # type: ignore[attr-defined]
                         "cometchat/_surface.pyi differs from the runtime: run `python .ci/stubgen.py`")

    def test_the_stub_declares_every_generated_member(self) -> None:
        import cometchat
        from cometchat.listeners import LISTENER_KINDS

        with open(STUB, encoding="utf-8") as handle:
            stub = handle.read()
        facade = {name for name in dir(cometchat.CometChat) if not name.startswith("_")}
        declared = set(re.findall(r"^    def (\w+)\(|^    (\w+): TypeAlias", stub, re.M))
        declared_names = {a or b for a, b in declared}
        self.assertEqual(facade - declared_names, set())
        for kind in LISTENER_KINDS:
            self.assertTrue({kind.adder, kind.remover, kind.delegate} <= declared_names, kind.name)

    def test_users_type_checkers_see_the_real_signatures(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            good, bad = os.path.join(folder, "good.py"), os.path.join(folder, "bad.py")
            for path, program in ((good, GOOD_PROGRAM), (bad, BAD_PROGRAM)):
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(textwrap.dedent(program))
            done = mypy(folder, good, bad)
        errors = re.findall(r"^(\S+?):(\d+): error: .*\[([\w-]+)\]$", done.stdout, re.M)
        self.assertEqual([e for e in errors if os.path.basename(e[0]) == "good.py"], [], done.stdout)
        found = {int(line): code for path, line, code in errors if os.path.basename(path) == "bad.py"}
        self.assertEqual(found, BAD_LINES, done.stdout)


if __name__ == "__main__":
    unittest.main()
