"""The README tells the truth about what the code does."""

from __future__ import annotations

import os
import re
import unittest

from cometchat import exceptions
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

    def test_the_testing_example_runs(self) -> None:
        section = readme()[readme().index("## Testing with"):]
        code = re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)  # type: ignore[union-attr]
        namespace: dict[str, object] = {"__name__": "readme_example"}
        exec(compile(code, "README.md", "exec"), namespace)
        suite = unittest.defaultTestLoader.loadTestsFromTestCase(namespace["ChatTest"])  # type: ignore[arg-type]
        result = unittest.TestResult()
        suite.run(result)
        self.assertEqual((result.testsRun, result.errors, result.failures), (1, [], []))


if __name__ == "__main__":
    unittest.main()
