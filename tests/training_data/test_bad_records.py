"""Bad records are counted by reason; a file that is mostly bad is an error naming the file."""

from __future__ import annotations

import json

import pytest

from harness.errors import DataError
from harness.training.data.load import load_mixture
from harness.training.data.sources import TrainingSource

from .conftest import read_jsonl, write_jsonl

BAD_CONVERSATIONS = [
    ("missing_field", {"id": "a"}),
    ("missing_field", {"id": "b", "conversations": [{"from": "human"}]}),
    ("wrong_type", {"id": "c", "conversations": "hello"}),
    (
        "wrong_type",
        {"id": "d", "conversations": [{"from": "human", "value": 3}, {"from": "gpt", "value": "x"}]},
    ),
    ("empty_conversation", {"id": "e", "conversations": []}),
    (
        "unknown_role",
        {
            "id": "f",
            "conversations": [{"from": "system", "value": "be nice"}, {"from": "human", "value": "hi"}],
        },
    ),
    (
        "not_starting_with_human",
        {"id": "g", "conversations": [{"from": "gpt", "value": "hi"}, {"from": "human", "value": "yo"}]},
    ),
    (
        "not_alternating",
        {"id": "h", "conversations": [{"from": "human", "value": "q"}, {"from": "human", "value": "q2"}]},
    ),
    (
        "empty_turn",
        {"id": "i", "conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "  \n"}]},
    ),
    ("no_assistant_turn", {"id": "j", "conversations": [{"from": "human", "value": "only a question"}]}),
    ("not_an_object", ["human", "hi"]),
]


@pytest.fixture
def conversation_file(tmp_path, shared_data):
    """30 real ShareGPT conversations with 11 bad records of every kind (and one broken line) mixed in."""
    good = read_jsonl(shared_data / "sharegpt" / "sharegpt_zh_1K.json")[:30]
    records = []
    for i, record in enumerate(good):
        records.append(record)
        if i < len(BAD_CONVERSATIONS):
            records.append(BAD_CONVERSATIONS[i][1])
    path = write_jsonl(tmp_path / "mixed.jsonl", records)
    with path.open("a", encoding="utf-8") as fh:
        fh.write('{"id": "truncated", "conversations": [{"from": "hu\n')
    return path


def test_conversation_bad_records_counted_by_reason(conversation_file):
    conversations, report = TrainingSource(name="mixed", path=conversation_file).load_with_report()
    expected = {"invalid_json": 1}
    for reason, _ in BAD_CONVERSATIONS:
        expected[reason] = expected.get(reason, 0) + 1
    assert report.stats.records == 30 + 11 + 1
    assert dict(report.stats.bad) == expected
    assert report.stats.n_bad == 12
    assert report.to_dict()["bad_examples"]["not_alternating"] == [
        "record 15 (id 'h'): turn 1 ('human') follows a human turn"
    ]
    assert {c.source for c in conversations} == {"mixed"}
    assert len({c.id.split("_")[0] for c in conversations}) == 30  # every good conversation survived


def test_alpaca_bad_records_counted(tmp_path, shared_data):
    good = json.loads(
        (shared_data / "alpaca" / "llamafactory_alpaca_zh_demo.json").read_text(encoding="utf-8")
    )[:20]
    bad = [
        {"input": "", "output": "no instruction"},
        {"instruction": "no output", "input": ""},
        {"instruction": "", "input": "  ", "output": "empty question"},
        {"instruction": "empty answer", "input": "", "output": " "},
        {"instruction": ["not", "text"], "input": "", "output": "x"},
        "just a string",
    ]
    path = tmp_path / "alpaca.json"
    path.write_text(json.dumps(good + bad, ensure_ascii=False), encoding="utf-8")  # a JSON array
    conversations, report = TrainingSource(name="mine", path=path).load_with_report()
    assert report.format == "alpaca" and len(conversations) == 20
    assert dict(report.stats.bad) == {
        "missing_field": 2,
        "empty_turn": 2,
        "wrong_type": 1,
        "not_an_object": 1,
    }
    assert conversations[0].turns == (("human", good[0]["instruction"]), ("assistant", good[0]["output"]))


def test_mostly_bad_file_is_an_error_naming_it(tmp_path):
    records = [{"id": str(i), "conversations": [{"from": "gpt", "value": "answer first"}]} for i in range(6)]
    records += [
        {"id": "ok", "conversations": [{"from": "human", "value": "q"}, {"from": "gpt", "value": "a"}]}
    ] * 4
    path = write_jsonl(tmp_path / "mostly_bad.jsonl", records)
    with pytest.raises(DataError) as info:
        TrainingSource(name="x", path=path).load()
    assert str(path) in str(info.value)
    assert "6 of 10 records are unusable (not_starting_with_human 6)" in str(info.value)
    assert info.value.exit_code == 2
    # exactly half bad is still accepted
    write_jsonl(path, records[2:])
    assert len(TrainingSource(name="x", path=path).load()) == 4


def test_real_first_turn_only_sharegpt_is_rejected(shared_data):
    """ShareGPT_V3 first turns have no replies: as a mixture term the whole file is unusable."""
    path = shared_data / "sharegpt" / "ShareGPT_V3_filtered_1000_first_turn.json"
    with pytest.raises(DataError, match=r"1000 of 1000 records are unusable \(no_assistant_turn 1000\)"):
        load_mixture(str(path), eval_questions=[])


def test_file_in_neither_format(tmp_path):
    path = write_jsonl(
        tmp_path / "eval_like.jsonl", [{"question": "q", "std_answer": "a", "class": "math"}] * 3
    )
    with pytest.raises(
        DataError, match="neither alpaca .* nor conversation .*found: question, std_answer, class"
    ):
        TrainingSource(name="x", path=path).load()


def test_missing_file_names_it(tmp_path):
    with pytest.raises(DataError, match="nope.json: no such file"):
        TrainingSource(name="x", path=tmp_path / "nope.json").load()
