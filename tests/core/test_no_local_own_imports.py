"""The project's own modules are imported at the top of the file, so the import graph is readable
from the head of each module (CONTRIBUTING.md "Layers").

A function-local import of an own module (``harness...``, ``harness_plugins...`` or relative) is
allowed only where it keeps the importing module light: the imported module pulls, at import
time, a heavy library (or a model module) that the importing module does not already pull. That is
how `harness --help` and `harness list` stay free of pydantic, torch and the like
(tests/core/test_startup_imports.py). Anything else needs an entry in ``ALLOWLIST`` with a reason.
The CLI's ``import_module`` of the command that runs (harness/cli/app.py) is no import statement:
it stays the sanctioned lazy boundary.

Walked: harness/ (harness/scaffold's templates are strings: the code they generate is a user's
package, whose own modules are not ours, and it imports harness at its top), plugins/ and
examples/ (plugins that authors copy). Read from the source with ``ast``: nothing is imported.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# folder -> the package it is imported as
PACKAGES = {"harness": "harness", "plugins": "harness_plugins", "examples": "examples"}
OWN = ("harness", "harness_plugins")
# libraries slow enough to import that they stay inside the function that needs them (numpy and
# asyncio too: tens of milliseconds each, paid by the root help, which imports every command module)
HEAVY = frozenset(
    "torch transformers deepspeed accelerate peft vllm litellm aiohttp httpx pydantic pydantic_core "
    "huggingface_hub datasets tokenizers sentencepiece safetensors sklearn scipy numpy jinja2 rich "
    "asyncio ssl typer click pluggy".split()
)
MODEL_MODULES = "harness.models"  # weights-loading code: never imported by `harness --help`
# (importing module, imported module) -> why the import stays inside a function
ALLOWLIST: dict[tuple[str, str], str] = {
    ("harness", "harness.hookspecs"): "`from harness import hookimpl` without pluggy for `harness --help`",
    ("harness", "harness.judging"): "the judge kit is re-exported lazily (harness/__init__.py)",
}


def _module_name(path: Path, root: Path, package: str) -> str:
    parts = [package, *path.relative_to(root).with_suffix("").parts]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(repo: Path, packages: dict[str, str]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for folder, package in packages.items():
        root = repo / folder
        for path in sorted(root.rglob("*.py")):
            if "build" not in path.relative_to(root).parts:
                found[_module_name(path, root, package)] = path
    return found


def _targets(node: ast.Import | ast.ImportFrom, name: str, path: Path, known: set[str]) -> list[str]:
    """The modules an import statement names (``from pkg import sub`` names the submodule)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        anchor = package[: len(package) - node.level + 1]
        base = ".".join([*anchor, base] if base else anchor)
    return [f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names]


def _is_own(node: ast.Import | ast.ImportFrom, targets: list[str], own: tuple[str, ...]) -> bool:
    if isinstance(node, ast.ImportFrom) and node.level:
        return True
    return any(t.split(".")[0] in own for t in targets)


def _known(target: str, known: set[str]) -> str | None:
    while target and target not in known:  # "harness.x.attr" -> the module harness.x
        target = target.rpartition(".")[0]
    return target or None


def _with_parents(module: str, known: set[str]) -> list[str]:
    """Importing ``a.b.c`` runs ``a/__init__``, ``a/b/__init__`` and ``a/b/c``."""
    parts = module.split(".")
    return [m for m in (".".join(parts[:i]) for i in range(1, len(parts) + 1)) if m in known]


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _walk(tree: ast.AST):
    """Every import statement with whether it runs inside a function (TYPE_CHECKING blocks skipped)."""
    stack: list[tuple[ast.AST, bool]] = [(tree, False)]
    while stack:
        node, local = stack.pop()
        for child in ast.iter_child_nodes(node):
            if _is_type_checking(child):
                continue
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child, local
            inside = local or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            stack.append((child, inside))


