"""A cache of the component listing, so that `harness list` costs little more than Python start-up.

Listing needs every plugin imported and every registry YAML file parsed and validated; that is most
of `harness list`'s time, and it gives the same answer until something changes. The cache stores the
listing together with a *snapshot* (size and mtime) of everything that could change it, and checks
that snapshot with ``os.stat`` alone -- no plugin, no ``importlib.metadata`` is imported:

* every directory on ``sys.path`` (installing or removing a distribution changes its mtime, so a new
  or removed entry point invalidates the cache),
* every ``.py`` file and directory of each plugin's package and of the core package,
* every file and directory under each registry directory,
* the harness version, the Python executable, ``sys.path`` itself, and
  ``HARNESS_DISABLE_PLUGINS`` / ``HARNESS_REGISTRY_PATH``.

A run with ``HARNESS_PLUGINS`` or ``--plugin`` bypasses the cache, and a listing in which a plugin
is broken is never stored, so its warning is printed every time. Anything other than listing
(running, judging, training) always builds the real registry.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any

CACHE_VERSION = 3  # 3: rendered listings show control characters escaped


def cache_file() -> str:
    from harness.paths import harness_home

    return os.path.join(harness_home(), "cache", "listing.json")


def _environment() -> list[Any]:
    from harness import __version__

    return [CACHE_VERSION, __version__, sys.executable, sys.path, os.environ.get("HARNESS_DISABLE_PLUGINS", ""),
            os.environ.get("HARNESS_REGISTRY_PATH", "")]


def _stat(path: str) -> list[Any]:
    try:
        st = os.stat(path)
    except OSError:
        return [path, -1, -1]
    return [path, st.st_size, st.st_mtime_ns]


def _walk(root: str, suffix: str = "") -> list[str]:
    """``root`` itself, its subdirectories and files (ending in ``suffix``), recursively."""
    paths = [root]
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        paths.extend(os.path.join(dirpath, d) for d in dirnames)
        paths.extend(os.path.join(dirpath, f) for f in filenames if f.endswith(suffix))
    return paths


def _watched_paths(plugin_modules: list[str], registry_dirs: list[str]) -> list[str]:
    import importlib.util

    import harness

    paths = [p for p in sys.path if p and os.path.isdir(p)]
    paths += _walk(os.path.dirname(harness.__file__), ".py")
    for module in plugin_modules:
        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.origin:
            continue
        if os.path.basename(spec.origin) == "__init__.py":
            paths += _walk(os.path.dirname(spec.origin), ".py")
        else:
            paths += [os.path.dirname(spec.origin), spec.origin]
    for directory in registry_dirs:
        paths += _walk(directory)
    return sorted(set(paths))


def _load_valid() -> dict[str, Any] | None:
    if os.environ.get("HARNESS_PLUGINS"):
        return None
    try:
        with open(cache_file(), encoding="utf-8") as fh:
            data = json.load(fh)
    except (OSError, ValueError):
        return None
    if data.get("environment") != _environment():
        return None
    snapshot = data.get("snapshot") or []
    if any(_stat(entry[0]) != entry for entry in snapshot):
        return None
    return data


def _write(data: dict[str, Any]) -> None:
    path = cache_file()
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False)
        os.replace(tmp, path)
    except OSError:
        pass  # a read-only home just means no cache


def load_listing() -> list[dict[str, Any]] | None:
    """The cached listing rows if nothing they depend on changed, else ``None``."""
    data = _load_valid()
    return None if data is None else data.get("rows")


def store_listing(rows: list[dict[str, Any]], plugin_modules: list[str], registry_dirs: list[str]) -> None:
    if os.environ.get("HARNESS_PLUGINS"):
        return
    _write({
        "environment": _environment(),
        "snapshot": [_stat(p) for p in _watched_paths(plugin_modules, registry_dirs)],
        "rows": rows,
        "rendered": {},
    })


# A rendered table is a function of the rows and of what the terminal looks like; caching it under
# those inputs saves importing and running rich's table layout (most of what is left of
# `harness list` once the rows are cached).
TERMINAL_VARIABLES = ("TERM", "COLORTERM", "NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE",
                      "COLUMNS", "LINES", "JUPYTER_COLUMNS")


def render_key(kind: str | None) -> str:
    import shutil

    is_tty = sys.stdout.isatty()
    columns = shutil.get_terminal_size().columns if is_tty else None
    env = [os.environ.get(name, "") for name in TERMINAL_VARIABLES]
    return json.dumps([kind or "", is_tty, columns, env])


def load_rendered(key: str) -> str | None:
    data = _load_valid()
    return None if data is None else (data.get("rendered") or {}).get(key)


def store_rendered(key: str, text: str) -> None:
    data = _load_valid()
    if data is None:
        return  # rows are not cached (a broken plugin, --plugin): neither is their rendering
    data.setdefault("rendered", {})[key] = text
    _write(data)
