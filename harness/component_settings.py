"""The run-wide settings every component is built with: one frozen object, one meaning per field.

``harness run``, ``judge``, ``compare``, ``data show``/``stats``, ``train`` and ``experiment`` each
fill one :class:`ComponentSettings` and hand it to :meth:`harness.registry.ComponentRegistry.create`.
Which fields a component uses is declared on its spec (``takes``, plus the keys of its
``options``), never read from its factory's signature: the factory receives exactly those, by
keyword. A field the user set on the command line is *explicit*: given to a component that does
not take it, it is a usage error naming it (``--tokenizer`` on an API model), where a default that
a component has no use for (``HARNESS_DATA_DIR`` for the demo set) is simply not passed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

# A setting whose factory keyword differs from its field name: a judge receives the run's
# JudgeSettings as ``settings=`` (the keyword judges have always taken).
KEYWORDS = {"judge": "settings"}
# The command-line option each setting comes from, for the message that refuses it.
FLAGS = {"path": "model-path", "judge": "judge-model"}


@dataclass(frozen=True)
class ComponentSettings:
    """What a run offers its components; ``None`` means "the component's own default".

    Datasets: ``data_dir``, ``mirror`` (and, for training sets, ``tokenizer``, ``max_tokens``).
    Models: ``path``, ``tokenizer``, ``prompt_template``, ``system_prompt``, ``dtype``,
    ``device_map``. Generators: ``batch_size``, ``max_new_tokens``, ``temperature``, ``greedy``,
    ``seed``, ``truncate_prompts``, ``progress``, ``log``. Judges: ``judge`` (a
    :class:`harness.judging.settings.JudgeSettings`, passed as ``settings=``). ``explicit`` names
    the fields the user set, which a component must take.
    """

    data_dir: Any = None
    mirror: str | None = None
    path: Any = None
    tokenizer: Any = None
    max_tokens: int | None = None
    prompt_template: str | None = None
    system_prompt: str | None = None
    dtype: Any = None
    device_map: Any = None
    batch_size: int | None = None
    max_new_tokens: int | None = None
    temperature: float | None = None
    greedy: bool | None = None
    seed: int | None = None
    truncate_prompts: str | None = None
    progress: bool | None = None
    log: Callable[[str], None] | None = None
    judge: Any = None
    explicit: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        object.__setattr__(self, "explicit", frozenset(self.explicit))
        unknown = sorted(self.explicit - set(SETTING_NAMES))
        if unknown:
            raise ValueError(f"explicit names no setting: {', '.join(unknown)}")

    def given(self) -> dict[str, Any]:
        """The settings that hold a value (``None`` is "not set")."""
        return {name: getattr(self, name) for name in SETTING_NAMES if getattr(self, name) is not None}


SETTING_NAMES: tuple[str, ...] = tuple(f.name for f in fields(ComponentSettings) if f.name != "explicit")


def flag(setting: str) -> str:
    """The command-line option a setting comes from (``--model-path`` for ``path``)."""
    return "--" + FLAGS.get(setting, setting.replace("_", "-"))
