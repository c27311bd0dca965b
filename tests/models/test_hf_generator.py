"""The ``hf`` generator: batched greedy output equals one-at-a-time output, results stream per batch."""

from __future__ import annotations

import pytest

from harness.errors import UsageError
from harness.generation.batching import PromptItem, length_sorted_batches, trim_at_eos
from harness.generation.hf import HFGenerator
from harness.protocols import EvalSample, Generation

STORY_PROMPTS = [
    "Once upon a time",
    "Lily saw a big dog. The dog",
    "Tom and Sue went to the park to play with a ball and",
    "One day",
    "The cat sat on the mat and looked at the bird in the tree. It was a sunny day and",
    "Ben",
]


def _samples(questions: list[str]) -> list[EvalSample]:
    return [EvalSample(id=f"q{i}", question=q, category="generation") for i, q in enumerate(questions)]


def _run(generator: HFGenerator, model, samples) -> list[Generation]:
    results: list[Generation] = []
    generator.generate(model, samples, on_result=results.append)
    return results


def test_batched_greedy_equals_one_at_a_time_token_for_token(stories_model) -> None:
    samples = _samples(STORY_PROMPTS)

    def run(batch_size: int) -> dict[str, Generation]:
        generator = HFGenerator(batch_size=batch_size, max_new_tokens=24, greedy=True, keep_token_ids=True)
        return {g.id: g for g in _run(generator, stories_model, samples)}

    single = run(1)
    assert len({tuple(g.meta["token_ids"]) for g in single.values()}) == len(samples)  # prompts matter
    assert single["q0"].answer.startswith(", there was a little girl named Lily")
    for batch_size in (4, 8):  # 4: two batches of different widths; 8: all six prompts padded together
        batched = run(batch_size)
        assert batched.keys() == single.keys()
        for sample_id, g in batched.items():
            one = single[sample_id]
            assert g.meta["token_ids"] == one.meta["token_ids"], sample_id
            assert (g.answer, g.n_new_tokens, g.finish_reason) == (
                one.answer,
                one.n_new_tokens,
                one.finish_reason,
            )
    _, tokenizer = stories_model.load()
    assert single["q0"].n_prompt_tokens == len(tokenizer("Once upon a time")["input_ids"])


def test_records_carry_ids_prompts_and_input_order(stories_model) -> None:
    samples = _samples(STORY_PROMPTS)
    results = _run(HFGenerator(batch_size=4, max_new_tokens=5, greedy=True), stories_model, samples)
    assert len(results) == len(samples)
    by_id = {g.id: g for g in results}
    for index, sample in enumerate(samples):
        g = by_id[sample.id]
        assert g.meta["index"] == index
        assert g.prompt == stories_model.format_prompt(sample.question)
        assert g.model == stories_model.name
        assert g.n_new_tokens == 5 and g.finish_reason == "length"
    # length-sorted: the longest prompt is generated first
    assert results[0].id == "q4"


def test_results_are_delivered_as_each_batch_finishes(stories_model) -> None:
    delivered: list[Generation] = []
    seen_before_batch: list[int] = []

    class Spy(HFGenerator):
        def run_batch(self, *args, **kwargs):
            seen_before_batch.append(len(delivered))
            return super().run_batch(*args, **kwargs)

    Spy(batch_size=2, max_new_tokens=3, greedy=True).generate(
        stories_model, _samples(STORY_PROMPTS), on_result=delivered.append
    )
    assert seen_before_batch == [0, 2, 4]
    assert len(delivered) == 6


def test_generation_stops_at_eos(stories_model) -> None:
    generator = HFGenerator(batch_size=2, max_new_tokens=30, greedy=True)
    samples = _samples(["Once upon a time", "One day"])
    reference = {g.id: g for g in _run(generator, stories_model, samples)}
    hf_model, tokenizer = generator.load(stories_model)
    # Declare the token "Lily" the end of sequence: the story must stop right after producing it.
    lily = tokenizer("Lily", add_special_tokens=False)["input_ids"][-1]
    original = hf_model.generation_config.eos_token_id
    hf_model.generation_config.eos_token_id = lily
    try:
        stopped = {g.id: g for g in _run(generator, stories_model, samples)}
    finally:
        hf_model.generation_config.eos_token_id = original
    g = stopped["q0"]
    assert g.finish_reason == "eos"
    assert reference["q0"].answer.startswith(g.answer)
    assert g.answer.endswith("named") and g.n_new_tokens < 30
    assert stopped["q1"].n_new_tokens <= 30


