"""Base models: where weights come from (built, converted, local or on the Hub) and how to load them.

Every model here is a directory in Hugging Face format in the end, so one loader and one generator
serve all of them. Importing this package imports nothing heavy; torch, transformers and
sentencepiece are imported inside the functions that need them.

* :mod:`harness.models.base`: :class:`LocalModel`, the shared ``Model`` implementation.
* :mod:`harness.models.tiny_llama`: a small random LLaMA with its own sentencepiece vocabulary.
* :mod:`harness.models.hub`: recipes from ``registry/models/*.yaml`` and any HF id or path.
* :mod:`harness.models.llama2c`: legacy llama2.c checkpoints converted to HF LLaMA.
* :mod:`harness.models.materialize`: atomic, concurrency-safe building of cached directories.
"""
