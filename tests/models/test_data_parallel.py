"""Data parallel generation: two ranks (torchrun, CPU/gloo) split the batches, only rank 0 reports.

Both ranks also build the converted stories260K directory at the same moment in a fresh cache,
which exercises the atomic build under a real race.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
import json, os, sys
from harness.generation.hf import HFGenerator
from harness.models.llama2c import Llama2cModel
from harness.protocols import EvalSample

model = Llama2cModel(sys.argv[1], tokenizer=sys.argv[2], prompt_template="{question}")
questions = ["Once upon a time", "One day", "Lily saw a big dog. The dog", "Ben", "Tom and Sue went", "The cat"]
samples = [EvalSample(id=f"q{i}", question=q, category="x") for i, q in enumerate(questions)]
results = []
HFGenerator(batch_size=2, max_new_tokens=6, greedy=True, keep_token_ids=True).generate(
    model, samples, on_result=results.append)
rank = os.environ.get("RANK", "single")
with open(os.path.join(sys.argv[3], f"rank-{rank}.json"), "w") as fh:
    json.dump({g.id: g.meta["token_ids"] for g in results}, fh)
"""


@pytest.mark.xdist_group("two_ranks")  # the launch tests share one worker, one at a time
@pytest.mark.slow  # two fresh interpreters importing transformers on a 2-core machine (~30 s)
def test_two_ranks_split_the_work_and_only_rank_zero_reports(
    tmp_path: Path, stories_files, stories_model
) -> None:
    from harness.generation.hf import HFGenerator
    from harness.protocols import EvalSample

    checkpoint, tokenizer = stories_files
    script = tmp_path / "dp.py"
    script.write_text(SCRIPT)
    out = tmp_path / "out"
    out.mkdir()
    # PYTHONFAULTHANDLER: a native abort in a rank prints every thread's Python stack. A gloo group
    # left alive at exit used to abort a rank after its work (1 in 5-10 runs here; see
    # harness/process_group.py), so this launch is not retried: a rank that fails, fails the test.
    env = {
        **os.environ,
        "HARNESS_HOME": str(tmp_path / "home"),
        "OMP_NUM_THREADS": "1",
        "PYTHONFAULTHANDLER": "1",
    }
    args = [str(script), str(checkpoint), str(tokenizer), str(out)]
    launch = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    result = subprocess.run([*launch, *args], env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    questions = [
        "Once upon a time",
        "One day",
        "Lily saw a big dog. The dog",
        "Ben",
        "Tom and Sue went",
        "The cat",
    ]
    samples = [EvalSample(id=f"q{i}", question=q, category="x") for i, q in enumerate(questions)]
    alone: dict[str, list[int]] = {}
    HFGenerator(batch_size=2, max_new_tokens=6, greedy=True, keep_token_ids=True).generate(
        stories_model, samples, on_result=lambda g: alone.__setitem__(g.id, g.meta["token_ids"])
    )

    rank0 = json.loads((out / "rank-0.json").read_text())
    rank1 = json.loads((out / "rank-1.json").read_text())
    assert rank1 == {}  # one writer: only the main process calls on_result
    assert rank0 == alone and len(alone) == 6
    cache = [p.name for p in (tmp_path / "home" / "models").iterdir()]
    assert len(cache) == 1 and cache[0].startswith("llama2c-stories260K-")  # no temp dirs left
