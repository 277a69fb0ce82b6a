"""The shared encoder: the committed LoRA adapter is found, small, and really applied."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from models.encoder import ADAPTER_DIR, ENCODER_NAME, ENCODER_VERSION, SentenceTransformerEncoder
from models.errors import ModelNotLoadedError
from models.training.embeddings import ENCODER_ID

TEXTS = ["my card was charged twice", "hi there", "the refund never arrived and I am furious"]


def test_the_adapter_is_committed_small_and_names_its_training() -> None:
    assert ADAPTER_DIR is not None and ADAPTER_DIR.name == ENCODER_VERSION
    files = {p.name for p in ADAPTER_DIR.iterdir()}
    assert {"adapter_config.json", "adapter_model.safetensors", "encoder.json", "MODEL_CARD.md"} <= files
    assert sum(p.stat().st_size for p in ADAPTER_DIR.iterdir()) < 5_000_000
    meta = json.loads((ADAPTER_DIR / "encoder.json").read_text(encoding="utf-8"))
    assert set(meta["tasks"]) == {"banking77", "clinc150", "customer_service", "sentiment"}
    assert f"{ENCODER_NAME}.{ENCODER_VERSION}" == ENCODER_ID
    adapter = json.loads((ADAPTER_DIR / "adapter_config.json").read_text(encoding="utf-8"))
    assert not Path(adapter["base_model_name_or_path"]).is_absolute()


@pytest.mark.slow
def test_a_missing_adapter_is_a_clear_load_error(tmp_path: Path) -> None:
    with pytest.raises(ModelNotLoadedError, match=r"adapter_config\.json.*finetune_encoder"):
        SentenceTransformerEncoder(adapter_path=tmp_path)


@pytest.mark.slow
def test_the_adapter_changes_the_embeddings_but_keeps_them_unit_length() -> None:
    tuned = SentenceTransformerEncoder().encode(TEXTS)
    base = SentenceTransformerEncoder(adapter_path=None).encode(TEXTS)
    assert tuned.shape == base.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(tuned, axis=1), 1.0, atol=1e-5)
    cosines = (tuned * base).sum(axis=1)
    # Merged, not ignored (cosine 1.0) and not garbage (the tuned space stays close to the base one).
    assert np.all(cosines < 0.999)
    assert np.all(cosines > 0.3)
