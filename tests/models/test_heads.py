"""LinearHead: storage round trip, probabilities, restrict, and load errors that name the bad file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from models.errors import ModelNotLoadedError
from models.heads import META_FILE, WEIGHTS_FILE, LinearHead, restrict


def make_head(n_labels: int = 4, dim: int = 8, seed: int = 0, **kwargs: object) -> LinearHead:
    rng = np.random.default_rng(seed)
    defaults: dict[str, object] = {
        "name": "intent.tiny",
        "version": "v1",
        "labels": tuple(f"label_{i}" for i in range(n_labels)),
        "weight": rng.normal(size=(n_labels, dim)),
        "bias": rng.normal(size=n_labels),
        "temperature": 1.7,
        "threshold": 0.35,
        "metadata": {"seed": 42, "trained_on": ["synthetic"], "dev_metrics": {"accuracy": 0.5}},
    }
    defaults.update(kwargs)
    return LinearHead(**defaults)  # type: ignore[arg-type]


def unit_rows(n: int, dim: int = 8, seed: int = 1) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_save_load_round_trip_is_exact(tmp_path: Path) -> None:
    head = make_head()
    head.save(tmp_path)
    loaded = LinearHead.load(tmp_path)
    assert (loaded.name, loaded.version, loaded.labels) == (head.name, head.version, head.labels)
    assert loaded.temperature == head.temperature
    assert loaded.threshold == head.threshold
    assert loaded.metadata == head.metadata
    np.testing.assert_array_equal(loaded.weight, head.weight)
    np.testing.assert_array_equal(loaded.bias, head.bias)
    x = unit_rows(5)
    np.testing.assert_array_equal(loaded.predict_proba(x), head.predict_proba(x))


def test_round_trip_keeps_a_missing_threshold(tmp_path: Path) -> None:
    make_head(threshold=None).save(tmp_path)
    assert LinearHead.load(tmp_path).threshold is None


def test_probabilities_sum_to_one_and_batch_equals_single() -> None:
    head = make_head()
    x = unit_rows(6)
    batch = head.predict_proba(x)
    assert batch.shape == (6, 4)
    np.testing.assert_allclose(batch.sum(axis=1), 1.0, rtol=1e-6)
    singles = np.vstack([head.predict_proba(x[i : i + 1]) for i in range(6)])
    np.testing.assert_allclose(singles, batch, rtol=1e-6, atol=1e-7)


def test_temperature_flattens_without_changing_the_argmax() -> None:
    x = unit_rows(10)
    sharp = make_head(temperature=0.5).predict_proba(x)
    flat = make_head(temperature=5.0).predict_proba(x)
    np.testing.assert_array_equal(sharp.argmax(axis=1), flat.argmax(axis=1))
    assert (flat.max(axis=1) < sharp.max(axis=1)).all()


def test_wrong_embedding_width_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"expects \(n, 8\) embeddings"):
        make_head().predict_proba(np.zeros((2, 5), dtype=np.float32))


def test_shape_mismatch_and_bad_temperature_raise() -> None:
    with pytest.raises(ModelNotLoadedError, match="do not match 3 labels"):
        make_head(labels=("a", "b", "c"))
    with pytest.raises(ModelNotLoadedError, match="temperature must be > 0"):
        make_head(temperature=0.0)


def test_restrict_renormalises_over_the_kept_labels_in_their_order() -> None:
    proba = np.array([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]])
    out = restrict(proba, ("negative", "neutral", "positive"), ("positive", "negative"))
    np.testing.assert_allclose(out, [[0.6, 0.4], [1 / 3, 2 / 3]])
    np.testing.assert_allclose(out.sum(axis=1), 1.0)


def test_restrict_survives_all_zero_rows() -> None:
    out = restrict(np.array([[0.0, 1.0, 0.0]]), ("a", "b", "c"), ("a", "c"))
    assert np.isfinite(out).all()


@pytest.mark.parametrize("missing", [WEIGHTS_FILE, META_FILE])
def test_missing_file_raises_naming_it(tmp_path: Path, missing: str) -> None:
    make_head().save(tmp_path)
    (tmp_path / missing).unlink()
    with pytest.raises(ModelNotLoadedError, match=f"missing: .*{missing}"):
        LinearHead.load(tmp_path)


@pytest.mark.parametrize("corrupt", [WEIGHTS_FILE, META_FILE])
def test_corrupt_file_raises_naming_it(tmp_path: Path, corrupt: str) -> None:
    make_head().save(tmp_path)
    (tmp_path / corrupt).write_bytes(b"\x00not what it should be")
    with pytest.raises(ModelNotLoadedError, match=f"unreadable: .*{corrupt}"):
        LinearHead.load(tmp_path)


def test_json_without_required_keys_raises_naming_it(tmp_path: Path) -> None:
    make_head().save(tmp_path)
    (tmp_path / META_FILE).write_text('{"name": "x"}')
    with pytest.raises(ModelNotLoadedError, match=f"unreadable: .*{META_FILE}"):
        LinearHead.load(tmp_path)
