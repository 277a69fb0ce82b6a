"""Recipe of the shipped satisfaction head: USS service dialogues, a customer turn beside the agent turn before it.

USS (Sun et al., SIGIR 2021) rates every user turn of 1,000 SGD and 1,000 MultiWOZ dialogues 1-5 by
3-7 annotators, and every dialogue overall. A turn's label is the annotators' mean rounded: below 3
dissatisfied, 3 neutral, above 3 satisfied (``datasets.UssTurn.label``). The head is a class-balanced
softmax regression on ``pair_features`` (the turn's embedding, then the preceding system turn's), so the
service computes it from the embeddings it already has.

Dialogues, not turns, are split: 20 % of each corpus's dialogues (seeded) are dev, never trained on. C is
picked by 5-fold cross-validation over the training dialogues (grouped by dialogue, macro-F1), the
temperature on dev. Reported: dev turn-level 3-class macro-F1 per corpus (the figure the literature
quotes), the confusion matrix, and, per dev dialogue, how the pooled estimate
(``models.satisfaction.pool``) ranks against the mean OVERALL rating (Spearman, ties
averaged) and finds the dissatisfied dialogues (mean OVERALL below 3; ROC AUC).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, f1_score, roc_auc_score
from sklearn.model_selection import GroupKFold

from models.heads import LinearHead, softmax
from models.satisfaction import LABELS, pair_features, pool
from models.training import cards
from models.training import datasets as ds
from models.training.datasets import UssDialogue
from models.training.embeddings import ENCODER_ID, CachedEmbedder
from models.training.heads.cards import TrainedHead, counts_line, data_table
from models.training.heads.fit import MAX_ITER
from models.training.metrics import classification_metrics, fit_temperature

VERSION = "v1"
DEV_FRACTION = 0.2
CV_FOLDS = 5
C_GRID: tuple[float, ...] = (0.25, 1.0, 4.0)


@dataclass
class TurnRows:
    """Rated user turns, each with the system turn before it ("" at the start), its dialogue and corpus."""

    corpus: list[str]
    dialogue: list[str]
    customer: list[str]
    agent: list[str]
    labels: list[str]

    def columns(self) -> tuple[list[str], ...]:
        return (self.corpus, self.dialogue, self.customer, self.agent, self.labels)


def turn_rows(dialogues: dict[str, UssDialogue]) -> TurnRows:
    """Every rated user turn of ``dialogues`` (keyed ``<corpus>-<index>``), in order."""
    rows = TurnRows([], [], [], [], [])
    for key, dialogue in dialogues.items():
        before = ""
        for turn in dialogue.turns:
            if turn.role == "SYSTEM":
                before = turn.text
            elif turn.ratings:
                for column, value in zip(
                    rows.columns(), (key.split("-")[0], key, turn.text, before, turn.label), strict=True
                ):
                    column.append(value)
    return rows


def dev_indices(root: Path, seed: int = ds.DEFAULT_SEED) -> dict[str, set[int]]:
    """Per corpus, the indices of the dialogues held out as dev: ``DEV_FRACTION`` of each, seeded."""
    rng = np.random.default_rng(seed)
    out: dict[str, set[int]] = {}
    for corpus in ds.USS_CORPORA:
        n = len(ds.load_uss(root, corpus))
        out[corpus] = set(rng.permutation(n)[: round(DEV_FRACTION * n)].tolist())
    return out


def split_dialogues(root: Path, seed: int) -> tuple[dict[str, UssDialogue], dict[str, UssDialogue]]:
    """(train, dev) dialogues of both corpora, keyed ``<corpus>-<index>``; dev as ``dev_indices``."""
    held = dev_indices(root, seed)
    train: dict[str, UssDialogue] = {}
    dev: dict[str, UssDialogue] = {}
    for corpus in ds.USS_CORPORA:
        chosen = held[corpus]
        for i, dialogue in enumerate(ds.load_uss(root, corpus)):
            (dev if i in chosen else train)[f"{corpus}-{i:04d}"] = dialogue
    return train, dev


def embed_turns(embedder: CachedEmbedder, *sets: TurnRows) -> dict[str, np.ndarray]:
    """Embeddings of every distinct customer and agent text of ``sets``, in one cached call."""
    texts = sorted({t for rows in sets for t in (*rows.customer, *rows.agent) if t})
    return dict(zip(texts, embedder.embed(texts, desc="uss turns"), strict=True))


def features(rows: TurnRows, vectors: dict[str, np.ndarray]) -> np.ndarray:
    """``pair_features`` of every row: its customer turn's embedding, then its agent turn's (zeros if none)."""
    return np.vstack(
        [pair_features(vectors[c], vectors[a] if a else None) for c, a in zip(rows.customer, rows.agent, strict=True)]
    )


def _fit(x: np.ndarray, y: np.ndarray, c: float, seed: int) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=MAX_ITER, class_weight="balanced", random_state=seed).fit(x, y)


def cv_macro_f1(x: np.ndarray, y: np.ndarray, groups: list[str], c: float, seed: int) -> float:
    """Macro-F1 of out-of-fold predictions, folds grouped by dialogue."""
    pred = np.zeros_like(y)
    for tr, te in GroupKFold(CV_FOLDS).split(x, y, groups):
        pred[te] = _fit(x[tr], y[tr], c, seed).predict(x[te])
    return float(f1_score(y, pred, average="macro"))


def dialogue_groups(
    rows: TurnRows, dialogues: dict[str, UssDialogue], corpus: str
) -> tuple[list[list[int]], np.ndarray]:
    """For ``corpus``'s dialogues with rated turns in ``rows``: each one's row indices, and its mean OVERALL rating."""
    index: dict[str, list[int]] = {}
    for i, key in enumerate(rows.dialogue):
        index.setdefault(key, []).append(i)
    keys = [k for k in dialogues if k.startswith(f"{corpus}-") and k in index]
    return [index[k] for k in keys], np.array([float(np.mean(dialogues[k].overall)) for k in keys])


def conversation_figures(
    proba: np.ndarray, rows: TurnRows, dialogues: dict[str, UssDialogue]
) -> dict[str, dict[str, float]]:
    """Per corpus: Spearman of the pooled estimate with the mean OVERALL rating, and AUC for mean OVERALL < 3."""
    out: dict[str, dict[str, float]] = {}
    for corpus in ds.USS_CORPORA:
        groups, gold = dialogue_groups(rows, dialogues, corpus)
        estimate = np.array([float(pooled[2] - pooled[0]) for pooled in (pool(proba[g]) for g in groups)])
        out[corpus] = {
            "dialogues": float(len(estimate)),
            "spearman": float(spearmanr(estimate, gold).statistic),
            "dissatisfied_auc": float(roc_auc_score(gold < 3, -estimate)),
            "dissatisfied_dialogues": float((gold < 3).sum()),
        }
    return out


def _raised_to_worst(p: np.ndarray) -> np.ndarray:
    mean, worst = p.mean(axis=0), float(p[:, 0].max())
    return np.concatenate([[worst], mean[1:] * (1.0 - worst) / max(float(mean[1:].sum()), 1e-12)])


# Alternatives to ``pool`` measured on every training run (the card's table): each maps a dialogue's customer-turn
# probabilities (n, 3) to pooled probabilities.
POOLING_RULES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "mean of the turns (shipped)": pool,
    "mean of the last three turns": lambda p: p[-3:].mean(axis=0),
    "mean, dissatisfied raised to the worst turn's": _raised_to_worst,
    "the worst turn alone": lambda p: p[int(np.argmax(p[:, 0]))],
}


def pooling_rules(proba: np.ndarray, rows: TurnRows, dialogues: dict[str, UssDialogue]) -> dict[str, dict[str, float]]:
    """Per corpus and rule: Spearman of the rule's P(satisfied) - P(dissatisfied) with the mean OVERALL rating."""
    out: dict[str, dict[str, float]] = {}
    for corpus in ds.USS_CORPORA:
        groups, gold = dialogue_groups(rows, dialogues, corpus)
        out[corpus] = {}
        for name, rule in POOLING_RULES.items():
            pooled = [rule(proba[g]) for g in groups]
            out[corpus][name] = float(spearmanr([p[2] - p[0] for p in pooled], gold).statistic)
    return out


