"""The README tells the truth about what the code does."""

from __future__ import annotations

import contextlib
import io
import os
import re
import unittest
import unittest.mock
from typing import Any

import attrs

from cometchat import (
    AppSettings,
    AppSettingsBuilder,
    CometChat,
    GroupType,
    MessagesRequest,
    ReceiverType,
    TextMessage,
    TypingIndicator,
    exceptions,
)
from cometchat.testing import DevServerMixin, EventRecorder, resetDefaultClient, scaled, waitFor
from cometchat.transport.table import connection_table_markdown

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def readme() -> str:
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        return handle.read()


def between(text: str, start_marker: str, end_marker: str) -> str:
    start = text.index("\n", text.index(start_marker)) + 1
    return text[start:text.index(end_marker, start)].strip()


def docstring_codes() -> dict[str, str]:
    """code -> source, from the table in the docstring of exceptions.py."""
    return {m.group(1): m.group(2)
            for m in re.finditer(r"^``([A-Z_]+)``\s+(\S+)\s", exceptions.__doc__ or "", re.MULTILINE)}


class ReadmeTest(unittest.TestCase):
    def test_the_first_screen_has_exactly_the_two_commands(self) -> None:
        first_screen = "\n".join(readme().splitlines()[:20])
        self.assertIn('pip install -e ".[server]" && python samples/quickstart.py', first_screen)
        self.assertIn('pip install -e ".[server,test]" && python -m pytest', first_screen)
        self.assertEqual(first_screen.count("pip install"), 2)

    def test_the_connection_table_is_the_machines_table(self) -> None:
        self.assertEqual(between(readme(), "<!-- connection-table", "<!-- /connection-table -->"),
                         connection_table_markdown())

    def test_the_error_table_is_the_exceptions_table(self) -> None:
        table = between(readme(), "<!-- error-codes", "<!-- /error-codes -->")
        rows = dict(re.findall(r"^\| `([A-Z_]+)` \| ([^|]+) \|", table, re.MULTILINE))
        self.assertEqual({code: source.strip() for code, source in rows.items()}, docstring_codes())

    def test_every_error_constant_is_in_the_table(self) -> None:
        constants = {value for name, value in vars(exceptions).items() if name.isupper() and isinstance(value, str)}
        self.assertEqual(constants, set(docstring_codes()))



def python_blocks() -> dict[str, list[str]]:
    """Every ```python block of the README, by the ``## `` section it is in, in order."""
    sections: dict[str, list[str]] = {}
    for section in re.split(r"^## ", readme(), flags=re.MULTILINE)[1:]:
        title = section.splitlines()[0].strip()
        blocks = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
        if blocks:
            sections[title] = blocks
    return sections


class Output(io.StringIO):
    """Everything printed, from any thread, readable while it grows."""

    def waitFor(self, text: str, timeout: float = 10.0) -> None:
        waitFor(lambda: text in self.getvalue(), timeout, message=f"{text!r} never printed; got {self.getvalue()!r}")


