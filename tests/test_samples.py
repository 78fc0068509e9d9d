"""The samples work, end to end, as a new user would run them."""

from __future__ import annotations

import asyncio
import gc
import importlib.util
import os
import re
import subprocess
import sys
import textwrap
import time
import unittest
from types import ModuleType

from cometchat import GroupType, MemberScope, ReceiverType, TextMessage, TypingIndicator
from cometchat.testing import DevServerMixin, scaled
from helpers import scratch_dir, tk_root

SAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "samples")


def sample(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"sample_{name}", os.path.join(SAMPLES, f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(*args: str, timeout: float) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMETCHAT_") or k.endswith("_SCALE")}
    # the samples import the checkout's package, wherever (or whether) it is installed
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [os.path.dirname(SAMPLES), env.get("PYTHONPATH")]))
    started = time.monotonic()
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=timeout, env=env,
                          cwd=os.path.dirname(SAMPLES))
    return done, time.monotonic() - started


class QuickstartTest(unittest.TestCase):
    def test_the_story_runs_in_order_with_callbacks_on_the_dispatch_thread(self) -> None:
        done, elapsed = run(os.path.join(SAMPLES, "quickstart.py"), timeout=scaled(60))
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertLess(elapsed, scaled(15))
        out = done.stdout
        steps = [int(n) for n in re.findall(r"^(\d+)\. ", out, re.MULTILINE)]
        self.assertEqual(steps, list(range(1, 11)))
        for expected in ("init in manual mode", "getConnectionStatus.value == 'disconnected'",
                         "ERROR_WEBSOCKETS_ALLREADY_IN_CONNECTED_STATE", "onUserOnline(cometchat-uid-2)",
                         "onTypingStarted(cometchat-uid-2)", "onTextMessageReceived(George Alan: 'Hello Andrew Joseph!')",
                         "nothing arrived", "logout.onSuccess(User logged out successfully.)"):
            self.assertIn(expected, out)
        order = [out.index(marker) for marker in ("connecting()", "connected()", "connect.onSuccess()",
                                                  "connect.onError", "onTextMessageReceived", "disconnected()",
                                                  "logout.onSuccess")]
        self.assertEqual(order, sorted(order))
        offline = out.index("onUserOffline(cometchat-uid-2)")
        self.assertLess(out.index("closes his app"), out.index("went offline"), out)
        self.assertLess(out.index("went offline"), offline)  # explained before it is heard
        self.assertLess(offline, out.index("10. "))
        threads = re.findall(r"^\s+\[([^\]]+)\]", out, re.MULTILINE)
        self.assertGreater(len(threads), 15)
        self.assertEqual(set(threads), {"cometchat-callbacks"})

    def test_a_failure_is_a_clear_message_and_a_non_zero_exit(self) -> None:
        script = textwrap.dedent(f"""
            import os, runpy, sys
            import cometchat.transport.hosts as hosts
            # the "real service" path, sent to a closed local port: no test ever reaches out
            hosts.client_base = hosts.admin_base = lambda *args, **kwargs: "http://127.0.0.1:9/v3.0/"
            os.environ.update(COMETCHAT_APP_ID="app", COMETCHAT_REGION="us", COMETCHAT_AUTH_KEY="key")
            sys.exit(runpy.run_path({os.path.join(SAMPLES, "quickstart.py")!r})["main"]())
        """)
        done, _ = run("-c", script, timeout=scaled(60))
        self.assertEqual(done.returncode, 1)
        self.assertIn("Using the CometChat app app in region us", done.stdout)
        self.assertIn("Quickstart failed: CometChatException: ERROR_INTERNET_UNAVAILABLE", done.stderr)


    def test_a_partly_configured_real_app_names_what_is_missing(self) -> None:
        script = textwrap.dedent(f"""
            import os, runpy, sys
            os.environ.update(COMETCHAT_APP_ID="app")
            sys.exit(runpy.run_path({os.path.join(SAMPLES, "quickstart.py")!r})["main"]())
        """)
        done, _ = run("-c", script, timeout=scaled(60))
        self.assertEqual(done.returncode, 2)
        self.assertIn("COMETCHAT_REGION and COMETCHAT_AUTH_KEY are not set", done.stderr)
        self.assertNotIn("Started a local CometChat server", done.stdout)  # no silent fallback

    def test_main_runs_twice_in_one_process(self) -> None:
        script = textwrap.dedent(f"""
            import runpy, sys
            main = runpy.run_path({os.path.join(SAMPLES, "quickstart.py")!r})["main"]
            sys.exit(main() or main())
        """)
        done, _ = run("-c", script, timeout=scaled(90))
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout.count("Done: every callback"), 2)


