"""What every command shares about the current invocation: its ``--plugin`` options, the plugin
manager and registry they load, and the consoles output goes to.

Command modules import these from here, never from :mod:`harness.cli.app` (which imports the
command modules): the CLI's own imports stay one-way, ``app -> commands -> context``.
"""

from __future__ import annotations

from typing import Any

from harness.manager import get_manager
from harness.terminal import make_console

extra_plugins: list[str] = []  # this invocation's --plugin values, set by the root callback


def manager() -> Any:
    """The process-wide plugin manager with this invocation's ``--plugin`` options loaded."""
    return get_manager(tuple(extra_plugins))


def registry() -> Any:
    return manager().registry


def console(stderr: bool = False) -> Any:
    """The console a command prints through: emoji codes off, control characters shown escaped."""
    return make_console(stderr=stderr, soft_wrap=False)
