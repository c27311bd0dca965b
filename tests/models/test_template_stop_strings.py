"""Answers end at the template's stop strings (issue 23.23), as FastChat's ``stop_str`` ends them,
through the real CLI; run.json records them, and a run is not resumed under other stop strings.

The stop string is taken from tiny-llama's own greedy answer under a template without one, so the
test knows where the answer must end once the same template declares it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.prompts.template import named_template
from tests.run.test_chat_templates import harness

TEMPLATE = 'name: stoptest\nsource: a test\nkind: text\nuser: "Q: {content}\\nA:"\n'


def write_template(registry: Path, stop: list[str] | None = None) -> None:
    (registry / "templates").mkdir(parents=True, exist_ok=True)
    extra = f"stop: {json.dumps(stop)}\n" if stop else ""
    (registry / "templates" / "stoptest.yaml").write_text(TEMPLATE + extra, encoding="utf-8")


def run(registry: Path, out: Path, name: str):
    return harness(
        "run",
        "--model",
        "tiny-llama",
        "--dataset",
        "demo",
        "--limit",
        "2",
        "--judge",
        "ref-f1",
        "--greedy",
        "--max-new-tokens",
        "16",
        "--prompt-template",
        "stoptest",
        "--no-progress",
        "--out",
        str(out),
        "--name",
        name,
        env_extra={"HARNESS_REGISTRY_PATH": str(registry)},
    )


def answers(run_dir: Path) -> dict[str, dict]:
    lines = (run_dir / "generations.jsonl").read_text(encoding="utf-8").splitlines()
    return {json.loads(line)["id"]: json.loads(line) for line in lines}


def stop_in(answer: str) -> str:
    """Two plain characters from the middle of ``answer``, first found where they are taken."""
    for start in range(len(answer) // 2, 0, -1):
        candidate = answer[start : start + 2]
        plain = all(c.isprintable() and not c.isspace() and c != "\ufffd" for c in candidate)
        if len(candidate) == 2 and plain and answer.find(candidate) == start:
            return candidate
    raise AssertionError(f"no stop string to take from {answer!r}")


@pytest.mark.slow
def test_answers_end_at_the_templates_stop_string(tmp_path, harness_home):
    registry, out = tmp_path / "registry", tmp_path / "runs"
    write_template(registry)
    first = run(registry, out, "plain")
    assert first.returncode == 0, first.stdout + first.stderr
    plain = answers(out / "plain")
    meta = json.loads((out / "plain" / "run.json").read_text(encoding="utf-8"))
    assert meta["stop_strings"] == [] and meta["prompt"]["stop_strings"] == []
    stop = stop_in(next(iter(plain.values()))["answer"])

    write_template(registry, [stop])
    resumed = run(registry, out, "plain")  # same options, other stop strings: not the same run
    assert resumed.returncode == 2 and "stopped at no stop string, now at" in resumed.stderr, resumed.stderr

    second = run(registry, out, "stopped")
    assert second.returncode == 0, second.stdout + second.stderr
    meta = json.loads((out / "stopped" / "run.json").read_text(encoding="utf-8"))
    assert meta["stop_strings"] == [stop] and meta["prompt"]["stop_strings"] == [stop]
    cut = answers(out / "stopped")
    hits = 0
    for sample_id, record in plain.items():
        text = record["answer"]
        if stop in text:
            hits += 1
            assert cut[sample_id]["answer"] == text[: text.find(stop)].strip()
            assert cut[sample_id]["finish_reason"] == "stop"
            assert cut[sample_id]["n_new_tokens"] < record["n_new_tokens"]
        else:
            assert cut[sample_id]["answer"] == text
    assert hits >= 1


def test_the_belle_templates_stop_at_the_next_human_turn():
    for name in ("belle-958c91b-train", "belle-958c91b-gptq", "belle-dschat-v1"):
        assert named_template(name).stop == ("Human:",)
    assert named_template("chatml").stop == ("<|im_end|>", "<|im_start|>")


def test_trim_at_stop_keeps_the_tokens_through_the_stop_string():
    from harness.generation.stops import trim_at_stop

    pieces = ["Sure", ",", " here", "\nHu", "man:", " more"]

    def decode(ids):
        return "".join(pieces[i] for i in ids)

    assert trim_at_stop(range(6), decode, ["Human:"]) == ([0, 1, 2, 3, 4], "Sure, here\n")
    assert trim_at_stop([0, 1], decode, ["Human:"]) == ([0, 1], None)
    assert trim_at_stop([0, 1], decode, []) == ([0, 1], None)
