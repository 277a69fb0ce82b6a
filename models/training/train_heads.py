"""Train the shipped linear heads (sentiment and the intent taxonomies) on the shared encoder's embeddings.

The encoder (all-MiniLM-L6-v2 with the project's multi-task LoRA adapter merged, see
``models/encoder.py``) stays fixed here; retrain every head after the adapter changes.

Recipe per head: load splits -> embed (cached) -> multinomial logistic regression
with C picked on dev -> temperature scaling on dev -> abstention threshold (intent
heads) -> save head + MODEL_CARD.md. Run from the repository root:

    python -m models.training.train_heads --datasets ../shared/datasets
        [--only sentiment,banking77,clinc150,customer_service] [--out models/artifacts]
"""

from __future__ import annotations

import argparse
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from models.heads import LinearHead, restrict, softmax
from models.training import cards
from models.training import datasets as ds
from models.training.datasets import OUT_OF_SCOPE, SENTIMENT_LABELS, LabelledSet
from models.training.embeddings import DEFAULT_CACHE_DIR, ENCODER_ID, CachedEmbedder
from models.training.metrics import (
    classification_metrics,
    fit_temperature,
    label_indices,
    macro_recall,
    oos_threshold_sweep,
    predict_with_threshold,
    threshold_for_abstention,
)

MODULE = "models.training.train_heads"
# Version of every shipped head: bumped whenever the encoder or the recipe changes what a head answers.
HEAD_VERSION = "v2"
DEFAULT_SEED = 42
# Embeddings are L2-normalised, so useful C values sit well above sklearn's default of 1.
C_GRID: tuple[float, ...] = (0.25, 1.0, 4.0, 16.0, 64.0)
MAX_ITER = 3000
# Intent heads without out-of-scope dev data: at most this share of in-scope dev rows may abstain.
MAX_ABSTAIN_RATE = 0.05
# Banking77 is a closed benchmark taxonomy without out-of-scope data: 1 % in-scope abstention keeps its
# accuracy within half a point of argmax while small talk ("hi", "thanks") and most of CLINC150's
# out-of-scope queries still abstain (figures in its model card).
BANKING77_ABSTAIN_RATE = 0.01
# CLINC150: the abstention cutoff keeps at least this out-of-scope recall on val and otherwise maximises
# in-scope accuracy (the product bar is >= 0.75 OOS recall; 0.80 leaves a margin for the test split).
CLINC_MIN_OOS_RECALL = 0.80
CS_CAP_PER_LABEL = 600
# MultiDoGo labels rarer than this in train (e.g. getchannelpackageintent, 3 rows) cannot be learnt; dropped.
CS_MIN_LABEL_ROWS = 20
HEAD_KEYS: tuple[str, ...] = ("sentiment", "banking77", "clinc150", "customer_service")


@dataclass
class CalibratedFit:
    """A fitted, temperature-scaled softmax regression plus its dev figures."""

    labels: tuple[str, ...]
    weight: np.ndarray
    bias: np.ndarray
    c: float
    c_grid: list[tuple[float, float]]
    temperature: float
    before: dict[str, float]
    after: dict[str, float]
    converged: bool

    def proba(self, x: np.ndarray) -> np.ndarray:
        """Calibrated probabilities for embeddings ``x``."""
        return softmax((x @ self.weight.T + self.bias) / self.temperature)

    def to_head(self, name: str, *, threshold: float | None, metadata: dict[str, Any]) -> LinearHead:
        """The shipped head of this fit (version ``HEAD_VERSION``)."""
        return LinearHead(
            name=name,
            version=HEAD_VERSION,
            labels=self.labels,
            weight=self.weight,
            bias=self.bias,
            temperature=self.temperature,
            threshold=threshold,
            metadata=metadata,
        )


@dataclass
class TrainedHead:
    """A head ready to save and the card sections describing how it was made."""

    head: LinearHead
    title: str
    sections: list[tuple[str, str]] = field(default_factory=list)


# --- fitting -----------------------------------------------------------------------------------


