"""Benchmark: journey ingest throughput and score / journey read latency on a filled store.

    python -m eval.bench.journeys [--touchpoints 1000000] [--customers 50000] [--url URL] [--queries 2000] [--json]

Fills a fresh store (a SQLite file in a temp dir unless ``--url`` names an empty database) with
structured touchpoints through ``Journeys.record`` in batches of 1000, the production path: id
check, store, alerts and score updates in the batch's transaction. The data is random but seeded:
channels, outcomes, hold and handle times, a survey rating on ~10 %, an intent on ~30 % (passed as
the signals of an earlier Enrich, as callers do), in time order over 180 days with ~2 % late
arrivals. Then it times ``Journeys.score`` and ``Journeys.journey`` for random customers.

Figures, not assertions. The bars: ingest >= 2,000 structured touchpoints/s; score p99 <= 10 ms at
1M touchpoints on SQLite. ``--profile FILE`` writes a cProfile of the fill (read it with pstats).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tqdm import tqdm

from pipelines.enrichment.domain import Channel, EnrichedInteraction, Intent, LanguageInfo, ModelRef
from pipelines.journeys.database import default_url
from pipelines.journeys.domain import Outcome, RecordStatus, Touchpoint, TouchpointAttributes
from pipelines.journeys.journeys import Journeys
from pipelines.journeys.pii import Redactor
from pipelines.journeys.store import JourneyStore

END = datetime(2026, 3, 1, tzinfo=UTC)
SPAN = timedelta(days=180)
BARS = {"ingest_touchpoints_per_s": 2000.0, "score_p99_ms": 10.0}

CHANNELS = {
    Channel.CALL: 35,
    Channel.CHAT: 20,
    Channel.WEB: 20,
    Channel.EMAIL: 10,
    Channel.IVR: 10,
    Channel.SURVEY: 5,
}
OUTCOMES = {
    Outcome.RESOLVED: 40,
    Outcome.UNSPECIFIED: 25,
    Outcome.UNRESOLVED: 10,
    Outcome.TRANSFERRED: 8,
    Outcome.PURCHASE: 5,
    Outcome.ABANDONED: 5,
    Outcome.CALLBACK: 4,
    Outcome.ESCALATED: 2,
    Outcome.CANCELLATION: 1,
}
INTENTS = {
    "card_lost": 20,
    "refund": 20,
    "balance": 15,
    "transfer_failed": 15,
    "change_address": 10,
    "fees": 10,
    "complaint": 6,
    "cancel": 4,
}
LANGUAGE = LanguageInfo("en", 1.0, "declared", True)
INTENT_MODEL = ModelRef("intent.bench", "v1")


@dataclass(frozen=True)
class Generator:
    """Seeded structured touchpoints in stream order (``clock`` follows the stream, as in production)."""

    touchpoints: int
    customers: int
    seed: int

    def batches(self, size: int) -> Iterator[tuple[datetime, list[Touchpoint]]]:
        rng = random.Random(self.seed)
        channels, channel_w = list(CHANNELS), list(CHANNELS.values())
        outcomes, outcome_w = list(OUTCOMES), list(OUTCOMES.values())
        intents, intent_w = list(INTENTS), list(INTENTS.values())
        start = END - SPAN
        step = SPAN / max(self.touchpoints, 1)
        for first in range(0, self.touchpoints, size):
            batch = []
            for k in range(first, min(first + size, self.touchpoints)):
                occurred = start + step * k + timedelta(seconds=rng.uniform(0, 60))
                if rng.random() < 0.02:  # a late arrival: dated up to three days before the stream
                    occurred -= timedelta(hours=rng.uniform(1, 72))
                occurred = occurred.replace(microsecond=occurred.microsecond // 1000 * 1000)
                channel = rng.choices(channels, channel_w)[0]
                rated = rng.random() < 0.10
                attributes = TouchpointAttributes(
                    hold_seconds=round(rng.expovariate(1 / 90), 1) if channel == Channel.CALL else None,
                    handle_seconds=round(rng.expovariate(1 / 400), 1)
                    if channel in {Channel.CALL, Channel.CHAT}
                    else None,
                    rating=float(rng.randint(1, 5)) if rated else None,
                    rating_min=1.0 if rated else None,
                    rating_max=5.0 if rated else None,
                )
                signals = None
                if rng.random() < 0.30:
                    intent = Intent("bench", rng.choices(intents, intent_w)[0], False, 0.9, 0.5, (), INTENT_MODEL)
                    signals = EnrichedInteraction(f"tp{k:09d}", LANGUAGE, intent=intent, models=(INTENT_MODEL,))
                batch.append(
                    Touchpoint(
                        id=f"tp{k:09d}",
                        customer_id=f"cust{rng.randrange(self.customers):07d}",
                        channel=channel,
                        occurred_at=occurred,
                        outcome=rng.choices(outcomes, outcome_w)[0],
                        attributes=attributes,
                        signals=signals,
                    )
                )
            yield start + step * min(first + size, self.touchpoints), batch


def percentiles_ms(samples: list[float]) -> dict[str, float]:
    """p50/p95/p99/max of ``samples`` (seconds), in milliseconds."""
    if not samples:
        return {}
    cuts = statistics.quantiles(samples, n=100, method="inclusive") if len(samples) > 1 else [samples[0]] * 99
    return {
        "p50_ms": round(cuts[49] * 1000, 3),
        "p95_ms": round(cuts[94] * 1000, 3),
        "p99_ms": round(cuts[98] * 1000, 3),
        "max_ms": round(max(samples) * 1000, 3),
        "mean_ms": round(statistics.fmean(samples) * 1000, 3),
    }


def timed(call: Callable[[], Any], n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        call()
        out.append(time.perf_counter() - t0)
    return out


def fill(journeys: Journeys, generator: Generator, batch: int, clock: list[datetime]) -> dict[str, float]:
    """Record every batch through the real path; the whole fill's touchpoints/s, alerts and duplicates."""
    stored = duplicates = alerts = 0
    # The last tenth of the fill, on its own: the steady-state rate once histories are long.
    tail_from, tail_stored, tail_t0 = min(generator.touchpoints * 0.9, generator.touchpoints - batch), 0, None
    t0 = time.perf_counter()
    with tqdm(total=generator.touchpoints, unit="tp", file=sys.stderr, smoothing=0.05) as bar:
        for stream_time, touchpoints in generator.batches(batch):
            clock[0] = stream_time
            if tail_t0 is None and bar.n >= tail_from:
                tail_t0 = time.perf_counter()
            result = journeys.record(touchpoints)
            n_stored = sum(r.status == RecordStatus.STORED for r in result.results)
            stored += n_stored
            tail_stored += n_stored if tail_t0 is not None else 0
            duplicates += len(result.results) - n_stored
            alerts += len(result.alerts)
            bar.update(len(touchpoints))
    t1 = time.perf_counter()
    elapsed, tail = t1 - t0, t1 - (tail_t0 or t1)
    return {
        "touchpoints": stored,
        "duplicates": duplicates,
        "alerts_raised": alerts,
        "seconds": round(elapsed, 1),
        "touchpoints_per_s": round(stored / elapsed, 1) if elapsed else 0.0,
        "last_tenth_touchpoints_per_s": round(tail_stored / tail, 1) if tail else 0.0,
    }


