"""Download, cache and verify the data files that ``registry/sources/*.yaml`` pin by sha256.

Why this module is strict: an eval score is only comparable to the paper's if it was computed on
exactly the same bytes. Every file is therefore checked against its pinned sha256 (of the
*uncompressed* content when the source serves it compressed) before anything may read it, and a
cache entry exists only once the whole source has been verified: files are downloaded into a
staging directory next to the cache and moved into place only after every file of the source
passed. A killed or corrupted download leaves nothing behind that a later run could mistake for
good data.

Where files come from, in order:

* ``data_dir`` (or ``$HARNESS_DATA_DIR``): local copies, looked up by file name directly in that
  directory or in ``<data_dir>/<source name>/``; an ``<file name>.xz`` (or ``.gz``) sibling is
  accepted and decompressed into the cache after verification.
* the cache, ``data_cache_dir()/<source name>/<file name>`` (``$HARNESS_HOME/data``).
* the network, with httpx, when the cache lacks the source.

Mirrors (``$HARNESS_MIRROR`` or ``mirror=``). A source's *base URL* is the longest common
directory of its files' URLs (for ``belle-eval``:
``https://raw.githubusercontent.com/LianjiaTech/BELLE/<commit>/eval/``). A mirror replaces that
base, so a file is fetched from ``<mirror>/<path of the file relative to the base URL>``; the
literal ``{source}`` in the mirror is replaced by the source name, so one mirror can serve many
sources (``HARNESS_MIRROR=http://host/data/{source}/``). Serving a directory of the files (such as
``shared/data/belle/``) with any static HTTP server is thus a complete mirror of ``belle-eval``.
"""

from __future__ import annotations

import gzip
import hashlib
import lzma
import os
import shutil
import tempfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from harness.errors import DataError
from harness.paths import data_cache_dir
from harness.registry_dirs import find_source
from harness.registry_yaml import SourceDef, SourceFile
from harness.terminal import make_console

CHUNK = 1 << 16
COMPRESSED_SUFFIXES = {"xz": ".xz", "gz": ".gz"}
TIMEOUT_S = 60.0
INFLATE_PIECE = 1 << 20  # the most one decompression step may produce


# ------------------------------------------------------------------------------------ helpers


def resolve_source(source: SourceDef | str) -> SourceDef:
    return source if isinstance(source, SourceDef) else find_source(source)


def base_url(source: SourceDef) -> str:
    """The longest common directory (ending in ``/``) of the source's file URLs."""
    urls = [f.url for f in source.files]
    prefix = os.path.commonprefix(urls)
    return prefix[: prefix.rfind("/") + 1]


def mirrored_url(source: SourceDef, file: SourceFile, mirror: str | None) -> str:
    """The URL to fetch ``file`` from: the pinned one, or the mirror replacing the base URL."""
    if not mirror:
        return file.url
    root = mirror.replace("{source}", source.name).rstrip("/")
    return f"{root}/{file.url[len(base_url(source)) :]}"


def _decompressor(compression: str | None, where: str) -> Any:
    if compression is None:
        return None
    if compression == "xz":
        return lzma.LZMADecompressor()
    if compression == "gz":
        return zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    raise DataError(f"{where}: unknown compression {compression!r} (expected 'xz' or 'gz')")


