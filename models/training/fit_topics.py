"""Fit the shipped customer-service topic model with the topic recipe of ``models/training/topics/fit.py``.

Recipe: build corpus -> embed (cached) -> ``fit_topic_model`` (Ward clusters, BERTopic c-TF-IDF
keywords, centroids, cosine threshold, temperature) -> save + MODEL_CARD.md. The same recipe serves
``journeymine topics fit``. Run from the repository root:

    python -m models.training.fit_topics --datasets ../shared/datasets [--out models/artifacts] [--seed 42]
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.topic_model import TopicModel
from models.training import cards
from models.training import datasets as ds
from models.training.embeddings import DEFAULT_CACHE_DIR, ENCODER_ID, CachedEmbedder
from models.training.topics.cards import topic_card_sections
from models.training.topics.fit import TopicFitConfig, auto_n_topics, fit_topic_model

MODULE = "models.training.fit_topics"
DEFAULT_SEED = 42
VERSION = "v2"
OUT_DIR = f"topics/customer_service/{VERSION}"
# Documents drawn per source; three sources keep any one taxonomy from dominating the topics.
DOCS_PER_SOURCE = 1500
LABELS_KEYWORDS = (
    "Labels are keyword-derived, not curated (rename them with `journeymine topics rename` on a user model)."
)


@dataclass(frozen=True)
class Corpus:
    """Documents with the source each came from."""

    texts: list[str]
    sources: list[str]


def build_corpus(root: Path, seed: int, per_source: int = DOCS_PER_SOURCE) -> Corpus:
    """MultiDoGo task-intent customer turns, bitext utterances and Banking77 queries: ``per_source`` distinct each."""
    rng = np.random.default_rng(seed)
    mdg = ds.load_multidogo(root)["train"]
    not_task = {*ds.MULTIDOGO_DIALOGUE_ACTS, ds.OUT_OF_SCOPE}
    # Dialogue acts and bare slot values carry no topic; only task-intent turns say what the chat is about.
    pools = {
        "multidogo": [t for t, lb in zip(mdg.texts, mdg.labels, strict=True) if lb not in not_task],
        "bitext": ds.load_bitext(root, seed=seed)["train"].texts,
        "banking77": ds.load_banking77(root, seed=seed)["train"].texts,
    }
    texts: list[str] = []
    sources: list[str] = []
    seen: set[str] = set()
    for source, pool in pools.items():
        unique = sorted(set(pool) - seen)
        picked = rng.choice(len(unique), size=min(per_source, len(unique)), replace=False)
        for i in sorted(picked.tolist()):
            texts.append(unique[i])
            sources.append(source)
            seen.add(unique[i])
    return Corpus(texts, sources)


def write_card(
    out: Path, model: TopicModel, corpus: Corpus, seed: int, command: str, *, labels: str = LABELS_KEYWORDS
) -> None:
    """MODEL_CARD.md for the shipped topic model: the corpus, then the recipe's own sections."""
    per_source = Counter(corpus.sources)
    data = cards.table(
        ["source", "split", "license", "docs"],
        [
            [
                "multidogo turn level, task-intent customer turns",
                "train",
                ds.LICENSES["multidogo"],
                per_source["multidogo"],
            ],
            [
                "bitext_cs_intent (both releases)",
                "train part (90%)",
                ds.LICENSES["bitext_cs_intent"],
                per_source["bitext"],
            ],
            ["banking77", "train.csv minus dev slice", ds.LICENSES["banking77"], per_source["banking77"]],
        ],
    )
    data += (
        f"\n\nUp to {DOCS_PER_SOURCE} distinct documents drawn per source with seed {seed}; MultiDoGo dialogue "
        "acts, `contentonly` and out-of-domain turns are left out because they carry no topic. Embeddings: "
        f"`{ENCODER_ID}`."
    )
    sections = topic_card_sections(model, command=command)
    sections.insert(1, ("Data", data))
    sections.append(
        (
            "Serving",
            "Serving does not run BERTopic: a text's topic is its nearest centroid by cosine, none below the "
            "threshold, so a text gets the same topic alone or in a batch and no pickle is shipped. " + labels,
        )
    )
    cards.write_card(out, f"topics.customer_service {model.version} — customer-service topic model", sections)


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, required=True, help="the shared datasets folder (../shared/datasets)")
    parser.add_argument("--out", type=Path, default=Path("models/artifacts"), help="artifacts root")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--cache-dir", type=Path, default=DEFAULT_CACHE_DIR, help="embedding cache")
    args = parser.parse_args(argv)
    if not args.datasets.is_dir():
        raise SystemExit(f"datasets folder not found: {args.datasets}")
    command = cards.command_line(MODULE)
    corpus = build_corpus(args.datasets, args.seed)
    embeddings = CachedEmbedder(cache_dir=args.cache_dir).embed(corpus.texts, desc="topic corpus")
    print(f"fitting topics on {len(corpus.texts)} documents ({auto_n_topics(len(corpus.texts))} clusters)")
    fit = fit_topic_model(
        corpus.texts,
        np.asarray(embeddings),
        name="topics.customer_service",
        version=VERSION,
        config=TopicFitConfig(),
        metadata={"encoder": ENCODER_ID, "seed": args.seed, "corpus": dict(sorted(Counter(corpus.sources).items()))},
    )
    out = args.out / OUT_DIR
    fit.model.save(out)
    write_card(out, fit.model, corpus, args.seed, command)
    print(
        f"saved {fit.model.name} {fit.model.version}: {len(fit.model.topics)} topics, "
        f"{fit.model.metadata['outlier_share']:.1%} without a topic -> {out}"
    )


if __name__ == "__main__":
    main()
