"""harness: a plugin-based evaluation and fine-tuning harness for instruction-following LLMs.

The core (this package) knows nothing about any particular model, judge or dataset: every
component is contributed by a plugin through the hooks in :mod:`harness.hookspecs`. Importing the
core is cheap on purpose -- heavy libraries (torch, transformers, deepspeed, litellm) are imported
only inside the component that uses them.
"""

__version__ = "0.1.0"

from harness.hookspecs import hookimpl  # noqa: E402  (re-exported for plugin authors)

__all__ = ["__version__", "hookimpl"]
