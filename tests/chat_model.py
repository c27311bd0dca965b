"""A tiny chat model for offline tests: tiny-llama's directory (random weights, a real LLaMA-style
sentencepiece tokenizer) with a real ChatML chat template in its ``tokenizer_config.json``."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

# Qwen/Qwen2-7B-Instruct tokenizer_config.json "chat_template" (ChatML with a default system message)
QWEN2_CHAT_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


def make_chat_model_dir(source: Path, target: Path, chat_template: str = QWEN2_CHAT_TEMPLATE) -> Path:
    """Copy the model directory ``source`` to ``target`` and give its tokenizer ``chat_template``."""
    shutil.copytree(source, target)
    config_path = target / "tokenizer_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["chat_template"] = chat_template
    config_path.write_text(json.dumps(config, indent=2), encoding="utf-8")
    (target / "chat_template.jinja").unlink(missing_ok=True)
    (target / "harness_prompt.json").unlink(missing_ok=True)
    return target
