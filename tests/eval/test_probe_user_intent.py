"""The intent-generalisation probe's arms and figures, on a tiny taxonomy with the hashing encoder."""

from __future__ import annotations

from pathlib import Path

import pytest

from eval.probe_user_intent import accuracy, run_arms
from models.training.datasets import OUT_OF_SCOPE, LabelledSet
from models.training.embeddings import CachedEmbedder
from tests.pipelines.conftest import INTENT_DATA, HashingEncoder


def test_accuracy_counts_out_of_scope_as_a_label() -> None:
    got = accuracy(["a", OUT_OF_SCOPE, "b", "a"], ["a", OUT_OF_SCOPE, OUT_OF_SCOPE, "b"])
    assert got == {"accuracy": 0.5, "in_scope_accuracy": 0.5, "oos_recall": 0.5}


def test_every_arm_is_scored_on_the_same_test_rows(tmp_path: Path) -> None:
    texts = [t for label in INTENT_DATA for t in INTENT_DATA[label]]
    labels = [label for label in INTENT_DATA for _ in INTENT_DATA[label]]
    train = LabelledSet(texts * 3, labels * 3)
    test = LabelledSet([*texts, "the weather on mars"], [*labels, OUT_OF_SCOPE])
    embedder = CachedEmbedder(cache_dir=tmp_path, encoder_factory=HashingEncoder, encoder_id="encoder.hashing.test")
    arms = run_arms(train, test, embedder, seed=0)
    assert set(arms) == {"recipe", "recipe_argmax", "plain_logreg"}
    # Trained on the very texts it is tested on, every arm gets the in-scope rows right.
    assert all(arm["in_scope_accuracy"] == pytest.approx(1.0) for arm in arms.values())
    # Without out-of-scope training rows only the threshold can abstain: argmax arms never do.
    assert arms["recipe_argmax"]["oos_recall"] == 0.0 and arms["plain_logreg"]["oos_recall"] == 0.0
    assert 0.0 < arms["recipe"]["threshold"] < 1.0
