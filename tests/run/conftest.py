"""A small, fully deterministic plugin set for exercising the run pipeline's bookkeeping.

These are real components (they satisfy the protocols and run through the real pipeline); they
are simple so that a test can predict every record and count every call.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from harness import hookimpl
from harness.manager import PluginManager
from harness.protocols import EvalSample, Generation, Judgment
from harness.specs import DatasetSpec, GeneratorSpec, JudgeSpec, ModelSpec

CATEGORIES = {
    "qa": ("question answering", True, "qa"),
    "write": ("writing", False, "write"),
    "math": ("math", True, "others"),
}


class ListDataset:
    name = "list-eval"

    def __init__(self, n: int = 12, **_):
        cats = list(CATEGORIES)
        self.samples = [
            EvalSample(
                id=f"s{i:03d}",
                question=f"问题 {i}",
                category=cats[i % len(cats)],
                reference="" if cats[i % len(cats)] == "write" else f"答案 {i}",
            )
            for i in range(n)
        ]

    def load(self):
        return list(self.samples)


class EchoModel:
    name = "echo-model"
    prompt_template = "Human: \n{question}\n\nAssistant: \n"
    default_generator = "echo"

    def __init__(self, path=None):  # takes no tokenizer: `--tokenizer` must be refused
        self.path = path

    def format_prompt(self, question):
        return self.prompt_template.format(question=question)


class EchoGenerator:
    """Answers with the question reversed; counts every sample it is asked for."""

    name = "echo"
    calls: list[str] = []

    def __init__(self, **_):
        pass

    def generate(self, model, samples, *, on_result):
        for s in samples:
            EchoGenerator.calls.append(s.id)
            on_result(
                Generation(
                    id=s.id, answer=s.question[::-1], prompt=model.format_prompt(s.question), model=model.name
                )
            )


class ScriptedJudge:
    """Scores by sample number; can be told to fail some samples or to be 'killed' after k results."""

    name = "scripted"
    calls: list[tuple[str, int]] = []
    fail_ids: set[str] = set()
    interrupt_after: int | None = None
    lock = threading.Lock()

    def __init__(self, repeats=1, **_):
        self.stats = {"requests": 0}

    def judge(self, items, *, on_result):
        for n, item in enumerate(items):
            if ScriptedJudge.interrupt_after is not None and n >= ScriptedJudge.interrupt_after:
                raise KeyboardInterrupt
            with ScriptedJudge.lock:
                ScriptedJudge.calls.append((item.sample.id, item.repeat))
            self.stats["requests"] += 1
            sid = item.sample.id
            if sid in ScriptedJudge.fail_ids:
                on_result(
                    Judgment(
                        id=sid,
                        category=item.sample.category,
                        score=None,
                        status="failed",
                        judge=self.name,
                        reason="server error",
                        repeat=item.repeat,
                    )
                )
            elif not item.gold_shown and item.sample.category == "write" and int(sid[1:]) % 2:
                on_result(
                    Judgment(
                        id=sid,
                        category=item.sample.category,
                        score=None,
                        status="unscored",
                        raw="no score here",
                        judge=self.name,
                        reason="no score",
                        repeat=item.repeat,
                    )
                )
            else:
                score = (int(sid[1:]) % 5) / 4
                on_result(
                    Judgment(
                        id=sid,
                        category=item.sample.category,
                        score=score,
                        status="scored",
                        raw=f"得分: {score}",
                        judge=self.name,
                        repeat=item.repeat,
                    )
                )


class TestPlugin:
    @hookimpl
    def harness_register_datasets(self, register):
        register(DatasetSpec(name="list-eval", factory=ListDataset, description="12 samples"))

    @hookimpl
    def harness_register_models(self, register):
        register(ModelSpec(name="echo-model", factory=EchoModel, default_generator="echo"))

    @hookimpl
    def harness_register_generators(self, register):
        register(GeneratorSpec(name="echo", factory=EchoGenerator))

    @hookimpl
    def harness_register_judges(self, register):
        register(JudgeSpec(name="scripted", factory=ScriptedJudge))


@pytest.fixture
def categories_dir(tmp_path: Path) -> Path:
    d = tmp_path / "registry"
    (d / "categories").mkdir(parents=True)
    for cid, (display, gold, group) in CATEGORIES.items():
        (d / "categories" / f"{cid}.yaml").write_text(
            f"id: {cid}\ndisplay_name: {display}\nprompt: 请给{display}打分。\ngold_shown: {str(gold).lower()}\n"
            f"group: {group}\nsource_names: [{cid}]\n",
            encoding="utf-8",
        )
    return d


@pytest.fixture
def manager(categories_dir: Path):
    EchoGenerator.calls = []
    ScriptedJudge.calls = []
    ScriptedJudge.fail_ids = set()
    ScriptedJudge.interrupt_after = None
    pm = PluginManager(load_entry_points=False, registry_paths=[categories_dir])
    pm.register(TestPlugin(), name="test-plugin")
    yield pm
    pm.unregister("test-plugin")


def lines(path: Path) -> list[dict]:
    """The JSON lines of a run file (judgments, generations)."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture
def gen_server():
    """An OpenAI-compatible server answering as the model under test (``litellm:gen-model``)."""
    from harness.testing import ChatCompletionsServer

    with ChatCompletionsServer(reply="这是模型的回答。") as server:
        yield server
