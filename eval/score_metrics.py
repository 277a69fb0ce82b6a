"""How well predicted journey scores track gold satisfaction: rank correlation and dissatisfied-customer AUC.

    spearman, kendall   rank correlation of predicted with gold (scipy; Kendall's tau-b, so ties are handled)
    auc                 ROC AUC of detecting dissatisfied customers (gold < threshold) where a LOWER
                        predicted score means MORE dissatisfied: roc_auc_score(is_dissatisfied, -predicted)
    *_ci                95 % percentile bootstrap intervals (pairs resampled with a fixed seed)

The default threshold is the lower quartile of gold (``numpy.percentile(gold, 25)``); when no gold
value lies below it (ties at the minimum), the smallest gold value above the minimum is used, so the
customers at the minimum count as dissatisfied. Constant inputs give nan correlations (with a note);
an all-one-class split gives ``auc=None`` (with a note).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from scipy.stats import kendalltau, rankdata, spearmanr
from sklearn.metrics import roc_auc_score

CI_LEVEL = 0.95


@dataclass(frozen=True)
class ScoreCorrelation:
    """Agreement of predicted scores with gold satisfaction (nan: undefined; None: not computed)."""

    n: int
    spearman: float
    spearman_p: float
    kendall: float  # tau-b
    kendall_p: float
    auc: float | None  # detecting gold < dissatisfied_below from low predicted scores
    dissatisfied_below: float | None  # the threshold used
    threshold_source: str  # "given", "lower quartile", "smallest above minimum" or "none"
    n_dissatisfied: int
    spearman_ci: tuple[float, float] | None
    auc_ci: tuple[float, float] | None
    bootstrap: int  # resamples drawn (0: no intervals)
    seed: int
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: tuples become lists and nan becomes None."""
        return {k: _json_safe(v) for k, v in asdict(self).items()}


def score_correlation(
    predicted: Sequence[float],
    gold: Sequence[float],
    *,
    dissatisfied_below: float | None = None,
    bootstrap: int = 1000,
    seed: int = 0,
) -> ScoreCorrelation:
    """Spearman, Kendall tau-b and dissatisfied-detection AUC of ``predicted`` against ``gold``, with bootstrap CIs.

    Args:
        predicted: one score per customer; higher = more satisfied.
        gold: the customer's gold satisfaction, same order.
        dissatisfied_below: gold below this is "dissatisfied"; None: the lower quartile of gold (see module doc).
        bootstrap: resamples for the 95 % intervals of spearman and auc (0: no intervals).
        seed: of the resampling, so the intervals are reproducible.

    Raises:
        ValueError: lengths differ, fewer than 3 pairs, a value is not a finite number, or bootstrap < 0.
    """
    pred = _as_vector(predicted, "predicted")
    ref = _as_vector(gold, "gold")
    if len(pred) != len(ref):
        raise ValueError(f"{len(pred)} predicted scores but {len(ref)} gold scores; give one of each per customer")
    n = len(pred)
    if n < 3:
        raise ValueError(f"need at least 3 (predicted, gold) pairs for a correlation, got {n}")
    if bootstrap < 0:
        raise ValueError(f"bootstrap must be >= 0 resamples, got {bootstrap}")
    notes: list[str] = []

    constant = [name for name, v in (("predicted", pred), ("gold", ref)) if np.ptp(v) == 0]
    if constant:
        notes.append(f"{' and '.join(constant)} constant: spearman and kendall are undefined (nan)")
        rho = rho_p = tau = tau_p = math.nan
    else:
        rho, rho_p = (float(x) for x in spearmanr(pred, ref))
        tau_result = kendalltau(pred, ref, variant="b")
        tau, tau_p = float(tau_result.statistic), float(tau_result.pvalue)

    threshold, source = _threshold(ref, dissatisfied_below)
    dissatisfied = ref < threshold if threshold is not None else np.zeros(n, dtype=bool)
    n_dissatisfied = int(dissatisfied.sum())
    auc: float | None = None
    if threshold is None:
        notes.append("gold is constant: no threshold splits dissatisfied from the rest, so auc is None")
    elif n_dissatisfied in (0, n):
        which = "no" if n_dissatisfied == 0 else "every"
        notes.append(f"{which} customer has gold < {threshold:g}: auc needs both classes, so it is None")
    else:
        auc = float(roc_auc_score(dissatisfied, -pred))

    spearman_ci = auc_ci = None
    if bootstrap:
        spearman_ci, auc_ci, dropped = _bootstrap(pred, ref, dissatisfied, bootstrap, seed, auc is not None)
        for name, count in dropped.items():
            if count:
                notes.append(f"{count} of {bootstrap} resamples left out of the {name} interval (degenerate resample)")
        if spearman_ci is None and not constant:
            notes.append("no resample had a defined spearman: spearman_ci is None")
    return ScoreCorrelation(
        n=n,
        spearman=rho,
        spearman_p=rho_p,
        kendall=tau,
        kendall_p=tau_p,
        auc=auc,
        dissatisfied_below=threshold,
        threshold_source=source,
        n_dissatisfied=n_dissatisfied,
        spearman_ci=spearman_ci,
        auc_ci=auc_ci,
        bootstrap=bootstrap,
        seed=seed,
        notes=tuple(notes),
    )


