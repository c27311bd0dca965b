"""The names a scaffolded package is made of, all from the one NAME the author gives.

NAME is the judge's (or dataset's) registered name, the plugin's entry-point name, the distribution
name and the folder; its module is NAME with ``-`` as ``_``. Only plain lower-case names pass: a
name is written into files and paths, so ``../x``, ``a b`` or a control character must never reach
them, and a module that would shadow one already importable (``json``, ``harness``) is refused.
"""

from __future__ import annotations

import importlib.util
import keyword
import re
from dataclasses import dataclass

from harness.errors import UsageError

NAME_RE = re.compile(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)*")
MAX_NAME = 40


@dataclass(frozen=True)
class PackageNames:
    """``name`` (``my-judge``), ``module`` (``my_judge``), ``title`` (``MyJudge``): one package's names."""

    name: str

    @property
    def module(self) -> str:
        return self.name.replace("-", "_")

    @property
    def title(self) -> str:
        return "".join(part.capitalize() for part in re.split(r"[-_]", self.name))

    def class_name(self, suffix: str) -> str:
        """``MyJudge`` + ``Judge`` without saying it twice (``my-judge`` -> ``MyJudge``)."""
        return self.title if self.title.endswith(suffix) else self.title + suffix


def check_name(name: str) -> PackageNames:
    """``name``'s package names, or a :class:`UsageError` (exit 2) saying what a name may be."""
    shown = ascii(name)
    if len(name) > MAX_NAME or not NAME_RE.fullmatch(name):
        raise UsageError(
            f"{shown} is not a plugin name: lower-case letters and digits, words joined by "
            f"- or _, starting with a letter, at most {MAX_NAME} characters",
            hint="e.g. harness new judge my-judge",
        )
    names = PackageNames(name)
    if keyword.iskeyword(names.module):
        raise UsageError(f"{shown} is a Python keyword; choose another name")
    if _importable(names.module):
        raise UsageError(
            f"{shown}: a module named {names.module!r} is already importable here; "
            "the plugin's module would shadow it (or it is installed already)",
            hint="choose another name",
        )
    return names


def _importable(module: str) -> bool:
    """A real module of that name can be imported (a bare folder, a namespace package, does not count)."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return False
    return spec is not None and spec.origin not in (None, "namespace")
