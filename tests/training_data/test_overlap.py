"""Train/eval overlap: eval questions planted in real training data are found, reported and dropped."""

from __future__ import annotations

import json
import random

import pytest

from harness.training.data.load import load_mixture
from harness.training.data.overlap import EvalOverlapIndex, char_ngrams, jaccard, normalize_question

from .conftest import write_jsonl


def test_normalisation():
    assert normalize_question("  Closed\u00a0QA：你好， 世界！ ") == "closedqa你好世界"
    assert normalize_question("ＡＢＣ，１２３") == "abc123"  # NFKC folds full-width forms
    assert char_ngrams("abcd") == {"abc", "bcd"} and char_ngrams("ab") == {"ab"} and char_ngrams("") == set()


def brute_force(texts, questions, threshold):
    """Reference: best Jaccard over every pair, straight from the definition."""
    grams = [char_ngrams(normalize_question(q)) for q in questions]
    out = []
    for text in texts:
        g = char_ngrams(normalize_question(text))
        best = max(((len(g & h) / len(g | h) if g | h else 0.0), -j) for j, h in enumerate(grams))
        out.append((-best[1], round(best[0], 4)) if best[0] >= threshold else None)
    return out


@pytest.mark.slow
def test_vectorised_matcher_equals_the_definition(shared_data, eval_questions):
    records = json.loads(
        (shared_data / "alpaca" / "llamafactory_alpaca_zh_demo.json").read_text(encoding="utf-8")
    )
    rng = random.Random(7)
    texts = [r["instruction"] for r in rng.sample(records, 150)]
    # near copies of eval questions at several edit distances, so the threshold is actually crossed
    for question in rng.sample(eval_questions, 30):
        cut = rng.randint(0, max(0, len(question) // 3))
        texts.append(question[cut:] + "吗")
    texts += ["", "？？", "ab"]
    index = EvalOverlapIndex(eval_questions, threshold=0.5)
    got = [(m.eval_index, m.similarity) if m and m.kind == "near" else None for m in index.match_many(texts)]
    expected = brute_force(texts, eval_questions, 0.5)
    assert got == expected
    assert sum(m is not None for m in got) >= 15


@pytest.fixture
def planted(tmp_path, shared_data, eval_questions):
    """Real alpaca-4-zh records with eval questions planted: exact, normalised-equal, near, in a later turn."""
    records = json.loads(
        (shared_data / "alpaca" / "llamafactory_alpaca_zh_demo.json").read_text(encoding="utf-8")
    )[:300]
    exact_q, norm_q, near_q = eval_questions[27], eval_questions[24], eval_questions[21]
    near_text = near_q.replace("全球变暖", "全球暖化")
    assert 0.7 <= jaccard(near_text, near_q) < 1
    norm_text = " " + norm_q.replace("：", ":").replace("，", ", ").replace("。", ".") + "\u00a0"
    assert norm_text.strip() != norm_q and normalize_question(norm_text) == normalize_question(norm_q)
    records[10] = {"instruction": exact_q, "input": "", "output": "8个"}
    records[20] = {"instruction": norm_text, "input": "", "output": "狗、猫"}
    records[30] = {"instruction": near_text, "input": "", "output": "标题"}
    alpaca = tmp_path / "planted_alpaca.json"
    alpaca.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    conversation = {
        "id": "chat-1",
        "conversations": [
            {"from": "human", "value": "你好"},
            {"from": "gpt", "value": "你好！有什么可以帮你？"},
            {"from": "human", "value": eval_questions[39]},
            {"from": "gpt", "value": "H2O"},
        ],
    }
    chats = write_jsonl(tmp_path / "planted_chats.jsonl", [conversation])
    return {
        "alpaca": alpaca,
        "chats": chats,
        "indices": {27: "exact", 24: "normalized", 21: "near", 39: "exact"},
    }


def test_planted_questions_are_found_and_reported(planted, eval_questions):
    expr = f"{planted['alpaca']}+{planted['chats']}"
    result = load_mixture(expr, eval_questions=eval_questions)
    overlap = result.report["overlap"]
    assert overlap["checked"] and overlap["eval_questions"] == 1000
    found = {e["eval_index"]: (e["kind"], e["conversation_id"], e["turn"]) for e in overlap["examples"]}
    assert found == {
        27: ("exact", f"{planted['alpaca']}-10", 0),
        24: ("normalized", f"{planted['alpaca']}-20", 0),
        21: ("near", f"{planted['alpaca']}-30", 0),
        39: ("exact", "chat-1", 2),
    }
    assert overlap["by_kind"] == {"exact": 2, "normalized": 1, "near": 1}
    assert overlap["dropped"] == 0 and len(result.conversations) == 301
    json.dumps(result.report)  # JSON-serialisable as promised


def test_drop_eval_overlap_removes_them(planted, eval_questions):
    expr = f"{planted['alpaca']}+{planted['chats']}"
    result = load_mixture(expr, eval_questions=eval_questions, drop_eval_overlap=True)
    assert result.report["overlap"]["dropped"] == 4
    assert len(result.conversations) == 297
    index = EvalOverlapIndex(eval_questions)
    assert not any(
        index.match(text) for c in result.conversations for role, text in c.turns if role == "human"
    )


def test_threshold_controls_near_duplicates(planted, eval_questions):
    strict = load_mixture(str(planted["alpaca"]), eval_questions=eval_questions, overlap_threshold=0.99)
    assert strict.report["overlap"]["by_kind"] == {"exact": 1, "normalized": 1}
