"""CLI commands: ``extend-vocab`` (LLaMA-EXT tokenizer and model) and ``tokenizer-stats``.

Only typer is imported at module level; the work lives in :mod:`harness.vocab`, imported inside
the commands (sentencepiece, torch and transformers load only when a command runs).
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Annotated, Any

import typer

from harness.cli.context import console
from harness.errors import UsageError
from harness.terminal import json_text
from harness.vocab.corpus import DEFAULT_TEXT_FIELDS, CorpusFile, iter_lines
from harness.vocab.embeddings import resize_model_embeddings
from harness.vocab.extend import extend_tokenizer
from harness.vocab.stats import tokenizer_stats
from harness.vocab.train import SentencePieceOptions


def _corpus_files(paths: list[Path], text_fields: list[str] | None):
    fields = tuple(text_fields) if text_fields else DEFAULT_TEXT_FIELDS
    return [CorpusFile(Path(p), fields) for p in paths]


def extend_vocab(
    out: Annotated[
        Path, typer.Option("--out", help="Directory to write (a tokenizer dir, or a model dir with --model).")
    ],
    base_tokenizer: Annotated[
        str | None,
        typer.Option("--base-tokenizer", help="Base sentencepiece model: .model file, dir, or cached HF id."),
    ] = None,
    corpus: Annotated[
        list[Path] | None,
        typer.Option("--corpus", help="Training text: .txt, .json, .jsonl (optionally .xz/.gz); repeatable."),
    ] = None,
    text_field: Annotated[
        list[str] | None,
        typer.Option(
            "--text-field", help="JSON field(s) holding text, dotted for nesting (conversations.value)."
        ),
    ] = None,
    recipe: Annotated[
        str | None,
        typer.Option("--recipe", help="A registry/tokenizers recipe (e.g. llama-ext) or its YAML path."),
    ] = None,
    vocab_size: Annotated[
        int | None, typer.Option("--vocab-size", help="Pieces of the new model.", show_default="50000")
    ] = None,
    model_type: Annotated[
        str | None, typer.Option("--model-type", help="bpe or unigram.", show_default="bpe")
    ] = None,
    character_coverage: Annotated[
        float | None,
        typer.Option("--character-coverage", help="Share of characters covered.", show_default="0.9995"),
    ] = None,
    byte_fallback: Annotated[
        bool | None,
        typer.Option("--byte-fallback/--no-byte-fallback", help="Byte fallback.", show_default="on"),
    ] = None,
    normalization: Annotated[
        str | None,
        typer.Option("--normalization", help="identity, nmt_nfkc, nfkc, ...", show_default="identity"),
    ] = None,
    split_by_script: Annotated[
        bool | None,
        typer.Option(
            "--split-by-script/--no-split-by-script",
            help="Forbid pieces across Unicode scripts.",
            show_default="on",
        ),
    ] = None,
    max_sentences: Annotated[
        int | None,
        typer.Option(
            "--max-sentences", help="Sample at most this many lines (seeded).", show_default="2000000"
        ),
    ] = None,
    min_cjk_share: Annotated[
        float | None,
        typer.Option(
            "--min-cjk-share", help="Train only on lines at least this share CJK.", show_default="0"
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", help="Sampling and training seed.", show_default="42")
    ] = None,
    score_policy: Annotated[
        str | None, typer.Option("--score-policy", help="New piece scores: after-base, zero, new-model.")
    ] = None,
    keep_ascii_pieces: Annotated[
        bool,
        typer.Option(
            "--keep-ascii-pieces", help="Also add new pure-ASCII pieces (English text then changes)."
        ),
    ] = False,
    model: Annotated[
        Path | None,
        typer.Option("--model", help="Resize this HF LLaMA checkpoint to --tokenizer's vocabulary."),
    ] = None,
    tokenizer: Annotated[
        Path | None, typer.Option("--tokenizer", help="An extended tokenizer dir (with --model).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress display.")] = False,
) -> None:
    """Extend a LLaMA vocabulary (train BPE, merge, write a tokenizer), or resize a model to one (--model)."""
    out_console = console()
    if model is not None:
        if tokenizer is None:
            raise UsageError("--model needs --tokenizer (an extended tokenizer directory)")
        if corpus or base_tokenizer or recipe:
            raise UsageError(
                "--model resizes a checkpoint; it does not take --corpus, --base-tokenizer or --recipe"
            )

        with out_console.status("resizing embeddings", spinner="dots") if not quiet else nullcontext():
            report = resize_model_embeddings(model, tokenizer, out)
        out_console.print(
            f"[green]wrote[/] {report.out_dir}: vocabulary {report.old_vocab:,} -> {report.new_vocab:,}; "
            f"{report.initialised_from_pieces:,} new rows from base subwords, {report.initialised_from_mean:,} from the mean"
            f"{' (tied embeddings)' if report.tied else ''}"
        )
        return
    if tokenizer is not None:
        raise UsageError(
            "--tokenizer is for --model; to build a tokenizer pass --base-tokenizer and --corpus"
        )

    overrides = {
        "vocab_size": vocab_size,
        "model_type": model_type,
        "character_coverage": character_coverage,
        "byte_fallback": byte_fallback,
        "normalization": normalization,
        "split_by_unicode_script": split_by_script,
        "seed": seed,
    }
    recipe_name = None
    if recipe is not None:
        from harness.vocab.recipe import (
            load_recipe,
            recipe_corpus_files,
            recipe_sentencepiece_options,
            resolve_data_path,
        )

        spec = load_recipe(recipe)
        recipe_name = spec.name
        options = recipe_sentencepiece_options(spec, **overrides)
        corpora = _corpus_files(corpus, text_field) if corpus else recipe_corpus_files(spec)
        base = base_tokenizer or str(resolve_data_path(spec.base_tokenizer))
        max_lines = max_sentences if max_sentences is not None else spec.options.max_sentences
        cjk = min_cjk_share if min_cjk_share is not None else spec.options.min_cjk_share
        policy = score_policy or spec.options.score_policy
        skip_ascii = spec.options.skip_ascii_pieces and not keep_ascii_pieces
    else:
        if not base_tokenizer or not corpus:
            raise UsageError(
                "pass --base-tokenizer and --corpus (or --recipe NAME, or --model with --tokenizer)"
            )
        given: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
        options = SentencePieceOptions(**given)
        corpora = _corpus_files(corpus, text_field)
        base = base_tokenizer
        max_lines = max_sentences if max_sentences is not None else 2_000_000
        cjk = min_cjk_share or 0.0
        policy = score_policy or "after-base"
        skip_ascii = not keep_ascii_pieces
    result = extend_tokenizer(
        base,
        corpora,
        out,
        options=options,
        max_sentences=max_lines,
        skip_ascii=skip_ascii,
        score_policy=policy,
        min_cjk_share=cjk,
        show_progress=not quiet,
        recipe=recipe_name,
    )
    m = result.manifest
    out_console.print(
        f"[green]wrote[/] {result.out_dir}: {m['base_size']:,} base + {m['pieces_added']:,} new = "
        f"{m['merged_size']:,} pieces ({m['pieces_already_in_base']:,} already in the base, "
        f"{m['ascii_pieces_skipped']:,} ASCII pieces skipped; trained on {m['lines_trained']:,} lines)"
    )


def tokenizer_stats_command(
    tokenizer: Annotated[
        list[str],
        typer.Option("--tokenizer", help="Tokenizer dir or .model, optionally NAME=PATH; repeat (A first)."),
    ],
    corpus: Annotated[
        list[Path], typer.Option("--corpus", help="Lines to measure (.txt/.json/.jsonl, .xz ok); repeatable.")
    ],
    text_field: Annotated[
        list[str] | None, typer.Option("--text-field", help="JSON field(s) with text, dotted for nesting.")
    ] = None,
    max_lines: Annotated[
        int | None, typer.Option("--max-lines", help="Measure only the first N lines.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Emit JSON.")] = False,
) -> None:
    """Tokens per line and per character, byte-fallback rate, and B/A ratio of tokenizers on a corpus."""
    from itertools import islice

    named = []
    for item in tokenizer:
        name, sep, path = item.partition("=")
        named.append((name, path) if sep and not Path(item).exists() else (Path(item).name or item, item))
    lines: list[str] = []
    for corpus_file in _corpus_files(corpus, text_field):
        lines.extend(iter_lines(corpus_file))
    if max_lines is not None:
        lines = list(islice(lines, max_lines))
    results = tokenizer_stats(named, lines)
    if as_json:
        typer.echo(json_text([r.to_dict() for r in results], indent=2))
        return
    from rich.table import Table

    table = Table(
        title=f"tokenizer statistics on {len(lines):,} lines ({results[0].characters:,} characters)"
    )
    for column in (
        "tokenizer",
        "vocab",
        "tok/line",
        "tok/char",
        "byte fallback",
        f"ratio to {results[0].name}",
        "lines shorter",
    ):
        table.add_column(column, justify="left" if column == "tokenizer" else "right")
    for r in results:
        table.add_row(
            r.name,
            f"{r.vocab_size:,}",
            f"{r.tokens_per_line:.1f}",
            f"{r.tokens_per_char:.3f}",
            f"{r.byte_fallback_rate:.1%}",
            f"{r.ratio_to_first:.3f}",
            f"{r.share_lines_shorter:.1%}",
        )
    console().print(table)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("extend-vocab")(extend_vocab)
    app.command("tokenizer-stats")(tokenizer_stats_command)
