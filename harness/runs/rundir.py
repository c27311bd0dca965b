"""A run directory: where one evaluation's records live, and how a run finds it again.

Its files are named in :mod:`harness.runs.layout`.

Without ``--name``, a run looks under ``--out`` for the newest *unfinished* run with the same
fingerprint (and the same prompt, see :func:`prompt_change`) and continues it, so the same command
resumes a killed run (never one that another process is working in); otherwise it starts a new
directory named from its components and a timestamp (``-2``, ``-3``, ... when that name is taken).

The harness touches nothing that is not a run: ``--name`` is one plain folder name (never a path),
a folder that exists without a harness ``run.json`` is never written into or cleared, and
``--force`` deletes only the record files ``run.json`` lists as written by the harness (never a
folder, never through a symlink). While a process works in a run directory it holds the
directory's lock (:mod:`harness.runs.lock`), and ``run.json`` ends as ``complete``,
``incomplete``, ``failed`` (with the error) or ``interrupted`` -- never a stale ``running`` unless
the process was killed outright.
"""

from __future__ import annotations

import errno
import os
import re
import socket
import sys
import time
import unicodedata
from contextlib import ExitStack
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from harness import __version__
from harness.errors import HarnessError, UsageError
from harness.io import temp_target, write_json_atomic, write_text_atomic
from harness.runs.config import RunConfig
from harness.runs.layout import CONFIG_FILE, LOCK_FILE, RUN_FILE, RUN_FILES
from harness.runs.lock import RunDirBusy, run_dir_lock
from harness.runs.records import read_json_object
from harness.runs.run_record import EMPTY, RunRecord, load_run_record

MAX_NAME_BYTES = 255
KEY_PACKAGES = (
    "torch",
    "transformers",
    "tokenizers",
    "sentencepiece",
    "accelerate",
    "deepspeed",
    "litellm",
    "pluggy",
    "pydantic",
    "numpy",
    "vllm",
)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")[:48] or "x"


def name_problem(name: str) -> str | None:
    """Why ``name`` is not one plain path component (``None`` if it is one)."""
    if name == "":
        return "is empty"
    if name in (".", ".."):
        return f"is {name!r}, which names a folder that is not the run's own"
    if "/" in name or "\\" in name:
        return "contains a path separator (/ or \\)"
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        return "contains a NUL or control character"
    if len(name.encode("utf-8", "surrogateescape")) > MAX_NAME_BYTES:
        return f"is longer than {MAX_NAME_BYTES} bytes"
    return None


def check_run_name(name: str | None, *, option: str = "--name") -> None:
    """A run name is one plain folder name inside ``--out``: never a path, never ``.``/``..``."""
    if name is None:
        return
    problem = name_problem(name)
    if problem:
        raise UsageError(
            f"{option} {name!r} {problem}; it must be one plain folder name",
            hint=f"For example {option} my-run; the folder is created inside --out.",
        )


def library_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {"python": sys.version.split()[0], "harness": __version__}
    for name in KEY_PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


RUN_JSON_HINT = (
    "run.json is the harness's record of the run: restore it from a copy, or start over under "
    "another --name (nothing in this folder is touched)."
)


def read_run(run_dir: Path) -> dict[str, Any]:
    """``run.json`` of ``run_dir`` as the dict on disk (:func:`read_run_record` for the record)."""
    return read_run_record(run_dir).to_dict()


def read_run_record(run_dir: Path) -> RunRecord:
    """The record of ``run_dir``'s ``run.json``; a usage error when there is none or it is damaged."""
    path = Path(run_dir) / RUN_FILE
    if not path.is_file():
        raise UsageError(f"{run_dir} is not a run directory (no {RUN_FILE})")
    return load_run_record(path, hint=RUN_JSON_HINT)


def _existing_runs(out: Path) -> list[tuple[Path, dict[str, Any]]]:
    runs = []
    if out.is_dir():
        for candidate in out.iterdir():
            meta_path = candidate / RUN_FILE
            if meta_path.is_file():
                try:
                    runs.append((candidate, read_json_object(meta_path)))
                except (OSError, UsageError):
                    continue
    return runs


def _make_dir(path: Path, *, exist_ok: bool = True, what: str = "the run directory") -> None:
    """``mkdir -p path``; a file in the way or a read-only place is a usage error, not a traceback."""
    try:
        path.mkdir(parents=True, exist_ok=exist_ok)
    except FileExistsError:
        if not exist_ok and path.is_dir():
            raise
        raise UsageError(
            f"cannot create {what} {path}: it exists and is not a folder",
            hint="Choose another --out (a folder) or --name.",
        ) from None
    except OSError as exc:
        blocker = next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), None)
        why = f"{blocker} is a file, not a folder" if blocker else (exc.strerror or str(exc))
        raise UsageError(
            f"cannot create {what} {path}: {why}", hint="Choose a writable folder with --out."
        ) from None


