"""``harness train --resume`` never runs code from a checkpoint (issue 13, point 5).

A checkpoint is loaded only if ``latest`` names a plain ``global_step<N>`` and every file of that
tag matches the sha256 manifest the trainer wrote at save time; the loads themselves are
weights-only. Driven through the real CLI: a few steps of tiny-llama (fp32, torch AdamW, ZeRO-2),
then resumes of tampered copies, each exit 2 with the file named and no traceback.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from harness.training.checkpoint_manifest import (
    MANIFEST_NAME,
    CheckpointError,
    seal_checkpoint,
    verify_checkpoint,
    write_manifest,
)
from tests.harness_cli import run_harness

# one xdist worker (--dist loadgroup): the module-scoped fixtures are built once, not once per worker
pytestmark = pytest.mark.xdist_group("checkpoint_security")


def _command(out: Path, data_dir: Path, steps: int, *extra: str) -> list[str]:
    return [
        "train",
        "--model",
        "tiny-llama",
        "--data",
        "zh(alpaca-3.5&4)",
        "--data-dir",
        str(data_dir),
        "--out",
        str(out),
        "--max-steps",
        str(steps),
        "--max-length",
        "64",
        "--global-batch-size",
        "2",
        "--micro-batch-size",
        "2",
        "--max-samples",
        "10",
        "--save-steps",
        "1",
        "--no-progress",
        *extra,
    ]


def _run(args: list[str]) -> subprocess.CompletedProcess:
    """``harness *args`` in-process (tests/harness_cli.py): a tampered checkpoint is refused before
    anything is unpickled, and a payload that did run would show in this process as in any other."""
    return run_harness(args, env={**os.environ, "COLUMNS": "80"})


def _flat(text: str) -> str:
    """Rich wraps at 80 columns; compare without whitespace."""
    return "".join(text.split())


class _Payload:
    """Unpickling this runs code: it creates ``marker``."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (exec, (f"open({str(self.marker)!r}, 'w').close()",))


@pytest.fixture(scope="module")
def trained(tmp_path_factory, shared_data, tiny_llama_dir) -> Path:
    out = tmp_path_factory.mktemp("ckpt") / "model"
    proc = _run(_command(out, shared_data, 2))
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


def _copy(trained: Path, tmp_path: Path) -> Path:
    out = tmp_path / "model"
    shutil.copytree(trained, out)
    return out


def _assert_refused(proc: subprocess.CompletedProcess, *expected: str) -> None:
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    flat = _flat(proc.stderr)
    assert _flat("refusing to load this checkpoint") in flat, proc.stderr
    for text in expected:
        assert _flat(text) in flat, proc.stderr
    assert "--resume" in proc.stderr  # what to do


