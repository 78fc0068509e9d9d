"""A unittest mixin that gives each test class its own running ``DevServer``."""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = ["DevServerMixin"]


class DevServerMixin:
    """Start a ``DevServer`` before the class's tests and stop it after them.

    Mix into a ``unittest.TestCase``; ``server_options`` are passed to ``DevServer``::

        class ChatTest(DevServerMixin, unittest.TestCase):
            server_options = {"idle_timeout": 5}

            def test_something(self):
                alice = self.newClient("cometchat-uid-1")   # logged in, in-memory session
                self.server.sessions("cometchat-uid-1")
    """

    server_options: ClassVar[dict[str, Any]] = {}
    server: ClassVar[Any]

    @classmethod
    def setUpClass(cls) -> None:
        from ..devserver import DevServer

        super().setUpClass()  # type: ignore[misc]
        cls.server = DevServer(**cls.server_options).start()

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.stop()
        super().tearDownClass()  # type: ignore[misc]

    def newClient(self, uid: str | None = None, **options: Any) -> Any:
        """A fresh in-memory client for this class's server (see ``clientFor``), closed
        when the test ends."""
        from .clients import clientFor

        client = clientFor(self.server, uid, **options)
        self.addCleanup(client.close)  # type: ignore[attr-defined]
        return client
