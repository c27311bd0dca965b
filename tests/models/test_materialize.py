"""Cached directories are built atomically: concurrent builders never expose a partial directory."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import pytest

from harness.errors import HarnessError, UsageError
from harness.models.materialize import materialize, recipe_hash


def _slow_build(out: Path) -> None:
    (out / "part-1").write_text("1")
    time.sleep(0.3)  # a reader during this window must not see the target at all
    (out / "part-2").write_text("2")


def _materialize_in_process(target: str, queue) -> None:
    path = materialize(Path(target), _slow_build)
    queue.put(sorted(p.name for p in path.iterdir()))


def test_concurrent_processes_all_get_the_complete_directory(tmp_path: Path) -> None:
    target = tmp_path / "cache" / "thing"
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    procs = [ctx.Process(target=_materialize_in_process, args=(str(target), queue)) for _ in range(3)]
    for proc in procs:
        proc.start()
    seen_partial = False
    deadline = time.time() + 20
    while any(p.is_alive() for p in procs) and time.time() < deadline:
        if target.exists() and len(list(target.iterdir())) != 2:
            seen_partial = True
        time.sleep(0.01)
    for proc in procs:
        proc.join(timeout=20)
        assert proc.exitcode == 0
    results = [queue.get(timeout=5) for _ in procs]
    assert results == [["part-1", "part-2"]] * 3
    assert not seen_partial
    assert [p.name for p in target.parent.iterdir()] == ["thing"]  # no temp dirs left


def test_failed_build_leaves_nothing(tmp_path: Path) -> None:
    def broken(out: Path) -> None:
        (out / "half").write_text("x")
        raise RuntimeError("boom")

    target = tmp_path / "thing"
    try:
        materialize(target, broken)
    except RuntimeError:
        pass
    assert list(tmp_path.iterdir()) == []


def test_recipe_hash_is_stable_and_order_independent() -> None:
    assert recipe_hash({"a": 1, "b": [1, 2]}) == recipe_hash({"b": [1, 2], "a": 1})
    assert recipe_hash({"a": 1}) != recipe_hash({"a": 2})


def test_a_build_missing_a_required_file_is_never_put_in_place(tmp_path: Path) -> None:
    target = tmp_path / "thing"
    with pytest.raises(HarnessError, match=r"thing wrote no config\.json"):
        materialize(target, lambda out: (out / "tokenizer.model").write_text("x"), required=["config.json"])
    assert list(tmp_path.iterdir()) == []


def test_an_incomplete_cached_directory_is_refused_and_left_alone(tmp_path: Path) -> None:
    target = tmp_path / "thing"
    target.mkdir()
    (target / "tokenizer.model").write_text("x")
    with pytest.raises(UsageError, match=r"thing: an incomplete build \(no config\.json\)"):
        materialize(target, lambda out: None, required=["config.json"])
    assert [p.name for p in target.iterdir()] == ["tokenizer.model"]
