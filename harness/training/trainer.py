"""The ``deepspeed`` trainer: SFT or embedding-only pretraining through the real DeepSpeed engine.

One code path for a laptop CPU (one process, fp32, gloo) and a GPU cluster (one process per GPU
under ``deepspeed`` / ``accelerate launch``, bf16, NCCL): the model is wrapped by
``deepspeed.initialize`` with a ZeRO config from ``configs/deepspeed/``, the learning-rate schedule
is a warmup + cosine ``LambdaLR`` that DeepSpeed steps and checkpoints, and the data order is a
pure function of (seed, step) (:mod:`harness.training.batching`), so ``--resume`` from a
DeepSpeed checkpoint reproduces the loss curve of an uninterrupted run.

Output directory layout::

    OUT/                 the trained model (HF format: weights, config, tokenizer incl. tokenizer.model)
    OUT/train_log.jsonl  one line per logged step: step, loss, lr, tokens_per_s (+ mfu on GPU)
    OUT/train_config.json  the resolved config, DeepSpeed config, versions
    OUT/data_report.json   what the data loader and the encoder kept and dropped, and why
    OUT/checkpoints/     DeepSpeed checkpoints (global_step<N>/ with harness_manifest.json, latest)
"""

from __future__ import annotations

import json
import math
import platform
import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.component_bases import TrainerComponent
from harness.component_settings import ComponentSettings
from harness.errors import DataError, UsageError
from harness.manager import get_registry
from harness.prompts.resolve import write_record
from harness.terminal import make_console
from harness.training.batching import BatchPlan, collate
from harness.training.checkpoint_manifest import seal_checkpoint, verify_checkpoint
from harness.training.config import TrainConfig
from harness.training.distributed import init_process_group
from harness.training.ds_config import resolve_ds_config
from harness.training.export import save_model_dir
from harness.training.metrics import TrainLog, flops_per_token, mfu, peak_flops
from harness.training.pretrain_data import iter_documents, pack_documents
from harness.training.safe_checkpoint_engine import install as install_weights_only_loads
from harness.training.sft_encoding import EncodedSample, encode_conversations

CHECKPOINT_SUBDIR = "checkpoints"


@dataclass(frozen=True)
class TrainResult:
    """What a finished run produced."""

    out_dir: Path
    steps: int
    final_loss: float | None
    log_path: Path
    checkpoint_dir: Path
    resumed_from: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {k: str(v) if isinstance(v, Path) else v for k, v in self.__dict__.items()}


class DeepSpeedTrainer(TrainerComponent):
    """The registered ``deepspeed`` trainer; ``options`` are defaults for every ``train`` call."""

    name = "deepspeed"

    def __init__(self, **options: Any) -> None:
        self.options = options

    def train(self, **config: Any) -> TrainResult:
        return run_training(TrainConfig.from_kwargs(**{**self.options, **config}))


# ------------------------------------------------------------------------------------ helpers


def _console():
    return make_console(stderr=True)


def _versions() -> dict[str, str]:
    import importlib.metadata as md

    out = {"python": platform.python_version()}
    for pkg in ("torch", "transformers", "deepspeed", "harness-eval"):
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            pass
    return out


def _rng_state() -> dict[str, Any]:
    import numpy as np
    import torch

    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict[str, Any]) -> None:
    import numpy as np
    import torch

    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _seed_everything(seed: int) -> None:
    import numpy as np
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def load_sft_samples(
    config: TrainConfig, tokenizer: Any, template: Any = None
) -> tuple[list[EncodedSample], dict[str, Any]]:
    """Mixture -> conversations -> encoded samples, with the mixture's and the encoder's reports."""
    from harness.training.data import load_mixture

    # Long conversations are split at turn boundaries to fit max_length (as the paper split ShareGPT
    # at 2,048 tokens) rather than cut, so their later turns are still learned.
    mixture = load_mixture(
        config.data,
        data_dir=Path(config.data_dir).expanduser() if config.data_dir else None,
        tokenizer=tokenizer,
        max_samples_per_source=config.max_samples,
        seed=config.seed,
        drop_eval_overlap=config.drop_eval_overlap,
        max_tokens=config.max_length,
    )
    samples, encoding = encode_conversations(
        mixture.conversations, tokenizer, max_length=config.max_length, template=template
    )
    report = mixture.report
    report = report.to_dict() if hasattr(report, "to_dict") else report
    return samples, {"mixture": report, "encoding": encoding.to_dict()}