def _foreign_entries(run_dir: Path) -> list[str]:
    """Entries of an existing folder without ``run.json`` that the harness did not put there."""
    own = {LOCK_FILE}
    return sorted(
        e.name for e in run_dir.iterdir() if e.name not in own and temp_target(e.name) not in RUN_FILES
    )


_DISK_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO})


def _os_failure(exc: OSError) -> HarnessError:
    """An OS error as one clear line: a disk's (full, quota, too large, read-only, a file's) is said
    to be one; anything else (a refused connection, a name that does not resolve) is not."""
    network = isinstance(exc, (ConnectionError, TimeoutError, socket.gaierror, socket.herror))
    if not network and (exc.errno in _DISK_ERRNOS or exc.filename is not None):
        return HarnessError(
            f"the run failed writing to disk: {exc}",
            hint="Finished samples are kept; free some space (or fix the folder) and run the same "
            "command again to resume.",
        )
    return HarnessError(
        f"the run failed: {exc}",
        hint="Finished samples are kept; fix the cause and run the same command again to resume.",
    )


class RunClaim:
    """The run directory a run works in, held for as long as the run works there.

    ``open()`` chooses the directory (resume or new), creates it, takes its lock, and -- under the
    lock -- checks it again and, with ``--force``, discards the old run's records. Leaving the
    ``with`` block releases the lock; leaving it by an exception records ``interrupted``
    (Ctrl-C, SIGTERM) or ``failed`` with the error in ``run.json``, and an OS error while writing
    (disk full, quota, file too large) becomes a clear message (exit 1) instead of a traceback.
    """

    def __init__(self, config: RunConfig, *, command: str = "harness run") -> None:
        self.config = config
        self.command = command
        self.run_dir: Path | None = None
        self.previous_status: str | None = None
        self.prompt: dict[str, Any] | None = None
        self._stack = ExitStack()

    def __enter__(self) -> RunClaim:
        return self

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> None:
        try:
            if exc is not None and self.run_dir is not None and (self.run_dir / RUN_FILE).is_file():
                record_outcome(self.run_dir, self.config, exc)
        finally:
            self._stack.close()
        if isinstance(exc, OSError):
            raise _os_failure(exc) from exc

    def open(self, prompt: dict[str, Any] | None = None) -> tuple[Path, bool]:
        """Choose, create and lock the run directory; returns it and whether the run resumes.

        ``prompt`` is the prompt this run would send (:func:`prompt_change`): a run recorded with
        another one is not resumed, exactly as if an option had changed."""
        config = self.config
        self.prompt = prompt
        check_run_name(config.name)
        out = Path(config.out)
        run_dir: Path | None
        if config.name:
            run_dir = out / config.name
            self._check_named(run_dir)  # fail before creating anything
            _make_dir(run_dir)
            self._lock(run_dir)
            resumed, meta = self._check_named(run_dir)  # again, now that no one else can change it
            if meta is not None and not resumed:
                discard_records(run_dir, meta)
                meta = None
        else:
            fingerprint = config.fingerprint()
            unfinished = [
                (meta.get("updated_at", ""), path)
                for path, meta in _existing_runs(out)
                if meta.get("fingerprint") == fingerprint
                and meta.get("status") != "complete"
                and prompt_change(meta.get("prompt"), prompt) is None
            ]
            run_dir = self._resumable([path for _, path in sorted(unfinished, reverse=True)])
            if run_dir is not None:
                meta, resumed = read_run(run_dir), True
            else:
                run_dir, meta, resumed = self._new_dir(out), None, False
                self._lock(run_dir)
        self.previous_status = (meta or {}).get("status") if resumed else None
        self.run_dir = run_dir
        return run_dir, resumed

    def _lock(self, run_dir: Path) -> None:
        self._stack.enter_context(run_dir_lock(run_dir, command=self.command))

    def _resumable(self, candidates: list[Path]) -> Path | None:
        """The newest unfinished run no other process works in, locked; ``None`` if there is none.

        Why: the same command started while an identical run works would otherwise pick that run
        (same fingerprint, ``running``) and stop at its lock; it starts a run of its own instead.
        A run that completed between the scan and the lock is not resumed either."""
        for run_dir in candidates:
            held = ExitStack()
            try:
                held.enter_context(run_dir_lock(run_dir, command=self.command))
            except RunDirBusy:
                continue
            if read_run(run_dir).get("status") == "complete":
                held.close()
                continue
            self._stack.enter_context(held.pop_all())
            return run_dir
        return None

    def _check_named(self, run_dir: Path) -> tuple[bool, dict[str, Any] | None]:
        """(resumes?, the existing run's meta or None) for ``--out/--name``; refuses what is not ours."""
        config = self.config
        if run_dir.exists() and not run_dir.is_dir():
            raise UsageError(f"{run_dir} exists and is not a folder", hint="Choose another --name or --out.")
        if (run_dir / RUN_FILE).is_file():
            meta = read_run(run_dir)
            prompt_changed = prompt_change(meta.get("prompt"), self.prompt)
            if meta.get("fingerprint") == config.fingerprint() and prompt_changed is None:
                return True, meta
            if not config.force:
                old = meta.get("config", {})
                changed = sorted(k for k, v in config.result_settings().items() if old.get(k) != v)
                if prompt_changed:
                    changed.append(
                        prompt_changed
                        if prompt_changed.startswith("answers decoded")
                        else f"the prompt: {prompt_changed}"
                    )
                if "dataset_sha256" in changed:  # same --dataset path, other bytes: other questions
                    changed[changed.index("dataset_sha256")] = (
                        f"dataset_sha256: {config.dataset} has changed since that run"
                    )
                raise UsageError(
                    f"{run_dir} holds a run with a different configuration (changed: {', '.join(changed)}).",
                    hint="Use another --name, or --force to discard that run's records and start over.",
                )
            if run_dir.is_symlink():
                raise UsageError(
                    f"--force: {run_dir} is a symlink; the harness clears no folder through a symlink",
                    hint="Use another --name.",
                )
            return False, meta
        if run_dir.is_dir() and (foreign := _foreign_entries(run_dir)):
            raise UsageError(
                f"{run_dir} exists and is not a harness run (no {RUN_FILE}; it holds {', '.join(foreign[:3])}"
                f"{', ...' if len(foreign) > 3 else ''}); the harness never writes into or clears such a folder",
                hint="Choose another --name (or --out).",
            )
        return False, None

    def _new_dir(self, out: Path) -> Path:
        config = self.config
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
        base = "_".join(_slug(p) for p in (config.model, config.dataset, config.judge)) + f"_{stamp}"
        _make_dir(out, what="the --out folder")
        run_dir, n = out / base, 1
        while True:
            try:
                _make_dir(run_dir, exist_ok=False)  # atomic: a concurrent run never gets the same folder
                return run_dir
            except FileExistsError:
                n += 1
                run_dir = out / f"{base}-{n}"


