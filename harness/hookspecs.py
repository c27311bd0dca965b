"""The hooks a harness plugin can implement: one per kind of component, plus YAML registry paths.

Every ``harness_register_*`` hook receives a ``register`` callable and calls it once per component
with a frozen spec from :mod:`harness.specs` (simonw/llm style). Nothing is built at registration:
specs name their factory as an import string, so registering is cheap and imports nothing heavy.

A plugin is any module or object with functions decorated by :data:`hookimpl`::

    from harness import JudgeSpec, hookimpl

    @hookimpl
    def harness_register_judges(register):
        register(JudgeSpec(name="length", factory="my_pkg.judge:LengthJudge",
                           description="Scores answers by length", takes=()))

The spec's ``takes`` declares which run settings (:class:`harness.ComponentSettings`) the factory
receives; the optional base classes (:mod:`harness.component_bases`) give a component its optional
members' defaults.

Plugins reach the core through the setuptools entry-point group ``harness``, through
``HARNESS_PLUGINS`` / ``--plugin``, or (in tests) by ``manager.register(obj)``.
"""

from __future__ import annotations

from pathlib import Path

import pluggy

PROJECT = "harness"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def harness_register_datasets(register) -> None:
    """Register eval and training datasets (:class:`harness.specs.DatasetSpec`)."""


@hookspec
def harness_register_models(register) -> None:
    """Register base models (:class:`harness.specs.ModelSpec`)."""


@hookspec
def harness_register_trainers(register) -> None:
    """Register trainers (:class:`harness.specs.TrainerSpec`)."""


@hookspec
def harness_register_generators(register) -> None:
    """Register answer generators (:class:`harness.specs.GeneratorSpec`)."""


@hookspec
def harness_register_judges(register) -> None:
    """Register judges that score answers (:class:`harness.specs.JudgeSpec`)."""


@hookspec
def harness_register_categories(register) -> None:
    """Register eval categories (:class:`harness.specs.CategorySpec`)."""


@hookspec
def harness_register_embedders(register) -> None:
    """Register text embedders (:class:`harness.specs.EmbedderSpec`), used by ``harness data clean
    --embedder`` for semantic de-duplication. An embedder implements
    :class:`harness.protocols.Embedder`: ``embed(texts)`` returns one vector per text."""


@hookspec
def harness_registry_paths() -> list[Path]:  # type: ignore[empty-body]  # a hookspec: only its signature is used
    """Return directories of registry YAML files (``categories/*.yaml``, ``sources/*.yaml`` ...)
    that this plugin ships. The built-in plugin returns the project's ``registry/``."""
