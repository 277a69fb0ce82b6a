"""Training-data assembly shared by the head recipes: per-label caps, label filters, customer-service splits."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.training import datasets as ds
from models.training.datasets import LabelledSet
from models.training.heads import cs_taxonomy

CS_CAP_PER_LABEL = 600
# A curated intent with fewer train rows than this cannot be learnt; dropped (none is, with today's table).
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


@dataclass(frozen=True)
class CustomerServiceData:
    """The curated taxonomy's splits: train (capped), bitext dev, MultiDoGo dev, and what was left out."""

    train: LabelledSet
    train_sources: tuple[str, ...]  # each train row's source label (the card's label table counts them)
    bitext_dev: LabelledSet
    multidogo_dev: LabelledSet
    multidogo_dev_all: LabelledSet  # every single-intent MultiDoGo dev row, source labels
    dropped: tuple[str, ...]  # source labels left out (``DROP`` in the table, or a curated intent too rare)
    # cs_taxonomy.SEED_ROWS: train only, kept apart so the data sets' cached embeddings are reused as they are.
    seed_rows: LabelledSet

    @property
    def dev(self) -> LabelledSet:
        """bitext dev + MultiDoGo dev: C, temperature and the threshold are picked on these rows."""
        return self.bitext_dev + self.multidogo_dev


def _relabel(data: LabelledSet, table: dict[str, str]) -> tuple[LabelledSet, list[str]]:
    """Rows whose source label the table keeps, relabelled to the curated intent; and their source labels."""
    keep = [i for i, label in enumerate(data.labels) if table[label] != cs_taxonomy.DROP]
    sources = [data.labels[i] for i in keep]
    return LabelledSet([data.texts[i] for i in keep], [table[label] for label in sources]), sources


def load_customer_service(root: Path, seed: int) -> CustomerServiceData:
    """bitext + MultiDoGo mapped onto the curated taxonomy (``cs_taxonomy.SOURCE_LABELS``).

    Train rows are capped per *source* label before mapping, so a merged intent keeps every source's
    phrasing (``cancel_account`` keeps all 70 ``closeaccount`` rows beside 600 of ``delete_account``).
    """
    bitext = ds.load_bitext(root, seed=seed)
    mdg = ds.load_multidogo(root)
    for name, splits in (("bitext", bitext), ("multidogo", mdg)):
        missing = cs_taxonomy.unmapped(name, {label for split in splits.values() for label in split.labels})
        if missing:
            raise ValueError(
                f"{name} labels {missing} are not in the customer-service table; map each to a curated intent "
                f"or to {cs_taxonomy.DROP!r} in models/training/heads/cs_taxonomy.py SOURCE_LABELS"
            )
    b_map, m_map = cs_taxonomy.mapping("bitext"), cs_taxonomy.mapping("multidogo")
    b_train, b_src = _relabel(cap_per_label(bitext["train"], CS_CAP_PER_LABEL, seed), b_map)
    m_train, m_src = _relabel(cap_per_label(mdg["train"], CS_CAP_PER_LABEL, seed), m_map)
    train, sources = b_train + m_train, b_src + m_src
    counts = Counter(train.labels)
    rare = {label for label, n in counts.items() if n < CS_MIN_LABEL_ROWS}
    keep = [i for i, label in enumerate(train.labels) if label not in rare]
    dropped = {s.label for s in cs_taxonomy.SOURCE_LABELS if s.target == cs_taxonomy.DROP or s.target in rare}
    bitext_dev, _ = _relabel(bitext["dev"], b_map)
    mdg_dev, _ = _relabel(mdg["dev"], m_map)
    return CustomerServiceData(
        train=train.subset(keep),
        train_sources=tuple(sources[i] for i in keep),
        bitext_dev=only_labels(bitext_dev, set(counts) - rare),
        multidogo_dev=only_labels(mdg_dev, set(counts) - rare),
        multidogo_dev_all=mdg["dev"],
        dropped=tuple(sorted(dropped)),
        seed_rows=LabelledSet(
            [text for texts in cs_taxonomy.SEED_ROWS.values() for text in texts],
            [label for label, texts in cs_taxonomy.SEED_ROWS.items() for _ in texts],
        ),
    )
