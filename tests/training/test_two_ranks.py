"""DeepSpeed ZeRO-2 SFT on two CPU ranks (gloo), started by the commands ``--print-launch`` prints.

Table 3's global batch of 32 is kept whatever the world size (the trainer's defaults, micro batch 4,
are not passed): one process runs 4 x 8 accumulation x 1 rank, two ranks run 4 x 4 x 2. Each rank
takes its contiguous share of every step's samples, so the micro-batches are the same ones and only
the order of floating-point sums differs: the per-step losses of two ranks must match one rank's
within ``LOSS_TOL`` (measured: 6e-8 for both launchers; fp32, 4 steps at lr 1e-3 on tiny-llama).

The resume tests stop a two-rank run at its step-2 checkpoint (the state right after a crash there)
and continue it on two ranks started as two *nodes* on this host by the printed multi-node command,
run once per node with its ``MACHINE_RANK`` (``accelerate launch --num_machines 2 --machine_rank``;
``deepspeed --hostfile --no_ssh --node_rank``): the continued steps must repeat the uninterrupted
run's losses. (deepspeed's default multi-node mode starts the nodes over ssh, which a test cannot.)

DeepSpeed's first initialize on CPU compiles a shared-memory comm op (about a minute, cached in
``~/.cache/torch_extensions`` afterwards); after that each two-rank run takes about a minute
(process start-up dominates), 2-3 minutes on two cores shared with other work.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness_cli import run_harness
from tests.launch_ports import launch_port

# two ranks (processes) of their own: the launch tests share one xdist worker and run one at a time
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("two_ranks")]

STEPS = 4
LOSS_TOL = 1e-5  # absolute, per logged step; losses are about 6.9
TIMEOUT = 600


def _options(out: Path, inputs: tuple[Path, Path], *extra: str) -> list[str]:
    data_dir, train_file = inputs
    return [
        "--model",
        "tiny-llama",
        "--data",
        str(train_file),
        "--data-dir",
        str(data_dir),
        "--max-samples",
        "60",
        "--out",
        str(out),
        "--max-steps",
        str(STEPS),
        "--lr",
        "1e-3",
        "--max-length",
        "256",
        "--save-steps",
        "2",
        "--no-progress",
        *extra,
    ]


def _env() -> dict[str, str]:
    # The launchers installed beside this Python (`deepspeed`, `accelerate`) must be the ones found.
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}


def _printed(out: Path, inputs: tuple[Path, Path], *launch: str) -> str:
    proc = run_harness(["train", *_options(out, inputs), "--print-launch", *launch])
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.strip()


def _run(command: str, **env: str) -> subprocess.CompletedProcess:
    """Run a printed command as a user's shell would (it expands $MACHINE_RANK and the like)."""
    proc = subprocess.run(
        ["bash", "-c", command], capture_output=True, text=True, env={**_env(), **env}, timeout=TIMEOUT
    )
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    return proc


def _losses(out: Path) -> list[tuple[int, float]]:
    lines = (out / "train_log.jsonl").read_text(encoding="utf-8").splitlines()
    return [(r["step"], r["loss"]) for r in map(json.loads, lines)]


def _assert_same_losses(run: Path, reference: Path) -> float:
    got, want = _losses(run), _losses(reference)
    assert [s for s, _ in got] == [s for s, _ in want] == list(range(1, STEPS + 1))
    diff = max(abs(a - b) for (_, a), (_, b) in zip(got, want, strict=True))
    assert diff <= LOSS_TOL, (got, want)
    return diff


def _assert_two_rank_zero2(out: Path, stderr: str) -> None:
    config = json.loads((out / "train_config.json").read_text())
    assert config["world_size"] == 2 and config["grad_accum"] == 4
    assert config["deepspeed_config"]["zero_optimization"]["stage"] == 2
    assert config["deepspeed_config"]["train_batch_size"] == 32
    # Logged once, by rank 0 only.
    assert stderr.count("batch: micro 4 x accumulation 4 x 2 ranks = global batch 32") == 1, stderr[-3000:]
    # ZeRO-2 partitions the optimizer state: one shard per rank in every checkpoint.
    shards = sorted(p.name for p in (out / "checkpoints" / f"global_step{STEPS}").glob("*optim_states.pt"))
    assert len(shards) == 2, shards


@pytest.fixture(scope="module")
def train_inputs(tmp_path_factory, shared_data) -> tuple[Path, Path]:
    """``--data-dir`` (the real data: the eval set the overlap check reads) and a file of 60 real
    conversations to train on: every rank of every launch loads it, so it is small (the real
    mixtures' loading is tested in tests/training_data)."""
    from harness.training.data.load import load_mixture

    mixture = load_mixture("zh(alpaca-3.5&4)", data_dir=shared_data, max_samples_per_source=30)
    train_file = tmp_path_factory.mktemp("data") / "zh_alpaca_60.json"
    train_file.write_text(json.dumps([c.to_dict() for c in mixture.conversations], ensure_ascii=False))
    return shared_data, train_file


