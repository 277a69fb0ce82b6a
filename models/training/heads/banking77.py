"""Recipe of the shipped Banking77 intent head: dev slice, fit, in-scope abstention threshold, card."""

from __future__ import annotations

from pathlib import Path

from models.training import cards
from models.training import datasets as ds
from models.training.datasets import OUT_OF_SCOPE
from models.training.embeddings import CachedEmbedder
from models.training.heads.cards import TrainedHead, common_sections, data_table, head_metadata, hyper_table
from models.training.heads.fit import HEAD_VERSION, fit_calibrated
from models.training.heads.thresholds import BANKING77_ABSTAIN_RATE, abstention_figures
from models.training.metrics import threshold_for_abstention


def train_banking77(root: Path, embedder: CachedEmbedder, seed: int, command: str) -> TrainedHead:
    """Banking77 intents; threshold set so that at most 1 % of in-scope dev rows abstain."""
    splits = ds.load_banking77(root, seed=seed)
    train, dev = splits["train"], splits["dev"]
    labels = tuple(train.label_set)
    x_tr = embedder.embed(train.texts, desc="banking77 train")
    x_dev = embedder.embed(dev.texts, desc="banking77 dev")
    fit = fit_calibrated(labels, x_tr, train.labels, x_dev, dev.labels, seed=seed)
    threshold = threshold_for_abstention(fit.proba(x_dev).max(axis=1), BANKING77_ABSTAIN_RATE)
    abst = abstention_figures(fit, x_dev, dev, threshold)
    # Out-of-scope evidence for the card only (never trained on): CLINC150's out-of-scope validation queries.
    x_oos = embedder.embed(ds.load_clinc150(root)["oos_val"].texts, desc="clinc150 oos_val")
    abst["clinc150_oos_val_abstain_rate"] = float((fit.proba(x_oos).max(axis=1) < threshold).mean())
    head = fit.to_head(
        "intent.banking77",
        threshold=threshold,
        metadata=head_metadata(
            fit,
            seed,
            ["banking77 train.csv minus a stratified 10% dev slice"],
            out_of_scope_label=OUT_OF_SCOPE,
            threshold_rule=f"at most {BANKING77_ABSTAIN_RATE:.0%} of in-scope dev rows below it",
            **{k: round(v, 6) for k, v in abst.items()},
        ),
    )
    data = data_table(
        [
            ["banking77", "train.csv minus dev slice", ds.LICENSES["banking77"], len(train), "training"],
            [
                "banking77",
                "stratified 10% of train.csv (seed)",
                ds.LICENSES["banking77"],
                len(dev),
                "C, temperature, threshold, dev figures",
            ],
        ]
    )
    data += (
        f"\n\nOnly train.csv is available, so a stratified 10% dev slice is held out with "
        f"`sklearn.model_selection.train_test_split(test_size=0.1, random_state={seed}, stratify=labels)`. "
        f"{len(labels)} labels."
    )
    hyper = hyper_table(
        fit,
        seed,
        [
            [
                "threshold (top calibrated probability)",
                f"{threshold:.4f}: at most {BANKING77_ABSTAIN_RATE:.0%} of in-scope dev rows abstain",
            ]
        ],
    )
    sections = common_sections(command, data, fit, hyper)
    sections.append(
        (
            "Abstention",
            cards.table(
                ["dev", "value"],
                [
                    ["in-scope rows abstaining (top probability < threshold)", abst["in_scope_abstain_rate"]],
                    ["in-scope accuracy with threshold (abstain = wrong)", abst["in_scope_accuracy_with_threshold"]],
                ],
            )
            + "\n\nNo out-of-scope data exists for Banking77, so the threshold bounds abstention on in-scope "
            "text; on CLINC150's 100 out-of-scope validation queries (not trained on) "
            f"{abst['clinc150_oos_val_abstain_rate']:.0%} abstain.",
        )
    )
    return TrainedHead(head, f"intent.banking77 {HEAD_VERSION} — Banking77 intent head", sections)
