"""Recipes of the shipped 3-class sentiment heads: training sets, fit, out-of-domain evaluation, card.

    sentiment v2            GoEmotions 3-class train + 80 % of DynaSent r1 dev + MultiDoGo small talk (neutral)
    sentiment v3 (default)  v2's sets + the service register's half a (problem reports negative, plain questions
                            neutral; ``datasets.load_service_register``) + SST-2 train (research use)
    sentiment.permissive v1 v3's recipe with the research switch off: no SST-2, permissive sets only

Every head is scored on the same sets it never trained on, including the register's half b (intents absent from
half a), so "problem reports read negative" is measured on problems the head never saw.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from models.heads import restrict, softmax
from models.training import cards
from models.training import datasets as ds
from models.training.datasets import SENTIMENT_LABELS, LabelledSet
from models.training.embeddings import CachedEmbedder
from models.training.heads.cards import (
    TrainedHead,
    common_sections,
    counts_line,
    data_table,
    head_metadata,
    hyper_table,
)
from models.training.heads.fit import HEAD_VERSION, CalibratedFit, fit_calibrated
from models.training.heads.weighted import train_head
from models.training.metrics import (
    classification_metrics,
    expected_calibration_error,
    fit_temperature_pooled,
    label_indices,
    macro_recall,
)

NEGATIVE = SENTIMENT_LABELS.index("negative")


@dataclass(frozen=True)
class Variant:
    """One shipped sentiment head: its name, version and card title, and which sets the recipe adds.

    ``register`` adds the service register's half a (and fits the weighted, binary-aware layer);
    ``research`` adds SST-2 train (research use); ``domain_calibration`` fits the temperature on halves of the
    dev sets of several domains (``calibrate_domains``) instead of on held-out training rows.
    """

    name: str
    version: str
    title: str
    register: bool
    research: bool
    domain_calibration: bool = False

    @property
    def path(self) -> str:
        """The artifact folder under models/artifacts."""
        return "/".join([*self.name.split("."), self.version])


V2 = Variant("sentiment", HEAD_VERSION, f"sentiment {HEAD_VERSION} — 3-class sentiment head", False, False)
V3 = Variant("sentiment", "v3", "sentiment v3 — 3-class sentiment head for the customer's voice (default)", True, True)
PERMISSIVE = Variant(
    "sentiment.permissive", "v1", "sentiment.permissive v1 — sentiment v3's recipe on permissive sets only", True, False
)
V4 = Variant(
    "sentiment",
    "v4",
    "sentiment v4 — sentiment v3's weights, calibrated across domains (default)",
    True,
    True,
    domain_calibration=True,
)
PERMISSIVE_V2 = Variant(
    "sentiment.permissive",
    "v2",
    "sentiment.permissive v2 — sentiment.permissive v1's weights, calibrated across permissive domains",
    True,
    False,
    domain_calibration=True,
)
# Share of each calibration set whose rows fit the temperature; the rest (half b) reports the ECE.
CALIBRATION_HALF = 0.5


def train_sentiment(root: Path, embedder: CachedEmbedder, seed: int, command: str) -> TrainedHead:
    """sentiment v2: GoEmotions 3-class train + 80 % of DynaSent r1 dev + MultiDoGo small talk as neutral."""
    return _train(root, embedder, seed, command, V2)


def train_sentiment_v3(root: Path, embedder: CachedEmbedder, seed: int, command: str) -> TrainedHead:
    """sentiment v3, the default: v2's sets + the service register's half a + SST-2 train (research use)."""
    return _train(root, embedder, seed, command, V3)


def train_sentiment_permissive(root: Path, embedder: CachedEmbedder, seed: int, command: str) -> TrainedHead:
    """sentiment.permissive v1: v3's recipe with the research switch off (permissively licensed sets only)."""
    return _train(root, embedder, seed, command, PERMISSIVE)


def train_sentiment_v4(root: Path, embedder: CachedEmbedder, seed: int, command: str) -> TrainedHead:
    """sentiment v4, the default: v3's fit, its temperature fitted across domains (``calibrate_domains``)."""
    return _train(root, embedder, seed, command, V4)


