"""Merging a new sentencepiece model's pieces into a base model through sentencepiece's protobuf.

Contract: every base piece keeps its id, score and type; new pieces are appended after the last base
piece, in the new model's own order. Membership is checked against a ``set`` of base pieces (a
list-membership merge of 50K pieces takes over a minute).

Two decisions keep the merged tokenizer a strict extension of the base one:

* pure-ASCII pieces the base lacks are *not* added (``skip_ascii``): only they could change how
  ASCII text is segmented, so leaving them out makes ASCII text encode to exactly the base ids;
* new pieces score *below* every base piece while keeping the new model's relative order
  (``score_policy="after-base"``), so sentencepiece's BPE applies all base merges first and the new
  ones in the order the new model learned them. ``"zero"`` (every new piece scores 0, what
  Chinese-LLaMA did) and ``"new-model"`` (the new model's scores as they are) are available for
  comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.errors import DataError, UsageError

SCORE_POLICIES = ("after-base", "zero", "new-model")
# sentencepiece piece types (sentencepiece_model.proto): NORMAL=1, UNKNOWN=2, CONTROL=3, USER_DEFINED=4,
# UNUSED=5, BYTE=6. Only NORMAL and USER_DEFINED pieces carry text worth adding.
_TEXT_PIECE_TYPES = (1, 4)


def load_model_proto(data: bytes):
    """Parse a serialised sentencepiece model into a ``ModelProto``."""
    from sentencepiece import sentencepiece_model_pb2

    proto = sentencepiece_model_pb2.ModelProto()  # type: ignore[attr-defined]  # made at import by protobuf
    try:
        proto.ParseFromString(data)
    except Exception as exc:  # protobuf raises its own DecodeError
        raise DataError(f"not a sentencepiece model: {exc}") from exc
    if not proto.pieces:
        raise DataError("not a sentencepiece model: it has no pieces")
    return proto


def is_ascii_piece(piece: str) -> bool:
    """True for a piece whose text (``▁`` read as a space) is pure ASCII."""
    return piece.replace("\u2581", " ").isascii()


@dataclass
class MergeResult:
    """The merged model and what happened to each candidate piece."""

    model_bytes: bytes
    base_size: int
    added: list[str]
    skipped_existing: int = 0
    skipped_ascii: list[str] = field(default_factory=list)
    skipped_special: int = 0

    @property
    def merged_size(self) -> int:
        return self.base_size + len(self.added)


def merge_models(
    base_model: bytes, new_model: bytes, *, skip_ascii: bool = True, score_policy: str = "after-base"
) -> MergeResult:
    """Append the pieces of ``new_model`` missing from ``base_model``; return the merged model."""
    if score_policy not in SCORE_POLICIES:
        raise UsageError(f"score policy {score_policy!r} is not one of {', '.join(SCORE_POLICIES)}")
    base = load_model_proto(base_model)
    new = load_model_proto(new_model)
    known = {p.piece for p in base.pieces}
    base_size = len(base.pieces)
    finite_scores = [p.score for p in base.pieces if p.type == 1 and p.score > -1e8]
    floor = min(finite_scores, default=0.0)
    new_scores = [p.score for p in new.pieces if p.type in _TEXT_PIECE_TYPES]
    new_top = max(new_scores, default=0.0)

    result = MergeResult(model_bytes=b"", base_size=base_size, added=[])
    for piece in new.pieces:
        if piece.type not in _TEXT_PIECE_TYPES:
            result.skipped_special += 1
            continue
        if piece.piece in known:
            result.skipped_existing += 1
            continue
        if skip_ascii and is_ascii_piece(piece.piece):
            result.skipped_ascii.append(piece.piece)
            continue
        if score_policy == "after-base":
            score = floor - 1.0 - (new_top - piece.score)
        elif score_policy == "zero":
            score = 0.0
        else:
            score = piece.score
        entry = base.pieces.add()
        entry.piece = piece.piece
        entry.score = score
        entry.type = piece.type
        known.add(piece.piece)
        result.added.append(piece.piece)
    base.trainer_spec.vocab_size = len(base.pieces)
    result.model_bytes = base.SerializeToString()
    return result


def truncate_model(model: bytes, size: int) -> bytes:
    """The first ``size`` pieces of ``model`` as a model of their own (the base of a merged model)."""
    proto = load_model_proto(model)
    if size > len(proto.pieces):
        raise UsageError(f"cannot truncate a {len(proto.pieces)}-piece model to {size} pieces")
    del proto.pieces[size:]
    proto.trainer_spec.vocab_size = size
    return proto.SerializeToString()
