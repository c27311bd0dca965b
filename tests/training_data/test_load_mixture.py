"""``load_mixture`` and the registered training datasets, end to end on the real data in ../shared/data."""

from __future__ import annotations

import hashlib
import json
import lzma
import shutil
import time

import pytest

from harness.errors import DataError
from harness.manager import get_registry
from harness.protocols import TrainDataset
from harness.registry_dirs import find_source
from harness.training.data.load import load_mixture
from harness.training.data.segments import TURN_OVERHEAD_TOKENS, make_token_counter
from harness.training.data.sources import TrainingSource

from .conftest import write_jsonl

TRAIN_DATASETS = {
    "alpaca-3.5-en": "en",
    "alpaca-3.5-zh": "zh",
    "alpaca-4-en": "en",
    "alpaca-4-zh": "zh",
    "sharegpt": None,
    "belle-3.5": "zh",
}


def test_training_datasets_are_registered():
    registry = get_registry()
    for name, language in TRAIN_DATASETS.items():
        spec = registry.get("dataset", name)
        assert spec.role == "train" and spec.language == language
        source = find_source(spec.options["source"])
        assert all(f.url.startswith("https://raw.githubusercontent.com/") for f in source.files)
        assert "SUBSTITUTE" in source.notes or "sample" in source.notes
    assert isinstance(registry.create("dataset", "alpaca-4-zh"), TrainDataset)


@pytest.mark.slow
def test_paper_mixture_on_real_data(shared_data):
    start = time.perf_counter()
    result = load_mixture("zh(alpaca-3.5&4)+sharegpt+belle-3.5", data_dir=shared_data)
    elapsed = time.perf_counter() - start
    report = result.report
    by_name = {s["name"]: s for s in report["sources"]}
    assert list(by_name) == ["alpaca-3.5-zh", "alpaca-4-zh", "sharegpt", "belle-3.5"]
    assert by_name["alpaca-3.5-zh"]["records"] == 52002 and by_name["alpaca-3.5-zh"]["bad"] == {
        "empty_turn": 50
    }
    assert by_name["alpaca-4-zh"]["conversations"] == 1000 and by_name["belle-3.5"]["conversations"] == 1000
    sharegpt = by_name["sharegpt"]
    assert sharegpt["records"] == 1000 and sharegpt["bad"] == {"empty_turn": 1, "no_assistant_turn": 1}
    assert sharegpt["trimmed_trailing_human"] == 6 and sharegpt["split_conversations"] > 200
    assert sum(n for lang, n in sharegpt["languages"].items()) == 998
    assert set(sharegpt["filtered"]) <= {"language:ja", "language:fr"}  # en and zh are kept
    assert (
        report["total_conversations"]
        == len(result.conversations)
        == sum(s["conversations"] for s in report["sources"])
    )
    assert len({c.id for c in result.conversations}) == len(result.conversations)
    assert {c.source for c in result.conversations} == set(by_name)
    # checked against the real eval set (belle-eval, found in the shared layout's belle/ folder)
    overlap = report["overlap"]
    assert overlap["checked"] and overlap["eval_questions"] == 1000
    assert [(e["kind"], e["train_text"]) for e in overlap["examples"]] == [
        ("exact", "解释泰坦尼克号沉没的原因。")
    ]
    json.dumps(report)
    assert elapsed < 60, f"loading took {elapsed:.1f} s"


def test_english_side_of_the_bilingual_file(shared_data):
    result = load_mixture("en(alpaca-3.5&4)", data_dir=shared_data, eval_questions=[])
    first = result.conversations[0]
    assert first.source == "alpaca-3.5-en"
    assert first.turns[0] == ("human", "Give three tips for staying healthy.")
    assert first.turns[1][1].startswith("1.Eat a balanced diet")
    assert result.report["sources"][1]["conversations"] == 999


def test_local_file_term_and_sampling(shared_data, tmp_path):
    write_jsonl(
        tmp_path / "mine.jsonl",
        [
            {
                "id": f"m{i}",
                "conversations": [
                    {"from": "user", "value": f"问题{i}"},
                    {"from": "assistant", "value": "答"},
                ],
            }
            for i in range(5)
        ],
    )
    kwargs = {"data_dir": shared_data, "max_samples_per_source": 40, "eval_questions": []}
    result = load_mixture("zh(alpaca-4)+mine.jsonl", base_dir=tmp_path, **kwargs)
    sources = result.report["sources"]
    assert [(s["name"], s["kind"], s["format"], s["conversations"], s["sampled_from"]) for s in sources] == [
        ("alpaca-4-zh", "dataset", "alpaca", 40, 1000),
        ("mine.jsonl", "file", "conversation", 5, None),
    ]
    ids = [c.id for c in result.conversations]
    assert ids[-5:] == ["m0", "m1", "m2", "m3", "m4"]
    assert ids[:40] == sorted(ids[:40], key=lambda i: int(i.rsplit("-", 1)[1]))  # file order kept
    again = load_mixture("zh(alpaca-4)+mine.jsonl", base_dir=tmp_path, **kwargs)
    assert [c.id for c in again.conversations] == ids  # seeded
    other = load_mixture("zh(alpaca-4)+mine.jsonl", base_dir=tmp_path, seed=1, **kwargs)
    assert [c.id for c in other.conversations] != ids


