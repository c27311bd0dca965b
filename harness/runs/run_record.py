"""``run.json`` as a typed record: who produced the run, its configuration, provenance and status.

Why a record: reports, ``compare`` and the pipeline read the same few fields of ``run.json``, and a
string key misspelt in one of them reads as "absent" instead of failing. :class:`RunRecord` gives
them typed attributes; it is made from and turned back into a dict only where the file is read or
written (:func:`load_run_record`, :meth:`RunRecord.to_dict`).

``run.json`` grows with the harness (judge statistics, drift, prompts, plugins ...) and other tools
read it, so the record *keeps every key*, known or not, verbatim and in file order in
:attr:`RunRecord.data`; ``to_dict`` gives that dict back unchanged, and :meth:`RunRecord.updated`
sets keys as ``dict.update`` would (an existing key keeps its place). The typed fields are read
from it leniently: run directories written by older versions lack most keys (a field is then
``None`` or empty), and a field of an unexpected type is treated as absent rather than trusted.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.runs.records import read_json_object


def _text(value: Any) -> str | None:
    """A component as text: a name, or a spec's ``name``/``id`` (older versions wrote specs)."""
    if isinstance(value, Mapping):
        value = value.get("name") or value.get("id") or json.dumps(value, ensure_ascii=False)
    return None if value is None else str(value)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _config(data: Mapping[str, Any]) -> Mapping[str, Any]:
    """The resolved configuration: ``config``, or the top-level fields of a run dir older than it."""
    config = data.get("config")
    return config if isinstance(config, Mapping) else data


def _applied_length(value: Any) -> int | None:
    """The generation length that applied (``max_new_tokens: {"value": n, "source": ...}``)."""
    return _int(value.get("value")) if isinstance(value, Mapping) else None


@dataclass(frozen=True)
class RunRecord:
    """What ``run.json`` holds; every key is in ``data``, the typed fields are read from it."""

    name: str | None
    model: str | None
    judge: str | None
    dataset: str | None
    status: str | None
    fingerprint: str | None
    seed: int | None
    config: Mapping[str, Any]
    decoding: str | None
    max_new_tokens: int | None
    created_at: str | None
    updated_at: str | None
    data: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunRecord:
        """The record of a ``run.json`` dict (any dict: older files lack most keys)."""
        return cls(
            name=str(data["name"]) if data.get("name") else None,
            model=_text(data.get("model")),
            judge=_text(data.get("judge")),
            dataset=_text(data.get("dataset")),
            status=_str(data.get("status")),
            fingerprint=_str(data.get("fingerprint")),
            seed=_int(data.get("seed")),
            config=_config(data),
            decoding=_str(data.get("decoding")),
            max_new_tokens=_applied_length(data.get("max_new_tokens")),
            created_at=_str(data.get("created_at")),
            updated_at=_str(data.get("updated_at")),
            data=dict(data),
        )

    def to_dict(self) -> dict[str, Any]:
        """The dict ``run.json`` holds: every key read, in order, with the updates made since."""
        return dict(self.data)

    def updated(self, changes: Mapping[str, Any]) -> RunRecord:
        """This record with ``changes`` set as ``dict.update`` sets them."""
        return RunRecord.from_dict({**self.data, **changes})

    def setting(self, key: str) -> Any:
        """One setting of the resolved configuration (``None`` when the run did not record it)."""
        return self.config.get(key)


EMPTY = RunRecord.from_dict({})


def load_run_record(path: Path, *, hint: str | None = None) -> RunRecord:
    """The record of ``path``; a damaged file (bad JSON, not UTF-8, not an object, too large) is a
    usage error naming the file and line, never a traceback."""

    return RunRecord.from_dict(read_json_object(path, hint=hint))
