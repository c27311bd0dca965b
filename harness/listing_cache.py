"""A cache of the component listing, so that `harness list` costs little more than Python start-up.

Listing needs every plugin imported and every registry YAML file parsed and validated; that is most
of `harness list`'s time, and it gives the same answer until something changes. The cache stores the
listing together with a *snapshot* (size and mtime) of everything that could change it, and checks
that snapshot with ``os.stat`` alone -- no plugin, no ``importlib.metadata`` is imported:

* every directory on ``sys.path``: its mtime, and when that changed, what in it could change the
  plugins -- distribution metadata (``*.dist-info``, ``*.egg-info``, ``*.pth``...) and modules named
  like a plugin's package -- so installing or removing a distribution invalidates the cache, while
  files coming and going in the working directory (on ``sys.path`` under ``python -m``) do not,
* every ``.py`` file and directory of each plugin's package and of the core package,
* every file and directory under each registry directory,
* the harness version, the Python executable, ``sys.path`` itself, and
  ``HARNESS_DISABLE_PLUGINS`` / ``HARNESS_REGISTRY_PATH``.

Each environment (Python, ``sys.path``, those variables) has its own cache file, so two venvs or
directories sharing a ``HARNESS_HOME`` do not evict each other's listing; the least recently
written beyond :data:`KEPT_FILES` are removed.

A run with ``HARNESS_PLUGINS`` or ``--plugin`` bypasses the cache, and a listing in which a plugin
is broken is never stored, so its warning is printed every time. Anything other than listing
(running, judging, training) always builds the real registry.
"""

from __future__ import annotations

import json
import os
import sys
import zlib
from typing import Any

import harness
from harness import __version__
from harness.io import write_text_atomic
from harness.paths import harness_home

CACHE_VERSION = 4  # 4: rendered listings show control characters escaped
KEPT_FILES = 16  # environments whose listings are kept
# entries of a sys.path directory that can add, remove or change a plugin
DISTRIBUTION_SUFFIXES = (".dist-info", ".egg-info", ".egg-link", ".pth")


def cache_dir() -> str:
    return os.path.join(harness_home(), "cache")


def cache_file() -> str:
    """This environment's cache file (its name a checksum of the environment, which it also holds)."""
    digest = zlib.crc32(json.dumps(_environment()).encode("utf-8"))
    return os.path.join(cache_dir(), f"listing-{digest:08x}.json")


def _environment() -> list[Any]:
    return [
        CACHE_VERSION,
        __version__,
        sys.executable,
        sys.path,
        os.environ.get("HARNESS_DISABLE_PLUGINS", ""),
        os.environ.get("HARNESS_REGISTRY_PATH", ""),
    ]


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


def _path_dirs() -> list[str]:
    return [p for p in sys.path if p and os.path.isdir(p)]


def _path_entries(directory: str, packages: list[str]) -> list[list[Any]]:
    """What in a ``sys.path`` directory could change the plugins: distribution metadata, editable
    finders and modules named like one of ``packages``, each with its mtime."""
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return []
    return [
        _stat(os.path.join(directory, name))
        for name in names
        if name.endswith(DISTRIBUTION_SUFFIXES)
        or name.startswith("__editable__")
        or name.partition(".")[0] in packages
    ]


def _packages(plugin_modules: list[str]) -> list[str]:
    return sorted(
        {"harness", "harness_plugins", "harness_registry", *(m.partition(".")[0] for m in plugin_modules)}
    )


def _watched_paths(plugin_modules: list[str], registry_dirs: list[str]) -> list[str]:
    import importlib.util

    paths = _walk(os.path.dirname(harness.__file__), ".py")
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
    if not _path_dirs_unchanged(data.get("path_dirs") or [], data.get("packages") or []):
        return None
    return data


def _path_dirs_unchanged(recorded: list[list[Any]], packages: list[str]) -> bool:
    """Each ``sys.path`` directory has its mtime, or else the same entries that matter, as recorded."""
    for stat, entries in recorded:
        if _stat(stat[0]) != stat and _path_entries(stat[0], packages) != entries:
            return False
    return True


def _write(data: dict[str, Any]) -> None:
    path = cache_file()
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_text_atomic(path, json.dumps(data, ensure_ascii=False))
        _remove_old_files()
    except OSError:
        pass  # a read-only home just means no cache


def _is_listing_file(name: str) -> bool:
    """A name :func:`cache_file` gives (``listing-<8 hex digits>.json``): the only files removed."""
    digest = name.removeprefix("listing-").removesuffix(".json")
    return len(name) == len("listing-.json") + 8 and all(c in "0123456789abcdef" for c in digest)


def _remove_old_files() -> None:
    """Keep the :data:`KEPT_FILES` most recently written listings (of other environments too)."""
    directory = cache_dir()
    names = [n for n in os.listdir(directory) if _is_listing_file(n)]
    if len(names) <= KEPT_FILES:
        return
    paths = sorted((os.path.join(directory, n) for n in names), key=lambda p: _stat(p)[2], reverse=True)
    for path in paths[KEPT_FILES:]:
        try:
            os.remove(path)
        except OSError:
            pass  # another process removed it first


def load_listing() -> list[dict[str, Any]] | None:
    """The cached listing rows if nothing they depend on changed, else ``None``."""
    data = _load_valid()
    return None if data is None else data.get("rows")


def store_listing(rows: list[dict[str, Any]], plugin_modules: list[str], registry_dirs: list[str]) -> None:
    if os.environ.get("HARNESS_PLUGINS"):
        return
    packages = _packages(plugin_modules)
    _write(
        {
            "environment": _environment(),
            "snapshot": [_stat(p) for p in _watched_paths(plugin_modules, registry_dirs)],
            "path_dirs": [[_stat(d), _path_entries(d, packages)] for d in _path_dirs()],
            "packages": packages,
            "rows": rows,
            "rendered": {},
        }
    )


# A rendered table is a function of the rows and of what the terminal looks like; caching it under
# those inputs saves importing and running rich's table layout (most of what is left of
# `harness list` once the rows are cached).
TERMINAL_VARIABLES = (
    "TERM",
    "COLORTERM",
    "NO_COLOR",
    "FORCE_COLOR",
    "TTY_COMPATIBLE",
    "TTY_INTERACTIVE",
    "COLUMNS",
    "LINES",
    "JUPYTER_COLUMNS",
)


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