def load_pretrain_samples(config: TrainConfig, tokenizer: Any) -> tuple[list[EncodedSample], dict[str, Any]]:
    paths = [p.strip() for p in config.data.split(",") if p.strip()]
    blocks = pack_documents(
        iter_documents(paths), tokenizer, max_length=config.max_length, max_documents=config.max_samples
    )
    tokens = sum(len(b.input_ids) for b in blocks)
    return blocks, {"pretrain": {"files": paths, "blocks": len(blocks), "tokens": tokens}}


def freeze_all_but_embeddings(model: Any) -> list[str]:
    """Embedding-only pretraining (LLaMA-EXT): train ``embed_tokens`` and ``lm_head`` only."""
    trainable = []
    for name, param in model.named_parameters():
        param.requires_grad = "embed_tokens" in name or "lm_head" in name
        if param.requires_grad:
            trainable.append(name)
    if not trainable:
        raise UsageError("pretrain mode found no embed_tokens/lm_head parameters in this model")
    return trainable


def make_lr_lambda(kind: str, warmup_steps: int, total_steps: int):
    """The multiplier of the peak learning rate at each step (transformers' schedules' shapes)."""

    def factor(step: int) -> float:
        if step < warmup_steps:
            return float(step) / float(max(1, warmup_steps))
        if kind == "constant":
            return 1.0
        progress = float(step - warmup_steps) / float(max(1, total_steps - warmup_steps))
        if kind == "linear":
            return max(0.0, 1.0 - progress)
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * progress)))

    return factor


def _prune_checkpoints(ckpt_dir: Path, keep: int | None) -> None:
    if not keep:
        return
    tags = sorted(
        (p for p in ckpt_dir.glob("global_step*") if p.is_dir()),
        key=lambda p: int(p.name.removeprefix("global_step") or 0),
    )
    for old in tags[:-keep]:
        shutil.rmtree(old, ignore_errors=True)


# ------------------------------------------------------------------------------------ the run


