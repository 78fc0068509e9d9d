"""The rules that keep the package's rooms apart, checked on the code as written.

- no runtime import cycle inside ``cometchat/``;
- the state machine and everything it imports do no I/O;
- no module reads another object's private attributes (``x._name`` with ``x`` not ``self``
  or ``cls``), outside the dev server and the test kit;
- every REST path is written in ``transport/endpoints.py`` and nowhere else in the SDK;
- ``CometChatClient`` is a hall of short delegations that holds no lock of its own;
- a new kind of listener is one row of the table, and the client, the facade and the
  recorder follow from it;
- test helpers have one home (``tests/helpers.py``, besides ``cometchat.testing``): no other
  helper module, and no test module imports from another test module.
"""

from __future__ import annotations

import ast
import inspect
import os
import tempfile
import textwrap
import threading
import unittest
from typing import Any, Iterator

import cometchat
from cometchat import CometChatClient
from cometchat.cometchat import facade_members
from cometchat.listeners import LISTENER_KINDS, ListenerKind, Listeners, install_listener_members
from cometchat.testing import EventRecorder, recorder_class

PACKAGE = os.path.dirname(os.path.abspath(cometchat.__file__))
TESTS = os.path.dirname(os.path.abspath(__file__))
#: test modules still importing from another test module, each with its reason (remove the
#: entry with the import: the test fails on an entry that no longer applies)
TEST_MODULE_IMPORTS_ALLOWED: dict[str, str] = {}
#: modules that mean I/O (sockets, threads, TLS, event loops, HTTP, WebSocket)
IO_MODULES = {"socket", "threading", "_thread", "ssl", "asyncio", "websocket", "requests", "urllib3", "select",
              "selectors", "queue", "http", "subprocess", "aiohttp", "sqlite3"}
#: ``x._name`` reads allowed outside ``self``/``cls``, each with its reason (at most three)
PRIVATE_READS_ALLOWED: dict[str, str] = {}


def module_files() -> Iterator[tuple[str, str]]:
    """(dotted module name, path) for every module of the package."""
    for folder, _, files in os.walk(PACKAGE):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, os.path.dirname(PACKAGE))[:-3].replace(os.sep, ".")
                yield rel.removesuffix(".__init__"), path


def runtime_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """Module-level imports, outside ``if TYPE_CHECKING:`` blocks (inside try/if blocks too)."""
    pending: list[ast.stmt] = list(tree.body)
    while pending:
        node = pending.pop(0)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If):
            if not (isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"):
                pending += node.body + node.orelse
        elif isinstance(node, ast.Try):
            pending += node.body + [s for h in node.handlers for s in h.body] + node.orelse + node.finalbody


def import_targets(module: str, is_package: bool, node: ast.Import | ast.ImportFrom, known: set[str]) -> set[str]:
    """The modules an import statement names, resolved; ``from . import x`` names module x
    when x is a module, else the package."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    base_parts = module.split(".") if is_package else module.split(".")[:-1]
    if node.level:
        base_parts = base_parts[: len(base_parts) - (node.level - 1)]
        base = ".".join(base_parts + ([node.module] if node.module else []))
    else:
        base = node.module or ""
    targets = set()
    for alias in node.names:
        candidate = f"{base}.{alias.name}"
        targets.add(candidate if candidate in known else base)
    return targets


def import_graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(edges between cometchat modules, the outside top-level modules each one imports)."""
    files = dict(module_files())
    known = set(files)
    inside: dict[str, set[str]] = {}
    outside: dict[str, set[str]] = {}
    for module, path in files.items():
        with open(path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
        targets: set[str] = set()
        for node in runtime_imports(tree):
            targets |= import_targets(module, path.endswith("__init__.py"), node, known)
        inside[module] = {t for t in targets if t in known and t != module}
        outside[module] = {t.split(".")[0] for t in targets if t.split(".")[0] != "cometchat"}
    return inside, outside


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


class ImportRulesTest(unittest.TestCase):
    def test_the_graph_sees_the_imports_it_should(self) -> None:
        inside, outside = import_graph()
        self.assertIn("cometchat.exceptions", inside["cometchat.transport.state"])
        self.assertIn("cometchat.transport.inputs", inside["cometchat.transport.state"])
        self.assertIn("websocket", outside["cometchat.transport.connection"])
        self.assertIn("cometchat.__version__", inside["cometchat.transport.rest"])

    def test_the_cycle_finder_finds_a_cycle(self) -> None:
        self.assertEqual(find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}), ["a", "b", "c", "a"])
        self.assertIsNone(find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}))

    def test_no_runtime_import_cycle(self) -> None:
        inside, _ = import_graph()
        self.assertIsNone(find_cycle(inside))

    def test_models_never_import_transport(self) -> None:
        inside, _ = import_graph()
        self.assertEqual({m for m in inside["cometchat.models"] if m.startswith("cometchat.transport")}, set())

    def test_the_state_machine_and_all_it_imports_do_no_io(self) -> None:
        inside, outside = import_graph()
        seen: set[str] = set()
        pending = ["cometchat.transport.state"]
        while pending:
            module = pending.pop()
            if module in seen:
                continue
            seen.add(module)
            pending += [m for m in inside[module] if m not in ("cometchat", "cometchat.transport")]  # __init__s aside
        self.assertIn("cometchat.models", seen)
        for module in seen:
            self.assertEqual(outside[module] & IO_MODULES, set(), module)