def train_satisfaction(root: Path, embedder: CachedEmbedder, seed: int, command: str) -> TrainedHead:
    """3-class satisfaction of a customer turn read beside the agent turn before it (USS SGD + MultiWOZ)."""
    train_d, dev_d = split_dialogues(root, seed)
    train, dev = turn_rows(train_d), turn_rows(dev_d)
    vectors = embed_turns(embedder, train, dev)
    x_tr, x_dev = features(train, vectors), features(dev, vectors)
    labels = LABELS
    y_tr = np.array([labels.index(v) for v in train.labels])
    y_dev = np.array([labels.index(v) for v in dev.labels])
    grid = [(c, cv_macro_f1(x_tr, y_tr, train.dialogue, c, seed)) for c in C_GRID]
    for c, f1 in grid:
        print(f"  C={c:g}: {CV_FOLDS}-fold macro-F1 {f1:.4f}")
    c = max(grid, key=lambda item: (item[1], -item[0]))[0]
    model = _fit(x_tr, y_tr, c, seed)
    weight, bias = model.coef_.astype(np.float32), model.intercept_.astype(np.float32)
    logits = x_dev @ weight.T + bias
    temperature = fit_temperature(logits, y_dev)
    proba = softmax(logits / temperature)
    pred = proba.argmax(axis=1)
    after = classification_metrics(proba, y_dev)
    corpus_dev = np.array(dev.corpus)
    per_corpus = {
        corpus: float(f1_score(y_dev[corpus_dev == corpus], pred[corpus_dev == corpus], average="macro"))
        for corpus in ds.USS_CORPORA
    }
    conversation = conversation_figures(proba, dev, dev_d)
    rules = pooling_rules(proba, dev, dev_d)
    matrix = confusion_matrix(y_dev, pred, labels=range(len(labels)))
    evaluation = {
        "cv_macro_f1": dict(grid)[c],
        **{f"dev_{k.lower()}_turn_macro_f1": v for k, v in per_corpus.items()},
        **{
            f"dev_{k.lower()}_{name}": value
            for k, figures in conversation.items()
            for name, value in figures.items()
            if name in ("spearman", "dissatisfied_auc")
        },
    }
    head = LinearHead(
        name="satisfaction",
        version=VERSION,
        labels=labels,
        weight=weight,
        bias=bias,
        temperature=temperature,
        threshold=None,
        metadata={
            "encoder": ENCODER_ID,
            "trained_on": [f"uss_user_satisfaction {c} (80 % of dialogues)" for c in ds.USS_CORPORA],
            "seed": seed,
            "C": c,
            "class_weight": "balanced",
            "features": "customer turn embedding, then the preceding agent turn's (zeros if none)",
            "dev_metrics": {k: round(v, 6) for k, v in after.items()},
            "evaluation": {k: round(v, 6) for k, v in evaluation.items()},
        },
    )
    return TrainedHead(
        head,
        f"satisfaction {VERSION} — customer satisfaction per turn and conversation",
        _card(command, seed, c, grid, temperature, train, dev, after, per_corpus, conversation, matrix, rules),
    )


