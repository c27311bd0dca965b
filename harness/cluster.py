"""Run an experiment grid's rows as cluster jobs through submitit (Slurm, or its local executor).

WHY: a real Table 2 reproduction is nine 7B fine-tunes, which a user runs on a cluster, not in one
process. Each row (training, then evaluation: :func:`harness.experiments.run_experiment`) becomes
one job; the job runs exactly what ``harness experiment`` runs in process, so a row's scores are the
same either way. ``--executor local`` runs the same jobs through submitit's local executor (what
the tests use).

Each row keeps a state file, ``<out>/<name>/job.json`` (job id, executor, state, log paths), read
by ``--status`` and by a rerun: a finished row (``experiment.json`` with a complete evaluation) is
skipped, a row whose job is still pending or running is not submitted again, and the job itself
holds ``<out>/<name>/row.lock`` while it runs, so no row ever runs twice at once. submitit's logs
go under ``<out>/submitit/``.
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import UsageError
from harness.io import write_json_atomic

EXECUTORS = ("slurm", "local")
JOB_FILE = "job.json"
LOCK_FILE = "row.lock"
LOG_DIR = "submitit"
LIVE_STATES = frozenset({"PENDING", "RUNNING", "REQUEUED", "CONFIGURING", "COMPLETING", "SUBMITTED"})


@dataclass(frozen=True)
class JobResources:
    """What each job asks the cluster for; ``None``: the config's ``slurm:`` section, else the default."""

    gpus: int | None = None
    nodes: int | None = None
    time_min: int | None = None
    partition: str | None = None

    def merged(self, config: dict[str, Any] | None, where: str) -> dict[str, Any]:
        """submitit parameters: the command line over the config's ``slurm`` section over defaults."""
        config = config or {}
        unknown = sorted(set(config) - set(vars(self)))
        if unknown:
            raise UsageError(
                f"{where}: unknown slurm setting(s) {', '.join(map(str, unknown))}",
                hint=f"known: {', '.join(vars(self))}",
            )
        pick = {k: v if v is not None else config.get(k) for k, v in vars(self).items()}
        try:
            params: dict[str, Any] = {
                "timeout_min": _whole(pick["time_min"], 24 * 60),
                "nodes": _whole(pick["nodes"], 1),
                "gpus_per_node": _whole(pick["gpus"], 0),
                "tasks_per_node": 1,
            }
        except ValueError as exc:
            raise UsageError(f"{where}: slurm setting {exc}") from None
        if params["nodes"] > 1:
            raise UsageError(
                f"{where}: a row's job runs on one node",
                hint="multi-node training: sbatch with srun and the launcher `harness train "
                "--print-launch` prints (README, 'Scaling out')",
            )
        if pick["partition"]:
            params["slurm_partition"] = str(pick["partition"])
        return params


def _whole(value: Any, default: int) -> int:
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{value!r} is not a whole number")
    return value


def import_submitit() -> Any:
    try:
        import submitit
    except ImportError:
        hint = "pip install 'harness[cluster]' (or: pip install submitit)"
        raise UsageError("--executor needs submitit", hint=hint) from None
    return submitit


def read_job(exp_dir: Path) -> dict[str, Any] | None:
    """The row's state file, or ``None`` (missing or not ours: never trusted blindly)."""
    path = exp_dir / JOB_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8")[:100_000])
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def write_job(exp_dir: Path, **fields: Any) -> None:
    exp_dir.mkdir(parents=True, exist_ok=True)
    write_json_atomic(exp_dir / JOB_FILE, {**(read_job(exp_dir) or {}), **fields})


