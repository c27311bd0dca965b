"""The download path, exercised against a real local HTTP server serving the real BELLE files."""

from __future__ import annotations

import hashlib
import lzma
import shutil
from pathlib import Path

import pytest

from harness.data.fetch import base_url, cache_status, fetch_source, mirrored_url, source_dir
from harness.errors import DataError
from harness.registry_yaml import SourceDef, find_source

BELLE_FILES = ("eval_set.json", "eval_prompt.json")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(home: Path) -> list[str]:
    data = home / "data"
    return sorted(p.name for p in data.iterdir()) if data.is_dir() else []


def test_mirror_replaces_the_source_base_url():
    source = find_source("belle-eval")
    assert base_url(source).endswith("/LianjiaTech/BELLE/645084d36454cdeb4e7f1ce9b2f3426bac39f1f9/eval/")
    file = source.files[0]
    assert mirrored_url(source, file, None) == file.url
    assert mirrored_url(source, file, "http://m.example/x/") == "http://m.example/x/eval_set.json"
    assert mirrored_url(source, file, "http://m.example/{source}") == "http://m.example/belle-eval/eval_set.json"


def test_fetch_through_local_mirror_caches_and_verifies(shared_data, static_server, fresh_cache, monkeypatch):
    server = static_server(shared_data / "belle")
    monkeypatch.setenv("HARNESS_MIRROR", server.url)
    directory = fetch_source("belle-eval", progress=False)
    assert directory == fresh_cache / "data" / "belle-eval"
    source = find_source("belle-eval")
    for file in source.files:
        assert sha256(directory / file.name) == file.sha256
        assert (directory / file.name).read_bytes() == (shared_data / "belle" / file.name).read_bytes()
    assert sorted(server.requests) == ["/eval_prompt.json", "/eval_set.json"]
    assert leftovers(fresh_cache) == ["belle-eval"]  # no staging directory left behind
    # cached: no second download
    assert source_dir("belle-eval") == directory
    fetch_source("belle-eval", progress=False)
    assert len(server.requests) == 2
    status = cache_status("belle-eval", verify=True)
    assert status["cached"] and all(f["verified"] for f in status["files"])
    # --force downloads again
    fetch_source("belle-eval", progress=False, force=True)
    assert len(server.requests) == 4


