"""Train the shipped linear heads (sentiment, the intent taxonomies, satisfaction) on the shared encoder's embeddings.

The encoder (all-MiniLM-L6-v2 with the project's multi-task LoRA adapter merged, see
``models/encoder.py``) stays fixed here; retrain every head after the adapter changes.

Recipe per head: load splits -> embed (cached) -> multinomial logistic regression
with C picked on dev -> temperature scaling on dev -> abstention threshold (intent
heads) -> save head + MODEL_CARD.md. This module is the command line; each head's recipe is
``heads/<key>.py``, sharing the fit (``heads.fit``), the data assembly (``heads.data``), the threshold
rules (``heads.thresholds``) and the card pieces (``heads.cards``). Run from the repository root:

    python -m models.training.train_heads --datasets ../shared/datasets
        [--only sentiment,sentiment_v3,sentiment_permissive,sentiment_v4,sentiment_permissive_v2,
               banking77,clinc150,customer_service,satisfaction]
        [--out models/artifacts]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from pathlib import Path

from models.training import cards
from models.training.embeddings import DEFAULT_CACHE_DIR, CachedEmbedder
from models.training.heads.banking77 import train_banking77
from models.training.heads.cards import TrainedHead
from models.training.heads.clinc150 import train_clinc150
from models.training.heads.customer_service import PATH as CUSTOMER_SERVICE_PATH
from models.training.heads.customer_service import train_customer_service
from models.training.heads.fit import HEAD_VERSION
from models.training.heads.satisfaction import VERSION as SATISFACTION_VERSION
from models.training.heads.satisfaction import train_satisfaction
from models.training.heads.sentiment import (
    PERMISSIVE,
    PERMISSIVE_V2,
    V3,
    V4,
    train_sentiment,
    train_sentiment_permissive,
    train_sentiment_permissive_v2,
    train_sentiment_v3,
    train_sentiment_v4,
)

MODULE = "models.training.train_heads"
DEFAULT_SEED = 42
HEAD_KEYS: tuple[str, ...] = (
    "sentiment",
    "sentiment_v3",
    "sentiment_permissive",
    "sentiment_v4",
    "sentiment_permissive_v2",
    "banking77",
    "clinc150",
    "customer_service",
    "satisfaction",
)

TRAINERS: dict[str, Callable[[Path, CachedEmbedder, int, str], TrainedHead]] = {
    "sentiment": train_sentiment,
    "sentiment_v3": train_sentiment_v3,
    "sentiment_permissive": train_sentiment_permissive,
    "sentiment_v4": train_sentiment_v4,
    "sentiment_permissive_v2": train_sentiment_permissive_v2,
    "banking77": train_banking77,
    "clinc150": train_clinc150,
    "customer_service": train_customer_service,
    "satisfaction": train_satisfaction,
}
OUT_DIRS: dict[str, str] = {
    "sentiment": f"sentiment/{HEAD_VERSION}",
    "sentiment_v3": V3.path,
    "sentiment_permissive": PERMISSIVE.path,
    "sentiment_v4": V4.path,
    "sentiment_permissive_v2": PERMISSIVE_V2.path,
    "banking77": f"intent/banking77/{HEAD_VERSION}",
    "clinc150": f"intent/clinc150/{HEAD_VERSION}",
    "customer_service": CUSTOMER_SERVICE_PATH,
    "satisfaction": f"satisfaction/{SATISFACTION_VERSION}",
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
