"""The component registry: every spec every plugin registered, looked up by kind and name.

Names and aliases share one namespace per kind. A name claimed twice is listed, but looking it up
is an error that names every provider -- whichever plugin loads first must never win silently. Lookups accept parametric names
(``hf:Qwen/Qwen2-0.5B``: the spec ``hf`` with the argument after the first colon) and fail on an
unknown name with the valid names and a did-you-mean.
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from harness.component_bases import fill_defaults, set_member
from harness.component_settings import ComponentSettings
from harness.errors import DuplicateComponentError, UnknownComponentError, UsageError
from harness.specs import KINDS, CategorySpec, ComponentSpec


@dataclass(frozen=True)
class Registration:
    """A spec together with the plugin that registered it."""

    spec: ComponentSpec
    plugin: str

    @property
    def kind(self) -> str:
        return self.spec.kind

    def factory_callable(self) -> Any:
        """The spec's factory, imported; a factory that does not import names this plugin."""
        try:
            return self.spec.factory_callable()
        except UsageError as exc:
            raise UsageError(f"{exc.args[0]} (registered by plugin {self.plugin!r})", hint=exc.hint) from None

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.spec.kind,
            "name": self.spec.name,
            "aliases": list(self.spec.aliases),
            "plugin": self.plugin,
            "description": self.spec.description,
        }


