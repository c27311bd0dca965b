"""LLaMA-EXT (BELLE paper, section 5): how much shorter Chinese gets, and what that saves in compute.

1. Tokenizer. Trains the ``llama-ext`` recipe (``registry/tokenizers/llama-ext.yaml``: a 50K BPE
   sentencepiece model on the Chinese corpora of the shared data folder -- the Chinese sides of the
   open-chinese Alpaca translation and alpaca_zh demo, sharegpt_zh_1K, Belle_open_source_1k and the
   cmrc2018 Wikipedia paragraphs; the BELLE eval set is held out), merges it into the real 32,000-piece
   LLaMA tokenizer and measures average tokens per line on the 1,000 held-out BELLE eval records
   (question and reference answer). The EXT/LLaMA ratio is printed beside the paper's 0.397 (733 -> 291
   tokens per line) and must be at or below 0.40 (exit status 1 otherwise).
2. Compute. Times a forward+backward step of the same small LLaMA architecture with each vocabulary
   (embedding and LM head sized to it) on the same eval records tokenized both ways (one padded
   batch per step, alternating the two models over several rounds), and prints the time ratio next to the FLOPs ratio for this model and for a
   LLaMA-7B shape (analytic, 6N + 12 L h s per token).

    python bench/vocab_extension.py [--out DIR] [--records 12] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

PAPER_RATIO = 0.397
PAPER_TOKENS_PER_LINE = (733, 291)
THRESHOLD = 0.40


def eval_records(shared: Path) -> list[dict]:
    with (shared / "belle" / "eval_set.json").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def record_text(record: dict) -> str:
    return record["question"] + ("\n" + record["std_answer"] if record["std_answer"] else "")


def build_tokenizer(out_dir: Path, show_progress: bool):
    from harness.vocab.extend import extend_tokenizer
    from harness.vocab.recipe import (
        load_recipe,
        recipe_corpus_files,
        recipe_sentencepiece_options,
        resolve_data_path,
    )

    recipe = load_recipe("llama-ext")
    return recipe, extend_tokenizer(
        resolve_data_path(recipe.base_tokenizer),
        recipe_corpus_files(recipe),
        out_dir,
        options=recipe_sentencepiece_options(recipe),
        max_sentences=recipe.options.max_sentences,
        skip_ascii=recipe.options.skip_ascii_pieces,
        score_policy=recipe.options.score_policy,
        min_cjk_share=recipe.options.min_cjk_share,
        show_progress=show_progress,
        recipe=recipe.name,
    )


def flops_per_token(vocab: int, hidden: int, layers: int, ffn: int, seq: float) -> float:
    """Training FLOPs per token: 6 x parameters touched per token (+ attention), embedding lookup free."""
    per_layer = 4 * hidden * hidden + 3 * hidden * ffn
    params = layers * per_layer + vocab * hidden  # the LM head; the input embedding is a lookup
    return 6 * params + 12 * layers * hidden * seq


def build_model(vocab: int, *, hidden: int, layers: int, ffn: int, heads: int):
    """A randomly initialised LLaMA of the given shape, fp32, in training mode."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=vocab,
        hidden_size=hidden,
        intermediate_size=ffn,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        num_key_value_heads=heads,
        max_position_embeddings=4096,
        tie_word_embeddings=False,
    )
    model = LlamaForCausalLM(config).to(torch.float32)
    model.config.use_cache = False
    model.train()
    return model


def fwd_bwd_seconds(model, sequences: list[list[int]]) -> float:
    """Seconds for one training step's forward+backward over ``sequences`` as one right-padded batch.

    Padding positions are masked out of attention and loss; the step also pays the vocabulary-sized
    costs once (logits, softmax, dense embedding and LM-head gradients), as a real step does.
    """
    from harness.training.batching import collate
    from harness.training.sft_encoding import EncodedSample

    batch = collate([EncodedSample(input_ids=ids, labels=ids) for ids in sequences], pad_token_id=0)
    model.zero_grad(set_to_none=True)
    start = time.perf_counter()
    model(**batch).loss.backward()
    return time.perf_counter() - start


