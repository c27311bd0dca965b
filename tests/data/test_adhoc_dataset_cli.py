"""`harness run --dataset <file> --field ...` through the real CLI, in a subprocess, as a user types it.

Answers come from the OpenAI-compatible test server (``litellm:`` generator via ``OPENAI_BASE_URL``),
verdicts from ``ref-f1``: offline, no torch, a few seconds a run. Bad files fail before any
generation, so those runs need no server at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from harness.testing import ChatCompletionsServer
from tests.harness_cli import run_harness


def _env(home: Path, base_url: str = "http://127.0.0.1:9/v1") -> dict:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and k != "OPENAI_BASE_URL"}
    env.update(
        {
            "HARNESS_HOME": str(home),
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": base_url,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "HF_HUB_OFFLINE": "1",
            "COLUMNS": "80",
        }
    )
    return env


def harness(
    tmp_path: Path, dataset: Path | str, *extra: str, base_url: str | None = None, name: str = "r"
) -> subprocess.CompletedProcess:
    args = [
        "run",
        "--model",
        "litellm:gen-model",
        "--dataset",
        str(dataset),
        "--judge",
        "ref-f1",
        "--out",
        str(tmp_path / "runs"),
        "--name",
        name,
        "--no-progress",
        *extra,
    ]
    env = _env(tmp_path / "home", *([base_url] if base_url else []))
    return run_harness(args, env=env, timeout=240, cwd=tmp_path)


def write_lines(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


FIELDS = "question=q,reference=gold,category=cat,id=qid"
GOOD = [
    json.dumps({"qid": "a1", "q": "1+1等于几？", "gold": "2", "cat": "math"}, ensure_ascii=False),
    json.dumps({"q": "法国的首都是哪里？", "gold": "巴黎", "cat": "geography"}, ensure_ascii=False),
    json.dumps({"qid": 7, "q": "中国的首都是哪里？", "gold": "北京", "cat": "open qa"}, ensure_ascii=False),
]


@pytest.fixture(scope="module")
def server():
    with ChatCompletionsServer(reply="答案是2。巴黎。北京。") as s:
        yield s


def test_jsonl_file_runs_and_is_traceable(tmp_path, server):
    data = write_lines(tmp_path / "qs.jsonl", *GOOD)
    result = harness(tmp_path, data, "--field", FIELDS, base_url=server.base_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "reported as their own columns" in result.stdout and "geography" in result.stdout
    run_dir = tmp_path / "runs" / "r"
    meta = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    sha = hashlib.sha256(data.read_bytes()).hexdigest()
    assert meta["dataset_file"]["sha256"] == sha == meta["config"]["dataset_sha256"]
    assert meta["dataset_file"]["path"] == str(data.resolve())
    assert meta["config"]["dataset_fields"] == FIELDS
    gens = [
        json.loads(line) for line in (run_dir / "generations.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    # ids from the id field (an integer becomes its text) or from the line number
    assert {g["id"]: g["category"] for g in gens} == {"a1": "math", "line-2": "geography", "7": "open_qa"}
    scores = json.loads((run_dir / "scores.json").read_text(encoding="utf-8"))
    # a registered category keeps its Table 5 column ("math" -> others); an unknown one is its own column
    assert scores["columns"]["geography"]["categories"] == ["geography"]
    assert scores["columns"]["others"]["categories"] == ["math"]
    assert scores["categories"]["geography"]["n"] == 1 and scores["categories"]["geography"]["mean"] > 0
    assert "geography" in (run_dir / "report.md").read_text(encoding="utf-8")

    # the same file resumes (nothing to do); a changed file is refused under the same --name
    again = harness(tmp_path, data, "--field", FIELDS, base_url=server.base_url)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "already on disk" in again.stdout
    write_lines(data, *GOOD[:2])
    changed = harness(tmp_path, data, "--field", FIELDS, base_url=server.base_url)
    assert changed.returncode == 2, changed.stdout + changed.stderr
    assert "has changed since that run" in changed.stderr and "Traceback" not in changed.stderr
    assert json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["config"]["dataset_sha256"] == sha


def test_csv_and_json_array_files_run(tmp_path, server):
    csv_file = tmp_path / "qs.csv"
    csv_file.write_text(
        'question,reference,category\n"1+1等于几？",2,math\n"法国的首都, 哪里？",巴黎,geo\n', encoding="utf-8"
    )
    result = harness(tmp_path, csv_file, base_url=server.base_url, name="c")
    assert result.returncode == 0, result.stdout + result.stderr
    gens = (tmp_path / "runs" / "c" / "generations.jsonl").read_text(encoding="utf-8")
    assert '"id": "line-2"' in gens and '"id": "line-3"' in gens and "法国的首都, 哪里？" in gens

    json_file = tmp_path / "qs.json"
    json_file.write_text(
        json.dumps(
            [
                {"id": "x", "question": "1+1?", "category": "math"},
                {"id": "y", "question": "2+2?", "category": "math"},
            ],
            indent=1,
        ),
        encoding="utf-8",
    )
    result = harness(tmp_path, json_file, base_url=server.base_url, name="j")
    assert result.returncode == 0, result.stdout + result.stderr
    meta = json.loads((tmp_path / "runs" / "j" / "run.json").read_text(encoding="utf-8"))
    assert meta["dataset_file"]["format"] == "json" and meta["n_samples"] == 2


def _refused(result: subprocess.CompletedProcess, *needles: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in result.stderr, (needle, result.stderr)


def test_hostile_rows_are_all_reported_with_their_lines(tmp_path):
    data = write_lines(
        tmp_path / "bad.jsonl",
        json.dumps({"qid": "a", "q": "ok", "cat": "math", "gold": "1"}),  # 1 fine
        json.dumps({"qid": "b", "cat": "math", "gold": "1"}),  # 2 no question
        json.dumps({"qid": "c", "q": "   ", "cat": "math", "gold": "1"}),  # 3 empty question
        json.dumps({"qid": "d", "q": ["x"], "cat": 5, "gold": "1"}),  # 4 non-string values
        json.dumps({"qid": "a", "q": "again", "cat": "math", "gold": "1"}),  # 5 duplicate id
        json.dumps({"qid": True, "q": "bool id", "cat": "math", "gold": "1"}),  # 6 a boolean id
        json.dumps({"qid": "g", "q": "no gold", "cat": "math"}),  # 7 reference mapped, missing
    )
    result = harness(tmp_path, data, "--field", FIELDS)
    _refused(
        result,
        "6 bad row(s)",
        f"{data} line 2: missing field 'q' (the question)",
        "line 3: field 'q' (the question) is empty",
        "line 4: field 'q' (the question) must be a string, not a list",
        "field 'cat' (the category) must be a string, not an integer",
        "line 5: duplicate id 'a' (first at line 1)",
        "line 6: field 'qid' (the id) must be a string or an integer",
        "line 7: missing field 'gold' (the reference)",
    )
    assert not (tmp_path / "runs").exists()  # refused before anything was written


def test_file_level_problems_exit_2(tmp_path):
    not_json = write_lines(
        tmp_path / "a.jsonl", '{"question": "q", "category": "math"}', '{"question": "q2", '
    )
    _refused(harness(tmp_path, not_json), f"{not_json} line 2: invalid JSON")
    array = tmp_path / "b.json"
    array.write_text('[\n{"question": "q", "category": "math"},\n"just text"\n]', encoding="utf-8")
    _refused(harness(tmp_path, array), f"{array} item 2 (line 3): expected a JSON object")
    csv_file = tmp_path / "c.csv"
    csv_file.write_text("question,category\nq1,math\nq2,math,extra\n", encoding="utf-8")
    _refused(harness(tmp_path, csv_file), f"{csv_file} line 3: 3 cells, the header has 2")
    _refused(harness(tmp_path, tmp_path / "missing.jsonl"), "no such file")
    empty = write_lines(tmp_path / "e.jsonl")
    _refused(harness(tmp_path, empty), "no rows")
    good = write_lines(tmp_path / "g.jsonl", '{"question": "q", "category": "math"}')
    _refused(harness(tmp_path, good, "--field", "question"), "expected target=field")
    _refused(harness(tmp_path, good, "--field", "answer=a"), "unknown target 'answer'")
    _refused(harness(tmp_path, "demo", "--field", "question=q"), "--dataset names no file")
