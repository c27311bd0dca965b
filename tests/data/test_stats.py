"""``harness data stats``: the paper's Figures 1 and 3 through the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.harness_cli import run_harness


def harness(*argv: str, columns: int = 80) -> subprocess.CompletedProcess:
    env = {**os.environ, "COLUMNS": str(columns)}
    return run_harness(argv, env=env)


def test_belle_eval_figure1_matches_the_paper_and_lengths_are_exact(
    shared_data: Path, tmp_path: Path
) -> None:
    tokenizer = shared_data / "tokenizers" / "llama_tokenizer.model"
    result = harness(
        "data", "stats", "belle-eval", "--data-dir", str(shared_data), "--json", "--tokenizer", str(tokenizer)
    )
    assert result.returncode == 0, result.stderr
    stats = json.loads(result.stdout)
    groups = {g["key"]: g for g in stats["groups"]}
    assert stats["samples"] == 1000 and len(groups) == 9
    # Figure 1: our shares, rounded, are the paper's printed percentages (MANIFEST counts)
    assert {k: g["samples"] for k, g in groups.items()} == {
        "others": 113,
        "rewrite": 131,
        "classification": 65,
        "generation": 98,
        "summarization": 40,
        "extract": 37,
        "open_qa": 285,
        "brainstorming": 179,
        "closed_qa": 52,
    }
    for key, group in groups.items():
        assert abs(100 * group["share"] - group["paper_percent"]) <= 0.5 + 1e-9, key  # printed rounded
    assert sorted(groups["others"]["categories"]) == ["code", "math"]
    # Figure 3: recompute from the file itself
    rows = [
        json.loads(line) for line in (shared_data / "belle" / "eval_set.json").read_text("utf-8").splitlines()
    ]
    assert abs(stats["overall"]["instruction_chars"] - sum(len(r["question"]) for r in rows) / 1000) < 1e-9
    gold = [r["std_answer"] for r in rows if r["std_answer"].strip()]
    assert stats["overall"]["with_gold"] == len(gold) == 631
    assert abs(stats["overall"]["gold_chars"] - sum(map(len, gold)) / len(gold)) < 1e-9
    assert groups["brainstorming"]["gold_chars"] is None and groups["generation"]["with_gold"] == 0
    assert groups["rewrite"]["with_gold"] == 39
    # LLaMA's tokenizer spends more tokens than characters on Chinese questions (byte fallback)
    assert groups["open_qa"]["instruction_tokens"] > groups["open_qa"]["instruction_chars"]


def test_table_reads_at_80_columns_and_by_category(shared_data: Path) -> None:
    result = harness(
        "data",
        "stats",
        "belle-eval",
        "--data-dir",
        str(shared_data),
        "--tokenizer",
        str(shared_data / "tokenizers" / "llama_tokenizer.model"),
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert any(line.split()[:3] == ["open", "qa", "285"] for line in lines if line.strip())
    assert any("classification" in line for line in lines)  # the label is not cut
    by_category = json.loads(
        harness(
            "data", "stats", "belle-eval", "--data-dir", str(shared_data), "--by", "category", "--json"
        ).stdout
    )
    keys = [g["key"] for g in by_category["groups"]]
    assert keys[:2] == ["code", "math"] and len(keys) == 10
    assert by_category["paper"] is None  # the paper's figure is per column


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_html_has_three_accessible_charts_and_escapes_data(tmp_path: Path) -> None:
    data = tmp_path / "evil.jsonl"
    data.write_text(
        "\n".join(
            json.dumps(
                {"instruction": f"<script>alert({i})</script>问题{i}", "input": "", "output": "答" * (i + 1)},
                ensure_ascii=False,
            )
            for i in range(5)
        )
        + "\n",
        encoding="utf-8",
    )
    out = tmp_path / "stats.html"
    result = harness("data", "stats", str(data), "--html", str(out))
    assert result.returncode == 0, result.stderr
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page  # the charts need no script; dataset text is escaped
    parser = _Collector()
    parser.feed(page)
    charts = [a for t, a in parser.tags if t == "svg" and a.get("role") == "img"]
    assert [c["id"] for c in charts] == ["figure1", "figure3a", "figure3b"]
    assert all(c.get("aria-label") for c in charts)
    assert (
        sum(1 for t, a in parser.tags if t == "span" and a.get("class") == "key") == 3
    )  # a legend per chart
    bars = [a for t, a in parser.tags if t == "rect" and "bar" in a.get("class", "")]
    assert len(bars) == 3
    assert "3.0" in "".join(parser.text)  # mean output length 1..5 -> 3.0 characters


@pytest.mark.slow
def test_bad_inputs_exit_2_with_the_reason(tmp_path: Path, shared_data: Path) -> None:
    unknown = harness("data", "stats", "no-such-set")
    assert unknown.returncode == 2 and "no-such-set" in unknown.stderr and "Traceback" not in unknown.stderr
    bad_by = harness("data", "stats", "demo", "--by", "colour")
    assert bad_by.returncode == 2 and "--by" in bad_by.stderr
    missing_tok = harness("data", "stats", "demo", "--tokenizer", str(tmp_path / "nope.model"))
    assert missing_tok.returncode == 2 and "nope.model" in missing_tok.stderr
    latin1 = tmp_path / "latin1.json"
    latin1.write_bytes('{"instruction": "caf\xe9", "output": "x"}\n'.encode("latin-1"))
    not_utf8 = harness("data", "stats", str(latin1))
    assert not_utf8.returncode == 2 and "latin1.json" in not_utf8.stderr and "UTF-8" in not_utf8.stderr
    unwritable = harness("data", "stats", "demo", "--html", str(tmp_path / "no" / "dir" / "x.html"))
    assert unwritable.returncode == 2 and "cannot write" in unwritable.stderr
