"""Judge settings as one typed object from the CLI to the judge (issue 16, "a core that is easy to walk").

``harness run`` builds a :class:`JudgeSettings` from its ``--judge-*`` options, ``run.json`` keeps
the flat ``judge_*`` keys it always had (so older runs resume), and the judge receives the object.
Driven through the real CLI against OpenAI-compatible servers on 127.0.0.1 where it matters.
"""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from harness.component_settings import ComponentSettings
from harness.errors import UsageError
from harness.judging.settings import RUN_CONFIG_KEYS, JudgeSettings
from harness.manager import PluginManager
from harness.runs.config import RunConfig
from harness.specs import JudgeSpec
from harness.testing import ChatCompletionsServer
from tests.harness_cli import run_harness


def harness(args: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    env = env or {**os.environ, "COLUMNS": "80"}
    return run_harness(args, env=env, timeout=240)


def test_settings_round_trip_through_run_json_and_resume(tmp_path):
    out = tmp_path / "runs"
    args = [
        "run",
        "--model",
        "litellm:gen-model",
        "--dataset",
        "demo",
        "--limit",
        "2",
        "--out",
        str(out),
        "--name",
        "a",
        "--no-progress",
        "--judge-deadline",
        "30",
        "--judge-max-reply",
        "4096",
        "--judge-max-failures",
        "5",
        "--judge-concurrency",
        "2",
        "--judge-repeats",
        "2",
        "--max-cost",
        "3",
    ]
    with ChatCompletionsServer(reply="这是模型的回答。") as gen, ChatCompletionsServer() as judge:
        env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
        env.update(
            {
                "HARNESS_HOME": str(tmp_path / "home"),
                "OPENAI_API_KEY": "sk-test",
                "COLUMNS": "80",
                "OPENAI_BASE_URL": gen.base_url,
                "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            }
        )
        args += ["--judge-api-base", judge.base_url]
        first = harness(args, env)
        assert first.returncode == 0, first.stdout + first.stderr
        meta = json.loads((out / "a" / "run.json").read_text(encoding="utf-8"))
        config = meta["config"]
        # the same flat keys as before the typed object, nothing nested
        assert set(RUN_CONFIG_KEYS.values()) <= set(config)
        assert "settings" not in config and "judge_settings" not in config
        settings = RunConfig.model_validate(config).judge_settings()
        assert settings == JudgeSettings.from_run_config(config)
        assert (settings.deadline, settings.max_reply_bytes, settings.max_consecutive_failures) == (
            30.0,
            4096,
            5,
        )
        assert (settings.concurrency, settings.repeats, settings.max_cost, settings.api_base) == (
            2,
            2,
            3.0,
            judge.base_url,
        )
        assert settings.model is None and settings.timeout is None  # unset stays unset: the judge's default
        again = harness(args, env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "every answer already has a verdict" in again.stdout  # same fingerprint: it resumed


@pytest.mark.parametrize(
    "option, value",
    [
        ("--judge-deadline", "-1"),
        ("--judge-deadline", "0"),
        ("--max-cost", "-1"),
        ("--judge-concurrency", "0"),
        ("--judge-max-reply", "10"),
    ],
)
def test_bad_value_on_the_command_line_is_exit_2(tmp_path, option, value):
    result = harness(["run", "--model", "litellm:x", "--out", str(tmp_path), option, value])
    assert result.returncode == 2, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert option.lstrip("-").replace("-", "_").removeprefix("judge_") in result.stderr.replace("-", "_"), (
        result.stderr
    )
    assert not any(tmp_path.iterdir())  # nothing written


@pytest.mark.parametrize(
    "line, named",
    [
        ("judge_deadline: -5", "judge_deadline"),
        ("judge_dedline: 5", "judge_dedline"),
        ("judge_concurrency: 0", "judge_concurrency"),
        ("judge_temperature: -1", "judge_temperature"),
    ],
)
def test_bad_or_unknown_key_in_a_config_file_is_exit_2_naming_it(tmp_path, line, named):
    config = tmp_path / "run.yaml"
    config.write_text(f"model: litellm:x\n{line}\n", encoding="utf-8")
    result = harness(["run", "--config", str(config), "--out", str(tmp_path / "runs")])
    assert result.returncode == 2, result.stdout + result.stderr
    assert named in result.stderr and "Traceback" not in result.stderr
    assert str(config) in result.stderr  # which file
    assert not (tmp_path / "runs").exists()


def test_unknown_or_bad_setting_in_code_names_it():
    with pytest.raises(UsageError, match="dedline"):
        JudgeSettings.from_options(dedline=5)
    with pytest.raises(UsageError, match="'deadline'"):
        JudgeSettings(deadline=-1)
    with pytest.raises(UsageError, match="'repeats'"):
        JudgeSettings(repeats="two")
    assert JudgeSettings.from_options(deadline=5).options() == {"deadline": 5}
    assert JudgeSettings(deadline=5, use_cache=False).run_config_items() == {
        "judge_deadline": 5,
        "use_cache": False,
    }


class TakesSettings:
    def __init__(self, *, settings: JudgeSettings, name: str = "typed") -> None:
        self.received = settings


class TakesAnything:
    def __init__(self, **options) -> None:
        self.received = options


class NamesOldOptions:
    def __init__(self, *, concurrency: int | None = None, model: str | None = None) -> None:
        self.received = {"concurrency": concurrency, "model": model}


class _Judges:
    from harness.hookspecs import hookimpl

    @hookimpl
    def harness_register_judges(self, register):
        register(JudgeSpec(name="typed", factory=TakesSettings))
        register(JudgeSpec(name="anything", factory=TakesAnything))
        register(JudgeSpec(name="old", factory=NamesOldOptions, takes=()))
        register(JudgeSpec(name="with-data", factory=TakesAnything, takes=("judge", "data_dir")))


@pytest.fixture
def registry():
    pm = PluginManager(load_entry_points=False)
    pm.register(_Judges(), name="judges-for-settings")
    yield pm.registry
    pm.unregister("judges-for-settings")


def test_plugin_judges_receive_what_their_spec_declares(registry):
    settings = JudgeSettings(concurrency=3, deadline=12.0)

    def build(name, **more):
        return registry.create("judge", name, ComponentSettings(judge=settings, **more)).received

    assert build("typed") is settings  # a judge takes the run's JudgeSettings unless it says otherwise
    assert build("anything") == {"settings": settings}
    # a judge that declares no settings gets none (its signature is never read)
    assert build("old") == {"concurrency": None, "model": None}
    # run settings that are not the judge's own reach only a judge that declares them
    assert build("anything", data_dir="d") == {"settings": settings}
    assert build("with-data", data_dir="d") == {"settings": settings, "data_dir": "d"}
    # set by the user, a setting the judge does not take is refused, naming it
    with pytest.raises(UsageError, match="takes no --judge-model"):
        registry.create("judge", "old", ComponentSettings(judge=settings, explicit=frozenset({"judge"})))


def test_the_llm_judge_applies_the_run_settings_over_its_spec_options(tmp_path, monkeypatch):
    from harness.judging.llm_judge import LLMJudge

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")

    settings = JudgeSettings(
        model="openai/run-model",
        deadline=12.0,
        max_reply_bytes=2048,
        max_consecutive_failures=3,
        concurrency=4,
        repeats=2,
        use_cache=False,
    )
    judge = LLMJudge(
        model="openai/spec-model", concurrency=8, cache_path=tmp_path / "c.sqlite", settings=settings
    )
    api = judge.settings
    assert (api.model, api.deadline, api.max_reply_bytes, api.max_consecutive_failures) == (
        "openai/run-model",
        12.0,
        2048,
        3,
    )
    assert (api.concurrency, api.use_cache, judge.repeats) == (4, False, 2)
    assert (
        LLMJudge(
            model="openai/spec-model", cache_path=tmp_path / "c.sqlite", settings=JudgeSettings()
        ).settings.model
        == "openai/spec-model"
    )
