"""AlpacaEval 2's length-controlled win rate for one pairwise comparison (run b over run a).

Why: a judge that prefers longer answers makes a verbose model look better than it is. Following
AlpacaEval 2 (Dubois et al. 2024; tatsu-lab/alpaca_eval, ``src/alpaca_eval/metrics/glm_winrate.py``,
GLM ``length_controlled_v1``), the preference of b over a on each instruction is fit by a logistic
GLM without intercept on

    model (a constant column: b vs a)  +  tanh(len_diff / std(len_diff))  +  instruction_difficulty

and the win rate is predicted with the length term at zero, averaged over the instructions. As
there, a tie is a preference of 0.5, fitted by duplicating every row as a 1 and a 0 weighted by the
preference and its complement; the fit is scikit-learn's L1-penalised logistic regression
(liblinear, no intercept) with the penalty chosen by 5-fold cross-validated log loss, folds grouped
by instruction (``LogisticRegressionCV``; a fixed ``C=100`` below ``MIN_FOR_CV`` instructions). The
penalty keeps the coefficients finite when the judge separates the pairs perfectly (a judge that
always picks the longer answer), so the rate is always a number. AlpacaEval also regularises
toward two "gamed" versions of its own baseline, annotated ahead of time; a user's own run has no
such annotations, so only the penalty is kept.

``instruction_difficulty``: AlpacaEval's comes from its leaderboard; here it is what the runs'
pointwise judgments say (minus the mean of both answers' scores, standardised) when both runs have
them, and the column is left out otherwise (with one pair of models it cannot be estimated from the
pairwise verdicts themselves without absorbing the model effect).

The CI is a percentile bootstrap over instructions, refitting with the cross-validated penalty.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from harness.scoring.bootstrap import DEFAULT_RESAMPLES, DEFAULT_SEED, percentile_interval

MIN_FOR_CV = 10  # fewer instructions than this: no cross-validation, C fixed as AlpacaEval's n_splits=0 case
FIXED_C = 100.0
N_SPLITS = 5
MIN_PAIRS = 3
TINY_WEIGHT = 1e-9
MAX_RESAMPLES = 500  # each replicate is a refit: the CI uses at most this many


def design(length_diff: np.ndarray, difficulty: np.ndarray | None) -> np.ndarray:
    """The GLM's columns: the model's constant, tanh of the standardised length difference (b - a),
    and the instruction difficulty when there is one."""
    spread = float(np.std(length_diff, ddof=1)) if len(length_diff) > 1 else 0.0
    standardised = length_diff / spread if spread > 0 else np.zeros_like(length_diff)
    columns = [np.ones_like(length_diff), np.tanh(standardised)]
    if difficulty is not None:
        columns.append(difficulty)
    return np.column_stack(columns).astype(float)


def _duplicated(
    x: np.ndarray, preference: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every row twice, labelled 1 weighted by the preference and 0 by its complement (as AlpacaEval's
    ``fit_LogisticRegressionCV(is_ytrue_proba=True)``), with the row's group for grouped folds."""
    groups = np.arange(len(x))
    # a zero weight is raised to a negligible one: liblinear drops zero-weight rows, and a class left
    # without rows (every preference 1) is an error there, not a fit
    weights = np.clip(np.concatenate([preference, 1.0 - preference]), TINY_WEIGHT, None)
    return (
        np.vstack([x, x]),
        np.concatenate([np.ones(len(x)), np.zeros(len(x))]),
        weights,
        np.concatenate([groups, groups]),
    )


def choose_c(x: np.ndarray, preference: np.ndarray, seed: int) -> float:
    """The L1 penalty's C by cross-validated (weighted) log loss over folds grouped by instruction."""
    if len(x) < MIN_FOR_CV:
        return FIXED_C
    import sklearn
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.metrics import get_scorer
    from sklearn.model_selection import GroupKFold

    x2, y2, w2, groups = _duplicated(x, preference)
    with warnings.catch_warnings(), sklearn.config_context(enable_metadata_routing=True):
        warnings.simplefilter("ignore")
        scorer = get_scorer("neg_log_loss").set_score_request(sample_weight=True)
        model = LogisticRegressionCV(
            cv=GroupKFold(n_splits=N_SPLITS),
            scoring=scorer,
            l1_ratios=(1.0,),
            solver="liblinear",
            fit_intercept=False,
            random_state=seed,
        )
        model.set_fit_request(sample_weight=True)
        model.fit(x2, y2, sample_weight=w2, groups=groups)
    return float(np.ravel(model.C_)[0])


