"""The configuration of one evaluation run, from CLI options and/or a YAML file.

Options given on the command line override the file. The *fingerprint* covers exactly the settings
that change results (model, data, decoding, judge), not the ones that only change how the run goes
(concurrency, cost limit, cache use, output place): resuming a run with another concurrency is
fine, resuming it with another judge is not.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from harness.errors import UsageError
from harness.registry_yaml import format_validation_error, read_yaml

if TYPE_CHECKING:
    from harness.judging.settings import JudgeSettings

# Settings that do not change what a run measures; excluded from the fingerprint.
OPERATIONAL = frozenset(
    {
        "out",
        "name",
        "force",
        "judge_concurrency",
        "max_cost",
        "use_cache",
        "progress",
        "judge_timeout",
        "judge_max_retries",
        "judge_deadline",
        "judge_max_reply",
        "judge_max_failures",
        "batch_size",
        "data_dir",
        "judge_api_base",
        "device_map",
        "paper_row",
        "preflight",
        "judge_batch",
        "judge_batch_wait",
        "judge_pacing",
        "jury_aggregation",
    }
)

# Result settings added later: left out of the fingerprint while unset, so runs written before
# they existed keep their fingerprint (and resume).
UNSET_OMITTED = frozenset(
    {"prompt_template", "system_prompt", "dataset_fields", "dataset_sha256", "truncate_prompts"}
)


class RunConfig(BaseModel):
    """Everything `harness run` needs. Field names are the YAML keys (and the CLI options)."""

    # allow_inf_nan=False: a NaN or infinite number is refused here (exit 2), never sampled with or
    # written into run.json as a non-JSON ``NaN``/``Infinity``.
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    model: str = Field(description="model component, e.g. tiny-llama, llama-ext, hf:<id>, litellm:<id>")
    model_path: str | None = None
    tokenizer: str | None = None
    dtype: str = "auto"
    device_map: str | None = None
    dataset: str = "belle-eval"
    dataset_fields: str | None = Field(
        default=None, description="for a dataset file: target=field pairs (question, reference, category, id)"
    )
    dataset_sha256: str | None = Field(
        default=None,
        description="for a dataset file: the sha256 of its bytes (set by the run, not by the user)",
    )
    data_dir: str | None = None
    categories: list[str] | None = None
    limit: int | None = Field(default=None, ge=1)
    generator: str | None = Field(default=None, description="defaults to the model's default generator")
    prompt_template: str | None = Field(
        default=None,
        description="a registry/templates name, tokenizer-chat-template, or a .jinja file; default: the "
        "model's registry entry, its harness_prompt.json, its tokenizer's chat_template, else the paper's format",
    )
    system_prompt: str | None = Field(default=None, description="a system message before every question")
    max_new_tokens: int = Field(default=512, ge=1, description="default: the dataset's, else 512")
    truncate_prompts: Literal["left"] | None = Field(
        default=None,
        description="cut the oldest tokens of a prompt too long for the model's context "
        "(recorded per sample); default: such a prompt is refused before the run",
    )
    temperature: float = Field(default=0.001, ge=0.0)
    greedy: bool = False
    batch_size: int = Field(default=8, ge=1)
    seed: int = 42
    judge: str = "gpt35"
    judge_model: str | None = None  # a,b,c: a jury (harness.runs.jury)
    # how a jury's verdicts on one item become one (None: mean); scoring only, so not in the fingerprint
    jury_aggregation: Literal["mean", "median"] | None = None
    judge_api_base: str | None = None
    judge_concurrency: int = Field(default=16, ge=1)
    judge_repeats: int = Field(default=1, ge=1)
    judge_temperature: float | None = None
    judge_timeout: float | None = None
    judge_max_retries: int | None = None
    # Bounds on the judge's requests (None: the defaults of harness.api.ApiSettings).
    judge_deadline: float | None = Field(
        default=None, gt=0, description="seconds per request, retries included"
    )
    judge_max_reply: int | None = Field(default=None, ge=1024, description="bytes of a reply kept")
    judge_max_failures: int | None = Field(
        default=None, ge=1, description="requests in a row without a reply before the run stops"
    )
    judge_batch: bool = Field(
        default=False,
        description="send the judge's requests as one OpenAI batch (half the price; results within 24 h)",
    )
    judge_batch_wait: float | None = Field(
        default=None,
        gt=0,
        description="seconds to wait on a batch before "
        "the run ends 'waiting' (the same command polls it again)",
    )
    judge_pacing: Literal["auto", "off"] | None = Field(
        default=None,
        description="auto: pace requests from the server's rate-limit headers; off: concurrency only",
    )
    use_cache: bool = True
    max_cost: float | None = Field(default=None, gt=0)
    out: str = "runs"
    name: str | None = None
    force: bool = False
    progress: bool = True
    preflight: bool = Field(default=True, description="check the judge and the model files before generating")
    paper_row: str | None = Field(
        default=None,
        description="the published Table 5 row (registry/paper/table5.yaml) the report compares this run with; "
        "default: the model's own row, if its recipe names one",
    )

    @field_validator("judge_pacing", mode="before")
    @classmethod
    def _yaml_off(cls, value: Any) -> Any:
        """YAML reads a bare ``off`` as false (and ``on`` as true): the user meant the mode."""
        return {False: "off", True: "auto"}.get(value, value) if isinstance(value, bool) else value

    @classmethod
    def from_sources(cls, config_file: Path | None, overrides: dict[str, Any]) -> RunConfig:
        data: dict[str, Any] = {}
        if config_file is not None:
            loaded = read_yaml(config_file)
            if not isinstance(loaded, dict):
                raise UsageError(
                    f"{config_file}:1: expected a mapping of run options, got {type(loaded).__name__}",
                    hint="Write `option: value` lines, e.g. `model: tiny-llama` (see harness run --help).",
                )
            data.update(loaded.get("run", loaded) if isinstance(loaded.get("run"), dict) else loaded)
            data = {k.replace("-", "_"): v for k, v in data.items()}
        data.update({k: v for k, v in overrides.items() if v is not None})
        try:
            config = cls.model_validate(data)
        except ValidationError as exc:
            raise UsageError(
                format_validation_error(config_file or "command line", exc, what="run options")
            ) from None
        try:
            config.judge_settings()  # a bad judge setting is refused now, not after generation
        except UsageError as exc:
            raise UsageError(f"{config_file or 'command line'}: {exc.args[0]}", hint=exc.hint) from None
        return config

    @field_validator("judge_model", mode="before")
    @classmethod
    def _jury_list(cls, value: Any) -> Any:
        """YAML may list a jury (``judge_model: [a, b]``): kept as ``a,b``, as the CLI writes it."""
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            return ",".join(value)
        return value

    @property
    def one_decoding(self) -> bool:
        """``--temperature`` or ``--greedy`` was given (on the command line or in the config file):
        every sample is answered alike, even where a dataset prescribes a temperature per sample
        (:mod:`harness.generation.decoding`)."""
        return bool({"temperature", "greedy"} & self.model_fields_set)

    @property
    def explicit_length(self) -> bool:
        """``--max-new-tokens`` was given (command line or config file): it wins over a dataset's
        declared answer length (:mod:`harness.generation.lengths`)."""
        return "max_new_tokens" in self.model_fields_set

    def judge_settings(self) -> JudgeSettings:
        """The judge's settings this run carries (its ``judge_*`` keys), as the judge receives them."""
        from harness.judging.settings import JudgeSettings

        return JudgeSettings.from_run_config(self)

    def result_settings(self) -> dict[str, Any]:
        return {
            k: v
            for k, v in self.model_dump().items()
            if k not in OPERATIONAL and not (k in UNSET_OMITTED and v is None)
        }

    def fingerprint(self) -> str:
        blob = json.dumps(self.result_settings(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]