@pytest.mark.slow
def test_save_writes_a_manifest_and_resume_loads_it(trained, shared_data, tmp_path):
    ckpt = trained / "checkpoints"
    assert (ckpt / "latest").read_text() == "global_step2"
    manifest = json.loads((ckpt / "global_step2" / MANIFEST_NAME).read_text())
    assert manifest["tag"] == "global_step2"
    assert (
        {n for n in manifest["files"] if n.endswith(".pt")}
        == {p.name for p in (ckpt / "global_step2").glob("*.pt")}
        != set()
    )
    out = _copy(trained, tmp_path)
    proc = _run(_command(out, shared_data, 3, "--resume"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "resumed from" in proc.stderr
    steps = [json.loads(line)["step"] for line in (out / "train_log.jsonl").read_text().splitlines()]
    assert steps == [1, 2, 3]
    assert (out / "checkpoints" / "latest").read_text() == "global_step3"
    assert verify_checkpoint(out / "checkpoints") == "global_step3"


@pytest.mark.slow
def test_crafted_pickle_is_never_unpickled(trained, shared_data, tmp_path):
    out = _copy(trained, tmp_path)
    target = next((out / "checkpoints" / "global_step2").glob("mp_rank_*_model_states.pt"))
    # The payload is live: a full-pickle load (what DeepSpeed does by default) runs it.
    probe = tmp_path / "probe"
    pickle.loads(pickle.dumps(_Payload(probe)))
    assert probe.exists()
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Payload(marker))
    size = target.stat().st_size
    # Same size as the original (pickle ignores what follows its STOP), so the hash is what catches it.
    target.write_bytes(payload + b"\0" * (size - len(payload)))
    proc = _run(_command(out, shared_data, 3, "--resume"))
    _assert_refused(proc, str(target), "sha256")
    assert not marker.exists()


@pytest.mark.slow
def test_crafted_pickle_with_a_forged_manifest_is_refused_by_weights_only_loading(
    trained, shared_data, tmp_path
):
    """An attacker who also rewrites the manifest still cannot run code: loads are weights-only."""
    out = _copy(trained, tmp_path)
    ckpt = out / "checkpoints"
    target = next((ckpt / "global_step2").glob("mp_rank_*_model_states.pt"))
    marker = tmp_path / "pwned"
    target.write_bytes(pickle.dumps(_Payload(marker)))
    write_manifest(ckpt, "global_step2")
    proc = _run(_command(out, shared_data, 3, "--resume"))
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    assert _flat("weights-only unpickling refused it") in _flat(proc.stderr), proc.stderr
    assert not marker.exists()


@pytest.mark.slow
def test_checkpoint_without_manifest_is_refused(trained, shared_data, tmp_path):
    out = _copy(trained, tmp_path)
    manifest = out / "checkpoints" / "global_step2" / MANIFEST_NAME
    manifest.unlink()
    _assert_refused(_run(_command(out, shared_data, 3, "--resume")), str(manifest), "manifest is missing")


@pytest.mark.slow
@pytest.mark.parametrize("tag", ["../x", "global_step2/../../x", "/etc"])
def test_latest_with_a_path_is_refused(trained, shared_data, tmp_path, tag):
    out = _copy(trained, tmp_path)
    latest = out / "checkpoints" / "latest"
    latest.write_text(tag)
    _assert_refused(
        _run(_command(out, shared_data, 3, "--resume")), str(latest), "not a plain global_step<N> tag"
    )


@pytest.mark.slow
def test_extra_unlisted_pickle_is_refused(trained, shared_data, tmp_path):
    out = _copy(trained, tmp_path)
    extra = out / "checkpoints" / "global_step2" / "zero_pp_rank_1_mp_rank_00_optim_states.pt"
    extra.write_bytes(pickle.dumps(_Payload(tmp_path / "pwned")))
    _assert_refused(_run(_command(out, shared_data, 3, "--resume")), str(extra), "does not list")
    assert not (tmp_path / "pwned").exists()


RESUME_SCRIPT = """
import json, sys
from harness.training.trainer import DeepSpeedTrainer
corpus, root = sys.argv[1], sys.argv[2]
for stage, offload, precision in [(1, False, "bf16"), (3, True, "bf16")]:
    options = dict(model="tiny-llama", mode="pretrain", data=corpus, out=f"{root}/z{stage}", zero_stage=stage,
                   offload=offload, precision=precision, lr=1e-3, max_length=64, global_batch_size=4,
                   micro_batch_size=2, max_samples=20, progress=False)
    DeepSpeedTrainer().train(max_steps=2, **options)
    result = DeepSpeedTrainer().train(max_steps=3, resume=True, **options)
    print("RESUMED", json.dumps([stage, offload, result.resumed_from]), flush=True)
"""


@pytest.mark.slow
def test_weights_only_loading_reads_the_other_zero_stages(shared_data, tiny_llama_dir, tmp_path):
    """bf16 ZeRO-1 (DeepSpeed's BF16 optimizer) and ZeRO-3 with CPU offload store other types
    than ZeRO-2; their checkpoints load through the weights-only unpickler too."""
    corpus = shared_data / "corpus" / "cmrc2018_wiki_contexts.txt"
    proc = subprocess.run(
        [sys.executable, "-c", RESUME_SCRIPT, str(corpus), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    resumed = [
        json.loads(line.split(" ", 1)[1]) for line in proc.stdout.splitlines() if line.startswith("RESUMED")
    ]
    assert resumed == [[1, False, 2], [3, True, 2]]


# ------------------------------------------------------------- the checks themselves, no training


def _fake_checkpoint(root: Path, tag: str = "global_step5") -> Path:
    ckpt = root / "checkpoints"
    (ckpt / tag).mkdir(parents=True)
    (ckpt / tag / "mp_rank_00_model_states.pt").write_bytes(b"weights")
    (ckpt / tag / "zero_pp_rank_0_mp_rank_00_optim_states.pt").write_bytes(b"optim")
    seal_checkpoint(ckpt, tag)
    return ckpt


def test_sealed_checkpoint_verifies(tmp_path):
    ckpt = _fake_checkpoint(tmp_path)
    assert (ckpt / "latest").read_text() == "global_step5"
    assert verify_checkpoint(ckpt) == "global_step5"


def test_symlinked_tag_escaping_the_directory_is_refused(tmp_path):
    ckpt = _fake_checkpoint(tmp_path / "a")
    elsewhere = _fake_checkpoint(tmp_path / "b", "global_step9") / "global_step9"
    (ckpt / "global_step9").symlink_to(elsewhere, target_is_directory=True)
    (ckpt / "latest").write_text("global_step9")
    with pytest.raises(CheckpointError, match="not a real directory"):
        verify_checkpoint(ckpt)


def test_symlinked_file_and_latest_are_refused(tmp_path):
    ckpt = _fake_checkpoint(tmp_path)
    tag = ckpt / "global_step5"
    real = tmp_path / "outside.pt"
    real.write_bytes(b"weights")
    (tag / "mp_rank_00_model_states.pt").unlink()
    (tag / "mp_rank_00_model_states.pt").symlink_to(real)
    with pytest.raises(CheckpointError, match="symlink"):
        verify_checkpoint(ckpt)
    ckpt2 = _fake_checkpoint(tmp_path / "c")
    (tmp_path / "tag.txt").write_text("global_step5")
    (ckpt2 / "latest").unlink()
    (ckpt2 / "latest").symlink_to(tmp_path / "tag.txt")
    with pytest.raises(CheckpointError, match="'latest' file is a symlink"):
        verify_checkpoint(ckpt2)


@pytest.mark.parametrize(
    "manifest",
    [
        "not json",
        json.dumps({"format": "other", "tag": "global_step5", "files": {}}),
        json.dumps({"format": "harness-checkpoint-manifest/1", "tag": "global_step4", "files": {}}),
        json.dumps(
            {
                "format": "harness-checkpoint-manifest/1",
                "tag": "global_step5",
                "files": {"../x.pt": {"size": 1, "sha256": "0" * 64}},
            }
        ),
    ],
)
def test_invalid_manifest_is_refused(tmp_path, manifest):
    ckpt = _fake_checkpoint(tmp_path)
    (ckpt / "global_step5" / MANIFEST_NAME).write_text(manifest)
    with pytest.raises(CheckpointError, match="refusing to load"):
        verify_checkpoint(ckpt)