class _VerifyingWriter:
    """Writes (decompressed) bytes to a file while hashing them; ``check`` raises on mismatch.

    The registry's declared size (of the uncompressed content) is a hard cap: a server that sends
    more, or a compressed stream that inflates past it, stops the download at once instead of
    filling the disk. Decompression runs in bounded pieces, so one small compressed chunk cannot
    expand into gigabytes of memory before the cap is checked.
    """

    def __init__(self, path: Path, file: SourceFile, *, compression: str | None, label: str) -> None:
        self.path = path
        self.file = file
        self.label = label
        self.sha = hashlib.sha256()
        self.size = 0
        self._decomp = _decompressor(compression, label)
        self._fh = path.open("wb")

    def _emit(self, data: bytes) -> None:
        self.sha.update(data)
        self.size += len(data)
        if self.file.size is not None and self.size > self.file.size:
            raise DataError(
                f"{self.label}: more than the declared {self.file.size} bytes (stopped at {self.size}); "
                "the server sent a different or oversized file"
            )
        self._fh.write(data)

    def write(self, chunk: bytes) -> None:
        if self._decomp is None:
            self._emit(chunk)
            return
        try:
            if hasattr(self._decomp, "unconsumed_tail"):  # zlib (gz)
                data = chunk
                while data:
                    self._emit(self._decomp.decompress(data, INFLATE_PIECE))
                    data = self._decomp.unconsumed_tail
            else:
                self._emit(self._decomp.decompress(chunk, INFLATE_PIECE))
                while not self._decomp.needs_input and not self._decomp.eof:
                    self._emit(self._decomp.decompress(b"", INFLATE_PIECE))
        except (lzma.LZMAError, zlib.error) as exc:
            raise DataError(f"{self.label}: cannot decompress: {exc}") from None

    def close(self) -> None:
        try:
            if self._decomp is not None and hasattr(self._decomp, "flush"):
                self._emit(self._decomp.flush())
        finally:
            self._fh.close()

    def check(self) -> None:
        if self._decomp is not None and not getattr(self._decomp, "eof", True):
            raise DataError(f"{self.label}: compressed stream is truncated (download interrupted?)")
        digest = self.sha.hexdigest()
        if digest != self.file.sha256:
            size_note = ""
            if self.file.size is not None and self.file.size != self.size:
                size_note = f"; expected {self.file.size} bytes, got {self.size}"
            raise DataError(
                f"{self.label}: sha256 mismatch: expected {self.file.sha256}, got {digest}{size_note} "
                "(corrupted, truncated or wrong file)"
            )


# a compressed file's opener, by the compression named in the registry (lzma/gzip return their own file types)
_OPENERS: dict[str, Callable[..., Any]] = {"xz": lzma.open, "gz": gzip.open}


def sha256_of(path: Path, compression: str | None = None) -> str:
    """sha256 of a file's (decompressed) content."""
    sha = hashlib.sha256()
    opener = _OPENERS.get(compression or "", open)
    with opener(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(CHUNK), b""):
            sha.update(chunk)
    return sha.hexdigest()


@contextmanager
def _staging(name: str) -> Iterator[Path]:
    """A temporary directory beside the cache, removed whatever happens."""
    root = data_cache_dir()
    root.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".staging-{name}-", dir=root))
    try:
        yield stage
    finally:
        shutil.rmtree(stage, ignore_errors=True)


