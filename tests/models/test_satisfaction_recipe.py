"""The satisfaction recipe's data: USS turns paired with the system turn before them, dialogues split, figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.training.datasets import UssTurn, load_uss
from models.training.heads.satisfaction import (
    conversation_figures,
    dev_indices,
    pooling_rules,
    split_dialogues,
    turn_rows,
)

# Four dialogues per corpus; ratings chosen so every label and the rounding of a 3.5 mean occur.
DIALOGUES = [
    "USER\tI need a flight.\tINFORM_INTENT\t3,3,3\nSYSTEM\tWhere to?\tREQUEST\t\n"
    "USER\tBoston, thanks.\tINFORM\t4,4,5\nSYSTEM\tBooked.\tNOTIFY_SUCCESS\t\nUSER\tOVERALL\t\t4,4,5\n",
    "USER\tFind a hotel.\tINFORM_INTENT\t3,3\nSYSTEM\tI found a flight.\tOFFER\t\n"
    "USER\tNo, I asked for a hotel.\tNEGATE\t2,2,1\nUSER\tOVERALL\t\t2,1\n",
    "SYSTEM\tHello, how can I help?\tGREET\t\nUSER\tA table for two.\tINFORM_INTENT\t3,3\n"
    "SYSTEM\tDone.\tNOTIFY_SUCCESS\t\nUSER\tOVERALL\t\t3,3\n",
    "USER\tPlay some jazz.\tINFORM_INTENT\t3,4\nSYSTEM\tPlaying jazz.\tNOTIFY_SUCCESS\t\nUSER\tOVERALL\t\t4,4\n",
]


@pytest.fixture
def uss_root(tmp_path: Path) -> Path:
    folder = tmp_path / "uss_user_satisfaction"
    folder.mkdir()
    for corpus in ("SGD", "MWOZ"):
        (folder / f"{corpus}.txt").write_text("\n".join(DIALOGUES), encoding="utf-8")
    return tmp_path


def test_a_turn_label_rounds_the_annotators_mean_as_uss_counts_do() -> None:
    assert UssTurn("USER", "x", (2, 2, 1)).label == "dissatisfied"
    assert UssTurn("USER", "x", (2, 3)).label == "dissatisfied"  # 2.5 rounds to even: 2
    assert UssTurn("USER", "x", (3, 4)).label == "satisfied"  # 3.5 rounds to even: 4
    assert UssTurn("USER", "x", (3, 3, 4)).label == "neutral"
    with pytest.raises(ValueError, match="only a rated user turn"):
        _ = UssTurn("SYSTEM", "x").label


def test_rows_pair_each_rated_turn_with_the_system_turn_before_it(uss_root: Path) -> None:
    dialogues = {f"SGD-{i:04d}": d for i, d in enumerate(load_uss(uss_root, "SGD"))}
    rows = turn_rows(dialogues)
    assert rows.customer == [
        "I need a flight.",
        "Boston, thanks.",
        "Find a hotel.",
        "No, I asked for a hotel.",
        "A table for two.",
        "Play some jazz.",
    ]
    assert rows.agent == ["", "Where to?", "", "I found a flight.", "Hello, how can I help?", ""]
    assert rows.labels == ["neutral", "satisfied", "neutral", "dissatisfied", "neutral", "satisfied"]
    assert rows.corpus == ["SGD"] * 6 and rows.dialogue[3] == "SGD-0001"


def test_dialogues_not_turns_are_split_and_the_split_is_seeded(uss_root: Path) -> None:
    train, dev = split_dialogues(uss_root, seed=7)
    assert len(dev) == 2 and len(train) == 6  # 20 % of 4 dialogues per corpus, rounded
    assert not set(train) & set(dev)
    held = dev_indices(uss_root, seed=7)
    assert {f"{c}-{i:04d}" for c, ids in held.items() for i in ids} == set(dev)
    assert dev_indices(uss_root, seed=7) == held


def test_conversation_figures_and_pooling_rules_rank_the_dialogues(uss_root: Path) -> None:
    dialogues = {f"{c}-{i:04d}": d for c in ("SGD", "MWOZ") for i, d in enumerate(load_uss(uss_root, c))}
    rows = turn_rows(dialogues)
    # A perfect turn model: all probability on the gold label.
    order = ("dissatisfied", "neutral", "satisfied")
    proba = np.array([[float(label == name) for name in order] for label in rows.labels])
    figures = conversation_figures(proba, rows, dialogues)
    assert figures["SGD"]["dialogues"] == 4 and figures["SGD"]["dissatisfied_dialogues"] == 1
    assert figures["SGD"]["dissatisfied_auc"] == pytest.approx(1.0)
    assert figures["SGD"]["spearman"] > 0.7
    rules = pooling_rules(proba, rows, dialogues)
    assert set(rules["MWOZ"]) >= {"mean of the turns (shipped)", "the worst turn alone"}
    assert rules["SGD"]["mean of the turns (shipped)"] == pytest.approx(figures["SGD"]["spearman"])
