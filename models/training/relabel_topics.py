"""Relabel the shipped customer-service topic model with phrases from its own documents, without refitting.

v2's labels are its first three c-TF-IDF keywords (``debit / direct / removed``). This rebuilds v2's fit
corpus (``fit_topics.build_corpus`` with the seed v2 recorded), gives each document the topic v2 serves
it, and labels every topic with the phrase that best names it (``models.training.topics.labels``).
Centroids, keywords, threshold and temperature are v2's, so every text keeps its topic id; only the
labels change, in a new version beside v2. Run from the repository root:

    python -m models.training.relabel_topics --datasets ../shared/datasets [--out models/artifacts]
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from models.topic_model import TopicModel
from models.training import cards
from models.training.embeddings import DEFAULT_CACHE_DIR, ENCODER_ID, CachedEmbedder
from models.training.fit_topics import build_corpus, write_card
from models.training.topics.labels import LabelConfig, relabel

MODULE = "models.training.relabel_topics"
FROM_VERSION = "v2"
VERSION = "v3"
LABELS_PHRASES = (
    "Labels are phrases from each topic's own documents (`models/training/topics/labels.py`): 1-3 word "
    "candidates found in at least 5 % of the topic's documents, the 15 best by c-TF-IDF ranked by cosine "
    f"with the topic's centroid, distinct across topics. This version is `{FROM_VERSION}` relabelled "
    "(same centroids, keywords, threshold and temperature: every text keeps its topic id); the Topics table "
    f"gives the label each topic had in `{FROM_VERSION}`. Rename a label with `journeymine topics rename` on a "
    "user model."
)


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, required=True, help="the shared datasets folder (../shared/datasets)")
    parser.add_argument("--out", type=Path, default=Path("models/artifacts"), help="artifacts root")
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR, help="embedding cache")
    args = parser.parse_args(argv)
    if not args.datasets.is_dir():
        raise SystemExit(f"datasets folder not found: {args.datasets}")
    source = TopicModel.load(args.out / f"topics/customer_service/{FROM_VERSION}")
    if source.metadata.get("encoder") != ENCODER_ID:
        raise SystemExit(
            f"{source.name} {source.version} was fitted on {source.metadata.get('encoder')}, not {ENCODER_ID}"
        )
    seed = int(source.metadata["seed"])
    corpus = build_corpus(args.datasets, seed)
    embedder = CachedEmbedder(cache_dir=args.cache_dir)
    embeddings = np.asarray(embedder.embed(corpus.texts, desc="topic corpus"))

    def embed(phrases: Sequence[str]) -> np.ndarray:
        return np.asarray(embedder.embed(list(phrases), desc="label candidates"))

    model = relabel(source, corpus.texts, embed, version=VERSION, embeddings=embeddings, config=LabelConfig())
    out = args.out / f"topics/customer_service/{VERSION}"
    model.save(out)
    write_card(out, model, corpus, seed, cards.command_line(MODULE), labels=LABELS_PHRASES)
    changed = sum(a.label != b.label for a, b in zip(source.topics, model.topics, strict=True))
    print(f"saved {model.name} {model.version}: {changed} of {len(model.topics)} labels changed -> {out}")


if __name__ == "__main__":
    main()
