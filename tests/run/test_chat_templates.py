"""Chat templates through the real CLI (issue 15.1): a model whose tokenizer carries a chat template
is prompted with it; ``--prompt-template`` (a registry name or a Jinja file) overrides it;
``--system-prompt`` reaches the model where the template has a system message and is refused (exit
2) where it has none; run.json records the prompt actually sent, and a run is never resumed under
another prompt.

The fixture is tiny-llama's directory (random weights, a real LLaMA-style sentencepiece tokenizer)
with Qwen2-7B-Instruct's ChatML chat template put into its ``tokenizer_config.json``.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.chat_model import QWEN2_CHAT_TEMPLATE, make_chat_model_dir
from tests.harness_cli import run_harness

# a user's own template: Llama-2-chat-like, with BOS written by the template itself
USER_JINJA = (
    "{{ bos_token }}{% for m in messages %}{% if m['role'] == 'system' %}<<SYS>>{{ m['content'] }}<</SYS>>\n"
    "{% elif m['role'] == 'user' %}[INST] {{ m['content'] }} [/INST]"
    "{% else %} {{ m['content'] }}{{ eos_token }}{% endif %}{% endfor %}"
)


@pytest.fixture(scope="module")
def chat_model_dir(tmp_path_factory, harness_home) -> Path:
    """tiny-llama's files, with a real ChatML chat template in the tokenizer config."""
    from harness.models.tiny_llama import TinyLlamaModel

    return make_chat_model_dir(
        TinyLlamaModel().local_path(), tmp_path_factory.mktemp("chat-model") / "tiny-chat"
    )


@pytest.fixture(scope="module")
def tokenizer(chat_model_dir):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(chat_model_dir))
    assert tok.chat_template == QWEN2_CHAT_TEMPLATE
    return tok


def harness(*args: str, env_extra: dict | None = None) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "COLUMNS": "80",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        **(env_extra or {}),
    }
    return run_harness(args, env=env, timeout=600)


def run_args(model: str, out: Path, *extra: str) -> list[str]:
    return [
        "run",
        "--model",
        model,
        "--dataset",
        "demo",
        "--judge",
        "ref-f1",
        "--limit",
        "2",
        "--max-new-tokens",
        "2",
        "--greedy",
        "--no-progress",
        "--out",
        str(out),
        *extra,
    ]


def run_json(out: Path, name: str) -> dict:
    return json.loads((out / name / "run.json").read_text(encoding="utf-8"))


