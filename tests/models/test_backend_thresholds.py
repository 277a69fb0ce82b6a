"""Per-backend intent thresholds: each head's own rule, rerun on a backend's embeddings of its dev rows.

Needs ../shared/datasets (or $JOURNEYMINE_DATASETS); skipped without it.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from models.encoder import EncoderConfig
from models.heads import LinearHead
from models.registry import ARTIFACTS_DIR
from models.training.backend_thresholds import RULES, figures, threshold_by_rule

pytestmark = [pytest.mark.slow, pytest.mark.datasets]

ROOT = Path(os.environ.get("JOURNEYMINE_DATASETS") or Path(__file__).resolve().parents[3] / "shared" / "datasets")


@pytest.fixture(scope="module")
def fp32_encoder():
    if not ROOT.is_dir():
        pytest.skip(f"needs the labelled datasets at {ROOT} (set JOURNEYMINE_DATASETS)")
    from models.encoder import build_encoder

    return build_encoder(EncoderConfig(backend="onnx"))


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.taxonomy)
def test_the_rule_on_torch_equal_embeddings_gives_the_shipped_threshold(rule, fp32_encoder) -> None:
    """ONNX fp32 reproduces torch's embeddings, so the rule must land on the threshold training chose."""
    head = LinearHead.load(ARTIFACTS_DIR / "intent" / rule.taxonomy / rule.version)
    dev = rule.dev(ROOT, int(head.metadata.get("seed", 42)))
    texts = list(dev.texts)
    x = np.vstack([fp32_encoder.encode(texts[i : i + 256]) for i in range(0, len(texts), 256)])
    proba = head.predict_proba(x)
    assert head.threshold is not None
    assert threshold_by_rule(rule, head, proba, dev.labels) == pytest.approx(head.threshold, abs=1e-3)
    # and the int8 threshold in the metadata was computed with the figures the card shows
    int8 = head.metadata["backend_threshold_figures"]["onnx-int8"]
    assert int8["dev_rows"] == len(texts)
    assert set(int8["at_backend_threshold"]) == set(figures(head, proba, dev.labels, head.threshold))
