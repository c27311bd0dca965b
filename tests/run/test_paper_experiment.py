"""Experiment configs and the paper's figures (issue 14.1 and 14.4), through the real ``harness experiment``.

* every ``configs/table2*/*.yaml`` names its published row (``paper.table5``) and so carries exactly
  the figures of ``../shared/data/belle/paper_table5.tsv``, never a copy of them;
* ``harness experiment`` prints published beside measured per Table 5 column (within the terminal
  width), writes them to ``summary.json`` and ``summary.html``, and marks every row that differs from
  the paper's setup ("substitute data: not comparable", with what differs) in all three and in the
  eval run's own ``report.md`` / ``report.html``.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
from pathlib import Path

import pytest

from harness.experiments import find_experiments
from harness.paper.table5 import load_table5
from harness.scoring import TABLE5_COLUMNS
from tests.harness_cli import run_harness

ROOT = Path(__file__).resolve().parents[2]
CONFIG_DIRS = (ROOT / "configs" / "table2", ROOT / "configs" / "table2-mini")


def _norm(mixture: str) -> str:
    return "".join(mixture.split()).lower()


def _env(harness_home: Path, columns: int = 80) -> dict[str, str]:
    return {
        **os.environ,
        "HARNESS_HOME": str(harness_home),
        "COLUMNS": str(columns),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }


def _harness(args: list[str], env: dict[str, str], timeout: int = 600) -> subprocess.CompletedProcess:
    return run_harness(args, env=env, timeout=timeout)


def _assert_fits(text: str, width: int) -> None:
    """The summary screen (from its title on; DeepSpeed logs its own CPU warning unwrapped before it)."""
    assert "Table 2/5: measured vs published" in text
    summary = text[text.index("Table 2/5: measured vs published") :]
    long = [line for line in summary.splitlines() if len(line) > width]
    assert not long, f"{len(long)} line(s) wider than {width}: {long[:3]}"


@pytest.mark.parametrize("directory", CONFIG_DIRS, ids=lambda d: d.name)
def test_every_config_resolves_to_its_published_row(directory, shared_data):
    path = shared_data / "belle" / "paper_table5.tsv"
    lines = [
        line for line in path.read_text(encoding="utf-8").splitlines() if line and not line.startswith("#")
    ]
    tsv = {(r["base_model"], r["training_data"]): r for r in csv.DictReader(lines, delimiter="\t")}
    specs = find_experiments([directory])
    assert len(specs) == (9 if directory.name == "table2" else 8)
    for spec in specs:
        text = Path(spec.source).read_text(encoding="utf-8")
        assert "macro" not in text.split("train:")[0], f"{spec.source} copies published figures"
        row = spec.published()
        assert row is not None, f"{spec.source} names no published row"
        published = tsv[(row.model, row.data)]
        assert {c: float(published[c]) for c in TABLE5_COLUMNS} == row.scores, spec.source
        assert (float(published["macro_ave"]), float(published["macro_ave_wo_others"])) == (
            row.macro,
            row.macro_wo_others,
        )
        if spec.train is None:  # the ChatGPT row: evaluated as is
            assert spec.eval["model"] == row.eval_model
            continue
        assert _norm(spec.train["data"]) == _norm(row.data), spec.source
        if directory.name == "table2":  # the full-size grid fine-tunes the paper's base model
            assert spec.train["model"] == row.base_model, spec.source
    if directory.name == "table2":
        assert sorted(s.paper.table5 for s in specs) == sorted(r.id for r in load_table5().rows)


@pytest.mark.parametrize(
    ("paper", "expected"),
    [
        ("  table: '2'\n  macro_wo_others: 0.670\n", "published figures are not copied into configs"),
        ("  table5: llama-ext_zh-alpaca-3.5-4_sharegpt_bele-3.5\n", "Did you mean"),
    ],
)
def test_a_config_with_copied_figures_or_an_unknown_row_is_exit_2(tmp_path, harness_home, paper, expected):
    config = tmp_path / "exp.yaml"
    config.write_text(
        f"name: x\npaper:\n{paper}eval:\n  model: tiny-llama\n  dataset: demo\n", encoding="utf-8"
    )
    proc = _harness(
        ["experiment", str(config), "--out", str(tmp_path / "out"), "--dry-run"], _env(harness_home)
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert expected in proc.stdout + proc.stderr and "exp.yaml" in proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
@pytest.mark.parametrize("columns", [80, 120])
def test_eval_only_experiment_side_by_side_with_verdict(tmp_path, harness_home, columns):
    config = tmp_path / "chatgpt-standin.yaml"
    config.write_text(
        "name: chatgpt-standin\npaper:\n  table5: chatgpt\neval:\n  model: tiny-llama\n  dataset: demo\n"
        "  judge: ref-f1\n  greedy: true\n  max_new_tokens: 4\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    proc = _harness(
        ["experiment", str(config), "--out", str(out), "--no-progress"], _env(harness_home, columns)
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    row = load_table5().row("chatgpt")
    _assert_fits(proc.stdout, columns)
    published_line = next(line for line in proc.stdout.splitlines() if line.startswith("#1 paper"))
    assert published_line.split()[2:13] == [
        f"{v:.3f}" for v in [*row.scores.values(), row.macro, row.macro_wo_others]
    ]
    assert any(
        line.startswith("#1 ours") and line.rstrip().endswith("no") for line in proc.stdout.splitlines()
    )
    words = " ".join(proc.stdout.split())  # the caption wraps at the terminal width
    assert "different setup: not comparable" in words
    assert "judge: ref-f1 instead of gpt35" in words and "30 of the 1,000 questions" in words

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    paper = summary[0]["paper"]
    assert summary[0]["paper_row"] == "chatgpt" and summary[0]["comparable"] is False
    assert list(paper["columns"]) == list(TABLE5_COLUMNS)
    assert {c: e["published"] for c, e in paper["columns"].items()} == row.scores
    measured = json.loads((out / "chatgpt-standin" / "eval" / "scores.json").read_text(encoding="utf-8"))
    assert {c: e["measured"] for c, e in paper["columns"].items()} == {
        c: measured["columns"].get(c, {}).get("mean") for c in TABLE5_COLUMNS
    }
    assert (
        sum(e["measured"] is not None for e in paper["columns"].values()) >= 5
    )  # ref-f1 needs a gold answer
    html = (out / "summary.html").read_text(encoding="utf-8")
    assert "different setup: not comparable" in html and f"<td>{row.scores['rewrite']:.3f}</td>" in html
    for report in ("report.md", "report.html"):
        assert "different setup: not comparable" in (out / "chatgpt-standin" / "eval" / report).read_text(
            "utf-8"
        )


@pytest.mark.slow  # trains the miniature, then evaluates it
def test_trained_miniature_is_marked_substitute_data_everywhere(tmp_path, harness_home, shared_data):
    """Table 2 row 8 in miniature (tiny-llama, one optimizer step on the 1k samples, 4 questions, ref-f1)."""
    config = ROOT / "configs" / "table2-mini" / "08_llama-ext_zh-alpaca-3.5-4_sharegpt_belle.yaml"
    out = tmp_path / "out"
    args = ["experiment", str(config), "--out", str(out), "--max-steps", "1", "--limit", "4", "--no-progress"]
    proc = _harness(args, _env(harness_home))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    _assert_fits(proc.stdout, 80)
    verdict = "substitute data: not comparable"
    words = " ".join(proc.stdout.split())  # the caption wraps at the terminal width
    for expected in (
        verdict,
        "belle-3.5: a 1,000-record sample",
        "model: tiny-llama fine-tuned",
        "capped at 1 optimizer",
        "judge: ref-f1",
    ):
        assert expected in words, expected
    assert "#1 paper 0.566" in proc.stdout  # row 8's published `others`, beside the measured line

    exp = out / "mini_llama-ext_zh-alpaca-3.5-4_sharegpt_belle"
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary[0]["verdict"] == verdict and summary[0]["trained"] == "trained"
    assert any(d.startswith("substitute data: sharegpt") for d in summary[0]["differences"])
    html = (out / "summary.html").read_text(encoding="utf-8")
    assert verdict in html and "substitute data: belle-3.5" in html
    for report in ("report.md", "report.html"):
        assert verdict in (exp / "eval" / report).read_text(encoding="utf-8")
    scores = json.loads((exp / "eval" / "scores.json").read_text(encoding="utf-8"))
    assert scores["paper"]["verdict"] == verdict  # judged from the run's own records (train_config.json)

    # run again with --json: nothing is redone, stdout is the summary alone, the verdict in it
    again = _harness([*args, "--json"], _env(harness_home))
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    rows = json.loads(again.stdout)
    assert rows[0]["trained"] == "skipped (done)" and rows[0]["verdict"] == verdict
    assert "training already done" in again.stderr


def test_dry_run_shows_each_rows_verdict_before_anything_runs(tmp_path, harness_home):
    """configs/table2: every fine-tuned row trains on stand-in data; the ChatGPT row is the paper's setup."""
    out = tmp_path / "out"
    proc = _harness(
        ["experiment", str(CONFIG_DIRS[0]), "--out", str(out), "--dry-run"], _env(harness_home, 200)
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = [line for line in proc.stdout.splitlines() if "belle-eval" in line]
    assert len(rows) == 9
    assert all("substitute data: not comparable" in line for line in rows[:8]), rows
    assert rows[8].split("│")[1].strip() == "chatgpt" and rows[8].rstrip(" │").endswith("comparable")
    assert "not comparable" not in rows[8]
    assert not out.exists()
