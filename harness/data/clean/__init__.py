"""``harness data clean``: how BELLE made Belle-3.5 out of raw generated samples (Ji et al. 2023, section 3).

The pipeline, one concept per module, each stage seeing only what the previous stages kept:

* :mod:`~harness.data.clean.items` - read instruction files strictly (a bad record is an error with
  its file and line) or a registered dataset, into :class:`~harness.data.clean.items.CleanItem` s;
* :mod:`~harness.data.clean.tokens` - the token level every stage counts in (Chinese characters,
  words of other scripts) and the normalised text exact duplicates are found on;
* :mod:`~harness.data.clean.dedup` - exact duplicates, then near duplicates by MinHash/LSH
  (``datasketch``) confirmed by the exact Jaccard similarity of token shingles;
* :mod:`~harness.data.clean.semantic` - optional semantic duplicates through an embedder plugin
  (``harness_register_embedders``);
* :mod:`~harness.data.clean.perplexity` - optional perplexity filter with any registered causal LM;
* :mod:`~harness.data.clean.diversity` - distinct-n and the most frequent words, before and after;
* :mod:`~harness.data.clean.pipeline` - runs the stages and builds the report (what was dropped,
  why, which kept sample it duplicated, with what score).

Every stage keeps the *first* of a group of duplicates in input order, so a run is deterministic:
the same files and options give the same kept set, byte for byte, and the same report apart from
its stage timings (MinHash permutations come from ``--seed``).
"""