def row_finished(exp_dir: Path) -> bool:
    """The row's evaluation completed (what ``experiment.json`` says)."""
    try:
        record = json.loads((exp_dir / "experiment.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(record, dict) and record.get("eval_status") == "complete"


def run_row(source: str, out_root: str, overrides: dict[str, Any], train_overrides: dict[str, Any]) -> Any:
    """The job's body: one row, in process, under the row's lock (a second copy refuses to start)."""
    from harness.experiments import load_experiment, run_experiment

    spec = load_experiment(Path(source))
    exp_dir = Path(out_root) / spec.name
    exp_dir.mkdir(parents=True, exist_ok=True)
    with open(exp_dir / LOCK_FILE, "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"{exp_dir}: another job is running this row") from None
        return run_experiment(
            spec,
            out_root=Path(out_root),
            overrides=overrides,
            train_overrides=train_overrides,
            log=lambda m: print(m, flush=True),
        )


def job_state(record: dict[str, Any], folder: Path) -> str:
    """A row's job state now: Slurm's, asked through submitit; else the one recorded."""
    state = str(record.get("state") or "?")
    if record.get("executor") == "slurm" and state in LIVE_STATES and record.get("job_id"):
        try:
            state = import_submitit().SlurmJob(folder=folder, job_id=str(record["job_id"])).state
        except Exception:  # noqa: BLE001 - sacct missing or slow: the recorded state stands
            pass
    return state


def make_executor(kind: str, out_root: Path, params: dict[str, Any]) -> Any:
    submitit = import_submitit()
    executor = submitit.AutoExecutor(folder=out_root / LOG_DIR / "%j", cluster=kind)
    executor.update_parameters(**params)
    return executor


def submit_rows(
    specs: list[Any],
    *,
    kind: str,
    out_root: Path,
    resources: JobResources,
    overrides: dict[str, Any],
    train_overrides: dict[str, Any],
    log: Callable[[str], None],
) -> list[tuple[Any, Any]]:
    """Submit each unfinished row not already live; ``[(spec, job)]`` of what was submitted."""
    if kind not in EXECUTORS:
        raise UsageError(f"--executor must be one of {', '.join(EXECUTORS)}, not {kind!r}")
    submitted = []
    for spec in specs:
        exp_dir = out_root / spec.name
        record = read_job(exp_dir) or {}
        if row_finished(exp_dir):
            log(f"[{spec.name}] finished: skipped")
            continue
        if job_state(record, out_root / LOG_DIR) in LIVE_STATES:
            log(
                f"[{spec.name}] job {record.get('job_id')} is still {record.get('state')}: not submitted again"
            )
            continue
        params = resources.merged(spec.slurm, spec.source or spec.name)
        executor = make_executor(kind, out_root, params)
        executor.update_parameters(name=f"harness-{spec.name}")
        job = executor.submit(run_row, spec.source, str(out_root), overrides, train_overrides)
        write_job(
            exp_dir,
            job_id=str(job.job_id),
            executor=kind,
            state="SUBMITTED",
            stdout=str(job.paths.stdout),
            stderr=str(job.paths.stderr),
        )
        log(f"[{spec.name}] submitted job {job.job_id} ({kind}); log: {job.paths.stdout}")
        submitted.append((spec, job))
    return submitted


def wait_for(submitted: list[tuple[Any, Any]], out_root: Path, log: Callable[[str], None]) -> dict[str, str]:
    """Wait for every job; each row's final state, a failure printed with its log path."""
    states = {}
    for spec, job in submitted:
        exp_dir = out_root / spec.name
        try:
            job.result()
            state = "COMPLETED"
        except Exception as exc:  # noqa: BLE001 - submitit re-raises the job's error, whatever it was
            state = "FAILED"
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[-1][:300]
            log(f"[{spec.name}] job {job.job_id} failed: {first}; log: {job.paths.stderr}")
        write_job(exp_dir, state=state)
        states[spec.name] = state
    return states


def result_from_disk(spec: Any, out_root: Path) -> Any:
    """A row's :class:`~harness.experiments.ExperimentResult` from what its job wrote."""
    from harness.experiments import ExperimentResult

    exp_dir = out_root / spec.name
    record, scores = _json(exp_dir / "experiment.json"), _scores(exp_dir / "eval" / "scores.json")
    return ExperimentResult(
        spec=spec,
        exp_dir=exp_dir,
        trained=str(record.get("trained", "none")),
        eval_status=str(record.get("eval_status", "not run")),
        macro=record.get("macro"),
        macro_wo_others=record.get("macro_wo_others"),
        scores=scores,
    )


def _scores(path: Path) -> Any:
    """The eval run's scores (``None`` before its job wrote them); a damaged file is a usage error
    naming it, never a row quietly shown without figures."""
    from harness.scoring.records import load_scores

    return load_scores(path) if path.is_file() else None


def _json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def status_rows(specs: list[Any], out_root: Path) -> list[dict[str, str]]:
    """Each row's job id, executor and state (``not submitted``; ``finished`` without a job)."""
    rows = []
    for spec in specs:
        exp_dir = out_root / spec.name
        record = read_job(exp_dir)
        if record is None:
            state = "finished (in process)" if row_finished(exp_dir) else "not submitted"
            rows.append({"name": spec.name, "job": "-", "executor": "-", "state": state})
            continue
        rows.append(
            {
                "name": spec.name,
                "job": str(record.get("job_id", "?")),
                "executor": str(record.get("executor", "?")),
                "state": job_state(record, out_root / LOG_DIR),
            }
        )
    return rows
