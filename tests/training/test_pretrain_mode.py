"""Embedding-only continued pretraining (LLaMA-EXT): only embed_tokens and lm_head may change."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _weights(path: Path) -> dict:
    from safetensors.torch import load_file

    return load_file(str(path / "model.safetensors"))


TRAIN_ARGS = [
    "--model",
    "tiny-llama",
    "--mode",
    "pretrain",
    "--max-steps",
    "3",
    "--lr",
    "1e-2",
    "--max-length",
    "128",
    "--global-batch-size",
    "4",
    "--warmup-ratio",
    "0",
    "--no-progress",
]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, shared_data) -> Path:
    lines = (shared_data / "corpus" / "cmrc2018_wiki_contexts.txt").read_text(encoding="utf-8").splitlines()
    path = tmp_path_factory.mktemp("corpus") / "corpus.jsonl"
    path.write_text(
        "".join(json.dumps({"text": t}, ensure_ascii=False) + "\n" for t in lines[:60]), encoding="utf-8"
    )
    return path


@pytest.fixture(scope="module")
def single_process_run(tmp_path_factory, corpus, tiny_llama_dir) -> Path:
    out = tmp_path_factory.mktemp("pretrain") / "ext"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "harness",
            "train",
            *TRAIN_ARGS,
            "--data",
            str(corpus),
            "--out",
            str(out),
            "--micro-batch-size",
            "2",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return out


def _log(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "train_log.jsonl").read_text().splitlines()]


def test_pretrain_trains_embeddings_and_freezes_everything_else(single_process_run, tiny_llama_dir):
    import torch

    out = single_process_run
    before, after = _weights(tiny_llama_dir), _weights(out)
    assert before.keys() == after.keys()
    trainable = {"model.embed_tokens.weight", "lm_head.weight"}
    for name in before:
        if name in trainable:
            assert not torch.equal(before[name], after[name]), f"{name} did not train"
        else:
            assert torch.equal(before[name], after[name]), f"{name} changed although frozen"
    config = json.loads((out / "train_config.json").read_text())
    assert config["n_trainable_params"] == sum(before[n].numel() for n in trainable)
    assert config["deepspeed_config"]["zero_optimization"]["stage"] == 2
    report = json.loads((out / "data_report.json").read_text())
    assert report["pretrain"]["blocks"] > 0
    assert [r["step"] for r in _log(out)] == [1, 2, 3]
