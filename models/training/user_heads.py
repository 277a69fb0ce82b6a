"""Train a user's intent taxonomy or sentiment head on frozen shared-encoder embeddings (``journeymine train``).

Recipe, reusing the shipped heads' code (``heads.fit.fit_calibrated``, ``metrics``):

    check rows -> stratified held-out slice (10 %, at least one row per label that has two or more;
    a label with one row is trained on, never held out) -> embed every text once
    -> C by 5-fold cross-validation (up to 2,000 rows; above, by held-out accuracy)
    -> fit_calibrated (temperature by held-out NLL) -> abstention threshold
    -> final fit on all rows with the picked C -> LinearHead + MODEL_CARD.md sections

Intent thresholds: with ``out_of_scope`` rows (a trained class), the cutoff that maximises in-scope
accuracy + out-of-scope recall on the held-out rows; without them, the cutoff at which at most 5 % of
in-scope held-out rows abstain. Sentiment heads always carry the three labels negative, neutral,
positive in that order (the SentimentStage requires it); a label absent from the data gets a bias so low
that its probability is 0.
"""

from __future__ import annotations

import hashlib
import warnings
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score

from models.errors import InvalidInputError
from models.heads import LinearHead
from models.training import cards
from models.training.datasets import OUT_OF_SCOPE, SENTIMENT_LABELS, LabelledSet
from models.training.embeddings import CachedEmbedder
from models.training.heads.fit import C_GRID, MAX_ITER, CalibratedFit, fit_calibrated, fit_logreg
from models.training.heads.thresholds import MAX_ABSTAIN_RATE
from models.training.metrics import (
    label_indices,
    oos_threshold_sweep,
    threshold_for_abstention,
)

HOLDOUT_FRACTION = 0.1
# Up to this many rows C is picked by cross-validation over every row; above, the held-out slice is large enough.
CV_MAX_ROWS = 2000
CV_FOLDS = 5
DEFAULT_SEED = 42
# Logit bias of a sentiment label the user's data does not contain: exp(-1e4) is 0 in float32.
ABSENT_LABEL_BIAS = -1e4


@dataclass(frozen=True)
class DataSource:
    """Where the training rows came from, for the model card."""

    path: str
    sha256: str
    text_field: str = "text"
    label_field: str = "label"
    label_map: str | None = None


@dataclass
class UserHead:
    """A trained head (its version is set when it is published) and its model card sections."""

    head: LinearHead
    title: str
    sections: list[tuple[str, str]]
    figures: dict[str, float]


