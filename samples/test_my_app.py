"""How your own unittest suite can test code that uses the SDK, with cometchat.testing.

    python -m unittest discover -s samples -p test_my_app.py

The "app" here is a small auto-responder. The tests run it against a real local server
(``DevServerMixin``), talk to it as another user, record what that user hears
(``EventRecorder``), and cut its network on purpose (``FaultProxy``) to check it recovers.
"""

from __future__ import annotations

import unittest

from cometchat import (
    CometChatClient,
    CometChatMessageDelegate,
    ReceiverType,
    TextMessage,
)
from cometchat.testing import DevServerMixin, EventRecorder, FaultProxy, scaled


class AutoResponder(CometChatMessageDelegate):
    """The app under test: answers every message while its owner is away."""

    def __init__(self, client: CometChatClient, reply: str = "I'm away, back soon!") -> None:
        self.client = client
        self.reply = reply
        client.addMessageListener("auto-responder", self)

    def onTextMessageReceived(self, textMessage: TextMessage) -> None:
        answer = TextMessage(receiverUid=textMessage.senderUid, text=self.reply, receiverType=ReceiverType.user)
        self.client.sendTextMessage(message=answer)


class AutoResponderTest(DevServerMixin, unittest.TestCase):
    def say(self, sender: CometChatClient, to: str, text: str) -> None:
        message = TextMessage(receiverUid=to, text=text, receiverType=ReceiverType.user)
        sender.sendTextMessage(message=message).result(timeout=scaled(10))

    def test_it_answers_a_message(self) -> None:
        app = self.newClient("cometchat-uid-1")  # logged in, in-memory session, closed after the test
        AutoResponder(app)
        app.connect().result(timeout=scaled(10))
        friend = self.newClient("cometchat-uid-2")
        heard = EventRecorder()
        friend.addMessageListener("heard", heard)
        friend.connect().result(timeout=scaled(10))

        self.say(friend, "cometchat-uid-1", "Are you there?")

        answer = heard.waitFor("onTextMessageReceived").arg
        self.assertEqual(answer.text, "I'm away, back soon!")
        self.assertEqual(answer.sender.uid, "cometchat-uid-1")

    def test_it_still_answers_after_its_network_drops(self) -> None:
        with FaultProxy(self.server.url) as proxy:
            # the app reaches the server through the proxy, so the test can break its link
            app = self.newClient("cometchat-uid-3", via=proxy)
            AutoResponder(app)
            states = EventRecorder()
            app.addConnectionListener("states", states)
            app.connect().result(timeout=scaled(10))

            proxy.cut()  # the network drops; the SDK reconnects by itself
            states.waitFor("connected", count=2)

            friend = self.newClient("cometchat-uid-4")
            heard = EventRecorder()
            friend.addMessageListener("heard", heard)
            friend.connect().result(timeout=scaled(10))
            self.say(friend, "cometchat-uid-3", "Still there?")
            self.assertEqual(heard.waitFor("onTextMessageReceived").arg.text, "I'm away, back soon!")


if __name__ == "__main__":
    unittest.main()