def train_sentiment_permissive_v2(root: Path, embedder: CachedEmbedder, seed: int, command: str) -> TrainedHead:
    """sentiment.permissive v2: permissive v1's fit, its temperature fitted across the permissive domains."""
    return _train(root, embedder, seed, command, PERMISSIVE_V2)


def _train(root: Path, embedder: CachedEmbedder, seed: int, command: str, variant: Variant) -> TrainedHead:
    """The recipe of ``variant``."""
    register, research = variant.register, variant.research
    corpus = ds.load_sentiment_corpus(root, seed=seed)
    small_talk = ds.load_small_talk(root)
    # (source, rows, total weight, binary) in training order; the v2 recipe ignores the weights.
    sources: list[tuple[str, LabelledSet, float, bool]] = [
        (
            "goemotions_train",
            corpus["train"].subset(range(len(corpus["train"]) - len(corpus["dynasent_r1_train"]))),
            3.0,
            False,
        ),
        ("dynasent_r1_train", corpus["dynasent_r1_train"], 1.0, False),
        ("small_talk_train", small_talk["train"], 0.5, False),
    ]
    reg = ds.load_service_register(root)
    if register:
        sources += [
            ("register_problems_a", reg["problems_a"], 1.0, False),
            ("register_questions_a", reg["questions_a"], 1.0, False),
        ]
    if research:
        sst_train = ds.load_sst2_train(root)["train"]
        sources.append(("sst2_train", sst_train, 3.0, True))
    train = LabelledSet([], [])
    for _, rows, _, _ in sources:  # goemotions + dynasent is corpus["train"], in that order
        train = train + rows
    seen = {text.lower() for text in train.texts}
    unseen = {
        key: reg[key].subset(i for i, t in enumerate(reg[key].texts) if t.lower() not in seen)
        for key in ("problems_b", "questions_b")
    }
    x_tr = embedder.embed(train.texts, desc="sentiment train")
    x_dev = embedder.embed(corpus["dev"].texts, desc="goemotions dev")
    if register:
        fit = weighted_fit(sources, x_tr, x_dev, corpus["dev"].labels, seed=seed)
    else:
        fit = fit_calibrated(SENTIMENT_LABELS, x_tr, train.labels, x_dev, corpus["dev"].labels, seed=seed)
    # The out-of-domain sets, embedded once: the temperature across domains is fitted on halves of them, and
    # the card's figures are read on them.
    sst = ds.load_sst2_dev(root)["dev"]
    tweet = ds.load_tweeteval_val(root)["val"]
    dyna = {"r1_heldout": corpus["dynasent_r1_heldout"], "r2_dev": corpus["dynasent_r2_dev"]}
    x_tweet = embedder.embed(tweet.texts, desc="tweeteval val")
    x_dyna = {split: embedder.embed(held.texts, desc=f"dynasent {split}") for split, held in dyna.items()}
    calibration: Calibration | None = None
    if variant.domain_calibration:
        domains = {
            "goemotions dev": (corpus["dev"], x_dev),
            "dynasent r1 held-out": (dyna["r1_heldout"], x_dyna["r1_heldout"]),
            "dynasent r2 dev": (dyna["r2_dev"], x_dyna["r2_dev"]),
        }
        if research:  # TweetEval carries no explicit license: a permissive model does not fit even T on it
            domains["tweeteval val"] = (tweet, x_tweet)
        calibration = calibrate_domains(fit, domains, seed=seed)
        fit = calibration.fit
        # GoEmotions dev figures at the new temperature (half of those rows fitted it: the table is on half b)
        fit = replace(
            fit, after=classification_metrics(fit.proba(x_dev), label_indices(corpus["dev"].labels, SENTIMENT_LABELS))
        )
    p_small = fit.proba(embedder.embed(small_talk["dev"].texts, desc="small talk dev"))
    small_neutral = float((p_small.argmax(axis=1) == SENTIMENT_LABELS.index("neutral")).mean())

    binary = ("negative", "positive")
    p_sst = restrict(fit.proba(embedder.embed(sst.texts, desc="sst2 dev")), SENTIMENT_LABELS, binary)
    sst_acc = float((p_sst.argmax(axis=1) == label_indices(sst.labels, binary)).mean())
    p_tweet = fit.proba(x_tweet)
    y_tweet = label_indices(tweet.labels, SENTIMENT_LABELS)
    tweet_recall = macro_recall(y_tweet, p_tweet.argmax(axis=1))
    tweet_acc = float((p_tweet.argmax(axis=1) == y_tweet).mean())
    dyna_acc = {}
    for split, held in dyna.items():
        p = fit.proba(x_dyna[split])
        dyna_acc[split] = float((p.argmax(axis=1) == label_indices(held.labels, SENTIMENT_LABELS)).mean())

    p_problems = fit.proba(embedder.embed(unseen["problems_b"].texts, desc="register problems b"))
    p_questions = fit.proba(embedder.embed(unseen["questions_b"].texts, desc="register questions b"))
    problems_negative = float((p_problems.argmax(axis=1) == NEGATIVE).mean())
    questions_not_negative = float((p_questions.argmax(axis=1) != NEGATIVE).mean())

    evaluation = {
        "goemotions_dev_accuracy": fit.after["accuracy"],
        "goemotions_dev_macro_f1": fit.after["macro_f1"],
        "goemotions_dev_ece": fit.after["ece"],
        "sst2_dev_binary_accuracy": sst_acc,
        "tweeteval_val_macro_recall": tweet_recall,
        "dynasent_r1_heldout_accuracy": dyna_acc["r1_heldout"],
        "dynasent_r2_dev_accuracy": dyna_acc["r2_dev"],
        "small_talk_dev_neutral_rate": small_neutral,
        "register_problems_b_negative_rate": problems_negative,
        "register_questions_b_not_negative_rate": questions_not_negative,
    }
    trained_on = [
        "goemotions train_3class",
        f"dynasent r1_dev ({ds.DYNASENT_TRAIN_FRACTION:.0%} stratified)",
        "multidogo train small talk (neutral)",
    ]
    if register:
        trained_on.append("service register half a (banking77, bitext_cs_intent, multidogo; by intent)")
    if research:
        trained_on.append("sst2 train (research use)")
    head = fit.to_head(
        variant.name,
        version=variant.version,
        threshold=None,
        metadata=head_metadata(
            fit,
            seed,
            trained_on,
            evaluation={k: round(v, 6) for k, v in evaluation.items()},
            research_use_data=research,
        ),
    )
    if register:  # no C: the weighted fit is a torch layer with weight decay (see the hyper-parameters)
        head.metadata.pop("C", None)
        head.metadata["fit"] = "weighted linear layer, binary-aware (heads/sentiment.py weighted_fit)"
    n_dyna_train = len(corpus["dynasent_r1_train"])
    n_go_train = len(corpus["train"]) - n_dyna_train
    acts = ", ".join(ds.SMALL_TALK_ACTS)
    data = data_table(
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
                "dev figures" if register else "C, temperature, dev figures",
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
            *_register_rows(reg, unseen, register),
            *(
                [["sst2", "train (sentences and sub-phrases)", ds.LICENSES["sst2"], len(sst_train), "training"]]
                if research
                else []
            ),
            ["sst2", "dev", ds.LICENSES["sst2"], len(sst), "evaluation only"],
            ["tweeteval_sentiment", "val", ds.LICENSES["tweeteval_sentiment"], len(tweet), "evaluation only"],
        ]
    )
    data += f"\n\nTrain label counts: {counts_line(train.labels)}.\n\n" + _license_note(register, research)
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
            [
                "service register half b: problem reports (intents never trained on)",
                "share negative",
                problems_negative,
            ],
            [
                "service register half b: plain questions (intents never trained on)",
                "share not negative",
                questions_not_negative,
            ],
        ],
    )
    hyper = weighted_hyper_table(sources, fit, seed, calibration) if register else hyper_table(fit, seed)
    sections = common_sections(command, data, fit, hyper)
    sections.append(("Out-of-domain evaluation", other))
    if calibration is not None:
        sections.append(("Calibration across domains", _calibration_section(calibration)))
    sections.append(
        (
            "Limitations",
            "Trained mostly on Reddit comments, with some business reviews, not customer-service text; "
            "GoEmotions' neutral class is broad. "
            "Labels are in the order negative, neutral, positive.",
        )
    )
    return TrainedHead(head, variant.title, sections)