def file_sha256(path: Path) -> str:
    """Hex sha256 of a file's bytes (the model card records it so the training data can be identified)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _bad_data(description: str) -> InvalidInputError:
    return InvalidInputError.single("--data", description)


def check_rows(kind: str, data: LabelledSet) -> None:
    """Raise InvalidInputError unless ``data`` can train a ``kind`` head (names the offending labels)."""
    if len(data) == 0:
        raise _bad_data("the file holds no labelled rows")
    counts = Counter(data.labels)
    if len(counts) < 2:
        raise _bad_data(f"need at least 2 distinct labels, found {sorted(counts)}")
    if all(n < 2 for n in counts.values()):
        raise _bad_data(
            "every label has 1 row, so none can be held out to calibrate the head; give at least one label a second row"
        )
    if kind == "intent" and set(counts) == {OUT_OF_SCOPE}:
        raise _bad_data(f"need at least one in-scope label besides {OUT_OF_SCOPE!r}")
    if kind == "sentiment":
        unknown = sorted(set(counts) - set(SENTIMENT_LABELS))
        if unknown:
            raise _bad_data(
                f"sentiment labels must be among {', '.join(SENTIMENT_LABELS)}; found {', '.join(unknown[:20])} "
                "(rename them with --label-map)"
            )


def single_row_labels(data: LabelledSet) -> list[str]:
    """Labels with one row: trained on, never held out, so the held-out figures say nothing about them."""
    return sorted(label for label, n in Counter(data.labels).items() if n == 1)


def holdout_split(data: LabelledSet, *, fraction: float = HOLDOUT_FRACTION, seed: int) -> tuple[list[int], list[int]]:
    """Row indices (train, held-out): ``fraction`` of each label held out, at least 1, never all of a label."""
    rng = np.random.default_rng(seed)
    by_label: dict[str, list[int]] = {}
    for i, label in enumerate(data.labels):
        by_label.setdefault(label, []).append(i)
    held: list[int] = []
    for label in sorted(by_label):
        rows = by_label[label]
        k = min(len(rows) - 1, max(1, round(fraction * len(rows))))
        held.extend(rng.choice(rows, size=k, replace=False).tolist())
    held_set = set(held)
    return [i for i in range(len(data)) if i not in held_set], sorted(held)


def pick_c_by_cv(x: np.ndarray, labels: Sequence[str], *, seed: int) -> list[tuple[float, float]]:
    """(C, mean accuracy) over ``C_GRID`` by stratified k-fold cross-validation.

    k is 5, or fewer when the rarest label with two or more rows has fewer; labels with a single row are in
    every training fold and no test fold.

    On a few hundred rows a 10 % held-out slice is a few dozen rows, too few to tell the C values apart (on CLINC150
    and STAR subsets it tied and picked a worse C); every row votes here.
    """
    counts = Counter(labels)
    # Labels with one row cannot be split: they train in every fold and are scored in none.
    single = np.array([i for i, label in enumerate(labels) if counts[label] == 1], dtype=int)
    multi = np.array([i for i, label in enumerate(labels) if counts[label] > 1], dtype=int)
    k = min(CV_FOLDS, min(n for n in counts.values() if n > 1))
    stratified = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    folds = [
        (np.concatenate([multi[train], single]), multi[test])
        for train, test in stratified.split(multi, [labels[i] for i in multi])
    ]
    grid = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for c in C_GRID:
            clf = LogisticRegression(C=c, max_iter=MAX_ITER, random_state=seed)
            grid.append((c, float(cross_val_score(clf, x, list(labels), cv=folds).mean())))
    print(f"  C by {k}-fold cross-validation: " + ", ".join(f"C={c:g}: {acc:.4f}" for c, acc in grid))
    return grid


def _intent_predictions(proba: np.ndarray, labels: Sequence[str], threshold: float) -> np.ndarray:
    """Served labels (as indices into ``labels``, -1 for an abstention without an out_of_scope class)."""
    oos = labels.index(OUT_OF_SCOPE) if OUT_OF_SCOPE in labels else -1
    pred = proba.argmax(axis=1)
    return np.where(proba.max(axis=1) < threshold, oos, pred)


def _intent_figures(
    proba: np.ndarray, gold: Sequence[str], labels: Sequence[str], threshold: float
) -> dict[str, float]:
    """Held-out figures of the served rule: accuracy with abstention, in-scope accuracy, abstention, OOS recall."""
    pred = _intent_predictions(proba, labels, threshold)
    names = np.array([labels[p] if p >= 0 else OUT_OF_SCOPE for p in pred])
    gold_arr = np.array(gold)
    in_scope = gold_arr != OUT_OF_SCOPE
    abstained = names == OUT_OF_SCOPE
    figures = {
        "accuracy_with_abstention": float((names == gold_arr).mean()),
        "in_scope_accuracy": float((names[in_scope] == gold_arr[in_scope]).mean()) if in_scope.any() else 0.0,
        "in_scope_abstain_rate": float(abstained[in_scope].mean()) if in_scope.any() else 0.0,
    }
    if (~in_scope).any():
        figures["oos_recall"] = float(abstained[~in_scope].mean())
        figures["oos_precision"] = float((~in_scope[abstained]).mean()) if abstained.any() else 0.0
    return figures


def _figures_table(fit: CalibratedFit, extra: dict[str, float]) -> str:
    rows: list[list[object]] = [
        ["accuracy (argmax)", fit.after["accuracy"]],
        ["macro-F1 (argmax)", fit.after["macro_f1"]],
        ["ECE before / after temperature", f"{fit.before['ece']:.4f} / {fit.after['ece']:.4f}"],
        ["NLL before / after temperature", f"{fit.before['nll']:.4f} / {fit.after['nll']:.4f}"],
        *[[key.replace("_", " "), value] for key, value in extra.items()],
    ]
    return cards.table(["held-out figure", "value"], rows)


def train_user_head(
    kind: str,
    name: str,
    data: LabelledSet,
    *,
    embedder: CachedEmbedder,
    source: DataSource,
    command: str,
    seed: int = DEFAULT_SEED,
) -> UserHead:
    """Train a ``kind`` ("intent" | "sentiment") head called ``name`` on ``data`` (see the module docstring)."""
    check_rows(kind, data)
    train_idx, held_idx = holdout_split(data, seed=seed)
    train, held = data.subset(train_idx), data.subset(held_idx)
    x_all = embedder.embed(data.texts, desc=f"encoding {len(data)} rows")
    x_train, x_held = x_all[train_idx], x_all[held_idx]
    if kind == "sentiment":
        labels = tuple(label for label in SENTIMENT_LABELS if label in set(data.labels))
    else:
        labels = tuple(data.label_set)
    cv_grid = pick_c_by_cv(x_all, data.labels, seed=seed) if len(data) <= CV_MAX_ROWS else []
    c_grid = (max(cv_grid, key=lambda item: item[1])[0],) if cv_grid else C_GRID
    fit = fit_calibrated(labels, x_train, train.labels, x_held, held.labels, seed=seed, c_grid=c_grid)
    if fit.before["accuracy"] == 1.0:
        # A held-out slice without a single error says nothing about the temperature (its NLL only falls as
        # T -> 0), and a near-zero T would make every input look certain; keep the fitted probabilities.
        fit.temperature, fit.after = 1.0, fit.before
    proba_held = fit.proba(x_held)

    threshold: float | None = None
    figures: dict[str, float] = {}
    if kind == "intent":
        if OUT_OF_SCOPE in labels:
            rule = "maximises in-scope accuracy + out-of-scope recall on the held-out rows"
            threshold, _ = oos_threshold_sweep(
                proba_held, label_indices(held.labels, labels), labels.index(OUT_OF_SCOPE)
            )
        else:
            rule = f"at most {MAX_ABSTAIN_RATE:.0%} of in-scope held-out rows abstain"
            threshold = threshold_for_abstention(proba_held.max(axis=1), MAX_ABSTAIN_RATE)
        figures = _intent_figures(proba_held, held.labels, labels, threshold)
    else:
        rule = "none (sentiment heads do not abstain)"

    # The held-out slice picked C, the temperature and the threshold; the served weights use every row.
    weight, bias, converged = fit_logreg(x_all, label_indices(data.labels, labels), fit.c, seed)
    head_labels = SENTIMENT_LABELS if kind == "sentiment" else labels
    if kind == "sentiment" and labels != SENTIMENT_LABELS:
        full_w = np.zeros((len(SENTIMENT_LABELS), weight.shape[1]), dtype=np.float32)
        full_b = np.full(len(SENTIMENT_LABELS), ABSENT_LABEL_BIAS, dtype=np.float32)
        for row, label in enumerate(labels):
            full_w[SENTIMENT_LABELS.index(label)] = weight[row]
            full_b[SENTIMENT_LABELS.index(label)] = bias[row]
        weight, bias = full_w, full_b

    held_figures = {**{k: round(v, 6) for k, v in fit.after.items()}, **{k: round(v, 6) for k, v in figures.items()}}
    metadata: dict[str, object] = {
        "encoder": embedder.encoder_id,
        "source": "user",
        "trained_on": [source.path],
        "data_sha256": source.sha256,
        "rows": len(data),
        "trained_labels": list(labels),
        "seed": seed,
        "C": fit.c,
        "heldout_rows": len(held),
        "heldout_metrics": held_figures,
    }
    if kind == "intent":
        metadata["out_of_scope_label"] = OUT_OF_SCOPE
        metadata["threshold_rule"] = rule
    head = LinearHead(
        name=f"{kind}.{name}",
        version="v0",  # set by publish
        labels=tuple(head_labels),
        weight=weight,
        bias=bias,
        temperature=fit.temperature,
        threshold=threshold,
        metadata=metadata,
    )
    counts = ", ".join(f"{label} {n}" for label, n in sorted(Counter(data.labels).items()))
    data_md = cards.table(
        ["setting", "value"],
        [
            ["file", f"`{source.path}`"],
            ["sha256", f"`{source.sha256}`"],
            ["fields (text / label)", f"{source.text_field} / {source.label_field}"],
            ["label map", source.label_map or "none"],
            ["rows (train / held out)", f"{len(data)} ({len(train)} / {len(held)})"],
            ["labels", len(labels)],
        ],
    )
    data_md += (
        f"\n\nLabel counts: {counts}.\n\nHeld out: {HOLDOUT_FRACTION:.0%} of each label (at least one row; "
        "a label with a single row is only trained on), "
        f"drawn with seed {seed}. It picks C, the temperature and the threshold; the served head is then refitted "
        "on all rows with that C, so the held-out figures below describe the model before that refit."
    )
    single = single_row_labels(data)
    if single:
        data_md += (
            f"\n\nLabels with a single row ({len(single)}), trained on but not held out, so no figure below "
            f"covers them: {', '.join(single)}."
        )
    grid = ", ".join(f"C={c:g}: {acc:.4f}" for c, acc in (cv_grid or fit.c_grid))
    c_rule = "cross-validated accuracy, all rows" if cv_grid else "held-out accuracy"
    hyper = cards.table(
        ["setting", "value"],
        [
            ["encoder", f"`{embedder.encoder_id}` (frozen, L2-normalised)"],
            ["classifier", "sklearn LogisticRegression, multinomial, lbfgs, L2"],
            [f"C (picked by {c_rule})", f"{fit.c:g} (grid {grid})"],
            ["max_iter / converged (final fit)", f"{MAX_ITER} / {converged}"],
            ["temperature (held-out NLL; 1 when no held-out row is wrong)", fit.temperature],
            ["threshold", "none" if threshold is None else f"{threshold:.4f}: {rule}"],
            ["seed", seed],
        ],
    )
    usage = (
        f'Enrich with `options.intent_taxonomy = "{name}"`; a running server finds it without a restart.'
        if kind == "intent"
        else f'Enrich with `options.sentiment_model = "{name}"` (`Enrich`, `EnrichStream`, `RecordTouchpoints`; '
        "a running server finds it without a restart), batch files with "
        f"`journeymine enrich --sentiment-model {name}`; evaluate with `journeymine eval sentiment --model {name}`."
    )
    sections = [
        ("Command", f"```\n{command}\n```\n\nTrained {cards.today()} (UTC). Deterministic for a fixed seed."),
        ("Data", data_md),
        ("Hyper-parameters", hyper),
        ("Held-out figures", _figures_table(fit, figures)),
        ("Use", usage),
    ]
    title = f"user-trained {kind} head"
    return UserHead(head, title, sections, {**fit.after, **figures})


def save_user_head(trained: UserHead, folder: Path, version: str) -> None:
    """Write head + MODEL_CARD.md into ``folder`` as ``version`` (the registry's publish callback)."""
    trained.head.version = version
    trained.head.save(folder)
    cards.write_card(folder, f"{trained.head.name} {version} — {trained.title}", trained.sections)
