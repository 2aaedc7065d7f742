"""flow_graph stays pure: it imports the standard library, networkx and two pure value libraries
(phonenumbers, email_validator, with deliverability checks off), never `api` or any I/O, and it
calls nothing that reads the clock, the console or files."""

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "flow_graph"
ALLOWED_THIRD_PARTY = {"networkx", "phonenumbers", "email_validator"}
FORBIDDEN_STDLIB = {
    "asyncio", "time", "random", "uuid", "secrets", "socket", "ssl", "select", "selectors",
    "os", "sys", "subprocess", "threading", "multiprocessing", "concurrent", "signal", "http",
    "urllib.request", "sqlite3", "shutil", "pathlib", "io", "tempfile", "glob", "logging",
    "importlib",
}  # fmt: skip
# Builtins that do I/O or import behind the scan's back, and the clock's usual doors.
FORBIDDEN_CALLS = {"open", "print", "input", "eval", "exec", "__import__", "now", "today", "utcnow"}


def trees() -> dict[str, ast.Module]:
    return {
        str(path.relative_to(PACKAGE)): ast.parse(path.read_text())
        for path in PACKAGE.rglob("*.py")
    }


def imported_modules() -> set[tuple[str, str]]:
    found = set()
    for name, tree in trees().items():
        for tree_node in ast.walk(tree):
            if isinstance(tree_node, ast.Import):
                found |= {(name, alias.name) for alias in tree_node.names}
            elif isinstance(tree_node, ast.ImportFrom) and tree_node.module and not tree_node.level:
                found.add((name, tree_node.module))
    return found


def called_names() -> set[tuple[str, str]]:
    found = set()
    for name, tree in trees().items():
        for tree_node in ast.walk(tree):
            if isinstance(tree_node, ast.Call):
                function = tree_node.func
                if isinstance(function, ast.Name):
                    found.add((name, function.id))
                elif isinstance(function, ast.Attribute):
                    found.add((name, function.attr))
    return found


def test_flow_graph_imports_only_pure_modules():
    offending = []
    for file, module in imported_modules():
        top = module.split(".")[0]
        if top == "flow_graph" or top == "__future__":
            continue
        if top in sys.stdlib_module_names:
            if module in FORBIDDEN_STDLIB or top in FORBIDDEN_STDLIB:
                offending.append((file, module))
        elif top not in ALLOWED_THIRD_PARTY:
            offending.append((file, module))

    assert offending == []


def test_flow_graph_calls_no_io_clock_or_dynamic_import():
    assert {(file, name) for file, name in called_names() if name in FORBIDDEN_CALLS} == set()


def test_the_scans_see_the_code():
    modules = {module for _, module in imported_modules()}
    calls = {name for _, name in called_names()}

    assert {"networkx", "phonenumbers", "email_validator", "flow_graph.document"} <= modules
    assert {"nodes/base.py", "validation.py"} <= set(trees())
    assert {"normalize_value", "to_digraph", "render_text"} <= calls