def file_size_mib(url: str) -> float | None:
    """Size of an SQLite database with its -wal and -shm files; None for a server database."""
    if not url.startswith("sqlite:///"):
        return None
    path = Path(url.removeprefix("sqlite:///"))
    files = [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]
    return round(sum(f.stat().st_size for f in files if f.exists()) / 2**20, 1)


def run(args: argparse.Namespace, url: str) -> dict[str, Any]:
    store = JourneyStore.open(url)
    try:
        if store.count():
            raise SystemExit(f"{store.safe_url} already holds touchpoints; the benchmark needs an empty store")
        clock = [END - SPAN]
        journeys = Journeys(store=store, enrich=None, redactor=Redactor(nlp=None), clock=lambda: clock[0])
        generator = Generator(args.touchpoints, args.customers, args.seed)
        profiler = cProfile.Profile() if args.profile else None
        if profiler is not None:
            profiler.enable()
        ingest = fill(journeys, generator, args.batch, clock)
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
        clock[0] = END
        rng = random.Random(args.seed + 1)
        customers = [f"cust{rng.randrange(args.customers):07d}" for _ in range(args.queries)]
        queue = iter(customers * 2)
        journeys.score(customers[0])  # warm-up: first-query compilation and caches
        score_s = timed(lambda: journeys.score(next(queue)), args.queries)
        queue = iter(customers)
        journey_s = timed(lambda: journeys.journey(next(queue)), args.queries)
        lengths = [len(journeys.journey(c)) for c in customers[:200]]
        report: dict[str, Any] = {
            "url": store.safe_url,
            "dialect": store.dialect,
            "cpu_count": os.cpu_count(),
            "touchpoints": args.touchpoints,
            "customers": args.customers,
            "batch": args.batch,
            "seed": args.seed,
            "ingest": ingest,
            "score": {"queries": args.queries, **percentiles_ms(score_s)},
            "journey": {"queries": args.queries, **percentiles_ms(journey_s)},
            "mean_journey_length": round(statistics.fmean(lengths), 1) if lengths else 0.0,
            "stored_count": store.count(),
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "db_size_mib": file_size_mib(url),
        }
    finally:
        store.close()
    report["bars"] = {
        "ingest_touchpoints_per_s": {
            "bar": BARS["ingest_touchpoints_per_s"],
            "met": report["ingest"]["touchpoints_per_s"] >= BARS["ingest_touchpoints_per_s"],
        },
        "score_p99_ms": {"bar": BARS["score_p99_ms"], "met": report["score"]["p99_ms"] <= BARS["score_p99_ms"]},
    }
    return report


