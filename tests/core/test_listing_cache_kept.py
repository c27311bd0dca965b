"""The listing cache stays warm where nothing that listing depends on changed: files coming and
going in the working directory (on ``sys.path`` under ``python -m``), and another environment
(another venv, directory or setting) listing with the same ``HARNESS_HOME``."""

from __future__ import annotations

import os

from .test_startup_imports import imported_modules


def _built_the_registry(tmp_path, name: str, cwd=None, env: dict | None = None) -> bool:
    """Whether ``harness list`` had to load the plugins (a cache miss) rather than read the cache."""
    modules = imported_modules(["list"], tmp_path / "home", tmp_path / f"{name}.json", cwd=cwd, env=env)
    return "harness.manager" in modules


def test_new_files_in_the_working_directory_keep_the_cache(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    # like `python -m harness`, which puts the working directory on sys.path
    env = {"PYTHONPATH": str(work)}
    assert _built_the_registry(tmp_path, "cold", cwd=work, env=env)
    (work / "notes.txt").write_text("scratch\n")
    (work / "out").mkdir()
    assert not _built_the_registry(tmp_path, "warm", cwd=work, env=env)


def test_another_environment_does_not_evict_this_ones_listing(tmp_path):
    assert _built_the_registry(tmp_path, "cold")
    assert _built_the_registry(tmp_path, "other", env={"HARNESS_DISABLE_PLUGINS": "trainers"})
    assert not _built_the_registry(tmp_path, "again")
    assert not _built_the_registry(tmp_path, "other-again", env={"HARNESS_DISABLE_PLUGINS": "trainers"})


def test_a_new_distribution_on_the_path_is_still_seen(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    env = {"PYTHONPATH": str(work)}
    assert _built_the_registry(tmp_path, "cold", cwd=work, env=env)
    (work / "extra_plugin-1.0.dist-info").mkdir()
    assert _built_the_registry(tmp_path, "after-install", cwd=work, env=env)


def test_only_the_most_recent_listings_are_kept(tmp_path):
    cache = tmp_path / "home" / "cache"
    cache.mkdir(parents=True)
    for i in range(20):  # other environments' listings, written long ago
        old = cache / f"listing-{i:08x}.json"
        old.write_text("{}")
        os.utime(old, (1_000_000 + i, 1_000_000 + i))
    mine = [cache / "listing-notes.json", cache / "listing.json"]  # not names the cache gives
    for path in mine:
        path.write_text("kept")
    assert _built_the_registry(tmp_path, "cold")
    listings = sorted(p.name for p in cache.glob("listing-*.json") if p not in mine)
    assert len(listings) == 16
    assert "listing-00000013.json" in listings and "listing-00000000.json" not in listings
    assert all(path.read_text() == "kept" for path in mine)
