"""A ``.json`` dataset file loads in time linear in its size, like ``.jsonl`` (issue 23.7: the array
reader counted lines from the start for every item; 80k rows took 230 s against 2 s as ``.jsonl``).

Through the CLI, the same 30,000 rows as ``.jsonl`` and as ``.json``, the last row bad so that the
run stops (exit 2) right after reading and checking every row, with no server. The goal is 3x
(``bench/dataset_file_load.py`` measures it in process); this test allows the same 3x on whole
commands (start-up included), best of two runs each; the quadratic reader took over 15x.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

ROWS = 30_000


def _write(tmp_path: Path) -> dict[str, Path]:
    rows = [
        json.dumps({"id": i, "question": f"问题 {i}", "category": "open qa"}, ensure_ascii=False)
        for i in range(ROWS - 1)
    ]
    rows.append(json.dumps({"id": "last", "question": "", "category": "open qa"}))
    jsonl, array = tmp_path / "rows.jsonl", tmp_path / "rows.json"
    jsonl.write_text("\n".join(rows) + "\n", encoding="utf-8")
    array.write_text("[\n" + ",\n".join(rows) + "\n]\n", encoding="utf-8")
    return {".jsonl": jsonl, ".json": array}


@pytest.mark.slow
def test_json_array_loads_within_3x_of_jsonl(tmp_path: Path, cli) -> None:
    env = {
        "HARNESS_HOME": str(tmp_path / "home"),
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": "http://127.0.0.1:9/v1",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    seconds: dict[str, float] = {}
    for suffix, path in _write(tmp_path).items():
        for _ in range(2):
            start = time.perf_counter()
            done = cli(
                "run",
                "--model",
                "litellm:gen-model",
                "--dataset",
                str(path),
                "--judge",
                "ref-f1",
                "--out",
                str(tmp_path / "runs"),
                "--no-progress",
                env=env,
            )
            elapsed = time.perf_counter() - start
            assert done.returncode == 2, done.stdout + done.stderr
            assert "1 bad row(s)" in done.stderr and "is empty" in done.stderr
            seconds[suffix] = min(seconds.get(suffix, elapsed), elapsed)
    where = "item 30000 (line 30001)"
    assert where in done.stderr
    assert seconds[".json"] <= 3 * seconds[".jsonl"], seconds


def test_json_array_line_numbers_cost_one_pass(tmp_path: Path, monkeypatch) -> None:
    """Linearity by counting, not timing: numbering every item scans each character once."""
    import harness.data.adhoc as adhoc
    from harness.data.json_text import LineCounter
    from harness.specs import CategorySpec

    scanned = []

    class CountingLines(LineCounter):
        def at(self, offset: int) -> int:
            scanned.append(offset - self.offset if offset >= self.offset else offset)
            return super().at(offset)

    monkeypatch.setattr(adhoc, "LineCounter", CountingLines)
    path = _write(tmp_path)[".json"]
    with_last_fixed = path.read_text(encoding="utf-8").replace('"question": ""', '"question": "q"')
    path.write_text(with_last_fixed, encoding="utf-8")
    categories = {"open_qa": CategorySpec(name="open_qa", source_names=("open qa",))}
    samples = adhoc.AdhocDataset(path, categories=categories).load()
    assert len(samples) == ROWS
    assert len(scanned) >= ROWS and sum(scanned) <= len(with_last_fixed)