def _commit(stage: Path, target: Path, names: list[str]) -> None:
    """Move verified files from ``stage`` into ``target`` (same file system: atomic renames)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        os.replace(stage / name, target / name)


def cache_path(source: SourceDef) -> Path:
    return data_cache_dir() / source.name


def is_cached(source: SourceDef) -> bool:
    """Whether every file of ``source`` is present in the cache (not yet whether it is intact)."""
    directory = cache_path(source)
    return all((directory / f.name).is_file() for f in source.files)


# ----------------------------------------------------------------------------------- download


def _progress(enabled: bool):
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    return Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        disable=not enabled,
        transient=True,
        console=make_console(),
    )


def offline_hint(source: SourceDef) -> str:
    """What to do when the network cannot be reached: the exact commands that serve local copies."""
    return (
        "No network? Local copies serve as well (verified the same way):\n"
        f"  harness data fetch {source.name} --data-dir /path/to/copies\n"
        "or, read where they are by every command (or --data-dir on run/train):\n"
        "  export HARNESS_DATA_DIR=/path/to/copies\n"
        "(a mirror works too: --mirror URL or HARNESS_MIRROR=URL)"
    )


def _download_file(
    client: Any, url: str, dest: Path, file: SourceFile, label: str, progress: Any, source: SourceDef
) -> None:
    import httpx

    writer = _VerifyingWriter(dest, file, compression=file.compression, label=label)
    try:
        with client.stream("GET", url) as response:
            if response.status_code != 200:
                raise DataError(f"{label}: HTTP {response.status_code} from {url}")
            total = response.headers.get("content-length")
            declared = int(total) if total and total.isdigit() else None
            if (
                declared is not None
                and file.compression is None
                and file.size is not None
                and declared > file.size
            ):
                raise DataError(
                    f"{label}: {url} announces {declared} bytes, more than the declared {file.size}; not downloaded"
                )
            task = progress.add_task(file.name, total=declared or file.size)
            for chunk in response.iter_bytes(CHUNK):
                writer.write(chunk)
                progress.update(task, advance=len(chunk))
    except httpx.TransportError as exc:
        raise DataError(
            f"{label}: download from {url} failed: {type(exc).__name__}: {exc}", hint=offline_hint(source)
        ) from None
    except httpx.HTTPError as exc:
        raise DataError(f"{label}: download from {url} failed: {type(exc).__name__}: {exc}") from None
    finally:
        writer.close()
    writer.check()


def fetch_source(
    source: SourceDef | str,
    *,
    data_dir: Path | None = None,
    mirror: str | None = None,
    force: bool = False,
    progress: bool = True,
) -> Path:
    """Make the source's verified files available and return the directory holding them.

    With ``data_dir`` (or ``$HARNESS_DATA_DIR``) local copies are used (see :func:`source_dir`).
    Otherwise the cache is used -- every cached file re-verified against its sha256 -- downloading
    every file first when any is missing or ``force``.
    """
    source = resolve_source(source)
    data_dir = _data_dir(data_dir)
    if data_dir is not None:
        return _local_source_dir(source, data_dir)
    target = cache_path(source)
    if is_cached(source) and not force:
        verify_cached(source)
        return target
    return download_source(source, mirror=mirror, progress=progress)


def download_source(source: SourceDef, *, mirror: str | None = None, progress: bool = True) -> Path:
    """Download every file of ``source`` into staging, verify, then move them into the cache."""
    import httpx

    target = cache_path(source)
    mirror = mirror if mirror is not None else (os.environ.get("HARNESS_MIRROR") or None)
    with _staging(source.name) as stage, _progress(progress) as bar:
        with httpx.Client(follow_redirects=True, timeout=TIMEOUT_S) as client:
            for file in source.files:
                url = mirrored_url(source, file, mirror)
                _download_file(
                    client, url, stage / file.name, file, f"{source.name}/{file.name}", bar, source
                )
        _commit(stage, target, [f.name for f in source.files])
    return target


def import_local_copies(source: SourceDef | str, data_dir: Path) -> Path:
    """Copy ``source``'s local copies in ``data_dir`` into the cache, verified (``data fetch --data-dir``).

    Each file is hashed while it is copied (decompressed when it is an ``.xz``/``.gz`` sibling) and
    the cache entry is replaced only when every file matched.
    """
    source = resolve_source(source)
    found = _found_local(source, data_dir)
    _assemble_cache(source, found)
    return cache_path(source)


# ------------------------------------------------------------------------------- verification


_verified: dict[tuple[str, int, int, str | None], str] = {}


def _digest(path: Path, compression: str | None) -> str:
    """sha256 of a file's (decompressed) content, memoised per path, size and mtime for the process."""
    try:
        stat = path.stat()
        key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns, compression)
        digest = _verified.get(key)
        if digest is None:
            digest = sha256_of(path, compression)
            _verified[key] = digest
    except (lzma.LZMAError, EOFError, OSError, zlib.error) as exc:
        raise DataError(f"{path}: cannot read: {exc}") from None
    return digest


def verify_file(
    path: Path, file: SourceFile, source: SourceDef, *, compression: str | None = None, local: bool = False
) -> None:
    """Raise a :class:`DataError` naming the file, both hashes and the repair when ``path`` is not
    the pinned content. ``local``: a copy in a data dir (the repair differs from the cache's)."""
    digest = _digest(path, compression)
    if digest == file.sha256:
        return
    if local:
        hint = (
            f"Replace it with the file pinned in registry/sources/{source.name}.yaml, or drop\n"
            f"--data-dir / HARNESS_DATA_DIR and use the cache:\n  harness data fetch {source.name} --force"
        )
    else:
        hint = f"The cached copy was modified or damaged; repair it with:\n  harness data fetch {source.name} --force"
    raise DataError(
        f"{path}: sha256 mismatch: expected {file.sha256}, got {digest} (modified, corrupted, truncated or "
        "wrong file)",
        hint=hint,
    )


def verify_cached(source: SourceDef) -> None:
    """Check every cached file of ``source`` against its pinned sha256 (see :func:`verify_file`)."""
    directory = cache_path(source)
    for file in source.files:
        verify_file(directory / file.name, file, source)


# ------------------------------------------------------------------------------- local copies


def _data_dir(data_dir: Path | str | None) -> Path | None:
    value = data_dir if data_dir is not None else os.environ.get("HARNESS_DATA_DIR")
    return Path(value).expanduser() if value else None


