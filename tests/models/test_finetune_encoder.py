"""The encoder fine-tune recipe end to end on a tiny synthetic task set (a few steps, real base model)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from models.encoder import SentenceTransformerEncoder
from models.training.datasets import LabelledSet
from models.training.finetune_encoder import (
    BASE_MODEL_NAME,
    FinetuneConfig,
    Task,
    _lr_factor,
    finetune,
    write_metadata,
)


def test_learning_rate_warms_up_then_decays_to_zero() -> None:
    factors = [_lr_factor(step, 100, 10) for step in range(100)]
    assert factors[0] == pytest.approx(0.1) and factors[9] == pytest.approx(1.0)
    assert all(a >= b for a, b in itertools.pairwise(factors[9:]))
    assert factors[-1] == pytest.approx(1 / 90)


@pytest.mark.slow
def test_a_few_steps_save_an_adapter_the_encoder_loads(tmp_path: Path) -> None:
    card = LabelledSet(["my card is lost", "card stolen", "lost my card", "where is my card"] * 2, ["card"] * 8)
    refund = LabelledSet(["refund me", "money back please", "I want a refund", "return my money"] * 2, ["refund"] * 8)
    mood = LabelledSet(["great service", "awful wait", "it is fine", "love it"] * 2, ["pos", "neg", "neu", "pos"] * 2)
    tasks = [
        Task("intent", card + refund, card + refund, ("card", "refund"), ("banking77",)),
        Task("sentiment", mood, mood, ("neg", "neu", "pos"), ("goemotions",)),
    ]
    config = FinetuneConfig(steps=4, batch_size=4, lr_lora=5e-3)
    figures = finetune(tasks, config, tmp_path)
    write_metadata(tmp_path, tasks, config, figures)

    assert sum(figures["steps_per_task"].values()) == 4
    assert set(figures["cosine_head_dev_accuracy"]) == {"intent", "sentiment"}
    meta = json.loads((tmp_path / "encoder.json").read_text(encoding="utf-8"))
    assert meta["config"]["steps"] == 4 and meta["tasks"]["intent"]["train_rows"] == 16
    assert "goemotions (Apache-2.0)" in (tmp_path / "MODEL_CARD.md").read_text(encoding="utf-8")
    # Nothing machine-specific is committed: no absolute base-model path, no peft boilerplate README.
    adapter = json.loads((tmp_path / "adapter_config.json").read_text(encoding="utf-8"))
    assert adapter["base_model_name_or_path"] == BASE_MODEL_NAME
    assert not (tmp_path / "README.md").exists()

    tuned = SentenceTransformerEncoder(adapter_path=tmp_path).encode(["refund me"])
    base = SentenceTransformerEncoder(adapter_path=None).encode(["refund me"])
    assert not np.allclose(tuned, base, atol=1e-6)


@pytest.mark.datasets
def test_the_recipe_builds_its_tasks_from_the_shared_datasets() -> None:
    """load_tasks reads every head's data as the head recipes do (it once unpacked a return type that changed)."""
    import os

    from models.training.finetune_encoder import load_tasks
    from models.training.heads.cs_taxonomy import INTENT_BY_NAME

    root = Path(os.environ.get("JOURNEYMINE_DATASETS") or Path(__file__).resolve().parents[3] / "shared" / "datasets")
    if not root.is_dir():
        pytest.skip(f"needs the labelled datasets at {root} (set JOURNEYMINE_DATASETS)")
    tasks = {task.name: task for task in load_tasks(root, seed=42)}
    assert set(tasks) == {"banking77", "clinc150", "customer_service", "sentiment"}
    cs = tasks["customer_service"]
    # The curated taxonomy's intents (and out_of_scope), not the training sets' own labels
    assert set(cs.labels) - {"out_of_scope"} <= set(INTENT_BY_NAME) and "cancel_account" in cs.labels
    assert len(cs.train) > 10_000 and len(cs.dev) > 10_000
