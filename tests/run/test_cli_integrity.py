"""Issue 13.4, 13.9 and 13.10 through the real CLI, as a user (or a plugin author) meets them.

* 13.4: a plugin judge that reports NaN, inf or 7.0 (on its 0..1 scale) as *scored*, and the
  built-in ``gpt35`` judge against the ``harness.testing`` server replying ``1e308``, ``NaN``,
  ``0.8e1`` and ``1e-9``: out-of-range and non-numbers end unscored with the reason (after the
  repair re-ask for the LLM judge), never clipped; ``scores.json`` stays strict JSON; ``harness
  report`` still works and counts them.
* 13.9: a run whose judge raises ends ``failed`` with the error in ``run.json``; SIGINT and SIGTERM
  end it ``interrupted``; a disk-full error (``RLIMIT_FSIZE``) leaves no temporary file; ``harness
  runs`` lists each status (and a run killed outright as ``stale``).
* 13.10: hostile category display names (``=``, ``+``, ``-``, ``@``, ``<script>``, ``|``,
  ``[bold]``) come out inert in ``scores.csv``, ``report.md``, ``report.html`` and the terminal.

The plugin is a small module written into ``tmp_path`` and loaded with ``HARNESS_PLUGINS``, the
way a user tries a plugin without installing it; its categories come from its own registry YAML.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.harness_cli import run_harness

PLUGIN = '''
"""Test plugin: a dataset, an echo model and generator, and judges that misbehave on purpose."""
import json, os, time
from pathlib import Path

from harness import hookimpl
from harness.protocols import EvalSample, Generation, Judgment
from harness.specs import DatasetSpec, GeneratorSpec, JudgeSpec, ModelSpec

HERE = Path(__file__).parent
SAMPLES = json.loads((HERE / "samples.json").read_text(encoding="utf-8"))
WEIRD = {"s0": float("nan"), "s1": float("inf"), "s2": 7.0, "s3": 0.5}


class Dataset:
    name = "plugin-eval"

    def __init__(self, **_):
        pass

    def load(self):
        return [EvalSample(**s) for s in SAMPLES]


class EchoModel:
    name = "echo-model"
    prompt_template = "Human: \\n{question}\\n\\nAssistant: \\n"
    default_generator = "echo"

    def __init__(self, path=None):
        pass

    def format_prompt(self, question):
        return self.prompt_template.format(question=question)


class Echo:
    name = "echo"

    def __init__(self, **_):
        pass

    def generate(self, model, samples, *, on_result):
        for s in samples:
            on_result(Generation(id=s.id, answer=s.question[::-1], prompt=model.format_prompt(s.question),
                                 model=model.name))


class Weird:
    """Reports NaN, inf and 7.0 (its scale is 0..1) as scored: the core must catch them."""
    name = "weird"

    def __init__(self, **_):
        pass

    def judge(self, items, *, on_result):
        for it in items:
            score = WEIRD.get(it.sample.id, 0.25)
            on_result(Judgment(id=it.sample.id, category=it.sample.category, score=score, status="scored",
                               raw=f"score {score!r}", judge=self.name, repeat=it.repeat))


class Boom:
    name = "boom"

    def __init__(self, **_):
        pass

    def judge(self, items, *, on_result):
        raise RuntimeError("the judge exploded on purpose")


class Unreachable:
    """An API judge whose server refuses the connection (an OSError that is no disk's)."""
    name = "unreachable"

    def __init__(self, **_):
        pass

    def judge(self, items, *, on_result):
        raise ConnectionRefusedError(111, "Connection refused")


class Gate:
    """With GATE_MARKER set: says so in that file, then waits for GATE_OPEN to exist (60 s at most)."""
    name = "gate"

    def __init__(self, **_):
        pass

    def judge(self, items, *, on_result):
        if os.environ.get("GATE_MARKER"):
            Path(os.environ["GATE_MARKER"]).write_text("waiting", encoding="utf-8")
            deadline = time.monotonic() + 60
            while not Path(os.environ["GATE_OPEN"]).exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        for it in items:
            on_result(Judgment(id=it.sample.id, category=it.sample.category, score=0.5, status="scored",
                               raw="0.5", judge=self.name, repeat=it.repeat))


class Sleepy:
    """Judges the first item, says so in a marker file, then works until it is stopped."""
    name = "sleepy"

    def __init__(self, **_):
        pass

    def judge(self, items, *, on_result):
        it = items[0]
        on_result(Judgment(id=it.sample.id, category=it.sample.category, score=0.5, status="scored",
                           raw="0.5", judge=self.name, repeat=it.repeat))
        Path(os.environ["PLUGIN_MARKER"]).write_text("judging", encoding="utf-8")
        time.sleep(120)


@hookimpl
def harness_register_datasets(register):
    register(DatasetSpec(name="plugin-eval", factory=Dataset, description="four samples"))


@hookimpl
def harness_register_models(register):
    register(ModelSpec(name="echo-model", factory=EchoModel, default_generator="echo"))


@hookimpl
def harness_register_generators(register):
    register(GeneratorSpec(name="echo", factory=Echo))


@hookimpl
def harness_register_judges(register):
    register(JudgeSpec(name="weird", factory=Weird, description="NaN, inf, 7.0 and 0.5"))
    register(JudgeSpec(name="boom", factory=Boom, description="raises"))
    register(JudgeSpec(name="sleepy", factory=Sleepy, description="works until stopped"))
    register(JudgeSpec(name="unreachable", factory=Unreachable, description="connection refused"))
    register(JudgeSpec(name="gate", factory=Gate, description="waits while told to"))


@hookimpl
def harness_registry_paths():
    return [HERE / "registry"]
'''

# one hostile display name per CSV formula trigger, with HTML, Markdown and rich markup inside
HOSTILE = {
    "formula": '=HYPERLINK("http://evil.example")<script>alert(1)</script>',
    "plus": "+1+1 [bold]B[/bold]",
    "minus": "-2+3 | pipe **md**",
    "at": "@SUM(A1) <img src=x onerror=alert(1)>",
}
SAMPLE_IDS = ["s0", "s1", "s2", "s3"]
RUN = ["run", "--model", "echo-model", "--dataset", "plugin-eval", "--no-progress"]


@pytest.fixture
def plugin(tmp_path: Path) -> Path:
    return write_plugin(tmp_path)


def write_plugin(tmp_path: Path) -> Path:
    """The plugin module, its samples (one per hostile category) and its registry YAML, in tmp_path."""
    root = tmp_path / "plugin"
    (root / "registry" / "categories").mkdir(parents=True)
    (root / "plug.py").write_text(PLUGIN, encoding="utf-8")
    for cid, display in HOSTILE.items():
        (root / "registry" / "categories" / f"{cid}.yaml").write_text(
            yaml.safe_dump(
                {"id": cid, "display_name": display, "prompt": "请给回答打分。", "gold_shown": True},
                allow_unicode=True,
            ),
            encoding="utf-8",
        )
    samples = [
        {"id": sid, "category": cid, "question": f"问题 {sid}", "reference": f"答案 {sid}"}
        for sid, cid in zip(SAMPLE_IDS, HOSTILE, strict=True)
    ]
    (root / "samples.json").write_text(json.dumps(samples, ensure_ascii=False), encoding="utf-8")
    return root / "plug.py"


def _env(harness_home: Path, plugin: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        HARNESS_HOME=str(harness_home),
        HARNESS_PLUGINS=str(plugin),
        LITELLM_LOCAL_MODEL_COST_MAP="True",
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        COLUMNS="80",
        OPENAI_API_KEY="sk-test-not-a-key",
        PYTHONDONTWRITEBYTECODE="1",
        **extra,
    )
    env.pop("OPENAI_BASE_URL", None)
    return env


def _harness(args: list[str], env: dict[str, str], cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    return run_harness(args, env=env, cwd=cwd, timeout=300, **kwargs)


def _strict_json(path: Path):
    """Parse as strict JSON: NaN / Infinity (which json.dumps writes by default) are an error."""

    def reject(token: str):
        raise AssertionError(f"{path.name} holds {token}: not strict JSON")

    return json.loads(path.read_text(encoding="utf-8"), parse_constant=reject)


def _judgments(run_dir: Path) -> dict[str, dict]:
    records = [
        json.loads(line) for line in (run_dir / "judgments.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    return {r["id"]: r for r in records}


def _run_json(run_dir: Path) -> dict:
    return json.loads((run_dir / "run.json").read_text(encoding="utf-8"))


def _no_traceback(proc: subprocess.CompletedProcess) -> None:
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stdout + proc.stderr


# ------------------------------------------------------------------------------- 13.4: scores


def test_plugin_judge_nan_inf_and_out_of_range_are_unscored(tmp_path, harness_home, plugin):
    env, out = _env(harness_home, plugin), tmp_path / "runs"
    proc = _harness([*RUN, "--judge", "weird", "--out", str(out), "--name", "w"], env, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    judged = _judgments(out / "w")
    assert {k: r["status"] for k, r in judged.items()} == {
        "s0": "unscored",
        "s1": "unscored",
        "s2": "unscored",
        "s3": "scored",
    }
    assert judged["s0"]["reason"].startswith("not a number") and judged["s0"]["score"] is None
    assert "inf" in judged["s1"]["reason"] and judged["s1"]["score"] is None
    assert judged["s2"]["reason"].startswith("out of range") and "not clipped" in judged["s2"]["reason"]
    assert judged["s3"]["score"] == 0.5
    for line in (out / "w" / "judgments.jsonl").read_text(encoding="utf-8").splitlines():
        json.loads(line, parse_constant=lambda token: pytest.fail(f"judgments.jsonl holds {token}"))
    scores = _strict_json(out / "w" / "scores.json")
    assert scores["totals"]["n_unscored"] == 3 and scores["totals"]["n"] == 1
    assert scores["macro"]["mean"] == 0.5  # the rejected samples are excluded, never clipped to 1 or 0

    report = _harness(["report", str(out / "w")], env, tmp_path)
    assert report.returncode == 0, report.stdout + report.stderr
    _no_traceback(report)
    assert "3 unscored (75.0%)" in report.stdout
    _strict_json(out / "w" / "scores.json")

    # harness judge (re-judging a run) passes the same boundary
    rejudge = _harness(
        ["judge", str(out / "w"), "--judge", "weird", "--judgments-file", "judgments-again.jsonl"],
        env,
        tmp_path,
    )
    assert rejudge.returncode == 0, rejudge.stdout + rejudge.stderr
    again = [
        json.loads(line)
        for line in (out / "w" / "judgments-again.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert sorted(r["id"] for r in again if r["status"] == "scored") == ["s3"]


def test_nan_already_on_disk_counts_as_unscored(tmp_path, harness_home, plugin):
    """A judgments file written by an older version (or by hand) with a NaN marked scored: the report
    counts it unscored, says so, and never writes NaN into scores.json."""
    env, out = _env(harness_home, plugin), tmp_path / "runs"
    proc = _harness([*RUN, "--judge", "weird", "--out", str(out), "--name", "old"], env, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    path = out / "old" / "judgments.jsonl"
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for record in records:
        record.update(score=float("nan"), status="scored", reason="")
    path.write_text(
        "".join(json.dumps(r) + "\n" for r in records), encoding="utf-8"
    )  # NaN, as json.dumps writes it
    report = _harness(["report", str(out / "old")], env, tmp_path)
    assert report.returncode == 0, report.stdout + report.stderr
    _no_traceback(report)
    assert "4 unscored (100.0%)" in report.stdout
    assert "not a number within 0..1" in " ".join(report.stdout.split())
    assert _strict_json(out / "old" / "scores.json")["totals"]["n"] == 0


def _score_for(body: dict) -> str:
    """The judge server's reply, chosen by which sample's question the request is about (the repair
    re-ask repeats the question, so it gets the same number)."""
    text = " ".join(str(m.get("content", "")) for m in body.get("messages", []))
    for sid, score in (("s0", "1e308"), ("s1", "NaN"), ("s2", "0.8e1"), ("s3", "1e-9")):
        if f"问题 {sid}" in text:
            return f"得分: {score}\n理由: 回答正确。"
    return "得分: 0.5"


def test_gpt35_judge_exponents_and_nan_from_the_server(tmp_path, harness_home, plugin):
    from harness.testing import ChatCompletionsServer

    env, out = _env(harness_home, plugin), tmp_path / "runs"
    with ChatCompletionsServer(reply=_score_for) as server:
        proc = _harness(
            [
                *RUN,
                "--judge",
                "gpt35",
                "--judge-api-base",
                server.base_url,
                "--no-cache",
                "--out",
                str(out),
                "--name",
                "g",
            ],
            env,
            tmp_path,
        )
        n_requests = server.n_requests
    assert proc.returncode == 0, proc.stdout + proc.stderr
    judged = _judgments(out / "g")
    for sid, why in (("s0", "out of range"), ("s1", "not a number"), ("s2", "out of range")):
        record = judged[sid]
        assert record["status"] == "unscored" and record["score"] is None, record
        assert record["reason"].startswith(why), record["reason"]
        assert "also after one repair request" in record["reason"]
        assert record["meta"]["repaired"] is True
    assert judged["s2"]["meta"]["value"] == 8.0  # 0.8e1 read whole: 8, not 0.8
    assert judged["s3"]["status"] == "scored" and judged["s3"]["score"] == 1e-9  # not 1.0, not 0
    assert n_requests == 4 + 3  # one request each, and one repair re-ask for each of the three rejected
    scores = _strict_json(out / "g" / "scores.json")
    assert scores["totals"]["n_unscored"] == 3 and scores["macro"]["mean"] == pytest.approx(1e-9)


def test_score_faults_of_the_test_server_through_the_cli(tmp_path, harness_home, plugin):
    """``python -m harness.testing --faults nan_score,exponent_score --fault-rate 1``, as a plugin
    author would start it: every reply's score is NaN or 1e308, so nothing is scored."""
    env, out = _env(harness_home, plugin), tmp_path / "runs"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "harness.testing",
            "--faults",
            "nan_score,exponent_score",
            "--fault-rate",
            "1",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = server.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:"), (
            server.stderr.read() if server.poll() is not None else ""
        )
        proc = _harness(
            [
                *RUN,
                "--judge",
                "gpt35",
                "--judge-api-base",
                base_url,
                "--no-cache",
                "--out",
                str(out),
                "--name",
                "f",
            ],
            env,
            tmp_path,
        )
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    judged = _judgments(out / "f")
    assert all(r["status"] == "unscored" and r["score"] is None for r in judged.values()), judged
    assert {r["reason"].split(":")[0] for r in judged.values()} <= {"not a number", "out of range"}
    assert _strict_json(out / "f" / "scores.json")["totals"]["n"] == 0


# ------------------------------------------------------------------------ 13.9: status, disk


def test_failed_run_records_the_error_and_runs_lists_it(tmp_path, harness_home, plugin):
    env, out = _env(harness_home, plugin), tmp_path / "runs"
    proc = _harness([*RUN, "--judge", "boom", "--out", str(out), "--name", "b"], env, tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    meta = _run_json(out / "b")
    assert meta["status"] == "failed"
    assert "RuntimeError: the judge exploded on purpose" in meta["error"]
    assert (out / "b" / "generations.jsonl").is_file()  # what was finished is kept

    listing = _harness(["runs", str(out)], env, tmp_path)
    assert listing.returncode == 0, listing.stdout + listing.stderr
    row = next(line for line in listing.stdout.splitlines() if line.startswith("b "))
    assert row.split()[1:4] == ["failed", "echo-model", "boom"]
    assert "b: failed: RuntimeError: the judge exploded on purpose" in listing.stdout
    assert max(len(line) for line in listing.stdout.splitlines()) <= 80
    as_json = json.loads(_harness(["runs", str(out), "--json"], env, tmp_path).stdout)
    assert [(r["name"], r["status"]) for r in as_json] == [("b", "failed")]
    one = json.loads(
        _harness(["runs", str(out / "b"), "--json"], env, tmp_path).stdout
    )  # a run directory itself
    assert [(r["name"], r["status"]) for r in one] == [("b", "failed")]


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_ends_the_run_interrupted(tmp_path, harness_home, plugin, signum):
    marker = tmp_path / "judging.marker"
    env, out = _env(harness_home, plugin, PLUGIN_MARKER=str(marker)), tmp_path / "runs"
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness", *RUN, "--judge", "sleepy", "--out", str(out), "--name", "s"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the run never reached its judge"
            time.sleep(0.05)
        assert _run_json(out / "s")["status"] == "running"
        proc.send_signal(signum)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, stdout + stderr
    assert "Traceback" not in stderr
    assert "resume with" in stderr
    meta = _run_json(out / "s")
    assert meta["status"] == "interrupted" and "error" not in meta
    assert _judgments(out / "s")["s0"]["score"] == 0.5  # the verdict given before the signal is kept

    listing = _harness(["runs", str(out)], env, tmp_path)
    assert listing.returncode == 0, listing.stdout + listing.stderr
    assert (
        next(line for line in listing.stdout.splitlines() if line.startswith("s ")).split()[1]
        == "interrupted"
    )


def test_run_killed_outright_is_listed_stale(tmp_path, harness_home, plugin):
    marker = tmp_path / "judging.marker"
    env, out = _env(harness_home, plugin, PLUGIN_MARKER=str(marker)), tmp_path / "runs"
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness", *RUN, "--judge", "sleepy", "--out", str(out), "--name", "k"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        working = _harness(["runs", str(out)], env, tmp_path)
        assert (
            next(line for line in working.stdout.splitlines() if line.startswith("k ")).split()[1]
            == "running"
        )
    finally:
        proc.kill()  # SIGKILL: no handler runs, run.json keeps saying running
        proc.wait()
    assert _run_json(out / "k")["status"] == "running"
    listing = _harness(["runs", str(out)], env, tmp_path)
    assert next(line for line in listing.stdout.splitlines() if line.startswith("k ")).split()[1] == "stale"
    assert "run the same command again to resume" in listing.stdout


def _temp_files(run_dir: Path) -> list[str]:
    return sorted(p.name for p in run_dir.iterdir() if "tmp" in p.name or p.name.startswith("."))


@pytest.mark.slow
def test_disk_full_leaves_no_temporary_files(tmp_path, harness_home, plugin):
    """The kernel's file-size limit (RLIMIT_FSIZE, with SIGXFSZ ignored so the write fails with EFBIG)
    stands in for a full disk: every file the run writes fits under it except report.html, which the
    report writer writes through a temporary file."""
    env, out = _env(harness_home, plugin), tmp_path / "runs"
    sizing = _harness([*RUN, "--judge", "weird", "--out", str(out), "--name", "sizing"], env, tmp_path)
    assert sizing.returncode == 0, sizing.stdout + sizing.stderr
    sizes = {p.name: p.stat().st_size for p in (out / "sizing").iterdir()}
    others = max(size for name, size in sizes.items() if name != "report.html")
    assert sizes["report.html"] > others + 1000, sizes
    limit = (sizes["report.html"] + others) // 2

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    proc = _harness(
        [*RUN, "--judge", "weird", "--out", str(out), "--name", "full"], env, tmp_path, preexec_fn=limited
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    _no_traceback(proc)
    assert "the run failed writing to disk" in proc.stderr and "File too large" in proc.stderr
    run_dir = out / "full"
    assert _temp_files(run_dir) == []
    assert not (run_dir / "report.html").exists()
    meta = _run_json(run_dir)
    assert meta["status"] == "failed" and "File too large" in meta["error"]
    listing = _harness(["runs", str(out)], env, tmp_path)
    assert (
        next(line for line in listing.stdout.splitlines() if line.startswith("full ")).split()[1] == "failed"
    )

    # room again: the same command resumes and completes, with nothing left over
    again = _harness([*RUN, "--judge", "weird", "--out", str(out), "--name", "full"], env, tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert _run_json(run_dir)["status"] == "complete" and _temp_files(run_dir) == []


# --------------------------------------------------------------------------- 13.10: inert reports

_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def test_hostile_category_names_are_inert_in_every_report(tmp_path, harness_home, plugin):
    env, out = _env(harness_home, plugin), tmp_path / "runs"
    name = "[bold]hostile"
    proc = _harness([*RUN, "--judge", "weird", "--out", str(out), "--name", name], env, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    run_dir = out / name
    report = _harness(["report", str(run_dir)], env, tmp_path)
    assert report.returncode == 0, report.stdout + report.stderr

    # scores.csv: no cell a spreadsheet would run; the names are all there, quoted
    rows = list(csv.DictReader(io.StringIO((run_dir / "scores.csv").read_text(encoding="utf-8"))))
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    labels = {row["id"]: row["label"] for row in rows if row["kind"] == "category"}
    assert labels == {cid: "'" + display for cid, display in HOSTILE.items()}

    # report.md: no raw HTML, tables keep their columns, Markdown emphasis escaped
    md = (run_dir / "report.md").read_text(encoding="utf-8")
    assert "<script" not in md and "<img" not in md and "**md**" not in md
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in md and "pipe \\*\\*md\\*\\*" in md
    lines = md.splitlines()
    header = lines.index(
        "| category | column | mean | 95% CI | n scored | unscored | failed | repeats (sd) |"
    )
    body = lines[header + 2 : header + 2 + len(HOSTILE)]
    assert [len(_UNESCAPED_PIPE.findall(line)) for line in body] == [9] * len(HOSTILE), body
    start = lines.index("## Scores (Table 5 layout)") + 2
    table5_lines = lines[start : start + 3]  # header, rule, the run's row
    assert table5_lines[2].startswith("| \\[bold\\]hostile |")
    assert len({len(_UNESCAPED_PIPE.findall(line)) for line in table5_lines}) == 1, table5_lines

    # report.html: every name escaped; the page's only script is its own
    page = (run_dir / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert page.count("<script>") == 1

    # the terminal: rich markup in a name or a run name is printed as written
    assert "[bold]B[/bold]" in report.stdout, report.stdout
    assert "[bold]hostile" in report.stdout
    listing = _harness(["runs", str(out)], env, tmp_path)
    assert "[bold]hostile" in listing.stdout, listing.stdout


def test_runs_on_a_missing_folder_exits_2_and_an_empty_one_says_so(tmp_path, harness_home, plugin):
    env = _env(harness_home, plugin)
    missing = _harness(["runs", str(tmp_path / "nope")], env, tmp_path)
    assert missing.returncode == 2 and "does not exist" in " ".join(missing.stderr.split())
    _no_traceback(missing)
    (tmp_path / "empty").mkdir()
    empty = _harness(["runs", str(tmp_path / "empty")], env, tmp_path)
    assert empty.returncode == 0 and "no runs in" in empty.stdout


def test_a_refused_connection_is_not_called_a_disk_failure(tmp_path, harness_home, plugin):
    env, out = _env(harness_home, plugin), tmp_path / "runs"
    proc = _harness([*RUN, "--judge", "unreachable", "--out", str(out), "--name", "u"], env, tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    _no_traceback(proc)
    assert "writing to disk" not in proc.stderr and "Connection refused" in proc.stderr, proc.stderr
    assert _run_json(out / "u")["status"] == "failed"
