"""An example third-party harness plugin.

It contributes two things without touching harness itself:

* a judge, ``length``: scores an answer by how close its length is to the gold answer's
  (a deliberately simple, API-free judge -- useful as a template and as a sanity baseline);
* an eval category, ``poetry``, declared in YAML under this package's ``registry/``.
"""

from __future__ import annotations

from pathlib import Path

from harness import JudgeSpec, hookimpl


@hookimpl
def harness_register_judges(register):
    register(
        JudgeSpec(
            name="length",
            aliases=("length-ratio",),
            factory="harness_judge_length.judge:LengthJudge",
            description="Scores min(len(answer), len(gold)) / max(...); no API needed.",
            takes=(),  # no API, so none of the run's judge settings
        )
    )


@hookimpl
def harness_registry_paths():
    # YAML files under registry/categories/ become eval categories.
    return [Path(__file__).parent / "registry"]
