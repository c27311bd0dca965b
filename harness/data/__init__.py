"""Eval data: pinned downloads with checksums (:mod:`.fetch`), BELLE's eval set (:mod:`.belle`), the
offline demo set (:mod:`.demo`) and a JSON Lines reader that reports file and line (:mod:`.jsonl`).

Importing this package is cheap (no network, no heavy libraries): ``harness list`` may touch it.
"""