@pytest.fixture(scope="module")
def one_rank(tmp_path_factory, train_inputs, tiny_llama_dir) -> Path:
    out = tmp_path_factory.mktemp("one") / "model"
    proc = run_harness(["train", *_options(out, train_inputs)])  # in-process: one rank needs no launcher
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "batch: micro 4 x accumulation 8 x 1 rank = global batch 32" in proc.stderr
    return out


@pytest.fixture(scope="module")
def deepspeed_two_ranks(tmp_path_factory, train_inputs, tiny_llama_dir) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("ds2") / "model"
    command = _printed(out, train_inputs, "--gpus", "2", "--master-port", str(launch_port()))
    assert command.startswith("deepspeed --num_gpus 2 --master_port ")
    return out, _run(command).stderr


def test_printed_deepspeed_command_trains_on_two_cpu_ranks_like_one(deepspeed_two_ranks, one_rank):
    import torch
    from safetensors.torch import load_file

    out, stderr = deepspeed_two_ranks
    _assert_two_rank_zero2(out, stderr)
    diff = _assert_same_losses(out, one_rank)
    print(f"deepspeed, 2 ranks vs 1: max |loss difference| {diff:.2e} (tolerance {LOSS_TOL:.0e})")
    two, one = load_file(str(out / "model.safetensors")), load_file(str(one_rank / "model.safetensors"))
    assert two.keys() == one.keys()
    for name in one:
        assert torch.allclose(two[name], one[name], atol=1e-5), name


def test_printed_accelerate_command_trains_on_two_cpu_ranks_like_one(tmp_path, train_inputs, one_rank):
    out = tmp_path / "model"
    command = _printed(
        out, train_inputs, "--launcher", "accelerate", "--gpus", "2", "--master-port", str(launch_port())
    )
    assert command.startswith(
        "accelerate launch --num_processes 2 --num_machines 1 --multi_gpu --main_process_port "
    )
    # on a fresh home: both ranks race to build tiny-llama, and rank 1 may win (it must save weights)
    proc = _run(command, HARNESS_HOME=str(tmp_path / "fresh_home"))
    _assert_two_rank_zero2(out, proc.stderr)
    assert (tmp_path / "fresh_home" / "models").is_dir()
    diff = _assert_same_losses(out, one_rank)
    print(f"accelerate, 2 ranks vs 1: max |loss difference| {diff:.2e} (tolerance {LOSS_TOL:.0e})")


@pytest.mark.parametrize("launcher", ["accelerate", "deepspeed"])
def test_two_rank_checkpoint_resumes_on_two_nodes(tmp_path, train_inputs, deepspeed_two_ranks, launcher):
    """A checkpoint written by two ranks continues on two ranks with the uninterrupted run's losses,
    the two ranks started as two nodes by the printed multi-node command, run once per node."""
    import threading

    uninterrupted, _ = deepspeed_two_ranks
    out = tmp_path / "model"
    shutil.copytree(uninterrupted, out)
    # The state after a crash right after the step-2 checkpoint: no later checkpoint.
    shutil.rmtree(out / "checkpoints" / f"global_step{STEPS}")
    (out / "checkpoints" / "latest").write_text("global_step2")
    launch = [
        "--launcher",
        launcher,
        "--gpus",
        "1",
        "--nodes",
        "2",
        "--master-addr",
        "127.0.0.1",
        "--master-port",
        str(launch_port()),
    ]
    if launcher == "deepspeed":
        # Two "hosts" that are both this machine; --no-ssh: each node starts its own ranks.
        hostfile = tmp_path / "hostfile"
        hostfile.write_text("localhost slots=1\n127.0.0.1 slots=1\n")
        launch += ["--hostfile", str(hostfile), "--no-ssh"]
    command = _printed(out, train_inputs, "--resume", *launch)
    assert {
        "accelerate": "--num_processes 2 --num_machines 2 --multi_gpu --machine_rank $MACHINE_RANK",
        "deepspeed": "--num_nodes 2 --hostfile",
    }[launcher] in command
    results: dict[int, subprocess.CompletedProcess | BaseException] = {}

    def node(rank: int) -> None:
        try:
            results[rank] = _run(command, MACHINE_RANK=str(rank))
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            results[rank] = exc

    threads = [threading.Thread(target=node, args=(rank,)) for rank in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for rank in (0, 1):
        assert isinstance(results[rank], subprocess.CompletedProcess), f"node {rank}: {results[rank]}"
    assert "at step 2" in results[0].stderr
    # Rank 0 (node 0) logs the batch arithmetic; rank 1 on the other node stays quiet.
    assert "batch: micro 4 x accumulation 4 x 2 ranks = global batch 32" in results[0].stderr
    assert "batch:" not in results[1].stderr and "resumed from" not in results[1].stderr
    assert (out / "checkpoints" / f"global_step{STEPS}").is_dir()  # trained on to the end and saved again
    config = json.loads((out / "train_config.json").read_text())
    assert config["world_size"] == 2
    diff = _assert_same_losses(out, uninterrupted)
    print(
        f"{launcher}, resumed on 2 nodes vs uninterrupted: max |loss difference| {diff:.2e} (tolerance {LOSS_TOL:.0e})"
    )
