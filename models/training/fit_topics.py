"""Fit the customer-service topic model with BERTopic and store it as our nearest-centroid TopicModel.

Recipe: build corpus -> embed (cached) -> BERTopic (seeded UMAP, HDBSCAN, c-TF-IDF)
-> centroids, keywords, labels -> cosine threshold and temperature -> save + MODEL_CARD.md.
Run from the repository root:

    python -m models.training.fit_topics --datasets ../shared/datasets [--out models/artifacts] [--seed 42]
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from models.topic_model import Topic, TopicModel
from models.training import cards
from models.training import datasets as ds
from models.training.embeddings import DEFAULT_CACHE_DIR, ENCODER_ID, CachedEmbedder
from models.training.metrics import fit_temperature, threshold_for_abstention

MODULE = "models.training.fit_topics"
DEFAULT_SEED = 42
OUT_DIR = "topics/customer_service/v1"
# Documents drawn per source; three sources keep any one taxonomy from dominating the topics.
DOCS_PER_SOURCE = 1500
# Share of the corpus the cosine threshold may leave without a topic.
MAX_UNASSIGNED = 0.10
N_KEYWORDS = 8
LABEL_KEYWORDS = 3
UMAP_PARAMS = {"n_neighbors": 15, "n_components": 5, "min_dist": 0.0, "metric": "cosine"}
HDBSCAN_PARAMS = {"min_cluster_size": 25, "min_samples": 10, "metric": "euclidean", "cluster_selection_method": "eom"}
# Temperatures for cosine similarities are small: neighbouring centroids sit within ~0.1 cosine.
TEMPERATURE_BOUNDS = (0.005, 1.0)


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


def run_bertopic(texts: Sequence[str], embeddings: np.ndarray, seed: int) -> tuple[np.ndarray, dict[int, list[str]]]:
    """BERTopic over precomputed embeddings: per-document topic (-1 = outlier) and top c-TF-IDF words per topic."""
    from bertopic import BERTopic
    from hdbscan import HDBSCAN
    from sklearn.feature_extraction.text import CountVectorizer
    from umap import UMAP

    model = BERTopic(
        umap_model=UMAP(random_state=seed, **UMAP_PARAMS),
        hdbscan_model=HDBSCAN(prediction_data=False, **HDBSCAN_PARAMS),
        vectorizer_model=CountVectorizer(stop_words="english", min_df=2),
        top_n_words=N_KEYWORDS,
        calculate_probabilities=False,
    )
    assigned, _ = model.fit_transform(list(texts), embeddings=embeddings)
    words = {
        int(topic): [word for word, _ in model.get_topic(topic) or [] if word][:N_KEYWORDS]
        for topic in sorted(set(assigned))
        if topic != -1
    }
    return np.asarray(assigned, dtype=np.int64), words


def unique_labels(keyword_lists: Sequence[Sequence[str]], n: int = LABEL_KEYWORDS) -> list[str]:
    """Top ``n`` keywords joined with ' / ', extended by further keywords (or an index) where labels collide."""
    labels: list[str] = []
    seen: set[str] = set()
    for i, words in enumerate(keyword_lists):
        k = n
        label = " / ".join(words[:k]) or f"topic {i}"
        while label in seen and k < len(words):
            k += 1
            label = " / ".join(words[:k])
        if label in seen:
            label = f"{label} ({i})"
        seen.add(label)
        labels.append(label)
    return labels


def to_topic_model(embeddings: np.ndarray, assigned: np.ndarray, words: dict[int, list[str]]) -> TopicModel:
    """Centroid per BERTopic topic (ids renumbered 0..k-1, outliers dropped), threshold and temperature."""
    bertopic_ids = sorted(words)
    keyword_lists = [words[t] for t in bertopic_ids]
    labels = unique_labels(keyword_lists)
    centroids = np.stack([embeddings[assigned == t].mean(axis=0) for t in bertopic_ids])
    topics = tuple(
        Topic(id=i, label=labels[i], keywords=tuple(keyword_lists[i]), size=int((assigned == t).sum()))
        for i, t in enumerate(bertopic_ids)
    )
    model = TopicModel(name="topics.customer_service", version="v1", topics=topics, centroids=centroids, threshold=0.0)
    sims = embeddings @ model.centroids.T
    model.threshold = threshold_for_abstention(sims.max(axis=1), MAX_UNASSIGNED)
    members = assigned != -1
    remap = {t: i for i, t in enumerate(bertopic_ids)}
    y = np.array([remap[t] for t in assigned[members]], dtype=np.int64)
    model.temperature = round(fit_temperature(sims[members], y, bounds=TEMPERATURE_BOUNDS), 6)
    return model


def corpus_stats(model: TopicModel, embeddings: np.ndarray, assigned: np.ndarray) -> dict[str, float]:
    """Outlier share, share left without a topic, and nearest-centroid agreement with BERTopic on its members."""
    sims = embeddings @ model.centroids.T
    members = assigned != -1
    remap = {t: i for i, t in enumerate(sorted(set(assigned[members].tolist())))}
    y = np.array([remap[t] for t in assigned[members]])
    return {
        "n_docs": float(len(assigned)),
        "bertopic_outlier_share": float((~members).mean()),
        "unassigned_share": float((sims.max(axis=1) < model.threshold).mean()),
        "centroid_agreement_on_members": float((sims[members].argmax(axis=1) == y).mean()),
    }


def write_card(out: Path, model: TopicModel, corpus: Corpus, stats: dict[str, float], seed: int, command: str) -> None:
    """MODEL_CARD.md for the topic model."""
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
        f"\n\nUp to {DOCS_PER_SOURCE} distinct documents drawn per source with the seed; MultiDoGo dialogue acts, "
        "`contentonly` and out-of-domain turns are left out because they carry no topic."
    )
    settings = cards.table(
        ["setting", "value"],
        [
            ["encoder", f"`{ENCODER_ID}` (precomputed embeddings)"],
            ["BERTopic", "0.17.4, calculate_probabilities=False"],
            ["UMAP", ", ".join(f"{k}={v}" for k, v in UMAP_PARAMS.items()) + f", random_state={seed}"],
            ["HDBSCAN", ", ".join(f"{k}={v}" for k, v in HDBSCAN_PARAMS.items())],
            ["vectorizer", "CountVectorizer(stop_words='english', min_df=2), c-TF-IDF top words"],
            ["keywords / label", f"top {N_KEYWORDS} c-TF-IDF words; label = top {LABEL_KEYWORDS} joined with ' / '"],
            ["centroid", "mean of member embeddings (BERTopic outliers excluded), L2-normalised"],
            ["threshold (cosine)", f"{model.threshold:.4f}: at most {MAX_UNASSIGNED:.0%} of the corpus below it"],
            ["temperature", f"{model.temperature:.4f}: minimises NLL of softmax(cos / T) against BERTopic's topics"],
            ["seed", seed],
        ],
    )
    results = cards.table(
        ["figure", "value"],
        [
            ["documents", int(stats["n_docs"])],
            ["topics (BERTopic -1 dropped)", len(model.topics)],
            ["BERTopic outlier share (-1)", stats["bertopic_outlier_share"]],
            ["corpus share left without a topic at the threshold", stats["unassigned_share"]],
            ["nearest centroid = BERTopic topic, on BERTopic's members", stats["centroid_agreement_on_members"]],
        ],
    )
    topic_rows = [[t.id, t.label, t.size, ", ".join(t.keywords)] for t in model.topics]
    sections = [
        ("Command", f"```\n{command}\n```\n\nFitted {cards.today()} (UTC). Deterministic for a fixed seed."),
        ("Data", data),
        ("Settings", settings),
        ("Results", results),
        ("Topics", cards.table(["id", "label", "size", "keywords"], topic_rows)),
        (
            "Serving",
            "Serving does not run BERTopic: a text's topic is its nearest centroid by cosine, none below the "
            "threshold, so a text gets the same topic alone or in a batch and no pickle is shipped. Labels are "
            "keyword-derived, not curated.",
        ),
    ]
    cards.write_card(out, "topics.customer_service v1 — customer-service topic model", sections)


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
    print(f"fitting BERTopic on {len(corpus.texts)} documents")
    assigned, words = run_bertopic(corpus.texts, embeddings, args.seed)
    model = to_topic_model(embeddings, assigned, words)
    stats = corpus_stats(model, embeddings, assigned)
    model.metadata = {
        "encoder": ENCODER_ID,
        "seed": args.seed,
        "corpus": dict(sorted(Counter(corpus.sources).items())),
        **{k: round(v, 6) for k, v in stats.items()},
    }
    out = args.out / OUT_DIR
    model.save(out)
    write_card(out, model, corpus, stats, args.seed, command)
    print(f"saved {model.name} {model.version}: {len(model.topics)} topics, {stats} -> {out}")


if __name__ == "__main__":
    main()
