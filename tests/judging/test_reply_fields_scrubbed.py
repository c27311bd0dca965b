"""Every string taken from a judge's reply is scrubbed of secrets before it is kept or printed,
through the real CLI: a hostile server answering with the key as its ``model`` (or its
``finish_reason``, or split across both, or base64-encoded, or in an error body) gets nothing of it
into stdout, stderr, the run directory or the judge cache. URL credentials count in their
Basic-auth form (base64 of ``user:password``) too."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from harness.testing import ChatCompletionsServer
from tests.judging.test_judge_cost_cli import harness

KEY = "sk-test-DO-NOT-LEAK-0123456789abcdef"
USER, PASSWORD = "harness", "pw-judge-SECRET-4242"
BASIC = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


@pytest.fixture(scope="module")
def gen_server():
    with ChatCompletionsServer(reply="这是模型的回答。", model_name="gen-model") as server:
        yield server


def assert_nowhere(tmp_path: Path, result, *secrets: str) -> None:
    """None of ``secrets`` in the output or in any file the run wrote (run directory, judge cache)."""
    assert "Traceback" not in result.stderr, result.stderr
    for secret in secrets:
        assert secret not in result.stdout + result.stderr, secret
        for path in tmp_path.rglob("*"):
            if path.is_file():
                assert secret.encode() not in path.read_bytes(), (secret, path)


def with_credentials(url: str) -> str:
    return url.replace("http://", f"http://{USER}:{PASSWORD}@", 1)


def test_key_as_the_reply_model_is_not_kept(tmp_path, gen_server):
    with ChatCompletionsServer(model_name=KEY, finish_reason=KEY) as judge:
        result = harness(tmp_path, gen_server.base_url, judge.base_url, "model-key", api_key=KEY)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "judging: cost unknown" in result.stdout  # the answering model is named, as ***
    assert_nowhere(tmp_path, result, KEY)


def test_basic_auth_credentials_in_reply_fields_are_not_kept(tmp_path, gen_server):
    with ChatCompletionsServer(model_name=BASIC, finish_reason=PASSWORD) as judge:
        result = harness(tmp_path, gen_server.base_url, with_credentials(judge.base_url), "basic")
        sent = judge.request_headers[-1]["Authorization"]
    assert sent == f"Basic {BASIC}"  # what the server could echo
    assert result.returncode == 0, result.stdout + result.stderr
    assert_nowhere(tmp_path, result, BASIC, PASSWORD)


def test_key_split_across_fields_is_not_kept(tmp_path, gen_server):
    head, tail = KEY[:15], KEY[15:]
    with ChatCompletionsServer(model_name=head, finish_reason=tail) as judge:
        result = harness(tmp_path, gen_server.base_url, judge.base_url, "split", api_key=KEY)
    assert result.returncode == 0, result.stdout + result.stderr
    assert_nowhere(tmp_path, result, head, tail)


def test_key_base64_encoded_in_the_reply_text_is_not_kept(tmp_path, gen_server):
    # as in a Basic header ("Bearer " shifts the key's bytes: another base64 alignment)
    encoded = [base64.b64encode(KEY.encode()).decode(), base64.b64encode(f"Bearer {KEY}".encode()).decode()]
    reply = f"得分: 1.0\n理由: {encoded[0]} / {encoded[1]}"
    with ChatCompletionsServer(reply=reply, model_name=encoded[1]) as judge:
        result = harness(tmp_path, gen_server.base_url, judge.base_url, "b64", api_key=KEY)
    assert result.returncode == 0, result.stdout + result.stderr
    assert_nowhere(tmp_path, result, encoded[0], encoded[1][12:-4])


def test_key_in_an_error_body_is_not_kept(tmp_path, gen_server):
    message = (
        f"bad key {KEY[:20]} {KEY[20:]} (Basic {BASIC}; base64 {base64.b64encode(KEY.encode()).decode()})"
    )
    with ChatCompletionsServer(fault_rate=1, faults=("500",), error_message=message) as judge:
        result = harness(
            tmp_path,
            gen_server.base_url,
            with_credentials(judge.base_url),
            "error",
            "--limit",
            "1",
            "--judge-deadline",
            "1",
            api_key=KEY,
        )
    judgments = (tmp_path / "runs" / "error" / "judgments.jsonl").read_text(encoding="utf-8")
    assert "HTTP 500" in judgments and '"failed"' in judgments
    assert_nowhere(tmp_path, result, KEY[:20], KEY[20:], BASIC, base64.b64encode(KEY.encode()).decode())


@pytest.mark.parametrize("prefix", [b"", b"x", b"xy", b"Bearer ", b"user:"])
def test_base64_of_any_bytes_holding_the_key_is_scrubbed(prefix):
    from harness.api.secrets import SecretScrubber

    encoded = base64.b64encode(prefix + KEY.encode() + b" tail").decode()
    cleaned = SecretScrubber([KEY])(f"echo: {encoded}.")
    assert "***" in cleaned and encoded not in cleaned
    assert len(cleaned) < len(encoded) - len(KEY), cleaned  # the key's whole span went, not a char or two


def test_ordinary_replies_and_model_names_are_left_alone():
    from harness.api.secrets import SecretScrubber

    scrub = SecretScrubber([KEY, PASSWORD, BASIC])
    for text in (
        "得分: 0.8\n理由: 模型回答基本正确，但是缺少一些细节。" * 20,
        "gpt-4o-mini-2024-07-18",
        "stop",
        "Rating: [[7]] The assistant's answer is accurate and well organised.",
    ):
        assert scrub(text) == text
    assert scrub(f"model {KEY[3:14]} and {KEY[-9:]}") == "model *** and ***"  # short fields: 8 characters


def test_a_short_passwords_pieces_are_ordinary_words():
    from harness.api.secrets import SecretScrubber

    scrub = SecretScrubber(["password123"])
    assert scrub("Reset your password, then log in.") == "Reset your password, then log in."
    assert scrub("it was password123!") == "it was ***!"
