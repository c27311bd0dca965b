"""JSON nested 100,000 deep or an integer of more than 4,300 digits, in a dataset file (``harness run
--dataset``) or a ``harness data clean`` input: exit 2 naming the file and the line, no traceback
(issue 23.9). Bad files fail before any generation, so no server is needed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

DEEP = "[" * 100_000 + "]" * 100_000
HUGE = "9" * 5_000


def _dataset(tmp_path: Path, suffix: str, hostile: str) -> Path:
    good = {"question": "q", "category": "open qa"}
    bad = '{"question": "r", "category": "open qa", "extra": ' + hostile + "}"
    path = tmp_path / f"d{suffix}"
    if suffix == ".jsonl":
        path.write_text(json.dumps(good) + "\n" + bad + "\n", encoding="utf-8")
    else:
        path.write_text("[\n" + json.dumps(good) + ",\n" + bad + "\n]\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
@pytest.mark.parametrize("hostile", [DEEP, HUGE], ids=["deep", "huge-int"])
def test_run_dataset_file(tmp_path: Path, cli, suffix: str, hostile: str) -> None:
    data = _dataset(tmp_path, suffix, hostile)
    env = {
        "HARNESS_HOME": str(tmp_path / "home"),
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    done = cli(
        "run",
        "--model",
        "litellm:gen-model",
        "--dataset",
        str(data),
        "--judge",
        "ref-f1",
        "--out",
        str(tmp_path / "runs"),
        "--no-progress",
        env=env,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    where = "line 2" if suffix == ".jsonl" else "item 2 (line 3)"
    assert f"{data} {where}:" in done.stderr


@pytest.mark.parametrize("suffix", [".jsonl", ".json"])
@pytest.mark.parametrize("hostile", [DEEP, HUGE], ids=["deep", "huge-int"])
def test_data_clean_input(tmp_path: Path, cli, suffix: str, hostile: str) -> None:
    path = tmp_path / f"train{suffix}"
    good = '{"instruction": "a b c", "output": "x"}'
    bad = '{"instruction": "d e f", "output": "y", "n": ' + hostile + "}"
    text = f"{good}\n{bad}\n" if suffix == ".jsonl" else f"[\n{good},\n{bad}\n]\n"
    path.write_text(text, encoding="utf-8")
    done = cli("data", "clean", str(path), "--out", str(tmp_path / "kept.jsonl"))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    line = 2 if suffix == ".jsonl" else 3
    assert f"{path} line {line}:" in done.stderr
    assert not (tmp_path / "kept.jsonl").exists()
