"""The int8 smoothing statistics come from training texts only, and the bundled ones match the adapter.

The text selection needs ../shared/datasets (or $JOURNEYMINE_DATASETS); skipped without it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from models.training.calibrate_smoothing import BANKING77_TEXTS, FIDELITY_TEXTS, GOEMOTIONS_TEXTS, calibration_texts

ROOT = Path(os.environ.get("JOURNEYMINE_DATASETS") or Path(__file__).resolve().parents[3] / "shared" / "datasets")


@pytest.mark.datasets
def test_calibration_and_fidelity_texts_are_train_texts_and_apart():
    if not ROOT.is_dir():
        pytest.skip(f"needs the labelled datasets at {ROOT} (set JOURNEYMINE_DATASETS)")
    from models.training import datasets as ds

    calibration, held_out = calibration_texts(ROOT)
    assert len(calibration) == GOEMOTIONS_TEXTS + BANKING77_TEXTS and len(held_out) == FIDELITY_TEXTS
    assert not set(calibration) & set(held_out)
    banking, goemotions = ds.load_banking77(ROOT), ds.load_goemotions_3class(ROOT)
    train = set(banking["train"].texts) | set(goemotions["train"].texts)
    assert set(calibration) | set(held_out) <= train  # GoEmotions repeats 35 short train texts in dev
    assert not (set(calibration) | set(held_out)) & set(banking["dev"].texts)  # Banking77's dev slice stays out
    assert calibration_texts(ROOT) == (calibration, held_out)  # the same texts every run


def test_the_bundled_statistics_record_how_they_were_made():
    from models.onnx_encoder import SMOOTHING_DIR, _adapter_digest
    from models.smoothquant import SmoothingStats

    stats = SmoothingStats.load(SMOOTHING_DIR)
    assert stats is not None and len(stats.maxima) == stats.metadata["tensors"] == 24
    assert stats.metadata["adapter_digest"] == _adapter_digest(SMOOTHING_DIR)  # rerun calibrate-int8 if not
    assert all(m.shape in {(384,), (1536,)} and (m > 0).all() for m in stats.maxima.values())
    plain, smoothed = (stats.metadata["fidelity_cosine_mean_p1"][k][0] for k in ("int8_plain", "int8_smoothed"))
    assert smoothed > plain
