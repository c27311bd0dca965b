"""Building a component with the options it takes: the one place that decides which it takes.

Why one place: ``harness run``, ``harness data show`` and ``harness data stats`` must agree on
whether a dataset takes ``--data-dir`` (its spec's options or its factory's signature); when each
decided on its own, ``HARNESS_DATA_DIR`` set for the BELLE files broke ``data show demo`` while
``run`` went on.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from harness.errors import UsageError
from harness.registry import ComponentRegistry, Registration


def _accepts(reg: Registration, key: str) -> bool:
    params: Mapping[str, inspect.Parameter]
    try:
        params = inspect.signature(reg.factory_callable()).parameters
    except (TypeError, ValueError):
        params = {}
    takes_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    return takes_all or key in reg.spec.options or key in params


def takes_option(registry: ComponentRegistry, kind: str, name: str, key: str) -> bool:
    """Whether the component ``name`` of ``kind`` takes the option ``key``."""
    return _accepts(registry.lookup(kind, name)[0], key)


def create_component(
    registry: ComponentRegistry,
    kind: str,
    name: str,
    *,
    strict: dict[str, Any] | None = None,
    lenient: dict[str, Any] | None = None,
) -> Any:
    """Build a component, passing only the options its factory accepts.

    ``strict`` options were set explicitly by the user: if the factory cannot take one, that is a
    usage error (``--tokenizer`` on a model that has no use for it). ``lenient`` options are
    defaults that a component may ignore.
    """
    reg, arg = registry.lookup(kind, name)
    options: dict[str, Any] = {}
    for key, value in (lenient or {}).items():
        if value is not None and _accepts(reg, key):
            options[key] = value
    for key, value in (strict or {}).items():
        if value is None:
            continue
        if not _accepts(reg, key):
            raise UsageError(f"{kind} {name!r} does not take the option {key!r}")
        options[key] = value
    return reg.spec.create(arg, **options) if reg.spec.parametric else reg.spec.create(**options)


def create_dataset(
    registry: ComponentRegistry,
    name: str,
    *,
    data_dir: Any = None,
    mirror: str | None = None,
    refuse: tuple[str, ...] = (),
) -> Any:
    """The dataset ``name`` with the data folder and mirror it takes; one it does not take is left
    out (``HARNESS_DATA_DIR`` means nothing to the demo), unless named in ``refuse`` -- the options
    given on the command line, where a wasted option is a usage error naming it."""
    wanted = {"data_dir": data_dir, "mirror": mirror}
    for key in refuse:
        if wanted.get(key) is not None and not takes_option(registry, "dataset", name, key):
            raise UsageError(f"dataset {name!r} takes no --{key.replace('_', '-')}")
    return create_component(registry, "dataset", name, lenient=wanted)
