"""Multi-turn samples: answered turn by turn with the model's own earlier answers, batched per turn,
stored and resumed per turn, judged per turn; API models get real message lists."""

from __future__ import annotations

import json

import pytest

from harness import hookimpl
from harness.protocols import EvalSample, Generation, Judgment
from harness.runs.config import RunConfig
from harness.runs.pipeline import run_eval
from harness.specs import DatasetSpec, GeneratorSpec, JudgeSpec
from harness.testing import ChatCompletionsServer


class TwoTurnDataset:
    name = "two-turn"

    def __init__(self, **_):
        cats = ["qa", "write", "math"]
        self.samples = [
            EvalSample(
                id=f"s{i:03d}",
                question=f"Q{i}a",
                category=cats[i % 3],
                turns=(f"Q{i}a", f"Q{i}b"),
                references=(f"R{i}a", f"R{i}b"),
            )
            for i in range(6)
        ]

    def load(self):
        return list(self.samples)


class HistoryGenerator:
    """Answers with the conversation it was shown; records every call (one per turn) and can be
    told to stop (as if killed) after ``stop_after`` more answers."""

    name = "history"
    calls: list[list[str]] = []
    stop_after: int | None = None

    def __init__(self, **_):
        pass

    def generate(self, model, samples, *, on_result):
        HistoryGenerator.calls.append([s.id for s in samples])
        for s in samples:
            if HistoryGenerator.stop_after is not None:
                if HistoryGenerator.stop_after <= 0:
                    raise KeyboardInterrupt
                HistoryGenerator.stop_after -= 1
            shown = "|".join(m["content"] for m in s.history) + f"|{s.question}"
            on_result(
                Generation(
                    id=s.id, answer=f"A({shown})", prompt=model.format_prompt(s.question), model=model.name
                )
            )


class TurnJudge:
    """Scores turn k as k/4; records what it was shown."""

    name = "turn-judge"
    calls: list[tuple[str, int, tuple[str, ...]]] = []

    def __init__(self, **_):
        pass

    def judge(self, items, *, on_result):
        for item in items:
            TurnJudge.calls.append((item.sample.id, item.turn, item.answers))
            on_result(
                Judgment(
                    id=item.sample.id,
                    category=item.sample.category,
                    score=item.turn / 4,
                    status="scored",
                    judge=self.name,
                    repeat=item.repeat,
                )
            )


class MultiTurnPlugin:
    @hookimpl
    def harness_register_datasets(self, register):
        register(DatasetSpec(name="two-turn", factory=TwoTurnDataset, description="6 two-turn samples"))

    @hookimpl
    def harness_register_generators(self, register):
        register(GeneratorSpec(name="history", factory=HistoryGenerator))

    @hookimpl
    def harness_register_judges(self, register):
        register(JudgeSpec(name="turn-judge", factory=TurnJudge))


@pytest.fixture
def mt_manager(manager):
    HistoryGenerator.calls = []
    HistoryGenerator.stop_after = None
    TurnJudge.calls = []
    manager.register(MultiTurnPlugin(), name="multi-turn-plugin")
    yield manager
    manager.unregister(name="multi-turn-plugin")


def cfg(tmp_path, **kw) -> RunConfig:
    base = dict(
        model="echo-model",
        dataset="two-turn",
        judge="turn-judge",
        generator="history",
        out=str(tmp_path / "runs"),
        progress=False,
    )
    return RunConfig(**{**base, **kw})


def lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_turns_are_batched_and_see_the_models_own_answers(tmp_path, mt_manager):
    result = run_eval(cfg(tmp_path, name="mt"), manager=mt_manager, log=lambda m: None)
    assert result.status == "complete"
    ids = [f"s{i:03d}" for i in range(6)]
    assert HistoryGenerator.calls == [ids, ids], "one generator call per turn, over every sample"
    gens = lines(result.run_dir / "generations.jsonl")
    assert [(g["id"], g["turn"]) for g in gens] == [(i, 1) for i in ids] + [(i, 2) for i in ids]
    second = gens[6]
    assert second["question"] == "Q0b" and second["reference"] == "R0b"
    assert second["answer"] == "A(Q0a|A(|Q0a)|Q0b)", "turn 2 is asked after turn 1 and the model's own answer"
    judgments = lines(result.run_dir / "judgments.jsonl")
    assert sorted((j["id"], j["turn"], j["sample_id"]) for j in judgments) == sorted(
        (f"{i}:turn{t}", t, i) for i in ids for t in (1, 2)
    )
    shown = {(sid, turn): answers for sid, turn, answers in TurnJudge.calls}
    assert shown[("s000:turn2", 2)] == ("A(|Q0a)", "A(Q0a|A(|Q0a)|Q0b)"), "turn 2 is judged with both answers"
    scores = json.loads((result.run_dir / "scores.json").read_text())
    assert scores["turns"]["overall"]["1"]["mean"] == 0.25 and scores["turns"]["overall"]["2"]["mean"] == 0.5
    from harness.report.rundir import read_run_dir

    run = read_run_dir(result.run_dir)  # the report's per-sample view finds each judged turn's answer
    assert run.generations["s000:turn2"]["answer"] == "A(Q0a|A(|Q0a)|Q0b)"


def test_resume_is_per_turn(tmp_path, mt_manager):
    config = cfg(tmp_path)
    HistoryGenerator.stop_after = 6  # turn 1 complete, then killed as turn 2 starts
    with pytest.raises(KeyboardInterrupt):
        run_eval(config, manager=mt_manager, log=lambda m: None)
    [run_dir] = list((tmp_path / "runs").iterdir())
    assert len(lines(run_dir / "generations.jsonl")) == 6
    HistoryGenerator.stop_after = 2  # two turn-2 answers, then killed again
    with pytest.raises(KeyboardInterrupt):
        run_eval(config, manager=mt_manager, log=lambda m: None)
    assert HistoryGenerator.calls[-1] == [f"s{i:03d}" for i in range(6)], "turn 1 was not asked again"
    assert len(lines(run_dir / "generations.jsonl")) == 8
    HistoryGenerator.stop_after = None
    result = run_eval(config, manager=mt_manager, log=lambda m: None)
    assert result.resumed and result.status == "complete"
    assert HistoryGenerator.calls[-1] == [f"s{i:03d}" for i in range(2, 6)], "only the missing turn-2 answers"
    gens = lines(run_dir / "generations.jsonl")
    assert sorted((g["id"], g["turn"]) for g in gens) == sorted(
        (f"s{i:03d}", t) for i in range(6) for t in (1, 2)
    )
    assert len(lines(run_dir / "judgments.jsonl")) == 12 and len(TurnJudge.calls) == 12


def test_api_model_receives_real_message_lists(tmp_path):
    from harness.manager import PluginManager

    registry = PluginManager().registry
    model = registry.create("model", "litellm:gpt-3.5-turbo", system_prompt="Be brief.")
    sample = EvalSample(id="m1", question="Q1", category="generation", turns=("Q1", "Q2"))
    from harness.runs.turns import turn_sample

    with ChatCompletionsServer(reply=lambda body: f"n={len(body['messages'])}") as server:
        generator = registry.create(
            "generator", "litellm", api_base=server.base_url, progress=False, cache_path=tmp_path / "c.sqlite"
        )
        out: list[Generation] = []
        generator.generate(model, [turn_sample(sample, 2, ["first answer"])], on_result=out.append)
        assert server.requests[0]["messages"] == [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Q1"},
            {"role": "assistant", "content": "first answer"},
            {"role": "user", "content": "Q2"},
        ]
    assert out[0].answer == "n=4"


def test_single_turn_records_keep_their_shape():
    sample = EvalSample(id="x", question="q", category="c")
    assert sample.to_dict() == {"id": "x", "question": "q", "category": "c", "reference": "", "meta": {}}
    assert (
        not sample.multi_turn and EvalSample(id="y", question="a", category="c", turns=("a", "b")).multi_turn
    )