def private_reads(path: str) -> Iterator[str]:
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                continue
            yield f"{os.path.relpath(path, PACKAGE)}:{node.lineno}: {ast.unparse(node)}"


def scanned(test: unittest.TestCase, scan: Any, source: str) -> list[str]:
    """What ``scan`` finds in ``source``, written to a file as the scanners read them."""
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as handle:
        handle.write(source)
    test.addCleanup(os.unlink, handle.name)
    return [found.split(": ", 1)[1] for found in scan(handle.name)]


class PrivateAttributesTest(unittest.TestCase):
    def test_the_scan_catches_a_private_read(self) -> None:
        source = ("def f(other, cls):\n    return other._secret, self._mine, cls._ours, other.__dict__, "
                  "other.public._deeper\n")
        self.assertEqual(scanned(self, private_reads, source), ["other._secret", "other.public._deeper"])

    def test_no_module_reads_another_objects_private_attributes(self) -> None:
        found = []
        for module, path in module_files():
            if module.startswith(("cometchat.devserver", "cometchat.testing")):
                continue
            found += [read for read in private_reads(path) if read.split(": ", 1)[1] not in PRIVATE_READS_ALLOWED]
        self.assertEqual(found, [])
        self.assertLessEqual(len(PRIVATE_READS_ALLOWED), 3)


#: the first segment of every REST path the SDK calls (ios-surface-next 10)
REST_ROOTS = ("me", "users", "groups", "messages", "conversations", "blockedusers", "app")


def rest_paths(path: str) -> Iterator[str]:
    """String literals (and the start of f-strings) that spell a REST path: ``users/...``."""
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)}
    parts = {id(part) for node in ast.walk(tree) if isinstance(node, ast.JoinedStr) for part in node.values}
    for node in ast.walk(tree):
        if id(node) in parts:
            continue
        first = node.values[0] if isinstance(node, ast.JoinedStr) and node.values else node
        if id(node) in docstrings or not isinstance(first, ast.Constant) or not isinstance(first.value, str):
            continue
        head = first.value.split("?", 1)[0]
        if head.split("/", 1)[0] in REST_ROOTS and ("/" in head or isinstance(node, ast.JoinedStr)):
            yield f"{os.path.relpath(path, PACKAGE)}:{node.lineno}: {first.value!r}"


class EndpointsTest(unittest.TestCase):
    def test_the_scan_finds_a_path(self) -> None:
        source = ('def f(uid):\n    """users/x in a docstring is fine"""\n'
                  '    return api.call("GET", f"users/{uid}/messages"), "groups/g", "me"\n')
        self.assertEqual(scanned(self, rest_paths, source), ["'groups/g'", "'users/'"])

    def test_every_rest_path_is_in_the_endpoints_module(self) -> None:
        found = []
        for module, path in module_files():
            if module.startswith(("cometchat.devserver", "cometchat.testing")) or module == "cometchat.transport.endpoints":
                continue
            found += list(rest_paths(path))
        self.assertEqual(found, [])


