"""The tokenizer half of LLaMA-EXT: sample corpora, train a sentencepiece model, merge, write, verify.

This is the pipeline behind ``harness extend-vocab --base-tokenizer ... --corpus ...`` and the
``llama-ext`` recipe. It verifies its own output before returning (base pieces at their ids,
round-trip on mixed text, ASCII identity) because a merged vocabulary that silently re-numbers a
base piece would make every pretrained embedding row wrong.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import HarnessError
from harness.terminal import make_console
from harness.vocab.corpus import CorpusFile, file_sha256, sample_lines
from harness.vocab.merge import MergeResult, load_model_proto, merge_models
from harness.vocab.tokenizer_dir import resolve_sentencepiece_model, write_tokenizer_dir
from harness.vocab.train import SentencePieceOptions, train_sentencepiece

# Mixed Chinese / English / code samples every merged tokenizer must round-trip like its base.
CHECK_SAMPLES = (
    "请你写出一个可以生成五个不同随机数的 Python 程序。",
    "Hello world, this is LLaMA.",
    "def add(a, b):\n    # 返回两数之和\n    return a + b\n",
    "中英混排：The quick brown fox 跳过了 the lazy dog，共 3.14 秒。",
    "  leading spaces,\ttabs\tand 全角空格\u3000以及 emoji 🙂 and ümlauts.",
    "SELECT name FROM users WHERE age >= 18; -- 选择成年用户",
)
ASCII_SAMPLES = (
    "Hello world, this is LLaMA.",
    "def add(a, b):\n    return a + b\n",
    "The 1,000 BELLE eval questions cover 10 categories; scores range 0-1.",
    "for (int i = 0; i < n; ++i) { sum += x[i] * 2; }  // C++",
)


@dataclass
class ExtendResult:
    """Where the tokenizer went and the figures of the manifest."""

    out_dir: Path
    merge: MergeResult
    manifest: dict[str, Any]


def verify_extension(base_model: bytes, merged_model: bytes, samples: Sequence[str] = CHECK_SAMPLES) -> None:
    """Raise :class:`HarnessError` unless ``merged_model`` is a strict extension of ``base_model``.

    Checks: every base piece at its id with its score and type; decode(encode(x)) behaves as with the
    base on ``samples``; ASCII samples encode to the base ids.
    """
    import sentencepiece as spm

    base = load_model_proto(base_model)
    merged = load_model_proto(merged_model)
    for index, (old, new) in enumerate(zip(base.pieces, merged.pieces, strict=False)):
        if (old.piece, old.score, old.type) != (new.piece, new.score, new.type):
            raise HarnessError(f"merged model changed base piece {index}: {old.piece!r} -> {new.piece!r}")
    if len(merged.pieces) < len(base.pieces):
        raise HarnessError("merged model lost base pieces")
    base_sp = spm.SentencePieceProcessor(model_proto=base_model)
    merged_sp = spm.SentencePieceProcessor(model_proto=merged_model)
    for text in samples:
        base_ok = base_sp.decode(base_sp.encode(text)) == text
        merged_ok = merged_sp.decode(merged_sp.encode(text)) == text
        if merged_ok != base_ok:
            raise HarnessError(f"merged tokenizer does not round-trip {text!r} as the base does")
    for text in ASCII_SAMPLES:
        if merged_sp.encode(text) != base_sp.encode(text):
            raise HarnessError(f"merged tokenizer encodes ASCII text {text!r} differently from the base")


def _progress(show: bool):
    if not show:
        return nullcontext(None)
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        TextColumn("{task.completed:,}"),
        TimeElapsedColumn(),
        transient=False,
        console=make_console(),
    )


def extend_tokenizer(
    base_tokenizer: str | Path,
    corpora: Sequence[CorpusFile],
    out_dir: Path,
    *,
    options: SentencePieceOptions | None = None,
    max_sentences: int | None = 2_000_000,
    skip_ascii: bool = True,
    score_policy: str = "after-base",
    min_cjk_share: float = 0.0,
    show_progress: bool = False,
    recipe: str | None = None,
) -> ExtendResult:
    """Train a sentencepiece model on ``corpora``, merge it into ``base_tokenizer``, write ``out_dir``.

    ``max_sentences`` caps the lines sentencepiece sees (a seeded uniform sample over all corpora),
    which is what keeps training on a large corpus within minutes; ``min_cjk_share`` keeps only
    lines that are at least that share CJK (see :func:`harness.vocab.corpus.cjk_share`).
    """
    options = options or SentencePieceOptions()
    base_path = resolve_sentencepiece_model(base_tokenizer)
    base_bytes = base_path.read_bytes()
    load_model_proto(base_bytes)  # fail early on a bad base
    timings: dict[str, float] = {}
    with _progress(show_progress) as progress:
        start = time.perf_counter()
        on_file: Callable[[CorpusFile], None] | None
        on_line: Callable[[], None] | None
        if progress is not None:
            task = progress.add_task("reading corpora", total=None)

            def on_file(corpus: CorpusFile) -> None:
                progress.update(task, description=f"reading {corpus.path.name}")

            def on_line() -> None:
                progress.advance(task)
        else:
            on_file = on_line = None
        sample = sample_lines(
            corpora,
            max_sentences,
            options.seed,
            on_file=on_file,
            on_line=on_line,
            min_cjk_share=min_cjk_share,
        )
        timings["sample_s"] = round(time.perf_counter() - start, 2)
        if progress is not None:
            progress.update(
                task,
                description=f"sampled {len(sample.lines):,} of {sample.seen:,} lines",
                total=sample.seen,
                completed=sample.seen,
            )
            train_task = progress.add_task(
                f"training sentencepiece {options.model_type} ({options.vocab_size:,})", total=None
            )
        start = time.perf_counter()
        new_bytes = train_sentencepiece(sample.lines, options)
        timings["train_s"] = round(time.perf_counter() - start, 2)
        if progress is not None:
            progress.update(train_task, total=1, completed=1)
            merge_task = progress.add_task("merging and verifying", total=None)
        start = time.perf_counter()
        merged = merge_models(base_bytes, new_bytes, skip_ascii=skip_ascii, score_policy=score_policy)
        verify_extension(base_bytes, merged.model_bytes)
        timings["merge_s"] = round(time.perf_counter() - start, 2)
        manifest = {
            "kind": "harness.vocab.extension",
            "recipe": recipe,
            "base_tokenizer": str(base_tokenizer),
            "base_model_sha256": file_sha256(base_path),
            "base_size": merged.base_size,
            "new_model_size": len(load_model_proto(new_bytes).pieces),
            "merged_size": merged.merged_size,
            "pieces_added": len(merged.added),
            "pieces_already_in_base": merged.skipped_existing,
            "ascii_pieces_skipped": len(merged.skipped_ascii),
            "first_pieces_added": merged.added[:20],
            "corpora": [
                {
                    "path": str(c.path),
                    "sha256": file_sha256(c.path),
                    "format": c.format,
                    "text_fields": list(c.text_fields) if c.format != "text" else None,
                    "lines": sample.seen_per_file.get(str(c.path), 0),
                }
                for c in corpora
            ],
            "lines_seen": sample.seen,
            "lines_trained": len(sample.lines),
            "options": {
                **options.to_dict(),
                "max_sentences": max_sentences,
                "min_cjk_share": min_cjk_share,
                "skip_ascii_pieces": skip_ascii,
                "score_policy": score_policy,
            },
            "timings": timings,
        }
        write_tokenizer_dir(Path(out_dir), merged.model_bytes, manifest)
        if progress is not None:
            progress.update(merge_task, total=1, completed=1)
    return ExtendResult(out_dir=Path(out_dir), merge=merged, manifest=manifest)