class ComponentRegistry:
    """Every registration, by kind and name.

    A name (or alias) claimed by more than one plugin is a *clash*: it is kept, listed and shown,
    but looking it up is an error naming every provider. Only the commands that need that name
    fail, and which plugin loaded first never matters.
    """

    def __init__(self, registrations: Iterable[Registration]) -> None:
        self._by_kind: dict[str, dict[str, Registration]] = defaultdict(dict)
        self._primary: dict[str, list[Registration]] = defaultdict(list)
        claims: dict[tuple[str, str], list[Registration]] = defaultdict(list)
        for reg in registrations:
            for n in reg.spec.names:
                claims[(reg.kind, n)].append(reg)
        self._clashes: dict[tuple[str, str], list[Registration]] = {
            key: sorted(regs, key=lambda r: r.plugin) for key, regs in claims.items() if len(regs) > 1
        }
        for (kind, n), regs in claims.items():
            if len(regs) == 1:
                self._by_kind[kind][n] = regs[0]
            self._primary[kind].extend(r for r in regs if r.spec.name == n)
        for kind in self._primary:
            self._primary[kind].sort(key=lambda r: (r.spec.name, r.plugin))

    # --------------------------------------------------------------------------------- clashes

    def clashes(self) -> dict[tuple[str, str], list[str]]:
        """``{(kind, name): [plugins that claim it, sorted]}`` for every name claimed twice or more."""
        return {
            key: sorted(dict.fromkeys(r.plugin for r in regs)) for key, regs in sorted(self._clashes.items())
        }

    def clash_error(self, kind: str, name: str) -> DuplicateComponentError:
        regs = self._clashes[(kind, name)]
        who = ", ".join(
            f"plugin {r.plugin!r}" + ("" if r.spec.name == name else f" (as an alias of {r.spec.name!r})")
            for r in regs
        )
        return DuplicateComponentError(
            f"{kind} {name!r} is registered by more than one plugin: {who}",
            hint="Rename one of them, or turn a plugin off with HARNESS_DISABLE_PLUGINS=<name> "
            "(`harness plugins` shows every clash).",
        )

    # --------------------------------------------------------------------------------- listing

    def registrations(self, kind: str | None = None) -> list[Registration]:
        """Registrations sorted by kind (in :data:`KINDS` order) then name."""
        kinds = (
            [kind]
            if kind
            else [k for k in KINDS if k in self._primary] + sorted(k for k in self._primary if k not in KINDS)
        )
        return [reg for k in kinds for reg in self._primary.get(k, [])]

    def specs(self, kind: str) -> list[ComponentSpec]:
        return [reg.spec for reg in self.registrations(kind)]

    def names(self, kind: str) -> list[str]:
        return [reg.spec.name for reg in self.registrations(kind)]

    def categories(self) -> dict[str, CategorySpec]:
        """Every category; a category name claimed twice is an error (scores need every one)."""
        clash = next((key for key in self._clashes if key[0] == "category"), None)
        if clash is not None:
            raise self.clash_error(*clash)
        return {spec.name: spec for spec in self.specs("category")}  # type: ignore[misc]

    # --------------------------------------------------------------------------------- lookup

    def lookup(self, kind: str, name: str) -> tuple[Registration, str | None]:
        """Find ``name`` (or ``base:arg``) among ``kind``; returns the registration and the arg."""
        table = self._by_kind.get(kind, {})
        if name in table:
            return table[name], None
        if (kind, name) in self._clashes:
            raise self.clash_error(kind, name)
        base, sep, arg = name.partition(":")
        if sep and (kind, base) in self._clashes:
            raise self.clash_error(kind, base)
        if sep and base in table and table[base].spec.parametric:
            return table[base], arg
        raise self._unknown(kind, name)

    def get(self, kind: str, name: str) -> ComponentSpec:
        return self.lookup(kind, name)[0].spec

    def plugin_of(self, kind: str, name: str) -> str:
        return self.lookup(kind, name)[0].plugin

    def takes(self, kind: str, name: str, setting: str) -> bool:
        """Whether the component ``name`` of ``kind`` takes the run-wide ``setting`` (its spec says)."""
        return self.lookup(kind, name)[0].spec.takes_setting(setting)

    def create(self, kind: str, name: str, settings: ComponentSettings | None = None, **options: Any) -> Any:
        """Build the component ``name`` of ``kind``: the one way every command builds one.

        It receives the ``settings`` its spec declares it takes (an explicit one it does not take is
        a usage error naming it) and ``options``, keywords for its factory as they are. A built
        component has every optional member of its base class (:mod:`harness.component_bases`), so
        the core calls them without probing, and the members its spec sets (a model's
        ``default_generator``)."""
        reg, arg = self.lookup(kind, name)
        if reg.spec.unavailable_reason() is None:
            reg.factory_callable()  # a factory that does not import: an error naming the plugin
        kwargs = {**reg.spec.settings_kwargs(settings or ComponentSettings(), name), **options}
        component = reg.spec.create(arg, plugin=reg.plugin, **kwargs)
        who = f"{kind} {name!r} (registered by plugin {reg.plugin!r})"
        return adopt(fill_defaults(component, reg.spec.contract(), who), reg.spec.sets(), who)

    def _unknown(self, kind: str, name: str) -> UnknownComponentError:
        if kind not in KINDS and kind not in self._by_kind:
            return UnknownComponentError(f"unknown component kind {kind!r}; kinds are: {', '.join(KINDS)}")
        names = [r.spec.name for r in self.registrations(kind) if not r.spec.parametric]
        candidates = list(self._by_kind.get(kind, {}))
        parametric = [f"{r.spec.name}:<arg>" for r in self.registrations(kind) if r.spec.parametric]
        close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.5)
        message = f"unknown {kind} {name!r}."
        if close:
            message += f" Did you mean {' or '.join(repr(c) for c in close)}?"
        valid = ", ".join(names + parametric) or "(none registered)"
        return UnknownComponentError(message, hint=f"Valid {kind} names: {valid}")


def adopt(component: Any, members: dict[str, Any], who: str) -> Any:
    """``component`` with the members its spec sets; one that cannot take them is refused."""
    for member, value in members.items():
        if getattr(component, member) == value:  # every member a spec sets has a default (fill_defaults)
            continue
        set_member(
            component,
            member,
            value,
            refusal=f"{who}: its spec sets {member}={value!r}, and the built object cannot take it",
            hint=f"Make {member!r} a plain attribute of the component.",
        )
    return component
