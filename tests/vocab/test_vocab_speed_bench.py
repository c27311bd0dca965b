"""bench/vocab_speed.py (the paper's 60% claim) runs end to end with tiny settings and reports real figures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness.paths import project_root


@pytest.mark.slow  # a fresh interpreter importing transformers and two 32K/55K-vocabulary models: ~1 min busy
def test_vocab_speed_bench_smoke(tmp_path: Path, shared_data: Path) -> None:
    out = tmp_path / "figures.json"
    cmd = [
        sys.executable,
        str(project_root() / "bench" / "vocab_speed.py"),
        "--train-records",
        "2",
        "--batch",
        "2",
        "--gen-records",
        "1",
        "--answer-chars",
        "20",
        "--hidden",
        "32",
        "--layers",
        "1",
        "--ffn",
        "64",
        "--heads",
        "2",
        "--rounds",
        "1",
        "--threads",
        "1",
        "--json",
        str(out),
    ]
    result = subprocess.run(
        cmd, capture_output=True, text=True, timeout=600, env={**os.environ, "OMP_NUM_THREADS": "1"}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    figures = json.loads(out.read_text())
    tokens = figures["tokens_per_sample"]
    assert figures["records"] == 1000 and figures["llama_vocab"] == 32000 and figures["ext_vocab"] == 55296
    # recompute the LLaMA side from the file itself: BOS + sentencepiece ids of question + "\n" + answer
    import sentencepiece as spm

    sp = spm.SentencePieceProcessor(model_file=str(shared_data / "tokenizers" / "llama_tokenizer.model"))
    rows = [
        json.loads(line) for line in (shared_data / "belle" / "eval_set.json").read_text("utf-8").splitlines()
    ]
    texts = [r["question"] + ("\n" + r["std_answer"] if r["std_answer"] else "") for r in rows]
    assert abs(tokens["llama"] - sum(1 + len(sp.encode(t)) for t in texts) / 1000) < 1e-9
    assert 0.3 < tokens["ratio"] < 0.6  # the extended vocabulary roughly halves Chinese text
    assert figures["generation"]["new_tokens"][1] < figures["generation"]["new_tokens"][0]
    assert figures["train"]["tokens"][1] < figures["train"]["tokens"][0]
    assert figures["train"]["llama_s"] > 0 and figures["generation"]["ext_s"] > 0
    assert "paper 60% less" in result.stdout and "summary: tokens x" in result.stdout
