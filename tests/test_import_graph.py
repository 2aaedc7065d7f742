"""The modules of `api` import one another one way: no cycle, lazy imports included (an import
inside a function hides a cycle from Python, not from the next reader). Imports for type hints
only (`if TYPE_CHECKING:`) are not imports at run time and do not count."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx

ROOT = Path(__file__).resolve().parents[1]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(package: str = "api") -> networkx.DiGraph:
    """Module → the modules of `package` it imports (`from api.x import y` counts api.x.y when
    y is a module, else api.x)."""
    modules = {module_name(path): path for path in (ROOT / package).rglob("*.py")}
    graph = networkx.DiGraph()
    graph.add_nodes_from(modules)
    for name, path in modules.items():
        for node in _runtime_nodes(ast.parse(path.read_text())):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                targets = [
                    f"{node.module}.{alias.name}"
                    if f"{node.module}.{alias.name}" in modules
                    else node.module
                    for alias in node.names
                ]
            for target in targets:
                if target in modules and target != name and not target.endswith("__init__"):
                    graph.add_edge(name, target)
    return graph


def _runtime_nodes(tree: ast.Module) -> list[ast.AST]:
    hints_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
        for inner in ast.walk(node)
    }
    return [node for node in ast.walk(tree) if id(node) not in hints_only]


def test_api_modules_import_each_other_without_a_cycle():
    graph = import_graph()
    packages = {name for name in graph if (ROOT / name.replace(".", "/")).is_dir()}
    graph.remove_nodes_from(packages)  # a package's __init__ only names its modules
    cycles = sorted(sorted(cycle) for cycle in networkx.simple_cycles(graph))
    assert cycles == []