def default_threshold(gold: Sequence[float]) -> float | None:
    """The lower quartile of gold, or the smallest value above the minimum if none lies below it; None if constant."""
    return _threshold(_as_vector(gold, "gold"), None)[0]


def _threshold(gold: np.ndarray, given: float | None) -> tuple[float | None, str]:
    if given is not None:
        if not math.isfinite(given):
            raise ValueError(f"dissatisfied_below must be a finite number, got {given}")
        return float(given), "given"
    quartile = float(np.percentile(gold, 25))
    if (gold < quartile).any():
        return quartile, "lower quartile"
    values = np.unique(gold)
    if len(values) < 2:
        return None, "none"
    # gold < the second-smallest value: exactly the customers at the minimum.
    return float(values[1]), "smallest above minimum"


def _bootstrap(
    pred: np.ndarray, gold: np.ndarray, dissatisfied: np.ndarray, resamples: int, seed: int, with_auc: bool
) -> tuple[tuple[float, float] | None, tuple[float, float] | None, dict[str, int]]:
    """Percentile intervals of spearman and auc over resampled pairs; degenerate resamples are skipped and counted."""
    rng = np.random.default_rng(seed)
    n = len(pred)
    rhos: list[float] = []
    aucs: list[float] = []
    for _ in range(resamples):
        idx = rng.integers(0, n, size=n)
        p, g = pred[idx], gold[idx]
        if np.ptp(p) > 0 and np.ptp(g) > 0:
            rhos.append(_rank_correlation(p, g))
        if with_auc:
            d = dissatisfied[idx]
            n_pos = int(d.sum())
            if 0 < n_pos < n:
                aucs.append(_rank_auc(d, -p, n_pos))
    dropped = {"spearman": resamples - len(rhos), "auc": resamples - len(aucs) if with_auc else 0}
    return _interval(rhos), _interval(aucs) if with_auc else None, dropped


def _rank_correlation(x: np.ndarray, y: np.ndarray) -> float:
    """Spearman's rho (Pearson correlation of average ranks), as scipy.stats.spearmanr computes it."""
    rx, ry = rankdata(x) - (len(x) + 1) / 2, rankdata(y) - (len(y) + 1) / 2
    return float(np.dot(rx, ry) / math.sqrt(np.dot(rx, rx) * np.dot(ry, ry)))


def _rank_auc(positive: np.ndarray, score: np.ndarray, n_pos: int) -> float:
    """ROC AUC via the Mann-Whitney U statistic (ties count a half), equal to sklearn's roc_auc_score."""
    n_neg = len(score) - n_pos
    rank_sum = float(rankdata(score)[positive].sum())
    return (rank_sum - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def _interval(values: list[float]) -> tuple[float, float] | None:
    if not values:
        return None
    tail = (1 - CI_LEVEL) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def _as_vector(values: Sequence[float], name: str) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a sequence of numbers: {exc}") from exc
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional (one score per customer), got shape {array.shape}")
    bad = np.flatnonzero(~np.isfinite(array))
    if bad.size:
        raise ValueError(f"{name}[{bad[0]}] is {array[bad[0]]}; every score must be a finite number")
    return array


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, tuple | list):
        return [_json_safe(v) for v in value]
    return value
