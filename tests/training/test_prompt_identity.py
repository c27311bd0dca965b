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

TURNS = [("human", "你好，介绍一下北京。"), ("assistant", "北京是中国的首都。"),
         ("human", "What about Shanghai?"), ("assistant", "Shanghai is a city.")]


@pytest.mark.parametrize("name", ["belle-958c91b-train", "belle-958c91b-gptq", "belle-dschat-v1", "chatml"])
def test_training_and_generation_prompt_ids_are_identical(name):
    model = TinyLlamaModel(prompt_template=name)
    tokenizer = model.load_tokenizer()
    template = named_template(name)
    [sample], report = encode_conversations([Conversation(id="c1", turns=TURNS)], tokenizer,
                                            max_length=4096, template=template)
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
