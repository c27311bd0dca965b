"""Prompts longer than the model's context (issue 23.5), through the real CLI.

Every prompt is measured with the model's own tokenizer before the run directory exists, and
counted with the new tokens requested: one that does not fit is exit 2 naming the sample and its
lengths, unless ``--truncate-prompts left`` (or ``truncate_prompts: left`` in a config file) cuts
its oldest tokens, which the generation record and run.json then say. The model is tiny-llama
declaring a context of 64 tokens; an API model's context is litellm's, where litellm knows it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.generation.batching import PromptItem, length_sorted_batches
from tests.run.test_chat_templates import harness
from tests.small_context_model import make_small_context_dir

CONTEXT = 64
LONG = " ".join(f"apple banana word{i}" for i in range(60))  # far more than 64 tokens


@pytest.fixture(scope="module")
def small_model(tmp_path_factory, harness_home) -> Path:
    from harness.models.tiny_llama import TinyLlamaModel

    return make_small_context_dir(
        TinyLlamaModel().local_path(), tmp_path_factory.mktemp("ctx") / "tiny", CONTEXT
    )


def dataset(tmp_path: Path) -> Path:
    path = tmp_path / "questions.jsonl"
    rows = [
        {"id": "short-1", "question": "What is a cat?", "reference": "an animal", "category": "open_qa"},
        {"id": "long-1", "question": LONG, "reference": "fruit", "category": "open_qa"},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def run_args(model_dir: Path, data: Path, out: Path, *extra: str) -> list[str]:
    return [
        "run",
        "--model",
        "tiny-llama",
        "--model-path",
        str(model_dir),
        "--dataset",
        str(data),
        "--judge",
        "ref-f1",
        "--greedy",
        "--no-progress",
        "--out",
        str(out),
        "--name",
        "r",
        *extra,
    ]


def test_a_prompt_longer_than_the_context_is_refused_before_the_run(tmp_path, small_model):
    proc = harness(*run_args(small_model, dataset(tmp_path), tmp_path / "runs", "--max-new-tokens", "4"))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    error = proc.stderr.strip().splitlines()[0]
    assert "1 of 2 prompts do not fit the context of model 'tiny-llama' (64 tokens)" in error
    assert "long-1 (" in error and "+ 4)" in error and "short-1" not in error
    assert "Traceback" not in proc.stderr and "--truncate-prompts left" in proc.stderr
    assert not (tmp_path / "runs" / "r").exists(), "refused before the run directory exists"


def test_new_tokens_alone_larger_than_the_context_are_refused(tmp_path, small_model):
    proc = harness(*run_args(small_model, dataset(tmp_path), tmp_path / "runs", "--max-new-tokens", "64"))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "64 new tokens requested, but its context is 64 tokens" in proc.stderr


def test_truncate_left_from_a_config_file_cuts_and_records(tmp_path, small_model):
    config = tmp_path / "run.yaml"
    config.write_text("truncate_prompts: left\nmax_new_tokens: 4\n", encoding="utf-8")
    proc = harness(*run_args(small_model, dataset(tmp_path), tmp_path / "runs", "--config", str(config)))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    run_dir = tmp_path / "runs" / "r"
    records = {
        json.loads(line)["id"]: json.loads(line)
        for line in (run_dir / "generations.jsonl").read_text(encoding="utf-8").splitlines()
    }
    cut = records["long-1"]["meta"]["truncated"]
    assert cut["side"] == "left" and cut["tokens_after"] == CONTEXT - 4 < cut["tokens_before"]
    assert records["long-1"]["n_prompt_tokens"] == CONTEXT - 4
    assert "truncated" not in records["short-1"]["meta"]
    meta = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))
    assert meta["truncated_prompts"] == 1 and meta["config"]["truncate_prompts"] == "left"
    assert meta["prompt_context"]["context"] == CONTEXT and meta["prompt_context"]["too_long"] == 1
    assert meta["prompt_context"]["counted"] == "prompt tokens + max new tokens"


def test_an_unknown_truncation_side_is_a_usage_error(tmp_path, small_model):
    proc = harness(
        *run_args(small_model, dataset(tmp_path), tmp_path / "runs", "--truncate-prompts", "middle")
    )
    assert proc.returncode == 2 and "truncate_prompts" in proc.stderr and "Traceback" not in proc.stderr


def test_an_api_models_context_is_litellms(tmp_path):
    """gpt-3.5-turbo's context (16,385 tokens, litellm's model map) is checked before any request."""
    data = tmp_path / "api.jsonl"
    data.write_text(
        json.dumps({"id": "huge", "question": "word " * 20_000, "category": "open_qa"}) + "\n",
        encoding="utf-8",
    )
    proc = harness(
        "run",
        "--model",
        "litellm:gpt-3.5-turbo",
        "--dataset",
        str(data),
        "--judge",
        "ref-f1",
        "--no-progress",
        "--out",
        str(tmp_path / "runs"),
        "--max-new-tokens",
        "8",
        env_extra={"OPENAI_API_KEY": "sk-test-unused", "OPENAI_BASE_URL": "http://127.0.0.1:9"},
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "do not fit the context of model 'litellm:gpt-3.5-turbo' (16385 tokens)" in proc.stderr
    assert "huge (" in proc.stderr


def test_batching_never_pads_a_short_prompt_to_a_long_one():
    items = [
        PromptItem(0, "short", "p", tuple(range(10))),
        PromptItem(1, "long", "p", tuple(range(3000))),
        PromptItem(2, "mid", "p", tuple(range(1600))),
    ]
    batches = length_sorted_batches(items, 8)
    assert [[item.id for item in batch] for batch in batches] == [["long", "mid"], ["short"]]


def test_the_vllm_generator_fits_prompts_to_its_engines_context():
    """vLLM is GPU-only: its fitting is checked against the engine's ``max_model_len`` alone."""
    from types import SimpleNamespace

    from harness.errors import UsageError
    from harness.generation.vllm import VLLMGenerator
    from harness.protocols import EvalSample

    engine = SimpleNamespace(llm_engine=SimpleNamespace(model_config=SimpleNamespace(max_model_len=16)))
    model = SimpleNamespace(name="m")
    samples = [EvalSample(id="a", question="q", category="c"), EvalSample(id="b", question="q", category="c")]
    ids = [list(range(4)), list(range(30))]
    with pytest.raises(UsageError, match=r"1 of 2 prompts do not fit .* b \(30 \+ 4\)"):
        VLLMGenerator(max_new_tokens=4)._fit(model, engine, samples, ids)
    fitted, cuts = VLLMGenerator(max_new_tokens=4, truncate_prompts="left")._fit(model, engine, samples, ids)
    assert fitted == [list(range(4)), list(range(18, 30))] and cuts[0] is None
    assert (cuts[1]["tokens_before"], cuts[1]["tokens_after"]) == (30, 12)
