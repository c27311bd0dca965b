"""The listing cache: same answer as a fresh listing, and invalidated by what could change it."""

from __future__ import annotations

import json
import os
import time

from tests.harness_cli import run_harness


def list_json(env: dict) -> tuple[list[dict], str]:
    proc = run_harness(["list", "--json"], env={**os.environ, **env}, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), proc.stderr


def test_cache_is_used_and_invalidated(tmp_path):
    home = tmp_path / "home"
    registry = tmp_path / "registry"
    (registry / "categories").mkdir(parents=True)
    env = {"HARNESS_HOME": str(home), "HARNESS_REGISTRY_PATH": str(registry)}

    fresh, _ = list_json(env)
    [cache] = (home / "cache").glob("listing-*.json")  # this environment's
    cached, _ = list_json(env)
    assert cached == fresh

    # the cached answer is really what is printed: doctor the cache and see it come back
    data = json.loads(cache.read_text())
    data["rows"][0]["description"] = "served from the cache"
    cache.write_text(json.dumps(data))
    served, _ = list_json(env)
    assert served[0]["description"] == "served from the cache"

    # a new category file in a registry directory invalidates it
    time.sleep(0.01)
    (registry / "categories" / "poetry.yaml").write_text(
        "id: poetry\ndisplay_name: poetry\nprompt: 请评分。\n", encoding="utf-8"
    )
    after, _ = list_json(env)
    assert ("category", "poetry") in {(r["kind"], r["name"]) for r in after}
    assert after[0]["description"] != "served from the cache"

    # HARNESS_PLUGINS bypasses it (and a broken plugin's warning is printed every time)
    broken = tmp_path / "broken_one.py"
    broken.write_text("raise ImportError('nope')\n")
    for _ in range(2):
        _, err = list_json({**env, "HARNESS_PLUGINS": str(broken)})
        assert "broken_one" in err


def test_rendered_table_is_cached_with_the_rows(tmp_path):
    """The --long table (rich's layout) is cached; the short listing is plain text and needs no cache."""
    env = {**os.environ, "HARNESS_HOME": str(tmp_path / "home"), "COLUMNS": "100"}

    def table(*args):
        proc = run_harness(["list", "--long", *args], env=env, timeout=120)
        assert proc.returncode == 0, proc.stderr
        return proc.stdout

    first = table("judge")
    assert "gpt35" in first and "judges" in first
    assert table("judge") == first
    [cache] = (tmp_path / "home" / "cache").glob("listing-*.json")
    data = json.loads(cache.read_text())
    assert len(data["rendered"]) == 1
    key = next(iter(data["rendered"]))
    data["rendered"][key] = "served from the rendered cache\n"
    cache.write_text(json.dumps(data))
    assert table("judge") == "served from the rendered cache\n"
    assert "gpt35" in table("model") or "tiny-llama" in table("model")  # another kind: rendered anew
    env["COLUMNS"] = "120"
    assert table("judge") != "served from the rendered cache\n"  # another width: rendered anew
