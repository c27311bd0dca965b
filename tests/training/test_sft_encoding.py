"""The label mask of SFT samples, checked token by token on real ShareGPT conversations."""

from __future__ import annotations

from harness.protocols import Conversation
from harness.training.sft_encoding import (
    IGNORE_INDEX,
    conversation_ids,
    encode_conversation,
    encode_conversations,
)


def human_segment(text: str) -> str:
    """The default template's user segment (belle-958c91b-train)."""
    return f"Human: {text}\n Assistant: "


def test_mask_is_exact_on_real_multi_turn_records(sharegpt_conversations, tiny_tokenizer):
    tok = tiny_tokenizer
    eos = tok.eos_token_id
    multi = [c for c in sharegpt_conversations if len(c.turns) >= 4]
    assert multi, "the sample should hold multi-turn conversations"
    for conv in multi[:10]:
        input_ids, labels = conversation_ids(conv.turns, tok)
        assert len(input_ids) == len(labels)
        assert input_ids[0] == tok.bos_token_id and labels[0] == IGNORE_INDEX  # BOS, as at BELLE 958c91b
        pos = 1
        for role, text in conv.turns:
            if role == "human":
                ids = tok.encode(human_segment(text), add_special_tokens=False)
                assert input_ids[pos : pos + len(ids)] == ids
                assert labels[pos : pos + len(ids)] == [IGNORE_INDEX] * len(ids)
            else:
                ids = tok.encode(text, add_special_tokens=False) + [eos]
                assert input_ids[pos : pos + len(ids)] == ids
                assert labels[pos : pos + len(ids)] == ids  # answer tokens and their EOS are learned
            pos += len(ids)
        assert pos == len(input_ids)
        # Exactly one EOS per assistant turn, each labelled.
        n_answers = sum(1 for role, _ in conv.turns if role == "assistant")
        assert sum(1 for x in labels if x == eos) == n_answers
        # The labelled tokens decode to the answers and nothing else.
        learned = [x for x in labels if x not in (IGNORE_INDEX, eos)]
        answers = "".join(text for role, text in conv.turns if role == "assistant")
        assert tok.decode(learned).replace(" ", "") == answers.replace(" ", "")


def test_bos_follows_the_template(sharegpt_conversations, tiny_tokenizer):
    from harness.prompts.template import named_template

    turns = sharegpt_conversations[0].turns
    sample, _ = encode_conversation(turns, tiny_tokenizer, max_length=4096)
    assert sample.input_ids[0] == tiny_tokenizer.bos_token_id
    assert sample.labels[0] == IGNORE_INDEX
    later, _ = encode_conversation(
        turns, tiny_tokenizer, max_length=4096, template=named_template("belle-dschat-v1")
    )
    assert later.input_ids[0] != tiny_tokenizer.bos_token_id


def test_truncation_keeps_the_prefix(sharegpt_conversations, tiny_tokenizer):
    conv = sharegpt_conversations[0]
    full_ids, full_labels = conversation_ids(conv.turns, tiny_tokenizer)
    human_len = 1 + len(tiny_tokenizer.encode(human_segment(conv.turns[0][1]), add_special_tokens=False))
    cut = human_len + 3
    sample, truncated = encode_conversation(conv.turns, tiny_tokenizer, max_length=cut)
    assert truncated and len(sample.input_ids) == cut
    assert sample.input_ids == full_ids[:cut] and sample.labels == full_labels[:cut]
    assert sample.n_label_tokens == 3


def test_sample_with_no_label_left_is_dropped_and_counted(tiny_tokenizer):
    long_question = Conversation(id="long", turns=(("human", "问题" * 200), ("assistant", "答案")))
    short = Conversation(id="short", turns=(("human", "你好"), ("assistant", "你好！")))
    no_answer = Conversation(id="none", turns=(("human", "你好"),))
    samples, report = encode_conversations([long_question, short, no_answer], tiny_tokenizer, max_length=64)
    assert [s.id for s in samples] == ["short"]
    assert report.dropped == {"all_labels_masked_after_truncation": 1, "no_assistant_turn": 1}
    assert report.kept == 1 and report.to_dict()["dropped_total"] == 2
    # No label was invented for the dropped sample (BELLE patches labels[18:24]; we do not).
    sample, _ = encode_conversation(long_question.turns, tiny_tokenizer, max_length=64)
    assert sample is None


def test_report_counts_tokens_on_real_data(sharegpt_conversations, tiny_tokenizer):
    samples, report = encode_conversations(sharegpt_conversations, tiny_tokenizer, max_length=256)
    assert report.kept == len(samples) > 0
    assert report.kept + sum(report.dropped.values()) == len(sharegpt_conversations)
    assert report.tokens == sum(len(s.input_ids) for s in samples)
    assert all(len(s.input_ids) <= 256 and s.n_label_tokens > 0 for s in samples)
    assert report.truncated > 0  # real conversations run past 256 tokens