def first_question(run_dir: Path) -> str:
    """The question of the sample run.json renders as its example."""
    example_id = json.loads((run_dir / "run.json").read_text(encoding="utf-8"))["prompt"]["example_id"]
    records = [
        json.loads(x) for x in (run_dir / "generations.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    return next(r["question"] for r in records if r["id"] == example_id)


def test_tokenizer_chat_template_is_used_and_recorded(tmp_path, chat_model_dir, tokenizer):
    out = tmp_path / "runs"
    done = harness(*run_args(f"hf:{chat_model_dir}", out, "--name", "chat"))
    assert done.returncode == 0, done.stdout + done.stderr
    prompt = run_json(out, "chat")["prompt"]
    question = first_question(out / "chat")
    expected = tokenizer.apply_chat_template(
        [{"role": "user", "content": question}], add_generation_prompt=True, tokenize=False
    )
    assert prompt["template"] == "tokenizer-chat-template" and prompt["origin"] == "tokenizer"
    assert prompt["example"] == expected
    assert expected.startswith(
        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\n"
    )
    assert prompt["sha256"] == hashlib.sha256(QWEN2_CHAT_TEMPLATE.encode("utf-8")).hexdigest()
    assert prompt["system_prompt"] is None
    # every generation record shows the same rendering
    records = [
        json.loads(x) for x in (out / "chat" / "generations.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert all(r["prompt"].startswith("<|im_start|>system\n") for r in records)
    assert next(r["prompt"] for r in records if r["id"] == prompt["example_id"]) == expected


def test_prompt_ids_are_apply_chat_template_ids_without_double_bos(chat_model_dir, tokenizer):
    from harness.models.hub import HubModel

    messages = [{"role": "user", "content": "介绍一下北京。"}]
    own = HubModel(path=str(chat_model_dir))
    assert own.prompt_token_ids("介绍一下北京。") == list(
        tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=True, return_dict=False)
    )
    # a template that writes {{ bos_token }} itself: exactly one BOS, at the start
    chatml = HubModel(path=str(chat_model_dir), prompt_template="chatml")
    ids = chatml.prompt_token_ids("介绍一下北京。")
    assert ids[0] == tokenizer.bos_token_id and ids.count(tokenizer.bos_token_id) == 1
    assert ids == list(
        tokenizer.apply_chat_template(
            messages,
            chat_template=chatml.template().jinja,
            add_generation_prompt=True,
            tokenize=True,
            return_dict=False,
        )
    )


@pytest.mark.slow
def test_prompt_template_overrides_by_name_and_by_jinja_file(tmp_path, chat_model_dir, tokenizer):
    out = tmp_path / "runs"
    named = harness(*run_args(f"hf:{chat_model_dir}", out, "--name", "named", "--prompt-template", "chatml"))
    assert named.returncode == 0, named.stdout + named.stderr
    prompt = run_json(out, "named")["prompt"]
    question = first_question(out / "named")
    assert prompt["template"] == "chatml" and prompt["origin"] == "registry"
    assert prompt["example"] == f"<s><|im_start|>user\n{question}</s>\n<|im_start|>assistant\n"

    jinja = tmp_path / "llama2ish.jinja"
    jinja.write_text(USER_JINJA, encoding="utf-8")
    filed = harness(
        *run_args(
            f"hf:{chat_model_dir}",
            out,
            "--name",
            "filed",
            "--prompt-template",
            str(jinja),
            "--system-prompt",
            "你是一个测试助手。",
        )
    )
    assert filed.returncode == 0, filed.stdout + filed.stderr
    prompt = run_json(out, "filed")["prompt"]
    assert prompt["origin"] == "file" and str(jinja.resolve()) in prompt["template"]
    assert prompt["sha256"] == hashlib.sha256(jinja.read_bytes()).hexdigest()
    assert prompt["system_prompt"] == "你是一个测试助手。"
    question = first_question(out / "filed")
    assert prompt["example"] == f"<s><<SYS>>你是一个测试助手。<</SYS>>\n[INST] {question} [/INST]"
    assert run_json(out, "filed")["config"]["system_prompt"] == "你是一个测试助手。"


def test_system_prompt_reaches_the_tokenizer_template(tmp_path, chat_model_dir, tokenizer):
    out = tmp_path / "runs"
    done = harness(
        *run_args(f"hf:{chat_model_dir}", out, "--name", "sys", "--system-prompt", "Answer briefly.")
    )
    assert done.returncode == 0, done.stdout + done.stderr
    prompt = run_json(out, "sys")["prompt"]
    question = first_question(out / "sys")
    expected = tokenizer.apply_chat_template(
        [{"role": "system", "content": "Answer briefly."}, {"role": "user", "content": question}],
        add_generation_prompt=True,
        tokenize=False,
    )
    assert prompt["example"] == expected
    assert expected.startswith("<|im_start|>system\nAnswer briefly.<|im_end|>\n")


def test_system_prompt_refused_where_the_template_has_none(tmp_path):
    # tiny-llama keeps the paper's format (BELLE@958c91b's Human:/Assistant:), which has no system message
    out = tmp_path / "runs"
    done = harness(*run_args("tiny-llama", out, "--system-prompt", "Be nice."))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "belle-958c91b-train" in done.stderr and "system" in done.stderr
    assert "Traceback" not in done.stderr
    assert not out.exists() or not any(out.iterdir())  # refused before anything was written


@pytest.mark.slow
def test_resume_under_another_prompt_is_refused(tmp_path, chat_model_dir):
    out = tmp_path / "runs"
    jinja = tmp_path / "mine.jinja"
    jinja.write_text(USER_JINJA, encoding="utf-8")
    first = harness(*run_args(f"hf:{chat_model_dir}", out, "--name", "r", "--prompt-template", str(jinja)))
    assert first.returncode == 0, first.stdout + first.stderr
    # another option value: refused like any other configuration change
    other = harness(*run_args(f"hf:{chat_model_dir}", out, "--name", "r", "--prompt-template", "chatml"))
    assert other.returncode == 2, other.stdout + other.stderr
    assert "different configuration" in other.stderr and "prompt_template" in other.stderr
    # the same option, but the file's text changed: the recorded sha256 catches it
    jinja.write_text(USER_JINJA.replace("[INST] ", "[INST]"), encoding="utf-8")
    edited = harness(*run_args(f"hf:{chat_model_dir}", out, "--name", "r", "--prompt-template", str(jinja)))
    assert edited.returncode == 2, edited.stdout + edited.stderr
    assert "different configuration" in edited.stderr and "sha256" in edited.stderr
    assert "Traceback" not in edited.stderr
    # without --name, a run of the same options that was interrupted is resumed only under its own
    # prompt: the edited template starts a new run, the original one continues the old run
    meta = run_json(out, "r")
    (out / "r" / "run.json").write_text(json.dumps({**meta, "status": "interrupted"}), encoding="utf-8")
    fresh = harness(*run_args(f"hf:{chat_model_dir}", out, "--prompt-template", str(jinja)))
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    assert "starting run" in fresh.stdout and run_json(out, "r")["status"] == "interrupted"
    assert len([p for p in out.iterdir() if p.is_dir()]) == 2
    jinja.write_text(USER_JINJA, encoding="utf-8")
    again = harness(*run_args(f"hf:{chat_model_dir}", out, "--prompt-template", str(jinja)))
    assert again.returncode == 0, again.stdout + again.stderr
    assert "resuming run" in again.stdout and run_json(out, "r")["status"] == "complete"
    assert len([p for p in out.iterdir() if p.is_dir()]) == 2


def test_bad_jinja_file_is_exit_2_with_file_and_line(tmp_path, chat_model_dir):
    bad = tmp_path / "bad.jinja"
    bad.write_text("{% for m in messages %}\n{{ m['content'] }\n{% endfor %}\n", encoding="utf-8")
    done = harness(*run_args(f"hf:{chat_model_dir}", tmp_path / "runs", "--prompt-template", str(bad)))
    assert done.returncode == 2, done.stdout + done.stderr
    assert str(bad) in done.stderr.replace("\n", "") and "line 2" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.slow
def test_train_with_prompt_template_then_run_prompts_as_trained(tmp_path, chat_model_dir):
    """`harness train --prompt-template chatml` on ShareGPT multi-turn data records the format in the
    trained directory; `harness run --model hf:OUT` then prompts with it (not the tokenizer's own)."""
    from harness.prompts.template import named_template

    data = tmp_path / "sharegpt.jsonl"
    records = [
        {
            "id": f"sg-{i}",
            "conversations": [
                {"from": "human", "value": f"问题{i}"},
                {"from": "gpt", "value": f"回答{i}"},
                {"from": "human", "value": "再说一遍。"},
                {"from": "gpt", "value": "好的。"},
            ],
        }
        for i in range(4)
    ]
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    out = tmp_path / "trained"
    trained = harness(
        "train",
        "--model",
        f"hf:{chat_model_dir}",
        "--data",
        str(data),
        "--out",
        str(out),
        "--prompt-template",
        "chatml",
        "--max-steps",
        "1",
        "--global-batch-size",
        "2",
        "--micro-batch-size",
        "1",
        "--max-length",
        "128",
        "--no-progress",
    )
    assert trained.returncode == 0, trained.stdout[-2000:] + trained.stderr[-2000:]
    chatml = named_template("chatml")
    record = json.loads((out / "harness_prompt.json").read_text(encoding="utf-8"))
    assert record["name"] == "chatml" and record["sha256"] == chatml.sha256
    assert (
        json.loads((out / "train_config.json").read_text(encoding="utf-8"))["prompt"]["sha256"]
        == chatml.sha256
    )
    runs = tmp_path / "runs"
    done = harness(*run_args(f"hf:{out}", runs, "--name", "t"))
    assert done.returncode == 0, done.stdout + done.stderr
    prompt = run_json(runs, "t")["prompt"]
    assert (prompt["template"], prompt["origin"], prompt["sha256"]) == ("chatml", "model-dir", chatml.sha256)
    question = first_question(runs / "t")
    assert prompt["example"] == f"<s><|im_start|>user\n{question}</s>\n<|im_start|>assistant\n"