def run_training(config: TrainConfig) -> TrainResult:
    import deepspeed
    import torch
    import torch.distributed as dist
    from transformers import AutoConfig, AutoModelForCausalLM

    from harness.models.base import load_tokenizer

    info = init_process_group()
    console = _console()
    say = console.print if info.is_main else (lambda *a, **k: None)
    on_cuda = torch.cuda.is_available()
    device = torch.device("cuda", info.local_rank) if on_cuda else torch.device("cpu")
    precision = config.resolved_precision(on_cuda)
    if config.precision == "auto" and not on_cuda:
        say("precision: fp32 (no GPU; Table 3's bf16 is ~10x slower than fp32 on CPU)")
    elif precision == "bf16" and not on_cuda:
        say("[yellow]precision: bf16 on CPU, as asked (expect it to be much slower than fp32)[/]")
    else:
        say(f"precision: {precision}")
    _seed_everything(config.seed)

    out_dir = Path(config.out).expanduser().resolve()
    ckpt_dir = out_dir / CHECKPOINT_SUBDIR
    # Refuse a checkpoint the harness did not write, up front and before anything is unpickled.
    latest = ckpt_dir / "latest"
    resume_tag = (
        verify_checkpoint(ckpt_dir) if config.resume and (latest.exists() or latest.is_symlink()) else None
    )

    given: dict[str, Any] = {"path": config.model_path, "prompt_template": config.prompt_template or None}
    explicit = frozenset(k for k, v in given.items() if v is not None)
    model_component = get_registry().create(
        "model", config.model, ComponentSettings(**given, explicit=explicit)
    )
    source_dir = Path(model_component.local_path())
    tokenizer_dir = Path(model_component.tokenizer_path or source_dir)
    tokenizer = load_tokenizer(tokenizer_dir)

    t0 = time.perf_counter()
    template = None
    if config.mode == "sft":
        # The template `harness run` will prompt the trained model with (recorded in OUT below).
        template = model_component.template()
        samples, data_report = load_sft_samples(config, tokenizer, template)
    else:
        samples, data_report = load_pretrain_samples(config, tokenizer)
    if not samples:
        raise DataError(f"no training samples left from {config.data!r} (see the data report)")
    say(f"data: {len(samples)} samples ({time.perf_counter() - t0:.1f}s)")

    hidden = AutoConfig.from_pretrained(str(source_dir)).hidden_size
    ds_config, ds_config_path = resolve_ds_config(
        config, world_size=info.world_size, on_cuda=on_cuda, hidden_size=hidden
    )
    dtype = torch.bfloat16 if precision == "bf16" else torch.float32
    hf_ds_config = None
    if ds_config.get("zero_optimization", {}).get("stage") == 3:
        # Partition weights while loading (deepspeed.zero.Init), so no rank holds a full 7B copy.
        from transformers.integrations import HfDeepSpeedConfig

        hf_ds_config = HfDeepSpeedConfig(ds_config)  # noqa: F841 - must stay alive while loading
    model = AutoModelForCausalLM.from_pretrained(str(source_dir), dtype=dtype)
    # config.vocab_size, not the weight's shape: under ZeRO-3 the loaded weight is a partition.
    if len(tokenizer) > model.config.vocab_size:
        model.resize_token_embeddings(len(tokenizer))
    model.config.use_cache = False
    if config.gradient_checkpointing:
        model.gradient_checkpointing_enable()
    trainable = freeze_all_but_embeddings(model) if config.mode == "pretrain" else None
    if trainable is not None:
        say(f"pretrain: only {', '.join(trainable)} trainable; every other weight frozen")

    plan = BatchPlan(
        n_samples=len(samples),
        micro_batch=config.micro_batch_size,
        grad_accum=config.grad_accum(info.world_size),
        world_size=info.world_size,
        seed=config.seed,
    )
    ranks = f"{info.world_size} rank{'s' if info.world_size > 1 else ''}"
    say(
        f"batch: micro {plan.micro_batch} x accumulation {plan.grad_accum} x {ranks} = global batch {plan.global_batch}"
    )
    total_steps = config.max_steps or max(1, math.ceil(config.epochs * plan.steps_per_epoch))
    warmup_steps = math.ceil(config.warmup_ratio * total_steps)
    lr_lambda = make_lr_lambda(config.lr_scheduler, warmup_steps, total_steps)

    def scheduler(optimizer):
        return torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)

    params = [p for p in model.parameters() if p.requires_grad]
    engine, _, _, lr_scheduler = deepspeed.initialize(
        model=model, model_parameters=params, config=ds_config, lr_scheduler=scheduler
    )
    n_params = sum(getattr(p, "ds_numel", p.numel()) for p in engine.module.parameters())

    plan_state = {
        "n_samples": len(samples),
        "global_batch": plan.global_batch,
        "seed": config.seed,
        "total_steps": total_steps,
    }
    start_step, resumed_from = 0, None
    if config.resume:
        if resume_tag is not None:
            if not install_weights_only_loads(engine):  # unpickle weights-only (safe_checkpoint_engine)
                say(
                    f"[yellow]--resume: the DeepSpeed config chose {type(engine.checkpoint_engine).__name__}; "
                    "the manifest was verified, but its loads are not restricted to weights-only[/]"
                )
            load_path, client_state = engine.load_checkpoint(str(ckpt_dir), tag=resume_tag)
            if load_path is None:
                raise DataError(f"could not load the checkpoint in {ckpt_dir}")
            start_step = resumed_from = int(client_state["step"])
            saved_plan = client_state.get("plan", {})
            if saved_plan and saved_plan != plan_state:
                say(
                    f"[yellow]--resume: the checkpoint was written with {saved_plan}, this run has {plan_state};"
                    " the loss curve will not match an uninterrupted run[/]"
                )
            if client_state.get("rng", {}).get(info.rank) is not None:
                _set_rng_state(client_state["rng"][info.rank])
            say(f"resumed from {load_path} at step {start_step}")
        else:
            say(f"[yellow]--resume: no checkpoint in {ckpt_dir}; starting from step 0[/]")

    if info.is_main:
        out_dir.mkdir(parents=True, exist_ok=True)
        resolved = {
            "config": config.to_dict(),
            "precision": precision,
            "world_size": info.world_size,
            "grad_accum": plan.grad_accum,
            "steps_per_epoch": plan.steps_per_epoch,
            "total_steps": total_steps,
            "warmup_steps": warmup_steps,
            "n_samples": len(samples),
            "n_params": n_params,
            "n_trainable_params": sum(p.numel() for p in params),
            "base_model_dir": str(source_dir),
            # the prompt format the conversations were encoded in (also OUT/harness_prompt.json)
            "prompt": (
                {"template": template.name, "origin": template.origin, "sha256": template.sha256}
                if template is not None
                else None
            ),
            "deepspeed_config_file": str(ds_config_path),
            "deepspeed_config": ds_config,
            "versions": _versions(),
        }
        (out_dir / "train_config.json").write_text(
            json.dumps(resolved, indent=2, default=str), encoding="utf-8"
        )
        (out_dir / "data_report.json").write_text(
            json.dumps(data_report, indent=2, ensure_ascii=False, default=str), encoding="utf-8"
        )
    log = TrainLog(out_dir, resume_step=start_step, tensorboard=config.tensorboard) if info.is_main else None
    if log is not None and log.tensorboard_reason:
        say(f"[yellow]{log.tensorboard_reason}[/]")

    peak = peak_flops(torch.cuda.get_device_name(device) if on_cuda else None)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0

    def save_checkpoint(step: int) -> None:
        rng: list[Any] = [None] * info.world_size
        if info.world_size > 1:
            dist.all_gather_object(rng, _rng_state())
        else:
            rng[0] = _rng_state()
        tag = f"global_step{step}"
        engine.save_checkpoint(  # `latest` is written by seal_checkpoint, after the manifest
            str(ckpt_dir),
            tag=tag,
            client_state={"step": step, "rng": dict(enumerate(rng)), "plan": plan_state},
            save_latest=False,
        )
        if info.is_main:  # save_checkpoint ends with a barrier: every rank's files are written
            seal_checkpoint(ckpt_dir, tag)
            _prune_checkpoints(ckpt_dir, config.save_total_limit)

    progress = None
    if info.is_main and config.progress:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        progress = Progress(
            TextColumn("train"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            TextColumn("{task.fields[status]}"),
            console=console,
        )
        progress.start()
        task = progress.add_task("train", total=total_steps, completed=start_step, status="")

    engine.train()
    final_loss: float | None = None
    interval_tokens, interval_samples_tokens, interval_start = 0, 0, time.perf_counter()
    interval_losses: list[float] = []
    try:
        for step in range(start_step, total_steps):
            step_loss = 0.0
            lr = lr_scheduler.get_last_lr()[0]
            micro_batches = plan.micro_batches(step, info.rank)
            for indices in micro_batches:
                batch = collate([samples[i] for i in indices], pad_token_id=pad_id)
                interval_tokens += int(batch["attention_mask"].sum())
                interval_samples_tokens += batch["input_ids"].numel()
                batch = {k: v.to(device) for k, v in batch.items()}
                loss = engine(**batch).loss
                engine.backward(loss)
                engine.step()
                step_loss += float(loss.detach()) / len(micro_batches)
            if info.world_size > 1:
                t = torch.tensor([step_loss], device=device, dtype=torch.float64)
                dist.all_reduce(t)
                step_loss = float(t[0]) / info.world_size
            interval_losses.append(step_loss)
            final_loss = step_loss
            done = step + 1
            if done % config.log_steps == 0 or done == total_steps:
                elapsed = max(time.perf_counter() - interval_start, 1e-9)
                counts = torch.tensor(
                    [interval_tokens, interval_samples_tokens], device=device, dtype=torch.float64
                )
                if info.world_size > 1:
                    dist.all_reduce(counts)
                tokens, padded_tokens = float(counts[0]), float(counts[1])
                record: dict[str, Any] = {
                    "step": done,
                    "loss": sum(interval_losses) / len(interval_losses),
                    "lr": lr,
                    "tokens_per_s": tokens / elapsed,
                    "epoch": step / plan.steps_per_epoch,
                }
                if on_cuda:
                    n_seqs = max(1, len(interval_losses) * plan.global_batch)
                    seq_len = padded_tokens / n_seqs
                    fpt = flops_per_token(n_params, model.config.num_hidden_layers, hidden, int(seq_len))
                    value = mfu(tokens / elapsed, fpt, peak, info.world_size)
                    if value is not None:
                        record["mfu"] = value
                if log is not None:
                    log.log(record)
                interval_tokens, interval_samples_tokens, interval_start = 0, 0, time.perf_counter()
                interval_losses = []
            if progress is not None:
                progress.update(task, completed=done, status=f"loss {step_loss:.4f} lr {lr:.2e}")
            if (
                config.save_outputs
                and config.save_steps
                and done % config.save_steps == 0
                and done != total_steps
            ):
                save_checkpoint(done)
        if config.save_outputs and (resumed_from is None or resumed_from < total_steps):
            save_checkpoint(total_steps)
    finally:
        if progress is not None:
            progress.stop()
        if log is not None:
            log.close()

    if config.save_outputs:
        save_model_dir(engine, tokenizer, tokenizer_dir, out_dir, is_main=info.is_main)
    if info.is_main and config.save_outputs and config.mode == "sft" and template is not None:
        write_record(out_dir, template)  # `harness run --model hf:OUT` prompts exactly as trained
    if info.world_size > 1:
        dist.barrier()
    say(
        f"model saved to {out_dir}"
        if config.save_outputs
        else f"log in {out_dir} (save_outputs=False: no model saved)"
    )
    return TrainResult(
        out_dir=out_dir,
        steps=total_steps,
        final_loss=final_loss,
        log_path=out_dir / "train_log.jsonl",
        checkpoint_dir=ckpt_dir,
        resumed_from=resumed_from,
    )
