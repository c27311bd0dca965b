"""Scoring: judgments -> per-category means, Table 5 columns and macros, with bootstrap CIs.

* :mod:`.samples`   fold judgment lines into one outcome per sample (repeats, retries, statuses)
* :mod:`.columns`   the nine report columns and the paper's two macro definitions
* :mod:`.bootstrap` seeded stratified bootstrap shared by all figures
* :mod:`.headline`  the one figure a run is quoted by: macro, or pooled over every scored item
* :mod:`.aggregate` ``score_judgments`` -> the ``scores.json`` figures
* :mod:`.records`   ``Scores``: typed records of ``scores.json``, dicts only at the file boundary
* :mod:`.paired`    ``compare_judgments``: paired deltas of two runs with CIs and p-values
* :mod:`.comparison_records` ``Comparison``: typed records of those deltas
"""

from harness.scoring.aggregate import SCHEMA, score_judgments, score_outcomes
from harness.scoring.columns import OTHERS, TABLE5_COLUMNS, macro_from_columns
from harness.scoring.paired import compare_judgments, compare_outcomes
from harness.scoring.records import Scores, load_scores
from harness.scoring.samples import FoldedJudgments, SampleOutcome, fold_judgments, fold_records

__all__ = [
    "OTHERS",
    "SCHEMA",
    "TABLE5_COLUMNS",
    "SampleOutcome",
    "Scores",
    "compare_judgments",
    "compare_outcomes",
    "FoldedJudgments",
    "fold_judgments",
    "fold_records",
    "load_scores",
    "macro_from_columns",
    "score_judgments",
    "score_outcomes",
]
