"""The ``hf`` generator: batched transformers generation with left padding.

Why it is built this way:

* **Left padding + attention mask.** A decoder generates after the last position, so prompts are
  padded on the left; transformers derives position ids from the attention mask, so a padded
  prompt sees exactly the positions it would see alone. Under greedy decoding the batched outputs
  equal one-at-a-time outputs token for token (tested on the real stories260K model).
* **Length-sorted batches** waste little compute on padding; results carry ids and input indices.
* **Results per batch.** ``on_result`` is called for each sample as soon as its batch finishes, so
  the run pipeline can append it to disk and a killed run loses at most one batch.
* **Data parallel** with accelerate: under ``accelerate launch`` (``WORLD_SIZE > 1``) each process
  takes every n-th batch on its own device, results are gathered, and only the main process calls
  ``on_result`` (one writer). Each process logs its share through ``log``. Every rank must be
  given the same samples (``harness run`` broadcasts rank 0's list). On one process, nothing
  distributed is set up.
* **Temperature 0.001** by default, as in the BELLE paper; ``greedy=True`` for exact argmax. A
  sample's own temperature or length (a dataset's) wins; batches never mix them.
* **Context.** A prompt that does not fit the model's context with its new tokens is refused, or cut
  where ``truncate_prompts`` says (:mod:`harness.generation.context`); the run's preflight refuses
  such prompts before the run, this guards the later turns of a conversation.
* **Stop strings.** An answer ends at the first of the template's stop strings
  (:mod:`harness.generation.stops`), as at EOS.
* **CPU threads.** For small models on CPU (under ``SMALL_MODEL_PARAMS``), intra-op threads only
  add synchronisation: on a busy 2-core machine one thread was 10-30x faster than two for
  stories260K. ``num_threads`` (default: 1 for small models on CPU, else torch's setting) applies
  during :meth:`HFGenerator.generate` and is restored afterwards.
"""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any

from harness.component_bases import GeneratorComponent
from harness.errors import UsageError
from harness.generation.batching import PromptItem, eos_id_set, length_sorted_batches, trim_at_eos
from harness.generation.context import PromptFit, check_room, context_from_config, fit_ids, refusal, too_long
from harness.generation.decoding import is_greedy
from harness.generation.stops import trim_at_stop
from harness.generation.turns import sample_prompt, sample_token_ids
from harness.process_group import destroy_process_group_at_exit
from harness.protocols import EvalSample, Generation, Model

PAPER_TEMPERATURE = 0.001
SMALL_MODEL_PARAMS = 50_000_000


def check_decoding(generator: str, max_new_tokens: Any, temperature: Any, greedy: bool) -> None:
    """The decoding options every local generator (``hf``, ``vllm``) refuses the same way."""
    if int(max_new_tokens) < 1:
        raise UsageError(f"generator {generator!r}: max_new_tokens must be >= 1, got {max_new_tokens}")
    if not greedy and float(temperature) <= 0:
        raise UsageError(
            f"generator {generator!r}: temperature must be > 0 (use greedy=true for argmax decoding)"
        )


