"""The typed, frozen records that plugins register: one class per kind of component.

A spec is a *description* of a component, cheap to create and to list: it names a factory as an
import string (``"harness_plugins.judges.gpt35:Gpt35Judge"``) that is imported only when the
component is built, so ``harness list`` never imports torch or litellm. Categories are data, not
code: their spec carries the judge prompt itself.

Build a component with :meth:`ComponentSpec.create`; it merges the spec's default ``options`` with
the caller's and, for a *parametric* spec such as ``hf`` (used as ``hf:<id-or-path>``), passes the
part after the colon as ``arg``.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

from harness.component_settings import KEYWORDS, SETTING_NAMES, ComponentSettings, flag
from harness.errors import ComponentUnavailableError, UsageError
from harness.kinds import KINDS
from harness.scales import JUDGE_KINDS, ScoreScale

__all__ = [
    "KINDS",
    "ComponentSpec",
    "DatasetSpec",
    "ModelSpec",
    "TrainerSpec",
    "GeneratorSpec",
    "JudgeSpec",
    "CategorySpec",
    "EmbedderSpec",
    "SPEC_TYPES",
    "GENERATION_SETTINGS",
    "MODEL_SETTINGS",
    "import_string",
]


# How a dataset's headline figure is aggregated (harness.scoring.headline); the first is the default.
HEADLINES = ("macro", "pooled")


def import_string(target: str) -> Any:
    """Import ``"package.module:Attr"`` (or ``"package.module"``) and return the object."""
    module_name, _, attr = target.partition(":")
    module = importlib.import_module(module_name)
    obj: Any = module
    for part in filter(None, attr.split(".")):
        obj = getattr(obj, part)
    return obj


def _frozen_mapping(value: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return MappingProxyType(dict(value or {}))


@dataclass(frozen=True)
class ComponentSpec:
    """What every component offers the registry: a unique name, aliases, a line of help, a factory.

    ``factory`` is a ``"module:attr"`` string (preferred: imported lazily) or a callable.
    ``parametric`` specs accept an argument after a colon (``litellm:gpt-4o``).
    ``available`` optionally names a zero-argument check returning ``None`` when the component can
    run here, or the reason it cannot (listed by ``harness list``, raised on use).
    ``takes`` names the run-wide settings (:class:`harness.component_settings.ComponentSettings`
    fields) the factory takes by keyword; the keys of ``options`` count as taken too. Each kind has
    a documented default (a judge takes ``judge``, a generator the decoding settings).
    """

    kind: ClassVar[str] = "component"
    # ``name:arg`` selects a parametric component, so a name holds no colon; a category is data
    # (a label read from a dataset) and is looked up by its whole name only
    colon_in_name: ClassVar[bool] = False

    name: str
    factory: str | Callable[..., Any] | None = None
    description: str = ""
    aliases: tuple[str, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    parametric: bool = False
    available: str | Callable[[], str | None] | None = None
    takes: tuple[str, ...] = ()

    def __post_init__(self) -> None:

        if not self.name or not isinstance(self.name, str):
            raise ValueError(f"{type(self).__name__} needs a non-empty string name")
        if ":" in self.name and not self.colon_in_name:
            raise ValueError(f"component name {self.name!r} may not contain ':'")
        object.__setattr__(self, "aliases", tuple(self.aliases))
        object.__setattr__(self, "options", _frozen_mapping(self.options))
        object.__setattr__(self, "takes", tuple(self.takes))
        unknown = [t for t in self.takes if t not in SETTING_NAMES]
        if unknown:
            raise ValueError(f"{self.kind} {self.name!r}: takes names no setting: {', '.join(unknown)}")
        description = (self.description or "").strip().splitlines()
        object.__setattr__(self, "description", description[0] if description else "")

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)

    def factory_callable(self) -> Callable[..., Any]:
        if self.factory is None:
            raise TypeError(f"{self.kind} {self.name!r} has no factory")
        if not isinstance(self.factory, str):
            return self.factory
        try:
            return import_string(self.factory)
        except (ImportError, AttributeError) as exc:
            # a plugin that names a module it does not ship, or a dependency that is not installed:
            # the user's fix is on the plugin's side, so say which component and which import
            raise UsageError(
                f"{self.kind} {self.name!r} cannot be built: its factory {self.factory!r} does not import "
                f"({type(exc).__name__}: {exc})",
                hint="Install the plugin's missing dependency or fix the plugin; `harness plugins` shows who "
                "provides it, HARNESS_DISABLE_PLUGINS=<name> turns a plugin off.",
            ) from None

    def unavailable_reason(self) -> str | None:
        """``None`` when the component can run here, else why not. May import the check's module."""
        if self.available is None:
            return None
        if not isinstance(self.available, str):
            return self.available()
        try:
            check = import_string(self.available)
        except (ImportError, AttributeError) as exc:
            raise UsageError(
                f"{self.kind} {self.name!r}: its availability check {self.available!r} does not import "
                f"({type(exc).__name__}: {exc})",
                hint="Fix the plugin that registers it (`harness list --long` names it), or disable it with "
                "HARNESS_DISABLE_PLUGINS=<name>.",
            ) from None
        return check()

    def contract(self) -> str:
        """Which base class of :mod:`harness.component_bases` the built component is filled from."""
        return self.kind

    def sets(self) -> dict[str, Any]:
        """Members this spec sets on the component it builds (the spec is their one source)."""
        return {}

    def takes_setting(self, setting: str) -> bool:
        """Whether the factory takes the run-wide ``setting`` (declared in ``takes`` or ``options``)."""
        return setting in self.takes or setting in self.options

    def settings_kwargs(self, settings: ComponentSettings, name: str | None = None) -> dict[str, Any]:
        """The keywords ``settings`` gives this factory: the settings it takes that hold a value.
        An explicit setting (one the user typed) that it does not take is a usage error naming it
        (and the component as the user named it, ``name``)."""

        given = settings.given()
        refused = sorted(key for key in settings.explicit & set(given) if not self.takes_setting(key))
        if refused:
            key = refused[0]
            raise UsageError(
                f"{self.kind} {name or self.name!r} takes no {flag(key)}: it does not take the option {key!r}",
                hint=f"Leave {flag(key)} out, or use a {self.kind} whose spec declares it (takes=...).",
            )
        return {KEYWORDS.get(key, key): value for key, value in given.items() if self.takes_setting(key)}

    def create(self, arg: str | None = None, *, plugin: str | None = None, **options: Any) -> Any:
        """Build the component: ``factory(**spec.options, **options)`` (plus ``arg=`` if parametric).

        A factory that cannot be called with those keywords (it does not take a setting its spec
        declares, or needs one it does not declare) is a usage error naming the plugin."""

        if arg is not None and not self.parametric:
            raise UsageError(f"{self.kind} {self.name!r} takes no argument (got {self.name}:{arg})")
        reason = self.unavailable_reason()
        if reason:
            raise ComponentUnavailableError(f"{self.kind} {self.name!r} is unavailable: {reason}")
        kwargs = {**self.options, **{k: v for k, v in options.items() if v is not None}}
        if self.parametric:
            kwargs["arg"] = arg
        factory = self.factory_callable()
        try:
            return factory(**kwargs)
        except TypeError as exc:
            if exc.__traceback__ is None or exc.__traceback__.tb_next is not None:
                raise  # raised inside the factory, not by the call itself
            who = f" (registered by plugin {plugin!r})" if plugin else ""
            raise UsageError(
                f"{self.kind} {self.name!r}{who} cannot be built: {exc}",
                hint="Its factory must take exactly the settings its spec declares (takes=..., options=...): "
                "see CONTRIBUTING.md, 'How to add a component'.",
            ) from None


