"""Recipe of the shipped customer-service intent head (bitext + MultiDoGo): fit, threshold, group figures, card."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from models.training import cards
from models.training import datasets as ds
from models.training.datasets import OUT_OF_SCOPE, LabelledSet
from models.training.embeddings import CachedEmbedder
from models.training.heads.cards import (
    TrainedHead,
    common_sections,
    counts_line,
    data_table,
    head_metadata,
    hyper_table,
)
from models.training.heads.data import CS_CAP_PER_LABEL, CS_MIN_LABEL_ROWS, load_customer_service
from models.training.heads.fit import HEAD_VERSION, fit_calibrated
from models.training.heads.thresholds import MAX_ABSTAIN_RATE, abstention_figures
from models.training.metrics import label_indices, predict_with_threshold, threshold_for_abstention


def train_customer_service(root: Path, embedder: CachedEmbedder, seed: int, command: str) -> TrainedHead:
    """Generic customer-service intents: bitext + MultiDoGo turn-level (dialogue acts and contentonly kept)."""
    train, bitext_dev, mdg_dev, mdg_dev_all, dropped = load_customer_service(root, seed)
    labels = tuple(train.label_set)
    dev = bitext_dev + mdg_dev
    x_tr = embedder.embed(train.texts, desc="customer_service train")
    x_bdev = embedder.embed(bitext_dev.texts, desc="bitext dev")
    x_mdev = embedder.embed(mdg_dev.texts, desc="multidogo dev")
    x_dev = np.vstack([x_bdev, x_mdev])
    fit = fit_calibrated(labels, x_tr, train.labels, x_dev, dev.labels, seed=seed)

    in_scope = np.array([label != OUT_OF_SCOPE for label in dev.labels])
    threshold = threshold_for_abstention(fit.proba(x_dev[in_scope]).max(axis=1), MAX_ABSTAIN_RATE)
    abst = abstention_figures(fit, x_dev, dev, threshold)
    oos = labels.index(OUT_OF_SCOPE)

    def group_rows(name: str, x: np.ndarray, data: LabelledSet, keep: Callable[[str], bool]) -> list[object]:
        mask = np.array([keep(label) for label in data.labels])
        proba = fit.proba(x[mask])
        y = label_indices([lb for lb, m in zip(data.labels, mask, strict=True) if m], labels)
        closed = float((proba.argmax(axis=1) == y).mean())
        open_ = float((predict_with_threshold(proba, threshold, oos) == y).mean())
        return [name, int(mask.sum()), closed, open_]

    acts = set(ds.MULTIDOGO_DIALOGUE_ACTS)
    group_table = cards.table(
        ["dev rows", "n", "accuracy (argmax)", "accuracy with threshold"],
        [
            group_rows("multidogo dev, all kept labels", x_mdev, mdg_dev, lambda lb: True),
            group_rows(
                "multidogo dev, task intents", x_mdev, mdg_dev, lambda lb: lb not in acts and lb != OUT_OF_SCOPE
            ),
            group_rows(
                "multidogo dev, dialogue acts (excl. contentonly)",
                x_mdev,
                mdg_dev,
                lambda lb: lb in acts and lb != "contentonly",
            ),
            group_rows("multidogo dev, contentonly", x_mdev, mdg_dev, lambda lb: lb == "contentonly"),
            group_rows(
                "multidogo dev, out_of_scope (outofdomain): recall", x_mdev, mdg_dev, lambda lb: lb == OUT_OF_SCOPE
            ),
            group_rows("bitext dev (held-out 10%)", x_bdev, bitext_dev, lambda lb: True),
        ],
    )
    mdg_acc = float((fit.proba(x_mdev).argmax(axis=1) == label_indices(mdg_dev.labels, labels)).mean())
    head = fit.to_head(
        "intent.customer_service",
        threshold=threshold,
        metadata=head_metadata(
            fit,
            seed,
            ["bitext_cs_intent (both releases, 90%)", "multidogo turn-level train (6 domains)"],
            out_of_scope_label=OUT_OF_SCOPE,
            threshold_rule=f"at most {MAX_ABSTAIN_RATE:.0%} of in-scope dev rows below it",
            multidogo_dev_accuracy=round(mdg_acc, 6),
            # Conversation moves, not reasons for contact: a document's intent skips parts that are only these.
            dialogue_acts=sorted(label for label in labels if label in acts),
            **{k: round(v, 6) for k, v in abst.items()},
        ),
    )
    bitext_labels = set(bitext_dev.labels)
    n_bitext = sum(1 for lb in train.labels if lb in bitext_labels)
    data = data_table(
        [
            [
                "bitext_cs_intent (8k 2022 + 20k 2020, deduplicated)",
                "90% stratified, capped",
                ds.LICENSES["bitext_cs_intent"],
                n_bitext,
                "training",
            ],
            [
                "multidogo turn level, 6 domains",
                "train, capped",
                ds.LICENSES["multidogo"],
                len(train) - n_bitext,
                "training",
            ],
            [
                "bitext_cs_intent",
                "10% stratified hold-out (seed)",
                ds.LICENSES["bitext_cs_intent"],
                len(bitext_dev),
                "C, temperature, threshold, dev figures",
            ],
            [
                "multidogo turn level, 6 domains",
                "dev",
                ds.LICENSES["multidogo"],
                f"{len(mdg_dev)} of {len(mdg_dev_all)}",
                "C, temperature, threshold, dev figures",
            ],
        ]
    )
    data += (
        f"\n\nRows per label capped at {CS_CAP_PER_LABEL} (drawn with the seed) to bound encoding time; "
        f"{len(labels)} labels. Multi-intent MultiDoGo rows (`<div>`) are dropped, `outofdomain` becomes "
        f"`{OUT_OF_SCOPE}` (a trained class), bitext's `check_invoices` is merged into `check_invoice`. "
        f"MultiDoGo labels with fewer than {CS_MIN_LABEL_ROWS} train rows are dropped from train and dev: "
        f"{', '.join(dropped) or 'none'}.\n\nTrain label counts: {counts_line(train.labels)}."
    )
    hyper = hyper_table(
        fit,
        seed,
        [
            ["cap per label", CS_CAP_PER_LABEL],
            [
                "threshold (top calibrated probability)",
                f"{threshold:.4f}: at most {MAX_ABSTAIN_RATE:.0%} of in-scope dev rows abstain",
            ],
        ],
    )
    sections = common_sections(command, data, fit, hyper)
    sections.append(
        (
            "Dev figures by group",
            group_table + f"\n\nIn-scope dev rows abstaining: {abst['in_scope_abstain_rate']:.4f}.",
        )
    )
    sections.append(
        (
            "Decisions",
            "- MultiDoGo dialogue acts (openinggreeting, closinggreeting, thankyou, confirmation, rejection) are kept "
            'as in-scope labels so small talk such as "hi" or "thanks" gets a sensible label instead of a forced '
            "task intent.\n"
            "- `contentonly` is kept as a label. These turns are bare slot values given in answer to an agent "
            "(names, dates, account numbers) and are about a third of real customer turns; without the class they "
            "would be forced into a task intent or abstain as out-of-scope, both wrong for a journey. Downstream "
            'code should read `contentonly` as "supplies requested details, no new intent". Text alone cannot '
            'always tell it from confirmation ("yes", "that is right"), which costs some accuracy.\n'
            "- bitext utterances are template-generated, so bitext dev accuracy is optimistic; MultiDoGo dev (real "
            "crowd-worker chats, separate conversations) is the figure to watch.",
        )
    )
    return TrainedHead(head, f"intent.customer_service {HEAD_VERSION} — general customer-service intent head", sections)
