from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy.stats import kendalltau, spearmanr
from sklearn.metrics import roc_auc_score

from eval.score_metrics import ScoreCorrelation, _rank_auc, _rank_correlation, default_threshold, score_correlation


def test_perfect_and_inverse_correlation() -> None:
    gold = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
    same = score_correlation([g * 10 for g in gold], gold, bootstrap=200)
    assert same.spearman == pytest.approx(1.0) and same.kendall == pytest.approx(1.0)
    assert same.auc == pytest.approx(1.0)  # the lowest predicted are exactly the dissatisfied
    assert same.spearman_ci is not None and same.spearman_ci[1] == pytest.approx(1.0)
    inverse = score_correlation([-g for g in gold], gold, bootstrap=200)
    assert inverse.spearman == pytest.approx(-1.0) and inverse.kendall == pytest.approx(-1.0)
    assert inverse.auc == pytest.approx(0.0)


def test_small_example_matches_scipy_and_sklearn() -> None:
    predicted = [0.2, 0.9, 0.4, 0.4, 0.7, 0.1, 0.8, 0.5, 0.3]
    gold = [2, 5, 3, 4, 4, 1, 5, 2, 3]
    result = score_correlation(predicted, gold, bootstrap=0)
    rho, rho_p = spearmanr(predicted, gold)
    tau = kendalltau(predicted, gold, variant="b")
    assert result.n == 9
    assert result.spearman == pytest.approx(rho) and result.spearman_p == pytest.approx(rho_p)
    assert result.kendall == pytest.approx(tau.statistic) and result.kendall_p == pytest.approx(tau.pvalue)
    threshold = float(np.percentile(gold, 25))  # 2.0: only the gold 1 is below it
    assert result.dissatisfied_below == threshold and result.threshold_source == "lower quartile"
    dissatisfied = [g < threshold for g in gold]
    assert result.n_dissatisfied == sum(dissatisfied) == 1
    assert result.auc == pytest.approx(roc_auc_score(dissatisfied, [-p for p in predicted]))
    assert result.spearman_ci is None and result.auc_ci is None and result.bootstrap == 0


def test_auc_direction_lower_score_means_dissatisfied() -> None:
    gold = [1, 1, 2, 4, 5, 5, 4, 3]
    low_for_unhappy = [0.1, 0.2, 0.3, 0.9, 0.8, 0.95, 0.7, 0.6]
    result = score_correlation(low_for_unhappy, gold, dissatisfied_below=2, bootstrap=0)
    assert result.threshold_source == "given" and result.n_dissatisfied == 2
    assert result.auc == pytest.approx(1.0)
    high_for_unhappy = [1 - p for p in low_for_unhappy]
    assert score_correlation(high_for_unhappy, gold, dissatisfied_below=2, bootstrap=0).auc == pytest.approx(0.0)


def test_default_threshold_falls_back_when_quartile_has_no_one_below() -> None:
    gold = [3, 3, 3, 3, 3, 4, 5, 4]  # lower quartile 3: nobody is below it
    assert float(np.percentile(gold, 25)) == 3
    result = score_correlation([1, 2, 3, 4, 5, 6, 7, 8], gold, bootstrap=0)
    assert result.dissatisfied_below == 4 and result.threshold_source == "smallest above minimum"
    assert result.n_dissatisfied == 5  # the customers at the minimum
    assert default_threshold(gold) == 4
    assert default_threshold([1, 2, 3, 4, 5]) == 2.0
    assert default_threshold([2, 2, 2]) is None


def test_bootstrap_intervals_are_reproducible_and_contain_the_estimate() -> None:
    rng = np.random.default_rng(1)
    gold = rng.integers(1, 6, size=60).astype(float)
    predicted = gold + rng.normal(0, 1.5, size=60)
    a = score_correlation(predicted, gold, bootstrap=300, seed=7)
    b = score_correlation(predicted, gold, bootstrap=300, seed=7)
    c = score_correlation(predicted, gold, bootstrap=300, seed=8)
    assert a == b and a.spearman_ci != c.spearman_ci
    assert a.spearman_ci is not None and a.spearman_ci[0] < a.spearman < a.spearman_ci[1]
    assert a.auc is not None and a.auc_ci is not None and a.auc_ci[0] < a.auc < a.auc_ci[1]