@dataclass(frozen=True)
class DatasetSpec(ComponentSpec):
    """A dataset. ``role`` is ``"eval"`` (questions with categories) or ``"train"`` (conversations).

    ``published`` optionally lists scores published for this dataset (``{"GPT-4": 8.99, ...}``, one
    overall figure per model) as measured by the judge ``published_judge``, with ``published_source``
    saying where they come from. A report of a run on this dataset with that judge shows them for
    reference, marked as published figures that the run did not measure. ``published_protocol``
    says how the published answers were generated (decoding, length), so the report can set the
    run's own decoding beside it: a difference there is a difference in the figures.

    ``headline`` says how the one figure a run on this dataset is quoted by is aggregated
    (:mod:`harness.scoring.headline`): ``"macro"``, the mean of the column means (BELLE's tables), or
    ``"pooled"``, the mean over every scored item (FastChat's single-judge score: every (question, turn)).
    """

    kind: ClassVar[str] = "dataset"
    role: str = "eval"
    language: str | None = None
    published: Mapping[str, float] = field(default_factory=dict)
    published_judge: str = ""
    published_source: str = ""
    published_protocol: str = ""
    headline: str = "macro"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.headline not in HEADLINES:
            raise ValueError(
                f"dataset {self.name!r}: headline must be one of {', '.join(HEADLINES)}, "
                f"not {self.headline!r}"
            )
        object.__setattr__(
            self, "published", _frozen_mapping({k: float(v) for k, v in dict(self.published).items()})
        )

    def contract(self) -> str:
        """A training set has a base of its own (``load_with_report``)."""
        return "dataset:train" if self.role == "train" else "dataset"


# What a local model with weights and a tokenizer takes (declared by hf, tiny-llama, llama2c...).
MODEL_SETTINGS = ("path", "tokenizer", "prompt_template", "system_prompt", "dtype", "device_map")


