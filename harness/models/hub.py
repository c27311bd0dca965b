"""Models that live in a local directory or on the Hugging Face Hub: recipes and ``hf:<id-or-path>``.

A *recipe* (``registry/models/<name>.yaml``) names a Hub id, the expected vocabulary size and the
prompt template, so ``--model llama-ext`` means something exact. The weights come from, in order:
``--model-path DIR`` if given, else the Hub id through ``huggingface_hub.snapshot_download``
(which honours ``HF_HUB_OFFLINE`` and the HF cache). When none of them has the model, the user
gets a :class:`~harness.errors.UsageError` that says where we looked and how to provide it.
"""

from __future__ import annotations

import os
import re
import warnings
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.errors import UsageError
from harness.models.base import DEFAULT_PROMPT_TEMPLATE, LocalModel
from harness.registry_yaml import builtin_registry_dir, load_defs

HF_ID_PATTERN = re.compile(r"^[A-Za-z0-9][\w.\-]*(/[\w.\-]+)?$")
# Weight formats transformers does not load for PyTorch: never worth downloading.
IGNORED_HUB_FILES = ["*.msgpack", "*.h5", "*.ot", "flax_model*", "tf_model*", "*.onnx", "*.gguf"]


class ModelRecipe(BaseModel):
    """``registry/models/<name>.yaml``: what a named model is and where its weights are published."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_.\-]*$")
    aliases: list[str] = Field(default_factory=list)
    description: str = ""
    hf_id: str = Field(pattern=HF_ID_PATTERN.pattern)
    revision: str | None = None
    vocab_size: int | None = Field(default=None, gt=0)
    prompt_template: str = Field(
        default=DEFAULT_PROMPT_TEMPLATE,
        description="a registry/templates name (or a legacy string with {question}); cite its source beside it",
    )
    license: str | None = None
    encrypted: bool = Field(default=False, description="the Hub files are XOR-encrypted diffs (*.enc)")
    stage: Literal["base", "instruction-tuned"] = Field(
        description="base: pre-trained only, it continues text rather than follows instructions (fine-tune it "
        "first); instruction-tuned: fine-tuned to answer prompts, ready to evaluate"
    )
    paper_row: str | None = Field(
        default=None,
        description="the Table 5 row (registry/paper/table5.yaml) these very weights were published with",
    )
    notes: str = ""


@lru_cache(maxsize=1)
def builtin_recipes() -> tuple[ModelRecipe, ...]:
    """The recipes shipped in the project's ``registry/models/``."""
    return tuple(load_defs(builtin_registry_dir(), "models", ModelRecipe))


def find_recipe(name: str) -> ModelRecipe:
    for recipe in builtin_recipes():
        if name == recipe.name or name in recipe.aliases:
            return recipe
    known = ", ".join(r.name for r in builtin_recipes()) or "(none)"
    raise UsageError(f"no model recipe named {name!r}", hint=f"Known recipes: {known}")


def check_model_dir(path: Path | str, *, what: str, notes: str = "") -> Path:
    """``path`` if it is a loadable HF model directory, else a UsageError saying what is wrong."""
    path = Path(path).expanduser()
    if not path.is_dir():
        raise UsageError(
            f"model {what!r}: no directory at {path}",
            hint="Pass --model-path with a directory in Hugging Face format (config.json, weights, tokenizer).",
        )
    if not (path / "config.json").is_file():
        encrypted = sorted(p.name for p in path.glob("*.enc"))
        if encrypted:
            raise UsageError(
                f"model {what!r}: {path} holds encrypted weight diffs ({encrypted[0]}, ...), not a model",
                hint=notes
                or "Decrypt them with the publisher's script, then pass the result with --model-path.",
            )
        raise UsageError(
            f"model {what!r}: {path} is not a Hugging Face model directory (no config.json)",
            hint="A `harness train` output directory, a `save_pretrained` directory or a Hub snapshot works.",
        )
    return path


def looks_like_local_path(source: str) -> bool:
    """A path the user typed rather than a Hub id: exists, or is explicitly relative/absolute."""
    if Path(source).expanduser().exists():
        return True
    return source.startswith(("/", "./", "../", "~", ".\\")) or not HF_ID_PATTERN.match(source)