def test_rank_helpers_equal_scipy_and_sklearn_with_ties() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(0, 5, size=40).astype(float)
    y = x + rng.integers(0, 3, size=40)
    assert _rank_correlation(x, y) == pytest.approx(spearmanr(x, y)[0])
    positive = y < 3
    assert _rank_auc(positive, -x, int(positive.sum())) == pytest.approx(roc_auc_score(positive, -x))


def test_constant_inputs_give_nan_with_a_note() -> None:
    result = score_correlation([0.5, 0.5, 0.5, 0.5], [1, 2, 3, 4], bootstrap=50)
    assert math.isnan(result.spearman) and math.isnan(result.kendall)
    assert any("predicted constant" in note for note in result.notes)
    assert result.auc == pytest.approx(0.5)  # ties everywhere: chance
    assert result.spearman_ci is None
    flat_gold = score_correlation([1, 2, 3], [4, 4, 4], bootstrap=0)
    assert math.isnan(flat_gold.spearman) and flat_gold.auc is None and flat_gold.dissatisfied_below is None
    assert any("gold constant" in note for note in flat_gold.notes)
    assert any("auc is None" in note for note in flat_gold.notes)


def test_one_class_gives_auc_none() -> None:
    result = score_correlation([1, 2, 3, 4], [2, 3, 4, 5], dissatisfied_below=1, bootstrap=20)
    assert result.auc is None and result.auc_ci is None and result.n_dissatisfied == 0
    assert any("no customer has gold < 1" in note for note in result.notes)
    every = score_correlation([1, 2, 3, 4], [2, 3, 4, 5], dissatisfied_below=9, bootstrap=0)
    assert every.auc is None and every.n_dissatisfied == 4
    assert math.isfinite(result.spearman)


@pytest.mark.parametrize(
    ("predicted", "gold", "message"),
    [
        ([1, 2, 3], [1, 2], "3 predicted scores but 2 gold"),
        ([1, 2], [1, 2], "at least 3"),
        ([], [], "at least 3"),
        ([1, float("nan"), 3], [1, 2, 3], r"predicted\[1\] is nan"),
        ([1, 2, 3], [1, 2, float("inf")], r"gold\[2\] is inf"),
        ([1, "x", 3], [1, 2, 3], "sequence of numbers"),
        ([[1, 2], [3, 4], [5, 6]], [1, 2, 3], "one-dimensional"),
    ],
)
def test_bad_input_raises_clear_errors(predicted: list, gold: list, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        score_correlation(predicted, gold)


def test_bad_options_raise() -> None:
    with pytest.raises(ValueError, match="bootstrap must be >= 0"):
        score_correlation([1, 2, 3], [1, 2, 3], bootstrap=-1)
    with pytest.raises(ValueError, match="dissatisfied_below must be a finite number"):
        score_correlation([1, 2, 3], [1, 2, 3], dissatisfied_below=float("nan"))


def test_to_dict_is_strict_json() -> None:
    result = score_correlation([0.5, 0.5, 0.5], [1, 2, 3], bootstrap=10)
    data = result.to_dict()
    assert data["spearman"] is None and data["kendall"] is None  # nan -> null
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text)["n"] == 3
    full = score_correlation([1, 2, 3, 4, 5], [1, 2, 3, 5, 4], bootstrap=50).to_dict()
    assert isinstance(full["spearman_ci"], list) and len(full["spearman_ci"]) == 2
    assert set(full) == set(ScoreCorrelation.__dataclass_fields__)
    json.dumps(full, allow_nan=False)