def time_both(base_model, base_ids, ext_model, ext_ids, repeats: int) -> dict:
    """Seconds per round of each model, their medians, and the median of the per-round ratios.

    Rounds alternate the two models, so load from other processes on a shared machine hits both
    alike; the per-round ratio is the robust figure.
    """
    fwd_bwd_seconds(base_model, base_ids)  # warm-up (allocator, kernels)
    fwd_bwd_seconds(ext_model, ext_ids)
    base_times, ext_times = [], []
    for _ in range(repeats):
        base_times.append(fwd_bwd_seconds(base_model, base_ids))
        ext_times.append(fwd_bwd_seconds(ext_model, ext_ids))
    ratios = [e / b for e, b in zip(ext_times, base_times, strict=True)]
    return {
        "llama_rounds_s": [round(t, 3) for t in base_times],
        "ext_rounds_s": [round(t, 3) for t in ext_times],
        "llama_s": statistics.median(base_times),
        "ext_s": statistics.median(ext_times),
        "time_ratio": statistics.median(ratios),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="keep the extended tokenizer here (default: a temp dir)")
    parser.add_argument(
        "--tokenizer",
        type=Path,
        help="measure this already built llama-ext directory instead of building one",
    )
    parser.add_argument("--records", type=int, default=4, help="eval records timed in the compute part")
    parser.add_argument("--hidden", type=int, default=512)
    parser.add_argument("--layers", type=int, default=8)
    parser.add_argument("--ffn", type=int, default=1376)
    parser.add_argument("--heads", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-timing", action="store_true")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)

    import sentencepiece as spm

    from harness.paths import shared_data_dir
    from harness.vocab.stats import tokenizer_stats

    shared = shared_data_dir()
    if shared is None:
        print("shared data folder absent (set HARNESS_SHARED_DATA)", file=sys.stderr)
        return 2
    tmp = tempfile.TemporaryDirectory(prefix="llama-ext-")
    out_dir = args.out or Path(tmp.name) / "llama-ext"
    start = time.perf_counter()
    if args.tokenizer is not None:
        from harness.vocab.recipe import load_recipe
        from harness.vocab.tokenizer_dir import read_manifest

        recipe, out_dir, m = load_recipe("llama-ext"), args.tokenizer, read_manifest(args.tokenizer)
        if m is None:
            print(f"{args.tokenizer} has no vocab_manifest.json", file=sys.stderr)
            return 2
        print(f"measuring the tokenizer in {out_dir} (recipe {m.get('recipe')})")
    else:
        recipe, result = build_tokenizer(out_dir, show_progress=sys.stderr.isatty())
        m = result.manifest
    build_s = time.perf_counter() - start
    timing = f"trained on {m['lines_trained']:,} lines in {m['timings']['train_s']:.0f}s"
    print(
        f"llama-ext: {m['base_size']:,} + {m['pieces_added']:,} = {m['merged_size']:,} pieces "
        f"(paper: {recipe.paper.merged_vocab_size:,}); {timing}"
        + ("" if args.tokenizer else f", whole build {build_s:.0f}s")
    )
    llama_model = shared / "tokenizers" / "llama_tokenizer.model"
    records = eval_records(shared)
    per_record = [record_text(r) for r in records]
    per_line = [line for text in per_record for line in text.split("\n") if line.strip()]
    figures: dict = {
        "merged_size": m["merged_size"],
        "pieces_added": m["pieces_added"],
        "build_s": round(build_s, 1),
        "paper_ratio": PAPER_RATIO,
    }
    for label, lines in (("per eval record (question + answer)", per_record), ("per text line", per_line)):
        base, ext = tokenizer_stats([("LLaMA", llama_model), ("LLaMA-EXT", out_dir)], lines)
        key = "record" if label.startswith("per eval") else "line"
        figures[key] = {
            "lines": len(lines),
            "llama_tokens_per_line": base.tokens_per_line,
            "ext_tokens_per_line": ext.tokens_per_line,
            "ratio": ext.ratio_to_first,
            "share_shorter": ext.share_lines_shorter,
            "llama_byte_fallback": base.byte_fallback_rate,
            "ext_byte_fallback": ext.byte_fallback_rate,
        }
        print(
            f"tokens {label}, {len(lines):,} lines: LLaMA {base.tokens_per_line:.1f} -> EXT "
            f"{ext.tokens_per_line:.1f}; ratio {ext.ratio_to_first:.3f} (paper {PAPER_RATIO}: "
            f"{PAPER_TOKENS_PER_LINE[0]} -> {PAPER_TOKENS_PER_LINE[1]}); {ext.share_lines_shorter:.1%} of lines "
            f"shorter; byte-fallback tokens {base.byte_fallback_rate:.1%} -> {ext.byte_fallback_rate:.1%}"
        )
    ok = figures["record"]["ratio"] <= THRESHOLD

    if not args.skip_timing:
        base_sp = spm.SentencePieceProcessor(model_file=str(llama_model))
        ext_sp = spm.SentencePieceProcessor(model_file=str(out_dir / "tokenizer.model"))
        chosen = per_record[: args.records]
        base_ids = [[1, *base_sp.encode(t)] for t in chosen]
        ext_ids = [[1, *ext_sp.encode(t)] for t in chosen]
        shape = {"hidden": args.hidden, "layers": args.layers, "ffn": args.ffn, "heads": args.heads}
        base_model = build_model(base_sp.get_piece_size(), **shape)
        ext_model = build_model(ext_sp.get_piece_size(), **shape)
        timed = time_both(base_model, base_ids, ext_model, ext_ids, args.repeats)
        base_s, ext_s, time_ratio = timed["llama_s"], timed["ext_s"], timed["time_ratio"]
        base_tokens, ext_tokens = sum(map(len, base_ids)), sum(map(len, ext_ids))
        # padded widths, for the record: the step processes batch x width positions
        base_width, ext_width = max(map(len, base_ids)), max(map(len, ext_ids))

        def total_flops(vocab, seqs, hidden, layers, ffn):
            return sum(len(s) * flops_per_token(vocab, hidden, layers, ffn, len(s)) for s in seqs)

        small = total_flops(
            ext_sp.get_piece_size(), ext_ids, args.hidden, args.layers, args.ffn
        ) / total_flops(base_sp.get_piece_size(), base_ids, args.hidden, args.layers, args.ffn)
        seven_b = total_flops(ext_sp.get_piece_size(), ext_ids, 4096, 32, 11008) / total_flops(
            base_sp.get_piece_size(), base_ids, 4096, 32, 11008
        )
        figures["timing"] = {
            **shape,
            "records": len(chosen),
            "llama_tokens": base_tokens,
            "ext_tokens": ext_tokens,
            "batch_shapes": [[len(base_ids), base_width], [len(ext_ids), ext_width]],
            "llama_s": round(base_s, 3),
            "ext_s": round(ext_s, 3),
            "time_ratio": time_ratio,
            "llama_rounds_s": timed["llama_rounds_s"],
            "ext_rounds_s": timed["ext_rounds_s"],
            "flops_ratio_this_model": small,
            "flops_ratio_llama_7b_shape": seven_b,
        }
        print(
            f"forward+backward, small LLaMA (hidden {args.hidden}, {args.layers} layers, FFN {args.ffn}), "
            f"one step on {len(chosen)} eval records, {base_tokens:,} vs {ext_tokens:,} tokens "
            f"(padded {len(chosen)}x{base_width} vs {len(chosen)}x{ext_width}): LLaMA {base_s:.2f}s, "
            f"EXT {ext_s:.2f}s (medians of {args.repeats} alternating rounds) -> time ratio {time_ratio:.3f} "
            f"(median of per-round ratios; FLOPs ratio {small:.3f}; for a LLaMA-7B shape the FLOPs ratio would "
            f"be {seven_b:.3f}; paper: about 60% less time)"
        )
        print(f"  rounds, seconds: LLaMA {timed['llama_rounds_s']}, EXT {timed['ext_rounds_s']}")
    print(
        f"{'PASS' if ok else 'FAIL'}: EXT/LLaMA tokens-per-line ratio {figures['record']['ratio']:.3f} "
        f"{'<=' if ok else '>'} {THRESHOLD} (paper {PAPER_RATIO})"
    )
    figures["pass"] = ok
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    tmp.cleanup()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
