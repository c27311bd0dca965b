"""``harness extend-vocab`` and ``harness tokenizer-stats`` end to end through the CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from harness.cli.app import app
from tests.harness_cli import run_harness

from .conftest import TINY_VOCAB, build_tiny_llama_dir

runner = CliRunner()


@pytest.mark.slow
def test_extend_then_resize_then_stats(tmp_path, llama_model_file, chinese_corpus_file, chinese_lines):
    jsonl = tmp_path / "zh.jsonl"
    jsonl.write_text(
        "".join(json.dumps({"content": t}, ensure_ascii=False) + "\n" for t in chinese_lines), "utf-8"
    )
    out = tmp_path / "tok"
    result = runner.invoke(
        app,
        [
            "extend-vocab",
            "--base-tokenizer",
            str(llama_model_file),
            "--corpus",
            str(jsonl),
            "--text-field",
            "content",
            "--vocab-size",
            "3000",
            "--character-coverage",
            "0.98",
            "--max-sentences",
            "800",
            "--seed",
            "3",
            "--out",
            str(out),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "32,000 base +" in " ".join(result.output.split())
    manifest = json.loads((out / "vocab_manifest.json").read_text("utf-8"))
    assert manifest["lines_trained"] == 800 and manifest["options"]["seed"] == 3
    assert manifest["corpora"][0]["text_fields"] == ["content"]

    stats = runner.invoke(
        app,
        [
            "tokenizer-stats",
            "--tokenizer",
            f"llama={llama_model_file}",
            "--tokenizer",
            f"ext={out}",
            "--corpus",
            str(chinese_corpus_file),
            "--max-lines",
            "200",
            "--json",
        ],
    )
    assert stats.exit_code == 0, stats.output
    rows = json.loads(stats.output)
    assert [r["name"] for r in rows] == ["llama", "ext"] and rows[0]["lines"] == 200
    assert rows[1]["ratio_to_first"] < 0.9 and rows[1]["share_lines_shorter"] > 0.9

    table = runner.invoke(
        app,
        ["tokenizer-stats", "--tokenizer", f"llama={llama_model_file}", "--tokenizer", f"ext={out}",
         "--corpus", str(chinese_corpus_file), "--max-lines", "200"],
    )  # fmt: skip
    assert table.exit_code == 0, table.output
    assert "tokenizer statistics on 200 lines" in table.output
    assert (
        f"{rows[1]['ratio_to_first']:.3f}" in table.output
        and f"{rows[1]['tokens_per_line']:.1f}" in table.output
    )


@pytest.mark.slow
def test_model_mode(tmp_path, chinese_lines, chinese_corpus_file):
    model_dir = build_tiny_llama_dir(tmp_path / "model", chinese_lines[:15])
    tok = tmp_path / "tok"
    made = runner.invoke(
        app,
        [
            "extend-vocab",
            "--base-tokenizer",
            str(model_dir),
            "--corpus",
            str(chinese_corpus_file),
            "--vocab-size",
            "4000",
            "--character-coverage",
            "0.98",
            "--out",
            str(tok),
            "-q",
        ],
    )
    assert made.exit_code == 0, made.output
    out = tmp_path / "resized"
    resized = runner.invoke(
        app, ["extend-vocab", "--model", str(model_dir), "--tokenizer", str(tok), "--out", str(out), "-q"]
    )
    assert resized.exit_code == 0, resized.output
    assert f"vocabulary {TINY_VOCAB:,} ->" in " ".join(resized.output.split())
    assert (out / "model.safetensors").is_file() and (out / "tokenizer.model").is_file()


@pytest.mark.slow  # reads every corpus of the recipe (~40 MB of JSON, decompressed)
def test_recipe_with_overrides(tmp_path, shared_data):
    out = tmp_path / "recipe-small"
    result = runner.invoke(
        app,
        ["extend-vocab", "--recipe", "llama-ext", "--vocab-size", "3000", "--character-coverage", "0.98",
         "--max-sentences", "3000", "--out", str(out), "-q"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "vocab_manifest.json").read_text("utf-8"))
    assert manifest["recipe"] == "llama-ext" and manifest["lines_trained"] == 3000
    assert manifest["options"]["vocab_size"] == 3000 and manifest["options"]["min_cjk_share"] == 0.5
    assert manifest["options"]["split_by_unicode_script"] is False
    assert not any(c["path"].endswith("eval_set.json") for c in manifest["corpora"])
    assert len(manifest["corpora"]) == 5 and all(len(c["sha256"]) == 64 for c in manifest["corpora"])


def test_bad_invocations_exit_2():
    cases = [
        ["extend-vocab", "--out", "x"],
        ["extend-vocab", "--model", "m", "--out", "x"],
        ["extend-vocab", "--tokenizer", "t", "--out", "x"],
        ["extend-vocab", "--base-tokenizer", "/no/such/file.model", "--corpus", "c.txt", "--out", "x"],
    ]
    for argv in cases:
        result = run_harness(argv)
        assert result.returncode == 2, (argv, result.stdout, result.stderr)
        assert "error" in result.stderr and "Traceback" not in result.stderr


def test_cli_module_does_not_import_heavy_libraries():
    code = (
        "import sys, harness.cli.vocab, harness.vocab.extend, harness.vocab.embeddings, harness.vocab.stats;"
        "heavy = [m for m in ('torch', 'transformers', 'sentencepiece') if m in sys.modules]; print(heavy)"
    )
    assert (
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout.strip()
        == "[]"
    )