class ReadmeExamplesTest(DevServerMixin, unittest.TestCase):
    """Every Python block of the README runs as written, against a local server: the blocks of a
    section in order in one namespace, sections in README order on one facade. Only the
    ``APP_ID`` / ``AUTH_KEY`` placeholders are replaced, and settings without host overrides are
    pointed at the server."""

    def setUp(self) -> None:
        resetDefaultClient()
        self.addCleanup(resetDefaultClient)
        self.peer = self.newClient("cometchat-uid-2")  # the other side of the README's chats
        self.peer_heard = EventRecorder()
        self.peer.addMessageListener("readme", self.peer_heard)
        self.peer.connect().result(scaled(10))
        builder_build = AppSettingsBuilder.build
        url = self.server.url

        def pointed_at_the_server(builder: AppSettingsBuilder) -> AppSettings:
            settings = builder_build(builder)
            if settings.clientHost is None and settings.adminHost is None:
                settings = attrs.evolve(settings, clientHost=url, adminHost=url)
            return settings

        patcher = unittest.mock.patch.object(AppSettingsBuilder, "build", pointed_at_the_server)
        patcher.start()
        self.addCleanup(patcher.stop)

    def run_section(self, title: str, output: Output) -> dict[str, Any]:
        namespace: dict[str, Any] = {"__name__": f"readme_{title}"}
        for n, block in enumerate(python_blocks()[title]):
            code = block.replace('"APP_ID"', repr(self.server.app_id)).replace('"AUTH_KEY"', repr(self.server.auth_key))
            exec(compile(code, f"README.md ({title}, block {n + 1})", "exec"), namespace)
        return namespace

    # what each section's code must visibly do; a section with Python blocks needs an entry
    def check_using_the_sdk(self, output: Output, namespace: dict[str, Any]) -> None:
        for text in ("initialised", "logged in as Andrew Joseph", "connected"):
            output.waitFor(text)
        self.assertEqual(CometChat.getConnectionStatus.value, "connected")

    def check_real_time_events(self, output: Output, namespace: dict[str, Any]) -> None:
        output.waitFor("sent ")
        self.assertEqual(self.peer_heard.waitFor("onTextMessageReceived").arg.text, "Hi!")
        self.assertEqual(self.peer_heard.waitFor("onTypingStarted").arg.sender.uid, "cometchat-uid-1")
        self.peer.sendTextMessage(message=TextMessage(receiverUid="cometchat-uid-1", text="Hello back",
                                                      receiverType=ReceiverType.user)).result(scaled(10))
        output.waitFor("George Alan says Hello back")
        self.assertEqual(self.peer_heard.waitFor("onMessagesRead").arg.receiptType.value, "read")
        self.peer.startTyping(indicator=TypingIndicator(receiverID="cometchat-uid-1", receiverType=ReceiverType.user))
        output.waitFor("cometchat-uid-2 is typing...")

    def check_users(self, output: Output, namespace: dict[str, Any]) -> None:
        output.waitFor("found ['George Alan']")
        output.waitFor("status: Porting from Swift")
        output.waitFor("blocked {'cometchat-uid-5': 'success'}")
        self.assertEqual(CometChat.getLoggedInUser().statusMessage, "Porting from Swift")

    def check_message_history(self, output: Output, namespace: dict[str, Any]) -> None:
        sent = namespace["sent"]
        output.waitFor("edited: Hello")
        output.waitFor(f"TextMessage {sent.id} replies: 1")
        output.waitFor("ActionMessage")
        self.assertEqual(self.peer_heard.waitFor("onMessageEdited").arg.text, "Hello")
        replies = [e.arg for e in self.peer_heard.of("onTextMessageReceived") if e.arg.parentMessageId == sent.id]
        self.assertEqual(len(replies), 1)

    def check_conversations_and_unread_counts(self, output: Output, namespace: dict[str, Any]) -> None:
        output.waitFor("George Alan")
        output.waitFor("'user': {")
        output.waitFor("Conversation marked as read successfully.")

    def check_groups(self, output: Output, namespace: dict[str, Any]) -> None:
        output.waitFor("added {'cometchat-uid-3': 'success'}")
        output.waitFor("my groups: ['Hikers']")
        joined = self.peer.joinGroup(GUID="hikers", groupType=GroupType.public).result(scaled(10))
        self.assertEqual(joined.membersCount, 3)
        output.waitFor("George Alan joined Hikers - members: 3")  # the README's group listener
        history = MessagesRequest.MessageRequestBuilder(client=self.peer).set(guid="hikers").set(
            categories=["message"]).build()
        self.assertEqual([m.text for m in history.fetchPrevious().result(scaled(10))], ["Walk on Saturday?"])

    def check_media_reactions_and_mentions(self, output: Output, namespace: dict[str, Any]) -> None:
        sent = namespace["sent"]
        output.waitFor(" bytes")  # the progress
        output.waitFor("hosted at http")
        self.assertEqual(self.peer_heard.waitFor("onMediaMessageReceived").arg.id, sent.id)
        output.waitFor("mentions ['George Alan']")
        hello = namespace["hello"]
        waitFor(lambda: any(e.arg.id == hello.id for e in self.peer_heard.of("onTextMessageReceived")))
        heard = next(e.arg for e in self.peer_heard.of("onTextMessageReceived") if e.arg.id == hello.id)
        self.assertTrue(heard.hasMentionedMe())
        output.waitFor("reactions [('\N{THUMBS UP SIGN}', 1)]")
        output.waitFor("reacted: ['cometchat-uid-1']")
        self.peer.addReaction(messageId=sent.id, reaction="\N{PARTY POPPER}").result(scaled(10))
        output.waitFor("George Alan reacted \N{PARTY POPPER}")  # the README's listener

    def check_the_local_server(self, output: Output, namespace: dict[str, Any]) -> None:
        output.waitFor("logged in to the local server as George Alan")

    def check_testing_with_cometchat_testing(self, output: Output, namespace: dict[str, Any]) -> None:
        suite = unittest.defaultTestLoader.loadTestsFromTestCase(namespace["ChatTest"])
        result = unittest.TestResult()
        suite.run(result)
        self.assertEqual((result.testsRun, result.errors, result.failures), (1, [], []))

    def test_every_python_block_runs_as_written(self) -> None:
        for title in python_blocks():
            check = getattr(self, "check_" + re.sub(r"[^a-z]+", "_", title.lower()).strip("_"), None)
            with self.subTest(section=title):
                self.assertIsNotNone(check, f"add a check for the README section {title!r}")
                output = Output()
                with contextlib.redirect_stdout(output):  # callbacks print later, on their thread
                    namespace = self.run_section(title, output)
                    check(output, namespace)  # type: ignore[misc]

    def test_the_examples_are_found(self) -> None:
        self.assertIn("Using the SDK", python_blocks())
        self.assertGreaterEqual(sum(len(b) for b in python_blocks().values()), 4)


if __name__ == "__main__":
    unittest.main()
