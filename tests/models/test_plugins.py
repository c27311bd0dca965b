"""The models and generators plugins register cheaply: no heavy import, vllm listed with a reason."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import pytest

HEAVY = ["torch", "transformers", "sentencepiece", "accelerate", "vllm", "deepspeed", "litellm", "datasets"]


def test_registering_models_and_generators_imports_nothing_heavy() -> None:
    code = (
        "import json, sys\n"
        "import harness_plugins.models, harness_plugins.generators\n"
        "from harness.manager import PluginManager\n"
        "pm = PluginManager(load_entry_points=False)\n"
        "pm.register(harness_plugins.models, name='models')\n"
        "pm.register(harness_plugins.generators, name='generators')\n"
        "registry = pm.registry\n"
        "names = registry.names('model') + registry.names('generator')\n"
        "reason = registry.get('generator', 'vllm').unavailable_reason()\n"
        f"print(json.dumps({{'heavy': [m for m in {HEAVY!r} if m in sys.modules], 'names': names}}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["heavy"] == []
    assert {"tiny-llama", "llama", "llama-ext", "hf", "llama2c", "vllm"} <= set(result["names"])


def test_all_components_are_registered() -> None:
    from harness.manager import get_registry

    registry = get_registry()
    for name in ("tiny-llama", "llama", "llama-ext", "hf", "llama2c"):
        assert registry.get("model", name).name == name
    assert registry.get("model", "hf").parametric and registry.get("model", "llama2c").parametric
    assert registry.get("generator", "hf").name == "hf"
    assert registry.get("generator", "vllm").name == "vllm"


def test_vllm_is_unavailable_with_a_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.errors import ComponentUnavailableError
    from harness.manager import get_registry

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",  # absent, installed here or not
        lambda name, *a: None if name == "vllm" else real_find_spec(name, *a),
    )

    spec = get_registry().get("generator", "vllm")
    assert "vllm is not installed" in spec.unavailable_reason()
    with pytest.raises(ComponentUnavailableError, match="vllm is not installed"):
        spec.create()
