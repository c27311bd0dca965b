"""Meta-tests (datasette style): every hook is documented, prefixed, and exercised by a test."""

from __future__ import annotations

import inspect
from pathlib import Path

from harness import hookspecs

ROOT = Path(__file__).resolve().parents[2]
HOOKS = sorted(
    name for name, fn in vars(hookspecs).items() if inspect.isfunction(fn) and hasattr(fn, "harness_spec")
)


def test_hooks_exist_and_carry_the_project_prefix():
    assert len(HOOKS) == 8
    assert all(name.startswith("harness_") for name in HOOKS)


def test_every_hook_has_a_docstring():
    for name in HOOKS:
        assert (getattr(hookspecs, name).__doc__ or "").strip(), name


def test_every_hook_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in HOOKS if f"`{name}(" not in readme]
    assert not missing, f"README's 'Writing a plugin' lacks: {missing}"


def test_every_hook_is_implemented_somewhere_in_the_tests():
    tests = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("*.py"))
    examples = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "examples").rglob("*.py"))
    missing = [name for name in HOOKS if f"def {name}(" not in tests + examples and f"{name}=" not in tests]
    assert not missing, f"hooks no test implements: {missing}"
