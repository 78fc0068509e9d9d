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

    def swift_kind(value: CometChatClient.ReceiverType) -> str:  # the Swift enums are types too
        return value.value

    swift_kind(CometChat.ReceiverType.user)
    region: str | None = settings.region
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
    """One mypy run (it takes seconds to start) over the package and two programs of user code:
    the package and the good program are clean, the bad one gets exactly the errors expected."""

    @classmethod
    def setUpClass(cls) -> None:
        with tempfile.TemporaryDirectory() as folder:
            good, bad = os.path.join(folder, "good.py"), os.path.join(folder, "bad.py")
            for path, program in ((good, GOOD_PROGRAM), (bad, BAD_PROGRAM)):
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(textwrap.dedent(program))
            cls.done = mypy(folder, "cometchat", good, bad)
        cls.errors = re.findall(r"^(\S+?):(\d+): error: .*\[([\w-]+)\]$", cls.done.stdout, re.M)

    def test_mypy_is_clean(self) -> None:
        elsewhere = [e for e in self.errors if os.path.basename(e[0]) not in ("good.py", "bad.py")]
        self.assertEqual(elsewhere, [], self.done.stdout + self.done.stderr)
        # every error mypy counted is one of the bad program's: nothing else failed, not even unparsed
        self.assertRegex(self.done.stdout, rf"Found {len(BAD_LINES)} errors in 1 file \(checked \d+ source files\)",
                         self.done.stdout + self.done.stderr)

    def test_users_type_checkers_see_the_real_signatures(self) -> None:
        self.assertEqual([e for e in self.errors if os.path.basename(e[0]) == "good.py"], [], self.done.stdout)
        found = {int(line): code for path, line, code in self.errors if os.path.basename(path) == "bad.py"}
        self.assertEqual(found, BAD_LINES, self.done.stdout)


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


if __name__ == "__main__":
    unittest.main()