@dataclass(frozen=True)
class ModelSpec(ComponentSpec):
    """A base model: where its weights come from and how a question becomes a prompt.

    ``prompt_template`` names a ``registry/templates`` entry; empty means the model decides when it
    is resolved (its directory's record, its tokenizer's chat template, or the paper's format).

    ``default_generator`` is the generator ``harness run`` uses for it without ``--generator``: set
    here, it is set on the built model; left ``None``, the model's own ``default_generator``
    (``"hf"`` unless its class says otherwise) decides."""

    kind: ClassVar[str] = "model"
    prompt_template: str = ""
    default_generator: str | None = None

    def sets(self) -> dict[str, Any]:
        return {} if self.default_generator is None else {"default_generator": self.default_generator}


@dataclass(frozen=True)
class TrainerSpec(ComponentSpec):
    kind: ClassVar[str] = "trainer"


# What a generator takes unless its spec says otherwise: the run's decoding settings.
GENERATION_SETTINGS = ("batch_size", "max_new_tokens", "temperature", "greedy", "seed")


@dataclass(frozen=True)
class GeneratorSpec(ComponentSpec):
    """A generator; by default it takes the decoding settings :data:`GENERATION_SETTINGS`."""

    kind: ClassVar[str] = "generator"
    takes: tuple[str, ...] = GENERATION_SETTINGS


@dataclass(frozen=True)
class JudgeSpec(ComponentSpec):
    """A judge. ``scale`` is the range of the scores it gives, ``(low, high)``, both included
    (BELLE's judges 0..1; a judge rating 1 to 10 ``(1, 10)``); ``judge_kind`` is ``"pointwise"``
    (one answer, one score) or ``"pairwise"`` (two answers, a verdict; not run by ``harness run``
    yet). A spec that declares neither is a pointwise 0..1 judge, as every judge was before scales
    existed. The core rejects (as ``unscored``, with the reason) any score outside the scale; a
    judge object's own ``scale`` attribute, when it has one, wins (see :mod:`harness.scales`).
    """

    kind: ClassVar[str] = "judge"
    takes: tuple[str, ...] = ("judge",)  # the run's JudgeSettings, as ``settings=``
    scale: tuple[float, float] = (0.0, 1.0)
    judge_kind: str = "pointwise"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.judge_kind not in JUDGE_KINDS:
            raise ValueError(
                f"judge {self.name!r}: judge_kind must be one of {', '.join(JUDGE_KINDS)}, "
                f"not {self.judge_kind!r}"
            )
        try:
            scale = ScoreScale.from_value(self.scale, kind=self.judge_kind)
        except ValueError as exc:
            raise ValueError(f"judge {self.name!r}: {exc}") from None
        object.__setattr__(self, "scale", (scale.low, scale.high))

    @property
    def score_scale(self) -> ScoreScale:
        return ScoreScale(*self.scale, kind=self.judge_kind)


@dataclass(frozen=True)
class CategorySpec(ComponentSpec):
    """An eval category, as data: the judge prompt, whether the gold answer is shown, its group.

    ``group`` is the column a category is reported under: BELLE's math and code are both in the
    group ``others``; every other category is its own group. ``source_names`` lists the raw class
    labels (as they appear in datasets) that map to this category.
    """

    kind: ClassVar[str] = "category"
    colon_in_name: ClassVar[bool] = True
    display_name: str = ""
    prompt: str = ""
    gold_shown: bool = True
    group: str = ""
    source_names: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.display_name:
            object.__setattr__(self, "display_name", self.name)
        if not self.group:
            object.__setattr__(self, "group", self.name)
        object.__setattr__(self, "source_names", tuple(self.source_names))

    @property
    def id(self) -> str:
        return self.name

    @classmethod
    def from_registry(cls, values: Mapping[str, Any]) -> CategorySpec:
        """The spec of a validated ``registry/categories/<id>.yaml`` (its fields as a mapping)."""
        return cls(
            name=values["id"],
            aliases=tuple(values["aliases"]),
            description=values["description"]
            or f"{values['display_name']} ({'gold shown' if values['gold_shown'] else 'no gold'})",
            display_name=values["display_name"],
            prompt=values["prompt"],
            gold_shown=values["gold_shown"],
            group=values["group"] or values["id"],
            source_names=tuple(values["source_names"]),
        )


@dataclass(frozen=True)
class EmbedderSpec(ComponentSpec):
    """A text embedder (semantic de-duplication in ``harness data clean``).

    ``dimension`` is the vector size when the spec knows it without loading anything (``None``:
    known once built, e.g. a causal LM's hidden size).
    """

    kind: ClassVar[str] = "embedder"
    dimension: int | None = None


SPEC_TYPES: dict[str, type[ComponentSpec]] = {
    cls.kind: cls
    for cls in (DatasetSpec, ModelSpec, TrainerSpec, GeneratorSpec, JudgeSpec, CategorySpec, EmbedderSpec)
}
