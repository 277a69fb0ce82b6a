"""Training-data assembly shared by the head recipes: per-label caps, label filters, customer-service splits."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from models.training import datasets as ds
from models.training.datasets import LabelledSet

CS_CAP_PER_LABEL = 600
# MultiDoGo labels rarer than this in train (e.g. getchannelpackageintent, 3 rows) cannot be learnt; dropped.
CS_MIN_LABEL_ROWS = 20


def cap_per_label(data: LabelledSet, cap: int, seed: int) -> LabelledSet:
    """At most ``cap`` rows per label, drawn without replacement with ``seed``; original order kept."""
    rng = np.random.default_rng(seed)
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(data.labels):
        by_label.setdefault(label, []).append(i)
    keep: list[int] = []
    for label in sorted(by_label):
        rows = by_label[label]
        keep.extend(rows if len(rows) <= cap else rng.choice(rows, size=cap, replace=False).tolist())
    return data.subset(sorted(keep))


def only_labels(data: LabelledSet, allowed: set[str]) -> LabelledSet:
    """Rows whose label is in ``allowed``."""
    return data.subset(i for i, label in enumerate(data.labels) if label in allowed)


def load_customer_service(
    root: Path, seed: int
) -> tuple[LabelledSet, LabelledSet, LabelledSet, LabelledSet, list[str]]:
    """Capped bitext + MultiDoGo train, bitext dev and MultiDoGo dev; also the MultiDoGo labels dropped as too rare."""
    bitext = ds.load_bitext(root, seed=seed)
    mdg = ds.load_multidogo(root)
    counts = Counter(mdg["train"].labels)
    dropped = sorted(label for label, n in counts.items() if n < CS_MIN_LABEL_ROWS)
    kept = {label for label, n in counts.items() if n >= CS_MIN_LABEL_ROWS}
    overlap = kept & set(bitext["train"].labels)
    if overlap:
        raise ValueError(f"bitext and MultiDoGo share label names {sorted(overlap)}; rename one side first")
    train = cap_per_label(bitext["train"] + only_labels(mdg["train"], kept), CS_CAP_PER_LABEL, seed)
    return train, bitext["dev"], only_labels(mdg["dev"], kept), mdg["dev"], dropped