@dataclass(frozen=True)
class Calibration:
    """A fit re-temperatured across domains, and each domain's figures on its half b (rows the fit never saw)."""

    fit: CalibratedFit
    previous_temperature: float
    # (set, rows in half a, rows in half b, accuracy on b, ECE on b with the previous temperature, ECE on b now)
    rows: list[tuple[str, int, int, float, float, float]]


def calibrate_domains(
    fit: CalibratedFit, domains: dict[str, tuple[LabelledSet, np.ndarray]], *, seed: int
) -> Calibration:
    """Refit ``fit``'s temperature by the mean NLL over the domains' halves a, each domain counting the same.

    The head's held-out training rows are mostly Reddit comments, so a temperature fitted there is overconfident
    on tweets and reviews (ECE 0.12-0.22 at v3). Every set is split in two by the seed: half a fits the one
    temperature, half b reports the ECE. Weights and argmax are unchanged.
    """
    rng = np.random.default_rng(seed)
    halves = {}
    for name, (rows, x) in domains.items():
        order = rng.permutation(len(rows))
        cut = int(len(rows) * CALIBRATION_HALF)
        logits = x @ fit.weight.T + fit.bias
        y = label_indices(rows.labels, SENTIMENT_LABELS)
        halves[name] = ((logits[order[:cut]], y[order[:cut]]), (logits[order[cut:]], y[order[cut:]]))
    temperature = fit_temperature_pooled([a for a, _ in halves.values()])
    table = []
    for name, ((lg_a, _), (lg_b, y_b)) in halves.items():
        table.append(
            (
                name,
                len(lg_a),
                len(lg_b),
                float((lg_b.argmax(axis=1) == y_b).mean()),
                expected_calibration_error(softmax(lg_b / fit.temperature), y_b),
                expected_calibration_error(softmax(lg_b / temperature), y_b),
            )
        )
    return Calibration(replace(fit, temperature=temperature), fit.temperature, table)


