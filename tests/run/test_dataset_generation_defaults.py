"""A dataset's generation defaults (issue 23.21), through the real CLI: MT-Bench declares FastChat's
1,024 new tokens per turn; the user's explicit ``--max-new-tokens`` still wins; run.json records
the length that applied and where it came from.

The model is tiny-llama declaring a context of 1,040 tokens, so that 1,024 new tokens show up in the
context check's refusal without generating them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.runs.rundir import prompt_change
from tests.run.test_chat_templates import harness
from tests.small_context_model import make_small_context_dir


@pytest.fixture(scope="module")
def small_model(tmp_path_factory, harness_home) -> Path:
    from harness.models.tiny_llama import TinyLlamaModel

    return make_small_context_dir(
        TinyLlamaModel().local_path(), tmp_path_factory.mktemp("ctx") / "tiny", 1040
    )


@pytest.fixture
def mt_bench_dir(shared_data: Path) -> Path:
    if not (shared_data / "mtbench" / "question.jsonl").is_file():
        pytest.skip("../shared/data/mtbench is absent")
    return shared_data


def run_args(model_dir: Path, data: Path, out: Path, *extra: str) -> list[str]:
    return [
        "run",
        "--model",
        "tiny-llama",
        "--model-path",
        str(model_dir),
        "--dataset",
        "mt-bench",
        "--data-dir",
        str(data),
        "--categories",
        "mt-bench-math",
        "--limit",
        "1",
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


def test_mt_bench_asks_for_1024_new_tokens_by_default(tmp_path, small_model, mt_bench_dir):
    proc = harness(*run_args(small_model, mt_bench_dir, tmp_path / "runs"))
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "mt-bench-111 (" in proc.stderr, proc.stderr
    assert "+ 1024); max new tokens from the default of dataset 'mt-bench'" in proc.stderr, proc.stderr


def test_the_users_max_new_tokens_wins_and_is_recorded(tmp_path, small_model, mt_bench_dir):
    proc = harness(*run_args(small_model, mt_bench_dir, tmp_path / "runs", "--max-new-tokens", "3"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    meta = json.loads((tmp_path / "runs" / "r" / "run.json").read_text(encoding="utf-8"))
    assert meta["max_new_tokens"] == {
        "value": 3,
        "source": "--max-new-tokens (or max_new_tokens in the config file)",
    }
    records = [
        json.loads(x) for x in (tmp_path / "runs" / "r" / "generations.jsonl").read_text().splitlines()
    ]
    assert len(records) == 2 and all(r["n_new_tokens"] <= 3 for r in records)


@pytest.mark.slow
def test_the_dataset_default_applies_and_is_recorded(tmp_path, small_model, mt_bench_dir):
    """With a context that holds 1,024 new tokens (truncation lets the prompt fit), run.json says
    the length came from the dataset, and a resume must find the same declared length."""
    big = make_small_context_dir(small_model, tmp_path / "big", 1100)
    proc = harness(*run_args(big, mt_bench_dir, tmp_path / "runs", "--truncate-prompts", "left"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    meta = json.loads((tmp_path / "runs" / "r" / "run.json").read_text(encoding="utf-8"))
    assert meta["max_new_tokens"] == {"value": 1024, "source": "the default of dataset 'mt-bench'"}
    assert meta["prompt"]["max_new_tokens"] == meta["max_new_tokens"]
    other = {
        **meta["prompt"],
        "max_new_tokens": {"value": 512, "source": "the default of dataset 'mt-bench'"},
    }
    assert prompt_change(meta["prompt"], other) is not None


def samples_with(*lengths):
    from harness.protocols import EvalSample

    return [
        EvalSample(id=f"s{i}", question="q", category="c", max_new_tokens=n) for i, n in enumerate(lengths)
    ]


def test_who_decides_the_length():
    from harness.generation.lengths import choose_length

    same, mixed, none = samples_with(1024, 1024), samples_with(64, None), samples_with(None)
    assert choose_length(same, explicit=True, configured=8, dataset="d").value == 8
    chosen = choose_length(same, explicit=False, configured=512, dataset="d")
    assert (chosen.value, chosen.per_sample, chosen.from_dataset) == (1024, False, True)
    assert choose_length(none, explicit=False, configured=512, dataset="d").source == "the harness's default"
    assert choose_length(mixed, explicit=False, configured=512, dataset="d").per_sample


def test_lengths_per_sample_need_a_generator_that_takes_them():
    from harness import GeneratorComponent
    from harness.errors import UsageError
    from harness.generation.lengths import apply_length, choose_length

    mixed = samples_with(64, 128)
    choice = choose_length(mixed, explicit=False, configured=512, dataset="d")
    with pytest.raises(UsageError, match="answers every sample at one length"):
        apply_length(mixed, choice, generator=GeneratorComponent(), generator_name="plain")
    assert [
        s.max_new_tokens
        for s in apply_length(
            samples_with(64, 64),
            choose_length(samples_with(64, 64), explicit=False, configured=512, dataset="d"),
        )
    ] == [None, None]


def test_batches_never_mix_lengths_and_api_requests_carry_their_own():
    from harness.api.generator import LiteLLMGenerator
    from harness.generation.batching import PromptItem, length_sorted_batches

    items = [PromptItem(i, f"s{i}", "p", (1, 2), max_new_tokens=n) for i, n in enumerate([64, None, 64, 128])]
    batches = [[item.id for item in batch] for batch in length_sorted_batches(items, 8)]
    assert batches == [["s1"], ["s0", "s2"], ["s3"]]
    params = LiteLLMGenerator.sample_params({"temperature": 0.5, "max_tokens": 512}, samples_with(1024)[0])
    assert params == {"temperature": 0.5, "max_tokens": 1024}
