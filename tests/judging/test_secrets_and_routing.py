"""Credentials in URLs are redacted wherever written and scrubbed as secrets; OpenAI reasoning
models keep litellm's parameter rewriting (the direct client would send ``max_tokens`` as is)."""

from __future__ import annotations

import asyncio
import base64

import pytest

from harness.api.client import ChatClient, uses_direct_client
from harness.api.openai_http import completions_url
from harness.api.secrets import SecretScrubber, configured_secrets, is_redacted_url, redact_url, url_secrets
from harness.api.settings import ApiSettings
from harness.testing import ChatCompletionsServer


@pytest.mark.parametrize(
    ("url", "redacted"),
    [
        ("http://user:pa%40ss@host:8080/v1", "http://user:***@host:8080/v1"),
        (
            "https://gw.example/v1?api_key=K123456&api-version=2024",
            "https://gw.example/v1?api_key=***&api-version=2024",
        ),
        ("https://gw.example/v1?key=abcdefgh", "https://gw.example/v1?key=***"),
        ("http://127.0.0.1:8000/v1", "http://127.0.0.1:8000/v1"),
        ("http://user@host/v1", "http://user@host/v1"),
        (None, None),
    ],
)
def test_redact_url(url, redacted):
    assert redact_url(url) == redacted
    assert is_redacted_url(redact_url(url)) == (redacted != url)
    assert not is_redacted_url(url)


def test_url_credentials_are_secrets_in_every_form():
    url = "http://harness:pw-secret-123@host/v1?api_key=qk-secret-456"
    basic = base64.b64encode(b"harness:pw-secret-123").decode()
    assert set(url_secrets(url)) >= {"pw-secret-123", "qk-secret-456", basic}
    scrub = SecretScrubber(configured_secrets(api_key=None, api_key_env=None, api_base=url))
    text = f"Authorization: Basic {basic}; url {url}"
    cleaned = scrub(text)
    assert "pw-secret-123" not in cleaned and "qk-secret-456" not in cleaned and basic not in cleaned


def test_public_settings_never_hold_url_credentials():
    settings = ApiSettings(api_base="http://u:pw-secret-123@host/v1?api_key=qk-secret-456")
    written = str(settings.public_dict())
    assert "pw-secret-123" not in written and "qk-secret-456" not in written


def test_completions_url_keeps_a_query_after_the_path():
    assert completions_url("http://h/v1/") == "http://h/v1/chat/completions"
    assert completions_url("https://h/v1?api-version=1") == "https://h/v1/chat/completions?api-version=1"


@pytest.mark.parametrize(
    ("model", "direct"),
    [
        ("gpt-3.5-turbo", True),
        ("gpt-4o-mini", True),
        ("openai/gpt-4.1", True),
        ("qwen2-7b", True),
        ("o1", False),
        ("o1-mini", False),
        ("o3-mini-2025-01-31", False),
        ("o4-mini", False),
        ("openai/o3", False),
        ("gpt-5", False),
        ("gpt-5-mini", False),
        ("gpt-5.1-codex", False),
        ("gpt-50", True),
        ("omni-7b", True),
    ],
)
def test_reasoning_models_keep_the_litellm_route(model, direct):
    assert uses_direct_client("openai", model) is direct
    assert uses_direct_client("anthropic", model) is False


def test_reasoning_model_request_is_rewritten_by_litellm(tmp_path, monkeypatch):
    """Through a real server: o3-mini's ``max_tokens`` arrives as ``max_completion_tokens``, as
    litellm sends it; gpt-4o-mini's arrives as sent, through the direct client."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-routing-key")
    with ChatCompletionsServer() as server:
        for model, field in (("o3-mini", "max_completion_tokens"), ("gpt-4o-mini", "max_tokens")):
            settings = ApiSettings(
                model=model,
                api_base=server.base_url,
                use_cache=False,
                cache_path=tmp_path / "c.sqlite",
                progress=False,
            )
            client = ChatClient(settings, namespace="t")
            assert (client.direct is None) is (field == "max_completion_tokens")

            async def ask(client=client):
                try:
                    return await client.complete(
                        [{"role": "user", "content": "hi"}], params={"max_tokens": 50, "temperature": 1}
                    )
                finally:
                    await client.aclose()

            reply = asyncio.run(ask())
            assert reply.text.startswith("得分")
            body = server.requests[-1]
            assert body.get(field) == 50, (model, body)
            if field == "max_completion_tokens":
                assert "max_tokens" not in body
