"""``journeymine enrich --in FILE... --out FILE``: enrich interactions at volume, resumably.

    journeymine enrich --in calls.jsonl chats.parquet --out signals.jsonl
    journeymine enrich --in feedback.csv --out signals.jsonl --taxonomy banking77 --signals sentiment,intent

Rows are read in the gRPC contract's Interaction shape (service/batch_io.py), enriched in chunks by
the same Enricher as the server, and written one EnrichedInteraction per line. Bad rows go to
``<out>.errors.jsonl`` with their file, line and fix. Interrupted? Run the same command again: it
resumes after the last checkpoint (``<out>.checkpoint.json``) with no row missing or repeated.
Exit status: 0 done (rejected rows are counted in the summary), 2 bad arguments or unreadable input.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from pathlib import Path

from models.errors import JourneymineError
from pipelines.domain import EnrichOptions, SignalKind
from service.config import Settings, build_configured_enricher

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``enrich`` subcommand to the ``journeymine`` parser."""
    p = subparsers.add_parser("enrich", help="enrich JSONL/CSV/Parquet files of interactions into JSONL, resumably")
    p.add_argument("--in", dest="inputs", type=Path, nargs="+", required=True, metavar="FILE", help="input files")
    p.add_argument("--out", type=Path, required=True, metavar="FILE", help="results, one JSON object per line")
    p.add_argument("--signals", default="", metavar="S,S", help="sentiment,intent,topics,entities (default: all)")
    p.add_argument("--taxonomy", metavar="NAME", help="intent taxonomy (default: the default one)")
    p.add_argument("--topic-model", metavar="NAME", help="topic model (default: the default one)")
    p.add_argument("--chunk-size", type=int, default=256, metavar="N", help="rows per enrich call and checkpoint")
    p.add_argument("--overwrite", action="store_true", help="replace --out (and its checkpoint) instead of resuming")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON object on stdout")
    p.add_argument("--config", type=Path, metavar="FILE", help="TOML settings file (overrides JOURNEYMINE_CONFIG)")
    p.set_defaults(handler=run, overrides=lambda args: {})


def _options(args: argparse.Namespace) -> EnrichOptions:
    names = [s.strip() for s in args.signals.split(",") if s.strip()]
    valid = {s.value: s for s in SignalKind}
    unknown = [n for n in names if n not in valid]
    if unknown:
        raise ValueError(f"--signals: unknown signal {unknown[0]!r}; valid signals are: {', '.join(sorted(valid))}")
    signals = frozenset(valid[n] for n in names) if names else frozenset(SignalKind)
    return EnrichOptions(signals=signals, intent_taxonomy=args.taxonomy, topic_model=args.topic_model)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Check the arguments, load the models, run the resumable batch, print the summary."""
    from pipelines.batch import CheckpointMismatchError, run_batch
    from service.batch_io import InputError, check_inputs, count_rows, encode_result, fingerprint, read_rows

    if args.chunk_size < 1:
        return _fail(f"--chunk-size must be at least 1, got {args.chunk_size}")
    try:
        options = _options(args)
        check_inputs(args.inputs)
    except (ValueError, InputError) as exc:
        return _fail(str(exc))
    out = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        enricher = build_configured_enricher(settings)
        try:
            enricher.stages_for(options)  # an unknown taxonomy or topic model fails here, before any row
            models = [enricher.encoder_model.id, enricher.nlp_model.id, *sorted(enricher.registry.specs)]
            summary = run_batch(
                read_rows(args.inputs, settings.limits),
                out=args.out,
                fingerprint=fingerprint(args.inputs, options, models),
                enrich=lambda interactions: enricher.enrich(interactions, options),
                encode_result=encode_result,
                chunk_size=args.chunk_size,
                total=count_rows(args.inputs),
                overwrite=args.overwrite,
            )
        except (CheckpointMismatchError, FileExistsError, InputError, JourneymineError) as exc:
            return _fail(str(exc))
    if args.json:
        out.write(json.dumps({**summary.__dict__, "out": str(args.out)}, sort_keys=True) + "\n")
    elif summary.already_complete:
        out.write(
            f"{args.out}: already complete ({summary.total_enriched} enriched, {summary.total_rejected} rejected)\n"
        )
    else:
        resumed = f", resumed after {summary.skipped} rows" if summary.skipped else ""
        out.write(
            f"enriched {summary.enriched} interactions in {summary.seconds:.1f}s "
            f"({summary.rows_per_s:.1f}/s){resumed}; "
            f"rejected {summary.rejected} (see {args.out.name}.errors.jsonl); results in {args.out}\n"
        )
    return 0


def _fail(message: str) -> int:
    sys.stderr.write(f"journeymine enrich: error: {message}\n")
    return 2
