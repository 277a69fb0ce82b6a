"""Model-card pieces shared by the head recipes: the trained-head bundle, card tables, sections, metadata."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from models.heads import LinearHead
from models.training import cards
from models.training.embeddings import ENCODER_ID
from models.training.heads.fit import MAX_ITER, CalibratedFit


@dataclass
class TrainedHead:
    """A head ready to save and the card sections describing how it was made."""

    head: LinearHead
    title: str
    sections: list[tuple[str, str]] = field(default_factory=list)


def _dev_table(fit: CalibratedFit) -> str:
    rows = [
        [
            "before calibration (T=1)",
            fit.before["accuracy"],
            fit.before["macro_f1"],
            fit.before["ece"],
            fit.before["nll"],
        ],
        [
            f"after calibration (T={fit.temperature:.3f})",
            fit.after["accuracy"],
            fit.after["macro_f1"],
            fit.after["ece"],
            fit.after["nll"],
        ],
    ]
    return cards.table(["dev", "accuracy", "macro-F1", "ECE (15 bins)", "NLL"], rows)


def hyper_table(fit: CalibratedFit, seed: int, extra: Sequence[Sequence[object]] = ()) -> str:
    """The hyper-parameter table of ``fit``: encoder, classifier, C grid, temperature, seed, then ``extra`` rows."""
    grid = ", ".join(f"C={c:g}: {acc:.4f}" for c, acc in fit.c_grid)
    rows: list[list[object]] = [
        ["encoder", f"`{ENCODER_ID}` (fixed while the head trains; L2-normalised 384-d)"],
        ["classifier", "sklearn LogisticRegression, multinomial, lbfgs, L2"],
        ["C (picked by dev accuracy)", f"{fit.c:g} (grid {grid})"],
        ["max_iter / converged", f"{MAX_ITER} / {fit.converged}"],
        ["temperature (dev NLL)", fit.temperature],
        ["seed", seed],
        *[list(row) for row in extra],
    ]
    return cards.table(["setting", "value"], rows)


def data_table(rows: Sequence[Sequence[object]]) -> str:
    """The card's data table: one row per dataset split the head saw."""
    return cards.table(["dataset", "split", "license", "rows", "used for"], rows)


def common_sections(command: str, data: str, fit: CalibratedFit, hyper: str) -> list[tuple[str, str]]:
    """The sections every head card starts with: command, data, hyper-parameters, dev figures."""
    return [
        ("Command", f"```\n{command}\n```\n\nTrained {cards.today()} (UTC). Deterministic for a fixed seed."),
        ("Data", data),
        ("Hyper-parameters", hyper),
        ("Dev figures", _dev_table(fit)),
    ]


def head_metadata(fit: CalibratedFit, seed: int, trained_on: Sequence[str], **extra: Any) -> dict[str, Any]:
    """The head metadata every recipe records (encoder, training sets, seed, C, dev metrics) plus ``extra``."""
    return {
        "encoder": ENCODER_ID,
        "trained_on": list(trained_on),
        "seed": seed,
        "C": fit.c,
        "dev_metrics": {k: round(v, 6) for k, v in fit.after.items()},
        **extra,
    }


def counts_line(labels: Sequence[str]) -> str:
    """``label n`` per label, sorted by label, comma-separated."""
    counts = Counter(labels)
    return ", ".join(f"{label} {n}" for label, n in sorted(counts.items()))
