"""What a judge's ``stats`` may hold, and how it is stored in ``run.json``.

The contract (README "Writing an LLM judge"): ``stats`` is a plain dict of str keys to JSON values
(numbers, strings, booleans, None, lists and dicts of them), read once after ``judge()`` returns.
Anything else is never allowed to end a run whose judgments are all written: an entry that is not
JSON is left out, a ``stats`` that is not a dict is not stored, and either is said in one line.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return False
    return True


def stored_stats(judge: Any, name: str, log: Callable[[str], None]) -> dict[str, Any]:
    """``judge.stats`` as it is stored: the JSON entries of a dict, with one line for what is not."""
    stats = judge.stats  # JudgeComponent's default: an empty mapping
    if stats is None:
        return {}
    if not isinstance(stats, Mapping):
        log(f"judge {name!r}: its stats are a {type(stats).__name__}, not a dict; not stored")
        return {}
    kept = {str(k): v for k, v in stats.items() if isinstance(k, str) and _is_json(v)}
    dropped = [repr(k)[:40] for k in stats if not (isinstance(k, str) and k in kept)]
    if dropped:
        log(
            f"judge {name!r}: stats entries that are not JSON values were not stored: {', '.join(dropped[:5])}"
        )
    return kept