def test_sampling_at_paper_temperature_is_seeded(stories_model) -> None:
    samples = _samples(STORY_PROMPTS[:3])
    first = _run(HFGenerator(batch_size=3, max_new_tokens=8, seed=7), stories_model, samples)
    second = _run(HFGenerator(batch_size=3, max_new_tokens=8, seed=7), stories_model, samples)
    assert [g.answer for g in first] == [g.answer for g in second]
    assert HFGenerator().temperature == 0.001 and not HFGenerator().greedy


def test_tiny_llama_through_the_registry_with_left_padding(tiny_llama_dir) -> None:
    from harness.manager import get_registry

    registry = get_registry()
    model = registry.create("model", "tiny-llama")
    generator = registry.create("generator", "hf", batch_size=3, max_new_tokens=4, greedy=True)
    samples = _samples(
        ["你好", "请你写出一个可以生成五个不同随机数的 Python 程序。", "What is 1 + 1?", "写一首诗"]
    )
    results = _run(generator, model, samples)
    assert sorted(g.id for g in results) == ["q0", "q1", "q2", "q3"]
    assert all(g.n_new_tokens == 4 or g.finish_reason == "eos" for g in results)
    assert all(g.prompt.startswith("<s>Human: ") for g in results)  # BELLE@958c91b training format
    generator.close()
    assert generator._loaded is None


def test_bad_options_are_usage_errors() -> None:
    with pytest.raises(UsageError):
        HFGenerator(batch_size=0)
    with pytest.raises(UsageError):
        HFGenerator(max_new_tokens=0)
    with pytest.raises(UsageError):
        HFGenerator(temperature=0)
    HFGenerator(temperature=0, greedy=True)  # greedy needs no temperature


def test_batching_helpers() -> None:
    items = [PromptItem(i, f"s{i}", "p", tuple(range(n))) for i, n in enumerate([3, 7, 3, 1, 7])]
    batches = length_sorted_batches(items, 2)
    assert [[it.index for it in b] for b in batches] == [[1, 4], [0, 2], [3]]
    assert trim_at_eos([5, 6, 2, 0, 0], {2}) == ([5, 6, 2], "eos")
    assert trim_at_eos([5, 6, 7], {2}) == ([5, 6, 7], "length")


def test_generate_in_input_order(stories_model) -> None:
    from harness.generation.collect import generate_in_input_order

    samples = _samples(STORY_PROMPTS)
    results = generate_in_input_order(
        HFGenerator(batch_size=4, max_new_tokens=2, greedy=True), stories_model, samples
    )
    assert [g.id for g in results] == [s.id for s in samples]
    assert [g.meta["index"] for g in results] == list(range(len(samples)))


def test_batches_never_mix_temperatures() -> None:
    items = [
        PromptItem(i, f"s{i}", "p", tuple(range(n)), temperature=t)
        for i, (n, t) in enumerate([(3, 0.7), (7, None), (3, 0.0), (1, 0.7), (7, 0.0)])
    ]
    batches = length_sorted_batches(items, 2)
    assert [[it.index for it in b] for b in batches] == [[1], [4, 2], [0, 3]]  # the run's own first
    assert all(len({it.temperature for it in b}) == 1 for b in batches)


def test_a_samples_own_temperature_wins_and_is_recorded(stories_model) -> None:
    """A sample prescribed temperature 0 is answered greedily by a sampling generator (the same
    tokens as a greedy run), one prescribed 0.7 is sampled, and each records its temperature."""
    from dataclasses import replace

    samples = _samples(STORY_PROMPTS[:4])
    greedy = {
        g.id: g
        for g in _run(
            HFGenerator(batch_size=4, max_new_tokens=16, greedy=True, keep_token_ids=True),
            stories_model,
            samples,
        )
    }
    prescribed = [replace(s, temperature=0.0 if i % 2 == 0 else 0.7) for i, s in enumerate(samples)]
    sampler = HFGenerator(batch_size=4, max_new_tokens=16, temperature=1.5, keep_token_ids=True, seed=3)
    mixed = {g.id: g for g in _run(sampler, stories_model, prescribed)}
    assert mixed.keys() == greedy.keys()
    for i, sample in enumerate(prescribed):
        assert mixed[sample.id].meta["temperature"] == sample.temperature
        if i % 2 == 0:
            assert mixed[sample.id].meta["token_ids"] == greedy[sample.id].meta["token_ids"], sample.id
    assert "temperature" not in greedy["q0"].meta  # the run's own decoding: nothing per sample
