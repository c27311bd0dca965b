"""Package discovery only (everything else is in pyproject.toml).

``plugins/`` and ``registry/`` are mapped to the import names ``harness_plugins`` and
``harness_registry`` (see ``[tool.setuptools] package-dir``), which automatic discovery cannot
express together with the ``harness.*`` subpackages.
"""

from setuptools import find_packages, setup

setup(packages=[*find_packages(include=["harness", "harness.*"]), "harness_plugins", "harness_registry"])
