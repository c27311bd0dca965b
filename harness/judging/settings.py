"""The judge's settings as one typed object, from the command line to the judge.

``harness run`` and ``harness judge`` build a :class:`JudgeSettings` from their ``--judge-*``
options, :class:`~harness.runs.config.RunConfig` carries it (as its flat ``judge_*`` keys, which
is what ``run.json`` has always held, so older runs resume) and hands the merged one back with
:meth:`RunConfig.judge_settings`, and the pipeline gives it to the judge as ``settings=``. A
field left ``None`` means "the judge's default" (for the LLM judge: :class:`harness.api.ApiSettings`
and the template's temperature), so one object says both what the user set and what they did not.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from harness.errors import UsageError

# JudgeSettings field -> RunConfig key (also the YAML key and, with dashes, the CLI option).
RUN_CONFIG_KEYS: dict[str, str] = {
    "model": "judge_model",
    "api_base": "judge_api_base",
    "concurrency": "judge_concurrency",
    "repeats": "judge_repeats",
    "temperature": "judge_temperature",
    "timeout": "judge_timeout",
    "max_retries": "judge_max_retries",
    "deadline": "judge_deadline",
    "max_reply_bytes": "judge_max_reply",
    "max_consecutive_failures": "judge_max_failures",
    "use_cache": "use_cache",
    "max_cost": "max_cost",
    "progress": "progress",
    "batch": "judge_batch",
    "batch_wait": "judge_batch_wait",
    "pacing": "judge_pacing",
}


@dataclass(frozen=True)
class JudgeSettings:
    """How the judge is reached and bounded; ``None`` = the judge's own default.

    ``model``/``api_base``: the chat model and OpenAI-compatible base URL; ``concurrency``: requests
    in flight; ``repeats``: verdicts per answer; ``deadline``: seconds per request with its retries;
    ``max_reply_bytes``: bytes of a reply kept; ``max_consecutive_failures``: requests in a row
    without a reply before the run stops; ``max_cost``: USD after which judging stops cleanly;
    ``batch``: send the requests as one OpenAI batch (:mod:`harness.judging.batch_judge`);
    ``batch_wait``: seconds to wait on it before the run ends ``waiting``.
    ``pacing``: ``auto`` (paced from the server's rate-limit headers) or ``off``.
    """

    model: str | None = None
    api_base: str | None = None
    concurrency: int | None = None
    repeats: int | None = None
    temperature: float | None = None
    timeout: float | None = None
    max_retries: int | None = None
    deadline: float | None = None
    max_reply_bytes: int | None = None
    max_consecutive_failures: int | None = None
    use_cache: bool | None = None
    max_cost: float | None = None
    progress: bool | None = None
    batch: bool | None = None
    batch_wait: float | None = None
    pacing: str | None = None

    def __post_init__(self) -> None:
        # The same bounds as RunConfig and ApiSettings, checked here too so that a judge built
        # from code (a test, a plugin) fails the same way as one built from the command line.
        lower = {
            "concurrency": (1, False),
            "repeats": (1, False),
            "max_retries": (0, False),
            "temperature": (0, False),
            "timeout": (0, True),
            "deadline": (0, True),
            "max_reply_bytes": (1024, False),
            "max_consecutive_failures": (1, False),
            "max_cost": (0, True),
            "batch_wait": (0, True),
        }
        if self.pacing is not None and self.pacing not in ("auto", "off"):
            raise UsageError(
                f"judge setting 'pacing' must be auto or off, not {self.pacing!r}",
                hint="set judge_pacing to auto or off",
            )
        for name, (bound, strict) in lower.items():
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise UsageError(
                    f"judge setting {name!r} must be a number, not {value!r}",
                    hint=f"set {RUN_CONFIG_KEYS[name]} to a number",
                )
            if value < bound or (strict and value == bound):
                what = f"more than {bound}" if strict else f"at least {bound}"
                raise UsageError(
                    f"judge setting {name!r} must be {what}, not {value!r}",
                    hint=f"set {RUN_CONFIG_KEYS[name]} to {what}",
                )

    @classmethod
    def from_options(cls, **options: Any) -> JudgeSettings:
        """Build from keyword options named as the fields; an unknown key is a usage error that
        names it (a typo must not pass silently)."""
        known = [f.name for f in fields(cls)]
        unknown = sorted(set(options) - set(known))
        if unknown:
            raise UsageError(
                f"unknown judge setting(s): {', '.join(unknown)}", hint=f"known: {', '.join(known)}"
            )
        return cls(**options)

    @classmethod
    def from_run_config(cls, config: Any) -> JudgeSettings:
        """The settings a run's configuration (RunConfig, or its ``run.json`` dict) carries."""
        get = config.get if isinstance(config, dict) else lambda key: getattr(config, key, None)
        return cls(**{name: get(key) for name, key in RUN_CONFIG_KEYS.items()})

    def run_config_items(self) -> dict[str, Any]:
        """The settings that are set, under their RunConfig keys (what a command line overrides)."""
        return {RUN_CONFIG_KEYS[name]: value for name, value in asdict(self).items() if value is not None}

    def options(self) -> dict[str, Any]:
        """The settings that are set, under their field names (the keywords of older judges)."""
        return {name: value for name, value in asdict(self).items() if value is not None}


def jury_models(model: str | None) -> list[str]:
    """The jurors of ``--judge-model a,b,c`` (``judge_model: a,b,c`` in YAML): every judge model
    judges every item. One model (or none) is no jury: ``[]``. A model named twice is a usage
    error (its verdicts would be counted twice)."""
    if not model or "," not in model:
        return []
    names = [m.strip() for m in model.split(",")]
    if any(not m for m in names):
        raise UsageError(
            f"--judge-model {model!r} has an empty model name", hint="write a,b,c with no empty part"
        )
    if len(set(names)) != len(names):
        raise UsageError(f"--judge-model {model!r} names a model twice", hint="name each juror once")
    return names
