"""``harness data show`` takes ``--data-dir`` / ``HARNESS_DATA_DIR`` exactly where ``harness run`` does.

Both ask one function whether a dataset takes a data folder (its spec's options or its factory's
signature). ``HARNESS_DATA_DIR`` set for the BELLE files no longer breaks ``data show demo``; an
explicit ``--data-dir`` for a dataset that has no use for one is still refused.
"""

from __future__ import annotations

import json

PLUGIN = '''
from pathlib import Path

from harness import hookimpl
from harness.protocols import EvalSample
from harness.specs import DatasetSpec


class FolderDataset:
    """One sample per line of questions.txt in data_dir (a setting its spec declares: takes=)."""

    def __init__(self, data_dir=None):
        self.data_dir = data_dir

    def load(self):
        lines = (Path(self.data_dir) / "questions.txt").read_text(encoding="utf-8").splitlines()
        return [EvalSample(id=f"q{i}", question=q, category="closed_qa", reference="r") for i, q in enumerate(lines)]


@hookimpl
def harness_register_datasets(register):
    register(
        DatasetSpec(
            name="folder-eval", factory=FolderDataset, description="from a folder", takes=("data_dir",)
        )
    )
'''


def test_data_dir_in_the_environment_leaves_demo_working(cli, tmp_path):
    shown = cli("data", "show", "demo", "--json", env={"HARNESS_DATA_DIR": str(tmp_path)})
    assert shown.returncode == 0, shown.stderr
    assert sum(json.loads(shown.stdout).values()) == 30


def test_a_dataset_whose_factory_takes_data_dir_is_shown_from_it(cli, tmp_path):
    plugin = tmp_path / "folder_plugin.py"
    plugin.write_text(PLUGIN, encoding="utf-8")
    data = tmp_path / "data"
    data.mkdir()
    (data / "questions.txt").write_text("a\nb\nc\n", encoding="utf-8")
    env = {"HARNESS_PLUGINS": str(plugin)}
    shown = cli("data", "show", "folder-eval", "--data-dir", str(data), "--json", env=env)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout) == {"closed_qa": 3}
    from_env = cli("data", "show", "folder-eval", "--json", env={**env, "HARNESS_DATA_DIR": str(data)})
    assert from_env.returncode == 0 and json.loads(from_env.stdout) == {"closed_qa": 3}, from_env.stderr


def test_an_explicit_data_dir_for_a_dataset_without_files_is_still_refused(cli, tmp_path):
    refused = cli("data", "show", "demo", "--data-dir", str(tmp_path))
    assert refused.returncode == 2 and "takes no --data-dir" in refused.stderr
