"""A dataset file over ``HARNESS_MAX_DATASET_BYTES`` (default 256 MiB) exits 2 before it is read
(issue 23.6: a 2 GB sparse .csv had taken 14.7 GB of memory for 56 s before failing); a compressed
``data clean`` input is decompressed no further than the cap. Sparse files: quick, no disk used."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import pytest

ENV = {
    "OPENAI_API_KEY": "sk-test",
    "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
    "LITELLM_LOCAL_MODEL_COST_MAP": "True",
}


def _sparse(path: Path, head: bytes, size: int) -> Path:
    with path.open("wb") as fh:
        fh.write(head)
        fh.truncate(size)
    return path


def _run(cli, tmp_path: Path, data: Path, **env: str):
    return cli(
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
        env={**ENV, "HARNESS_HOME": str(tmp_path / "home"), **env},
    )


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".json"])
def test_run_refuses_a_2gib_dataset_file_unread(tmp_path: Path, cli, suffix: str) -> None:
    data = _sparse(tmp_path / f"big{suffix}", b"question,category\n", 2 * 2**30)
    start = time.perf_counter()
    done = _run(cli, tmp_path, data, HARNESS_MAX_DATASET_BYTES=None)
    assert done.returncode == 2, done.stdout + done.stderr
    assert time.perf_counter() - start < 60
    assert (
        f"{data}: 2,147,483,648 bytes is too large for a dataset file (limit 268,435,456 bytes)"
        in done.stderr
    )
    assert "HARNESS_MAX_DATASET_BYTES" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "runs").exists()


def test_the_cap_is_set_by_the_environment(tmp_path: Path, cli) -> None:
    data = tmp_path / "qs.jsonl"
    rows = '{"question": "q", "category": "open qa"}\n' * 99 + '{"question": "", "category": "open qa"}\n'
    data.write_text(rows, encoding="utf-8")
    done = _run(cli, tmp_path, data, HARNESS_MAX_DATASET_BYTES="1000")
    assert done.returncode == 2 and "too large for a dataset file (limit 1,000 bytes)" in done.stderr
    done = _run(cli, tmp_path, data, HARNESS_MAX_DATASET_BYTES="one")
    assert done.returncode == 2 and "HARNESS_MAX_DATASET_BYTES='one'" in done.stderr
    # under the cap the file is read: every row is checked, the empty question on line 100 found
    done = _run(cli, tmp_path, data, HARNESS_MAX_DATASET_BYTES="100000")
    assert done.returncode == 2 and "too large" not in done.stderr
    assert f"{data} line 100: field question is empty" in done.stderr


def test_data_clean_refuses_a_2gib_input_and_a_gzip_bomb(tmp_path: Path, cli) -> None:
    big = _sparse(tmp_path / "big.jsonl", b'{"instruction": "a", "output": "b"}\n', 2 * 2**30)
    done = cli(
        "data",
        "clean",
        str(big),
        "--out",
        str(tmp_path / "kept.jsonl"),
        env={"HARNESS_MAX_DATASET_BYTES": None},
    )
    assert done.returncode == 2 and f"{big}: 2,147,483,648 bytes is too large" in done.stderr, done.stderr
    bomb = tmp_path / "bomb.jsonl.gz"
    bomb.write_bytes(gzip.compress(b'{"instruction": "a", "output": "b"}\n' + b" " * 2_000_000))
    done = cli(
        "data",
        "clean",
        str(tmp_path / "bomb.jsonl"),
        "--out",
        str(tmp_path / "kept.jsonl"),
        env={"HARNESS_MAX_DATASET_BYTES": "100000"},
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"{bomb}: over 100,000 bytes once decompressed" in done.stderr
    assert not (tmp_path / "kept.jsonl").exists()