def test_corrupted_download_names_file_and_leaves_no_cache_entry(shared_data, static_server, fresh_cache, tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    shutil.copy(shared_data / "belle" / "eval_prompt.json", served)
    data = bytearray((shared_data / "belle" / "eval_set.json").read_bytes())
    data[1000] ^= 0x01  # one flipped bit
    (served / "eval_set.json").write_bytes(bytes(data))
    server = static_server(served)
    with pytest.raises(DataError) as err:
        fetch_source("belle-eval", mirror=server.url, progress=False)
    message = str(err.value)
    assert "belle-eval/eval_set.json" in message and "sha256 mismatch" in message
    assert leftovers(fresh_cache) == []  # neither the source directory nor a staging directory


def test_truncated_download_is_a_checksum_error(shared_data, static_server, fresh_cache, tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    shutil.copy(shared_data / "belle" / "eval_set.json", served)
    full = (shared_data / "belle" / "eval_prompt.json").read_bytes()
    (served / "eval_prompt.json").write_bytes(full[: len(full) // 2])
    server = static_server(served)
    with pytest.raises(DataError, match=r"eval_prompt\.json: sha256 mismatch.*expected 3259 bytes, got 1629"):
        fetch_source("belle-eval", mirror=server.url, progress=False)
    assert leftovers(fresh_cache) == []


def test_http_error_names_file_and_status(static_server, fresh_cache, tmp_path):
    (tmp_path / "empty").mkdir()
    server = static_server(tmp_path / "empty")
    with pytest.raises(DataError, match=r"belle-eval/eval_set\.json: HTTP 404"):
        fetch_source("belle-eval", mirror=server.url, progress=False)
    assert leftovers(fresh_cache) == []


def test_compressed_source_is_verified_on_uncompressed_content(static_server, fresh_cache, tmp_path, shared_data):
    served = tmp_path / "served"
    served.mkdir()
    raw = (shared_data / "belle" / "eval_prompt.json").read_bytes()
    (served / "prompts.json.xz").write_bytes(lzma.compress(raw))
    server = static_server(served)
    source = SourceDef(
        name="xz-demo",
        files=[{"name": "prompts.json", "url": "https://example.invalid/repo/prompts.json.xz",
                "sha256": hashlib.sha256(raw).hexdigest(), "compression": "xz"}],
    )
    directory = fetch_source(source, mirror=server.url, progress=False)
    assert (directory / "prompts.json").read_bytes() == raw
    bad = source.model_copy(update={"files": [source.files[0].model_copy(update={"sha256": "0" * 64})]})
    with pytest.raises(DataError, match="sha256 mismatch"):
        fetch_source(bad, mirror=server.url, progress=False, force=True)
    assert (directory / "prompts.json").read_bytes() == raw  # the good cache entry survived


def test_local_data_dir_is_verified(shared_data, fresh_cache, tmp_path):
    assert source_dir("belle-eval", data_dir=shared_data / "belle") == shared_data / "belle"
    # <data_dir>/<source name>/ with an .xz sibling: decompressed into the cache after verification
    local = tmp_path / "local" / "belle-eval"
    local.mkdir(parents=True)
    shutil.copy(shared_data / "belle" / "eval_prompt.json", local)
    (local / "eval_set.json.xz").write_bytes(lzma.compress((shared_data / "belle" / "eval_set.json").read_bytes()))
    directory = source_dir("belle-eval", data_dir=tmp_path / "local")
    assert directory == fresh_cache / "data" / "belle-eval"
    assert sha256(directory / "eval_set.json") == find_source("belle-eval").files[0].sha256
    # a wrong local copy is an error naming the file
    broken = tmp_path / "broken"
    broken.mkdir()
    shutil.copy(shared_data / "belle" / "eval_set.json", broken)
    (broken / "eval_prompt.json").write_text("{}\n")
    with pytest.raises(DataError, match=r"broken/eval_prompt\.json: sha256 mismatch"):
        source_dir("belle-eval", data_dir=broken)
    with pytest.raises(DataError, match="no local copy of eval_set.json, eval_prompt.json"):
        source_dir("belle-eval", data_dir=tmp_path / "nothing-here")


def test_not_cached_without_fetch_is_an_error(fresh_cache):
    with pytest.raises(DataError, match="not cached"):
        source_dir("belle-eval", fetch=False)


def test_cli_fetch_list_show(shared_data, static_server, fresh_cache, cli):
    server = static_server(shared_data / "belle")
    env = {"HARNESS_HOME": str(fresh_cache), "HARNESS_MIRROR": server.url}
    listed = cli("data", "list", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    assert '"cached": false' in listed.stdout
    fetched = cli("data", "fetch", "belle-eval", env=env)
    assert fetched.returncode == 0, fetched.stderr
    assert "2 file(s) verified" in fetched.stdout
    import json

    status = {s["name"]: s for s in json.loads(cli("data", "list", "--json", env=env).stdout)["sources"]}
    assert status["belle-eval"]["cached"] is True
    shown = cli("data", "show", "belle-eval", "--json", env=env)
    assert shown.returncode == 0, shown.stderr
    counts = json.loads(shown.stdout)
    assert sum(counts.values()) == 1000 and counts["open_qa"] == 285 and counts["closed_qa"] == 52


def test_cli_corrupted_download_exits_2(shared_data, static_server, fresh_cache, tmp_path, cli):
    served = tmp_path / "served"
    served.mkdir()
    shutil.copy(shared_data / "belle" / "eval_set.json", served)
    (served / "eval_prompt.json").write_bytes((shared_data / "belle" / "eval_prompt.json").read_bytes() + b"\n")
    server = static_server(served)
    result = cli("data", "fetch", "belle-eval", "--mirror", server.url, env={"HARNESS_HOME": str(fresh_cache)})
    assert result.returncode == 2
    assert "eval_prompt.json: sha256 mismatch" in result.stderr
    assert "Traceback" not in result.stderr
    assert leftovers(fresh_cache) == []
