"""A dataset file's category is data: ``a:b`` (a colon, which a component name may not hold because
``name:arg`` picks a parametric component) runs as its own category and is stored as written."""

from __future__ import annotations

import json
from pathlib import Path

from harness.testing import ChatCompletionsServer


def test_category_with_colon_runs_and_is_stored_faithfully(tmp_path: Path, cli) -> None:
    data = tmp_path / "qs.jsonl"
    rows = [
        {"question": "q", "category": "a:b", "reference": "ans"},
        {"question": "r", "category": "open qa", "reference": "ans"},
    ]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with ChatCompletionsServer(reply="ans") as server:
        env = {
            "HARNESS_HOME": str(tmp_path / "home"),
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": server.base_url,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "HF_HUB_OFFLINE": "1",
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
            "--name",
            "r",
            "--no-progress",
            env=env,
        )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    run_dir = tmp_path / "runs" / "r"
    generations = [
        json.loads(x) for x in (run_dir / "generations.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert sorted(g["category"] for g in generations) == ["a:b", "open_qa"]
    scores = json.loads((run_dir / "scores.json").read_text(encoding="utf-8"))
    assert "a:b" in json.dumps(scores)
    assert "a:b" in done.stdout
