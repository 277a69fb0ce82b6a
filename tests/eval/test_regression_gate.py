"""Regression gate: every shipped model, on a small fixed slice of its dev set, against its own model card.

Each figure is read from the artifact's head.json metadata (what the model card reports), never
hard-coded here, and the eval core measures the same figure through the production path
(``Enricher.enrich``). The gate fails when a figure falls more than ``TOLERANCE`` below the card, or
ECE rises above ``ECE_CEILING``. Needs ../shared/datasets (or $JOURNEYMINE_DATASETS).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from eval.data import LabelledRow
from eval.tasks import EvalConfig, evaluate
from models.registry import ARTIFACTS_DIR
from models.training import datasets as ds

pytestmark = [pytest.mark.slow, pytest.mark.datasets]

# Absolute tolerance below the card figure. A 400-row slice of an accuracy near 0.9 has a sampling
# standard error of about 0.015, so 0.03 is two standard errors: a fixed slice that passes today
# fails only when the model (or the path that serves it) really got worse.
TOLERANCE = 0.03
# ECE on a few hundred rows is noisy and biased upwards (15 sparsely filled bins: the sentiment slice
# reads 0.057 where the full dev set reads 0.016), so the slice is held to the product's calibration bar
# (issue 3: ECE <= 0.08 on dev for every shipped classifier) rather than to the card plus a margin.
ECE_CEILING = 0.08
SLICE_ROWS = 400
SEED = 20261123
REPO = Path(__file__).resolve().parents[2]


def datasets_root() -> Path | None:
    root = Path(os.environ.get("JOURNEYMINE_DATASETS") or REPO.parent / "shared" / "datasets")
    return root if root.is_dir() else None


def sample(data: ds.LabelledSet, n: int = SLICE_ROWS) -> list[LabelledRow]:
    """A seeded sample of ``n`` rows, in index order (fixed for a given data set)."""
    idx = np.sort(np.random.default_rng(SEED).choice(len(data), size=min(n, len(data)), replace=False))
    return [LabelledRow(data.texts[i], data.labels[i]) for i in idx]


def goemotions(root: Path) -> list[LabelledRow]:
    return sample(ds.load_goemotions_3class(root)["dev"])


def across_domains(root: Path) -> list[LabelledRow]:
    """The ECE slice of a head calibrated across domains (sentiment v4, permissive v2): Reddit comments, and
    review sentences of DynaSent rounds 1 and 2, in the proportions 2:1:1. A GoEmotions-only slice would hold such
    a head to one domain's calibration, which it trades for the others' (its card's Calibration table)."""
    corpus = ds.load_sentiment_corpus(root)
    return (
        sample(corpus["dev"], SLICE_ROWS // 2)
        + sample(corpus["dynasent_r1_heldout"], SLICE_ROWS // 4)
        + sample(corpus["dynasent_r2_dev"], SLICE_ROWS // 4)
    )


def banking77(root: Path) -> list[LabelledRow]:
    return sample(ds.load_banking77(root)["dev"])


def clinc150(root: Path) -> list[LabelledRow]:
    # All 100 oos_val rows: the card's out-of-scope recall is measured on exactly these.
    splits = ds.load_clinc150(root)
    return sample(splits["val"]) + sample(splits["oos_val"], 100)


def multidogo(root: Path, labels: set[str]) -> list[LabelledRow]:
    # As in the card: MultiDoGo dev rows of the labels the head kept.
    dev = ds.load_multidogo(root)["dev"]
    return sample(dev.subset(i for i, label in enumerate(dev.labels) if label in labels))


def multidogo_curated(root: Path, labels: set[str]) -> list[LabelledRow]:
    # As in v3's card: MultiDoGo dev rows read through the curated table, the left-out labels' rows removed.
    from models.training.heads import cs_taxonomy

    dev = ds.load_multidogo(root)["dev"]
    table = cs_taxonomy.mapping("multidogo")
    keep = [i for i, label in enumerate(dev.labels) if table.get(label) in labels]
    return sample(ds.LabelledSet([dev.texts[i] for i in keep], [table[dev.labels[i]] for i in keep]))


@dataclass(frozen=True)
class Case:
    model_id: str
    task: str
    taxonomy: str | None
    rows: Callable[[Path, dict[str, Any]], list[LabelledRow]]
    # eval result key -> metadata key path in head.json (what the model card reports)
    figures: dict[str, tuple[str, ...]]
    # Rows the ECE bar is checked on, when not ``rows``.
    ece_rows: Callable[[Path], list[LabelledRow]] | None = None


CASES = [
    *(
        Case(
            model_id,
            "sentiment",
            name,
            lambda root, meta: goemotions(root),
            {"accuracy": ("dev_metrics", "accuracy"), "macro_f1": ("dev_metrics", "macro_f1")},
            across,
        )
        for model_id, name, across in (
            ("sentiment.v4", None, across_domains),
            ("sentiment.permissive.v2", "permissive", across_domains),
            ("sentiment.v3", "sentiment.v3", None),
            ("sentiment.v2", "sentiment.v2", None),
        )
    ),
    Case(
        "intent.banking77.v2",
        "intent",
        "banking77",
        lambda root, meta: banking77(root),
        {
            "argmax_accuracy": ("dev_metrics", "accuracy"),
            "in_scope_accuracy": ("in_scope_accuracy_with_threshold",),
        },
    ),
    Case(
        "intent.clinc150.v2",
        "intent",
        "clinc150",
        lambda root, meta: clinc150(root),
        {"in_scope_accuracy": ("val_in_scope_accuracy",), "oos_recall": ("val_oos_recall",)},
    ),
    Case(
        "intent.customer_service.v3",
        "intent",
        "customer_service",
        lambda root, meta: multidogo_curated(root, set(meta["labels"])),
        {"argmax_accuracy": ("multidogo_dev_accuracy",)},
    ),
    Case(
        "intent.customer_service.v2",
        "intent",
        "intent.customer_service.v2",  # the name alone resolves to the default, v3
        lambda root, meta: multidogo(root, set(meta["labels"])),
        {"argmax_accuracy": ("multidogo_dev_accuracy",)},
    ),
]


def card(model_id: str) -> dict[str, Any]:
    """head.json of a shipped model: labels and the metadata its model card was written from."""
    import json

    from models.registry import SPECS

    spec = next(s for s in SPECS if s.id == model_id)
    return json.loads((ARTIFACTS_DIR / spec.path / "head.json").read_text())


def lookup(meta: dict[str, Any], path: tuple[str, ...]) -> float:
    value: Any = meta
    for key in path:
        value = value[key]
    return float(value)


@pytest.fixture(scope="module")
def real_enricher():
    root = datasets_root()
    if root is None:
        pytest.skip("labelled data sets not found: set JOURNEYMINE_DATASETS or put them in ../shared/datasets")
    import torch

    from pipelines.factory import build_enricher

    torch.set_num_threads(min(2, torch.get_num_threads()))
    return build_enricher()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.model_id)
def test_shipped_model_holds_its_card_figures(case: Case, real_enricher):
    root = datasets_root()
    assert root is not None
    head = card(case.model_id)
    meta = head["metadata"]
    rows = case.rows(root, head)
    result = evaluate(rows, EvalConfig(case.task, model=case.taxonomy), enricher=real_enricher)
    assert result["model"] == case.model_id
    failures = []
    report = []
    for key, path in case.figures.items():
        expected, got = lookup(meta, path), result[key]
        report.append(f"{key} {got:.4f} (card {'.'.join(path)} {expected:.4f})")
        if got < expected - TOLERANCE:
            failures.append(f"{key} {got:.4f} is more than {TOLERANCE} below the card's {expected:.4f}")
    card_ece = lookup(meta, ("dev_metrics", "ece"))
    ece, where = result["ece"], ""
    if case.ece_rows is not None:
        ece_rows = case.ece_rows(root)
        ece = evaluate(ece_rows, EvalConfig(case.task, model=case.taxonomy), enricher=real_enricher)["ece"]
        where = f" on {len(ece_rows)} rows across domains"
    report.append(f"ece{where} {ece:.4f} (card {card_ece:.4f})")
    if ece > ECE_CEILING:
        failures.append(f"ece{where} {ece:.4f} is above the calibration bar {ECE_CEILING} (card {card_ece:.4f})")
    print(f"{case.model_id} on {len(rows)} rows: " + "; ".join(report))
    assert not failures, f"{case.model_id} regressed on {len(rows)} fixed dev rows: " + "; ".join(failures)


def test_aspect_model_holds_its_card_figures(real_enricher):
    """aspect.v1 on all of MAMS ATSA val (1,332 aspects) against the figures recorded in its aspect.json."""
    import json

    from eval.export_datasets import mams_atsa_rows

    root = datasets_root()
    assert root is not None
    if not (root / "mams_absa").is_dir():
        pytest.skip(f"MAMS not found under {root}")
    dev = json.loads((ARTIFACTS_DIR / "aspect" / "v1" / "aspect.json").read_text())["metadata"]["dev"]
    rows = [
        LabelledRow(r["text"], r["label"], {k: str(r[k]) for k in ("aspect", "start", "end")})
        for r in mams_atsa_rows(root, "val")
    ]
    result = evaluate(rows, EvalConfig("aspect"), enricher=real_enricher)
    assert result["model"] == "aspect.v1" and result["n"] == dev["n"] == 1332
    for key in ("accuracy", "macro_f1"):
        assert result[key] >= dev[key] - TOLERANCE, f"{key} {result[key]:.4f} vs card {dev[key]:.4f}"
    # The bar (on the held-back test split) is 0.75 accuracy; dev must clear it too.
    assert result["accuracy"] >= 0.75
