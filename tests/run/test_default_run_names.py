"""Two runs of one command started together without ``--name`` each get a run directory of their own.

The second used to pick the first's unfinished run to resume (same fingerprint, ``run.json`` says
``running``) and exit 2 on its lock. A run that another live process holds is not resumable: the
second run starts a new directory, with a distinct, still readable and sortable name.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from tests.run.test_cli_integrity import _env, _harness

PLUGIN = '''
import os, time
from pathlib import Path

from harness import hookimpl
from harness.protocols import EvalSample, Generation, Judgment
from harness.specs import DatasetSpec, GeneratorSpec, JudgeSpec, ModelSpec


class Dataset:
    def __init__(self, **_):
        pass

    def load(self):
        return [EvalSample(id=f"s{i}", question=f"q{i}", category="closed_qa", reference=f"a{i}") for i in range(3)]


class EchoModel:
    name = "echo-model"
    prompt_template = "{question}"
    default_generator = "echo"

    def __init__(self, path=None):
        pass

    def format_prompt(self, question):
        return question


class Echo:
    def __init__(self, **_):
        pass

    def generate(self, model, samples, *, on_result):
        for s in samples:
            on_result(Generation(id=s.id, answer=s.question, prompt=s.question, model=model.name))


class Gate:
    """With GATE_MARKER set: says so in that file, then waits for GATE_OPEN to exist (60 s at most)."""

    def __init__(self, **_):
        pass

    def judge(self, items, *, on_result):
        if os.environ.get("GATE_MARKER"):
            Path(os.environ["GATE_MARKER"]).write_text("waiting", encoding="utf-8")
            deadline = time.monotonic() + 60
            while not Path(os.environ["GATE_OPEN"]).exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        for it in items:
            on_result(Judgment(id=it.sample.id, category=it.sample.category, score=0.5, status="scored",
                               raw="0.5", judge="gate", repeat=it.repeat))


@hookimpl
def harness_register_datasets(register):
    register(DatasetSpec(name="gate-eval", factory=Dataset, description="three samples"))


@hookimpl
def harness_register_models(register):
    register(ModelSpec(name="echo-model", factory=EchoModel, default_generator="echo"))


@hookimpl
def harness_register_generators(register):
    register(GeneratorSpec(name="echo", factory=Echo))


@hookimpl
def harness_register_judges(register):
    register(JudgeSpec(name="gate", factory=Gate, description="waits while told to"))
'''

RUN = ["run", "--model", "echo-model", "--dataset", "gate-eval", "--judge", "gate", "--no-progress"]


def test_a_run_started_while_the_same_one_works_gets_its_own_directory(tmp_path, harness_home):
    plugin = tmp_path / "gate_plugin.py"
    plugin.write_text(PLUGIN, encoding="utf-8")
    out, marker, gate = tmp_path / "runs", tmp_path / "marker", tmp_path / "open"
    env = _env(harness_home, plugin)
    first = subprocess.Popen([sys.executable, "-m", "harness", *RUN, "--out", str(out)], cwd=tmp_path,
                             env={**env, "GATE_MARKER": str(marker), "GATE_OPEN": str(gate)},
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the first run never reached its judge"
        second = _harness([*RUN, "--out", str(out)], env, tmp_path)
        assert second.returncode == 0, second.stdout + second.stderr
    finally:
        gate.write_text("go", encoding="utf-8")
        output, _ = first.communicate(timeout=60)
    assert first.returncode == 0, output
    names = sorted(p.name for p in out.iterdir())
    assert len(names) == 2, names
    assert all(json.loads((out / n / "run.json").read_text())["status"] == "complete" for n in names)
    assert all(n.startswith("echo-model_gate-eval_gate_") for n in names)
