"""Topic benchmark: fit time at volume, refit id stability, assignment speed, emerging-topic detection.

    python -m eval.bench.topics --datasets ../shared/datasets [--n 50000] [--json]

1. Corpus: up to ``--n`` distinct short texts (MultiDoGo customer turns, bitext, Banking77 and CLINC150
   training utterances), embedded once by the shared encoder (cached under .cache/embeddings; the
   encode time is printed apart from the fit).
2. Fit (``models.training.topics.fit``) and, against it, a refit on the same texts (no random step, so
   this is a determinism check) and a refit on a random 90 % of them: the share of texts in both fits
   that keep their topic id, and of topic ids kept.
3. Assignment of every corpus embedding to the fitted model: texts/s given embeddings.
4. Emerging topics on a constructed stream: Banking77 dev queries of all but three intents spread over
   five weeks; in the last week the three held-back intents arrive too. Topics come from the shipped
   ``topics.customer_service`` model; ``pipelines.topics.trends.emerging`` should flag the topics the new
   queries land in, and nothing else.

Figures are measured, never asserted: this is a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from eval.topics import assign_rate, refit_stability
from models.registry import ModelRegistry
from models.training import datasets as ds
from models.training.embeddings import CachedEmbedder
from models.training.topics.fit import TopicFitConfig, fit_topic_model
from pipelines.topics.trends import NO_TOPIC, TopicEvent, emerging

NEW_INTENTS = ("card_swallowed", "compromised_card", "lost_or_stolen_phone")
START = datetime(2026, 10, 1, tzinfo=UTC)


def corpus(root: Path, n: int, seed: int) -> list[str]:
    """Up to ``n`` distinct texts drawn evenly from four sources."""
    pools = [
        ds.load_multidogo(root)["train"].texts,
        ds.load_bitext(root, seed=seed)["train"].texts,
        ds.load_banking77(root, seed=seed)["train"].texts,
        ds.load_clinc150(root)["train"].texts,
    ]
    rng = np.random.default_rng(seed)
    seen: set[str] = set()
    out: list[str] = []
    for pool in pools:
        unique = sorted(set(pool) - seen)
        picked = rng.permutation(len(unique))[: n // len(pools)]
        chosen = [unique[i] for i in sorted(picked.tolist()) if len(unique[i].split()) >= 2]
        seen.update(chosen)
        out += chosen
    return out[:n]


def fit_figures(texts: list[str], x: np.ndarray, seed: int) -> dict[str, Any]:
    started = time.perf_counter()
    first = fit_topic_model(texts, x, name="topics.bench", version="v1", config=TopicFitConfig())
    fit_s = time.perf_counter() - started
    same = fit_topic_model(texts, x, name="topics.bench", version="v2", config=TopicFitConfig(), previous=first.model)
    stability = refit_stability(texts, x, first, seed=seed)
    return {
        "texts": len(texts),
        "topics": len(first.model.topics),
        "fit_seconds": round(fit_s, 1),
        "fit_steps_seconds": {k: round(v, 1) for k, v in first.seconds.items()},
        "without_topic": round(float((first.assigned == -1).mean()), 4),
        "refit_same_texts_docs_same_id": round(float((same.assigned == first.assigned).mean()), 4),
        "refit_90pct_docs_same_id": stability["docs_same_id"],
        "refit_90pct_ids_kept": stability["ids_kept"],
        "assign_texts_per_s": round(assign_rate(first.model, x)),
    }


def emerging_figures(root: Path, embedder: CachedEmbedder, seed: int) -> dict[str, Any]:
    dev = ds.load_banking77(root, seed=seed)["dev"]
    topics = ModelRegistry().load("topics.customer_service.v2")
    x = embedder.embed(dev.texts, desc="banking77 dev")
    assigned = [r[0][0] if r else None for r in topics.assign(x)]
    rng = np.random.default_rng(seed)
    events: list[TopicEvent] = []
    new_topics: Counter[int] = Counter()
    for i, (text, label, topic) in enumerate(zip(dev.texts, dev.labels, assigned, strict=True)):
        is_new = label in NEW_INTENTS
        day = 28 + rng.uniform(0, 7) if is_new else rng.uniform(0, 35)
        tid = topic.id if topic is not None else NO_TOPIC
        if is_new and topic is not None:
            new_topics[tid] += 1
        events.append(
            TopicEvent(f"b{i}", START + timedelta(days=day), "chat", tid, topic.label if topic else "", text=text)
        )
    flags = emerging(events)
    return {
        "stream": {"events": len(events), "new_intents": list(NEW_INTENTS), "new_queries": sum(new_topics.values())},
        "new_queries_by_topic": {str(k): v for k, v in new_topics.most_common()},
        "flagged": [
            {
                "topic_id": f.topic_id,
                "label": f.label,
                "window_count": f.window_count,
                "baseline_count": f.baseline_count,
                "growth": None if f.growth is None else round(f.growth, 2),
                "z": round(f.z, 2),
                "p_value": float(f"{f.p_value:.3g}"),
                "samples": list(f.samples),
            }
            for f in flags
        ],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval.bench.topics", description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, required=True, help="the shared datasets folder")
    parser.add_argument("--n", type=int, default=50_000, help="corpus size for the fit (default 50,000)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if not args.datasets.is_dir():
        print(f"datasets folder not found: {args.datasets}", file=sys.stderr)
        return 2
    embedder = CachedEmbedder()
    texts = corpus(args.datasets, args.n, args.seed)
    started = time.perf_counter()
    x = np.asarray(embedder.embed(texts, desc="corpus"))
    result = {"encode_seconds": round(time.perf_counter() - started, 1), **fit_figures(texts, x, args.seed)}
    result["emerging"] = emerging_figures(args.datasets, embedder, args.seed)
    if args.json:
        print(json.dumps(result, sort_keys=True))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
