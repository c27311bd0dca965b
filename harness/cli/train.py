"""CLI command ``train``: fine-tune a model with a registered trainer (default: ``deepspeed``).

Options left unset are not passed on, so the trainer's own defaults (the paper's Table 3) apply.
``--print-launch`` prints the ``deepspeed`` / ``accelerate launch`` command that runs the same
training on several GPUs or nodes instead of training here.
"""

from __future__ import annotations

import json
import os
from typing import Annotated

import typer

from harness.cli.context import console, registry
from harness.terminal import inert
from harness.training.launch import check_hostfile, launch_command

HP = "Hyper-parameters (default: the paper's Table 3)"
DATA = "Data"
SYS = "DeepSpeed and checkpoints"
LAUNCH = "Multi-GPU launch"


def train(
    model: Annotated[str, typer.Option(help="Base model: tiny-llama, llama, llama-ext, hf:<id-or-path>...")],
    data: Annotated[
        str,
        typer.Option(
            help="sft: a mixture such as 'zh(alpaca-3.5&4)+sharegpt'; pretrain: text files, comma-separated.",
            rich_help_panel=DATA,
        ),
    ],
    out: Annotated[
        str, typer.Option(help="Output model directory (also holds train_log.jsonl and checkpoints/).")
    ],
    model_path: Annotated[
        str | None, typer.Option(help="Local directory of the base model's weights.")
    ] = None,
    prompt_template: Annotated[
        str | None,
        typer.Option(
            help="Prompt format the conversations are trained in (recorded in OUT/harness_prompt.json for harness run): a registry template, tokenizer-chat-template or a .jinja file.",
            show_default="the base model's own",
            rich_help_panel=DATA,
        ),
    ] = None,
    mode: Annotated[
        str | None,
        typer.Option(
            help="sft (conversations, loss on answers) or pretrain (plain text, embeddings only).",
            show_default="sft",
        ),
    ] = None,
    trainer: Annotated[str, typer.Option(help="Trainer component.")] = "deepspeed",
    data_dir: Annotated[
        str | None,
        typer.Option(
            help="Local copies of the data files (or HARNESS_DATA_DIR).",
            envvar="HARNESS_DATA_DIR",
            rich_help_panel=DATA,
        ),
    ] = None,
    max_samples: Annotated[
        int | None,
        typer.Option(
            help="At most N samples per mixture source (pretrain: N documents).", min=1, rich_help_panel=DATA
        ),
    ] = None,
    drop_eval_overlap: Annotated[
        bool,
        typer.Option(
            "--drop-eval-overlap",
            help="Drop training samples whose question duplicates an eval question.",
            rich_help_panel=DATA,
        ),
    ] = False,
    max_steps: Annotated[
        int | None,
        typer.Option(help="Stop after N optimizer steps (overrides --epochs).", min=1, rich_help_panel=HP),
    ] = None,
    epochs: Annotated[
        float | None, typer.Option(help="Epochs.", show_default="3", rich_help_panel=HP)
    ] = None,
    lr: Annotated[
        float | None, typer.Option(help="Peak learning rate.", show_default="5e-6", rich_help_panel=HP)
    ] = None,
    weight_decay: Annotated[
        float | None, typer.Option(help="Weight decay.", show_default="0", rich_help_panel=HP)
    ] = None,
    warmup_ratio: Annotated[
        float | None, typer.Option(help="Warmup share of the steps.", show_default="0.03", rich_help_panel=HP)
    ] = None,
    lr_scheduler: Annotated[
        str | None,
        typer.Option(help="cosine, linear or constant.", show_default="cosine", rich_help_panel=HP),
    ] = None,
    global_batch_size: Annotated[
        int | None,
        typer.Option(
            help="Samples per optimizer step over all GPUs.", show_default="32", min=1, rich_help_panel=HP
        ),
    ] = None,
    micro_batch_size: Annotated[
        int | None,
        typer.Option(help="Samples per forward pass per GPU.", show_default="4", min=1, rich_help_panel=HP),
    ] = None,
    max_length: Annotated[
        int | None,
        typer.Option(help="Max tokens per sample.", show_default="2048", min=1, rich_help_panel=HP),
    ] = None,
    precision: Annotated[
        str | None,
        typer.Option(
            help="bf16, fp32 or auto (bf16 on GPU, fp32 on CPU).", show_default="auto", rich_help_panel=HP
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Seed of data order and init.", show_default="0", rich_help_panel=HP)
    ] = None,
    zero_stage: Annotated[
        int | None, typer.Option(help="ZeRO stage 0-3.", show_default="2", rich_help_panel=SYS)
    ] = None,
    offload: Annotated[
        bool,
        typer.Option(
            "--offload", help="Offload optimizer (and with stage 3, parameters) to CPU.", rich_help_panel=SYS
        ),
    ] = False,
    deepspeed_config: Annotated[
        str | None,
        typer.Option(
            help="A DeepSpeed JSON to use instead of configs/deepspeed/zero<N>.json.", rich_help_panel=SYS
        ),
    ] = None,
    gradient_checkpointing: Annotated[
        bool,
        typer.Option(
            "--gradient-checkpointing", help="Recompute activations (less memory).", rich_help_panel=SYS
        ),
    ] = False,
    save_steps: Annotated[
        int | None,
        typer.Option(help="Checkpoint every N steps (and always at the end).", min=1, rich_help_panel=SYS),
    ] = None,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume", help="Continue from the last checkpoint in OUT/checkpoints.", rich_help_panel=SYS
        ),
    ] = False,
    log_steps: Annotated[
        int | None, typer.Option(help="Log every N steps.", show_default="1", min=1, rich_help_panel=SYS)
    ] = None,
    tensorboard: Annotated[
        bool,
        typer.Option(
            "--tensorboard", help="Also log to OUT/tensorboard (if installed).", rich_help_panel=SYS
        ),
    ] = False,
    no_progress: Annotated[bool, typer.Option("--no-progress", help="No progress bar.")] = False,
    print_launch: Annotated[
        bool,
        typer.Option(
            "--print-launch",
            help="Print the multi-GPU / multi-node launch command and exit.",
            rich_help_panel=LAUNCH,
        ),
    ] = False,
    gpus: Annotated[
        int,
        typer.Option(
            help="Processes per node for --print-launch: one per GPU (CPU ranks on a machine without GPUs).",
            min=1,
            rich_help_panel=LAUNCH,
        ),
    ] = 1,
    nodes: Annotated[int, typer.Option(help="Nodes for --print-launch.", min=1, rich_help_panel=LAUNCH)] = 1,
    launcher: Annotated[
        str, typer.Option(help="deepspeed or accelerate, for --print-launch.", rich_help_panel=LAUNCH)
    ] = "deepspeed",
    hostfile: Annotated[
        str,
        typer.Option(
            help="deepspeed, several nodes: the hostfile ('<host> slots=<gpus>' per line).",
            rich_help_panel=LAUNCH,
        ),
    ] = "hostfile",
    master_addr: Annotated[
        str,
        typer.Option(
            help="Several nodes: address of the first node (default: $MASTER_ADDR, left for your shell to expand).",
            show_default=False,
            rich_help_panel=LAUNCH,
        ),
    ] = "$MASTER_ADDR",
    master_port: Annotated[
        int | None,
        typer.Option(
            help="Port of the first node (default: 29500 with several nodes).",
            min=1,
            max=65535,
            rich_help_panel=LAUNCH,
        ),
    ] = None,
    no_ssh: Annotated[
        bool,
        typer.Option(
            "--no-ssh",
            help="deepspeed, several nodes: run the command on every node with its $MACHINE_RANK instead of once over ssh.",
            rich_help_panel=LAUNCH,
        ),
    ] = False,
) -> None:
    """Fine-tune MODEL on DATA into the model directory OUT (DeepSpeed ZeRO; resumable).

    Runs in this process (on CPU: fp32, one process); use --print-launch for several GPUs.
    """
    options = {
        "model": model,
        "data": data,
        "out": out,
        "model_path": model_path,
        "prompt_template": prompt_template,
        "mode": mode,
        "data_dir": data_dir,
        "max_samples": max_samples,
        "drop_eval_overlap": drop_eval_overlap,
        "max_steps": max_steps,
        "epochs": epochs,
        "lr": lr,
        "weight_decay": weight_decay,
        "warmup_ratio": warmup_ratio,
        "lr_scheduler": lr_scheduler,
        "global_batch_size": global_batch_size,
        "micro_batch_size": micro_batch_size,
        "max_length": max_length,
        "precision": precision,
        "seed": seed,
        "zero_stage": zero_stage,
        "offload": offload,
        "deepspeed_config": deepspeed_config,
        "gradient_checkpointing": gradient_checkpointing,
        "save_steps": save_steps,
        "resume": resume,
        "log_steps": log_steps,
        "tensorboard": tensorboard,
    }
    if print_launch:
        from pathlib import Path

        cli_options = {
            **options,
            "trainer": trainer if trainer != "deepspeed" else None,
            "no_progress": no_progress,
        }
        command = launch_command(
            cli_options,
            gpus=gpus,
            nodes=nodes,
            launcher=launcher,
            hostfile=hostfile,
            master_addr=master_addr,
            master_port=master_port,
            no_ssh=no_ssh,
        )
        note = (
            check_hostfile(Path(hostfile), nodes=nodes, gpus=gpus)
            if nodes > 1 and launcher == "deepspeed"
            else None
        )
        if note:
            typer.echo(inert(note), err=True)
        typer.echo(inert(command))
        return
    # Flags left at False are "not given": the trainer's defaults decide.
    config = {k: v for k, v in options.items() if v is not None and v is not False}
    if no_progress:
        config["progress"] = False
    result = registry().create("trainer", trainer).train(**config)
    if os.environ.get("RANK", "0") == "0":  # under a launcher, one summary, from rank 0
        summary = result.to_dict() if hasattr(result, "to_dict") else {"result": str(result)}
        console().print_json(json.dumps(summary, default=str))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("train")(train)