def test_rejudge_of_a_multi_turn_run_judges_every_turn(tmp_path, mt_manager):
    from harness.runs.pipeline import rejudge

    result = run_eval(cfg(tmp_path, name="mt"), manager=mt_manager, log=lambda m: None)
    TurnJudge.calls = []
    path, judged = rejudge(
        result.run_dir,
        "turn-judge",
        judgments_file="judgments-again.jsonl",
        manager=mt_manager,
        log=lambda m: None,
    )
    assert judged == 12
    records = lines(path)
    assert sorted((r["id"], r["turn"]) for r in records) == sorted(
        (f"s{i:03d}:turn{t}", t) for i in range(6) for t in (1, 2)
    )
    shown = {(sid, turn): answers for sid, turn, answers in TurnJudge.calls}
    assert shown[("s001:turn2", 2)] == ("A(|Q1a)", "A(Q1a|A(|Q1a)|Q1b)")


def test_hf_model_renders_earlier_turns_through_its_chat_template(tmp_path, harness_home):
    """Turn 2 of a sample on a model whose tokenizer has a chat template: the prompt is
    apply_chat_template over [user 1, the model's answer 1, user 2], and the hf generator sends
    exactly those token ids."""
    from transformers import AutoTokenizer

    from harness.manager import PluginManager
    from harness.models.tiny_llama import TinyLlamaModel
    from harness.runs.turns import turn_sample
    from tests.chat_model import make_chat_model_dir

    chat_dir = make_chat_model_dir(TinyLlamaModel().local_path(), tmp_path / "tiny-chat")
    registry = PluginManager().registry
    model = registry.create("model", f"hf:{chat_dir}")
    sample = turn_sample(
        EvalSample(id="c1", question="Hi", category="generation", turns=("Hi", "And then?")),
        2,
        ["Hello there"],
    )
    tok = AutoTokenizer.from_pretrained(str(chat_dir))
    messages = [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello there"},
        {"role": "user", "content": "And then?"},
    ]
    expected = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
    assert "Hello there" in expected
    from harness.component_settings import ComponentSettings

    # progress is a setting hf does not declare: left out, as for any run
    settings = ComponentSettings(max_new_tokens=2, greedy=True, progress=False)
    generator = registry.create("generator", "hf", settings)
    out: list[Generation] = []
    generator.generate(model, [sample], on_result=out.append)
    assert out[0].prompt == expected
    ids = tok.apply_chat_template(messages, tokenize=True, add_generation_prompt=True)
    ids = ids["input_ids"] if hasattr(ids, "keys") else ids  # a BatchEncoding in newer transformers
    assert out[0].n_prompt_tokens == len(ids)


class TemperatureDataset(TwoTurnDataset):
    """The two-turn samples, each prescribing a temperature (as MT-Bench's do by category)."""

    def load(self):
        from dataclasses import replace

        return [replace(s, temperature=[0.7, 0.0, 0.1][i % 3]) for i, s in enumerate(self.samples)]


class SeeingGenerator(HistoryGenerator):
    """Records the temperature each sample reached it with."""

    per_sample_temperature = True
    seen: list[tuple[str, float | None]] = []

    def generate(self, model, samples, *, on_result):
        SeeingGenerator.seen += [(s.id, s.temperature) for s in samples]
        super().generate(model, samples, on_result=on_result)


class TemperaturePlugin:
    @hookimpl
    def harness_register_datasets(self, register):
        register(
            DatasetSpec(name="two-turn-temps", factory=TemperatureDataset, description="with temperatures")
        )

    @hookimpl
    def harness_register_generators(self, register):
        register(GeneratorSpec(name="seeing", factory=SeeingGenerator))


@pytest.fixture
def temp_manager(mt_manager):
    SeeingGenerator.seen = []
    mt_manager.register(TemperaturePlugin(), name="temperature-plugin")
    yield mt_manager
    mt_manager.unregister(name="temperature-plugin")


