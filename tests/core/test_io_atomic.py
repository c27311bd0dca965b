"""harness.io: a file is written whole or not at all, never through a symlink, and leaves no debris;
temporary names of older versions are still recognised; capped reads refuse what is too large."""

from __future__ import annotations

import os

import pytest

from harness import io


def test_write_replaces_whole_and_leaves_only_the_file(tmp_path):
    path = tmp_path / "run.json"
    path.write_text("old", encoding="utf-8")
    io.write_json_atomic(path, {"ü": 1})
    assert path.read_text(encoding="utf-8") == '{\n  "ü": 1\n}\n'
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.json"]


def test_jsonl_is_one_line_per_record(tmp_path):
    path = tmp_path / "j.jsonl"
    io.write_jsonl_atomic(path, iter([{"a": 1}, {"b": "é"}]))
    assert path.read_text(encoding="utf-8") == '{"a": 1}\n{"b": "é"}\n'


def test_a_failed_write_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "scores.json"
    path.write_text("old", encoding="utf-8")

    def full(fd, data):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(io.os, "write", full)
    with pytest.raises(OSError, match="No space"):
        io.write_text_atomic(path, "new")
    assert path.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores.json"]


def test_a_symlink_at_the_destination_is_replaced_not_written_through(tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("theirs", encoding="utf-8")
    run = tmp_path / "run"
    run.mkdir()
    (run / "report.html").symlink_to(outside)
    io.write_text_atomic(run / "report.html", "ours")
    assert outside.read_text(encoding="utf-8") == "theirs"
    assert not (run / "report.html").is_symlink()
    assert (run / "report.html").read_text(encoding="utf-8") == "ours"


def test_a_planted_temporary_name_is_never_written_through(tmp_path, monkeypatch):
    outside = tmp_path / "outside.txt"
    outside.write_text("theirs", encoding="utf-8")
    monkeypatch.setattr(io, "temp_name", lambda name: ".planted")
    (tmp_path / ".planted").symlink_to(outside)
    with pytest.raises(FileExistsError):
        io.write_text_atomic(tmp_path / "x.json", "ours")
    assert outside.read_text(encoding="utf-8") == "theirs"


# fixed names (a pid in a parameter would differ between xdist workers); temp_name's own form below
@pytest.mark.parametrize("name", [".run.json.123.tmp", ".report.html.tmp-123", ".run.json.tmp-4242-0a1b2c3d"])
def test_temporary_names_old_and_new_are_recognised(name):
    assert io.temp_target(name) in ("run.json", "report.html")


def test_other_names_are_not_temporaries():
    assert io.temp_target("run.json") is None
    assert io.temp_target(".notes.txt") is None
    assert io.temp_target(io.temp_name("run.json")) == "run.json"
    assert io.temp_name("a") != io.temp_name("a")
    assert io.temp_name("a").startswith(f".a.tmp-{os.getpid()}-")


def test_bounded_reads_refuse_what_is_over_the_cap(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x" * 11)
    assert io.read_bytes_bounded(path, 11) == b"x" * 11
    assert io.read_text_bounded(path, 20) == "x" * 11
    with pytest.raises(io.FileTooLarge, match="over 10 bytes"):
        io.read_bytes_bounded(path, 10)