def print_text(report: dict[str, Any]) -> None:
    ingest, score, journey = report["ingest"], report["score"], report["journey"]
    print(f"store          {report['url']} ({report['dialect']}), {report['cpu_count']} CPUs")
    print(
        f"fill           {report['touchpoints']:,} touchpoints, {report['customers']:,} customers, "
        f"batches of {report['batch']}, seed {report['seed']}"
    )
    print(
        f"ingest         {ingest['touchpoints_per_s']:,.0f} touchpoints/s ({ingest['touchpoints']:,} stored in "
        f"{ingest['seconds']:,.1f} s, {ingest['alerts_raised']:,} alerts, {ingest['duplicates']} duplicates)"
    )
    print(f"ingest, tail   {ingest['last_tenth_touchpoints_per_s']:,.0f} touchpoints/s over the last tenth of the fill")
    for name, figures in (("score", score), ("journey", journey)):
        print(
            f"{name:<15}p50 {figures['p50_ms']:.2f} ms  p95 {figures['p95_ms']:.2f} ms  "
            f"p99 {figures['p99_ms']:.2f} ms  max {figures['max_ms']:.2f} ms  ({figures['queries']} queries)"
        )
    print(f"journey length {report['mean_journey_length']} touchpoints on average")
    print(f"peak RSS       {report['peak_rss_mib']:,.0f} MiB")
    size = report["db_size_mib"]
    print(f"database size  {'n/a (server)' if size is None else f'{size:,.1f} MiB'}")
    for name, bar in report["bars"].items():
        print(f"bar            {name} {bar['bar']:g}: {'met' if bar['met'] else 'MISSED'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--touchpoints", type=int, default=1_000_000, help="touchpoints to record (default 1000000)")
    parser.add_argument("--customers", type=int, default=50_000, help="distinct customers (default 50000)")
    parser.add_argument("--url", help="an empty database to fill (default: a SQLite file in a temp dir)")
    parser.add_argument("--queries", type=int, default=2000, help="timed score and journey reads (default 2000)")
    parser.add_argument("--batch", type=int, default=1000, help="touchpoints per record call (default 1000)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--profile", type=Path, help="write a cProfile of the fill to this file")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    args = parser.parse_args(argv)
    if args.touchpoints < 1 or args.customers < 1 or args.queries < 1 or args.batch < 1:
        parser.error("--touchpoints, --customers, --queries and --batch must be positive")
    if args.url:
        report = run(args, args.url)
    else:
        with tempfile.TemporaryDirectory(prefix="bench-journeys-") as tmp:
            report = run(args, default_url(Path(tmp)))
    if args.json:
        print(json.dumps(report))
    else:
        print_text(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