def fit_logreg(x: np.ndarray, y: np.ndarray, c: float, seed: int) -> tuple[np.ndarray, np.ndarray, bool]:
    """Multinomial logistic regression (lbfgs); returns weight (k, d), bias (k,) and whether it converged."""
    clf = LogisticRegression(C=c, max_iter=MAX_ITER, random_state=seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        clf.fit(x, y)
    converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    if not np.array_equal(clf.classes_, np.arange(clf.classes_.size)):
        raise ValueError("every label needs at least one training row")
    weight, bias = clf.coef_, clf.intercept_
    if clf.classes_.size == 2:
        # sklearn stores a binary model as one row (the logit of class 1); softmax over [-z/2, z/2] is sigmoid(z).
        weight, bias = np.vstack([-weight / 2, weight / 2]), np.concatenate([-bias / 2, bias / 2])
    return weight.astype(np.float32), bias.astype(np.float32), converged


def fit_calibrated(
    labels: Sequence[str],
    x_train: np.ndarray,
    train_labels: Sequence[str],
    x_dev: np.ndarray,
    dev_labels: Sequence[str],
    *,
    seed: int,
    c_grid: Sequence[float] = C_GRID,
) -> CalibratedFit:
    """Pick C by dev accuracy (smallest C on ties), then fit the temperature on dev by NLL."""
    y_train, y_dev = label_indices(train_labels, labels), label_indices(dev_labels, labels)
    best: tuple[float, float, np.ndarray, np.ndarray, bool] | None = None
    grid: list[tuple[float, float]] = []
    for c in c_grid:
        weight, bias, converged = fit_logreg(x_train, y_train, c, seed)
        acc = float(((x_dev @ weight.T + bias).argmax(axis=1) == y_dev).mean())
        grid.append((c, acc))
        print(f"  C={c:g}: dev accuracy {acc:.4f}{'' if converged else ' (not converged)'}")
        if best is None or acc > best[1]:
            best = (c, acc, weight, bias, converged)
    assert best is not None
    c, _, weight, bias, converged = best
    logits = x_dev @ weight.T + bias
    temperature = fit_temperature(logits, y_dev)
    return CalibratedFit(
        labels=tuple(labels),
        weight=weight,
        bias=bias,
        c=c,
        c_grid=grid,
        temperature=temperature,
        before=classification_metrics(softmax(logits), y_dev),
        after=classification_metrics(softmax(logits / temperature), y_dev),
        converged=converged,
    )


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


# --- card pieces -------------------------------------------------------------------------------


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


def _hyper_table(fit: CalibratedFit, seed: int, extra: Sequence[Sequence[object]] = ()) -> str:
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


def _data_table(rows: Sequence[Sequence[object]]) -> str:
    return cards.table(["dataset", "split", "license", "rows", "used for"], rows)


def _common_sections(command: str, data: str, fit: CalibratedFit, hyper: str) -> list[tuple[str, str]]:
    return [
        ("Command", f"```\n{command}\n```\n\nTrained {cards.today()} (UTC). Deterministic for a fixed seed."),
        ("Data", data),
        ("Hyper-parameters", hyper),
        ("Dev figures", _dev_table(fit)),
    ]


def _metadata(fit: CalibratedFit, seed: int, trained_on: Sequence[str], **extra: Any) -> dict[str, Any]:
    return {
        "encoder": ENCODER_ID,
        "trained_on": list(trained_on),
        "seed": seed,
        "C": fit.c,
        "dev_metrics": {k: round(v, 6) for k, v in fit.after.items()},
        **extra,
    }


def _counts_line(labels: Sequence[str]) -> str:
    counts = Counter(labels)
    return ", ".join(f"{label} {n}" for label, n in sorted(counts.items()))


# --- the four heads ----------------------------------------------------------------------------


def train_sentiment(root: Path, embedder: CachedEmbedder, seed: int, command: str) -> TrainedHead:
    """3-class sentiment: GoEmotions 3-class train + 80 % of DynaSent r1 dev + MultiDoGo small talk as neutral."""
    corpus = ds.load_sentiment_corpus(root, seed=seed)
    small_talk = ds.load_small_talk(root)
    train = corpus["train"] + small_talk["train"]
    x_tr = embedder.embed(train.texts, desc="sentiment train")
    x_dev = embedder.embed(corpus["dev"].texts, desc="goemotions dev")
    fit = fit_calibrated(SENTIMENT_LABELS, x_tr, train.labels, x_dev, corpus["dev"].labels, seed=seed)
    p_small = fit.proba(embedder.embed(small_talk["dev"].texts, desc="small talk dev"))
    small_neutral = float((p_small.argmax(axis=1) == SENTIMENT_LABELS.index("neutral")).mean())

    sst = ds.load_sst2_dev(root)["dev"]
    tweet = ds.load_tweeteval_val(root)["val"]
    dyna = {"r1_heldout": corpus["dynasent_r1_heldout"], "r2_dev": corpus["dynasent_r2_dev"]}
    binary = ("negative", "positive")
    p_sst = restrict(fit.proba(embedder.embed(sst.texts, desc="sst2 dev")), SENTIMENT_LABELS, binary)
    sst_acc = float((p_sst.argmax(axis=1) == label_indices(sst.labels, binary)).mean())
    p_tweet = fit.proba(embedder.embed(tweet.texts, desc="tweeteval val"))
    y_tweet = label_indices(tweet.labels, SENTIMENT_LABELS)
    tweet_recall = macro_recall(y_tweet, p_tweet.argmax(axis=1))
    tweet_acc = float((p_tweet.argmax(axis=1) == y_tweet).mean())
    dyna_acc = {}
    for split, held in dyna.items():
        p = fit.proba(embedder.embed(held.texts, desc=f"dynasent {split}"))
        dyna_acc[split] = float((p.argmax(axis=1) == label_indices(held.labels, SENTIMENT_LABELS)).mean())

    evaluation = {
        "goemotions_dev_accuracy": fit.after["accuracy"],
        "goemotions_dev_macro_f1": fit.after["macro_f1"],
        "goemotions_dev_ece": fit.after["ece"],
        "sst2_dev_binary_accuracy": sst_acc,
        "tweeteval_val_macro_recall": tweet_recall,
        "dynasent_r1_heldout_accuracy": dyna_acc["r1_heldout"],
        "dynasent_r2_dev_accuracy": dyna_acc["r2_dev"],
        "small_talk_dev_neutral_rate": small_neutral,
    }
    head = fit.to_head(
        "sentiment",
        threshold=None,
        metadata=_metadata(
            fit,
            seed,
            [
                "goemotions train_3class",
                f"dynasent r1_dev ({ds.DYNASENT_TRAIN_FRACTION:.0%} stratified)",
                "multidogo train small talk (neutral)",
            ],
            evaluation={k: round(v, 6) for k, v in evaluation.items()},
        ),
    )
    n_dyna_train = len(corpus["dynasent_r1_train"])
    n_go_train = len(corpus["train"]) - n_dyna_train
    acts = ", ".join(ds.SMALL_TALK_ACTS)
    data = _data_table(
        [
            ["goemotions (3-class derived)", "train_3class", ds.LICENSES["goemotions"], n_go_train, "training"],
            [
                "dynasent",
                f"r1 dev, stratified {ds.DYNASENT_TRAIN_FRACTION:.0%} (seed {seed})",
                ds.LICENSES["dynasent"],
                n_dyna_train,
                "training",
            ],
            [
                "multidogo small talk",
                f"train turns of {acts}, <= {ds.SMALL_TALK_MAX_WORDS} words, distinct, labelled neutral",
                ds.LICENSES["multidogo"],
                len(small_talk["train"]),
                "training",
            ],
            [
                "goemotions (3-class derived)",
                "dev_3class",
                ds.LICENSES["goemotions"],
                len(corpus["dev"]),
                "C, temperature, dev figures",
            ],
            [
                "multidogo small talk",
                "dev turns (same rule, texts not in train)",
                ds.LICENSES["multidogo"],
                len(small_talk["dev"]),
                "evaluation only",
            ],
            [
                "dynasent",
                "rest of r1 dev / r2 dev",
                ds.LICENSES["dynasent"],
                f"{len(dyna['r1_heldout'])} / {len(dyna['r2_dev'])}",
                "evaluation only",
            ],
            ["sst2", "dev", ds.LICENSES["sst2"], len(sst), "evaluation only"],
            ["tweeteval_sentiment", "val", ds.LICENSES["tweeteval_sentiment"], len(tweet), "evaluation only"],
        ]
    )
    data += (
        f"\n\nTrain label counts: {_counts_line(train.labels)}.\n\n"
        "Only permissively licensed sets are trained on: GoEmotions (Apache-2.0), part of DynaSent (CC BY 4.0; "
        "business-review sentences, the product-feedback register Reddit comments lack) and MultiDoGo small talk "
        "(CDLA-Permissive-1.0): greetings, thanks, goodbyes and confirmations are neutral by this service's "
        "convention (GoEmotions labels gratitude positive, which costs about a point of GoEmotions dev accuracy). "
        "SST-2 and TweetEval carry no explicit license, so they are used for evaluation only."
    )
    other = cards.table(
        ["set", "metric", "value"],
        [
            [
                "goemotions dev (3-class)",
                "accuracy / macro-F1 / ECE",
                f"{fit.after['accuracy']:.4f} / {fit.after['macro_f1']:.4f} / {fit.after['ece']:.4f}",
            ],
            ["sst2 dev", "accuracy, probabilities renormalised over negative/positive", sst_acc],
            ["tweeteval val", "macro-recall (accuracy)", f"{tweet_recall:.4f} ({tweet_acc:.4f})"],
            ["dynasent r1 dev, held-out 20 %", "accuracy", dyna_acc["r1_heldout"]],
            ["dynasent r2 dev", "accuracy", dyna_acc["r2_dev"]],
            ["multidogo small talk dev", "share labelled neutral", small_neutral],
        ],
    )
    sections = _common_sections(command, data, fit, _hyper_table(fit, seed))
    sections.append(("Out-of-domain evaluation", other))
    sections.append(
        (
            "Limitations",
            "Trained mostly on Reddit comments, with some business reviews, not customer-service text; "
            "GoEmotions' neutral class is broad. "
            "Labels are in the order negative, neutral, positive.",
        )
    )
    return TrainedHead(head, f"sentiment {HEAD_VERSION} — 3-class sentiment head", sections)


def _abstention_figures(fit: CalibratedFit, x_dev: np.ndarray, dev: LabelledSet, threshold: float) -> dict[str, float]:
    proba = fit.proba(x_dev)
    y = label_indices(dev.labels, fit.labels)
    in_scope = np.array([label != OUT_OF_SCOPE for label in dev.labels])
    abstain = proba.max(axis=1) < threshold
    oos = fit.labels.index(OUT_OF_SCOPE) if OUT_OF_SCOPE in fit.labels else -1
    pred = predict_with_threshold(proba, threshold, oos)
    return {
        "in_scope_abstain_rate": float(abstain[in_scope].mean()),
        "in_scope_accuracy_with_threshold": float((pred[in_scope] == y[in_scope]).mean()),
    }


def train_banking77(root: Path, embedder: CachedEmbedder, seed: int, command: str) -> TrainedHead:
    """Banking77 intents; threshold set so that at most 1 % of in-scope dev rows abstain."""
    splits = ds.load_banking77(root, seed=seed)
    train, dev = splits["train"], splits["dev"]
    labels = tuple(train.label_set)
    x_tr = embedder.embed(train.texts, desc="banking77 train")
    x_dev = embedder.embed(dev.texts, desc="banking77 dev")
    fit = fit_calibrated(labels, x_tr, train.labels, x_dev, dev.labels, seed=seed)
    threshold = threshold_for_abstention(fit.proba(x_dev).max(axis=1), BANKING77_ABSTAIN_RATE)
    abst = _abstention_figures(fit, x_dev, dev, threshold)
    # Out-of-scope evidence for the card only (never trained on): CLINC150's out-of-scope validation queries.
    x_oos = embedder.embed(ds.load_clinc150(root)["oos_val"].texts, desc="clinc150 oos_val")
    abst["clinc150_oos_val_abstain_rate"] = float((fit.proba(x_oos).max(axis=1) < threshold).mean())
    head = fit.to_head(
        "intent.banking77",
        threshold=threshold,
        metadata=_metadata(
            fit,
            seed,
            ["banking77 train.csv minus a stratified 10% dev slice"],
            out_of_scope_label=OUT_OF_SCOPE,
            threshold_rule=f"at most {BANKING77_ABSTAIN_RATE:.0%} of in-scope dev rows below it",
            **{k: round(v, 6) for k, v in abst.items()},
        ),
    )
    data = _data_table(
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
    hyper = _hyper_table(
        fit,
        seed,
        [
            [
                "threshold (top calibrated probability)",
                f"{threshold:.4f}: at most {BANKING77_ABSTAIN_RATE:.0%} of in-scope dev rows abstain",
            ]
        ],
    )
    sections = _common_sections(command, data, fit, hyper)
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
        metadata=_metadata(
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
    data = _data_table(
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
    hyper = _hyper_table(
        fit, seed, [["variant", chosen], ["threshold (top calibrated probability)", f"{threshold:.2f}"]]
    )
    sections = _common_sections(command, data, fit, hyper)
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
    abst = _abstention_figures(fit, x_dev, dev, threshold)
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
        metadata=_metadata(
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
    data = _data_table(
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
        f"{', '.join(dropped) or 'none'}.\n\nTrain label counts: {_counts_line(train.labels)}."
    )
    hyper = _hyper_table(
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
    sections = _common_sections(command, data, fit, hyper)
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


TRAINERS: dict[str, Callable[[Path, CachedEmbedder, int, str], TrainedHead]] = {
    "sentiment": train_sentiment,
    "banking77": train_banking77,
    "clinc150": train_clinc150,
    "customer_service": train_customer_service,
}
OUT_DIRS: dict[str, str] = {
    "sentiment": f"sentiment/{HEAD_VERSION}",
    "banking77": f"intent/banking77/{HEAD_VERSION}",
    "clinc150": f"intent/clinc150/{HEAD_VERSION}",
    "customer_service": f"intent/customer_service/{HEAD_VERSION}",
}


def parse_only(value: str | None) -> list[str]:
    """Head keys from a comma list; raises naming the valid keys."""
    if not value:
        return list(HEAD_KEYS)
    keys = [k.strip() for k in value.split(",") if k.strip()]
    unknown = [k for k in keys if k not in TRAINERS]
    if unknown:
        raise SystemExit(f"unknown head(s) {unknown}. Valid heads are: {', '.join(HEAD_KEYS)}")
    return keys


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, required=True, help="the shared datasets folder (../shared/datasets)")
    parser.add_argument("--only", help=f"comma list of heads to train (default all: {','.join(HEAD_KEYS)})")
    parser.add_argument("--out", type=Path, default=Path("models/artifacts"), help="artifacts root")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR, help="embedding cache")
    args = parser.parse_args(argv)
    if not args.datasets.is_dir():
        raise SystemExit(f"datasets folder not found: {args.datasets}")
    command = cards.command_line(MODULE)
    embedder = CachedEmbedder(cache_dir=args.cache_dir)
    for key in parse_only(args.only):
        print(f"== {key}")
        trained = TRAINERS[key](args.datasets, embedder, args.seed, command)
        out = args.out / OUT_DIRS[key]
        trained.head.save(out)
        cards.write_card(out, trained.title, trained.sections)
        print(f"   saved {trained.head.name} {trained.head.version} -> {out}")


if __name__ == "__main__":
    main()