class TkSampleTest(DevServerMixin, unittest.TestCase):
    def pump(self, root, condition, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + scaled(timeout)
        while not condition():
            self.assertLess(time.monotonic(), deadline, "the window never got there")
            root.update()  # run the Tk loop (and with it the SDK callbacks) by hand

    def test_conversations_history_live_messages_edits_and_deletes(self) -> None:
        peer = self.newClient("cometchat-uid-2")
        sent = [peer.sendTextMessage(message=TextMessage(receiverUid="cometchat-uid-1", text=f"m{n}",
                                                         receiverType=ReceiverType.user)).result(scaled(10))
                for n in range(25)]
        root = tk_root()
        window = sample("tk_chat").build(root, self.server)
        self.addCleanup(gc.collect)  # Tk variables must be finalised here, on the Tk thread
        self.addCleanup(window.close)
        window.me.set("cometchat-uid-1")
        window.login_button.invoke()
        self.pump(root, lambda: window.conversations.size() == 1)
        self.assertEqual(window.conversations.get(0), "George Alan  (25)")  # unread count in the list
        window.conversations.selection_set(0)
        window.conversations.event_generate("<<ListboxSelect>>")
        self.pump(root, lambda: window.messages.size() == 20)  # the newest page
        self.assertEqual(window.messages.get(19), "George Alan: m24")
        self.pump(root, lambda: window.conversations.get(0) == "George Alan")  # read once opened
        window.older_button.invoke()
        self.pump(root, lambda: window.messages.size() == 25)
        self.assertEqual(window.messages.get(0), "George Alan: m0")

        window.connect_button.invoke()
        self.pump(root, lambda: window.status_label.cget("text").endswith(": connected"))
        peer.connect().result(scaled(10))
        peer.startTyping(indicator=TypingIndicator(receiverID="cometchat-uid-1", receiverType=ReceiverType.user))
        self.pump(root, lambda: window.typing_label.cget("text") == "George Alan is typing...")
        live = peer.sendTextMessage(message=TextMessage(receiverUid="cometchat-uid-1", text="live one",
                                                        receiverType=ReceiverType.user)).result(scaled(10))
        self.pump(root, lambda: window.messages.size() == 26)
        self.assertEqual(window.messages.get(25), "George Alan: live one")
        self.assertEqual(window.typing_label.cget("text"), "")
        live.text = "live one, edited"
        peer.editMessage(live).result(scaled(10))
        self.pump(root, lambda: window.messages.get(25) == "George Alan: live one, edited (edited)")
        peer.deleteMessage(sent[0].id).result(scaled(10))
        self.pump(root, lambda: window.messages.get(0) == "George Alan: (message deleted)")

        window.entry.insert(0, "and back")
        window.send_button.invoke()
        self.pump(root, lambda: window.messages.size() == 27)
        self.assertEqual(window.messages.get(26), "me: and back")
        window.messages.selection_set(26)
        window.entry.insert(0, "and back again")
        window.edit_button.invoke()
        self.pump(root, lambda: window.messages.get(26) == "me: and back again (edited)")
        window.delete_button.invoke()
        self.pump(root, lambda: window.messages.get(26) == "me: (message deleted)")
        window.disconnect_button.invoke()
        self.pump(root, lambda: window.status_label.cget("text").endswith(": disconnected"))


    def test_groups_join_chat_and_member_events(self) -> None:
        tk_chat = sample("tk_chat")
        tk_chat.make_group(self.server, "hikers", "Hikers")  # owned by cometchat-uid-5
        owner, peer = self.newClient("cometchat-uid-5"), self.newClient("cometchat-uid-2")
        root = tk_root()
        window = tk_chat.build(root, self.server)
        self.addCleanup(gc.collect)
        self.addCleanup(window.close)
        window.me.set("cometchat-uid-1")
        window.login_button.invoke()
        self.pump(root, lambda: window.groups.size() == 1)
        self.assertEqual(window.groups.get(0), "# Hikers [1]  (join)")
        window.connect_button.invoke()
        self.pump(root, lambda: window.status_label.cget("text").endswith(": connected"))
        window.groups.selection_set(0)
        window.groups.event_generate("<<ListboxSelect>>")  # joins, then opens the group
        self.pump(root, lambda: window.groups.get(0) == "# Hikers [2]")
        self.pump(root, lambda: window.messages.size() == 1)
        self.assertEqual(window.messages.get(0), "* Andrew Joseph joined")  # from the group's history

        peer.joinGroup(GUID="hikers", groupType=GroupType.public).result(scaled(10))
        self.pump(root, lambda: window.messages.size() == 2)
        self.assertEqual(window.messages.get(1), "* George Alan joined")
        peer.connect().result(scaled(10))
        peer.startTyping(indicator=TypingIndicator(receiverID="hikers", receiverType=ReceiverType.group))
        self.pump(root, lambda: window.typing_label.cget("text") == "George Alan is typing...")
        peer.sendTextMessage(message=TextMessage(receiverUid="hikers", text="hi hikers",
                                                 receiverType=ReceiverType.group)).result(scaled(10))
        self.pump(root, lambda: window.messages.size() == 3)
        self.assertEqual(window.messages.get(2), "George Alan: hi hikers")
        window.entry.insert(0, "hello all")
        window.send_button.invoke()
        self.pump(root, lambda: window.messages.size() == 4)
        self.assertEqual(window.messages.get(3), "me: hello all")
        owner.kickGroupMember(UID="cometchat-uid-2", GUID="hikers").result(scaled(10))
        self.pump(root, lambda: window.messages.size() == 5)
        self.assertEqual(window.messages.get(4), "* John Paul kicked George Alan")
        self.pump(root, lambda: window.groups.get(0) == "# Hikers [2]")
        self.pump(root, lambda: window.conversations.size() >= 1)
        self.assertIn("# Hikers", window.conversations.get(0, "end"))
        owner.banGroupMember(UID="cometchat-uid-2", GUID="hikers").result(scaled(10))
        self.pump(root, lambda: window.messages.size() == 6)
        self.assertEqual(window.messages.get(5), "* John Paul banned George Alan")
        owner.unbanGroupMember(UID="cometchat-uid-2", GUID="hikers").result(scaled(10))
        self.pump(root, lambda: window.messages.size() == 7)
        self.assertEqual(window.messages.get(6), "* John Paul unbanned George Alan")
        owner.updateGroupMemberScope(UID="cometchat-uid-1", GUID="hikers",
                                     scope=MemberScope.moderator).result(scaled(10))
        self.pump(root, lambda: window.messages.size() == 8)
        self.assertEqual(window.messages.get(7), "* John Paul made Andrew Joseph moderator")

        # a password group asks for its password: a wrong one is refused, the right one joins
        tk_chat.make_group(self.server, "night-hikers", "Night hikers", password="moonlight")
        window.refresh_groups()
        self.pump(root, lambda: window.groups.size() == 2)
        window.groups.selection_clear(0, "end")
        window.groups.selection_set(window.groups.get(0, "end").index("# Night hikers [1]  (join)"))
        window.groups.event_generate("<<ListboxSelect>>")
        self.pump(root, lambda: window.password_dialog is not None)
        window.password_entry.insert(0, "sunshine")
        window.password_join.invoke()
        self.pump(root, lambda: window.status_label.cget("text") == "! ERR_WRONG_GROUP_PASS")
        self.assertIsNone(window.password_dialog)
        window.groups.event_generate("<<ListboxSelect>>")  # picked again: asked again
        self.pump(root, lambda: window.password_dialog is not None)
        window.password_entry.insert(0, "moonlight")
        window.password_join.invoke()
        self.pump(root, lambda: "# Night hikers [2]" in window.groups.get(0, "end"))
        self.pump(root, lambda: window.messages.get(0, "end") == ("* Andrew Joseph joined",))
        self.assertEqual(window.target, (ReceiverType.group, "night-hikers"))


    def test_files_reactions_and_mentions(self) -> None:
        me, other = "cometchat-uid-3", "cometchat-uid-4"  # users the other tests of this server leave alone
        peer = self.newClient(other)
        peer.sendTextMessage(message=TextMessage(receiverUid=me, text=f"hello <@uid:{me}>",
                                                 receiverType=ReceiverType.user)).result(scaled(10))
        root = tk_root()
        window = sample("tk_chat").build(root, self.server)
        self.addCleanup(gc.collect)
        self.addCleanup(window.close)
        window.me.set(me)
        window.login_button.invoke()
        self.pump(root, lambda: window.status_label.cget("text").endswith(": disconnected"))
        window.connect_button.invoke()
        self.pump(root, lambda: window.status_label.cget("text").endswith(": connected"))
        window.peer.set(other)
        window.open_button.invoke()
        self.pump(root, lambda: window.messages.size() == 1)
        self.assertEqual(window.messages.get(0), f"@ Susan Marie: hello <@uid:{me}>")  # it mentions me
        path = os.path.join(scratch_dir(self), "photo.png")
        with open(path, "wb") as out:
            out.write(b"\x89PNG not really")
        window.send_file(path)
        self.pump(root, lambda: window.messages.size() == 2)
        self.assertEqual(window.messages.get(1), "me: [photo.png]")
        self.assertEqual(window.status_label.cget("text"), "sent")
        window.messages.selection_set(0)
        window.react_button.invoke()
        self.pump(root, lambda: window.messages.get(0).endswith("  \N{THUMBS UP SIGN}1"))
        peer.connect().result(scaled(10))
        peer.addReaction(messageId=window.rows[1], reaction="\N{PARTY POPPER}").result(scaled(10))
        self.pump(root, lambda: window.messages.get(1) == "me: [photo.png]  \N{PARTY POPPER}1")  # live


class AsyncioSampleTest(DevServerMixin, unittest.TestCase):
    def test_the_bot_answers_a_message(self) -> None:
        bot = sample("asyncio_bot")

        async def scenario() -> str:
            echo = await bot.start_bot(self.server)
            try:
                return await bot.ask(self.server, "ping from the test")
            finally:
                echo.client.close()

        self.assertEqual(asyncio.run(asyncio.wait_for(scenario(), scaled(30))), "Echo: ping from the test")


class UnittestExampleTest(unittest.TestCase):
    def test_the_users_unittest_example_passes(self) -> None:
        done, _ = run("-m", "unittest", "discover", "-s", SAMPLES, "-p", "test_my_app.py", timeout=scaled(120))
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("Ran 2 tests", done.stderr)
        self.assertIn("OK", done.stderr)


if __name__ == "__main__":
    unittest.main()
