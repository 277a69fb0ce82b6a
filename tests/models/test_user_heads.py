"""The `journeymine train` recipe on a hashing encoder: data checks, held-out split, thresholds, label order."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from models.errors import InvalidInputError
from models.training.datasets import SENTIMENT_LABELS, LabelledSet
from models.training.embeddings import CachedEmbedder
from models.training.user_heads import (
    DataSource,
    UserHead,
    check_rows,
    holdout_split,
    single_row_labels,
    train_user_head,
)
from tests.pipelines.conftest import HashingEncoder

WORDS = {
    "refund": ["refund", "money", "back", "charge"],
    "track": ["where", "parcel", "track", "delivery"],
    "address": ["address", "moved", "ship", "street"],
    "out_of_scope": ["weather", "football", "recipe", "poem"],
}


def make_set(labels: list[str], per_label: int, seed: int = 0) -> LabelledSet:
    rng = np.random.default_rng(seed)
    texts, gold = [], []
    for label in labels:
        for _ in range(per_label):
            texts.append(" ".join(rng.choice(WORDS[label], size=3)))
            gold.append(label)
    return LabelledSet(texts, gold)


def train(kind: str, data: LabelledSet, tmp_path: Path) -> UserHead:
    embedder = CachedEmbedder(cache_dir=tmp_path, encoder_factory=HashingEncoder, encoder_id="encoder.hashing.test")
    return train_user_head(
        kind, "mine", data, embedder=embedder, source=DataSource("rows.jsonl", "0" * 64), command="journeymine train"
    )


@pytest.mark.parametrize(
    ("kind", "data", "message"),
    [
        ("intent", LabelledSet([], []), "no labelled rows"),
        ("intent", LabelledSet(["a", "b"], ["x", "x"]), r"at least 2 distinct labels, found \['x'\]"),
        ("intent", LabelledSet(["a", "b"], ["x", "y"]), "every label has 1 row"),
        ("intent", LabelledSet(["a", "b", "c", "d"], ["out_of_scope"] * 4), "at least 2 distinct labels"),
        ("sentiment", LabelledSet(["a", "b", "c", "d"], ["pos", "pos", "neg", "neg"]), "found neg, pos"),
    ],
)
def test_unusable_data_is_refused_with_the_reason(kind: str, data: LabelledSet, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        check_rows(kind, data)


def test_labels_with_one_row_are_trained_on_not_held_out(tmp_path: Path) -> None:
    base = make_set(["refund", "track", "address"], 12)
    lonely = {"cancel": "cancel cancel my order", "invoice": "invoice copy please"}
    data = LabelledSet([*base.texts, *lonely.values()], [*base.labels, *lonely])
    check_rows("intent", data)  # accepted: two labels or more, and some label can be held out
    assert single_row_labels(data) == ["cancel", "invoice"]
    train_idx, held_idx = holdout_split(data, seed=3)
    singles = {len(data) - 2, len(data) - 1}
    assert singles <= set(train_idx) and singles.isdisjoint(held_idx)
    trained = train("intent", data, tmp_path)
    assert set(trained.head.labels) == {"address", "cancel", "invoice", "refund", "track"}
    assert trained.head.metadata["rows"] == len(data)
    data_card = dict(trained.sections)["Data"]
    assert "single row (2)" in data_card and "cancel, invoice" in data_card


def test_holdout_keeps_every_label_on_both_sides() -> None:
    data = LabelledSet([str(i) for i in range(2 + 3 + 40)], ["a"] * 2 + ["b"] * 3 + ["c"] * 40)
    train_idx, held_idx = holdout_split(data, seed=1)
    held = Counter(data.labels[i] for i in held_idx)
    assert held == {"a": 1, "b": 1, "c": 4}
    assert set(train_idx).isdisjoint(held_idx) and len(train_idx) + len(held_idx) == len(data)
    assert holdout_split(data, seed=1) == (train_idx, held_idx)  # reproducible for a seed


def test_intent_without_out_of_scope_rows_abstains_on_few_in_scope_rows(tmp_path: Path) -> None:
    trained = train("intent", make_set(["refund", "track", "address"], 40), tmp_path)
    head = trained.head
    assert head.labels == ("address", "refund", "track")
    assert head.threshold is not None and 0 < head.threshold < 1
    assert trained.figures["in_scope_abstain_rate"] <= 0.05
    assert head.metadata["encoder"] == "encoder.hashing.test"
    assert head.metadata["rows"] == 120 and head.metadata["heldout_rows"] == 12
    titles = [title for title, _ in trained.sections]
    assert titles == ["Command", "Data", "Hyper-parameters", "Held-out figures", "Use"]


def test_intent_with_out_of_scope_rows_trains_it_as_a_class_and_tunes_the_threshold(tmp_path: Path) -> None:
    trained = train("intent", make_set(["refund", "track", "out_of_scope"], 40), tmp_path)
    assert "out_of_scope" in trained.head.labels
    assert trained.figures["oos_recall"] == 1.0  # separable words: every held-out OOS row abstains
    assert trained.figures["in_scope_accuracy"] == 1.0
    assert trained.head.metadata["threshold_rule"].startswith("maximises in-scope accuracy + out-of-scope recall")


def test_sentiment_keeps_the_three_label_order_and_zeroes_absent_labels(tmp_path: Path) -> None:
    data = make_set(["refund", "track"], 20)
    data = LabelledSet(data.texts, ["negative" if lb == "refund" else "positive" for lb in data.labels])
    head = train("sentiment", data, tmp_path).head
    assert head.labels == SENTIMENT_LABELS
    assert head.threshold is None
    proba = head.predict_proba(HashingEncoder().encode(["refund money back", "where parcel track"]))
    assert np.allclose(proba[:, 1], 0.0)
    assert proba[0].argmax() == 0 and proba[1].argmax() == 2
    assert head.metadata["trained_labels"] == ["negative", "positive"]