def weighted_fit(
    sources: list[tuple[str, LabelledSet, float, bool]],
    x_train: np.ndarray,
    x_dev: np.ndarray,
    dev_labels: list[str],
    *,
    seed: int,
    epochs: int = 8,
    lr: float = 2e-3,
) -> CalibratedFit:
    """A linear softmax layer fitted with every source's rows sharing that source's weight; binary rows (SST-2)
    train only the negative and positive logits, so a set without a neutral class does not teach "never neutral".

    The fit is ``heads.weighted.train_head`` (its temperature: NLL on 5 % of the three-class rows held out
    of the fit); the dev figures are GoEmotions dev, before and after that temperature.
    """
    parts, offset = [], 0
    for _, rows, share, binary in sources:
        n = len(rows)
        parts.append((x_train[offset : offset + n], label_indices(rows.labels, SENTIMENT_LABELS), share, binary))
        offset += n
    if offset != len(x_train):
        raise ValueError(f"sources hold {offset} rows but {len(x_train)} were embedded")
    _, temperature, net = train_head(parts, hidden=0, seed=seed, epochs=epochs, lr=lr)
    weight = net.get_parameter("weight").detach().numpy().astype(np.float32)
    bias = net.get_parameter("bias").detach().numpy().astype(np.float32)
    logits = x_dev @ weight.T + bias
    y_dev = label_indices(dev_labels, SENTIMENT_LABELS)
    return CalibratedFit(
        labels=SENTIMENT_LABELS,
        weight=weight,
        bias=bias,
        c=float("nan"),
        c_grid=[],
        temperature=temperature,
        before=classification_metrics(softmax(logits), y_dev),
        after=classification_metrics(softmax(logits / temperature), y_dev),
        converged=True,
    )