def scan(repo: Path, packages: dict[str, str], own: tuple[str, ...] = OWN):
    """``(top, heavy, local)``: the own modules each module imports when it is imported, the heavy
    libraries it imports itself, and its function-local own imports as ``(line, target)``."""
    found = modules(repo, packages)
    known = set(found)
    top: dict[str, set[str]] = {}
    heavy: dict[str, set[str]] = {}
    local: dict[str, list[tuple[int, str]]] = {}
    for name, path in found.items():
        top[name], heavy[name], local[name] = set(), set(), []
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node, is_local in _walk(tree):
            targets = _targets(node, name, path, known)
            is_own = _is_own(node, targets, own)
            for target in targets:
                module = _known(target, known)
                if is_own and is_local and module:
                    local[name].append((node.lineno, module))
                elif is_own and module:
                    top[name].update(_with_parents(module, known))
                elif not is_own and not is_local and target.split(".")[0] in HEAVY:
                    heavy[name].add(target.split(".")[0])
        if name.startswith(MODEL_MODULES):
            heavy[name].add(MODEL_MODULES)
    return top, heavy, local


def pulled(top: dict[str, set[str]], heavy: dict[str, set[str]], module: str) -> set[str]:
    """The heavy libraries (and model modules) that importing ``module`` imports, transitively."""
    seen: set[str] = set()
    todo = [m for m in top if module == m or module.startswith(m + ".")]  # with its packages
    out: set[str] = set()
    while todo:
        m = todo.pop()
        if m not in seen:
            seen.add(m)
            out |= heavy[m]
            todo.extend(top[m] - seen)
    return out


def offenders(
    repo: Path, packages: dict[str, str], allow: dict[tuple[str, str], str], own: tuple[str, ...] = OWN
) -> list[str]:
    top, heavy, local = scan(repo, packages, own)
    found = modules(repo, packages)
    out = []
    for name, imports in sorted(local.items()):
        light_of = pulled(top, heavy, name)
        for line, target in imports:
            if (name, target) in allow or target == name:
                continue
            if not pulled(top, heavy, target) - light_of:  # nothing heavy that this module does not pull
                out.append(f"{found[name].relative_to(repo)}:{line}: import {target} inside a function")
    return sorted(out)


def test_own_modules_are_imported_at_the_top() -> None:
    bad = offenders(REPO, PACKAGES, ALLOWLIST)
    assert bad == [], "move these imports to the top of the module:\n" + "\n".join(bad)


def test_every_allowlisted_import_is_still_there() -> None:
    _, _, local = scan(REPO, PACKAGES)
    present = {(name, target) for name, imports in local.items() for _, target in imports}
    assert set(ALLOWLIST) <= present, sorted(set(ALLOWLIST) - present)


def test_the_startup_libraries_count_as_heavy() -> None:
    top, heavy, _ = scan(REPO, PACKAGES)
    assert "pydantic" in pulled(top, heavy, "harness.registry_yaml")
    assert MODEL_MODULES in pulled(top, heavy, "harness.models.hub")
    assert "pluggy" in pulled(top, heavy, "harness.hookspecs")
    assert "pydantic" in pulled(top, heavy, "harness.judging.settings")  # through harness/judging/__init__


LIGHT = "VALUE = 1\n"
HEAVY_MODULE = "import torch\n"


@pytest.mark.parametrize(
    ("body", "fails"),
    [
        ("def f():\n    from pkg.light import VALUE\n    return VALUE\n", True),
        ("def f():\n    import pkg.light\n", True),
        ("class C:\n    def m(self):\n        from . import light\n", True),
        ("async def f():\n    from .light import VALUE\n", True),
        ("from pkg.light import VALUE\n\n\ndef f():\n    return VALUE\n", False),
        ("def f():\n    from pkg.weights import torch\n", False),  # keeps this module free of torch
        ("import torch\n\n\ndef f():\n    from pkg.weights import torch\n", True),  # already pulled
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.light import VALUE\n", False),
    ],
)
def test_a_planted_local_import_is_caught(tmp_path: Path, body: str, fails: bool) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "light.py").write_text(LIGHT)
    (pkg / "weights.py").write_text(HEAVY_MODULE)
    (pkg / "user.py").write_text(body)
    found = offenders(tmp_path, {"pkg": "pkg"}, {}, own=("pkg",))
    assert bool(found) == fails, found
    assert all(line.startswith("pkg/user.py:") for line in found)
