"""The paper's 60% claim: does the extended vocabulary cut training and inference time by 60%?

Ji et al. 2023 (section 5) extend LLaMA's vocabulary with Chinese pieces; average tokens per line on
their eval data fall from 733 to 291 (ratio 0.397), which they describe as cutting training and
inference time by about 60%. This bench measures, with the same model shape, on the BELLE eval set:

1. tokens per sample (question + gold answer, BOS included) with the LLaMA tokenizer and with the
   extended one, over all 1,000 records, and the ratio;
2. wall time of one training step (forward, backward, AdamW update) over the same records tokenized
   both ways, on a small LLaMA whose embedding and LM head are sized to each vocabulary (rounds
   alternate the two models; the ratio of the fastest rounds, see :func:`alternate`);
3. wall time of generating each record's gold answer after its question, one record at a time
   with the KV cache (``generate`` forced to emit exactly as many tokens as the answer takes in
   that tokenizer, EOS suppressed: the cost of producing that answer), same alternation.

Time ratios are printed beside the tokens ratio, the paper's 0.40 (60% less), and the FLOPs ratio of
this shape and of a LLaMA-7B shape: on a tiny model the LM head (vocabulary x hidden) dominates a
token's cost, so the larger vocabulary eats part of the saving; at 7B it is a small share.

The extended tokenizer is, by default, the shared Chinese-LLaMA-2 tokenizer (an extension of the
same LLaMA vocabulary: its first 32,000 pieces are LLaMA's; 55,296 pieces). ``--ext llama-ext``
builds the project's own LLaMA-EXT recipe first (``registry/tokenizers/llama-ext.yaml``, as
``bench/vocab_extension.py`` does; minutes), and ``--ext PATH`` measures any built tokenizer
(a ``harness extend-vocab`` directory or a ``.model`` file).

    python bench/vocab_speed.py [--ext chinese-llama2|llama-ext|PATH] [--train-records 4]
                                [--gen-records 2] [--hidden 128] [--layers 2] [--json out.json]

The defaults (a 2-layer, 128-wide model; 4 records per training step, 2 generated answers) keep a
run to a few minutes on 2 busy CPU cores; the token ratio is always over all 1,000 records.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from vocab_extension import build_model, build_tokenizer, eval_records, flops_per_token  # noqa: E402

PAPER_TOKEN_RATIO = 0.397
PAPER_TIME_RATIO = 0.40  # "reduces training and inference time by about 60%"


def resolve_ext(choice: str, shared: Path, tmp: Path) -> tuple[Path, str]:
    if choice == "chinese-llama2":
        return shared / "tokenizers" / "chinese_llama2_tokenizer.model", "Chinese-LLaMA-2 (shared)"
    if choice == "llama-ext":
        _, result = build_tokenizer(tmp / "llama-ext", show_progress=sys.stderr.isatty())
        return result.out_dir, "llama-ext (built now from the recipe)"
    path = Path(choice).expanduser()
    if not path.exists():
        raise SystemExit(f"--ext {choice}: no such file or directory")
    return path, str(path)


def train_step_seconds(model, optimizer, batches: list[list[list[int]]]) -> float:
    """Seconds for forward + backward + optimizer step over ``batches`` (right-padded, pads masked)."""
    from harness.training.batching import collate
    from harness.training.sft_encoding import EncodedSample

    start = time.perf_counter()
    for (
        sequences
    ) in batches:  # the trainer's own padding: right-padded, pads masked out of attention and loss
        batch = collate([EncodedSample(input_ids=seq, labels=seq) for seq in sequences], pad_token_id=0)
        optimizer.zero_grad(set_to_none=True)
        model(**batch).loss.backward()
        optimizer.step()
    return time.perf_counter() - start


def generation_seconds(model, pairs: list[tuple[list[int], int]]) -> float:
    """Seconds to generate exactly ``n`` tokens after each prompt, one prompt at a time (KV cache)."""
    import torch

    start = time.perf_counter()
    with torch.no_grad():
        for prompt, n in pairs:
            ids = torch.tensor([prompt])
            model.generate(
                input_ids=ids,
                attention_mask=torch.ones_like(ids),
                max_new_tokens=n,
                min_new_tokens=n,
                do_sample=False,
                pad_token_id=0,
                eos_token_id=2,
            )
    return time.perf_counter() - start


def change(ratio: float) -> str:
    return f"{1 - ratio:.0%} less" if ratio <= 1 else f"{ratio - 1:.0%} more"


def alternate(fn_a, fn_b, rounds: int) -> dict:
    """Time ``fn_a`` and ``fn_b`` in alternating rounds (after a warm-up of each).

    The headline ratio is of the *fastest* round of each: on a shared machine other processes only
    ever add time, so the minimum is the least disturbed measurement; the median of the per-round
    ratios is reported beside it."""
    fn_a(), fn_b()  # warm-up
    a_times, b_times = [], []
    for _ in range(rounds):
        a_times.append(fn_a())
        b_times.append(fn_b())
    return {
        "llama_s": min(a_times),
        "ext_s": min(b_times),
        "ratio": min(b_times) / min(a_times),
        "median_round_ratio": statistics.median(b / a for a, b in zip(a_times, b_times, strict=True)),
        "llama_rounds_s": [round(t, 3) for t in a_times],
        "ext_rounds_s": [round(t, 3) for t in b_times],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--ext", default="chinese-llama2", help="chinese-llama2 (default), llama-ext or a path"
    )
    parser.add_argument(
        "--train-records", type=int, default=4, help="eval records in the timed training step"
    )
    parser.add_argument("--batch", type=int, default=4, help="records per training micro-batch")
    parser.add_argument("--gen-records", type=int, default=2, help="eval records whose answers are generated")
    parser.add_argument(
        "--answer-chars", type=int, default=100, help="cap on each generated answer, characters"
    )
    parser.add_argument("--max-chars", type=int, default=600, help="cap on each training record, characters")
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--layers", type=int, default=2)
    parser.add_argument("--ffn", type=int, default=344)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads (1: a model this small gains nothing from more, and they contend)",
    )
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)

    import torch

    from harness.paths import shared_data_dir
    from harness.vocab.stats import TokenCounter

    if args.threads:
        torch.set_num_threads(args.threads)
    shared = shared_data_dir()
    if shared is None:
        print("shared data folder absent (set HARNESS_SHARED_DATA)", file=sys.stderr)
        return 2
    tmp = tempfile.TemporaryDirectory(prefix="vocab-speed-")
    ext_path, ext_label = resolve_ext(args.ext, shared, Path(tmp.name))
    llama = TokenCounter(shared / "tokenizers" / "llama_tokenizer.model")
    ext = TokenCounter(ext_path)
    records = eval_records(shared)

    # 1. tokens per sample, all records
    texts = [r["question"] + ("\n" + r["std_answer"] if r["std_answer"] else "") for r in records]
    llama_tokens = [1 + len(llama.encode(t)) for t in texts]
    ext_tokens = [1 + len(ext.encode(t)) for t in texts]
    token_ratio = sum(ext_tokens) / sum(llama_tokens)
    q_ratio = sum(len(ext.encode(r["question"])) for r in records) / sum(
        len(llama.encode(r["question"])) for r in records
    )
    print(f"tokenizers: LLaMA {llama.vocab_size:,} pieces vs EXT {ext.vocab_size:,} ({ext_label})")
    print(
        f"tokens per sample, {len(records):,} BELLE eval records (question + answer): LLaMA "
        f"{statistics.mean(llama_tokens):.1f} -> EXT {statistics.mean(ext_tokens):.1f}; ratio {token_ratio:.3f} "
        f"(questions only {q_ratio:.3f}); paper {PAPER_TOKEN_RATIO} (733 -> 291 per line)"
    )

    # 2. training step
    shape = {"hidden": args.hidden, "layers": args.layers, "ffn": args.ffn, "heads": args.heads}
    llama_model = build_model(llama.vocab_size, **shape)
    ext_model = build_model(ext.vocab_size, **shape)
    chosen = [t[: args.max_chars] for t in texts[: args.train_records]]

    def batches(counter):
        seqs = [[1, *counter.encode(t)] for t in chosen]
        return [seqs[i : i + args.batch] for i in range(0, len(seqs), args.batch)]

    llama_batches, ext_batches = batches(llama), batches(ext)
    opt_llama = torch.optim.AdamW(llama_model.parameters(), lr=1e-4)
    opt_ext = torch.optim.AdamW(ext_model.parameters(), lr=1e-4)
    train = alternate(
        lambda: train_step_seconds(llama_model, opt_llama, llama_batches),
        lambda: train_step_seconds(ext_model, opt_ext, ext_batches),
        args.rounds,
    )
    train_tokens = (sum(map(len, sum(llama_batches, []))), sum(map(len, sum(ext_batches, []))))

    def total_flops(vocab, seqs, hidden, layers, ffn):
        return sum(len(s) * flops_per_token(vocab, hidden, layers, ffn, len(s)) for s in seqs)

    flat_l, flat_e = sum(llama_batches, []), sum(ext_batches, [])
    flops_small = total_flops(ext.vocab_size, flat_e, args.hidden, args.layers, args.ffn) / total_flops(
        llama.vocab_size, flat_l, args.hidden, args.layers, args.ffn
    )
    flops_7b = total_flops(ext.vocab_size, flat_e, 4096, 32, 11008) / total_flops(
        llama.vocab_size, flat_l, 4096, 32, 11008
    )
    print(
        f"training step (fwd+bwd+AdamW), LLaMA shape hidden {args.hidden}, {args.layers} layers, FFN {args.ffn}; "
        f"{len(chosen)} records, {train_tokens[0]:,} vs {train_tokens[1]:,} tokens: LLaMA {train['llama_s']:.2f}s, "
        f"EXT {train['ext_s']:.2f}s (fastest of {args.rounds} rounds) -> time ratio {train['ratio']:.3f} ({change(train['ratio'])}; paper "
        f"{1 - PAPER_TIME_RATIO:.0%} less); FLOPs ratio {flops_small:.3f} here, {flops_7b:.3f} at LLaMA-7B shape"
    )

    # 3. generation of the gold answers
    with_answers = [r for r in records if r["std_answer"].strip()][: args.gen_records]

    def pairs(counter):
        return [
            (
                [1, *counter.encode(r["question"])],
                max(1, len(counter.encode(r["std_answer"][: args.answer_chars]))),
            )
            for r in with_answers
        ]

    llama_pairs, ext_pairs = pairs(llama), pairs(ext)
    for m in (llama_model, ext_model):
        m.eval()
        m.config.use_cache = True
    gen = alternate(
        lambda: generation_seconds(llama_model, llama_pairs),
        lambda: generation_seconds(ext_model, ext_pairs),
        args.rounds,
    )
    gen_tokens = (sum(n for _, n in llama_pairs), sum(n for _, n in ext_pairs))
    print(
        f"generation (KV cache, one record at a time), {len(with_answers)} gold answers of at most "
        f"{args.answer_chars} chars, {gen_tokens[0]:,} vs {gen_tokens[1]:,} new tokens: LLaMA {gen['llama_s']:.2f}s, "
        f"EXT {gen['ext_s']:.2f}s (fastest of {args.rounds} rounds) -> time ratio {gen['ratio']:.3f} ({change(gen['ratio'])}; paper "
        f"{1 - PAPER_TIME_RATIO:.0%} less)"
    )
    print(
        f"summary: tokens x{token_ratio:.3f}, training time x{train['ratio']:.3f}, generation time "
        f"x{gen['ratio']:.3f}; the paper's claim is x{PAPER_TIME_RATIO:.2f} (60% less)"
    )
    figures = {
        "ext": ext_label,
        "llama_vocab": llama.vocab_size,
        "ext_vocab": ext.vocab_size,
        "records": len(records),
        "tokens_per_sample": {
            "llama": statistics.mean(llama_tokens),
            "ext": statistics.mean(ext_tokens),
            "ratio": token_ratio,
            "questions_ratio": q_ratio,
            "paper_ratio": PAPER_TOKEN_RATIO,
        },
        "shape": shape,
        "train": {
            **train,
            "records": len(chosen),
            "tokens": train_tokens,
            "flops_ratio": flops_small,
            "flops_ratio_llama_7b_shape": flops_7b,
        },
        "generation": {**gen, "records": len(with_answers), "new_tokens": gen_tokens},
        "paper_time_ratio": PAPER_TIME_RATIO,
    }
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
