"""The plugin manager: finds plugins, isolates broken ones, and collects their components.

Plugins come from, in this order (the order never decides which component wins -- a clash is an
error): the entry-point group ``harness`` (built-in plugins are listed there too, exactly as
third-party ones), ``HARNESS_PLUGINS`` (comma list of ``module``, ``module:attr`` or ``.py`` paths)
and the CLI's ``--plugin`` (the same forms). ``HARNESS_DISABLE_PLUGINS`` (comma list of plugin
names) switches plugins off.

A plugin that fails to import, or raises inside a hook, is recorded as *broken* with its error and
reported in one line on stderr; the others keep working. Components are collected into a
:class:`~harness.registry.ComponentRegistry`; a name registered twice is listed as a clash and
refused only where it is used.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from harness.errors import UsageError
from harness.judge_files import judge_specs
from harness.registry import ComponentRegistry, Registration
from harness.registry_files import RegistryFileError
from harness.registry_plain import load_category_specs
from harness.specs import SPEC_TYPES, ComponentSpec
from harness.terminal import inert

ENTRY_POINT_GROUP = "harness"
REGISTER_HOOKS: dict[str, str] = {
    "harness_register_datasets": "dataset",
    "harness_register_models": "model",
    "harness_register_trainers": "trainer",
    "harness_register_generators": "generator",
    "harness_register_judges": "judge",
    "harness_register_categories": "category",
    "harness_register_embedders": "embedder",
}


@dataclass
class PluginInfo:
    """What ``harness plugins`` shows about one plugin."""

    name: str
    source: str  # "entry-point", "HARNESS_PLUGINS", "--plugin", "registered"
    status: str = "ok"  # "ok", "broken", "disabled"
    error: str | None = None
    hooks: list[str] = field(default_factory=list)
    dist: Any = field(default=None, repr=False, compare=False)
    target: str | None = None  # the module an entry point names
    clashes: list[str] = field(default_factory=list)  # "judge 'x' (also: other-plugin)"

    # Distribution name and version are read lazily: parsing METADATA costs start-up time that
    # `harness list` does not need.
    @property
    def distribution(self) -> str | None:
        return self.dist.metadata["Name"] if self.dist is not None else None

    @property
    def version(self) -> str | None:
        return self.dist.version if self.dist is not None else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source,
            "distribution": self.distribution,
            "version": self.version,
            "status": self.status,
            "error": self.error,
            "hooks": sorted(self.hooks),
            "clashes": list(self.clashes),
        }


def _split_env(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def _as_paths(value: Any) -> list[Path]:
    """What a ``harness_registry_paths`` hook returned, checked: a list of paths (or ``None``)."""
    if value is None:
        return []
    if isinstance(value, (str, os.PathLike)) or not isinstance(value, (list, tuple)):
        raise TypeError(
            f"harness_registry_paths must return a list of directories, got {type(value).__name__}"
        )
    bad = [p for p in value if not isinstance(p, (str, os.PathLike))]
    if bad:
        raise TypeError(f"harness_registry_paths must return a list of directories, got an item {bad[0]!r}")
    return [Path(p) for p in value]


def _is_path(target: str) -> bool:
    return target.endswith(".py") or os.sep in target or "/" in target


def split_plugin_spec(spec: str) -> tuple[str, str]:
    """``"pkg.mod:attr"`` -> ``("pkg.mod", "attr")``; a bare module or path has no attribute.
    Only a trailing ``:identifier`` is an attribute, so ``C:\\plugins\\p.py`` stays a path."""
    target, sep, attr = spec.rpartition(":")
    if sep and target and all(part.isidentifier() for part in attr.split(".")):
        return target, attr
    return spec, ""


def plugin_name(spec: str) -> str:
    """The name a plugin loaded from ``spec`` gets: the module (file stem) plus ``:attr`` if any."""
    target, attr = split_plugin_spec(spec)
    base = Path(target).stem if _is_path(target) else target
    return f"{base}:{attr}" if attr else base


def _warn(message: str) -> None:
    print(f"warning: {inert(message)}", file=sys.stderr)


# The harness's own packages: a crash there is the harness's bug, whoever's plugin was running.
OWN_PACKAGES = frozenset({"harness", "harness_plugins"})


def _alias_file_module(module: object, stem: str) -> None:
    """Make a plugin file importable by its own name (``my_plugin.py`` as ``my_plugin``), so its
    specs can name factories in it (``factory="my_plugin:MyJudge"``) as an installed plugin would.
    Only when that name is free: an existing module of that name is never shadowed."""
    if not stem.isidentifier() or stem in sys.modules:
        return
    try:
        taken = importlib.util.find_spec(stem) is not None
    except (ImportError, ValueError):
        taken = True
    if not taken:
        sys.modules[stem] = module  # type: ignore[assignment]


def _load_file(target: str) -> ModuleType:
    """A plugin file, imported under a private name (and, when free, its own: see below)."""
    path = Path(target).expanduser().resolve()
    if not path.is_file():
        raise FileNotFoundError(f"no plugin file at {path}")
    module_name = f"harness_local_plugin_{Path(target).stem}"
    module_spec = importlib.util.spec_from_file_location(module_name, path)
    if module_spec is None or module_spec.loader is None:
        raise ImportError(f"{path} is not a Python file (a plugin file ends in .py)")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_name] = module
    module_spec.loader.exec_module(module)
    _alias_file_module(module, Path(target).stem)
    return module


def _load_module(target: str, is_path: bool, spec: str) -> ModuleType:
    if spec.endswith(":"):  # else `p1.py:` is imported as the module `p1.py:` ("No module named 'p1'")
        raise ValueError(f"{spec!r} names no attribute after ':' (write {spec[:-1]!r}, or {spec}NAME)")
    return _load_file(target) if is_path else importlib.import_module(target)


def _plugin_object(module: ModuleType, attr: str, spec: str) -> object:
    """The object ``spec`` names in ``module``: the module itself, or its attribute (a class is
    instantiated: hook methods bind to an instance). An attribute without a single ``harness_*``
    hook (a number, a string, a typo for another name) is refused rather than listed as ok."""
    plugin: object = module
    for part in filter(None, attr.split(".")):
        if not hasattr(plugin, part):
            raise AttributeError(f"{spec!r}: there is no attribute {part!r}")
        plugin = getattr(plugin, part)
    if isinstance(plugin, type):
        plugin = plugin()
    if attr and not any(name.startswith("harness_") for name in dir(plugin)):
        raise TypeError(
            f"{spec!r} is {type(plugin).__name__} {_short_repr(plugin)}, not a plugin: "
            "it has no harness_* hook functions"
        )
    return plugin


def _short_repr(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class PluginManager:
    """Loads plugins and builds the component registry.

    ``load_entry_points=False`` gives an empty manager (for tests): register plugin objects with
    :meth:`register` and unregister them after.
    """

    def __init__(
        self,
        *,
        load_entry_points: bool = True,
        extra_plugins: list[str] | tuple[str, ...] = (),
        disabled: list[str] | tuple[str, ...] | None = None,
        registry_paths: list[str | Path] | None = None,
        warn: bool = True,
    ) -> None:
        import pluggy  # only when plugins load: importing this module stays light

        from harness import hookspecs

        self._pm = pluggy.PluginManager(hookspecs.PROJECT)
        self._pm.add_hookspecs(hookspecs)
        self._infos: dict[str, PluginInfo] = {}
        self._warn_enabled = warn
        self.disabled = set(
            disabled if disabled is not None else _split_env(os.environ.get("HARNESS_DISABLE_PLUGINS"))
        )
        env_paths = _split_env(os.environ.get("HARNESS_REGISTRY_PATH", "").replace(os.pathsep, ","))
        self.registry_paths = [Path(p) for p in (registry_paths if registry_paths is not None else env_paths)]
        if registry_paths is None and warn:
            for path in self.registry_paths:
                if not path.is_dir():  # a typo would otherwise just hide the user's categories
                    what = "is a file, not a folder" if path.exists() else "does not exist"
                    _warn(
                        f"HARNESS_REGISTRY_PATH: {path} {what} (ignored; it should name a registry folder "
                        "with categories/, sources/ ...)"
                    )
        self._registry: ComponentRegistry | None = None
        if load_entry_points:
            self._load_entry_points()
            for spec in _split_env(os.environ.get("HARNESS_PLUGINS")):
                self.load_plugin(spec, source="HARNESS_PLUGINS")
        for spec in extra_plugins:
            self.load_plugin(spec, source="--plugin")

    # ------------------------------------------------------------------------------- loading

    def _broken(self, info: PluginInfo, exc: BaseException, what: str) -> None:
        info.status = "broken"
        info.error = _describe(exc)
        self._infos[info.name] = info
        if self._warn_enabled:
            _warn(f"plugin {info.name!r} {what}: {info.error} (skipped; see 'harness plugins')")

    def _load_entry_points(self) -> None:
        from importlib import metadata

        seen: set[str] = set()
        for ep in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            if ep.name in seen:  # the same distribution visible twice on sys.path
                continue
            seen.add(ep.name)
            info = PluginInfo(
                name=ep.name,
                source="entry-point",
                dist=getattr(ep, "dist", None),
                target=ep.value.partition(":")[0],
            )
            if ep.name in self.disabled:
                info.status = "disabled"
                self._infos[ep.name] = info
                continue
            try:
                plugin = ep.load()
            except Exception as exc:  # any import-time failure is isolated
                self._broken(info, exc, "failed to load")
                continue
            self._add(plugin, info)

    def load_plugin(self, spec: str, *, source: str = "--plugin") -> PluginInfo:
        """Load a plugin named by ``spec``: a module (``pkg.mod``), an object in one
        (``pkg.mod:attr``; a class is instantiated), or a file (``./my_plugin.py``, ``./p.py:attr``)."""
        target, attr = split_plugin_spec(spec)
        is_path = _is_path(target)
        name = plugin_name(spec)
        info = PluginInfo(name=name, source=source, target=None if is_path else target)
        if name in self.disabled:
            info.status = "disabled"
            self._infos[name] = info
            return info
        try:
            plugin = _plugin_object(_load_module(target, is_path, spec), attr, spec)
        except Exception as exc:
            self._broken(info, exc, "failed to load")
            return info
        self._add(plugin, info)
        return info

    def register(self, plugin: object, name: str | None = None) -> str:
        """Register a plugin object directly (tests, notebooks). Returns its name."""
        plugin_name = name or getattr(plugin, "__name__", None) or f"plugin-{id(plugin):x}"
        self._add(plugin, PluginInfo(name=plugin_name, source="registered"))
        return plugin_name

    def unregister(self, name: str) -> None:
        self._pm.unregister(name=name)
        self._infos.pop(name, None)
        self._registry = None

    def _add(self, plugin: object, info: PluginInfo) -> None:
        if info.name in self._infos and self._infos[info.name].status == "ok":
            raise UsageError(
                f"two plugins are named {info.name!r} ({self._infos[info.name].source} and {info.source}); "
                "plugin names must be unique",
                hint="Rename the module or file of yours, or turn the other off with HARNESS_DISABLE_PLUGINS=<name>.",
            )
        try:
            self._pm.register(plugin, name=info.name)
        except Exception as exc:  # e.g. a hookimpl with a misspelt hook name
            self._broken(info, exc, "could not be registered")
            return
        info.hooks = sorted(
            impl_name
            for impl_name in dir(self._pm.hook)
            if impl_name.startswith("harness_")
            and any(
                impl.plugin_name == info.name for impl in getattr(self._pm.hook, impl_name).get_hookimpls()
            )
        )
        self._infos[info.name] = info
        self._registry = None

    # ------------------------------------------------------------------------------ querying

    def plugins(self) -> list[PluginInfo]:
        """All plugins seen (ok, broken and disabled), sorted by name."""
        clashes = self.registry.clashes()  # building the registry can mark plugins broken
        for info in self._infos.values():
            info.clashes = [
                f"{kind} {name!r} (also: {', '.join(p for p in plugins if p != info.name) or 'itself'})"
                for (kind, name), plugins in clashes.items()
                if info.name in plugins
            ]
        return sorted(self._infos.values(), key=lambda i: i.name)

    def plugin_of_module(self, module_name: str) -> str | None:
        """The plugin whose code ``module_name`` is: a module of a plugin's own package, or of the
        package a spec of that plugin names as its factory. ``None`` for the harness itself (and
        its built-in plugins), for other libraries, and for a package two plugins share. Used to
        say whose bug a crash is (:mod:`harness.cli.crash`)."""
        top = module_name.split(".")[0]
        if top in OWN_PACKAGES:
            return None
        owners: set[str] = set()
        for name, plugin in self._pm.list_name_plugin():
            module = plugin.__name__ if isinstance(plugin, ModuleType) else type(plugin).__module__
            if module.split(".")[0] == top:
                owners.add(name)
        if not owners and self._registry is not None:  # only what this run already imported
            for registration in self._registry.registrations():
                factory = registration.spec.factory
                module = (
                    factory.partition(":")[0]
                    if isinstance(factory, str)
                    else getattr(factory, "__module__", "")
                )
                if module and module.split(".")[0] == top:
                    owners.add(registration.plugin)
        return owners.pop() if len(owners) == 1 else None

    @property
    def hook(self) -> Any:
        return self._pm.hook

    @property
    def registry(self) -> ComponentRegistry:
        """The components every healthy plugin registered (built once, then cached)."""
        if self._registry is None:
            self._registry = self._build_registry()
        return self._registry

    def _build_registry(self) -> ComponentRegistry:
        registrations: list[Registration] = []
        for hook_name, kind in REGISTER_HOOKS.items():
            for impl in getattr(self._pm.hook, hook_name).get_hookimpls():
                info = self._infos.get(impl.plugin_name)
                if info is not None and info.status != "ok":
                    continue
                collected: list[Registration] = []

                def register(
                    spec: ComponentSpec,
                    *,
                    _kind=kind,
                    _plugin=impl.plugin_name,
                    _out=collected,
                    _hook=hook_name,
                ) -> None:
                    expected = SPEC_TYPES[_kind]
                    if not isinstance(spec, expected):
                        raise TypeError(
                            f"{_hook} must register {expected.__name__} objects, got {type(spec).__name__}"
                        )
                    _out.append(Registration(spec=spec, plugin=_plugin))

                try:
                    impl.function(register=register)
                except Exception as exc:
                    self._broken(
                        self._infos.setdefault(impl.plugin_name, PluginInfo(impl.plugin_name, "registered")),
                        exc,
                        f"raised in {hook_name}",
                    )
                    registrations = [r for r in registrations if r.plugin != impl.plugin_name]
                    continue
                registrations.extend(collected)
        registrations.extend(self._yaml_registrations())
        # drop what plugins that broke later contributed
        broken = {i.name for i in self._infos.values() if i.status != "ok"}
        return ComponentRegistry([r for r in registrations if r.plugin not in broken])

    def registry_dirs(self) -> list[tuple[Path, str]]:
        """Registry YAML directories with the plugin (or env variable) that supplied each."""
        dirs: list[tuple[Path, str]] = []
        for impl in self._pm.hook.harness_registry_paths.get_hookimpls():
            info = self._infos.get(impl.plugin_name)
            if info is not None and info.status != "ok":
                continue
            try:
                paths = _as_paths(impl.function())
            except Exception as exc:
                self._broken(
                    self._infos.setdefault(impl.plugin_name, PluginInfo(impl.plugin_name, "registered")),
                    exc,
                    "raised in harness_registry_paths",
                )
                continue
            dirs.extend((p, impl.plugin_name) for p in paths)
        dirs.extend((p, f"HARNESS_REGISTRY_PATH:{p}") for p in self.registry_paths)
        return dirs

    def _yaml_registrations(self) -> list[Registration]:
        """Categories and YAML judges from every registry directory. A bad file in a plugin's directory breaks only
        that plugin (a warning naming the file); one under ``HARNESS_REGISTRY_PATH`` is the user's
        own input and an error naming the file."""
        out: list[Registration] = []
        for directory, plugin in self.registry_dirs():
            try:
                specs = [*load_category_specs(directory), *judge_specs(directory)]
            except RegistryFileError as exc:
                info = self._infos.get(plugin)
                if info is None:
                    raise
                self._broken(info, exc, "ships a bad registry file")
                continue
            out.extend(Registration(spec=spec, plugin=plugin) for spec in specs)
        return out


_default: PluginManager | None = None


def get_manager(extra_plugins: list[str] | tuple[str, ...] = ()) -> PluginManager:
    """The process-wide manager (entry points + env), with ``extra_plugins`` loaded on first use."""
    global _default
    if _default is None:
        _default = PluginManager(extra_plugins=extra_plugins)
    else:
        loaded = {i.name for i in _default._infos.values()}
        for spec in extra_plugins:
            if plugin_name(spec) not in loaded:
                _default.load_plugin(spec)
    return _default


def loaded_manager() -> PluginManager | None:
    """The process-wide manager if one was built (never builds one)."""
    return _default


def set_manager(manager: PluginManager | None) -> None:
    """Replace (or reset, with ``None``) the process-wide manager. For tests and embedding."""
    global _default
    _default = manager


def get_registry() -> ComponentRegistry:
    return get_manager().registry


def plugin_module(name: str) -> ModuleType | None:
    """The module object of a loaded plugin, when it is a module."""
    plugin = get_manager()._pm.get_plugin(name)
    return plugin if isinstance(plugin, ModuleType) else None
