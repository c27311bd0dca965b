"""Trainer throughput: the DeepSpeed trainer against a plain PyTorch loop, and MFU on a GPU.

1. Overhead. The same tiny model, the same encoded samples in the same order, the same micro batch
   and accumulation, fp32 (on CPU): tokens/s of ``harness train`` (DeepSpeed engine, ZeRO-2, log
   writing, checkpoint at the end excluded) against a bare ``loss.backward(); AdamW.step()`` loop.
   The ratio is what the engine and the trainer's bookkeeping cost.
2. MFU (only with CUDA). A LLaMA-7B-shaped model (hidden 4096, FFN 11008, 32 heads, vocab 32000)
   trained in bf16 through the same trainer; ``--layers`` of its 32 layers are kept so that weights,
   gradients and fp32 Adam states fit on one GPU (MFU is a per-layer figure). Printed from the
   trainer's own ``mfu`` log field (6N + 12 L h s FLOPs per token over the data-sheet bf16 peak).

    python bench/train_throughput.py [--steps 12] [--data "zh(alpaca-3.5&4)"] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path


def plain_loop_tokens_per_s(
    model_dir: Path, samples, *, micro: int, accum: int, steps: int, lr: float
) -> float:
    """Tokens/s of a bare PyTorch loop on ``samples`` in the trainer's order (first step excluded)."""
    import torch
    from transformers import AutoModelForCausalLM

    from harness.training.batching import BatchPlan, collate

    torch.manual_seed(0)
    model = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32)
    model.config.use_cache = False
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.0)
    plan = BatchPlan(n_samples=len(samples), micro_batch=micro, grad_accum=accum, seed=0)
    rates = []
    for step in range(steps):
        start, tokens = time.perf_counter(), 0
        for indices in plan.micro_batches(step):
            batch = collate([samples[i] for i in indices], pad_token_id=0)
            tokens += int(batch["attention_mask"].sum())
            loss = model(**batch).loss / accum
            loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        rates.append(tokens / (time.perf_counter() - start))
    return statistics.median(rates[1:])


def trainer_tokens_per_s(out: Path, **options) -> tuple[float, list[dict]]:
    from harness.training.metrics import read_log
    from harness.training.trainer import DeepSpeedTrainer

    DeepSpeedTrainer().train(out=str(out), progress=False, **options)
    log = read_log(out)
    return statistics.median(r["tokens_per_s"] for r in log[1:]), log


def overhead(args) -> dict:
    from harness.manager import get_registry
    from harness.models.base import load_tokenizer
    from harness.training.config import TrainConfig
    from harness.training.trainer import load_sft_samples

    model_dir = Path(get_registry().create("model", args.model).local_path())
    options = dict(
        model=args.model,
        data=args.data,
        data_dir=args.data_dir,
        max_samples=args.max_samples,
        max_steps=args.steps,
        lr=1e-4,
        max_length=args.max_length,
        global_batch_size=args.micro * args.accum,
        micro_batch_size=args.micro,
        zero_stage=2,
        precision="fp32",
        warmup_ratio=0.0,
    )
    config = TrainConfig.from_kwargs(out="unused", **options)
    samples, _ = load_sft_samples(config, load_tokenizer(model_dir))
    plain = plain_loop_tokens_per_s(
        model_dir, samples, micro=args.micro, accum=args.accum, steps=args.steps, lr=1e-4
    )
    with tempfile.TemporaryDirectory() as tmp:
        ds, _ = trainer_tokens_per_s(Path(tmp) / "out", **options)
    return {
        "model": args.model,
        "data": args.data,
        "samples": len(samples),
        "steps": args.steps,
        "micro_batch": args.micro,
        "grad_accum": args.accum,
        "max_length": args.max_length,
        "precision": "fp32",
        "plain_tokens_per_s": round(plain, 1),
        "trainer_tokens_per_s": round(ds, 1),
        "overhead_ratio": round(plain / ds, 3),
    }


def gpu_mfu(args) -> dict | None:
    import torch

    if not torch.cuda.is_available():
        return None
    from transformers import LlamaConfig, LlamaForCausalLM

    from harness.manager import get_registry

    tok_dir = Path(get_registry().create("model", args.model).local_path())
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = Path(tmp) / "llama7b-shaped"
        config = LlamaConfig(
            vocab_size=32000,
            hidden_size=4096,
            intermediate_size=11008,
            num_hidden_layers=args.layers,
            num_attention_heads=32,
            num_key_value_heads=32,
            max_position_embeddings=4096,
        )
        with torch.device("cuda"):
            model = LlamaForCausalLM(config).to(torch.bfloat16)
        model.save_pretrained(str(model_dir))
        del model
        torch.cuda.empty_cache()
        for name in ("tokenizer.model", "tokenizer_config.json", "special_tokens_map.json"):
            if (tok_dir / name).is_file():
                (model_dir / name).write_bytes((tok_dir / name).read_bytes())
        _, log = trainer_tokens_per_s(
            Path(tmp) / "out",
            model=f"hf:{model_dir}",
            data=args.data,
            data_dir=args.data_dir,
            max_steps=args.steps,
            lr=1e-5,
            max_length=args.gpu_max_length,
            global_batch_size=args.gpu_micro,
            micro_batch_size=args.gpu_micro,
            zero_stage=2,
            precision="bf16",
            gradient_checkpointing=True,
        )
    steady = log[2:] or log[1:]
    return {
        "device": torch.cuda.get_device_name(0),
        "layers": f"{args.layers} of 32 (LLaMA-7B shape)",
        "micro_batch": args.gpu_micro,
        "max_length": args.gpu_max_length,
        "tokens_per_s": round(statistics.median(r["tokens_per_s"] for r in steady), 1),
        "mfu": round(statistics.median(r.get("mfu", 0.0) for r in steady), 4),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="tiny-llama")
    parser.add_argument("--data", default="zh(alpaca-3.5&4)")
    parser.add_argument("--data-dir", default=None, help="default: ../shared/data when present")
    parser.add_argument("--max-samples", type=int, default=200)
    parser.add_argument("--steps", type=int, default=12)
    parser.add_argument("--micro", type=int, default=4)
    parser.add_argument("--accum", type=int, default=2)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--layers", type=int, default=8, help="GPU MFU: layers of the 7B-shaped model")
    parser.add_argument("--gpu-micro", type=int, default=4)
    parser.add_argument("--gpu-max-length", type=int, default=2048)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    if args.data_dir is None:
        from harness.paths import shared_data_dir

        shared = shared_data_dir()
        args.data_dir = str(shared) if shared else None
    result = {"overhead": overhead(args), "gpu": gpu_mfu(args)}
    text = json.dumps(result, indent=2, ensure_ascii=False)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
