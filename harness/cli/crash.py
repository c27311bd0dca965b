"""A crash inside a plugin's own code, said in one line: whose bug it is, where, and how to go on.

Why: a third-party judge or dataset that raises would otherwise end the command in a traceback
through typer, the pipeline and the harness, which reads as the harness's failure and buries the
one line that matters (the plugin's file and line). The harness's own bugs keep their traceback:
they are reported with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType

from harness.manager import loaded_manager


@dataclass(frozen=True)
class PluginCrash:
    message: str
    hint: str


def _frames(tb: TracebackType | None) -> list[TracebackType]:
    out = []
    while tb is not None:
        out.append(tb)
        tb = tb.tb_next
    return out


def plugin_crash(exc: BaseException) -> PluginCrash | None:
    """What to say when ``exc`` was raised in (or through) a loaded plugin's code; ``None`` when no
    plugin's code is on the traceback, or no plugin manager was ever built."""
    manager = loaded_manager()
    if manager is None:
        return None
    for tb in reversed(_frames(exc.__traceback__)):  # the innermost plugin frame is the one to fix
        module = tb.tb_frame.f_globals.get("__name__")
        plugin = manager.plugin_of_module(module) if isinstance(module, str) else None
        if plugin is None:
            continue
        code = tb.tb_frame.f_code
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        what = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
        info = next((i for i in manager.plugins() if i.name == plugin), None)
        version = (
            f" ({info.distribution} {info.version})" if info is not None and info.dist is not None else ""
        )
        return PluginCrash(
            message=f"plugin {plugin!r} crashed: {what[:300]} (at {code.co_filename}:{tb.tb_lineno}, "
            f"in {code.co_name})",
            hint=f"This is a bug in the plugin{version}, not in your input; what was already written is kept.\n"
            f"`harness -v ...` shows the traceback; HARNESS_DISABLE_PLUGINS={plugin} turns the plugin off.",
        )
    return None
