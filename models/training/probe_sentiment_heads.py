"""Probe (issue 20): which training sets and which head capacity move sentiment on the serving embeddings?

An experiment, not a shipped recipe: it trains nothing that the service loads. Every arm is a head on the
embeddings the server computes (``build_encoder()``: the tuned encoder, ONNX int8 by default), trained with
AdamW on per-source weighted rows, temperature-scaled on 5 % of its own training rows, and scored on rows no
arm trains on:

    arms    v2-recipe   GoEmotions 3-class train + 80 % of DynaSent r1 dev + MultiDoGo small talk (as shipped)
            +register   ... + the service register's half a (datasets.load_service_register)
            +sst2       ... + SST-2 train (research use; its rows train only the negative/positive logits)
            each as a linear head and as a one-hidden-layer MLP (``--arms`` picks some)
    score   SST-2 dev (negative/positive), TweetEval val (macro-recall), DynaSent r1 held-out 20 % and r2 dev,
            GoEmotions dev, MultiDoGo small talk dev (share neutral), and the register's half b, intents never
            trained on: problem reports (share negative) and plain questions (share not negative)

    python -m models.training.probe_sentiment_heads --datasets ../shared/datasets [--json OUT]

Embeddings are cached under ``.cache/embeddings``; the first run encodes ~160,000 texts (about 8 minutes on
2 cores), later runs take about a minute.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.training import datasets as ds
from models.training.datasets import SENTIMENT_LABELS, LabelledSet
from models.training.embeddings import ENCODER_ID, CachedEmbedder
from models.training.heads.weighted import train_head
from models.training.metrics import label_indices
from models.training.probe_finetune_sentiment import figures, scored_sets


@dataclass(frozen=True)
class Source:
    """Training rows of one set, their total weight, and whether they are binary (no neutral)."""

    name: str
    weight: float
    binary: bool = False


V2_RECIPE = (Source("goemotions_train", 3.0), Source("dynasent_r1_train", 1.0), Source("small_talk_train", 0.5))
REGISTER = (Source("register_problems_a", 1.0), Source("register_questions_a", 1.0))
SST2 = (Source("sst2_train", 3.0, binary=True),)
ARMS: dict[str, tuple[tuple[Source, ...], int]] = {
    "v2-recipe linear": (V2_RECIPE, 0),
    "v2-recipe mlp": (V2_RECIPE, 512),
    "+register linear": (V2_RECIPE + REGISTER, 0),
    "+register mlp": (V2_RECIPE + REGISTER, 512),
    "+register+sst2 linear": (V2_RECIPE + REGISTER + SST2, 0),
    "+register+sst2 mlp": (V2_RECIPE + REGISTER + SST2, 512),
}


def load_sets(root: Path, seed: int) -> dict[str, LabelledSet]:
    """Every training and scored set of the probe, by name."""
    corpus = ds.load_sentiment_corpus(root, seed=seed)
    talk = ds.load_small_talk(root)
    register = ds.load_service_register(root)
    train = {
        "goemotions_train": ds.load_goemotions_3class(root)["train"],
        "dynasent_r1_train": corpus["dynasent_r1_train"],
        "small_talk_train": talk["train"],
        "register_problems_a": register["problems_a"],
        "register_questions_a": register["questions_a"],
        "sst2_train": ds.load_sst2_train(root)["train"],
    }
    trained = (text for data in train.values() for text in data.texts)
    return {**train, **scored_sets(root, corpus, register, trained), "small_talk_dev": talk["dev"]}


SCORED = (
    "sst2_dev",
    "tweeteval_val",
    "dynasent_r1_heldout",
    "dynasent_r2_dev",
    "goemotions_dev",
    "small_talk_dev",
    "register_problems_b",
    "register_questions_b",
)


def score(proba: Callable[[np.ndarray], np.ndarray], x: dict[str, np.ndarray], sets: dict[str, LabelledSet]) -> dict:
    """Each scored set by its own measure (``probe_finetune_sentiment.figures``), flat as ``<set>_<figure>``."""
    return {
        f"{name}_{figure}": round(value, 4)
        for name in SCORED
        for figure, value in figures(name, proba(x[name]), sets[name]).items()
    }


def run(sets: dict[str, LabelledSet], embedder: CachedEmbedder, arms: Sequence[str], seed: int) -> dict:
    """Figures of every arm in ``arms``."""
    x = {name: embedder.embed(data.texts, desc=name) for name, data in sets.items()}
    y = {name: label_indices(data.labels, SENTIMENT_LABELS) for name, data in sets.items()}
    results: dict[str, dict] = {}
    for arm in arms:
        sources, hidden = ARMS[arm]
        parts = [(x[s.name], y[s.name], s.weight, s.binary) for s in sources]
        proba, temperature, _ = train_head(parts, hidden=hidden, seed=seed)
        results[arm] = {**score(proba, x, sets), "temperature": round(temperature, 4)}
        print(arm, json.dumps(results[arm]), flush=True)
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m models.training.probe_sentiment_heads", description=__doc__)
    parser.add_argument("--datasets", type=Path, required=True, help="the folder holding goemotions/, sst2/, ...")
    parser.add_argument("--arms", nargs="+", choices=sorted(ARMS), default=list(ARMS), help="arms to run")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    from models.encoder import EncoderConfig, build_encoder

    config = EncoderConfig()
    # The cache key names the backend: int8 embeddings are not the torch ones the shipped heads' cache holds.
    embedder = CachedEmbedder(
        encoder_factory=lambda: build_encoder(config), encoder_id=f"{ENCODER_ID}.{config.backend}"
    )
    results = run(load_sets(args.datasets, args.seed), embedder, args.arms, args.seed)
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
