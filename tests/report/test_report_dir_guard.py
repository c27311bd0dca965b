"""``harness report DIR`` writes only into a harness run directory (issue 23.4).

A folder without ``run.json`` may hold a ``report.md`` (or ``scores.json``) of the user's: the
README promises such a folder is never written into, so the report is refused (exit 2) and every
file there stays as it was.
"""

from __future__ import annotations

from tests.report.test_report import cli


def test_report_refuses_a_folder_without_run_json(tmp_path, make_run):
    folder = make_run(tmp_path / "mine", name="x")
    (folder / "run.json").unlink()
    (folder / "report.md").write_text("# my own report\n", encoding="utf-8")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    proc = cli("report", str(folder), "--resamples", "100")
    said = " ".join((proc.stdout + proc.stderr).split())
    assert proc.returncode == 2, said
    assert "Traceback" not in said and "no run.json" in said and "never" in said
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_compare_still_reads_such_a_folder(tmp_path, make_run):
    """Reading writes nothing, so ``compare`` keeps working on a folder of judgments alone."""
    a = make_run(tmp_path / "a", name="a", seed=1)
    b = make_run(tmp_path / "b", name="b", seed=2)
    (b / "run.json").unlink()
    proc = cli("compare", str(a), str(b), "--resamples", "100")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert sorted(p.name for p in b.iterdir()) == ["generations.jsonl", "judgments.jsonl"]
