"""Recipe of the shipped 3-class sentiment head: training sets, fit, out-of-domain evaluation, card."""

from __future__ import annotations

from pathlib import Path

from models.heads import restrict
from models.training import cards
from models.training import datasets as ds
from models.training.datasets import SENTIMENT_LABELS
from models.training.embeddings import CachedEmbedder
from models.training.heads.cards import (
    TrainedHead,
    common_sections,
    counts_line,
    data_table,
    head_metadata,
    hyper_table,
)
from models.training.heads.fit import HEAD_VERSION, fit_calibrated
from models.training.metrics import label_indices, macro_recall


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
        metadata=head_metadata(
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
        f"\n\nTrain label counts: {counts_line(train.labels)}.\n\n"
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
    sections = common_sections(command, data, fit, hyper_table(fit, seed))
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
