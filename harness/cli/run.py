"""CLI commands: ``run`` (generate, judge, score, report) and ``judge`` (re-judge a run)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from harness.cli.context import console
from harness.report.escape import terminal_text
from harness.report.judge_trust import pointwise_lines
from harness.report.rundir import read_judgments
from harness.report.summary import category_lines, summary_table
from harness.runs.judgment_lines import read_judgment_lines
from harness.runs.layout import JUDGMENTS, REPORT_HTML
from harness.scoring.headline import headline_text, scores_macro_name

if TYPE_CHECKING:
    from harness.scoring.records import Scores

GEN = "Generation"
JUDGE = "Judging"
RUN = "Run directory"
# Bounds on judge requests; the defaults are harness.api.ApiSettings's (180 s, 64 KiB, 20).
DEADLINE_HELP = "Seconds one judge request may take, retries included."
REPLY_HELP = "Bytes of a judge reply kept; a longer one is stored cut, unscored 'reply too large'."
FAILURES_HELP = "Stop the run after this many judge requests in a row got no reply."
BATCH_HELP = "Send the judge's requests as one OpenAI batch (half the price, results within 24 h)."
BATCH_WAIT_HELP = "Seconds to wait on the batch; then the run ends 'waiting' and the same command polls it."
PACING_HELP = (
    "auto: pace judge requests from the server's rate-limit headers; off: keep --judge-concurrency in flight."
)


def _judge_settings(
    model,
    api_base,
    concurrency,
    repeats,
    no_cache,
    max_cost,
    deadline,
    max_reply,
    max_failures,
    batch=False,
    batch_wait=None,
    pacing=None,
):
    """The ``--judge-*`` options as the typed object the judge receives (None: not given here)."""
    from harness.judging.settings import JudgeSettings

    return JudgeSettings(
        model=model,
        api_base=api_base,
        concurrency=concurrency,
        repeats=repeats,
        use_cache=False if no_cache else None,
        max_cost=max_cost,
        deadline=deadline,
        max_reply_bytes=max_reply,
        max_consecutive_failures=max_failures,
        batch=True if batch else None,
        batch_wait=batch_wait,
        pacing=pacing,
    )


def _split(value: str | None) -> list[str] | None:
    return [part.strip() for part in value.split(",") if part.strip()] if value else None


def run(
    model: Annotated[
        str | None,
        typer.Option(
            help="Model: tiny-llama, llama, llama-ext, hf:<id-or-path>, litellm:<id>, llama2c:<ckpt>.",
            rich_help_panel=GEN,
        ),
    ] = None,
    judge: Annotated[
        str | None,
        typer.Option(
            help="Judge: gpt35, ref-f1, or any plugin's judge.", show_default="gpt35", rich_help_panel=JUDGE
        ),
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="YAML file of run options (command-line options override it).",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    model_path: Annotated[
        str | None, typer.Option(help="Local model directory (or HF id) for the model.", rich_help_panel=GEN)
    ] = None,
    tokenizer: Annotated[
        str | None,
        typer.Option(help="Tokenizer path (e.g. a sentencepiece model for llama2c:).", rich_help_panel=GEN),
    ] = None,
    dataset: Annotated[
        str | None,
        typer.Option(
            help="Eval dataset, or a .jsonl/.json/.csv file of your own.", show_default="belle-eval"
        ),
    ] = None,
    field: Annotated[
        str | None,
        typer.Option(
            "--field",
            help="For a dataset file: which field holds what, e.g. question=q,reference=gold,category=cat,id=qid.",
        ),
    ] = None,
    data_dir: Annotated[
        str | None,
        typer.Option(
            help="Use local copies of the data files (or HARNESS_DATA_DIR).", envvar="HARNESS_DATA_DIR"
        ),
    ] = None,
    categories: Annotated[str | None, typer.Option(help="Only these category ids, comma-separated.")] = None,
    limit: Annotated[
        int | None, typer.Option(help="Only the first N samples (after --categories).", min=1)
    ] = None,
    generator: Annotated[
        str | None,
        typer.Option(help="Generator.", show_default="the model's own, e.g. hf", rich_help_panel=GEN),
    ] = None,
    # -- prompt format (issue 15.1): see harness/prompts/resolve.py for the order of precedence
    prompt_template: Annotated[
        str | None,
        typer.Option(
            help="Prompt format: a registry template (chatml, belle-958c91b-train, ...), tokenizer-chat-template, or a .jinja file.",
            show_default="the model's registry entry, else its tokenizer's chat_template, else the paper's format",
            rich_help_panel=GEN,
        ),
    ] = None,
    system_prompt: Annotated[
        str | None,
        typer.Option(
            help="A system message before every question (only with a template that has one).",
            rich_help_panel=GEN,
        ),
    ] = None,
    max_new_tokens: Annotated[
        int | None,
        typer.Option(
            help="Max new tokens per answer.", show_default="the dataset's, else 512", rich_help_panel=GEN
        ),
    ] = None,
    truncate_prompts: Annotated[
        str | None,
        typer.Option(
            help="left: cut the oldest tokens of a prompt too long for the model's context (recorded per sample).",
            show_default="refuse such a prompt",
            rich_help_panel=GEN,
        ),
    ] = None,
    temperature: Annotated[
        float | None,
        typer.Option(
            help="Sampling temperature.", show_default="0.001, as in the paper", rich_help_panel=GEN
        ),
    ] = None,
    greedy: Annotated[
        bool | None,
        typer.Option("--greedy/--sample", help="Greedy decoding instead of sampling.", rich_help_panel=GEN),
    ] = None,
    batch_size: Annotated[
        int | None, typer.Option(help="Generation batch size.", show_default="8", rich_help_panel=GEN)
    ] = None,
    dtype: Annotated[
        str | None,
        typer.Option(
            help="Model dtype: auto, float32, bfloat16, float16.", show_default="auto", rich_help_panel=GEN
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed.", show_default="42")] = None,
    judge_model: Annotated[
        str | None,
        typer.Option(
            help="litellm model the judge calls.",
            show_default="the judge's own, gpt-3.5-turbo for gpt35",
            rich_help_panel=JUDGE,
        ),
    ] = None,
    judge_api_base: Annotated[
        str | None,
        typer.Option(help="OpenAI-compatible base URL (or OPENAI_BASE_URL).", rich_help_panel=JUDGE),
    ] = None,
    judge_concurrency: Annotated[
        int | None,
        typer.Option(
            help="Concurrent judge requests (the ceiling when paced).",
            show_default="16",
            min=1,
            rich_help_panel=JUDGE,
        ),
    ] = None,
    judge_pacing: Annotated[
        str | None, typer.Option(help=PACING_HELP, show_default="auto", rich_help_panel=JUDGE)
    ] = None,
    judge_repeats: Annotated[
        int | None,
        typer.Option(
            help="Judge each answer K times and report the spread.",
            show_default="1",
            min=1,
            rich_help_panel=JUDGE,
        ),
    ] = None,
    jury_aggregation: Annotated[
        str | None,
        typer.Option(
            help="With --judge-model a,b,c (a jury): mean or median of the jurors' scores.",
            show_default="mean",
            rich_help_panel=JUDGE,
        ),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Bypass the judge cache.", rich_help_panel=JUDGE)
    ] = False,
    max_cost: Annotated[
        float | None,
        typer.Option(help="Stop judging cleanly once this many USD are spent.", rich_help_panel=JUDGE),
    ] = None,
    judge_deadline: Annotated[
        float | None, typer.Option(help=DEADLINE_HELP, show_default="180", min=0.001, rich_help_panel=JUDGE)
    ] = None,
    judge_max_reply: Annotated[
        int | None, typer.Option(help=REPLY_HELP, show_default="65536", min=1024, rich_help_panel=JUDGE)
    ] = None,
    judge_max_failures: Annotated[
        int | None, typer.Option(help=FAILURES_HELP, show_default="20", min=1, rich_help_panel=JUDGE)
    ] = None,
    judge_batch: Annotated[
        bool, typer.Option("--judge-batch", help=BATCH_HELP, rich_help_panel=JUDGE)
    ] = False,
    judge_batch_wait: Annotated[
        float | None,
        typer.Option(help=BATCH_WAIT_HELP, show_default="until it ends", min=0.001, rich_help_panel=JUDGE),
    ] = None,
    out: Annotated[
        str | None,
        typer.Option(help="Parent directory of run directories.", show_default="runs", rich_help_panel=RUN),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(
            help="Run directory name.", show_default="MODEL_DATASET_JUDGE_TIMESTAMP", rich_help_panel=RUN
        ),
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Discard an existing run of another configuration under --name.",
            rich_help_panel=RUN,
        ),
    ] = False,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="No progress bars.")] = False,
    no_preflight: Annotated[
        bool,
        typer.Option(
            "--no-preflight", help="Skip the checks before generating (judge key and endpoint, model files)."
        ),
    ] = False,
) -> None:
    """Generate answers for an eval set, judge them, score them, and write the report.

    Resumable: run the same command again after a crash or Ctrl-C and it continues where it stopped.
    """
    from harness.runs.config import RunConfig
    from harness.runs.pipeline import run_eval

    overrides = {
        "model": model,
        "judge": judge,
        "model_path": model_path,
        "tokenizer": tokenizer,
        "dataset": dataset,
        "dataset_fields": field,
        "data_dir": data_dir,
        "categories": _split(categories),
        "limit": limit,
        "generator": generator,
        "max_new_tokens": max_new_tokens,
        "truncate_prompts": truncate_prompts,
        "temperature": temperature,
        "greedy": greedy,
        "batch_size": batch_size,
        "dtype": dtype,
        "seed": seed,
        "out": out,
        "name": name,
        "prompt_template": prompt_template,
        "system_prompt": system_prompt,
        "force": force or None,
        "progress": False if no_progress else None,
        **_judge_settings(
            judge_model,
            judge_api_base,
            judge_concurrency,
            judge_repeats,
            no_cache,
            max_cost,
            judge_deadline,
            judge_max_reply,
            judge_max_failures,
            judge_batch,
            judge_batch_wait,
            judge_pacing,
        ).run_config_items(),
        "preflight": False if no_preflight else None,
        "jury_aggregation": jury_aggregation,
    }
    if config is None and model is None:
        raise typer.BadParameter("give --model (or a --config file that names one)", param_hint="--model")
    cfg = RunConfig.from_sources(config, overrides)
    out_console = console()
    try:
        result = run_eval(cfg, log=lambda msg: out_console.print(msg, markup=False))
    except KeyboardInterrupt:
        resume = " ".join(shlex.quote(a) for a in ["harness", *sys.argv[1:]])
        console(stderr=True).print(
            f"\nInterrupted. Finished samples are saved; resume with:\n  {resume}", markup=False
        )
        raise typer.Exit(130) from None
    if result.status == "worker":  # a rank > 0 of a launched run: rank 0 writes and reports
        out_console.print("this rank's share is generated; rank 0 writes the run directory", markup=False)
        return
    _print_scores(result.scores, result.run_dir)
    _print_paper(cfg.model, result.scores)
    out_console.print(f"run directory: {result.run_dir}", markup=False)
    out_console.print(f"report: {result.run_dir / REPORT_HTML}", markup=False)
    if result.status != "complete":
        _failed_exit(result.failed)


def _failed_exit(failed: int) -> None:
    """Exit 1 when judgments failed: ``harness run`` and ``harness judge`` alike, so a script sees it."""
    console(stderr=True).print(
        f"{failed} judgments failed (network, rate limits or --max-cost); "
        "run the same command again to retry them.",
        markup=False,
    )
    raise typer.Exit(1)


def _print_scores(scores: Scores | None, run_dir: Path) -> None:
    """The run's headline, per-category table, macros and what to know about its judge."""
    if not scores:
        return

    headline = headline_text(scores.headline)
    if headline:  # the figure the run is quoted by leads, as in scores.csv
        console().print(terminal_text(headline))
    lines = category_lines(scores, read_judgments(run_dir / JUDGMENTS))
    console().print(summary_table(lines, scores.totals))
    _print_jury(scores.section("jury"))
    console().print(_macro_line(scores), markup=False)
    for note in pointwise_lines(scores.section("judge_bias")):
        console().print(terminal_text(note), markup=False)


