"""The one ``Model`` implementation every local model shares: a prompt template plus an HF directory.

How a question becomes the model's input is decided once per model by
:func:`harness.prompts.resolve.resolve_template` (``--prompt-template``, the registry entry, the
record ``harness train`` left in the directory, the tokenizer's chat template, or the paper's
format) and encoded by :mod:`harness.prompts.encode`, the code path training uses too.

Subclasses only say *where the directory comes from* (:meth:`LocalModel._resolve`): built from a
recipe (``tiny-llama``), converted (``llama2c:``), given (``--model-path``), or downloaded from the
Hub. Loading, dtype choice and pad-token handling are the same for all, so they live here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from harness.component_bases import ModelComponent
from harness.errors import UsageError
from harness.generation.context import context_from_config
from harness.models.files_check import check_model_files
from harness.prompts.encode import prompt_ids, render_text, supports_system
from harness.prompts.resolve import resolve_template
from harness.prompts.template import DEFAULT_TEMPLATE as DEFAULT_PROMPT_TEMPLATE  # noqa: F401 (re-exported)


def resolve_dtype(dtype: Any, *, on_cuda: bool | None = None) -> Any:
    """Map ``"auto"``/names to a torch dtype. ``"auto"`` is fp32 on CPU (bf16 is ~10x slower there)
    and the checkpoint's own dtype (``"auto"``, left to transformers) on a GPU."""
    import torch

    if dtype is None:
        dtype = "auto"
    if isinstance(dtype, torch.dtype):
        return dtype
    name = str(dtype).lower().removeprefix("torch.")
    if name == "auto":
        if on_cuda is None:
            on_cuda = torch.cuda.is_available()
        return "auto" if on_cuda else torch.float32
    aliases = {
        "fp32": "float32",
        "fp16": "float16",
        "half": "float16",
        "bf16": "bfloat16",
        "float": "float32",
    }
    name = aliases.get(name, name)
    value = getattr(torch, name, None)
    if not isinstance(value, torch.dtype):
        raise UsageError(f"unknown dtype {dtype!r}; use auto, float32, float16 or bfloat16")
    return value


@contextlib.contextmanager
def quiet_transformers() -> Iterator[None]:
    """Hide transformers' own tqdm bars ("Loading weights", "Writing model shards"): they would
    interleave with the harness's rich progress display."""
    from transformers.utils import logging as hf_logging

    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


BUILT_MODEL_FILES = ("config.json", "model.safetensors")  # what save_built_model writes (one shard)


def save_built_model(model: Any, out_dir: Path) -> None:
    """``model.save_pretrained(out_dir)`` on whichever rank builds it. Once torch.distributed is
    initialised, transformers writes nothing on ranks other than 0; a model built here is this
    process's own (not a shard), and a launch's ranks race to build the cached copy."""
    model.should_save_on_this_rank = lambda is_main_process: True
    with quiet_transformers():
        model.save_pretrained(str(out_dir))


def load_tokenizer(path: Path | str) -> Any:
    """``AutoTokenizer`` from a directory, with a pad token (LLaMA has none; generation left-pads).

    The pad token falls back to ``<unk>`` (id 0, as BELLE's training code does) and then to EOS.
    """
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(path))
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.unk_token if tokenizer.unk_token is not None else tokenizer.eos_token
    return tokenizer


TOKENIZER_HINT = (
    "Pass a Hugging Face tokenizer folder (tokenizer_config.json with tokenizer.model or "
    "tokenizer.json), e.g. one written by `harness extend-vocab`."
)


def check_tokenizer_dir(tokenizer: str | Path) -> Path:
    """``--tokenizer`` for a Hugging Face model: an existing folder (or a hub id), checked before any
    work so that a typo is a usage error in a second, not a traceback after model loading."""
    path = Path(tokenizer).expanduser()
    if path.is_dir():
        return path
    if path.exists():
        raise UsageError(
            f"--tokenizer {path}: is a file; this model needs a tokenizer folder", hint=TOKENIZER_HINT
        )
    text = str(tokenizer)
    if path.is_absolute() or text.startswith((".", "~")) or text.count("/") > 1 or "\\" in text:
        raise UsageError(f"--tokenizer {path}: no such folder", hint=TOKENIZER_HINT)
    return path  # "org/name": a hub id, resolved (or refused offline) when the tokenizer loads