def imports_of_test_modules(path: str) -> set[str]:
    """The ``test_*`` modules a file imports, anywhere in it."""
    with open(path, encoding="utf-8") as handle:
        tree = ast.parse(handle.read())
    found = set()
    for node in ast.walk(tree):
        names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else (
            [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
        found |= {name.split(".")[-1] for name in names if name.split(".")[-1].startswith("test_")}
    return found


class HelpersHomeTest(unittest.TestCase):
    def test_the_scan_sees_both_forms_of_import(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "test_sample.py")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write("import test_a\nfrom test_b import ok\nfrom tests.test_c import x\nfrom helpers import ok\n")
            self.assertEqual(imports_of_test_modules(path), {"test_a", "test_b", "test_c"})

    def test_no_test_module_imports_from_another(self) -> None:
        importing = {}
        for name in sorted(os.listdir(TESTS)):
            if name.endswith(".py"):
                found = imports_of_test_modules(os.path.join(TESTS, name))
                if found:
                    importing[name[:-3]] = found
        self.assertEqual(set(importing) - set(TEST_MODULE_IMPORTS_ALLOWED), set(), importing)
        self.assertEqual(set(TEST_MODULE_IMPORTS_ALLOWED) - set(importing), set(), "a stale exception")

    def test_one_helper_module(self) -> None:
        """Besides the suites, tests/ holds the one helper module and the report's script."""
        others = {name for name in os.listdir(TESTS) if name.endswith(".py") and not name.startswith("test_")}
        self.assertEqual(others, {"helpers.py", "reliability_report.py"})


class HallTest(unittest.TestCase):
    def client_methods(self) -> Iterator[tuple[str, Any]]:
        for name, member in vars(CometChatClient).items():
            function = member.fget if isinstance(member, property) else member
            if inspect.isfunction(function) and function.__module__ == "cometchat.client":
                yield name, function

    def test_every_client_method_is_short(self) -> None:
        for name, function in self.client_methods():
            tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
            body = tree.body[0].body  # type: ignore[attr-defined]
            if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                body = body[1:]  # the docstring
            lines = body[-1].end_lineno - body[0].lineno + 1
            with self.subTest(method=name):
                self.assertLessEqual(lines, 12)

    def test_the_client_holds_no_lock_of_its_own(self) -> None:
        with open(os.path.join(PACKAGE, "client.py"), encoding="utf-8") as handle:
            self.assertNotIn("threading", handle.read())
        client = CometChatClient()
        self.addCleanup(client.close)
        lock_types = (type(threading.Lock()), type(threading.RLock()), threading.Condition)
        self.assertEqual([n for n, v in vars(client).items() if isinstance(v, lock_types)], [])


class TestDelegate:
    """A listener protocol that does not exist in the SDK: the table is all it takes."""

    def onSomethingHappened(self, something: Any) -> None:
        pass

    def onSomethingElse(self) -> None:
        pass


class ListenerTableTest(unittest.TestCase):
    def test_a_new_kind_is_one_row(self) -> None:
        kinds = LISTENER_KINDS + (ListenerKind("Test", TestDelegate),)

        class TableClient(CometChatClient):
            _listener_kinds = kinds

        install_listener_members(TableClient, kinds)
        recorder_type = recorder_class(kinds)
        client = TableClient()
        self.addCleanup(client.close)
        recorder = recorder_type()
        client.addTestListener("r", recorder)  # type: ignore[attr-defined]
        self.assertEqual(client.statistics().listeners["Test"], 1)
        client.testdelegate = recorder  # type: ignore[attr-defined]
        self.assertIs(client.testdelegate, recorder)  # type: ignore[attr-defined]
        client.removeTestListener("r")  # type: ignore[attr-defined]
        self.assertEqual(client.statistics().listeners["Test"], 1)  # the delegate is still there
        self.assertTrue(hasattr(recorder, "onSomethingHappened") and hasattr(recorder, "onSomethingElse"))
        registries = Listeners(kinds)
        registries["Test"].add("r", recorder)
        registries["Test"].call("onSomethingHappened", 42)
        self.assertEqual(recorder.waitFor("onSomethingHappened").arg, 42)
        # the facade is made from the client's members by the same function that made
        # CometChat: built from this client, it has the new kind's members too (the type
        # checkers' stub follows by rerunning .ci/stubgen.py, which test_typing demands)
        namespace, meta = facade_members(TableClient)
        self.assertEqual({"addTestListener", "removeTestListener"} - set(namespace), set())
        self.assertIn("testdelegate", meta)
        self.assertEqual(str(inspect.signature(namespace["addTestListener"].__func__)),
                         str(inspect.signature(cometchat.CometChat.addMessageListener)))
        plain_namespace, plain_meta = facade_members()
        self.assertNotIn("addTestListener", plain_namespace)  # the row is what brought them
        self.assertNotIn("testdelegate", plain_meta)

    def test_every_kind_of_the_table_is_on_the_client_the_facade_and_the_recorder(self) -> None:
        for kind in LISTENER_KINDS:
            for member in (kind.adder, kind.remover, kind.delegate):
                self.assertTrue(hasattr(CometChatClient, member), member)
                self.assertTrue(hasattr(cometchat.CometChat, member), member)
            self.assertTrue(issubclass(EventRecorder, kind.protocol))
            for callback in kind.callbacks():
                self.assertIsNot(getattr(EventRecorder, callback), getattr(kind.protocol, callback), callback)


if __name__ == "__main__":
    unittest.main()
