"""The download path, exercised against a real local HTTP server serving the real BELLE files."""

from __future__ import annotations

import hashlib
import http.server
import lzma
import shutil
import threading
import time
from pathlib import Path

import pytest

from harness.data.fetch import base_url, cache_status, fetch_source, mirrored_url, source_dir
from harness.errors import DataError
from harness.registry_dirs import find_source
from harness.registry_yaml import SourceDef

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
    assert (
        mirrored_url(source, file, "http://m.example/{source}") == "http://m.example/belle-eval/eval_set.json"
    )


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


def test_corrupted_download_names_file_and_leaves_no_cache_entry(
    shared_data, static_server, fresh_cache, tmp_path
):
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


def test_compressed_source_is_verified_on_uncompressed_content(
    static_server, fresh_cache, tmp_path, shared_data
):
    served = tmp_path / "served"
    served.mkdir()
    raw = (shared_data / "belle" / "eval_prompt.json").read_bytes()
    (served / "prompts.json.xz").write_bytes(lzma.compress(raw))
    server = static_server(served)
    source = SourceDef(
        name="xz-demo",
        files=[
            {
                "name": "prompts.json",
                "url": "https://example.invalid/repo/prompts.json.xz",
                "sha256": hashlib.sha256(raw).hexdigest(),
                "compression": "xz",
            }
        ],
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
    (local / "eval_set.json.xz").write_bytes(
        lzma.compress((shared_data / "belle" / "eval_set.json").read_bytes())
    )
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


@pytest.mark.slow
def test_cli_fetch_list_show(shared_data, static_server, fresh_cache, cli):
    server = static_server(shared_data / "belle")
    env = {"HARNESS_HOME": str(fresh_cache), "HARNESS_MIRROR": server.url}
    listed = cli("data", "list", "--json", env=env)
    assert listed.returncode == 0, listed.stderr
    assert '"cached": false' in listed.stdout
    fetched = cli("data", "fetch", "belle-eval", env=env)
    assert fetched.returncode == 0, fetched.stderr
    assert "2 file(s) downloaded and verified" in fetched.stdout
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
    tampered = bytearray((shared_data / "belle" / "eval_prompt.json").read_bytes())
    tampered[100] ^= 0x01  # same size, other content (a longer file is stopped by the size cap, see below)
    (served / "eval_prompt.json").write_bytes(bytes(tampered))
    server = static_server(served)
    result = cli(
        "data", "fetch", "belle-eval", "--mirror", server.url, env={"HARNESS_HOME": str(fresh_cache)}
    )
    assert result.returncode == 2
    assert "eval_prompt.json: sha256 mismatch" in result.stderr
    assert "Traceback" not in result.stderr
    assert leftovers(fresh_cache) == []


# ------------------------------------------------------------------ issue 13.3: verified where used


def _corrupt_cached(home: Path, name: str = "eval_prompt.json") -> tuple[Path, str]:
    path = home / "data" / "belle-eval" / name
    data = bytearray(path.read_bytes())
    data[10] ^= 0x01
    path.chmod(0o644)
    path.write_bytes(bytes(data))
    return path, hashlib.sha256(bytes(data)).hexdigest()


@pytest.mark.slow
def test_cli_tampered_cache_is_refused_everywhere_until_repaired(
    shared_data, static_server, fresh_cache, cli
):
    server = static_server(shared_data / "belle")
    env = {"HARNESS_HOME": str(fresh_cache), "HARNESS_MIRROR": server.url}
    assert cli("data", "fetch", "belle-eval", env=env).returncode == 0
    path, actual = _corrupt_cached(fresh_cache)
    expected = find_source("belle-eval").files[1].sha256
    # a load (the same path `harness run` takes: the dataset component's load) refuses it
    shown = cli("data", "show", "belle-eval", "--json", env=env)
    assert shown.returncode == 2, shown.stderr
    assert "Traceback" not in shown.stderr
    for needle in (str(path), expected, actual, "harness data fetch belle-eval --force"):
        assert needle in shown.stderr
    # `data fetch` re-hashes the cached copy instead of calling it verified
    fetched = cli("data", "fetch", "belle-eval", env=env)
    assert fetched.returncode == 2 and "verified" not in fetched.stdout
    assert "sha256 mismatch" in fetched.stderr
    # `data list --verify` exits 1 naming the file; without --verify, listing stays cheap and 0
    listed = cli("data", "list", "--verify", "--json", env=env)
    assert listed.returncode == 1
    assert "eval_prompt.json: sha256 mismatch" in listed.stderr and "--force" in listed.stderr
    assert cli("data", "list", "--json", env=env).returncode == 0
    # the command named in the message repairs it
    repaired = cli("data", "fetch", "belle-eval", "--force", env=env)
    assert repaired.returncode == 0, repaired.stderr
    assert cli("data", "list", "--verify", "--json", env=env).returncode == 0
    assert cli("data", "show", "belle-eval", "--json", env=env).returncode == 0
    again = cli("data", "fetch", "belle-eval", env=env)
    assert again.returncode == 0 and "re-verified" in again.stdout


def test_cli_fetch_with_data_dir_copies_into_the_cache(shared_data, fresh_cache, cli):
    env = {"HARNESS_HOME": str(fresh_cache)}
    result = cli("data", "fetch", "belle-eval", "--data-dir", str(shared_data / "belle"), env=env)
    assert result.returncode == 0, result.stderr
    assert "copied from" in result.stdout and "into the cache" in result.stdout
    for file in find_source("belle-eval").files:
        cached = fresh_cache / "data" / "belle-eval" / file.name
        assert sha256(cached) == file.sha256
    assert cli("data", "fetch", "belle-eval", env=env).returncode == 0  # served from the cache now


def test_cli_fetch_with_bad_local_copy_names_it(shared_data, fresh_cache, tmp_path, cli):
    local = tmp_path / "copies"
    local.mkdir()
    shutil.copy(shared_data / "belle" / "eval_set.json", local)
    (local / "eval_prompt.json").write_bytes(b"{}")
    result = cli(
        "data", "fetch", "belle-eval", "--data-dir", str(local), env={"HARNESS_HOME": str(fresh_cache)}
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{local / 'eval_prompt.json'}: sha256 mismatch" in result.stderr
    assert leftovers(fresh_cache) == []


class _EndlessHandler(http.server.BaseHTTPRequestHandler):
    """Serves an endless body (no Content-Length), or announces a huge one; counts what it sent."""

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - http.server's signature
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.send_response(200)
        if self.path.endswith("announced.bin"):
            self.send_header("Content-Length", str(1 << 40))
        self.end_headers()
        chunk = b"x" * 65536
        try:
            while True:
                self.wfile.write(chunk)
                self.server.sent += len(chunk)  # type: ignore[attr-defined]
        except (BrokenPipeError, ConnectionResetError):
            self.server.stopped = True  # type: ignore[attr-defined]


@pytest.fixture
def endless_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _EndlessHandler)
    server.sent, server.stopped = 0, False  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def _registry_with(tmp_path: Path, *files: dict) -> Path:
    import yaml

    root = tmp_path / "registry"
    (root / "sources").mkdir(parents=True)
    (root / "sources" / "capped.yaml").write_text(
        yaml.safe_dump({"name": "capped", "files": list(files)}), encoding="utf-8"
    )
    return root


@pytest.mark.parametrize("file_name", ["endless.bin", "announced.bin"])
def test_cli_download_stops_at_the_declared_size(endless_server, fresh_cache, tmp_path, cli, file_name):
    registry_dir = _registry_with(
        tmp_path,
        {
            "name": file_name,
            "url": f"https://example.invalid/d/{file_name}",
            "sha256": "0" * 64,
            "size": 100_000,
        },
    )
    port = endless_server.server_address[1]
    env = {"HARNESS_HOME": str(fresh_cache), "HARNESS_REGISTRY_PATH": str(registry_dir)}
    # without the cap the endless body would never end: the CLI's own timeout (120 s) would fail this test
    result = cli("data", "fetch", "capped", "--mirror", f"http://127.0.0.1:{port}/", env=env)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "more than the declared 100000" in result.stderr
    assert leftovers(fresh_cache) == []  # the staging file is gone
    # the server saw the client go away (it stops writing instead of streaming forever)
    for _ in range(100):
        if endless_server.stopped:
            break
        time.sleep(0.05)
    assert endless_server.stopped


@pytest.mark.slow
def test_compressed_download_is_capped_on_inflated_size(static_server, fresh_cache, tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    (served / "bomb.bin.xz").write_bytes(lzma.compress(b"\0" * (64 << 20)))  # 64 MB from ~10 KB
    server = static_server(served)
    source = SourceDef(
        name="bomb",
        files=[
            {
                "name": "bomb.bin",
                "url": "https://example.invalid/r/bomb.bin.xz",
                "sha256": "0" * 64,
                "size": 1000,
                "compression": "xz",
            }
        ],
    )
    with pytest.raises(DataError, match="more than the declared 1000 bytes"):
        fetch_source(source, mirror=server.url, progress=False)
    assert leftovers(fresh_cache) == []


def test_cli_offline_download_says_how_to_use_local_copies(fresh_cache, cli):
    import socket

    with socket.socket() as sock:  # a port nothing listens on: connection refused, like no network
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = cli(
        "data",
        "fetch",
        "belle-eval",
        "--mirror",
        f"http://127.0.0.1:{port}/",
        env={"HARNESS_HOME": str(fresh_cache)},
    )
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "ConnectError" in result.stderr
    assert "harness data fetch belle-eval --data-dir /path/to/copies" in result.stderr
    assert "export HARNESS_DATA_DIR=/path/to/copies" in result.stderr
