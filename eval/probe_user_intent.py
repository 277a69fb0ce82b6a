"""Probe (issue 20 item 3): why does a user's taxonomy trained here lose to a plain logistic regression?

A small real set the shipped models and the encoder never saw, STAR's first user turns labelled by task
(``eval.export_datasets.star_intent_sets``: 16 tasks in scope, the rest ``out_of_scope``), trained on its
train rows and scored on its test rows. Accuracy counts ``out_of_scope`` as a label. Arms, each on both
encoders (the served, tuned one, and the published all-MiniLM-L6-v2 weights without the project's adapter):

    recipe         ``journeymine train intent``'s recipe (``user_heads.train_user_head``): C by 5-fold CV,
                   temperature on a 10 % held-out slice, out-of-scope threshold swept on that slice
    recipe, argmax the same head, its threshold ignored
    plain logreg   sklearn LogisticRegression(C=1) on every train row, argmax

Two training files: STAR's train rows as they are (with ``out_of_scope`` rows), and the same without them,
as real bots' training files come (HINT3's have no out-of-scope rows, while their tests do); the recipe then
sets its threshold so that at most 5 % of in-scope held-out rows abstain. Recipe vs recipe-argmax isolates
the threshold rule; recipe-argmax vs plain logreg the head recipe (C and
the refit); tuned vs pretrained the encoder.

With ``--clinc`` it also asks whether CLINC150's abstention threshold could be chosen by cross-validation on
the training rows instead of on val: out-of-fold probabilities of train + oos_train (5 folds, the shipped head's
C and temperature), the shipped rule (best in-scope accuracy at out-of-scope recall >= r) swept on them, and
each threshold's figures on val + oos_val, which then no choice has seen.

    python -m eval.probe_user_intent --datasets ../shared/datasets [--clinc] [--json OUT]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from eval.export_datasets import star_intent_sets
from models.encoder import ENCODER_NAME, PRETRAINED_VERSION
from models.training.datasets import OUT_OF_SCOPE, LabelledSet
from models.training.embeddings import CachedEmbedder
from models.training.user_heads import DataSource, train_user_head


def _set(rows: Sequence[dict[str, str]]) -> LabelledSet:
    return LabelledSet([r["text"] for r in rows], [r["label"] for r in rows])


def accuracy(pred: Sequence[str], gold: Sequence[str]) -> dict[str, float]:
    """Accuracy with out_of_scope as a label, in-scope accuracy, and out-of-scope recall."""
    p, g = np.asarray(pred), np.asarray(gold)
    oos = g == OUT_OF_SCOPE
    return {
        "accuracy": float((p == g).mean()),
        "in_scope_accuracy": float((p[~oos] == g[~oos]).mean()),
        "oos_recall": float((p[oos] == OUT_OF_SCOPE).mean()) if oos.any() else float("nan"),
    }


def run_arms(train: LabelledSet, test: LabelledSet, embedder: CachedEmbedder, seed: int) -> dict[str, dict[str, float]]:
    """The three arms on one encoder."""
    source = DataSource(path="star_intent_train", sha256="-")
    trained = train_user_head(
        "intent", "probe", train, embedder=embedder, source=source, command="eval.probe_user_intent", seed=seed
    )
    head = trained.head
    x_test = embedder.embed(test.texts, desc="test")
    proba = head.predict_proba(x_test)
    labels = np.array(head.labels)
    top = proba.argmax(axis=1)
    with_threshold = np.where(proba.max(axis=1) >= (head.threshold or 0.0), labels[top], OUT_OF_SCOPE)
    plain = LogisticRegression(C=1.0, max_iter=3000, random_state=seed).fit(
        embedder.embed(train.texts, desc="train"), train.labels
    )
    return {
        "recipe": {**accuracy(with_threshold.tolist(), test.labels), "threshold": float(head.threshold or 0.0)},
        "recipe_argmax": accuracy(labels[top].tolist(), test.labels),
        "plain_logreg": accuracy(plain.predict(x_test).tolist(), test.labels),
    }


CV_RECALLS: tuple[float, ...] = (0.80, 0.85, 0.90, 0.95)


def clinc_cv_thresholds(root: Path, embedder: CachedEmbedder, seed: int) -> dict[str, dict[str, float]]:
    """Per target recall r: the threshold cross-validation on CLINC150 train + oos_train picks, and its val figures."""
    from sklearn.model_selection import StratifiedKFold

    from models.heads import softmax
    from models.registry import ModelRegistry
    from models.training import datasets as ds
    from models.training.heads.fit import fit_logreg
    from models.training.metrics import label_indices, oos_threshold_sweep, predict_with_threshold

    head = ModelRegistry().load("intent.clinc150.v2")
    labels, oos = tuple(head.labels), tuple(head.labels).index(OUT_OF_SCOPE)
    splits = ds.load_clinc150(root)
    train = splits["train"] + splits["oos_train"]
    dev = splits["val"] + splits["oos_val"]
    x = np.vstack([embedder.embed(splits["train"].texts), embedder.embed(splits["oos_train"].texts)])
    x_dev = np.vstack([embedder.embed(splits["val"].texts), embedder.embed(splits["oos_val"].texts)])
    y, y_dev = label_indices(train.labels, labels), label_indices(dev.labels, labels)
    oof = np.zeros((len(y), len(labels)))
    for fit_rows, held in StratifiedKFold(5, shuffle=True, random_state=seed).split(x, y):
        weight, bias, _ = fit_logreg(x[fit_rows], y[fit_rows], float(head.metadata["C"]), seed)
        oof[held] = softmax((x[held] @ weight.T + bias) / head.temperature)
    proba_dev, in_scope = head.predict_proba(x_dev), y_dev != oos
    out: dict[str, dict[str, float]] = {}
    for recall in (*CV_RECALLS, None):
        if recall is None:
            threshold, cv = float(head.threshold or 0.0), {}
        else:
            threshold, cv = oos_threshold_sweep(oof, y, oos, min_oos_recall=recall)
        pred = predict_with_threshold(proba_dev, threshold, oos)
        out["shipped (tuned on val)" if recall is None else f"cv, recall >= {recall:.2f}"] = {
            "threshold": threshold,
            **{f"cv_{k}": v for k, v in cv.items()},
            "val_in_scope_accuracy": float((pred[in_scope] == y_dev[in_scope]).mean()),
            "val_oos_recall": float((pred[~in_scope] == oos).mean()),
        }
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=Path, required=True, help="the shared datasets folder")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--clinc", action="store_true", help="also: CLINC150 thresholds by cross-validation")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    train_rows, test_rows = star_intent_sets(args.datasets)
    train, test = _set(train_rows), _set(test_rows)

    def pretrained():  # noqa: ANN202 - the encoder protocol
        from models.encoder import SentenceTransformerEncoder

        return SentenceTransformerEncoder(adapter_path=None)

    in_scope = train.subset(i for i, label in enumerate(train.labels) if label != OUT_OF_SCOPE)
    encoders = {
        "tuned": CachedEmbedder(),
        "pretrained": CachedEmbedder(encoder_factory=pretrained, encoder_id=f"{ENCODER_NAME}.{PRETRAINED_VERSION}"),
    }
    result: dict[str, object] = {"train_rows": len(train), "train_rows_in_scope": len(in_scope), "test_rows": len(test)}
    for data_name, data in (("with_oos_rows", train), ("in_scope_rows_only", in_scope)):
        result[data_name] = {name: run_arms(data, test, embedder, args.seed) for name, embedder in encoders.items()}
    if args.clinc:
        result["clinc150_thresholds"] = clinc_cv_thresholds(args.datasets, encoders["tuned"], args.seed)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
