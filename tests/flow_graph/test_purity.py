"""flow_graph stays pure: it imports the standard library, networkx and two pure value libraries
(phonenumbers, email_validator, with deliverability checks off), never `api` or any I/O."""

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "flow_graph"
ALLOWED_THIRD_PARTY = {"networkx", "phonenumbers", "email_validator"}
FORBIDDEN_STDLIB = {
    "asyncio", "time", "random", "uuid", "socket", "os", "subprocess", "threading",
    "http", "urllib.request", "sqlite3", "shutil", "pathlib", "io", "logging",
}  # fmt: skip


def imported_modules() -> set[tuple[str, str]]:
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for tree_node in ast.walk(ast.parse(path.read_text())):
            if isinstance(tree_node, ast.Import):
                found |= {(path.name, alias.name) for alias in tree_node.names}
            elif isinstance(tree_node, ast.ImportFrom) and tree_node.module and not tree_node.level:
                found.add((path.name, tree_node.module))
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


def test_the_scan_sees_the_imports():
    modules = {module for _, module in imported_modules()}

    assert {"networkx", "flow_graph.document", "json"} <= modules
