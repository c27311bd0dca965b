"""The real DeepSpeed engine on CPU with ZeRO stages 0-3 and CPU offload, through the trainer.

All variants run in one subprocess (one DeepSpeed process group, one import of torch) to keep the
test short; each trains two steps and writes a model directory that transformers loads.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow

VARIANTS = [(0, False), (1, False), (3, False), (2, True), (3, True)]

SCRIPT = textwrap.dedent(
    """
    import json, sys
    from harness.training.trainer import DeepSpeedTrainer
    corpus, root, variants = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    for stage, offload in variants:
        out = f"{root}/z{stage}{'o' if offload else ''}"
        result = DeepSpeedTrainer().train(
            model="tiny-llama", mode="pretrain", data=corpus, out=out, zero_stage=stage, offload=offload,
            max_steps=2, lr=1e-3, max_length=64, global_batch_size=4, micro_batch_size=2, progress=False)
        print("RESULT", json.dumps([stage, offload, result.final_loss]), flush=True)
    """
)


def test_zero_stages_and_offload_on_cpu(tmp_path, shared_data, tiny_llama_dir):
    import torch
    from transformers import AutoModelForCausalLM

    corpus = tmp_path / "c.txt"
    lines = (shared_data / "corpus" / "cmrc2018_wiki_contexts.txt").read_text(encoding="utf-8").splitlines()
    corpus.write_text("\n".join(lines[:20]), encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(corpus), str(tmp_path), json.dumps(VARIANTS)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = [
        json.loads(line.split(" ", 1)[1]) for line in proc.stdout.splitlines() if line.startswith("RESULT")
    ]
    assert [(s, o) for s, o, _ in results] == [tuple(v) for v in VARIANTS]
    losses = [loss for _, _, loss in results]
    assert all(loss == pytest.approx(losses[0], rel=1e-3) for loss in losses)  # same maths at every stage
    base = AutoModelForCausalLM.from_pretrained(str(tiny_llama_dir))
    for stage, offload in VARIANTS:
        out = tmp_path / f"z{stage}{'o' if offload else ''}"
        config = json.loads((out / "train_config.json").read_text())["deepspeed_config"]
        assert config["zero_optimization"]["stage"] == stage
        assert ("offload_optimizer" in config["zero_optimization"]) == offload
        model = AutoModelForCausalLM.from_pretrained(str(out))  # ZeRO-3: gathered full weights
        emb, base_emb = model.get_input_embeddings().weight, base.get_input_embeddings().weight
        assert emb.shape == base_emb.shape and not torch.equal(emb, base_emb)
        assert (out / "tokenizer.model").is_file()