def test_sharegpt_split_with_a_real_tokenizer(shared_data):
    import sentencepiece

    processor = sentencepiece.SentencePieceProcessor(
        model_file=str(shared_data / "tokenizers" / "llama_tokenizer.model")
    )
    result = load_mixture(
        "sharegpt", data_dir=shared_data, tokenizer=processor, max_tokens=1024, eval_questions=[]
    )
    count = make_token_counter(processor)
    over = 0
    for conversation in result.conversations:
        cost = sum(count(text) + TURN_OVERHEAD_TOKENS for _, text in conversation.turns)
        if cost > 1024:
            assert len(conversation.turns) == 2  # only a single over-long exchange may exceed the limit
            over += 1
    assert result.report["sources"][0]["conversations"] > 2000
    assert over < 0.2 * len(result.conversations)


def test_dataset_path_option_reads_an_original_file(shared_data):
    # alpaca-3.5-en given a plain alpaca file (as tatsu-lab's alpaca_data.json is) reads its plain fields
    dataset = get_registry().create(
        "dataset", "alpaca-3.5-en", path=shared_data / "alpaca" / "llamafactory_alpaca_en_demo.json"
    )
    conversations = dataset.load()
    assert len(conversations) == 999 and conversations[0].turns[0] == (
        "human",
        "Describe a process of making crepes.",
    )


def test_missing_and_corrupted_local_copies(shared_data, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match="no local copy of data source 'alpaca-4-zh'") as info:
        load_mixture("zh(alpaca-4)", data_dir=empty, eval_questions=[])
    assert "harness data fetch alpaca-4-zh" in str(info.value)
    with pytest.raises(DataError, match="does not exist"):
        load_mixture("zh(alpaca-4)", data_dir=tmp_path / "absent", eval_questions=[])

    broken = tmp_path / "broken" / "alpaca"
    broken.mkdir(parents=True)
    data = (shared_data / "alpaca" / "llamafactory_alpaca_zh_demo.json").read_bytes()
    (broken / "llamafactory_alpaca_zh_demo.json").write_bytes(
        data.replace("细胞".encode(), "细菌".encode(), 1)
    )
    with pytest.raises(DataError, match="sha256 mismatch"):
        load_mixture("zh(alpaca-4)", data_dir=tmp_path / "broken", eval_questions=[])

    (broken / "open_chinese_alpaca_52k_en_zh.json").write_text(
        '[{"instruction": "x", "input": "", "output": "y"}]'
    )
    with pytest.raises(DataError, match="open_chinese_alpaca_52k_en_zh.json: sha256 mismatch"):
        load_mixture("zh(alpaca-3.5)", data_dir=tmp_path / "broken", eval_questions=[])


def test_drop_overlap_without_eval_set_fails_loudly(shared_data, tmp_path):
    only_alpaca = tmp_path / "d"
    shutil.copytree(shared_data / "alpaca", only_alpaca / "alpaca", ignore=shutil.ignore_patterns("*.xz"))
    unchecked = load_mixture("zh(alpaca-4)", data_dir=only_alpaca)
    assert unchecked.report["overlap"]["checked"] is False
    assert "belle-eval unavailable" in unchecked.report["overlap"]["reason"]
    with pytest.raises(DataError, match="cannot drop train/eval overlap"):
        load_mixture("zh(alpaca-4)", data_dir=only_alpaca, drop_eval_overlap=True)


@pytest.mark.slow
def test_alpaca_35_downloads_as_53_pinned_parts(
    shared_data, tmp_path, static_server, fresh_cache, monkeypatch
):
    """The pinned per-part sha256 values match the parts rebuilt from the verified concatenation, and
    a (local, mirrored) download of the 53 parts loads the same 52,002 records."""
    with lzma.open(shared_data / "alpaca" / "open_chinese_alpaca_52k_en_zh.json.xz", "rb") as fh:
        records = json.loads(fh.read())
    served = tmp_path / "served" / "data"
    served.mkdir(parents=True)
    source = find_source("alpaca-3.5")
    assert len(source.files) == 53
    for i, file in enumerate(source.files):
        assert file.name == f"alpaca_chinese_part_{i}.json"
        part = json.dumps(records[i * 1000 : (i + 1) * 1000], indent=4, ensure_ascii=False).encode()
        assert hashlib.sha256(part).hexdigest() == file.sha256 and len(part) == file.size
        (served / file.name).write_bytes(part)
    monkeypatch.setenv("HARNESS_MIRROR", static_server(tmp_path / "served").url + "data/")
    conversations, report = TrainingSource(
        name="alpaca-3.5-zh", source="alpaca-3.5", language="zh"
    ).load_with_report()
    assert report.stats.records == 52002 and len(conversations) == 51952
    assert len(report.files) == 53 and str(fresh_cache) in report.files[0]
    assert conversations[0].turns[0] == ("human", records[0]["instruction"])
