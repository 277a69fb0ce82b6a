"""Recipe of the shipped CLINC150 intent head: two out-of-scope variants, the recall-bound cutoff, card."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from models.training import cards
from models.training import datasets as ds
from models.training.datasets import OUT_OF_SCOPE
from models.training.embeddings import CachedEmbedder
from models.training.heads.cards import TrainedHead, common_sections, data_table, head_metadata, hyper_table
from models.training.heads.fit import HEAD_VERSION, CalibratedFit, fit_calibrated
from models.training.heads.thresholds import CLINC_MIN_OOS_RECALL
from models.training.metrics import label_indices, oos_threshold_sweep


def train_clinc150(root: Path, embedder: CachedEmbedder, seed: int, command: str) -> TrainedHead:
    """CLINC150 intents, with and without oos_train as a class; cutoff: best in-scope accuracy at OOS recall >= 0.80."""
    splits = ds.load_clinc150(root)
    train, val, oos_train, oos_val = (splits[k] for k in ("train", "val", "oos_train", "oos_val"))
    x_tr = embedder.embed(train.texts, desc="clinc150 train")
    x_val = embedder.embed(val.texts, desc="clinc150 val")
    x_oos_tr = embedder.embed(oos_train.texts, desc="clinc150 oos_train")
    x_oos_val = embedder.embed(oos_val.texts, desc="clinc150 oos_val")
    dev = val + oos_val
    x_dev = np.vstack([x_val, x_oos_val])

    variants: dict[str, tuple[CalibratedFit, float, dict[str, float]]] = {}
    in_scope_labels = tuple(train.label_set)
    print(" variant: in-scope classes only")
    fit_a = fit_calibrated(in_scope_labels, x_tr, train.labels, x_val, val.labels, seed=seed)
    # The sweep scores abstention as index len(labels): a label the in-scope-only head cannot predict.
    y_dev_a = np.array([in_scope_labels.index(lb) if lb != OUT_OF_SCOPE else len(in_scope_labels) for lb in dev.labels])
    t_a, s_a = oos_threshold_sweep(
        fit_a.proba(x_dev), y_dev_a, len(in_scope_labels), min_oos_recall=CLINC_MIN_OOS_RECALL
    )
    variants["in-scope classes only"] = (fit_a, t_a, s_a)

    print(" variant: + oos_train as class out_of_scope (C from the first variant)")
    labels_b = tuple(sorted((*in_scope_labels, OUT_OF_SCOPE)))
    train_b = train + oos_train
    fit_b = fit_calibrated(
        labels_b, np.vstack([x_tr, x_oos_tr]), train_b.labels, x_dev, dev.labels, seed=seed, c_grid=(fit_a.c,)
    )
    t_b, s_b = oos_threshold_sweep(
        fit_b.proba(x_dev),
        label_indices(dev.labels, labels_b),
        labels_b.index(OUT_OF_SCOPE),
        min_oos_recall=CLINC_MIN_OOS_RECALL,
    )
    variants["+ oos_train as class `out_of_scope`"] = (fit_b, t_b, s_b)

    chosen = max(
        variants,
        key=lambda k: (variants[k][2]["oos_recall"] >= CLINC_MIN_OOS_RECALL, variants[k][2]["in_scope_accuracy"]),
    )
    fit, threshold, scores = variants[chosen]
    with_oos_class = OUT_OF_SCOPE in fit.labels
    head = fit.to_head(
        "intent.clinc150",
        threshold=threshold,
        metadata=head_metadata(
            fit,
            seed,
            ["clinc150 train"] + (["clinc150 oos_train"] if with_oos_class else []),
            out_of_scope_label=OUT_OF_SCOPE,
            threshold_rule=(
                f"maximises in-scope accuracy on val + oos_val with out-of-scope recall >= {CLINC_MIN_OOS_RECALL:.2f}"
            ),
            val_in_scope_accuracy=round(scores["in_scope_accuracy"], 6),
            val_oos_recall=round(scores["oos_recall"], 6),
        ),
    )
    data = data_table(
        [
            ["clinc150 (data_full)", "train", ds.LICENSES["clinc150"], len(train), "training"],
            [
                "clinc150 (data_full)",
                "oos_train",
                ds.LICENSES["clinc150"],
                len(oos_train),
                "training" if with_oos_class else "not used (see variants)",
            ],
            [
                "clinc150 (data_full)",
                "val",
                ds.LICENSES["clinc150"],
                len(val),
                "C, temperature, threshold, dev figures",
            ],
            [
                "clinc150 (data_full)",
                "oos_val",
                ds.LICENSES["clinc150"],
                len(oos_val),
                "temperature, threshold" if with_oos_class else "threshold",
            ],
        ]
    )
    data += f"\n\nCLINC's `oos` label is renamed `{OUT_OF_SCOPE}`. {len(fit.labels)} labels in the head."
    variant_rows = [
        [
            name,
            f"{v[0].c:g}",
            f"{v[0].temperature:.3f}",
            f"{v[1]:.2f}",
            v[2]["in_scope_accuracy"],
            v[2]["oos_recall"],
            "yes" if name == chosen else "",
        ]
        for name, v in variants.items()
    ]
    hyper = hyper_table(
        fit, seed, [["variant", chosen], ["threshold (top calibrated probability)", f"{threshold:.2f}"]]
    )
    sections = common_sections(command, data, fit, hyper)
    dev_note = "\n\nClosed-set figures above are on val" + (
        " + oos_val (out_of_scope is a class)." if with_oos_class else " (in-scope rows only)."
    )
    sections[-1] = (sections[-1][0], sections[-1][1] + dev_note)
    sections.append(
        (
            "Out-of-scope detection (val + oos_val)",
            cards.table(
                ["variant", "C", "T", "threshold", "in-scope accuracy", "OOS recall", "shipped"],
                variant_rows,
            )
            + "\n\nThe threshold sweeps 0.00-0.99 in steps of 0.01 on val + oos_val and keeps the cutoff with the best "
            f"in-scope accuracy among those with out-of-scope recall >= {CLINC_MIN_OOS_RECALL:.2f}; a prediction whose "
            "top calibrated probability is below it (or whose argmax is out_of_scope) counts as out_of_scope. "
            "Temperature, C and threshold are all tuned on val, so these figures are optimistic.",
        )
    )
    return TrainedHead(
        head, f"intent.clinc150 {HEAD_VERSION} — CLINC150 intent head with out-of-scope detection", sections
    )
