"""The README tells the truth about what the code does."""

from __future__ import annotations

import os
import unittest

from cometchat.transport.state import connection_table_markdown

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def readme() -> str:
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        return handle.read()


class ReadmeTest(unittest.TestCase):
    def test_the_connection_table_is_the_machines_table(self) -> None:
        text = readme()
        start = text.index("<!-- connection-table")
        start = text.index("\n", start) + 1
        end = text.index("<!-- /connection-table -->")
        self.assertEqual(text[start:end].strip(), connection_table_markdown())

    def test_the_first_screen_has_exactly_the_two_commands(self) -> None:
        first_screen = "\n".join(readme().splitlines()[:20])
        self.assertIn('pip install -e ".[server]" && python samples/quickstart.py', first_screen)
        self.assertIn('pip install -e ".[server,test]" && python -m pytest', first_screen)
        self.assertEqual(first_screen.count("pip install"), 2)


if __name__ == "__main__":
    unittest.main()
