"""Issue 13 points 6 and 7 through the real CLI: `harness run` in a subprocess, as a user types it,
against real OpenAI-compatible HTTP servers on 127.0.0.1 (``harness.testing``).

Answers come from one server (the ``litellm:`` generator, via ``OPENAI_BASE_URL``), verdicts from
another (``--judge-api-base``) that misbehaves: oversized replies, hanging requests, echoing the
request headers. The shipped ``demo`` dataset keeps these offline and free of torch.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from harness.api.openai_http import TRUNCATION_MARKER
from harness.testing import ChatCompletionsServer
from tests.harness_cli import run_harness

SECRET = "sk-test-secret-XYZ"
N = 4


def _env(home: Path, gen: ChatCompletionsServer, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and k != "OPENAI_BASE_URL"}
    env.update(
        {
            "HARNESS_HOME": str(home),
            "OPENAI_API_KEY": SECRET,
            "OPENAI_BASE_URL": gen.base_url,
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "HF_HUB_OFFLINE": "1",
            "COLUMNS": "80",
            **extra,
        }
    )
    return env


def harness(args: list[str], env: dict, timeout: float = 240) -> subprocess.CompletedProcess:
    return run_harness(args, env=env, timeout=timeout)


def run_args(out: Path, name: str, judge_base: str, *extra: str, limit: int = N) -> list[str]:
    return [
        "run",
        "--model",
        "litellm:gen-model",
        "--dataset",
        "demo",
        "--limit",
        str(limit),
        "--judge",
        "gpt35",
        "--judge-api-base",
        judge_base,
        "--out",
        str(out),
        "--name",
        name,
        "--no-progress",
        *extra,
    ]


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def final_records(path: Path) -> dict[str, dict]:
    """The last record per sample id (a resumed run appends a new verdict for a failed one)."""
    return {r["id"]: r for r in records(path)}


def all_files(*roots: Path) -> list[Path]:
    return [p for root in roots for p in root.rglob("*") if p.is_file()]


@pytest.fixture
def gen_server():
    with ChatCompletionsServer(reply="这是模型的回答。") as server:
        yield server


def test_oversized_reply_is_stored_truncated_and_unscored(tmp_path, gen_server):
    cap = 4096
    home, out = tmp_path / "home", tmp_path / "runs"
    with ChatCompletionsServer(
        fault_rate=1.0, faults=("oversized",), oversized_bytes=3 * 1024 * 1024
    ) as judge:
        result = harness(
            run_args(out, "big", judge.base_url, "--judge-max-reply", str(cap)), _env(home, gen_server)
        )
    assert result.returncode == 0, result.stdout + result.stderr
    judgments = final_records(out / "big" / "judgments.jsonl")
    assert len(judgments) == N
    marker = TRUNCATION_MARKER.format(limit=cap)
    for record in judgments.values():
        assert record["status"] == "unscored" and record["score"] is None
        assert record["reason"].startswith("reply too large"), record["reason"]
        assert record["raw"].endswith(marker)
        assert len(record["raw"].encode("utf-8")) <= cap + len(marker.encode("utf-8"))
        assert record["raw"].startswith("得分: 0.9")  # the beginning is kept, for the reader
    # nothing anywhere on disk holds more than the cap of any reply: the 3 MB never reach a file
    for path in all_files(out, home):
        assert path.stat().st_size < N * 2 * cap + 256 * 1024, path
    meta = json.loads((out / "big" / "run.json").read_text(encoding="utf-8"))
    assert meta["config"]["judge_max_reply"] == cap
    assert meta["judge_stats"]["truncated_replies"] == N


def test_hanging_server_stops_the_run_and_a_rerun_resumes(tmp_path, gen_server):
    home, out = tmp_path / "home", tmp_path / "runs"
    env = _env(home, gen_server)
    # answers 3 requests, then accepts every request and never answers
    with ChatCompletionsServer(fail_after=3, faults=("hang",)) as judge:
        result = harness(
            run_args(
                out,
                "hang",
                judge.base_url,
                "--judge-concurrency",
                "1",
                "--judge-deadline",
                "1",
                "--judge-max-failures",
                "2",
                limit=6,
            ),
            env,
        )
        hung = judge.n_requests
    text = result.stdout + result.stderr
    assert result.returncode == 1, text
    assert "stopped after 2 requests in a row got no reply" in result.stderr
    assert "3 judgments finished and are kept" in result.stderr
    assert "run the same command again" in result.stderr
    assert "Traceback" not in text
    assert hung == 5  # 3 answered, 2 given up at the deadline (one attempt each), the 6th never sent
    run_dir = out / "hang"
    meta = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    assert meta["status"] == "failed" and "stopped after 2 requests" in meta["error"]
    kept = final_records(run_dir / "judgments.jsonl")
    assert sorted(r["status"] for r in kept.values()) == ["failed", "failed", "scored", "scored", "scored"]
    failed_reason = next(r["reason"] for r in kept.values() if r["status"] == "failed")
    assert "no reply after 1 attempt(s) in 1." in failed_reason  # the deadline, not 60 s or 390 s
    assert len(records(run_dir / "generations.jsonl")) == 6
    scored_before = {k: r for k, r in kept.items() if r["status"] == "scored"}

    gen_requests = gen_server.n_requests
    with ChatCompletionsServer() as fixed:  # the server is fixed (it came back on another port)
        # the bounds are operational: changing them does not make it another run
        again = harness(
            run_args(
                out, "hang", fixed.base_url, "--judge-concurrency", "1", "--judge-deadline", "60", limit=6
            ),
            env,
        )
        assert again.returncode == 0, again.stdout + again.stderr + (run_dir / "judgments.jsonl").read_text()
        assert fixed.n_requests == 3  # only the two failed and the one never sent
    assert gen_server.n_requests == gen_requests  # nothing regenerated
    assert "judging: 3 to do, 3 already on disk" in again.stdout
    final = final_records(run_dir / "judgments.jsonl")
    assert all(r["status"] == "scored" for r in final.values()) and len(final) == 6
    assert all(final[k] == r for k, r in scored_before.items())  # finished verdicts untouched
    assert json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["status"] == "complete"


def test_corrupt_cache_is_moved_aside_with_a_warning(tmp_path, gen_server):
    home, out = tmp_path / "home", tmp_path / "runs"
    home.mkdir()
    garbage = b"this is not an SQLite database\x00" * 100
    (home / "judge_cache.sqlite").write_bytes(garbage)
    with ChatCompletionsServer() as judge:
        result = harness(run_args(out, "c", judge.base_url), _env(home, gen_server))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert "warning: the response cache" in result.stderr and "is corrupt" in result.stderr
    assert "moved aside to judge_cache.sqlite.corrupt-" in result.stderr
    moved = list(home.glob("judge_cache.sqlite.corrupt-*"))
    assert len(moved) == 1 and moved[0].read_bytes() == garbage  # kept, not deleted
    assert all(r["status"] == "scored" for r in final_records(out / "c" / "judgments.jsonl").values())
    # a fresh cache was started and works: the same run again costs the judge no request
    with ChatCompletionsServer() as judge:
        again = harness(run_args(out, "c2", judge.base_url), _env(home, gen_server))
        assert again.returncode == 0, again.stderr
        assert "corrupt" not in again.stderr
    assert len(list(home.glob("judge_cache.sqlite.corrupt-*"))) == 1


def test_two_judge_servers_do_not_share_cached_answers(tmp_path, gen_server):
    home, out = tmp_path / "home", tmp_path / "runs"
    env = _env(home, gen_server)
    with (
        ChatCompletionsServer(reply="得分: 1.0\n理由: 好。") as a,
        ChatCompletionsServer(reply="得分: 0.0\n理由: 差。") as b,
    ):
        first = harness(run_args(out, "a", a.base_url), env)
        assert first.returncode == 0, first.stderr
        second = harness(run_args(out, "b", b.base_url), env)
        assert second.returncode == 0, second.stderr
        assert a.n_requests == N and b.n_requests == N  # B was asked, not answered from A's cache
        third = harness(run_args(out, "a2", a.base_url), env)
        assert third.returncode == 0, third.stderr
        assert a.n_requests == N  # the cache still serves A's answers to A
    scores = {
        name: {r["score"] for r in final_records(out / name / "judgments.jsonl").values()}
        for name in ("a", "b", "a2")
    }
    assert scores == {"a": {1.0}, "b": {0.0}, "a2": {1.0}}


@pytest.mark.parametrize("url_secret", ["query", "userinfo"])
def test_echoed_secrets_are_written_nowhere(tmp_path, gen_server, url_secret):
    home, out = tmp_path / "home", tmp_path / "runs"
    query_secret, password = "qk-secret-456", "pw-secret-123"
    with ChatCompletionsServer(fault_rate=1.0, faults=("echo_headers",)) as judge:
        host = judge.base_url.removeprefix("http://")
        base = (
            f"{judge.base_url}?api_key={query_secret}"
            if url_secret == "query"
            else f"http://harness:{password}@{host}"
        )
        result = harness(run_args(out, "echo", base), _env(home, gen_server))
        sent = [json.dumps(h) for h in judge.request_headers]
    assert result.returncode == 0, result.stdout + result.stderr
    import base64

    basic = base64.b64encode(f"harness:{password}".encode()).decode()
    secrets = [SECRET, query_secret, password, basic]
    # the server really was sent a secret and echoed it (else this test proves nothing)
    assert any(SECRET in h or basic in h for h in sent)
    judgments = final_records(out / "echo" / "judgments.jsonl")
    assert all("请求头" in r["raw"] and "***" in r["raw"] for r in judgments.values())
    for path in all_files(out, home):
        data = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in data, (path, secret)
    for stream in (result.stdout, result.stderr):
        for secret in secrets:
            assert secret not in stream
    config = json.loads((out / "echo" / "run.json").read_text(encoding="utf-8"))["config"]
    assert "***" in config["judge_api_base"]


def test_rejudge_refuses_a_stored_redacted_api_base(tmp_path, gen_server):
    """run.json keeps the URL without its credentials; `harness judge` must not send `***` as one."""
    home, out = tmp_path / "home", tmp_path / "runs"
    env = _env(home, gen_server)
    with ChatCompletionsServer() as judge:
        base = f"{judge.base_url}?api_key=qk-secret-456"
        assert harness(run_args(out, "r", base, limit=2), env).returncode == 0
        refused = harness(["judge", str(out / "r"), "--judge", "gpt35", "--judgments-file", "j2.jsonl"], env)
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert "stored without its credentials" in refused.stderr and "--judge-api-base" in refused.stderr
        ok = harness(
            [
                "judge",
                str(out / "r"),
                "--judge",
                "gpt35",
                "--judgments-file",
                "j2.jsonl",
                "--judge-api-base",
                base,
                "--judge-deadline",
                "30",
            ],
            env,
        )
        assert ok.returncode == 0, ok.stdout + ok.stderr
    assert len(final_records(out / "r" / "j2.jsonl")) == 2


def test_help_shows_the_bounds_and_their_defaults():
    env = dict(os.environ, COLUMNS="80")
    for command in ("run", "judge"):
        text = harness([command, "--help"], env, timeout=60).stdout
        for option in ("--judge-deadline", "--judge-max-reply", "--judge-max-failures"):
            assert option in text
        flat = " ".join(text.replace("│", " ").split())
        for default in ("[default: (180)]", "[default: (65536)]", "[default: (20)]"):
            assert default in flat, (command, default)
