"""``journeymine enrich --in FILE... --out FILE``: enrich interactions at volume, resumably.

    journeymine enrich --in calls.jsonl chats.parquet --out signals.jsonl
    journeymine enrich --in feedback.csv --out signals.parquet --taxonomy banking77 --signals sentiment,intent
    journeymine enrich --in reviews.jsonl --out signals.jsonl --sentiment-model reviews   (journeymine train sentiment)
    journeymine enrich --engine ray --in part-*.parquet --out signals.parquet [--ray-address HOST:PORT]

Rows are read in the gRPC contract's Interaction shape (service/cli/batch_io.py) and enriched by the same
Enricher as the server. ``--out *.jsonl`` gets one EnrichedInteraction per line, bad rows in
``<out>.errors.jsonl`` with their file, line and fix; ``--out *.parquet`` is a directory of part files
with a row per input row (service/cli/batch_io.py RESULT_COLUMNS). The local engine is resumable: run the
same command again and it continues after the last checkpoint (``<out>.checkpoint.json``) with no row
missing or repeated. The ray engine (service/cli/batch_engine.py) runs Ray Data actors, Parquet to Parquet.
Exit status: 0 done (rejected rows are counted in the summary), 2 bad arguments or unreadable input.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.errors import JourneymineError
from pipelines.enrichment.domain import DEFAULT_SIGNALS, EnrichOptions, SignalKind
from service.config import Settings

if TYPE_CHECKING:
    from pipelines.batch import BatchSummary, Sink

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``enrich`` subcommand to the ``journeymine`` parser."""
    p = subparsers.add_parser("enrich", help="enrich JSONL/CSV/Parquet files of interactions into JSONL, resumably")
    p.add_argument("--in", dest="inputs", type=Path, nargs="+", required=True, metavar="FILE", help="input files")
    p.add_argument("--out", type=Path, required=True, metavar="FILE", help="results, one JSON object per line")
    p.add_argument(
        "--signals",
        default="",
        metavar="S,S",
        help="sentiment,intent,topics,entities,aspects (default: all but aspects)",
    )
    p.add_argument("--taxonomy", metavar="NAME", help="intent taxonomy (default: the default one)")
    p.add_argument("--topic-model", metavar="NAME", help="topic model (default: the default one)")
    p.add_argument(
        "--sentiment-model",
        metavar="NAME",
        help="sentiment model, e.g. one from `journeymine train sentiment` (default: the default one)",
    )
    p.add_argument("--chunk-size", type=int, default=256, metavar="N", help="rows per enrich call and checkpoint")
    p.add_argument("--overwrite", action="store_true", help="replace --out (and its checkpoint) instead of resuming")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object on stdout")
    p.add_argument("--config", type=Path, metavar="FILE", help="TOML settings file (overrides JOURNEYMINE_CONFIG)")
    ray = p.add_argument_group("ray engine")
    ray.add_argument("--engine", choices=["local", "ray"], default="local", help="local (default, resumable) or ray")
    ray.add_argument("--ray-address", metavar="ADDR", help="a Ray cluster (ray://host:10001 or auto); default: local")
    ray.add_argument("--ray-actors", type=int, default=1, metavar="N", help="enrichment actors, one model each")
    ray.add_argument("--ray-cpus-per-actor", type=float, default=1.0, metavar="C", help="CPUs Ray reserves per actor")
    p.set_defaults(handler=run, overrides=lambda args: {})


def _options(args: argparse.Namespace) -> EnrichOptions:
    names = [s.strip() for s in args.signals.split(",") if s.strip()]
    valid = {s.value: s for s in SignalKind}
    unknown = [n for n in names if n not in valid]
    if unknown:
        raise ValueError(f"--signals: unknown signal {unknown[0]!r}; valid signals are: {', '.join(sorted(valid))}")
    signals = frozenset(valid[n] for n in names) if names else DEFAULT_SIGNALS
    return EnrichOptions(
        signals=signals,
        intent_taxonomy=args.taxonomy,
        topic_model=args.topic_model,
        sentiment_model=args.sentiment_model,
    )


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Check the arguments, load the models, run the job on its engine, print the summary."""
    from service.cli.batch_io import InputError, check_inputs, sink_for

    if args.chunk_size < 1:
        return _fail(f"--chunk-size must be at least 1, got {args.chunk_size}")
    if args.ray_actors < 1:
        return _fail(f"--ray-actors must be at least 1, got {args.ray_actors}")
    try:
        options = _options(args)
        check_inputs(args.inputs)
        sink = sink_for(args.out) if args.engine == "local" else None
    except (ValueError, InputError) as exc:
        return _fail(str(exc))
    out = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        try:
            if args.engine == "ray":
                return _run_ray(args, settings, options, out)
            summary = _run_local(args, settings, options, sink)
        except (FileExistsError, InputError, JourneymineError, ValueError) as exc:
            return _fail(str(exc))
    if args.json:
        out.write(json.dumps({**summary.__dict__, "engine": "local", "out": str(args.out)}, sort_keys=True) + "\n")
    elif summary.already_complete:
        out.write(
            f"{args.out}: already complete ({summary.total_enriched} enriched, {summary.total_rejected} rejected)\n"
        )
    else:
        resumed = f", resumed after {summary.skipped} rows" if summary.skipped else ""
        where = f"{args.out.name}.errors.jsonl" if args.out.suffix.lower() != ".parquet" else "the errors column"
        out.write(
            f"enriched {summary.enriched} interactions in {summary.seconds:.1f}s "
            f"({summary.rows_per_s:.1f}/s){resumed}; "
            f"rejected {summary.rejected} (see {where}); results in {args.out}\n"
        )
    return 0


def _run_local(args: argparse.Namespace, settings: Settings, options: EnrichOptions, sink: Sink) -> BatchSummary:
    from pipelines.batch import run_batch
    from service.cli.batch_engine import BatchEnrichment
    from service.cli.batch_io import count_rows, fingerprint, read_rows

    engine = BatchEnrichment(settings, options)
    return run_batch(
        read_rows(args.inputs, settings.limits),
        sink=sink,
        fingerprint=fingerprint(args.inputs, options, engine.model_ids),
        enrich_many=engine.enrich_many,
        chunk_size=args.chunk_size,
        total=count_rows(args.inputs),
        overwrite=args.overwrite,
    )


def _run_ray(args: argparse.Namespace, settings: Settings, options: EnrichOptions, out: Any) -> int:
    from service.cli.batch_engine import run_ray

    summary = run_ray(
        args.inputs,
        args.out,
        settings=settings,
        options=options,
        address=args.ray_address,
        actors=args.ray_actors,
        cpus_per_actor=args.ray_cpus_per_actor,
        batch_size=args.chunk_size,
        overwrite=args.overwrite,
    )
    if args.json:
        out.write(json.dumps({**summary.__dict__, "engine": "ray", "out": str(args.out)}, sort_keys=True) + "\n")
    else:
        out.write(
            f"enriched {summary.enriched} interactions in {summary.seconds:.1f}s ({summary.rows_per_s:.1f}/s) "
            f"on Ray; rejected {summary.rejected} (see the errors column); results in {args.out}\n"
        )
    return 0


def _fail(message: str) -> int:
    sys.stderr.write(f"journeymine enrich: error: {message}\n")
    return 2
