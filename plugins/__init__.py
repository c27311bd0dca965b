"""harness's built-in plugins, installed as the import package ``harness_plugins``.

They are ordinary plugins: each module is listed in the ``harness`` entry-point group of the
project's ``pyproject.toml`` and registers its components through the hooks in
:mod:`harness.hookspecs`, exactly as a third-party package would. Registration code imports nothing
heavy; factories are import strings resolved when a component is used.
"""
