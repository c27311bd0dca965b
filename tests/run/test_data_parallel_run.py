"""`harness run` on two CPU ranks (gloo), as users launch it: torchrun and accelerate launch.

The samples are sharded over both ranks (each logs its share), rank 0 alone writes one run
directory, and the merged generations equal a one-process greedy run sample for sample. A rank
SIGKILLed mid-run takes the job down; the same command started again keeps every answer already
on disk and generates only the rest. ``accelerate launch --cpu --num_processes 2`` (which starts a
single process: accelerate runs several CPU processes only through MPI) is refused with exit 2.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.harness_cli import run_harness
from tests.launch_ports import launch_port

# launches of two fresh interpreters each, one with a kill timed against them: the launch tests share
# one xdist worker and run one at a time
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("two_ranks")]

RUN = [
    "-m",
    "harness",
    "run",
    "--model",
    "tiny-llama",
    "--judge",
    "ref-f1",
    "--dataset",
    "demo",
    "--limit",
    "12",
    "--greedy",
    "--max-new-tokens",
    "24",
    "--batch-size",
    "1",
    "--no-progress",
]
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc-per-node", "2"]
ACCELERATE = [
    sys.executable,
    "-m",
    "accelerate.commands.launch",
    "--num_machines",
    "1",
    "--mixed_precision",
    "no",
    "--dynamo_backend",
    "no",
]
FREE = {"MASTER_ADDR", "MASTER_PORT", "RANK", "WORLD_SIZE", "LOCAL_RANK", "ACCELERATE_USE_CPU"}


def _env(tag: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in FREE}
    return {**env, "OMP_NUM_THREADS": "1", "PYTHONFAULTHANDLER": "1", "HARNESS_TEST_TAG": tag}


def _port() -> str:
    return str(launch_port())


def _generations(out: Path) -> dict[str, dict]:
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]
    records = [json.loads(line) for line in (run_dir / "generations.jsonl").read_text().splitlines()]
    by_id = {r["id"]: r for r in records}
    assert len(by_id) == len(records), "a sample was written twice"
    return by_id


def _without_index(records: dict[str, dict]) -> dict[str, dict]:
    """The records without ``meta.index`` (a position in the list a generator was handed: a resumed
    run hands over only the samples still to do)."""
    out = {}
    for key, record in records.items():
        meta = {k: v for k, v in record.get("meta", {}).items() if k != "index"}
        out[key] = {**record, "meta": meta}
    return out


def _launch(cmd: list[str], out: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [*cmd, *RUN, "--out", str(out)], env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return result


def _rank_pid(tag: str, rank: str) -> int | None:
    """The pid of the process started for this test with RANK=rank (read from /proc)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            pairs = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        env = dict(p.decode(errors="replace").split("=", 1) for p in pairs if b"=" in p)
        if env.get("HARNESS_TEST_TAG") == tag and env.get("RANK") == rank:
            return int(entry.name)
    return None


@pytest.fixture(scope="module")
def single(tmp_path_factory, harness_home) -> dict[str, dict]:
    from harness.manager import get_registry

    get_registry().create("model", "tiny-llama").local_path()  # build once, before the ranks race
    out = tmp_path_factory.mktemp("single")
    proc = run_harness([*RUN[2:], "--out", str(out)], env=_env())  # one process: in this one
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-3000:]
    return _generations(out)


def test_torchrun_two_ranks_match_one_process(single, tmp_path):
    out = tmp_path / "runs"
    result = _launch([*TORCHRUN], out, _env())
    log = result.stdout
    assert "generation: 12 to do, 0 already on disk, over 2 processes" in log
    assert "generation: rank 0 of 2: 6 of 12 samples (6 of 12 batches)" in log
    assert "generation: rank 1 of 2: 6 of 12 samples (6 of 12 batches)" in log
    assert log.count("starting run") == 1 and log.count("run directory:") == 1
    (run_dir,) = list(out.iterdir())  # one run directory, written by rank 0
    assert {"run.json", "scores.json", "report.md", "judgments.jsonl"} <= {p.name for p in run_dir.iterdir()}
    assert json.loads((run_dir / "run.json").read_text())["world_size"] == 2
    assert _generations(out) == single


