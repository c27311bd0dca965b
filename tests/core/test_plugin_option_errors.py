"""``--plugin FILE[:ATTR]`` that cannot be a plugin says why, in words, naming what was given."""

from __future__ import annotations

import json

from tests.core.test_cli import harness


def _status(proc, name: str) -> dict:
    return {p["name"]: p for p in json.loads(proc.stdout)}[name]


def test_a_file_that_is_not_python_is_named_not_asserted():
    proc = harness("--plugin", "/etc/passwd", "plugins", "--json")
    assert proc.returncode == 0, proc.stderr
    error = _status(proc, "passwd")["error"]
    assert "AssertionError" not in error and "/etc/passwd" in error and ".py" in error
    assert "AssertionError" not in proc.stderr


def test_an_empty_attribute_after_the_file_is_refused_as_such(tmp_path, monkeypatch):
    (tmp_path / "p1.py").write_text("x = 42\n")
    monkeypatch.chdir(tmp_path)  # `--plugin p1.py:` as typed next to the file
    proc = harness("--plugin", "p1.py:", "plugins", "--json")
    (row,) = [p for p in json.loads(proc.stdout) if p["source"] == "--plugin"]
    assert row["status"] == "broken"
    assert "No module named" not in row["error"] and "attribute" in row["error"], row["error"]


def test_an_attribute_that_is_not_a_plugin_is_broken_not_ok(tmp_path):
    plugin = tmp_path / "p1.py"
    plugin.write_text("x = 42\n")
    proc = harness("--plugin", f"{plugin}:x", "plugins", "--json")
    row = _status(proc, "p1:x")
    assert row["status"] == "broken", row
    assert "int" in row["error"] and "hook" in row["error"]
    assert "p1:x" in proc.stderr