def _local_dirs(source: SourceDef, data_dir: Path) -> list[Path]:
    """Where local copies may be: ``data_dir``, ``data_dir/<source>``, then ``data_dir``'s immediate
    subdirectories (a data folder grouped by origin, like ``shared/data/{belle,alpaca,...}``)."""
    subdirs = (
        sorted(p for p in data_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
        if data_dir.is_dir()
        else []
    )
    return [data_dir, data_dir / source.name, *[d for d in subdirs if d.name != source.name]]


def _find_local(source: SourceDef, file: SourceFile, data_dir: Path) -> tuple[Path, str | None] | None:
    for directory in _local_dirs(source, data_dir):
        plain = directory / file.name
        if plain.is_file():
            return plain, None
        for compression, suffix in COMPRESSED_SUFFIXES.items():
            packed = directory / (file.name + suffix)
            if packed.is_file():
                return packed, compression
    return None


def _found_local(source: SourceDef, data_dir: Path) -> dict[str, tuple[Path, str | None]]:
    """Every file of ``source`` found in ``data_dir`` (path, compression); an error lists the missing."""
    found: dict[str, tuple[Path, str | None]] = {}
    missing = []
    for file in source.files:
        hit = _find_local(source, file, data_dir)
        if hit is None:
            missing.append(file.name)
        else:
            found[file.name] = hit
    if missing:
        raise DataError(
            f"{data_dir}: no local copy of {', '.join(missing)} for source {source.name!r}",
            hint=f"Looked in {data_dir}, {data_dir / source.name} and the folders directly under {data_dir} "
            "(also for .xz/.gz siblings).",
        )
    return found


def _assemble_cache(source: SourceDef, found: dict[str, tuple[Path, str | None]]) -> None:
    """Copy (decompressing) the found local files into a verified cache entry."""
    with _staging(source.name) as stage:
        for file in source.files:
            path, compression = found[file.name]
            verify_file(path, file, source, compression=compression, local=True)
            opener = _OPENERS.get(compression or "", open)
            writer = _VerifyingWriter(stage / file.name, file, compression=None, label=str(path))
            try:
                with opener(path, "rb") as fh:
                    for chunk in iter(partial(fh.read, CHUNK), b""):
                        writer.write(chunk)
            finally:
                writer.close()
            writer.check()  # the bytes copied are the bytes verified (the file may change meanwhile)
        _commit(stage, cache_path(source), [f.name for f in source.files])


def _local_source_dir(source: SourceDef, data_dir: Path) -> Path:
    found = _found_local(source, data_dir)
    for file in source.files:
        path, compression = found[file.name]
        if compression is None:
            verify_file(path, file, source, local=True)
    parents = {path.parent for path, compression in found.values() if compression is None}
    if len(parents) == 1 and all(compression is None for _, compression in found.values()):
        return parents.pop()
    # Mixed locations or compressed copies: assemble a verified cache entry from them.
    target = cache_path(source)
    if is_cached(source) and all(_digest(target / f.name, None) == f.sha256 for f in source.files):
        return target
    _assemble_cache(source, found)
    return target


def source_dir(name: str, *, data_dir: Path | None = None, fetch: bool = True) -> Path:
    """The directory holding source ``name``'s verified files.

    ``data_dir`` (or ``$HARNESS_DATA_DIR``) when given: local copies, verified by sha256 (a
    mismatch is a :class:`DataError` naming the file). Otherwise the cache, every file verified on
    each use, downloading the source when it is absent and ``fetch`` is true.
    """
    source = resolve_source(name)
    local = _data_dir(data_dir)
    if local is not None:
        return _local_source_dir(source, local)
    if is_cached(source):
        verify_cached(source)
        return cache_path(source)
    if not fetch:
        raise DataError(
            f"data source {source.name!r} is not cached in {cache_path(source)}",
            hint=f"Run 'harness data fetch {source.name}', or pass --data-dir / set HARNESS_DATA_DIR.",
        )
    return fetch_source(source)


def cache_status(source: SourceDef | str, *, verify: bool = False) -> dict[str, Any]:
    """What ``harness data list`` shows: per file whether it is cached (and, with ``verify``, valid)."""
    source = resolve_source(source)
    directory = cache_path(source)
    files = []
    for file in source.files:
        path = directory / file.name
        entry: dict[str, Any] = {"name": file.name, "cached": path.is_file(), "size": file.size}
        if entry["cached"]:
            entry["size"] = path.stat().st_size
            if verify:
                try:
                    entry["verified"] = _digest(path, None) == file.sha256
                except DataError:
                    entry["verified"] = False
        files.append(entry)
    return {
        "name": source.name,
        "description": source.description,
        "path": str(directory),
        "cached": all(f["cached"] for f in files),
        "files": files,
    }
