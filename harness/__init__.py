"""harness: a plugin-based evaluation and fine-tuning harness for instruction-following LLMs.

The core (this package) knows nothing about any particular model, judge or dataset: every
component is contributed by a plugin through the hooks in :mod:`harness.hookspecs`. Importing the
core is cheap on purpose -- heavy libraries (torch, transformers, deepspeed, litellm) are imported
only inside the component that uses them, and even pluggy is imported only when plugins load.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "hookimpl"]


def __getattr__(name: str) -> Any:
    # `from harness import hookimpl` for plugin authors, without importing pluggy for `harness --help`.
    if name == "hookimpl":
        from harness.hookspecs import hookimpl

        return hookimpl
    raise AttributeError(f"module 'harness' has no attribute {name!r}")