def prompt_change(old: dict[str, Any] | None, new: dict[str, Any] | None) -> str | None:
    """How the prompt a run recorded (run.json ``prompt``) differs from ``new``; ``None`` if it does
    not, or if either is unknown (a run from before prompts were recorded, a model that cannot say).

    Compared: the template's sha256, the system prompt and, for the same example sample, the
    rendered example (which also catches a tokenizer whose special tokens changed), and, where the
    dataset prescribes temperatures per sample, how answers are decoded (``decoding``), a dataset's
    answer length (``max_new_tokens``) and the template's stop strings (``stop_strings``)."""
    if not isinstance(old, dict) or not isinstance(new, dict):
        return None
    if old.get("sha256") != new.get("sha256"):
        return (
            f"template {old.get('template')} (sha256 {str(old.get('sha256'))[:12]}) is now "
            f"{new.get('template')} (sha256 {str(new.get('sha256'))[:12]})"
        )
    if old.get("system_prompt") != new.get("system_prompt"):
        return f"system prompt {old.get('system_prompt')!r} is now {new.get('system_prompt')!r}"
    if old.get("example_id") == new.get("example_id") and old.get("example") != new.get("example"):
        return "the same template renders the example differently (tokenizer changed?)"
    if old.get("decoding") != new.get("decoding") and (old.get("decoding") or new.get("decoding")):
        return f"answers decoded with {old.get('decoding') or 'one temperature'}, now {new.get('decoding')}"
    if old.get("max_new_tokens") != new.get("max_new_tokens"):
        return (
            f"answer length {old.get('max_new_tokens') or 'the run options'}, now "
            f"{new.get('max_new_tokens') or 'the run options'}"
        )
    if (old.get("stop_strings") or []) != (new.get("stop_strings") or []):
        return f"answers stopped at {old.get('stop_strings') or 'no stop string'}, now at {new.get('stop_strings')}"
    return None


