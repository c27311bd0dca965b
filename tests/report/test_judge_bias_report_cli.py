"""``harness report`` states how far a pointwise judge can be trusted: the correlation of score with
answer length (overall and per category, with a CI and a flag), the share of judgments without a
usable score and why, and a judge of the evaluated model's own family; on screen (only what is
flagged), in scores.json and in report.html."""

from __future__ import annotations

import json
import os
import random
from html.parser import HTMLParser
from pathlib import Path

import pytest

from harness.manager import get_registry
from tests.harness_cli import run_harness


def cli(*args: str):
    return run_harness(args, env={**os.environ, "COLUMNS": "80"}, timeout=120)


def write_run(
    directory: Path,
    *,
    length_follows_score: bool,
    model: str = "tiny-llama",
    judge_model: str = "gpt-3.5-turbo",
    unscored_every: int = 0,
) -> Path:
    """A demo-set run whose answers are as long as their score says (or of random length)."""
    directory.mkdir(parents=True)
    (directory / "run.json").write_text(
        json.dumps({"name": directory.name, "model": model, "judge": "belle", "dataset": "demo"}),
        encoding="utf-8",
    )
    rng = random.Random(7)
    gens, judgments = [], []
    for i, sample in enumerate(get_registry().create("dataset", "demo").load()):
        score = round(rng.random(), 3)
        length = int(10 + 200 * score) if length_follows_score else rng.randint(10, 210)
        gens.append(
            {
                "id": sample.id,
                "category": sample.category,
                "question": sample.question,
                "reference": sample.reference,
                "answer": "y" * length,
                "prompt": "",
                "model": model,
            }
        )
        unscored = unscored_every and i % unscored_every == 0
        judgments.append(
            {
                "id": sample.id,
                "category": sample.category,
                "score": None if unscored else score,
                "status": "unscored" if unscored else "scored",
                "raw": "",
                "reason": "no score found\x1b[31m" if unscored else "",
                "judge": "belle",
                "repeat": 0,
                "meta": {"judge_model": judge_model, "answering_model": judge_model + "-0125"}
                if judge_model
                else {},
            }
        )
    for name, records in (("generations.jsonl", gens), ("judgments.jsonl", judgments)):
        (directory / name).write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return directory


class _Section(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.scripts = 0

    def handle_starttag(self, tag, attrs):
        self.ids += [v for k, v in attrs if k == "id" and v]


def test_length_biased_judge_is_flagged_everywhere(tmp_path):
    run = write_run(tmp_path / "biased", length_follows_score=True, unscored_every=5)
    proc = cli("report", str(run), "--resamples", "300")
    assert proc.returncode == 0, proc.stderr
    scores = json.loads((run / "scores.json").read_text(encoding="utf-8"))
    corr = scores["judge_bias"]["length_correlation"]
    assert corr["estimate"] == pytest.approx(1.0) and corr["flagged"] is True and corr["ci_low"] > 0.9
    assert corr["n"] == 24  # the 6 unscored samples have no score to correlate
    categories = {
        json.loads(line)["category"] for line in (run / "generations.jsonl").read_text().splitlines()
    }
    assert set(corr["categories"]) == categories and len(categories) > 1
    assert all(
        row["estimate"] is None or row["estimate"] == pytest.approx(1.0)
        for row in corr["categories"].values()
    )
    unscored = scores["judge_bias"]["unscored"]
    assert unscored["estimate"] == 0.2 and unscored["flagged"] is True and unscored["missed"] == 6
    assert unscored["reasons"] == {"unscored: no score found\x1b[31m": 6}
    assert "|Spearman rho| >= 0.3" in scores["judge_bias"]["thresholds"]["length_correlation"]
    assert "judge bias: score follows answer length, Spearman +1.00" in proc.stdout
    assert "of judgments got no usable score" in proc.stdout and "\x1b" not in proc.stdout
    html = (run / "report.html").read_text(encoding="utf-8")
    parser = _Section()
    parser.feed(html)
    assert "judge-trust" in parser.ids
    section = html[html.index('<section id="judge-trust"') : html.index("</section>")]
    assert "Trusting the judge" in section and "flagged" in section and "+1.00" in section
    markdown = (run / "report.md").read_text(encoding="utf-8")
    assert (
        "## Trusting the judge" in markdown and "score vs answer length (Spearman rho): \\+1.00" in markdown
    )


def test_unbiased_judge_is_not_flagged_and_self_preference_is_named(tmp_path):
    run = write_run(
        tmp_path / "fair", length_follows_score=False, model="openai/gpt-4o-mini", judge_model="openai/gpt-4o"
    )
    proc = cli("report", str(run), "--resamples", "300")
    assert proc.returncode == 0, proc.stderr
    bias = json.loads((run / "scores.json").read_text(encoding="utf-8"))["judge_bias"]
    assert bias["length_correlation"]["flagged"] is False and bias["unscored"]["flagged"] is False
    assert "score follows answer length" not in proc.stdout
    family = bias["self_preference"]
    assert family["flagged"] is True and family["judge_models"] == ["openai/gpt-4o", "openai/gpt-4o-0125"]
    assert {m["why"] for m in family["same_family"]} == {"provider prefix 'openai'"}
    assert "self-preference risk" in proc.stdout and "provider prefix 'openai'" in proc.stdout


def test_compare_shows_each_runs_judge_checks(tmp_path):
    biased = write_run(tmp_path / "biased", length_follows_score=True)
    fair = write_run(tmp_path / "fair", length_follows_score=False)
    page = tmp_path / "compare.html"
    proc = cli("compare", str(fair), str(biased), "--resamples", "200", "--html", str(page))
    assert proc.returncode == 0, proc.stderr
    assert "biased: judge bias: score follows answer length" in proc.stdout
    assert "fair: judge bias" not in proc.stdout
    html = page.read_text(encoding="utf-8")
    assert 'id="judge-trust-Trusting-the-judge--biased"' in html and "Trusting the judge: fair" in html
    payload = json.loads(cli("compare", str(fair), str(biased), "--resamples", "200", "--json").stdout)
    assert [r["scores"]["judge_bias"]["length_correlation"]["flagged"] for r in payload["runs"]] == [
        False,
        True,
    ]


def test_configured_judge_model_counts_when_judgments_record_none(tmp_path):
    run = write_run(tmp_path / "old", length_follows_score=False, model="gpt-4o-mini", judge_model="")
    meta = json.loads((run / "run.json").read_text(encoding="utf-8"))
    (run / "run.json").write_text(json.dumps({**meta, "config": {"judge_model": "gpt-4o"}}), encoding="utf-8")
    proc = cli("report", str(run), "--resamples", "200")
    assert proc.returncode == 0, proc.stderr
    family = json.loads((run / "scores.json").read_text(encoding="utf-8"))["judge_bias"]["self_preference"]
    assert family["judge_models"] == ["gpt-4o"]
    assert family["flagged"] is True and family["same_family"][0]["why"] == "name stem 'gpt'"
