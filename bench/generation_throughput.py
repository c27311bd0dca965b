"""Per-sample generation (BELLE's own inference loop) against the batched ``hf`` generator.

Same model, same prompts, same decoding: greedy with ``min_new_tokens = max_new_tokens``, so both
paths generate exactly the same number of tokens (and, being greedy, the same tokens -- the script
checks it). Both run under the same torch thread setting. Prints tokens per second for each path
and the ratio; with vLLM as a third row when vLLM and a GPU are available. Issue 5 asks for the
batched generator to be at least 3x the per-sample loop on CPU with ``tiny-llama``.

Prompts: the first ``--n`` questions of BELLE's eval set from ``../shared/data`` when present,
else the ``demo`` dataset.

    python bench/generation_throughput.py [--model tiny-llama] [--n 64] [--max-new-tokens 32]
                                          [--batch-size 16] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any


def load_questions(n: int) -> tuple[list[str], str]:
    from harness.paths import shared_data_dir

    shared = shared_data_dir()
    eval_set = shared / "belle" / "eval_set.json" if shared else None
    if eval_set is not None and eval_set.is_file():
        with eval_set.open(encoding="utf-8") as fh:
            questions = [json.loads(line)["question"] for line in fh if line.strip()]
        return questions[:n], f"BELLE eval set ({eval_set})"
    from harness.manager import get_registry

    samples = get_registry().create("dataset", "demo").load()
    return [s.question for s in samples][:n], "demo dataset"


def per_sample_loop(
    hf_model: Any, tokenizer: Any, prompts: list[list[int]], max_new_tokens: int
) -> tuple[list[list[int]], float]:
    """One prompt at a time, as BELLE's inference script does: generate, decode.

    ``prompts`` are the token ids the harness prompts with (its template, BOS included), so both
    sides see exactly the same input and their greedy answers can be compared.
    """
    import torch

    outputs, start = [], time.perf_counter()
    with torch.inference_mode():
        for prompt in prompts:
            input_ids = torch.tensor([prompt], dtype=torch.long, device=hf_model.device)
            generated = hf_model.generate(
                input_ids=input_ids,
                attention_mask=torch.ones_like(input_ids),
                max_new_tokens=max_new_tokens,
                min_new_tokens=max_new_tokens,
                do_sample=False,
                pad_token_id=tokenizer.pad_token_id,
            )
            new_ids = generated[0, input_ids.shape[1] :].tolist()
            tokenizer.decode(new_ids, skip_special_tokens=True)
            outputs.append(new_ids)
    return outputs, time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--model", default="tiny-llama", help="model name, e.g. tiny-llama, hf:<dir>, llama2c:<bin>"
    )
    parser.add_argument("--model-path", default=None)
    parser.add_argument("--tokenizer", default=None)
    parser.add_argument("--n", type=int, default=64, help="number of prompts")
    parser.add_argument("--max-new-tokens", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument(
        "--threads", type=int, default=None, help="torch CPU threads (default: generator's choice)"
    )
    parser.add_argument("--no-vllm", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()

    from harness.generation.hf import HFGenerator
    from harness.manager import get_registry
    from harness.protocols import EvalSample

    registry = get_registry()
    model = registry.create("model", args.model, path=args.model_path, tokenizer=args.tokenizer)
    questions, source = load_questions(args.n)
    samples = [EvalSample(id=f"q{i}", question=q, category="bench") for i, q in enumerate(questions)]

    generator = HFGenerator(
        batch_size=args.batch_size,
        max_new_tokens=args.max_new_tokens,
        min_new_tokens=args.max_new_tokens,
        greedy=True,
        num_threads=args.threads,
    )
    hf_model, tokenizer = generator.load(model)
    prompts = [model.prompt_token_ids(q, tokenizer) for q in questions]
    import torch

    with generator.cpu_threads(hf_model):
        threads = torch.get_num_threads()
        per_sample_loop(hf_model, tokenizer, prompts[:2], 4)  # warm-up (allocator, kernels)
        loop_ids, loop_seconds = per_sample_loop(hf_model, tokenizer, prompts, args.max_new_tokens)
    results: list[Any] = []
    start = time.perf_counter()
    generator.generate(model, samples, on_result=results.append)
    batched_seconds = time.perf_counter() - start

    by_id = {g.id: g for g in results}
    loop_tokens = sum(len(ids) for ids in loop_ids)
    batched_tokens = sum(g.n_new_tokens or 0 for g in results)
    identical = sum(
        by_id[s.id].answer == tokenizer.decode(ids, skip_special_tokens=True).strip()
        for s, ids in zip(samples, loop_ids, strict=True)
    )
    rows = [
        ("per-sample loop", loop_tokens, loop_seconds),
        (f"hf batched (batch {args.batch_size})", batched_tokens, batched_seconds),
    ]

    from harness.generation.vllm import VLLMGenerator, vllm_unavailable

    vllm_reason = "skipped (--no-vllm)" if args.no_vllm else vllm_unavailable()
    if vllm_reason is None:
        generator.close()
        vllm = VLLMGenerator(
            max_new_tokens=args.max_new_tokens, min_new_tokens=args.max_new_tokens, greedy=True
        )
        vllm_results: list[Any] = []
        vllm.generate(model, samples[:2], on_result=lambda g: None)  # warm-up (CUDA graphs)
        start = time.perf_counter()
        vllm.generate(model, samples, on_result=vllm_results.append)
        rows.append(("vllm", sum(g.n_new_tokens or 0 for g in vllm_results), time.perf_counter() - start))

    device = str(hf_model.device)
    print(
        f"model {model.name} on {device} ({threads} torch thread(s)); {len(prompts)} prompts from {source}; "
        f"{args.max_new_tokens} new tokens each (greedy, fixed length)"
    )
    print(f"{'path':<26} {'tokens':>8} {'seconds':>9} {'tokens/s':>10} {'vs loop':>8}")
    base = loop_tokens / loop_seconds
    figures = []
    for label, tokens, seconds in rows:
        rate = tokens / seconds
        figures.append(
            {"path": label, "tokens": tokens, "seconds": seconds, "tokens_per_s": rate, "ratio": rate / base}
        )
        print(f"{label:<26} {tokens:>8} {seconds:>9.2f} {rate:>10.1f} {rate / base:>7.2f}x")
    print(f"identical answers (batched vs loop): {identical}/{len(samples)}")
    if vllm_reason:
        print(f"vllm: {vllm_reason}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "model": model.name,
                    "device": device,
                    "threads": threads,
                    "n_prompts": len(prompts),
                    "max_new_tokens": args.max_new_tokens,
                    "identical": identical,
                    "rows": figures,
                },
                indent=2,
            )
        )
    return 0 if loop_tokens == batched_tokens else 1


if __name__ == "__main__":
    sys.exit(main())