def _card(
    command: str,
    seed: int,
    c: float,
    grid: list[tuple[float, float]],
    temperature: float,
    train: TurnRows,
    dev: TurnRows,
    after: dict[str, float],
    per_corpus: dict[str, float],
    conversation: dict[str, dict[str, float]],
    matrix: np.ndarray,
    rules: dict[str, dict[str, float]],
) -> list[tuple[str, str]]:
    license_ = ds.LICENSES["uss_user_satisfaction"]
    data = data_table(
        [
            [
                "uss_user_satisfaction",
                "SGD + MWOZ, 80 % of dialogues (seeded)",
                license_,
                len(train.labels),
                "training",
            ],
            ["uss_user_satisfaction", "SGD + MWOZ, the other 20 %", license_, len(dev.labels), "temperature, figures"],
        ]
    )
    data += (
        f"\n\nTrain label counts: {counts_line(train.labels)}. Dev: {counts_line(dev.labels)}.\n\n"
        "The satisfaction ratings are published for research with no explicit license (the dialogues are "
        "CC BY-SA 4.0 (SGD) and MIT (MultiWOZ)); the project's data policy allows them for a shipped model "
        "with this card naming them. There is no permissive set with per-turn satisfaction, so no permissive "
        "variant exists: a deployment whose policy forbids research-use data sets "
        "`enrich.satisfaction = false` (the service then estimates nothing and the score has no "
        "satisfaction component)."
    )
    hyper = cards.table(
        ["setting", "value"],
        [
            ["encoder", f"`{ENCODER_ID}` (fixed; L2-normalised 384-d per turn)"],
            ["features", "customer turn embedding, then the preceding agent turn's (zeros at the start): 768-d"],
            ["classifier", "sklearn LogisticRegression, multinomial, lbfgs, L2, class_weight=balanced"],
            [
                f"C (picked by {CV_FOLDS}-fold grouped CV macro-F1)",
                f"{c:g} (grid {', '.join(f'C={k:g}: {v:.4f}' for k, v in grid)})",
            ],
            ["temperature (dev NLL)", temperature],
            ["seed", seed],
        ],
    )
    turn_table = cards.table(
        ["dev set", "turn 3-class macro-F1"], [[corpus, per_corpus[corpus]] for corpus in ds.USS_CORPORA]
    )
    turn_table += (
        f"\n\nAll dev turns: accuracy {after['accuracy']:.4f}, macro-F1 {after['macro_f1']:.4f}, "
        f"ECE {after['ece']:.4f}. For scale (published, other splits, so an order of magnitude only): a BERT "
        "baseline reaches 53.7 (SGD) and 45.9 (MultiWOZ), the best published model 62.1 and 55.0 (ACL 2023).\n\n"
        "Confusion matrix (rows gold, columns predicted; dissatisfied, neutral, satisfied):\n\n"
        + cards.table(
            ["gold \\ predicted", *LABELS],
            [[g, *row] for g, row in zip(LABELS, matrix.tolist(), strict=True)],
        )
    )
    conv_table = cards.table(
        ["dev dialogues", "n", "Spearman with mean OVERALL", "AUC, mean OVERALL < 3 (n)"],
        [
            [
                corpus,
                int(f["dialogues"]),
                f["spearman"],
                f"{f['dissatisfied_auc']:.4f} ({int(f['dissatisfied_dialogues'])})",
            ]
            for corpus, f in conversation.items()
        ],
    )
    conv_table += (
        "\n\nThe conversation estimate is the mean of the customer turns' probabilities "
        "(`models.satisfaction.pool`), P(satisfied) - P(dissatisfied). Spearman here is scipy's, ties averaged "
        "(USS's own Spearman column ranks ties wrongly and is not quoted). Other pooling rules, same dev "
        "dialogues, Spearman SGD / MWOZ:\n\n"
        + cards.table(
            ["pooling rule", "SGD", "MWOZ"],
            [[rule, *(rules[corpus][rule] for corpus in ds.USS_CORPORA)] for rule in POOLING_RULES],
        )
    )
    return [
        ("Command", f"```\n{command}\n```\n\nTrained {cards.today()} (UTC). Deterministic for a fixed seed."),
        ("Data", data),
        ("Hyper-parameters", hyper),
        ("Turn figures (dev)", turn_table),
        ("Conversation figures (dev)", conv_table),
        (
            "Limitations",
            "USS dialogues are task-oriented bookings (SGD, MultiWOZ), rated by crowd workers, not real "
            "customer-service calls; most turns are neutral, so the head reads mainly the turns where the system "
            "failed the user (a wrong offer, a repeated question) or fully served them. Labels are in the order "
            "dissatisfied, neutral, satisfied.",
        ),
    ]
