"""The litellm:<model> model and the litellm generator, against the local server."""

from __future__ import annotations

import subprocess
import sys

import pytest

from harness.errors import HarnessError, UsageError
from harness.protocols import EvalSample
from harness.testing import ChatCompletionsServer


def make_components(**options):
    from harness.manager import PluginManager

    registry = PluginManager().registry
    model = registry.create("model", "litellm:gpt-3.5-turbo")
    generator = registry.create("generator", "litellm", **options)
    return model, generator


def samples(n: int) -> list[EvalSample]:
    return [
        EvalSample(id=f"g{i}", question=f"请写一句话，编号{i}。", category="generation") for i in range(n)
    ]


def test_api_model_has_no_weights():
    model, _ = make_components()
    assert model.name == "litellm:gpt-3.5-turbo" and model.default_generator == "litellm"
    assert model.format_prompt("你好") == "你好"
    with pytest.raises(UsageError, match="API model"):
        model.load()
    with pytest.raises(UsageError, match="API model"):
        model.local_path()


def test_generates_concurrently_with_cache(tmp_path):
    with ChatCompletionsServer(
        reply=lambda body: "答：" + body["messages"][0]["content"], latency=0.05
    ) as server:
        options = {
            "api_base": server.base_url,
            "cache_path": tmp_path / "c.sqlite",
            "progress": False,
            "max_new_tokens": 64,
        }
        model, generator = make_components(**options)
        out = []
        generator.generate(model, samples(24), on_result=out.append)
        assert sorted(g.id for g in out) == sorted(s.id for s in samples(24))
        body = server.requests[0]
        assert body["temperature"] == pytest.approx(0.001) and body["max_tokens"] == 64  # the paper's 0.001
        assert server.max_in_flight > 1
        first = out[0]
        assert first.answer == "答：" + first.prompt and first.model == "gpt-3.5-turbo-0125"
        assert first.n_new_tokens > 0 and first.meta["cost"] > 0
        assert generator.stats["requests"] == 24 and generator.stats["missing"] == 0
        _, again = make_components(**options)
        out2 = []
        again.generate(model, samples(24), on_result=out2.append)
        assert server.n_requests == 24 and all(g.meta["cache_hit"] for g in out2)


def test_a_samples_own_temperature_is_sent_and_recorded(tmp_path):
    from dataclasses import replace

    with ChatCompletionsServer(reply="答") as server:
        model, generator = make_components(
            api_base=server.base_url, cache_path=tmp_path / "c.sqlite", progress=False, temperature=0.5
        )
        prescribed = [replace(s, temperature=t) for s, t in zip(samples(3), (0.7, 0.0, None), strict=True)]
        out = {}
        generator.generate(model, prescribed, on_result=lambda g: out.__setitem__(g.id, g))
        sent = sorted(body["temperature"] for body in server.requests)
    assert sent == [0.0, 0.5, 0.7]  # the sample's own, else the generator's
    assert out["g0"].meta["temperature"] == 0.7 and out["g1"].meta["temperature"] == 0.0
    assert "temperature" not in out["g2"].meta


def test_missing_answers_are_not_delivered_and_reported(tmp_path):
    with ChatCompletionsServer(fail_first=2, faults=("500",)) as server:
        model, generator = make_components(
            api_base=server.base_url,
            cache_path=tmp_path / "c.sqlite",
            progress=False,
            max_retries=0,
            concurrency=1,
        )
        out = []
        with pytest.raises(HarnessError, match="2 of 5 samples got no answer"):
            generator.generate(model, samples(5), on_result=out.append)
        assert len(out) == 3 and generator.stats["failures"] == 2


def test_generator_refuses_a_local_model(tmp_path):
    from harness.api.generator import LiteLLMGenerator

    class LocalThing:
        name = "tiny-llama"

    with pytest.raises(UsageError, match="API models"):
        LiteLLMGenerator(api_base="http://127.0.0.1:9/v1", cache_path=tmp_path / "c.sqlite").generate(
            LocalThing(), samples(1), on_result=lambda g: None
        )


def test_registration_imports_nothing_heavy():
    code = (
        "import sys; from harness.manager import get_registry; r = get_registry();"
        "[r.get(k, n) for k, n in [('judge', 'gpt35'), ('judge', 'ref-f1'), ('model', 'litellm'),"
        " ('generator', 'litellm')]];"
        "import harness.judging, harness.api, harness.testing;"
        "heavy = [m for m in ('litellm', 'torch', 'transformers', 'openai') if m in sys.modules];"
        "assert not heavy, heavy"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
