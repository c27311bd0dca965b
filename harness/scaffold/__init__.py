"""``harness new judge NAME`` / ``harness new dataset NAME``: a plugin package, ready to install and test.

What a plugin author gets is what ``examples/harness-judge-length`` is, for their own name: a
``pyproject.toml`` with the ``harness`` entry point, the plugin module, a category YAML, a README
and tests that pass against the ``judge_server`` fixture of :mod:`harness.testing.pytest_plugin`.
:func:`write_package` writes it into a folder that is new or empty and never overwrites a file.
"""

from harness.scaffold.names import PackageNames, check_name
from harness.scaffold.writer import KINDS, write_package

__all__ = ["KINDS", "PackageNames", "check_name", "write_package"]
