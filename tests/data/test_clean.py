"""``harness data clean`` through the real CLI, on the shared BELLE and Alpaca files with planted duplicates."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.harness_cli import run_harness


def harness(*argv: str, columns: int = 80, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full = {**os.environ, "COLUMNS": str(columns), "OMP_NUM_THREADS": "1", **(env or {})}
    return run_harness(argv, env=full, timeout=600)


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def without_timings(report: dict) -> dict:
    return {**report, "stages": [{k: v for k, v in s.items() if k != "seconds"} for s in report["stages"]]}


def planted(shared: Path, tmp_path: Path, n: int = 200) -> tuple[Path, dict[str, str]]:
    """The first ``n`` Belle records, then an exact copy (other case and spacing) of record 5 and a
    near copy (a few characters changed) of record 10. Returns the file and planted id -> original id."""
    rows = jsonl(shared / "belle" / "Belle_open_source_1k.json")[:n]
    rows = [{"id": f"belle-{i}", **r} for i, r in enumerate(rows)]
    exact = dict(rows[5], id="planted-exact")
    exact["instruction"] = "  " + exact["instruction"].upper().replace("\n", "\n  ") + " "
    near = dict(rows[10], id="planted-near")
    out = near["output"]
    assert len(out) > 60
    near["output"] = out[:20] + "很" + out[21:40] + out[41:] + "。"
    rows += [exact, near]
    path = tmp_path / "planted.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path, {"planted-exact": "belle-5", "planted-near": "belle-10"}


@pytest.mark.slow  # MinHash over the real BELLE and Alpaca files
def test_belle_and_alpaca_files_planted_duplicates_caught_deterministically(
    shared_data: Path, tmp_path: Path
):
    plant, expected = planted(shared_data, tmp_path)
    inputs = [
        str(plant),
        str(shared_data / "belle" / "Belle_open_source_1k.json"),
        str(shared_data / "alpaca" / "llamafactory_alpaca_zh_demo.json"),
        str(shared_data / "alpaca" / "llamafactory_alpaca_en_demo.json"),
    ]
    first = harness(
        "data",
        "clean",
        *inputs,
        "--out",
        str(tmp_path / "a.jsonl"),
        "--seed",
        "7",
        "--threshold",
        "0.8",
        "--num-perm",
        "128",
    )
    assert first.returncode == 0, first.stderr
    assert max(len(line) for line in first.stdout.splitlines()) <= 80
    assert "Chinese is counted in characters" in first.stdout
    report = json.loads((tmp_path / "a.report.json").read_text(encoding="utf-8"))
    drops = {d["id"]: d for d in report["drops"]}
    assert drops["planted-exact"]["reason"] == "exact_duplicate"
    assert drops["planted-exact"]["matched_id"] == expected["planted-exact"]
    assert drops["planted-near"]["reason"] == "near_duplicate"
    assert drops["planted-near"]["matched_id"] == expected["planted-near"]
    assert 0.8 <= drops["planted-near"]["score"] < 1.0
    # the 1k file repeats the plant's first 200 records exactly, matched to the plant (earlier input)
    belle_drops = [d for d in report["drops"] if d["origin"] == "Belle_open_source_1k.json"]
    assert len([d for d in belle_drops if d["line"] <= 200]) == 200
    assert all(
        d["matched_origin"] == "planted.jsonl" and d["matched_id"] == f"belle-{d['line'] - 1}"
        for d in belle_drops
        if d["line"] <= 200
    )
    # every exact drop in the alpaca files really is the same record as the one it matched
    zh = shared_data / "alpaca" / "llamafactory_alpaca_zh_demo.json"
    zh_records = {line: rec for line, rec in _array_records(zh)}
    zh_exact = [d for d in report["drops"] if d["origin"] == zh.name and d["reason"] == "exact_duplicate"]
    assert zh_exact, "the alpaca_zh demo holds repeated records"
    for d in zh_exact:
        a, b = zh_records[d["line"]], zh_records[d["matched_line"]]
        assert (a["instruction"], a["input"], a["output"]) == (b["instruction"], b["input"], b["output"])
    kept = jsonl(tmp_path / "a.jsonl")
    assert len(kept) == report["kept"] == report["samples"] - report["dropped"]
    assert report["samples"] == 202 + 1000 + 1000 + 999
    assert not {"planted-exact", "planted-near"} & {r.get("id") for r in kept}
    assert kept[0] == jsonl(plant)[0]  # records are written exactly as read
    div = report["diversity"]["kept"]
    assert 0 < div["distinct_1"] < div["distinct_2"] < div["distinct_3"] <= 1
    assert div["top_words"][0][0] == "的" and "character" in div["tokenization"]
    # same inputs and seed: the same kept set and the same report (timings aside)
    second = harness("data", "clean", *inputs, "--out", str(tmp_path / "b.jsonl"), "--seed", "7")
    assert second.returncode == 0, second.stderr
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert without_timings(report) == without_timings(
        json.loads((tmp_path / "b.report.json").read_text("utf-8"))
    )


def _array_records(path: Path):
    from harness.data.clean.items import _json_records

    return _json_records(path.read_text(encoding="utf-8"), str(path))


PLUGIN = '''
from harness import hookimpl
from harness.specs import EmbedderSpec


class CharBag:
    """Counts of each character, hashed into 512 buckets: a cheap but real embedder."""

    name = "charbag"

    def embed(self, texts):
        import numpy as np

        out = np.zeros((len(texts), 512))
        for row, text in enumerate(texts):
            for ch in text:
                out[row, ord(ch) % 512] += 1
        return out


@hookimpl
def harness_register_embedders(register):
    register(EmbedderSpec(name="charbag", factory="harness_local_plugin_charbag_plugin:CharBag",
                          description="character counts", dimension=512))
'''


def test_a_plugin_embedder_drops_semantic_duplicates(shared_data: Path, tmp_path: Path):
    plant, expected = planted(shared_data, tmp_path, n=60)
    plugin = tmp_path / "charbag_plugin.py"
    plugin.write_text(PLUGIN, encoding="utf-8")
    listed = harness("--plugin", str(plugin), "list", "embedder")
    assert listed.returncode == 0 and "charbag" in listed.stdout and "lm-mean" in listed.stdout
    result = harness(
        "--plugin",
        str(plugin),
        "data",
        "clean",
        str(plant),
        "--out",
        str(tmp_path / "k.jsonl"),
        "--no-near",
        "--embedder",
        "charbag",
        "--semantic-threshold",
        "0.99",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert [s["stage"] for s in summary["stages"]] == ["exact", "semantic"]
    assert summary["stages"][1]["embedder"] == "charbag" and summary["stages"][1]["dimension"] == 512
    drops = {d["id"]: d for d in json.loads((tmp_path / "k.report.json").read_text("utf-8"))["drops"]}
    assert drops["planted-near"]["reason"] == "semantic_duplicate"
    assert drops["planted-near"]["matched_id"] == expected["planted-near"]
    assert drops["planted-near"]["score"] >= 0.99


def test_builtin_lm_embedder_and_perplexity_filter_with_tiny_llama(shared_data: Path, tmp_path: Path):
    plant, expected = planted(shared_data, tmp_path, n=40)
    common = ["data", "clean", str(plant), "--no-near", "--max-tokens", "64", "--json"]
    scored = harness(*common, "--out", str(tmp_path / "s.jsonl"), "--perplexity-model", "tiny-llama")
    assert scored.returncode == 0, scored.stderr
    stats = json.loads(scored.stdout)["stages"][-1]
    assert stats["stage"] == "perplexity" and stats["scored"] == 41 and stats["dropped"] == 0
    assert stats["min"] <= stats["median"] <= stats["max"]
    threshold = stats["median"]
    result = harness(
        *common,
        "--out",
        str(tmp_path / "k.jsonl"),
        "--embedder",
        "lm-mean:tiny-llama",
        "--semantic-threshold",
        "0.995",
        "--perplexity-model",
        "tiny-llama",
        "--max-perplexity",
        str(threshold),
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    semantic, ppl = summary["stages"][1], summary["stages"][2]
    assert semantic["embedder"] == "lm-mean:tiny-llama" and semantic["dimension"] == 64
    report = json.loads((tmp_path / "k.report.json").read_text("utf-8"))
    drops = {d["id"]: d for d in report["drops"]}
    assert drops["planted-near"]["reason"] == "semantic_duplicate"
    assert drops["planted-near"]["matched_id"] == expected["planted-near"]
    assert semantic["dropped"] < 5  # mean-pooled states still tell different samples apart
    ppl_drops = [d for d in report["drops"] if d["reason"] == "perplexity"]
    assert 0 < len(ppl_drops) < ppl["in"] and all(d["score"] > threshold for d in ppl_drops)
    # scores do not depend on which samples share a batch: the same median over a smaller input
    assert ppl["max"] <= stats["max"] and ppl["min"] >= stats["min"]


def test_registered_datasets_by_name(shared_data: Path, tmp_path: Path):
    result = harness(
        "data",
        "clean",
        "belle-eval",
        "--data-dir",
        str(shared_data / "belle"),
        "--out",
        str(tmp_path / "eval.jsonl"),
        "--on",
        "instruction",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    # MANIFEST: no duplicate eval questions, even after stripping whitespace and case
    assert summary["samples"] == summary["kept"] == 1000 and summary["dropped"] == 0
    kept = jsonl(tmp_path / "eval.jsonl")
    assert {"id", "question", "category", "reference"} <= set(kept[0])
    result = harness("data", "clean", "alpaca-3.5-zz", "--out", str(tmp_path / "x.jsonl"), columns=200)
    assert result.returncode == 2 and "Did you mean 'alpaca-3.5-zh'" in result.stderr


@pytest.mark.slow
def test_bad_inputs_exit_2_with_file_and_line(shared_data: Path, tmp_path: Path):
    bad_json = tmp_path / "bad.jsonl"
    bad_json.write_text(
        '{"instruction": "a", "output": "b"}\n{"instruction": "c", "output": "d"}\n{"instr\n',
        encoding="utf-8",
    )
    missing = tmp_path / "missing.json"
    missing.write_text(
        '[\n  {"instruction": "a", "output": "b"},\n  {"instruction": "c"}\n]\n', encoding="utf-8"
    )
    not_obj = tmp_path / "list.json"
    not_obj.write_text('[\n  {"instruction": "a", "output": "b"},\n\n  [1, 2]\n]', encoding="utf-8")
    unknown = tmp_path / "unknown.jsonl"
    unknown.write_text('{"text": "hello"}\n', encoding="utf-8")
    for path, needle in (
        (bad_json, "bad.jsonl line 3: invalid JSON"),
        (missing, "missing.json line 3: no 'output'"),
        (not_obj, "list.json line 4: expected a JSON object"),
        (unknown, "unknown.jsonl line 1: not an instruction record"),
    ):
        result = harness("data", "clean", str(path), "--out", str(tmp_path / "o.jsonl"), columns=200)
        assert result.returncode == 2, (path, result.stderr)
        assert needle in result.stderr and "Traceback" not in result.stderr, result.stderr
        assert not (tmp_path / "o.jsonl").exists()
    good = shared_data / "belle" / "Belle_open_source_1k.json"
    for args, needle in (
        (["--max-perplexity", "10"], "--max-perplexity needs --perplexity-model"),
        (["--embedder", "nope"], "unknown embedder 'nope'"),
        (["--on", "title"], "--on must be one of"),
        (["--threshold", "0"], "--threshold must be in (0, 1]"),
    ):
        result = harness("data", "clean", str(good), "--out", str(tmp_path / "o.jsonl"), *args, columns=200)
        assert result.returncode == 2 and needle in result.stderr and "Traceback" not in result.stderr, (
            result.stderr
        )
    result = harness(
        "data", "clean", str(tmp_path / "nowhere.json"), "--out", str(tmp_path / "o.jsonl"), columns=200
    )
    assert result.returncode == 2 and "no such file" in result.stderr


def test_outputs_are_never_overwritten_without_force(shared_data: Path, tmp_path: Path):
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"instruction": "你好", "output": "你好！"}\n{"instruction": "你好", "output": "你好！"}\n',
        encoding="utf-8",
    )
    out = tmp_path / "mine.jsonl"
    out.write_text("my own file\n", encoding="utf-8")
    result = harness("data", "clean", str(source), "--out", str(out), columns=200)
    assert result.returncode == 2 and "already exists" in result.stderr and "--force" in result.stderr
    assert out.read_text(encoding="utf-8") == "my own file\n"
    report = tmp_path / "mine.report.json"
    assert not report.exists()
    result = harness("data", "clean", str(source), "--out", str(source), "--force", columns=200)
    assert result.returncode == 2 and "is an input file" in result.stderr
    assert len(jsonl(source)) == 2
    link = tmp_path / "link.jsonl"
    link.symlink_to(out)
    result = harness("data", "clean", str(source), "--out", str(link), "--force", columns=200)
    assert result.returncode == 2 and "symlink" in result.stderr
    result = harness("data", "clean", str(source), "--out", str(out), "--force")
    assert result.returncode == 0, result.stderr
    assert jsonl(out) == [{"instruction": "你好", "output": "你好！"}]
    assert json.loads(report.read_text("utf-8"))["dropped_by_reason"] == {"exact_duplicate": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "in.jsonl",
        "link.jsonl",
        "mine.jsonl",
        "mine.report.json",
    ]


def test_missing_datasketch_says_how_to_install_it(tmp_path: Path):
    fake = tmp_path / "fake"
    (fake / "datasketch").mkdir(parents=True)
    (fake / "datasketch" / "__init__.py").write_text("raise ImportError('No module named datasketch')\n")
    source = tmp_path / "in.jsonl"
    source.write_text('{"instruction": "a", "output": "b"}\n', encoding="utf-8")
    env = {"PYTHONPATH": os.pathsep.join([str(fake), os.environ.get("PYTHONPATH", "")])}
    result = harness("data", "clean", str(source), "--out", str(tmp_path / "o.jsonl"), env=env, columns=200)
    assert (
        result.returncode == 2
        and "pip install datasketch" in result.stderr
        and "Traceback" not in result.stderr
    )
    assert (
        harness(
            "data", "clean", str(source), "--out", str(tmp_path / "o.jsonl"), "--no-near", env=env
        ).returncode
        == 0
    )  # exact de-duplication needs no extra package
