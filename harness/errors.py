"""Errors the CLI turns into clean messages and exit codes instead of tracebacks.

Exit codes follow the CLI contract: 2 for usage or bad input (the user can fix the command or the
file), 1 for a failure while doing the work.
"""

from __future__ import annotations


class HarnessError(Exception):
    """A failure with a message meant for the user. ``exit_code`` is what the CLI returns."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None):
        super().__init__(message)
        self.hint = hint

    def __str__(self) -> str:  # pragma: no cover - trivial
        base = super().__str__()
        return f"{base}\n{self.hint}" if self.hint else base


class UsageError(HarnessError):
    """Bad input: an unknown name, a malformed file, a missing option. Exit code 2."""

    exit_code = 2


class UnknownComponentError(UsageError):
    """A component name that no plugin registered; the message lists the valid names."""


class DuplicateComponentError(HarnessError):
    """Two plugins registered the same name (or alias) for one kind of component."""

    exit_code = 2


class DataError(UsageError):
    """A data file that cannot be read as promised: bad checksum, bad JSON line, unknown class."""


class ComponentUnavailableError(HarnessError):
    """A registered component that cannot run here (e.g. vLLM without a GPU)."""
