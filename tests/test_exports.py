"""The public surface: one export list kept honest, and the facade mirroring the client."""

from __future__ import annotations

import inspect
import types
import unittest

import cometchat
from cometchat import CometChat, CometChatClient


def public(names: object) -> set[str]:
    return {n for n in names if not n.startswith("_")}  # type: ignore[attr-defined]


class ExportsTest(unittest.TestCase):
    def test_all_is_complete_and_exact(self) -> None:
        defined = {
            name
            for name, value in vars(cometchat).items()
            if not name.startswith("_") and not isinstance(value, types.ModuleType)
        }
        self.assertEqual(defined, set(cometchat.__all__) - {"__version__"})
        for name in cometchat.__all__:
            self.assertTrue(hasattr(cometchat, name), name)

    def test_transport_is_not_public(self) -> None:
        self.assertNotIn("transport", cometchat.__all__)
        self.assertNotIn("protocol", cometchat.__all__)

    def test_facade_and_client_expose_the_same_names(self) -> None:
        facade = public(dir(CometChat)) | public(vars(type(CometChat)))
        client = public(dir(CometChatClient))
        self.assertEqual(facade, client)

    def test_facade_methods_keep_the_client_signatures(self) -> None:
        for name in public(dir(CometChatClient)):
            member = getattr(CometChatClient, name)
            if inspect.isfunction(member):
                client_params = list(inspect.signature(member).parameters)[1:]
                self.assertEqual(list(inspect.signature(getattr(CometChat, name)).parameters), client_params, name)


if __name__ == "__main__":
    unittest.main()