# torchrun / accelerate (WORLD_SIZE), and MPI as `accelerate launch --mpirun_hostfile` starts it.
WORLD_SIZE_VARS = ("WORLD_SIZE", "OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "MV2_COMM_WORLD_SIZE")


def launched_world_size() -> int:
    """How many processes a launcher started for this job (1 without a launcher)."""
    for name in WORLD_SIZE_VARS:
        value = os.environ.get(name, "").strip()
        if value.isdigit():
            return int(value)
    return 1


def distributed_state() -> Any | None:
    """accelerate's ``PartialState`` when launched with several processes, else ``None``."""
    if launched_world_size() <= 1:
        return None
    import torch
    from accelerate import PartialState

    # cpu=True makes accelerate set up gloo for CPU ranks (torchrun on CPU); GPUs use NCCL.
    state = PartialState(cpu=not torch.cuda.is_available())
    destroy_process_group_at_exit()  # else a gloo rank can abort at exit after its work is done
    return state if state.num_processes > 1 else None


class HFGenerator(GeneratorComponent):
    """Generate answers with ``transformers``; see the module docstring for the design."""

    name = "hf"
    data_parallel = True  # shards batches over launched processes itself (see the module docstring)
    per_sample_temperature = True  # a sample's own temperature wins (harness.generation.decoding)
    per_sample_max_new_tokens = True  # and its own length (harness.generation.lengths)

    def __init__(
        self,
        *,
        batch_size: int = 8,
        max_new_tokens: int = 512,
        temperature: float = PAPER_TEMPERATURE,
        greedy: bool = False,
        top_p: float | None = None,
        seed: int = 0,
        device: str | None = None,
        dtype: Any = "auto",
        min_new_tokens: int | None = None,
        num_threads: int | None = None,
        keep_token_ids: bool = False,
        truncate_prompts: str | None = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        if int(batch_size) < 1:
            raise UsageError(f"generator 'hf': batch_size must be >= 1, got {batch_size}")
        check_decoding(self.name, max_new_tokens, temperature, greedy)
        self.batch_size = int(batch_size)
        self.max_new_tokens = int(max_new_tokens)
        self.min_new_tokens = int(min_new_tokens) if min_new_tokens else None
        self.temperature = float(temperature)
        self.greedy = bool(greedy)
        self.top_p = float(top_p) if top_p is not None else None
        self.seed = int(seed)
        self.device = device
        self.dtype = dtype
        self.num_threads = int(num_threads) if num_threads else None
        self.keep_token_ids = bool(keep_token_ids)  # also record the generated ids in ``meta``
        self.truncate_prompts = truncate_prompts  # None: a prompt too long for the context is refused
        self.stops: tuple[str, ...] = ()  # the model's template's stop strings, set by generate()
        self._loaded: tuple[Any, Any, Any] | None = None  # (model component, HF model, tokenizer)
        self.log = log  # where each process reports its share of a data-parallel run

    def settings(self) -> dict[str, Any]:
        """What decides the outputs (recorded in a run's config)."""
        return {
            "generator": self.name,
            "batch_size": self.batch_size,
            "max_new_tokens": self.max_new_tokens,
            "min_new_tokens": self.min_new_tokens,
            "temperature": None if self.greedy else self.temperature,
            "greedy": self.greedy,
            "top_p": self.top_p,
            "seed": self.seed,
            "num_threads": self.num_threads,
            "truncate_prompts": self.truncate_prompts,
        }

    # ------------------------------------------------------------------------------ loading

    def _target_device(self, state: Any | None) -> Any:
        import torch

        if self.device:
            return torch.device(self.device)
        if state is not None:
            return state.device
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")

    def load(self, model: Model) -> tuple[Any, Any]:
        """The HF model and tokenizer of ``model``, loaded once and kept until :meth:`close`."""
        if self._loaded is not None and self._loaded[0] is model:
            return self._loaded[1], self._loaded[2]
        self.close()
        # "auto" defers to the model's own dtype option (e.g. --dtype given for the model).
        hf_model, tokenizer = model.load() if self.dtype in (None, "auto") else model.load(dtype=self.dtype)
        if getattr(hf_model, "hf_device_map", None) is None:  # not already placed by a device_map
            hf_model.to(self._target_device(distributed_state()))
        if tokenizer.pad_token_id is None:
            raise UsageError(f"model {model.name!r}: its tokenizer has no pad token; batching needs one")
        self._loaded = (model, hf_model, tokenizer)
        return hf_model, tokenizer

    def close(self) -> None:
        """Free the loaded model (and GPU memory)."""
        if self._loaded is None:
            return
        self._loaded = None
        gc.collect()
        try:
            import torch

            if torch.cuda.is_available():
                torch.cuda.empty_cache()
        except ImportError:  # pragma: no cover
            pass

    # ---------------------------------------------------------------------------- generating

    @contextlib.contextmanager
    def cpu_threads(self, hf_model: Any) -> Iterator[None]:
        """Use ``num_threads`` torch threads (1 for small models on CPU by default), then restore."""
        import torch

        threads = self.num_threads
        if threads is None and hf_model.device.type == "cpu":
            if sum(p.numel() for p in hf_model.parameters()) < SMALL_MODEL_PARAMS:
                threads = 1
        previous = torch.get_num_threads()
        if threads is None or threads == previous:
            yield
            return
        torch.set_num_threads(threads)
        try:
            yield
        finally:
            torch.set_num_threads(previous)

    def _generation_config(
        self,
        hf_model: Any,
        tokenizer: Any,
        temperature: float | None = None,
        max_new_tokens: int | None = None,
    ) -> Any:
        """``temperature``/``max_new_tokens``: a sample's own (temperature 0 or nearly: greedy);
        ``None``: this generator's setting."""
        import copy

        config = copy.deepcopy(hf_model.generation_config)
        config.max_new_tokens = max_new_tokens or self.max_new_tokens
        config.stop_strings = list(self.stops) or None
        config.max_length = None
        config.min_new_tokens = self.min_new_tokens
        config.pad_token_id = tokenizer.pad_token_id
        if config.eos_token_id is None:
            config.eos_token_id = tokenizer.eos_token_id
        config.num_beams = 1
        greedy = self.greedy if temperature is None else is_greedy(temperature)
        if greedy:
            config.do_sample = False
            config.temperature = None
            config.top_p = None
            config.top_k = None
        else:
            config.do_sample = True
            config.temperature = self.temperature if temperature is None else float(temperature)
            config.top_p = self.top_p
            config.top_k = None
        return config

    def run_batch(
        self,
        hf_model: Any,
        tokenizer: Any,
        batch: Sequence[PromptItem],
        *,
        model_name: str,
        seed: int | None = None,
    ) -> list[Generation]:
        """Generate for one batch of prompts (left-padded to a common length)."""
        import torch

        own = batch[0].temperature  # one per batch (length_sorted_batches groups by it)
        config = self._generation_config(hf_model, tokenizer, own, batch[0].max_new_tokens)
        width = max(len(item.token_ids) for item in batch)
        input_ids = torch.full((len(batch), width), tokenizer.pad_token_id, dtype=torch.long)
        attention_mask = torch.zeros((len(batch), width), dtype=torch.long)
        for row, item in enumerate(batch):
            input_ids[row, width - len(item.token_ids) :] = torch.tensor(item.token_ids, dtype=torch.long)
            attention_mask[row, width - len(item.token_ids) :] = 1
        device = hf_model.device
        if seed is not None:
            torch.manual_seed(seed)
        with torch.inference_mode():
            output = hf_model.generate(
                input_ids=input_ids.to(device),
                attention_mask=attention_mask.to(device),
                generation_config=config,
                **(
                    {"tokenizer": tokenizer} if self.stops else {}
                ),  # transformers matches stop strings with it
            )
        eos_ids = eos_id_set(config.eos_token_id)
        results = []
        for row, item in enumerate(batch):
            new_ids, finish_reason, answer = self._answer(output[row, width:].tolist(), eos_ids, tokenizer)
            results.append(
                Generation(
                    id=item.id,
                    answer=answer,
                    prompt=item.prompt,
                    model=model_name,
                    n_prompt_tokens=len(item.token_ids),
                    n_new_tokens=len(new_ids),
                    finish_reason=finish_reason,
                    meta={
                        "index": item.index,
                        "generator": self.name,
                        **({"temperature": own} if own is not None else {}),
                        **({"max_new_tokens": item.max_new_tokens} if item.max_new_tokens else {}),
                        **({"truncated": item.truncated} if item.truncated else {}),
                        **({"token_ids": new_ids} if self.keep_token_ids else {}),
                    },
                )
            )
        return results

    def _answer(self, generated: list[int], eos_ids: set[int], tokenizer: Any) -> tuple[list[int], str, str]:
        """A row's new ids (through EOS or the stop string), its finish reason and its answer text."""
        new_ids, finish_reason = trim_at_eos(generated, eos_ids)
        answer_ids = new_ids[:-1] if finish_reason == "eos" else new_ids

        def decode(ids: Sequence[int]) -> str:
            return tokenizer.decode(list(ids), skip_special_tokens=True)

        stopped_ids, before_stop = trim_at_stop(answer_ids, decode, self.stops)
        if before_stop is not None:
            return stopped_ids, "stop", before_stop.strip()
        return new_ids, finish_reason, decode(answer_ids).strip()

    def fit_context(self, items: list[PromptItem], context: int | None, model_name: str) -> list[PromptItem]:
        """Every prompt fits ``context`` with its new tokens, cut where ``truncate_prompts`` says, or
        the run stops (exit 2) naming those that do not (:mod:`harness.generation.context`). The
        run's preflight refuses them earlier; this guards later turns and direct use."""
        if context is None:
            return items
        fits = [
            PromptFit(item.id, len(item.token_ids), item.max_new_tokens or self.max_new_tokens)
            for item in items
        ]
        for budget in sorted({fit.new_tokens for fit in fits}):
            check_room(context, budget, model_name)
        over = too_long(fits, context)
        if not over:
            return items
        if self.truncate_prompts is None:
            raise refusal(over, len(fits), context, model_name)
        fitted = []
        for item, fit in zip(items, fits, strict=True):
            ids, cut = fit_ids(item.token_ids, context, fit.new_tokens, self.truncate_prompts)
            fitted.append(replace(item, token_ids=tuple(ids), truncated=cut) if cut else item)
        return fitted

    def prepare(self, model: Model, tokenizer: Any, samples: Sequence[EvalSample]) -> list[PromptItem]:
        """Prompts and their token ids, built by the model's template through the same encoding
        ``harness train`` uses (:mod:`harness.prompts.encode`), BOS and all. A model that only
        offers ``format_prompt`` gets its text tokenized with the tokenizer's special tokens."""
        prompts = [sample_prompt(model, sample) for sample in samples]
        own = [sample_token_ids(model, sample, tokenizer) for sample in samples]
        encoded: Sequence[Any] = own
        if None in own:  # the model gives no ids: its prompt text, with the tokenizer's special tokens
            encoded = tokenizer(prompts, add_special_tokens=True)["input_ids"] if prompts else []
        return [
            PromptItem(
                index=i,
                id=sample.id,
                prompt=prompt,
                token_ids=tuple(ids),
                temperature=sample.temperature,
                max_new_tokens=sample.max_new_tokens,
            )
            for i, (sample, prompt, ids) in enumerate(zip(samples, prompts, encoded, strict=True))
        ]

    def generate(
        self,
        model: Any,
        samples: Sequence[EvalSample],
        *,
        on_result: Callable[[Generation], None],
    ) -> None:
        """Generate answers for ``samples``; ``on_result`` gets each one as its batch finishes.
        ``model``: a built model (a :class:`~harness.protocols.Model` with every
        :class:`~harness.component_bases.ModelComponent` default)."""
        if not samples:
            return
        hf_model, tokenizer = self.load(model)
        self.stops = tuple(model.stop_strings())
        items = self.prepare(model, tokenizer, samples)
        items = self.fit_context(items, context_from_config(hf_model.config.to_dict()), model.name)
        batches = length_sorted_batches(items, self.batch_size)
        state = distributed_state()
        with self.cpu_threads(hf_model):
            if state is not None:
                self._generate_data_parallel(state, hf_model, tokenizer, batches, model.name, on_result)
                return
            for number, batch in enumerate(batches):
                for result in self.run_batch(
                    hf_model, tokenizer, batch, model_name=model.name, seed=self.seed + number
                ):
                    on_result(result)

    def _generate_data_parallel(
        self,
        state: Any,
        hf_model: Any,
        tokenizer: Any,
        batches: list[list[PromptItem]],
        model_name: str,
        on_result: Callable[[Generation], None],
    ) -> None:
        """Round-robin batches over processes; every round gathers to the main process, which alone
        calls ``on_result``. All ranks run the same number of rounds (some with no batch)."""
        from accelerate.utils import gather_object

        world, rank = state.num_processes, state.process_index
        share = batches[rank::world]
        if self.log is not None:
            self.log(
                f"generation: rank {rank} of {world}: {sum(len(b) for b in share)} of "
                f"{sum(len(b) for b in batches)} samples ({len(share)} of {len(batches)} batches)"
            )
        rounds = (len(batches) + world - 1) // world
        for round_number in range(rounds):
            number = round_number * world + rank
            mine: list[dict[str, Any]] = []
            if number < len(batches):
                mine = [
                    g.to_dict()
                    for g in self.run_batch(
                        hf_model, tokenizer, batches[number], model_name=model_name, seed=self.seed + number
                    )
                ]
            gathered = gather_object(mine)
            if state.is_main_process:
                for record in gathered:
                    on_result(Generation(**record))
