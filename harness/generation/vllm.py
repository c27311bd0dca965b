"""The ``vllm`` generator: the ``hf`` generator's contract on vLLM (optional extra, CUDA only).

vLLM does its own continuous batching, so prompts are submitted in chunks of ``chunk_size``:
large enough to keep the GPU busy, small enough that results reach ``on_result`` (and disk)
regularly. ``vllm`` is imported only when a generation starts; :func:`vllm_unavailable` answers
``harness list`` without importing vllm or torch.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from harness.component_bases import GeneratorComponent
from harness.generation.context import PromptFit, check_room, fit_ids, refusal, too_long
from harness.generation.decoding import is_greedy
from harness.generation.hf import PAPER_TEMPERATURE, check_decoding
from harness.generation.turns import sample_prompt, sample_token_ids
from harness.protocols import EvalSample, Generation, Model


def _has_cuda_device() -> bool:
    """An NVIDIA device is visible (checked from the driver's files: no torch import)."""
    gpus = Path("/proc/driver/nvidia/gpus")
    if gpus.is_dir() and any(gpus.iterdir()):
        return True
    return any(Path("/dev").glob("nvidia[0-9]*"))


def vllm_unavailable() -> str | None:
    """``None`` when vLLM can run here, else the reason (shown by ``harness list``)."""
    if importlib.util.find_spec("vllm") is None:
        return "vllm is not installed (pip install 'harness-eval[vllm]')"
    if not _has_cuda_device():
        return "no CUDA GPU found (vLLM needs one)"
    return None


class VLLMGenerator(GeneratorComponent):
    """Generate answers with vLLM; same options and records as :class:`~harness.generation.hf.HFGenerator`."""

    name = "vllm"
    per_sample_temperature = True  # one SamplingParams per prompt where a sample has its own
    per_sample_max_new_tokens = True  # likewise for a sample's own length

    def __init__(
        self,
        *,
        batch_size: int = 256,
        max_new_tokens: int = 512,
        temperature: float = PAPER_TEMPERATURE,
        greedy: bool = False,
        top_p: float | None = None,
        seed: int = 0,
        dtype: Any = "auto",
        min_new_tokens: int | None = None,
        tensor_parallel_size: int = 1,
        gpu_memory_utilization: float = 0.9,
        truncate_prompts: str | None = None,
    ) -> None:
        check_decoding(self.name, max_new_tokens, temperature, greedy)
        self.chunk_size = max(1, int(batch_size))
        self.max_new_tokens = int(max_new_tokens)
        self.min_new_tokens = int(min_new_tokens) if min_new_tokens else 0
        self.temperature = float(temperature)
        self.greedy = bool(greedy)
        self.top_p = float(top_p) if top_p is not None else 1.0
        self.seed = int(seed)
        self.dtype = dtype
        self.tensor_parallel_size = int(tensor_parallel_size)
        self.gpu_memory_utilization = float(gpu_memory_utilization)
        self.truncate_prompts = truncate_prompts  # None: a prompt too long for the context is refused
        self._engine: tuple[Any, Any] | None = None  # (model component, vllm.LLM)

    def settings(self) -> dict[str, Any]:
        return {
            "generator": self.name,
            "batch_size": self.chunk_size,
            "max_new_tokens": self.max_new_tokens,
            "temperature": None if self.greedy else self.temperature,
            "greedy": self.greedy,
            "top_p": self.top_p,
            "seed": self.seed,
            "truncate_prompts": self.truncate_prompts,
        }

    def _llm(self, model: Any) -> Any:
        if self._engine is not None and self._engine[0] is model:
            return self._engine[1]
        self.close()
        from vllm import LLM

        path = model.local_path()
        tokenizer = model.tokenizer_path or path
        llm = LLM(
            model=str(path),
            tokenizer=str(tokenizer),
            dtype=str(self.dtype or "auto"),
            seed=self.seed,
            tensor_parallel_size=self.tensor_parallel_size,
            gpu_memory_utilization=self.gpu_memory_utilization,
        )
        self._engine = (model, llm)
        return llm

    def close(self) -> None:
        self._engine = None

    def _fit(
        self, model: Model, llm: Any, samples: Sequence[EvalSample], ids: list[list[int]]
    ) -> tuple[list[list[int]], list[dict | None]]:
        """The prompts' ids fitted to the engine's context as the hf generator fits them
        (:mod:`harness.generation.context`): refused, or cut where ``truncate_prompts`` says."""
        config = getattr(getattr(llm, "llm_engine", None), "model_config", None)
        context = getattr(config, "max_model_len", None)
        if not isinstance(context, int):  # an engine that does not say: vLLM refuses such prompts itself
            return ids, [None] * len(ids)
        fits = [
            PromptFit(s.id, len(one), s.max_new_tokens or self.max_new_tokens)
            for s, one in zip(samples, ids, strict=True)
        ]
        for budget in sorted({fit.new_tokens for fit in fits}):
            check_room(context, budget, model.name)
        over = too_long(fits, context)
        if over and self.truncate_prompts is None:
            raise refusal(over, len(fits), context, model.name)
        if not over:
            return ids, [None] * len(ids)
        assert self.truncate_prompts is not None  # refused above when some prompt is over
        fitted = [
            fit_ids(one, context, fit.new_tokens, self.truncate_prompts)
            for one, fit in zip(ids, fits, strict=True)
        ]
        return [one for one, _ in fitted], [cut for _, cut in fitted]

    def generate(
        self,
        model: Any,  # a built model: the Model protocol and every ModelComponent default
        samples: Sequence[EvalSample],
        *,
        on_result: Callable[[Generation], None],
    ) -> None:
        if not samples:
            return
        from vllm import SamplingParams

        llm = self._llm(model)

        stops = list(model.stop_strings())

        def sampling(temperature: float | None, length: int | None) -> Any:
            """This generator's decoding, or a sample's own temperature (0 or nearly: greedy) and length."""
            greedy = self.greedy if temperature is None else is_greedy(temperature)
            chosen = self.temperature if temperature is None else float(temperature)
            return SamplingParams(
                temperature=0.0 if greedy else chosen,
                top_p=1.0 if greedy else self.top_p,
                max_tokens=length or self.max_new_tokens,
                min_tokens=self.min_new_tokens,
                seed=None if greedy else self.seed,
                stop=stops or None,  # vLLM leaves the stop string out of the text, as FastChat does
            )

        default = sampling(None, None)
        # one SamplingParams per prompt only where a sample has a temperature or length of its own
        per_sample = [
            default
            if s.temperature is None and s.max_new_tokens is None
            else sampling(s.temperature, s.max_new_tokens)
            for s in samples
        ]
        prompts = [sample_prompt(model, sample) for sample in samples]
        cuts: list[dict | None] = [None] * len(samples)
        # The same token ids the hf generator and training use (template, BOS and all): vLLM is
        # given ids, not text, so it cannot add or drop special tokens of its own.
        inputs: list[Any] = prompts
        own = [sample_token_ids(model, sample) for sample in samples]
        if None not in own:  # a model that gives no ids is sent its prompt text
            ids, cuts = self._fit(model, llm, samples, own)  # type: ignore[arg-type]
            inputs = [{"prompt_token_ids": one} for one in ids]
        for start in range(0, len(samples), self.chunk_size):
            chunk = range(start, min(start + self.chunk_size, len(samples)))
            outputs = llm.generate([inputs[i] for i in chunk], [per_sample[i] for i in chunk], use_tqdm=False)
            for index, output in zip(chunk, outputs, strict=True):
                completion = output.outputs[0]
                on_result(
                    Generation(
                        id=samples[index].id,
                        answer=completion.text.strip(),
                        prompt=prompts[index],
                        model=model.name,
                        n_prompt_tokens=len(output.prompt_token_ids or ()),
                        n_new_tokens=len(completion.token_ids),
                        finish_reason=_finish_reason(completion),
                        meta={
                            "index": index,
                            "generator": self.name,
                            **(
                                {"temperature": samples[index].temperature}
                                if samples[index].temperature is not None
                                else {}
                            ),
                            **(
                                {"max_new_tokens": samples[index].max_new_tokens}
                                if samples[index].max_new_tokens
                                else {}
                            ),
                            **({"truncated": cuts[index]} if cuts[index] else {}),
                        },
                    )
                )


def _finish_reason(completion: Any) -> str:
    """``length``, ``stop`` (a stop string: vLLM's ``stop_reason`` is the string) or ``eos``."""
    if completion.finish_reason == "length":
        return "length"
    return "stop" if isinstance(getattr(completion, "stop_reason", None), str) else "eos"