def _hub_cache_dir() -> str:
    try:
        from huggingface_hub import constants

        return str(constants.HF_HUB_CACHE)
    except Exception:  # pragma: no cover - huggingface_hub is a transformers dependency
        return "~/.cache/huggingface/hub"


def download_snapshot(hf_id: str, *, revision: str | None = None, what: str, notes: str = "") -> Path:
    """The local snapshot of ``hf_id`` (downloading unless offline); a UsageError when unavailable."""
    from huggingface_hub import snapshot_download

    offline = os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}
    try:
        path = snapshot_download(repo_id=hf_id, revision=revision, ignore_patterns=IGNORED_HUB_FILES)
    except Exception as exc:  # network, offline mode, gated or missing repository: all user-fixable
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        where = [
            "no --model-path was given",
            f"the Hugging Face cache {_hub_cache_dir()} has no snapshot of {hf_id}",
            "HF_HUB_OFFLINE is set, so the Hub was not asked"
            if offline
            else f"the Hub could not provide {hf_id} ({type(exc).__name__}: {reason})",
        ]
        hint_lines = [
            "Provide it in one of these ways:",
            "  --model-path DIR             a local directory in Hugging Face format",
            f"  huggingface-cli download {hf_id}   fill the HF cache, then run again",
            "  --model hf:<id-or-path>      any other causal LM",
        ]
        if notes:
            hint_lines.append(notes)
        raise UsageError(
            f"model {what!r} is not available. Looked for it: " + "; ".join(where) + ".",
            hint="\n".join(hint_lines),
        ) from None
    return Path(path)


class HubModel(LocalModel):
    """A model from a recipe (``llama``, ``llama-ext``) or given as ``hf:<id-or-path>``.

    ``path`` (``--model-path``) always wins over the Hub id. Built only when ``local_path`` or
    ``load`` is called: constructing one never touches the network.
    """

    def __init__(
        self,
        arg: str | None = None,
        *,
        recipe: str | None = None,
        path: str | Path | None = None,
        tokenizer: str | Path | None = None,
        dtype: Any = "auto",
        device_map: Any = None,
        prompt_template: str | None = None,
        system_prompt: str | None = None,
        revision: str | None = None,
    ) -> None:
        self.recipe = find_recipe(recipe) if recipe else None
        if self.recipe is None and not arg and not path:
            raise UsageError("model 'hf' needs a Hub id or a directory: --model hf:<id-or-path>")
        name = self.recipe.name if self.recipe else f"hf:{arg or path}"
        super().__init__(
            name,
            prompt_template=prompt_template,
            system_prompt=system_prompt,
            tokenizer=tokenizer,
            dtype=dtype,
            device_map=device_map,
        )
        if self.recipe is not None:
            self.registry_template = self.recipe.prompt_template
            self.registry_source = f"registry/models/{self.recipe.name}.yaml"
        self.source = str(path) if path else (arg if arg else self.recipe.hf_id)  # type: ignore[union-attr]
        self.from_model_path = bool(path)
        self.revision = revision or (self.recipe.revision if self.recipe else None)

    def _resolve(self) -> Path:
        notes = self.recipe.notes if self.recipe else ""
        if self.from_model_path or looks_like_local_path(self.source):
            path = check_model_dir(self.source, what=self.name, notes=notes)
        else:
            snapshot = download_snapshot(self.source, revision=self.revision, what=self.name, notes=notes)
            path = check_model_dir(snapshot, what=self.name, notes=notes)
        self._check_vocab(path)
        return path

    def _check_vocab(self, path: Path) -> None:
        """Warn when a recipe's directory has another vocabulary size (probably the wrong model)."""
        if not (self.recipe and self.recipe.vocab_size):
            return
        import json

        try:
            vocab = json.loads((path / "config.json").read_text(encoding="utf-8")).get("vocab_size")
        except (OSError, ValueError):
            return
        if vocab is not None and int(vocab) != self.recipe.vocab_size:
            warnings.warn(
                f"model {self.name!r}: {path} has vocab_size {vocab}, the recipe expects "
                f"{self.recipe.vocab_size}; is it the right model?",
                stacklevel=2,
            )