def _calibration_section(calibration: Calibration) -> str:
    table = cards.table(
        [
            "set",
            "half a rows (fit T)",
            "half b rows",
            "accuracy on b",
            f"ECE on b, T={calibration.previous_temperature:.3f} (training rows)",
            f"ECE on b, T={calibration.fit.temperature:.3f} (across domains)",
        ],
        [list(row) for row in calibration.rows],
    )
    return (
        table + "\n\nOne temperature, fitted by the mean NLL over the halves a (each set counts the same); the "
        "weights are those of the fit above, so every label is the same as without it. The ECE bar is 0.08."
    )


def weighted_hyper_table(
    sources: list[tuple[str, LabelledSet, float, bool]],
    fit: CalibratedFit,
    seed: int,
    calibration: Calibration | None = None,
) -> str:
    from models.training.embeddings import ENCODER_ID

    temperature_row: list[object] = (
        ["temperature (NLL on 5 % of the three-class rows, held out of the fit)", fit.temperature]
        if calibration is None
        else [
            "temperature (mean NLL over halves a of the calibration sets; see Calibration across domains)",
            fit.temperature,
        ]
    )
    weights = ", ".join(f"{name} {w:g}{' (binary)' if binary else ''}" for name, _, w, binary in sources)
    return cards.table(
        ["setting", "value"],
        [
            ["encoder", f"`{ENCODER_ID}` (fixed while the head trains; L2-normalised 384-d)"],
            [
                "classifier",
                "linear softmax layer (torch), AdamW lr 2e-3 one-cycle, 8 epochs, batch 256, weight decay 1e-4",
            ],
            ["source weights (a source's rows share its weight)", weights],
            ["binary rows", "train only the negative and positive logits (neutral masked out of their softmax)"],
            temperature_row,
            ["seed", seed],
        ],
    )


def _register_rows(
    reg: dict[str, ds.LabelledSet], held: dict[str, ds.LabelledSet], register: bool
) -> list[list[object]]:
    license_ = "CC BY 4.0 / CDLA-Sharing-1.0 / CDLA-Permissive-1.0"
    rows: list[list[object]] = []
    if register:
        n_a = len(reg["problems_a"]) + len(reg["questions_a"])
        rows.append(
            [
                "service register (banking77, bitext, multidogo)",
                "half a: problems negative, questions neutral",
                license_,
                n_a,
                "training",
            ]
        )
    n_b = f"{len(held['problems_b'])} / {len(held['questions_b'])}"
    rows.append(
        [
            "service register (banking77, bitext, multidogo)",
            "half b (other intents): problems / questions",
            license_,
            n_b,
            "evaluation only",
        ]
    )
    return rows


def _license_note(register: bool, research: bool) -> str:
    sets = (
        "GoEmotions (Apache-2.0), part of DynaSent (CC BY 4.0; business-review sentences, the product-feedback "
        "register Reddit comments lack) and MultiDoGo small talk (CDLA-Permissive-1.0)"
    )
    if register:
        sets += (
            ", and the service register: customer turns of Banking77 (CC BY 4.0), bitext (CDLA-Sharing-1.0) and "
            "MultiDoGo filed under intents that report a problem (a declined card, a missing refund, a broken "
            "product) as negative, and under plain-question intents as neutral; the intent lists are "
            "`REGISTER_PROBLEMS` / `REGISTER_QUESTIONS` in models/training/datasets.py, split by intent into a "
            "trained half a and a scored half b"
        )
    note = (
        f"Trained on {sets}. Greetings, thanks, goodbyes and confirmations are neutral by this service's "
        "convention (GoEmotions labels gratitude positive)."
    )
    if research:
        return note + (
            " Also trained on SST-2 train, published for research with no explicit license; the project's data "
            "policy allows it for a shipped model with this card naming it. `sentiment.permissive` is the same "
            "recipe without it (`train_heads --only sentiment_permissive`). TweetEval is used for evaluation only."
        )
    return note + " SST-2 and TweetEval carry no explicit license, so they are used for evaluation only."
