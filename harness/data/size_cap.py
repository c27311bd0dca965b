"""The most bytes of one dataset file the harness reads, so a huge file is refused, not swallowed.

Dataset files (``harness run --dataset FILE``) and ``harness data clean`` inputs are read whole --
the sha256 recorded is that of the very bytes parsed -- and parsing them takes several times their
size in memory (a 2 GB CSV had taken 14.7 GB). So a file over the cap exits 2 before it is read, and
a compressed one is decompressed no further than the cap. The cap is
``$HARNESS_MAX_DATASET_BYTES``, default 256 MiB.
"""

from __future__ import annotations

import gzip
import lzma
import os
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.errors import DataError, UsageError

ENV = "HARNESS_MAX_DATASET_BYTES"
DEFAULT_MAX_BYTES = 256 * 2**20
# each opens a file for reading (lzma.open and gzip.open return their own binary file types)
OPENERS: dict[str, Callable[..., Any]] = {".xz": lzma.open, ".gz": gzip.open}


def max_dataset_bytes() -> int:
    """The cap: ``$HARNESS_MAX_DATASET_BYTES`` when set (a positive integer), else the default."""
    text = os.environ.get(ENV, "").strip()
    if not text:
        return DEFAULT_MAX_BYTES
    if not text.isdigit() or int(text) < 1:
        raise UsageError(f"{ENV}={text!r}: expected a positive number of bytes")
    return int(text)


def read_capped(path: Path) -> bytes:
    """The (decompressed, for ``.xz``/``.gz``) bytes of ``path``; :class:`DataError` over the cap."""
    cap = max_dataset_bytes()
    try:
        size = path.stat().st_size
        if size > cap:
            raise _too_large(f"{path}: {size:,} bytes is too large for a dataset file (limit {cap:,} bytes)")
        with OPENERS.get(path.suffix.lower(), open)(path, "rb") as fh:
            data = fh.read(cap + 1)
    except (OSError, lzma.LZMAError, zlib.error, EOFError) as exc:
        raise DataError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None
    if len(data) > cap:
        raise _too_large(f"{path}: over {cap:,} bytes once decompressed, too large for a dataset file")
    return data


def _too_large(message: str) -> DataError:
    return DataError(
        message,
        hint=f"Set {ENV}=<bytes> to read a larger one; reading takes several times its size in memory.",
    )
