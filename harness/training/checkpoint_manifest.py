"""Refuse to resume from a checkpoint the harness did not write, before anything is unpickled.

DeepSpeed checkpoints are pickles (``*.pt``), and unpickling runs code, so a checkpoint is only
loaded after these checks:

* ``latest`` (written by the harness, not by DeepSpeed, and only after the manifest) is a regular
  file naming one plain ``global_step<N>`` tag: no path separators, no ``..``, no symlink.
* ``<tag>/`` is a real directory directly inside the checkpoint directory (not a symlink).
* ``<tag>/harness_manifest.json``, written at save time after every checkpoint file, lists each
  file of the tag with its size and sha256; every listed file must match, and a file the manifest
  does not list (an extra pickle, a symlink, a folder) is refused.

Save order is files -> manifest -> ``latest`` (each atomic), so a run killed mid-save leaves
``latest`` on the previous complete checkpoint. Anything wrong is a :class:`CheckpointError`
(exit 2) naming the file and what to do. The loads themselves are also restricted to
``weights_only`` unpickling (:mod:`harness.training.safe_checkpoint_engine`); this module is the
first line and needs neither torch nor DeepSpeed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from pathlib import Path
from typing import Any

from harness.errors import DataError
from harness.io import write_text_atomic

MANIFEST_NAME = "harness_manifest.json"
LATEST_NAME = "latest"
FORMAT = "harness-checkpoint-manifest/1"
TAG_RE = re.compile(r"global_step[0-9]{1,18}")
_CHUNK = 1 << 20

FRESH_START = "start without --resume into a new --out (or move OUT/checkpoints away)"


class CheckpointError(DataError):
    """A checkpoint that fails the manifest checks; never loaded. Exit code 2."""


def _refuse(path: Path, problem: str) -> CheckpointError:
    return CheckpointError(
        f"{path}: {problem}; refusing to load this checkpoint (unpickling an untrusted file can run code)",
        hint=f"If you did not expect this, the checkpoint may have been tampered with; {FRESH_START}.",
    )


def tag_for_step(step: int) -> str:
    return f"global_step{int(step)}"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _entries(tag_dir: Path) -> list[tuple[str, Path]]:
    """Every file, symlink or other non-directory under ``tag_dir`` (relative POSIX name, path),
    the manifest excepted; symlinked folders are listed, not followed (NVMe offload writes
    ``offloaded_tensors/rank<N>/``, hence the walk)."""
    out = []
    for root, dirs, names in os.walk(tag_dir, followlinks=False):
        base = Path(root)
        linked = [d for d in dirs if (base / d).is_symlink()]
        dirs[:] = sorted(d for d in dirs if d not in linked)
        for name in sorted([*names, *linked]):
            rel = (base / name).relative_to(tag_dir).as_posix()
            if rel != MANIFEST_NAME:
                out.append((rel, base / name))
    return out


def _plain_relative(name: Any) -> bool:
    if not isinstance(name, str) or not name or "\\" in name or "\x00" in name or name == MANIFEST_NAME:
        return False
    return all(part not in ("", ".", "..") for part in name.split("/"))


def write_manifest(ckpt_dir: Path | str, tag: str) -> Path:
    """Hash every file of ``ckpt_dir/tag`` into its manifest (call once all ranks have saved)."""
    ckpt_dir = Path(ckpt_dir)
    if not TAG_RE.fullmatch(tag):
        raise ValueError(f"not a checkpoint tag: {tag!r}")
    tag_dir = ckpt_dir / tag
    files: dict[str, dict[str, Any]] = {}
    for name, entry in _entries(tag_dir):
        if name.startswith(f".{MANIFEST_NAME}."):
            continue
        if entry.is_symlink() or not entry.is_file():
            raise _refuse(entry, "not a regular file in a checkpoint the harness is saving")
        files[name] = {"size": entry.stat().st_size, "sha256": sha256_file(entry)}
    manifest = {"format": FORMAT, "tag": tag, "files": files}
    path = tag_dir / MANIFEST_NAME
    write_text_atomic(path, json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return path


def write_latest(ckpt_dir: Path | str, tag: str) -> None:
    """Point ``latest`` at ``tag`` (after its manifest exists), atomically."""
    if not TAG_RE.fullmatch(tag):
        raise ValueError(f"not a checkpoint tag: {tag!r}")
    write_text_atomic(Path(ckpt_dir) / LATEST_NAME, tag)


def seal_checkpoint(ckpt_dir: Path | str, tag: str) -> Path:
    """Manifest, then ``latest``: the checkpoint becomes the one ``--resume`` loads."""
    path = write_manifest(ckpt_dir, tag)
    write_latest(ckpt_dir, tag)
    return path


def _regular_file(path: Path, what: str) -> os.stat_result:
    try:
        st = path.lstat()
    except FileNotFoundError:
        raise _refuse(path, f"{what} is missing") from None
    if stat.S_ISLNK(st.st_mode):
        raise _refuse(path, f"{what} is a symlink")
    if not stat.S_ISREG(st.st_mode):
        raise _refuse(path, f"{what} is not a regular file")
    return st


def read_latest_tag(ckpt_dir: Path | str) -> str:
    """The tag ``latest`` names, if it is a plain ``global_step<N>``; otherwise a CheckpointError."""
    path = Path(ckpt_dir) / LATEST_NAME
    st = _regular_file(path, "the 'latest' file")
    if st.st_size > 64:
        raise _refuse(path, "the 'latest' file is too large to be a checkpoint tag")
    try:
        tag = path.read_text(encoding="ascii").strip()
    except (UnicodeDecodeError, OSError) as exc:
        raise _refuse(path, f"the 'latest' file cannot be read as a tag ({exc.__class__.__name__})") from None
    if not TAG_RE.fullmatch(tag):
        raise _refuse(path, f"the 'latest' file names {tag!r}, not a plain global_step<N> tag")
    return tag


def _load_manifest(path: Path, tag: str) -> dict[str, dict[str, Any]]:
    st = _regular_file(path, "the checkpoint manifest")
    if st.st_size > 16 << 20:
        raise _refuse(path, "the checkpoint manifest is implausibly large")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _refuse(path, f"the checkpoint manifest is not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _refuse(path, f"not a harness checkpoint manifest (expected format {FORMAT!r})")
    if manifest.get("tag") != tag:
        raise _refuse(path, f"the manifest is for tag {manifest.get('tag')!r}, not {tag!r}")
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise _refuse(path, "the manifest lists no files")
    for name, entry in files.items():
        if (
            not _plain_relative(name)
            or not isinstance(entry, dict)
            or not isinstance(entry.get("size"), int)
            or not isinstance(entry.get("sha256"), str)
            or not re.fullmatch(r"[0-9a-f]{64}", entry["sha256"])
        ):
            raise _refuse(path, f"the manifest has a malformed entry {name!r}")
    return files


def verify_checkpoint(ckpt_dir: Path | str) -> str:
    """Check ``latest``, its tag directory and every file against the manifest; return the tag.

    Nothing is unpickled here; call it before ``engine.load_checkpoint(ckpt_dir, tag=tag)``.
    """
    ckpt_dir = Path(ckpt_dir)
    tag = read_latest_tag(ckpt_dir)
    tag_dir = ckpt_dir / tag
    try:
        st = tag_dir.lstat()
    except FileNotFoundError:
        raise _refuse(tag_dir, f"'latest' names {tag}, which does not exist") from None
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        raise _refuse(tag_dir, "the checkpoint tag is not a real directory (a symlink or a file)")
    if tag_dir.resolve().parent != ckpt_dir.resolve():
        raise _refuse(tag_dir, "the checkpoint tag resolves outside the checkpoint directory")
    manifest_path = tag_dir / MANIFEST_NAME
    files = _load_manifest(manifest_path, tag)
    present = {name for name, _ in _entries(tag_dir)}
    extra = sorted(present - set(files))
    if extra:
        raise _refuse(tag_dir / extra[0], f"a file the manifest does not list ({len(extra)} in all)")
    for name, entry in sorted(files.items()):
        path = tag_dir / name
        st = _regular_file(path, "a checkpoint file the manifest lists")
        if st.st_size != entry["size"]:
            raise _refuse(path, f"size {st.st_size} differs from the manifest's {entry['size']}")
        actual = sha256_file(path)
        if actual != entry["sha256"]:
            raise _refuse(path, f"sha256 {actual} differs from the manifest's {entry['sha256']}")
    return tag
