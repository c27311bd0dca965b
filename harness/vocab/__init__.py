"""Vocabulary extension (LLaMA-EXT, section 5 of the BELLE paper) and tokenizer statistics.

Modules, one concept each:

* :mod:`harness.vocab.corpus` - read text/JSON/JSONL corpora (``.xz``/``.gz``), seeded sampling;
* :mod:`harness.vocab.train` - train the sentencepiece model of new pieces;
* :mod:`harness.vocab.merge` - merge its pieces into a base model through the protobuf;
* :mod:`harness.vocab.tokenizer_dir` - find base models, write transformers-loadable directories;
* :mod:`harness.vocab.extend` - the tokenizer pipeline (sample, train, merge, verify, write);
* :mod:`harness.vocab.embeddings` - resize a checkpoint's embeddings to an extended vocabulary;
* :mod:`harness.vocab.stats` - tokens per line/character, byte-fallback rate, ratios;
* :mod:`harness.vocab.recipe` - ``registry/tokenizers/*.yaml`` recipes (e.g. ``llama-ext``).

Nothing here imports sentencepiece, torch or transformers at module level.
"""
