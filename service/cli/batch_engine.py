"""The two engines of ``journeymine enrich``, running one enrichment class.

    local   this process: rows -> BatchEnrichment.enrich in chunks -> JSONL or Parquet sink, resumable
            (pipelines/batch.py)
    ray     Ray Data: read_parquet -> map_batches(BatchEnrichment, one model load per actor) -> write_parquet,
            on this machine (``ray.init()``) or on a cluster (``--ray-address``)

Both turn a row into an interaction with the same parser and validator (service/cli/batch_io.py) and write the
same Parquet columns (RESULT_COLUMNS), so a job gives the same results on either engine.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.errors import JourneymineError
from pipelines.enrichment.domain import EnrichedInteraction, EnrichOptions, Interaction
from service.cli.batch_io import InputError, ParquetSink, format_of, parquet_record, parse_record, result_table
from service.config import Settings, build_configured_enricher

# Worker processes on a cluster read the bundled models from their own install, never a hub.
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


class BatchEnrichment:
    """The models, loaded once (per process, or per Ray actor), and the enrichment of a batch of rows."""

    def __init__(self, settings: Settings, options: EnrichOptions) -> None:
        self.settings, self.options = settings, options
        self.enricher = build_configured_enricher(settings)
        self.enricher.stages_for(options)  # an unknown model, taxonomy or topic model fails here, before any row

    @property
    def model_ids(self) -> list[str]:
        """Every model that can touch a result (for the job's fingerprint)."""
        e = self.enricher
        return [e.encoder_model.id, e.nlp_model.id, *sorted(e.registry.specs)]

    def enrich(self, interactions: list[Interaction]) -> list[EnrichedInteraction]:
        return self.enricher.enrich(interactions, self.options)

    def enrich_many(self, batches: Iterator[list[Interaction]]) -> Iterator[list[EnrichedInteraction]]:
        """The local engine's chunks, pipelined (Enricher.enrich_batches)."""
        return self.enricher.enrich_batches(batches, self.options)

    def __call__(self, batch: Any) -> Any:
        """Ray Data ``map_batches``: a pyarrow Table of input rows (plus ``path``) -> a Table of RESULT_COLUMNS."""
        rows = [
            parse_record(-1, str(record.pop("path", "")), parquet_record(record), self.settings.limits)
            for record in batch.to_pylist()
        ]
        good = [r.interaction for r in rows if r.interaction is not None]
        return result_table(rows, self.enrich(good) if good else [])


@dataclass(frozen=True)
class RaySummary:
    rows: int
    enriched: int
    rejected: int
    seconds: float
    rows_per_s: float  # interactions enriched per second, start of the Ray job to the last file written


def run_ray(
    inputs: Sequence[Path],
    out: Path,
    *,
    settings: Settings,
    options: EnrichOptions,
    address: str | None = None,
    actors: int = 1,
    cpus_per_actor: float = 1.0,
    batch_size: int = 256,
    overwrite: bool = False,
) -> RaySummary:
    """Enrich Parquet ``inputs`` into the Parquet directory ``out`` with Ray Data actors."""
    for path in inputs:
        if format_of(path) != "parquet":
            raise InputError(f"{path}: the ray engine reads Parquet; convert it, or run it with --engine local")
    if format_of(out) != "parquet":
        raise InputError(f"--out {out}: the ray engine writes a Parquet directory; name it *.parquet")
    if ParquetSink(out).has_output():
        if not overwrite:
            raise FileExistsError(f"{out} exists: pass --overwrite to replace it, or choose another --out")
        shutil.rmtree(out) if out.is_dir() else out.unlink()
    try:
        import ray
    except ImportError as exc:
        raise ValueError("the ray engine needs Ray: pip install 'journeymine[ray]' (or use --engine local)") from exc

    began = time.perf_counter()
    ray.init(
        address=address,
        ignore_reinit_error=True,
        include_dashboard=False,
        log_to_driver=False,
        runtime_env={"env_vars": OFFLINE_ENV},
    )
    context = ray.data.DataContext.get_current()
    # Asks Ray to keep input order; it does not on every run, so rows are keyed by interaction_id, not position.
    context.execution_options.preserve_order = True
    context.enable_progress_bars = True
    dataset = ray.data.read_parquet([str(p.resolve()) for p in inputs], include_paths=True)
    results = dataset.map_batches(
        BatchEnrichment,
        fn_constructor_kwargs={"settings": settings, "options": options},
        batch_size=batch_size,
        batch_format="pyarrow",
        concurrency=actors,
        num_cpus=cpus_per_actor,
    )
    try:
        results.write_parquet(str(out.resolve()))
    except Exception as exc:  # an actor's JourneymineError (unknown taxonomy, missing artifact) reads as itself
        raise _domain_error(exc) from exc
    seconds = time.perf_counter() - began
    import pyarrow.parquet as pq

    errors = pq.read_table(out, columns=["errors"]).column("errors")
    rows, enriched = len(errors), errors.null_count  # enriched rows carry no errors
    rejected = rows - enriched
    return RaySummary(rows, enriched, rejected, seconds, enriched / seconds if seconds > 0 else 0.0)


def _domain_error(exc: BaseException) -> BaseException:
    """The JourneymineError behind a Ray task or actor failure, or ``exc`` when there is none."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, JourneymineError):
            return seen
        seen = getattr(seen, "cause", None) or seen.__cause__
    return exc