def test_accelerate_two_ranks_killed_rank_resumes(single, tmp_path):
    out = tmp_path / "runs"
    tag = uuid.uuid4().hex
    cmd = [
        *ACCELERATE,
        "--multi_gpu",
        "--num_processes",
        "2",
        "--main_process_port",
        _port(),
        *RUN,
        "--out",
        str(out),
    ]
    proc = subprocess.Popen(cmd, env=_env(tag), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 300
    on_disk: list[str] = []
    while proc.poll() is None and time.monotonic() < deadline:
        files = list(out.glob("*/generations.jsonl"))
        on_disk = files[0].read_text().splitlines() if files else []
        if len(on_disk) >= 2:  # the first round (one batch per rank) is written
            break
        time.sleep(0.01)
    victim = _rank_pid(tag, "1")
    assert victim is not None and proc.poll() is None, "the run ended before a rank could be killed"
    os.kill(victim, signal.SIGKILL)
    output, _ = proc.communicate(timeout=300)
    assert proc.returncode != 0, output[-3000:]
    before = _generations(out)
    assert 2 <= len(before) < 12, "the kill came too late to leave work undone"
    assert all(single[i] == r for i, r in before.items())  # the first round: same batches, same indices

    result = _launch(
        [*ACCELERATE, "--multi_gpu", "--num_processes", "2", "--main_process_port", _port()], out, _env()
    )
    assert (
        f"generation: {12 - len(before)} to do, {len(before)} already on disk, over 2 processes"
        in result.stdout
    )
    assert "resuming run" in result.stdout
    after = _generations(out)
    assert {i: after[i] for i in before} == before  # kept as they were, not generated again
    assert _without_index(after) == _without_index(single)
    (run_dir,) = list(out.iterdir())
    assert json.loads((run_dir / "run.json").read_text())["status"] == "complete"


def test_accelerate_cpu_flag_single_process_is_refused(tmp_path):
    cmd = [*ACCELERATE, "--cpu", "--num_processes", "2", *RUN, "--out", str(tmp_path / "runs")]
    result = subprocess.run(cmd, env=_env(), capture_output=True, text=True, timeout=300)
    assert "returned non-zero exit status 2" in result.stderr
    assert "accelerate launch --cpu started one process" in result.stdout + result.stderr
    assert "torchrun --nproc-per-node N" in result.stdout + result.stderr
    assert not (tmp_path / "runs").exists()


TWO_TURN_PLUGIN = """
from harness import hookimpl
from harness.protocols import EvalSample
from harness.specs import DatasetSpec


class TwoTurn:
    name = "two-turn"

    def __init__(self, **_):
        pass

    def load(self):
        return [EvalSample(id=f"c{i}", question=f"Question {i}?", category="open_qa",
                           turns=(f"Question {i}?", f"And why, {i}?"), references=(f"Answer {i}", f"Because {i}"))
                for i in range(6)]


@hookimpl
def harness_register_datasets(register):
    register(DatasetSpec(name="two-turn", factory="two_turn_data:TwoTurn", description="6 two-turn samples"))
"""


def _turns(out: Path) -> dict[tuple[str, int], dict]:
    (run_dir,) = [p for p in out.iterdir() if p.is_dir()]
    records = [json.loads(line) for line in (run_dir / "generations.jsonl").read_text().splitlines()]
    by_turn = {(r["id"], r["turn"]): r for r in records}
    assert len(by_turn) == len(records), "a turn was written twice"
    return by_turn


def test_torchrun_two_ranks_multi_turn_match_one_process(tmp_path):
    """Conversations on two ranks: each turn sharded over both, turn 2 shown the model's own turn-1
    answers, every (sample, turn) written once by rank 0 and equal to a one-process greedy run."""
    plugin = tmp_path / "two_turn_data.py"
    plugin.write_text(TWO_TURN_PLUGIN, encoding="utf-8")
    run = [*RUN, "--dataset", "two-turn", "--plugin", str(plugin)]
    single_out, ranks_out = tmp_path / "single", tmp_path / "ranks"
    single_run = run_harness([*run[2:], "--out", str(single_out)], env=_env())
    assert single_run.returncode == 0, (single_run.stdout + single_run.stderr)[-3000:]
    result = subprocess.run(
        [*TORCHRUN, *run, "--out", str(ranks_out)], env=_env(), capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    assert "generation: turn 1: 6 to do, 0 already on disk" in result.stdout
    assert "generation: turn 2: 6 to do, 0 already on disk" in result.stdout
    assert result.stdout.count("generation: rank 1 of 2: 3 of 6 samples") == 2  # its share of each turn
    single, ranks = _turns(single_out), _turns(ranks_out)
    assert len(ranks) == 12
    assert _without_index(ranks) == _without_index(single)
    second = ranks[("c3", 2)]["prompt"]
    assert (
        "Question 3?" in second and ranks[("c3", 1)]["answer"].strip() in second and "And why, 3?" in second
    )
