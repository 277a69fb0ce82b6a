"""The fine-tuning probe (issue 20) runs end to end on a small slice and reports every figure it promises.

Needs ../shared/datasets (or $JOURNEYMINE_DATASETS); skipped without it. The full run wants a GPU.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from models.encoder import default_model_path
from models.training.datasets import LabelledSet
from models.training.probe_finetune_sentiment import build_sets, ece, figures, main

ROOT = Path(os.environ.get("JOURNEYMINE_DATASETS") or Path(__file__).resolve().parents[3] / "shared" / "datasets")
needs_data = pytest.mark.skipif(not ROOT.is_dir(), reason=f"needs the labelled datasets at {ROOT}")


def test_figures_judge_each_set_by_its_own_measure() -> None:
    proba = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.4, 0.5, 0.1]])
    data = LabelledSet(["a", "b", "c"], ["negative", "positive", "positive"])
    assert figures("sst2_dev", proba, data) == {"accuracy": pytest.approx(2 / 3)}  # neutral is left out there
    assert figures("register_problems_b", proba, data) == {"share_negative": pytest.approx(1 / 3)}
    assert figures("tweeteval_val", proba, data)["macro_recall"] == pytest.approx((1.0 + 0.5) / 2)
    assert ece(np.array([[1.0, 0.0, 0.0]]), np.array([0])) == 0.0


@needs_data
def test_the_probe_holds_out_the_intents_it_scores() -> None:
    train, scored = build_sets(ROOT, research=False, complaints=True, seed=42)
    assert set(scored["register_problems_b"].texts).isdisjoint(train.texts)
    assert set(scored["register_questions_b"].texts).isdisjoint(train.texts)
    plain, _ = build_sets(ROOT, research=False, complaints=False, seed=42)
    assert len(train) > len(plain) and "neutral" in plain.labels


@pytest.mark.slow
@needs_data
def test_a_smoke_run_reports_both_models_on_every_set(tmp_path: Path) -> None:
    out = tmp_path / "probe.json"
    argv = ["--datasets", str(ROOT), "--model", str(default_model_path()), "--epochs", "1", "--limit", "24"]
    main([*argv, "--complaints", "--json", str(out)])
    result = json.loads(out.read_text())
    assert result["train_rows"] == 24 and result["complaints"] is True
    for model in ("frozen_logreg", "finetuned"):
        assert set(result[model]) == {
            "goemotions_dev",
            "sst2_dev",
            "tweeteval_val",
            "dynasent_r1_heldout",
            "dynasent_r2_dev",
            "register_problems_b",
            "register_questions_b",
        }
        assert 0.0 <= result[model]["tweeteval_val"]["macro_recall"] <= 1.0
