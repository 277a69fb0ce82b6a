"""sentiment v3's weighted fit: sources share their weight, and binary rows never teach "never neutral"."""

from __future__ import annotations

import numpy as np

from models.training.datasets import SENTIMENT_LABELS, LabelledSet
from models.training.heads.sentiment import weighted_fit

NEUTRAL = SENTIMENT_LABELS.index("neutral")


def cluster(rng: np.random.Generator, centre: np.ndarray, n: int) -> np.ndarray:
    x = centre + 0.3 * rng.normal(size=(n, centre.size))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def test_a_large_binary_source_does_not_crowd_out_neutral() -> None:
    rng = np.random.default_rng(0)
    centres = {label: np.eye(8)[i] for i, label in enumerate(SENTIMENT_LABELS)}
    three = [(label, cluster(rng, centres[label], 40)) for label in SENTIMENT_LABELS]
    # Twenty times as many binary rows, and half of them lie on the neutral cluster, as SST-2's sub-phrases do.
    binary = [
        ("negative", cluster(rng, centres["negative"], 800)),
        ("positive", cluster(rng, centres["positive"], 800)),
        ("negative", cluster(rng, centres["neutral"], 800)),
        ("positive", cluster(rng, centres["neutral"], 800)),
    ]

    def source(name: str, parts: list[tuple[str, np.ndarray]], weight: float, is_binary: bool):
        labels = [label for label, x in parts for _ in range(len(x))]
        return (name, LabelledSet([""] * len(labels), labels), weight, is_binary), np.vstack([x for _, x in parts])

    (three_src, x3), (bin_src, xb) = source("three", three, 3.0, False), source("binary", binary, 3.0, True)
    dev_x = np.vstack([cluster(rng, centres[label], 20) for label in SENTIMENT_LABELS])
    dev_y = [label for label in SENTIMENT_LABELS for _ in range(20)]
    fit = weighted_fit([three_src, bin_src], np.vstack([x3, xb]), dev_x, dev_y, seed=0, epochs=60, lr=0.02)
    assert fit.after["accuracy"] >= 0.95
    assert (fit.proba(cluster(rng, centres["neutral"], 50)).argmax(axis=1) == NEUTRAL).all()
    assert fit.weight.shape == (3, 8) and fit.temperature > 0
