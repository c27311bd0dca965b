"""MT-Bench as an ordinary plugin: its data, FastChat's judge prompts byte for byte, FastChat's
rating extraction, and no MT-Bench code in the core."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from harness.protocols import EvalSample, JudgeItem
from harness.runs.turns import turn_items
from harness.scales import ScoreScale

HARNESS = Path(__file__).resolve().parents[2] / "harness"


@pytest.fixture
def mtbench(shared_data):
    path = shared_data / "mtbench"
    if not (path / "question.jsonl").is_file():
        pytest.skip("../shared/data/mtbench is absent")
    return path


def fastchat_user_prompt(
    mtbench: Path, question: dict, answers: list[str], multi_turn: bool
) -> tuple[str, str]:
    """FastChat's run_judge_single + gen_judgment's choice of prompt, written out independently:
    the prompt by category (NEED_REF_CATS) and turn, the reference from reference_answer/gpt-4.jsonl,
    then ``prompt_template.format(**exact kwargs)``. Returns (system prompt, user prompt)."""
    prompts = {}
    for line in (mtbench / "judge_prompts.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        prompts[record["name"]] = record
    refs = {}
    for line in (mtbench / "reference_answer_gpt-4.jsonl").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        refs[record["question_id"]] = record
    need_ref = question["category"] in ["math", "reasoning", "coding", "arena-hard-200"]
    name = ("single-math-v1" if need_ref else "single-v1") + ("-multi-turn" if multi_turn else "")
    judge = prompts[name]
    kwargs = {}
    ref_answer = refs[question["question_id"]] if need_ref else None
    if ref_answer is not None:
        kwargs["ref_answer_1"] = ref_answer["choices"][0]["turns"][0]
        if multi_turn:
            kwargs["ref_answer_2"] = ref_answer["choices"][0]["turns"][1]
    answer = {"choices": [{"turns": answers}]}
    if multi_turn:
        user_prompt = judge["prompt_template"].format(
            question_1=question["turns"][0],
            question_2=question["turns"][1],
            answer_1=answer["choices"][0]["turns"][0],
            answer_2=answer["choices"][0]["turns"][1],
            **kwargs,
        )
    else:
        user_prompt = judge["prompt_template"].format(
            question=question["turns"][0], answer=answer["choices"][0]["turns"][0], **kwargs
        )
    return judge["system_prompt"], user_prompt


def questions(mtbench: Path) -> dict[int, dict]:
    return {
        q["question_id"]: q for q in map(json.loads, (mtbench / "question.jsonl").read_text().splitlines())
    }


def test_dataset_has_80_two_turn_questions_with_references(mtbench):
    from harness_plugins.mt_bench_data import MTBenchDataset

    samples = MTBenchDataset(data_dir=mtbench.parent).load()
    assert len(samples) == 80 and all(len(s.turns) == 2 and s.multi_turn for s in samples)
    counts = {}
    for s in samples:
        counts[s.category] = counts.get(s.category, 0) + 1
    assert counts == {
        f"mt-bench-{c}": 10
        for c in ("writing", "roleplay", "reasoning", "math", "coding", "extraction", "stem", "humanities")
    }
    with_refs = {s.meta["mt_bench_category"] for s in samples if s.references}
    assert with_refs == {"math", "reasoning", "coding"} and sum(bool(s.references) for s in samples) == 30
    # FastChat's temperature_config (llm_judge/common.py): answers are sampled per category
    fastchat = {
        "writing": 0.7,
        "roleplay": 0.7,
        "extraction": 0.0,
        "math": 0.0,
        "coding": 0.0,
        "reasoning": 0.0,
        "stem": 0.1,
        "humanities": 0.1,
    }
    assert all(s.temperature == fastchat[s.meta["mt_bench_category"]] for s in samples)


def test_source_is_pinned_like_belle_eval(mtbench):
    import hashlib

    from harness.data.fetch import resolve_source

    source = resolve_source("mt-bench")
    assert source.commit and all(source.commit in f.url for f in source.files)
    for file in source.files:
        data = (mtbench / file.name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == file.sha256 and len(data) == file.size


@pytest.mark.parametrize("qid, turn", [(81, 1), (111, 1), (111, 2), (81, 2)])
def test_judge_prompt_is_fastchats_byte_for_byte(mtbench, qid, turn):
    """81: writing, turn 1 (single-v1); 111: math with GPT-4's reference (single-math-v1), and both
    turn-2 judgments (the -multi-turn prompts, whole conversation shown)."""
    from harness_plugins.mt_bench_data import MTBenchDataset
    from harness_plugins.mt_bench_judge import MTBenchSingleJudge

    question = questions(mtbench)[qid]
    answers = [
        f"My first answer to {qid}: {{not a field}} 42.",
        "My second answer, with ünïcode and\nnewlines.",
    ]
    sample = next(s for s in MTBenchDataset(data_dir=mtbench.parent).load() if s.meta["question_id"] == qid)
    record = {"turns": [{"answer": a} for a in answers]}
    items = {
        i.turn: i
        for i, _ in turn_items(sample, record, category_prompt="", gold_shown=True, repeats=1, final=set())
    }
    judge = MTBenchSingleJudge(data_dir=mtbench.parent, api_base="http://127.0.0.1:9", use_cache=False)
    system, user = fastchat_user_prompt(mtbench, question, answers, multi_turn=turn == 2)
    sent = judge.template.messages(items[turn])
    assert sent == [{"role": "system", "content": system}, {"role": "user", "content": user}]
    assert sent[1]["content"].encode() == user.encode()
    assert question["category"] == {81: "writing", 111: "math"}[qid]
    if question["category"] == "math":
        assert "[The Start of Reference Answer]" in user or "<|The Start of Reference Answer|>" in user
    assert judge.params == {"temperature": 0.0, "max_tokens": 2048} and judge.settings.model == "gpt-4"


def test_rating_extraction_is_fastchats():
    from harness_plugins.mt_bench_judge import fastchat_rating

    scale = ScoreScale(1, 10)
    assert fastchat_rating("Good. Rating: [[7]]", scale).score == 7
    assert fastchat_rating("Rating: [[8.5]] then [[2]]", scale).score == 8.5, "the first, as re.search"
    assert (
        fastchat_rating("Rating: [6]", scale).score == 6
        and fastchat_rating("Rating: [6]", scale).rule == "[rating]"
    )
    assert fastchat_rating("Rating: 7/10", scale).score is None
    out = fastchat_rating("Rating: [[11]]", scale)
    assert out.score is None and "outside" in out.reason


def test_judge_declares_its_scale():
    from harness.manager import PluginManager

    spec = PluginManager().registry.get("judge", "mt-bench-single")
    assert spec.scale == (1.0, 10.0) and spec.judge_kind == "pointwise"


def test_single_turn_item_uses_single_v1(mtbench):
    from harness_plugins.mt_bench_judge import MTBenchSingleJudge

    judge = MTBenchSingleJudge(data_dir=mtbench.parent, api_base="http://127.0.0.1:9", use_cache=False)
    item = JudgeItem(sample=EvalSample(id="x", question="Q?", category="generation"), answer="A.")
    assert judge.prompt_name(item) == "single-v1"
    assert (
        "[Question]\nQ?\n\n[The Start of Assistant's Answer]\nA.\n"
        in judge.template.messages(item)[1]["content"]
    )
    # a sample rebuilt from generations.jsonl (harness judge) has no meta: the category id decides
    rebuilt = JudgeItem(
        sample=EvalSample(id="y", question="Q?", category="mt-bench-math", reference="R"), answer="A."
    )
    assert judge.prompt_name(rebuilt) == "single-math-v1"


def test_no_mt_bench_code_in_the_core():
    pattern = re.compile(r"mt-bench|mtbench|mt_bench|MT-Bench", re.IGNORECASE)
    files = [p for p in HARNESS.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert len(files) > 100
    offenders = [
        str(p.relative_to(HARNESS)) for p in files if pattern.search(p.read_text("utf-8", errors="replace"))
    ]
    assert offenders == []


def test_bad_files_name_the_file_and_line(tmp_path):
    from harness_plugins.mt_bench_data import load_mt_bench

    from harness.errors import DataError

    (tmp_path / "reference_answer_gpt-4.jsonl").write_text(
        '{"question_id": 1, "choices": [{"index": 0, "turns": ["r1", "r2"]}]}\n', encoding="utf-8"
    )
    (tmp_path / "question.jsonl").write_text(
        '{"question_id": 1, "category": "math", "turns": ["a", "b"]}\n'
        '{"question_id": 2, "category": "poetry", "turns": ["a", "b"]}\n',
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"question.jsonl line 2: unknown category 'poetry'"):
        load_mt_bench(tmp_path)
    (tmp_path / "question.jsonl").write_text(
        '{"question_id": 1, "category": "math", "turns": ["a", "b"]}\n'
        '{"question_id": 3, "category": "coding", "turns": ["a", "b"]}\n'
    )
    with pytest.raises(DataError, match=r"line 2: coding question 3 has no reference answer"):
        load_mt_bench(tmp_path)
    (tmp_path / "question.jsonl").write_text('{"question_id": 1, "category": "math", "turns": ["a", "b"]}\n')
    [sample] = load_mt_bench(tmp_path)
    assert (
        sample.turns == ("a", "b")
        and sample.references == ("r1", "r2")
        and sample.category == "mt-bench-math"
    )