def _macro_line(scores: Scores) -> str:
    """``macro ave``, and w/o others when the run has an ``others`` column (else it is the same)."""

    def fmt(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    others = "others" in scores.column_order
    return f"{scores_macro_name(scores)}: {fmt(scores.macro.mean)}" + (
        f"   macro ave w/o others: {fmt(scores.macro_wo_others.mean)}" if others else ""
    )


def _print_jury(jury) -> None:
    """A jury run: who the jurors were, how their verdicts were combined, and how far they agree."""
    if not jury:
        return

    alpha = jury.get("krippendorff_alpha_interval")
    console().print(
        terminal_text(
            f"jury of {len(jury['jurors'])} ({', '.join(jury['jurors'])}), {jury['aggregation']} of their scores; "
            f"agreement: Krippendorff's alpha (interval) {'–' if alpha is None else f'{alpha:.3f}'} over "
            f"{jury['units_by_two_or_more']} items scored by two or more"
        ),
        markup=False,
    )


def _print_paper(model: str, scores: Scores | None) -> None:
    """What the paper's figures mean for this model, and published beside measured where linked."""
    from harness.paper.models import model_note
    from harness.report.tables import paper_comparison

    note = model_note(model)
    if note:
        console().print(note, markup=False)
    if scores and scores.section("paper"):
        console().print(paper_comparison(scores.section("paper")))


def judge_command(
    run_dir: Annotated[
        Path, typer.Argument(help="A run directory written by `harness run`.", exists=True, file_okay=False)
    ],
    judge: Annotated[str, typer.Option(help="The judge to apply.")],
    judge_model: Annotated[
        str | None, typer.Option(help="litellm model the judge calls.", show_default="the judge's own")
    ] = None,
    judge_api_base: Annotated[
        str | None, typer.Option(help="OpenAI-compatible base URL.", show_default="the run's")
    ] = None,
    judge_concurrency: Annotated[
        int | None,
        typer.Option(
            help="Concurrent judge requests (the ceiling when paced).", show_default="the run's", min=1
        ),
    ] = None,
    judge_pacing: Annotated[str | None, typer.Option(help=PACING_HELP, show_default="auto")] = None,
    judge_repeats: Annotated[
        int | None, typer.Option(help="Judge each answer K times.", show_default="the run's", min=1)
    ] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache")] = False,
    max_cost: Annotated[float | None, typer.Option()] = None,
    judge_deadline: Annotated[
        float | None, typer.Option(help=DEADLINE_HELP, show_default="180", min=0.001)
    ] = None,
    judge_max_reply: Annotated[
        int | None, typer.Option(help=REPLY_HELP, show_default="65536", min=1024)
    ] = None,
    judge_max_failures: Annotated[
        int | None, typer.Option(help=FAILURES_HELP, show_default="20", min=1)
    ] = None,
    judge_batch: Annotated[bool, typer.Option("--judge-batch", help=BATCH_HELP)] = False,
    judge_batch_wait: Annotated[
        float | None, typer.Option(help=BATCH_WAIT_HELP, show_default="until it ends", min=0.001)
    ] = None,
    judgments_file: Annotated[
        str | None,
        typer.Option(help="Output file name in the run directory.", show_default="judgments-<judge>.jsonl"),
    ] = None,
) -> None:
    """Judge a run's existing answers again with another judge (no regeneration)."""
    from harness.runs.pipeline import rejudge

    out_console = console()
    path, judged = rejudge(
        run_dir,
        judge,
        settings=_judge_settings(
            judge_model,
            judge_api_base,
            judge_concurrency,
            judge_repeats,
            no_cache,
            max_cost,
            judge_deadline,
            judge_max_reply,
            judge_max_failures,
            judge_batch,
            judge_batch_wait,
            judge_pacing,
        ),
        judgments_file=judgments_file,
        log=lambda msg: out_console.print(msg, markup=False),
    )
    out_console.print(f"{judged} new judgments in {path}", markup=False)
    out_console.print(f"see: harness report {run_dir} --judgments {path.name}", markup=False)

    failed = sum(r["status"] == "failed" for r in read_judgment_lines(path).records)
    if failed:
        _failed_exit(failed)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("run")(run)
    app.command("judge")(judge_command)
