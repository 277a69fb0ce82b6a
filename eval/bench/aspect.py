"""What aspect sentiment costs: in-process ``Enricher.enrich`` throughput with and without SIGNAL_ASPECTS.

    python -m eval.bench.aspect --datasets ../shared/datasets --n 300 --json

Texts are MAMS ATSA val sentences (restaurant reviews, 2+ aspects each) when the datasets folder is
there, else a built-in set of customer-service sentences. Each configuration runs once to warm up,
then ``--repeat`` times; the best run is reported (the machine is shared). Reported: texts/s for the
default signals and for default + aspects, aspects found per text, and the extra milliseconds per
text and per aspect that aspects add.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from pipelines.enrichment.domain import DEFAULT_SIGNALS, EnrichOptions, Interaction, PlainText, SignalKind

BUILTIN = [
    "The agent was lovely but the refund took three weeks.",
    "My card was charged twice and nobody answers my emails.",
    "The app keeps crashing when I open the statement page, though the support chat was quick.",
    "Delivery was late again, the driver was rude and the box was damaged.",
    "Great prices and the new plan is easy to set up.",
]


def load_texts(n: int, datasets: Path | None) -> tuple[list[str], str]:
    """``n`` texts and where they came from."""
    if datasets is not None and (datasets / "mams_absa" / "ATSA" / "val.xml").is_file():
        from models.training.train_aspect import mams_split

        texts = [e.text for e in mams_split(datasets, "val")]
        source = "MAMS ATSA val sentences"
    else:
        texts, source = BUILTIN, "built-in customer-service sentences"
    return [texts[i % len(texts)] for i in range(n)], source


def run(enricher: Any, texts: list[str], options: EnrichOptions, repeat: int, batch: int) -> tuple[float, int]:
    """Best seconds over ``repeat`` runs of enriching ``texts`` in batches, and the aspects found."""
    interactions = [Interaction(str(i), PlainText(t), language="en") for i, t in enumerate(texts)]
    best, aspects = float("inf"), 0
    for _ in range(repeat + 1):  # the first run warms up (spaCy, torch kernels, lazy loads)
        began = time.perf_counter()
        found = 0
        for start in range(0, len(interactions), batch):
            for result in enricher.enrich(interactions[start : start + batch], options):
                found += len(result.aspects)
        best = min(best, time.perf_counter() - began)
        aspects = found
    return best, aspects


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, default=None, help="shared datasets folder (MAMS val texts)")
    parser.add_argument("--n", type=int, default=300, help="texts per run")
    parser.add_argument("--repeat", type=int, default=2, help="timed runs per configuration (best is reported)")
    parser.add_argument("--batch", type=int, default=64, help="interactions per enrich call")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if args.threads > 0:
        import torch

        torch.set_num_threads(args.threads)
    from pipelines.factory import build_enricher

    enricher = build_enricher()
    texts, source = load_texts(args.n, args.datasets)
    plain_s, _ = run(enricher, texts, EnrichOptions(signals=DEFAULT_SIGNALS), args.repeat, args.batch)
    with_s, aspects = run(
        enricher, texts, EnrichOptions(signals=DEFAULT_SIGNALS | {SignalKind.ASPECTS}), args.repeat, args.batch
    )
    report = {
        "texts": len(texts),
        "source": source,
        "default_texts_per_s": round(len(texts) / plain_s, 1),
        "with_aspects_texts_per_s": round(len(texts) / with_s, 1),
        "aspects_per_text": round(aspects / len(texts), 2),
        "extra_ms_per_text": round(1000 * (with_s - plain_s) / len(texts), 2),
        "extra_ms_per_aspect": round(1000 * (with_s - plain_s) / max(1, aspects), 2),
    }
    if args.json:
        sys.stdout.write(json.dumps(report, sort_keys=True) + "\n")
    else:
        for key, value in report.items():
            sys.stdout.write(f"{key:<26} {value}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
