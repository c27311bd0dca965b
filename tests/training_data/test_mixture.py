"""The mixture notation of the paper's Table 2: parsing, paths, and errors that point at the problem."""

from __future__ import annotations

import pytest

from harness.errors import UsageError
from harness.training.data.mixture import looks_like_path, parse_mixture

KNOWN = ["alpaca-3.5-en", "alpaca-3.5-zh", "alpaca-4-en", "alpaca-4-zh", "sharegpt", "belle-3.5"]


def names(expr: str) -> list[tuple[str, str]]:
    return [(t.kind, t.name) for t in parse_mixture(expr, known=KNOWN)]


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        (
            "zh(alpaca-3.5&4)+sharegpt",
            [("dataset", "alpaca-3.5-zh"), ("dataset", "alpaca-4-zh"), ("dataset", "sharegpt")],
        ),
        ("en(alpaca-3.5&4)", [("dataset", "alpaca-3.5-en"), ("dataset", "alpaca-4-en")]),
        (
            "zh(alpaca-3.5&4)+sharegpt+belle-3.5",
            [
                ("dataset", "alpaca-3.5-zh"),
                ("dataset", "alpaca-4-zh"),
                ("dataset", "sharegpt"),
                ("dataset", "belle-3.5"),
            ],
        ),
        ("zh(alpaca-4)+data/mine.jsonl", [("dataset", "alpaca-4-zh"), ("file", "data/mine.jsonl")]),
        # the paper's table writes cn(...) once; spaces and full family names are fine
        (" cn( alpaca-3.5 & alpaca-4 ) ", [("dataset", "alpaca-3.5-zh"), ("dataset", "alpaca-4-zh")]),
        ("alpaca-4-en + mine.json", [("dataset", "alpaca-4-en"), ("file", "mine.json")]),
        ("'my data (v2)+more.json'+sharegpt", [("file", "my data (v2)+more.json"), ("dataset", "sharegpt")]),
    ],
)
def test_paper_expressions(expr, expected):
    assert names(expr) == expected


def test_terms_remember_text_position_and_language():
    terms = parse_mixture("sharegpt + zh(alpaca-3.5&4)", known=KNOWN)
    assert [(t.text, t.position, t.language) for t in terms] == [
        ("sharegpt", 0, None),
        ("zh(alpaca-3.5&4)", 11, "zh"),
        ("zh(alpaca-3.5&4)", 11, "zh"),
    ]
    assert terms[1].to_dict()["name"] == "alpaca-3.5-zh"


def test_uses_the_registry_by_default():
    terms = parse_mixture("zh(alpaca-3.5&4)+sharegpt+belle-3.5")
    assert [t.name for t in terms] == ["alpaca-3.5-zh", "alpaca-4-zh", "sharegpt", "belle-3.5"]
    with pytest.raises(UsageError, match="did you mean 'sharegpt'"):
        parse_mixture("sharegtp")
    with pytest.raises(UsageError, match="unknown training dataset 'belle-eval'"):
        parse_mixture("belle-eval")  # an eval dataset is not training data


@pytest.mark.parametrize(
    ("expr", "column", "message"),
    [
        ("zh(alpaca-3.5&)+sharegpt", 15, "expected a dataset name after '&', found ')'"),
        ("zh(alpaca-3.5", 14, "expected '&' or ')', found the end of the expression"),
        ("zh(alpaca-4) sharegpt", 14, "expected '+' or the end, found 'sharegpt'"),
        ("sharegpt+", 10, "expected a dataset name or a file, found the end"),
        ("+sharegpt", 1, "expected a dataset name or a file, found '+'"),
        ("fr(alpaca-4)", 1, "unknown language 'fr'"),
        ("zh(4)", 4, "a bare version '4' needs a dataset before it"),
        ("zh(alpaca-5)", 4, "unknown training dataset 'alpaca-5-zh'; did you mean"),
        ("sharegpt+belle-35", 10, "unknown training dataset 'belle-35'; did you mean 'belle-3.5'"),
        ("sharegpt+zh(alpaca-4)+sharegpt", 23, "'sharegpt' appears twice"),
        ("'unterminated.json", 1, "unterminated quote"),
        ("", 1, "empty data mixture"),
    ],
)
def test_errors_name_position_and_expectation(expr, column, message):
    with pytest.raises(UsageError) as info:
        parse_mixture(expr, known=KNOWN)
    text = str(info.value)
    assert message in text
    assert f"at column {column}:" in text
    caret_line = text.splitlines()[2]
    assert caret_line.index("^") - 2 == column - 1  # the caret sits under the offending character
    assert info.value.exit_code == 2


def test_path_detection():
    assert looks_like_path("data/mine.jsonl") and looks_like_path("./x") and looks_like_path("~/x")
    assert looks_like_path("mine.json.xz") and looks_like_path("C:\\data\\x")
    assert not looks_like_path("alpaca-3.5-zh") and not looks_like_path("belle-3.5")