def discard_records(run_dir: Path, meta: dict[str, Any]) -> list[str]:
    """Delete the record files ``meta`` (the run's ``run.json``) lists as written by the harness.

    Only plain files named in that list (``run.json`` last), plus the harness's own leftover
    temporary files of those names. Nothing else in the folder is touched; a listed name that is a
    symlink or a folder stops the whole discard before anything is deleted. A ``run.json`` from
    before the list existed counts as listing the files ``harness run`` itself writes.
    """
    listed = meta.get("files")
    listed = listed if isinstance(listed, list) else list(RUN_FILES)
    names = [n for n in dict.fromkeys([*listed, RUN_FILE]) if isinstance(n, str) and name_problem(n) is None]
    targets: list[Path] = []
    for name in names:
        path = run_dir / name
        if not os.path.lexists(path):
            continue
        if path.is_symlink() or not path.is_file():
            kind = "a symlink" if path.is_symlink() else "not a plain file"
            raise UsageError(
                f"--force: {path} is {kind}; the harness did not write it and removes nothing through it",
                hint="Move it away yourself, or use another --name.",
            )
        targets.append(path)
    temps = [
        e for e in run_dir.iterdir() if temp_target(e.name) in names and e.is_file() and not e.is_symlink()
    ]
    removed = []
    for path in [*temps, *sorted(targets, key=lambda p: p.name == RUN_FILE)]:
        path.unlink()
        removed.append(path.name)
    return removed


def _own_files(meta: dict[str, Any], extra: list[str] | tuple[str, ...]) -> list[str]:
    listed = meta.get("files")
    listed = listed if isinstance(listed, list) else []
    names = [n for n in [*listed, *extra] if isinstance(n, str) and name_problem(n) is None]
    return sorted(dict.fromkeys(names))


def add_run_files(run_dir: Path, names: list[str]) -> None:
    """List more files in ``run.json`` as written by the harness (so ``--force`` may remove them)."""
    meta = read_run(run_dir)
    files = _own_files(meta, names)
    if files != meta.get("files"):
        write_json_atomic(Path(run_dir) / RUN_FILE, {**meta, "files": files})


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, HarnessError):
        text = str(exc.args[0]) if exc.args else type(exc).__name__
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text if len(text) <= 2000 else text[:2000] + " ..."


def record_outcome(run_dir: Path, config: RunConfig, exc: BaseException) -> None:
    """``run.json`` says how the run ended: ``interrupted`` (Ctrl-C, SIGTERM) or ``failed`` + error.

    Best effort: if even this cannot be written (the disk is still full), the error that stopped
    the run is what the user sees.
    """
    interrupted = isinstance(exc, KeyboardInterrupt)
    status = getattr(exc, "run_status", None) or ("interrupted" if interrupted else "failed")  # or "waiting"
    try:
        write_run_meta(
            run_dir,
            config,
            status=status,
            extra=None if status != "failed" else {"error": describe_error(exc)},
        )
    except Exception:  # noqa: BLE001 - the original error matters more
        pass


def write_run_meta(
    run_dir: Path,
    config: RunConfig,
    *,
    status: str,
    extra: dict[str, Any] | None = None,
    plugins: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Create or update ``run.json`` (and ``config.yaml``), keeping fields written earlier."""
    import yaml

    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / RUN_FILE
    meta = (load_run_record(path, hint=RUN_JSON_HINT) if path.is_file() else EMPTY).to_dict()
    now = datetime.now(UTC).isoformat(timespec="seconds")
    from harness.api.secrets import redact_url

    resolved = config.model_dump()
    resolved["name"] = run_dir.name
    # a URL may carry a credential (user:pass@host, ?api_key=): never written
    resolved["judge_api_base"] = redact_url(resolved.get("judge_api_base"))
    meta.setdefault("created_at", now)
    if status != "failed":
        meta.pop("error", None)
    meta.update(
        {
            "name": run_dir.name,
            "fingerprint": config.fingerprint(),
            "model": config.model,
            "dataset": config.dataset,
            "judge": config.judge,
            "config": resolved,
            "seed": config.seed,
            "versions": library_versions(),
            "status": status,
            "updated_at": now,
            "updated_unix": time.time(),
            "files": _own_files(meta, RUN_FILES),
        }
    )
    if plugins is not None:
        meta["plugins"] = plugins
    if extra:
        meta.update(extra)
    write_json_atomic(path, meta)
    config_path = run_dir / CONFIG_FILE
    if not config_path.exists():
        resolved_for_file = {k: v for k, v in resolved.items() if v is not None and k != "force"}
        write_text_atomic(config_path, yaml.safe_dump(resolved_for_file, allow_unicode=True, sort_keys=False))
    return meta
