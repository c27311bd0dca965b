"""The ids `harness run` prompts a model with equal the ids `harness train` put before its answers.

The same conversation goes through the training path (``encode_conversations``, what the trainer
calls) and through the generation path (``HFGenerator.prepare`` on a model, what `harness run`
calls); the prompt ids must be identical, BOS included, for every template kind.
"""

from __future__ import annotations

import pytest

from harness.generation.hf import HFGenerator
from harness.models.tiny_llama import TinyLlamaModel
from harness.prompts.encode import IGNORE_INDEX
from harness.prompts.template import named_template
from harness.protocols import Conversation, EvalSample
from harness.training.sft_encoding import encode_conversations

TURNS = [
    ("human", "你好，介绍一下北京。"),
    ("assistant", "北京是中国的首都。"),
    ("human", "What about Shanghai?"),
    ("assistant", "Shanghai is a city."),
]


@pytest.mark.parametrize("name", ["belle-958c91b-train", "belle-958c91b-gptq", "belle-dschat-v1", "chatml"])
def test_training_and_generation_prompt_ids_are_identical(name):
    model = TinyLlamaModel(prompt_template=name)
    tokenizer = model.load_tokenizer()
    template = named_template(name)
    [sample], report = encode_conversations(
        [Conversation(id="c1", turns=TURNS)], tokenizer, max_length=4096, template=template
    )
    assert report.kept == 1
    # first answer: the prompt is everything before the first labelled token
    first = sample.labels.index(next(x for x in sample.labels if x != IGNORE_INDEX))
    [item] = HFGenerator().prepare(model, tokenizer, [EvalSample(id="q", question=TURNS[0][1], category="x")])
    assert list(item.token_ids) == sample.input_ids[:first]
    assert item.token_ids[0] == tokenizer.bos_token_id or not template.bos
    if template.kind == "text" and template.bos:
        assert sample.input_ids[0] == tokenizer.bos_token_id
    # second turn: the conversation so far, as generation would prompt it, is a prefix too
    from harness.prompts.encode import prompt_ids
    from harness.training.sft_encoding import turns_to_messages

    messages = turns_to_messages(TURNS[:3])
    ids = prompt_ids(template, messages, tokenizer)
    assert sample.input_ids[: len(ids)] == ids
    assert all(x == IGNORE_INDEX for x in sample.labels[len(ids) - 1 : len(ids)])
    assert sample.labels[len(ids)] != IGNORE_INDEX


# A ShareGPT record (roles human/gpt, three rounds), as `harness train --data file.jsonl` reads it.
SHAREGPT = {
    "id": "sg-1",
    "conversations": [
        {"from": "human", "value": "你好，介绍一下北京。"},
        {"from": "gpt", "value": "北京是中国的首都。"},
        {"from": "human", "value": "What about Shanghai?"},
        {"from": "gpt", "value": "Shanghai is a city."},
        {"from": "human", "value": "写一句关于月亮的诗。"},
        {"from": "gpt", "value": "床前明月光。"},
    ],
}


@pytest.mark.parametrize("requested", [None, "chatml"])
def test_sharegpt_multi_turn_is_trained_in_the_chat_template_generation_uses(
    tmp_path, tiny_llama_dir, requested
):
    """A model whose tokenizer carries a ChatML chat template (Qwen2's): its own template, or the
    registry's ``chatml`` asked for by name, formats every turn of a ShareGPT conversation exactly as
    ``apply_chat_template`` does, and each turn's generation prompt is a prefix of the training ids."""
    from harness.models.hub import HubModel
    from harness.prompts.encode import prompt_ids
    from harness.training.data.sources import convert_records
    from harness.training.sft_encoding import turns_to_messages
    from tests.chat_model import make_chat_model_dir

    chat_dir = make_chat_model_dir(tiny_llama_dir, tmp_path / "chat")
    model = HubModel(path=str(chat_dir), prompt_template=requested)  # as the trainer creates the base model
    template = model.template()
    assert template.kind == "jinja" and template.name == (requested or "tokenizer-chat-template")
    tokenizer = model.load_tokenizer()
    conversations, _ = convert_records([SHAREGPT], name="sg", origin="test")
    [sample], report = encode_conversations(conversations, tokenizer, max_length=4096, template=template)
    assert report.kept == 1
    messages = turns_to_messages(conversations[0].turns)
    assert len(messages) == 6

    def chat_ids(msgs, *, generation_prompt):
        return list(
            tokenizer.apply_chat_template(
                msgs,
                chat_template=template.jinja,
                tokenize=True,
                add_generation_prompt=generation_prompt,
                return_dict=False,
            )
        )

    assert sample.input_ids == chat_ids(messages, generation_prompt=False)
    [item] = HFGenerator().prepare(
        model, tokenizer, [EvalSample(id="q", question=messages[0]["content"], category="x")]
    )
    assert list(item.token_ids) == chat_ids(messages[:1], generation_prompt=True)
    for k in (0, 2, 4):  # each user turn: what generation would be prompted with, then the learnt answer
        ids = prompt_ids(template, messages[: k + 1], tokenizer)
        assert ids == chat_ids(messages[: k + 1], generation_prompt=True)
        assert sample.input_ids[: len(ids)] == ids
        assert sample.labels[len(ids) - 1] == IGNORE_INDEX and sample.labels[len(ids)] != IGNORE_INDEX
        end = len(chat_ids(messages[: k + 2], generation_prompt=False))
        assert sample.labels[len(ids) : end] == sample.input_ids[len(ids) : end]
        assert messages[k + 1]["content"] in tokenizer.decode(sample.input_ids[len(ids) : end])
        if end < len(sample.labels):
            assert sample.labels[end] == IGNORE_INDEX  # the next user turn is not learnt
