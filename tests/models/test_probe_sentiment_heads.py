"""The sentiment-heads probe: its head trainer learns what it is given, and each set is judged by its measure."""

from __future__ import annotations

import numpy as np
import pytest

from models.training.datasets import SENTIMENT_LABELS, LabelledSet
from models.training.heads.weighted import train_head
from models.training.probe_sentiment_heads import ARMS, SCORED, score

NEGATIVE, NEUTRAL, POSITIVE = range(3)


def _clusters(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    centres = np.eye(3, 8, dtype=np.float32) * 3
    y = rng.integers(0, 3, n)
    return centres[y] + rng.normal(0, 0.5, (n, 8)).astype(np.float32), y


@pytest.mark.parametrize("hidden", [0, 16])
def test_a_head_learns_separable_classes_beside_binary_rows(hidden: int) -> None:
    rng = np.random.default_rng(0)
    x, y = _clusters(rng, 600)
    # Binary rows (SST-2's kind) carry only negative/positive labels; here they are the negative/positive clusters.
    x_bin, y_bin = _clusters(rng, 300)
    keep = y_bin != NEUTRAL
    parts = [(x, y, 1.0, False), (x_bin[keep], y_bin[keep], 0.5, True)]
    proba, temperature, _ = train_head(parts, hidden=hidden, epochs=60, lr=0.02)
    x_test, y_test = _clusters(rng, 300)
    p = proba(x_test)
    assert p.shape == (300, 3) and np.allclose(p.sum(axis=1), 1.0, atol=1e-5)
    assert (p.argmax(axis=1) == y_test).mean() > 0.95
    assert temperature > 0


def test_score_reads_each_set_by_its_own_measure() -> None:
    # A "model" that reads the first column of x as the class index.
    x = {name: np.array([[NEGATIVE], [NEUTRAL], [POSITIVE], [NEUTRAL]], dtype=np.float32) for name in SCORED}
    gold = [SENTIMENT_LABELS[k] for k in (NEGATIVE, NEUTRAL, POSITIVE, POSITIVE)]
    sets = {name: LabelledSet(["a", "b", "c", "d"], gold) for name in SCORED}
    figures = score(lambda emb: np.eye(3)[emb[:, 0].astype(int)] * 0.8 + 0.2 / 3, x, sets)
    # Neutral is left out there: rows 2 and 4 tie negative with positive, and the tie goes to negative.
    assert figures["sst2_dev_accuracy"] == 0.5
    assert figures["tweeteval_val_macro_recall"] == pytest.approx((1 + 1 + 0.5) / 3, abs=1e-4)
    assert figures["dynasent_r2_dev_accuracy"] == 0.75
    assert figures["small_talk_dev_share_neutral"] == 0.5
    assert figures["register_problems_b_share_negative"] == 0.25
    assert figures["register_questions_b_share_not_negative"] == 0.75


def test_every_arm_names_known_sources() -> None:
    for sources, hidden in ARMS.values():
        assert sources and hidden >= 0
