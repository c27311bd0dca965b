"""The core is easy to walk: no import circles among harness modules, and nothing below the CLI
imports the CLI.

Read from the source with ``ast`` (nothing is imported), counting every import -- the lazy ones
inside functions too, since a circle through a function-level import is still a circle to a reader.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2] / "harness"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The harness modules ``name`` imports (``from pkg import sub`` counts as the submodule)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [
                f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names
            ]
        else:
            continue
        for target in targets:
            while target and target not in known:  # "harness.x.attr" -> the module harness.x
                target = target.rpartition(".")[0]
            if target and target != name and target.startswith("harness"):
                found.add(target)
    return found


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {name: _imports(name, path, known) for name, path in modules.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _is_package_init(name: str, graph: dict[str, set[str]]) -> bool:
    return (ROOT.parent / name.replace(".", "/") / "__init__.py").is_file()


def test_the_graph_is_read() -> None:
    graph = _graph()
    assert "harness.manager" in graph["harness.registry_dirs"]
    assert "harness.registry_plain" in graph["harness.manager"]  # the lazy, function-level import counts


def test_no_import_cycles() -> None:
    graph = _graph()
    # a package's __init__ re-exporting its submodules is not a circle between concepts
    for name in graph:
        if _is_package_init(name, graph):
            graph[name] = {t for t in graph[name] if not t.startswith(name + ".")}
    cycles = _cycles(graph)
    assert cycles == [], "import circles: " + "; ".join(" <-> ".join(c) for c in cycles)


def test_nothing_below_the_cli_imports_the_cli() -> None:
    offenders = sorted(
        f"{name} imports {target}"
        for name, targets in _graph().items()
        if not (name == "harness.cli" or name.startswith("harness.cli.") or name == "harness.__main__")
        for target in targets
        if target == "harness.cli" or target.startswith("harness.cli.")
    )
    assert offenders == []