def test_prescribed_temperatures_reach_the_generator_on_every_turn(tmp_path, temp_manager):
    result = run_eval(
        cfg(tmp_path, dataset="two-turn-temps", generator="seeing"), manager=temp_manager, log=lambda m: None
    )
    assert result.status == "complete"
    expected = {f"s{i:03d}": [0.7, 0.0, 0.1][i % 3] for i in range(6)}
    assert len(SeeingGenerator.seen) == 12 and all(t == expected[i] for i, t in SeeingGenerator.seen)
    run = json.loads((result.run_dir / "run.json").read_text())
    assert run["decoding"] == "the dataset's temperature per sample (greedy, 0.1, 0.7)"


def test_temperature_or_greedy_given_answers_every_sample_alike(tmp_path, temp_manager):
    result = run_eval(
        cfg(tmp_path, dataset="two-turn-temps", generator="seeing", greedy=True),
        manager=temp_manager,
        log=lambda m: None,
    )
    assert {t for _, t in SeeingGenerator.seen} == {None}
    run = json.loads((result.run_dir / "run.json").read_text())
    assert run["decoding"] == "greedy for every sample (the dataset's per-sample temperatures overridden)"


def test_a_generator_with_one_temperature_is_refused_not_silently_used(tmp_path, temp_manager):
    from harness.errors import UsageError

    with pytest.raises(UsageError, match="prescribes a temperature per sample") as info:
        run_eval(cfg(tmp_path, dataset="two-turn-temps"), manager=temp_manager, log=lambda m: None)
    assert "--temperature T or --greedy" in info.value.hint
    assert HistoryGenerator.calls == []  # refused before anything was generated
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())  # nor a run directory


def test_a_resume_must_decode_as_the_run_began(tmp_path, temp_manager):
    """Begun with the dataset's temperatures, interrupted, then resumed with one temperature for all:
    refused (the answers would mix two decodings), even though the settings' values are the same."""
    from harness.errors import UsageError

    HistoryGenerator.stop_after = 3
    with pytest.raises(KeyboardInterrupt):
        run_eval(
            cfg(tmp_path, dataset="two-turn-temps", generator="seeing", name="t"),
            manager=temp_manager,
            log=lambda m: None,
        )
    HistoryGenerator.stop_after = None
    explicit_default = cfg(
        tmp_path, dataset="two-turn-temps", generator="seeing", name="t", temperature=0.001
    )
    with pytest.raises(UsageError, match="answers decoded with the dataset's temperature per sample"):
        run_eval(explicit_default, manager=temp_manager, log=lambda m: None)
    result = run_eval(
        cfg(tmp_path, dataset="two-turn-temps", generator="seeing", name="t"),
        manager=temp_manager,
        log=lambda m: None,
    )
    assert result.resumed and result.status == "complete"


class HostileTemperatureDataset(TwoTurnDataset):
    """Sample s001 prescribes ``HostileTemperatureDataset.value``; the others a sane 0.7."""

    value: object = None

    def load(self):
        from dataclasses import replace

        return [replace(s, temperature=self.value if s.id == "s001" else 0.7) for s in self.samples]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -0.5, "0.7", True])
def test_a_prescribed_temperature_that_is_not_a_number_at_least_0_is_refused(tmp_path, temp_manager, value):
    """A dataset plugin's NaN, inf, negative, string or bool temperature: exit 2 naming the dataset and
    the sample, before a run directory or an answer exists (it had crashed a sort, or sampled nonsense)."""
    from harness.errors import UsageError

    HostileTemperatureDataset.value = value

    class Hostile:
        @hookimpl
        def harness_register_datasets(self, register):
            register(DatasetSpec(name="hostile-temps", factory=HostileTemperatureDataset, description="bad"))

    temp_manager.register(Hostile(), name="hostile")
    try:
        with pytest.raises(
            UsageError, match=r"dataset 'hostile-temps': sample 's001' has temperature"
        ) as info:
            run_eval(
                cfg(tmp_path, dataset="hostile-temps", generator="seeing"),
                manager=temp_manager,
                log=lambda m: None,
            )
    finally:
        temp_manager.unregister(name="hostile")
    assert repr(value) in str(info.value)
    assert SeeingGenerator.seen == [] and HistoryGenerator.calls == []
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())