class LocalModel(ModelComponent):
    """A causal LM whose weights are (or become) a local directory in Hugging Face format.

    ``tokenizer`` optionally names a different tokenizer directory (e.g. an extended vocabulary);
    ``dtype`` and ``device_map`` are the defaults for :meth:`load`.
    """

    default_generator = "hf"

    def __init__(
        self,
        name: str,
        *,
        prompt_template: str | None = None,
        system_prompt: str | None = None,
        tokenizer: str | Path | None = None,
        dtype: Any = "auto",
        device_map: Any = None,
    ) -> None:
        self.name = name
        # What the user asked for (a registry name, a .jinja path, or a string with {question});
        # ``None`` lets the registry entry, the model directory or the tokenizer decide.
        self.prompt_template = prompt_template
        self.system_prompt = system_prompt
        self.registry_template: str | None = None  # set by recipes (registry/models/*.yaml)
        self.registry_source = ""
        self.tokenizer_path = check_tokenizer_dir(tokenizer) if tokenizer else None
        self.dtype = dtype
        self.device_map = device_map
        self._path: Path | None = None
        self._template: Any = None
        self._prompt_tokenizer: Any = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r})"

    # ------------------------------------------------------------------------------ prompting

    def prompt_tokenizer(self) -> Any:
        """The tokenizer prompts are built with (loaded once)."""
        if self._prompt_tokenizer is None:
            self._prompt_tokenizer = self.load_tokenizer()
        return self._prompt_tokenizer

    def template(self) -> Any:
        """The resolved :class:`~harness.prompts.template.PromptTemplate` (see the module docstring).

        A ``system_prompt`` the template cannot carry is a UsageError, never silently dropped."""
        if self._template is None:
            tokenizer = self.prompt_tokenizer()
            template = resolve_template(
                requested=self.prompt_template,
                registry_entry=self.registry_template,
                registry_source=self.registry_source,
                model_dir=self.local_path(),
                tokenizer=tokenizer,
            )
            if self.system_prompt is not None and not supports_system(template, tokenizer):
                raise UsageError(
                    f"model {self.name!r}: its prompt template {template.name!r} has no system message, "
                    "so --system-prompt cannot be applied",
                    hint="Drop --system-prompt, or choose a template with one (--prompt-template chatml "
                    "or a .jinja file).",
                )
            self._template = template
        return self._template

    def messages_for(self, question: str, history: Sequence[dict[str, str]] = ()) -> list[dict[str, str]]:
        """The conversation a question becomes: an optional system message, the earlier turns of a
        multi-turn sample (``history``: user turns and the model's own answers), then the question."""
        system = [{"role": "system", "content": self.system_prompt}] if self.system_prompt is not None else []
        return [*system, *(dict(m) for m in history), {"role": "user", "content": question}]

    def format_prompt(self, question: str, history: Sequence[dict[str, str]] = ()) -> str:
        """The prompt as text, BOS/EOS shown as the tokenizer's strings (what run records show)."""
        return render_text(self.template(), self.messages_for(question, history), self.prompt_tokenizer())

    def prompt_token_ids(
        self, question: str, tokenizer: Any = None, history: Sequence[dict[str, str]] = ()
    ) -> list[int]:
        """The ids the model is prompted with: the same encoding ``harness train`` uses."""
        return prompt_ids(
            self.template(), self.messages_for(question, history), tokenizer or self.prompt_tokenizer()
        )

    def stop_strings(self) -> list[str]:
        """The template's stop strings: an answer ends at the first one (FastChat's ``stop_str``)."""
        return list(self.template().stop)

    def context_length(self) -> int | None:
        """The context its ``config.json`` declares (prompt and answer together), ``None`` if none."""
        import json

        try:
            config = json.loads((self.local_path() / "config.json").read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):  # no readable config: the run says "unknown"
            return None
        return context_from_config(config) if isinstance(config, dict) else None

    def describe_prompt(self, example_question: str) -> dict[str, Any]:
        """What run.json records: template name, kind, origin, source, sha256, stop strings and one
        rendered example."""
        template = self.template()
        return {
            "template": template.name,
            "kind": template.kind,
            "origin": template.origin,
            "source": template.source,
            "sha256": template.sha256,
            "system_prompt": self.system_prompt,
            "stop_strings": list(template.stop),
            "example": self.format_prompt(example_question),
        }

    def _resolve(self) -> Path:  # pragma: no cover - abstract
        raise NotImplementedError

    def local_path(self) -> Path:
        """The HF-format directory, built or fetched on first call and remembered."""
        if self._path is None:
            self._path = Path(self._resolve())
        return self._path

    def preflight(self) -> bool:
        """Before a run: its directory, ``config.json`` and tokenizer load (True: they were checked)."""
        check_model_files(self)
        return True

    def load_tokenizer(self) -> Any:
        if self.tokenizer_path is None:
            return load_tokenizer(self.local_path())
        try:
            return load_tokenizer(self.tokenizer_path)
        except Exception as exc:  # whatever transformers raises on a folder that is not a tokenizer
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            raise UsageError(
                f"--tokenizer {self.tokenizer_path}: not a tokenizer this model can load ({first})",
                hint=TOKENIZER_HINT,
            ) from None

    def load(self, *, dtype: Any = None, device_map: Any = None) -> tuple[Any, Any]:
        """``(model, tokenizer)`` in eval mode. fp32 on CPU unless a dtype is asked for."""
        from transformers import AutoModelForCausalLM

        path = self.local_path()
        tokenizer = self.load_tokenizer()
        dtype = resolve_dtype(dtype if dtype is not None else self.dtype)
        device_map = device_map if device_map is not None else self.device_map
        kwargs: dict[str, Any] = {"dtype": dtype}
        if device_map is not None:
            kwargs["device_map"] = device_map
        with quiet_transformers():
            model = AutoModelForCausalLM.from_pretrained(str(path), **kwargs)
        model.eval()
        if model.generation_config.pad_token_id is None:
            model.generation_config.pad_token_id = tokenizer.pad_token_id
        return model, tokenizer
