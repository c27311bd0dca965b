"""``bench/gpu_check.sh --dry-run``: the GPU measurement script runs end to end on CPU (what CI runs).

Tiny LLaMA shapes with the shared LLaMA tokenizer, fp32 on CPU, the same parts (each in its own
process) as on a GPU: the table has every row, every measured number is positive, and vLLM, absent
here, is a skipped row that says why.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from harness.paths import project_root

pytestmark = pytest.mark.slow  # five fresh interpreters importing torch/transformers/deepspeed


def _number(cell: str) -> float:
    return float(cell.rstrip("%x").replace(",", ""))


def test_gpu_check_dry_run_prints_the_whole_table(
    tmp_path: Path, shared_data: Path, harness_home: Path
) -> None:
    figures_path = tmp_path / "figures.json"
    script = project_root() / "bench" / "gpu_check.sh"
    env = {**os.environ, "HARNESS_HOME": str(harness_home), "PYTHON": sys.executable}
    proc = subprocess.run(
        [str(script), "--dry-run", "--json", str(figures_path)],
        capture_output=True,
        text=True,
        timeout=1000,
        env=env,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr[-4000:]
    out = proc.stdout
    assert "DRY RUN" in out
    lines = out.splitlines()
    assert any(line.startswith("GPU: none; CUDA") for line in lines), out
    versions = " ".join(lines[lines.index(next(x for x in lines if x.startswith("versions:"))) :][:2])
    for name in ("torch", "transformers", "DeepSpeed", "vLLM", "python"):
        assert name in versions, out
    rows = {}
    for line in out.splitlines():
        match = re.match(r"^(7B-dry|1B-dry) (.+?)\s{2,}(\S+)\s+(\S+)\s{2}(.*)$", line)
        if match:
            rows[f"{match[1]} {match[2]}"] = (match[3], match[4], match[5])
    single = rows["7B-dry gen: HF one-at-a-time"]
    batched = next(v for k, v in rows.items() if k.startswith("7B-dry gen: HF batched"))
    assert _number(single[0]) > 0 and _number(batched[0]) > 0 and _number(batched[1]) > 0
    assert rows["7B-dry gen: vLLM"][0] == "skipped" and "not installed" in rows["7B-dry gen: vLLM"][2]
    for shape in ("1B-dry", "7B-dry"):
        (value,) = [v for k, v in rows.items() if k.startswith(f"{shape} SFT fp32 ZeRO-2")]
        assert _number(value[0]) > 0 and _number(value[1]) > 0, value
    assert out.count("6 x N x tokens/s / peak") == 2 and out.count("    peak: ") == 2, out
    assert max(len(line) for line in lines) <= 80, out
    figures = json.loads(figures_path.read_text())
    assert figures["generate_hf"]["batched"]["tokens"] == 8 * 8  # 8 questions x 8 new tokens
    for key in ("sft_1b", "sft_7b"):
        sft = figures[key]
        assert sft["tokens_per_s"] > 0 and sft["peak_flops"] > 0 and 0 < sft["mfu_6n"]
        assert sft["mfu_6n"] == pytest.approx(6 * sft["n_params"] * sft["tokens_per_s"] / sft["peak_flops"])
