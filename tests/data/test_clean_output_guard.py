"""``harness data clean`` never overwrites the file it actually read: the ``.xz``/``.gz`` copy that
stands in for a missing plain file, a symlink's target, a hard link to it (issue 23.3)."""

from __future__ import annotations

import gzip
import lzma
import os
from pathlib import Path

import pytest

RECORDS = b'{"instruction": "a b c", "output": "x"}\n{"instruction": "d e f", "output": "y"}\n'
COMPRESS = {".xz": lzma.compress, ".gz": gzip.compress}


@pytest.mark.parametrize("suffix", [".xz", ".gz"])
@pytest.mark.parametrize("option", ["--out", "--report"])
def test_compressed_input_read_by_fallback_is_not_overwritten(
    tmp_path: Path, cli, suffix: str, option: str
) -> None:
    compressed = tmp_path / f"d.jsonl{suffix}"
    compressed.write_bytes(COMPRESS[suffix](RECORDS))
    before = compressed.read_bytes()
    other = "--report" if option == "--out" else "--out"
    done = cli(
        "data",
        "clean",
        str(tmp_path / "d.jsonl"),
        option,
        str(compressed),
        other,
        str(tmp_path / "elsewhere.jsonl"),
        "--force",
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "input file" in done.stderr and str(compressed) in done.stderr
    assert "Traceback" not in done.stderr
    assert compressed.read_bytes() == before


def test_input_through_symlink_and_hard_link_is_not_overwritten(tmp_path: Path, cli) -> None:
    real = tmp_path / "real.jsonl.xz"
    real.write_bytes(lzma.compress(RECORDS))
    before = real.read_bytes()
    (tmp_path / "via.jsonl.xz").symlink_to(real)
    os.link(real, tmp_path / "hard.jsonl.xz")
    for out in ("real.jsonl.xz", "hard.jsonl.xz"):
        done = cli("data", "clean", str(tmp_path / "via.jsonl"), "--out", str(tmp_path / out), "--force")
        assert done.returncode == 2, done.stdout + done.stderr
        assert "input file" in done.stderr
        assert real.read_bytes() == before


def test_a_new_output_beside_the_compressed_input_is_written(tmp_path: Path, cli) -> None:
    (tmp_path / "d.jsonl.xz").write_bytes(lzma.compress(RECORDS))
    done = cli("data", "clean", str(tmp_path / "d.jsonl"), "--out", str(tmp_path / "kept.jsonl"))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (tmp_path / "kept.jsonl").read_bytes() == RECORDS
