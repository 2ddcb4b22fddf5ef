"""The web package's modules import one another in one direction only, function-level imports included."""

from __future__ import annotations

import ast
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "core" / "web"
PACKAGE = "tremplin.core.web"


def imports() -> dict[str, set[str]]:
    """Module -> the modules of ``tremplin.core.web`` it imports, anywhere in its code."""
    modules = {f"{PACKAGE}.{path.stem}": path for path in WEB.glob("*.py") if path.stem != "__init__"}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module in modules:
                    found.add(node.module)
                elif node.module == PACKAGE:
                    found.update(f"{PACKAGE}.{a.name}" for a in node.names if f"{PACKAGE}.{a.name}" in modules)
        graph[name] = found - {name}
    return graph


def cycle_from(graph: dict[str, set[str]], start: str) -> list[str] | None:
    stack = [(start, [start])]
    while stack:
        node, path = stack.pop()
        for target in sorted(graph[node]):
            if target == start:
                return path + [start]
            if target not in path:
                stack.append((target, path + [target]))
    return None


def test_no_import_cycles_in_the_web_package() -> None:
    graph = imports()
    assert {"deps", "security", "templating"} <= {name.rsplit(".", 1)[-1] for name in graph}
    cycles = [c for c in (cycle_from(graph, name) for name in graph) if c]
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(m.rsplit(".", 1)[-1] for m in c) for c in cycles)


def test_the_cycle_finder_finds_one() -> None:
    assert cycle_from({"a": {"b"}, "b": {"c"}, "c": {"a"}}, "a") == ["a", "b", "c", "a"]
    assert cycle_from({"a": {"b"}, "b": set()}, "a") is None