def fit_predict(x: np.ndarray, preference: np.ndarray, c: float, seed: int) -> float:
    """Fit the penalised GLM and predict the mean preference with the length column at zero."""
    from sklearn.linear_model import LogisticRegression

    x2, y2, w2, _ = _duplicated(x, preference)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = LogisticRegression(
            C=c, l1_ratio=1.0, solver="liblinear", fit_intercept=False, random_state=seed
        )
        model.fit(x2, y2, sample_weight=w2)
    at_zero = x.copy()
    at_zero[:, 1] = 0.0
    return float(model.predict_proba(at_zero)[:, 1].mean())


def length_controlled_win_rate(
    preference: Sequence[float],
    length_diff: Sequence[float],
    difficulty: Sequence[float] | None = None,
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = DEFAULT_SEED,
) -> dict[str, Any]:
    """The length-controlled win rate of b over a, its bootstrap CI, and the fit's settings.

    ``preference``: per instruction, 1 when b won, 0 when a won, 0.5 for a tie; ``length_diff``:
    len(b's answer) - len(a's); ``difficulty``: an instruction difficulty per instruction, or None.
    """
    p = np.asarray(preference, dtype=float)
    x = design(
        np.asarray(length_diff, dtype=float), None if difficulty is None else np.asarray(difficulty, float)
    )
    out: dict[str, Any] = {
        "estimate": None,
        "ci_low": None,
        "ci_high": None,
        "n": len(p),
        "method": _method(difficulty is not None, len(p) >= MIN_FOR_CV),
    }
    if len(p) < MIN_PAIRS:
        return out
    c = choose_c(x, p, seed)
    rng = np.random.default_rng(seed)
    replicates = [
        fit_predict(x[i], p[i], c, seed)
        for i in (rng.integers(0, len(p), size=len(p)) for _ in range(min(n_resamples, MAX_RESAMPLES)))
    ]
    low, high = percentile_interval(np.array(replicates))
    return {
        **out,
        "estimate": fit_predict(x, p, c, seed),
        "ci_low": low,
        "ci_high": high,
        "C": c,
        "n_resamples": min(n_resamples, MAX_RESAMPLES),
        "separated_by_length": separated(p, x[:, 1]),
    }


def separated(preference: np.ndarray, length_term: np.ndarray) -> bool:
    """Whether length alone decides every non-tied pair (always the longer, or always the shorter,
    answer won). Then the data cannot tell length from quality: the rate is set by the penalty and
    only its (wide) interval is informative."""
    decided = (preference != 0.5) & (length_term != 0)
    if not decided.any():
        return False
    longer_won = (preference[decided] == 1.0) == (length_term[decided] > 0)
    return bool(longer_won.all() or not longer_won.any())


def _method(with_difficulty: bool, cross_validated: bool) -> str:
    terms = "model + tanh(std(len_b - len_a))" + (" + instruction_difficulty" if with_difficulty else "")
    penalty = (
        f"C by {N_SPLITS}-fold grouped CV" if cross_validated else f"C fixed at {FIXED_C:g} (too few for CV)"
    )
    return (
        f"AlpacaEval 2 length-controlled GLM: logit P(b preferred) ~ {terms} (no intercept), L1-penalised, "
        f"{penalty}; predicted with the length term at 0 and averaged over instructions; "
        "95% percentile bootstrap over instructions, refitting at that C"
    )


def difficulty_from_scores(ids: Sequence[str], scores: Sequence[Mapping[str, float]]) -> list[float] | None:
    """Per id: minus the mean of the runs' pointwise scores, standardised (None unless every run
    scored at least half of the ids; an id a run did not score gets the mean, 0)."""
    if not scores or any(sum(i in s for i in ids) * 2 < len(ids) for s in scores):
        return None
    raw = [np.mean([s[i] for s in scores if i in s]) if any(i in s for s in scores) else np.nan for i in ids]
    values = -np.array(raw, dtype=float)
    centre, spread = np.nanmean(values), np.nanstd(values)
    standardised = (values - centre) / spread if spread > 0 else values - centre
    return [0.0 if np.isnan(v) else float(v) for v in standardised]
