"""Batch enrichment: rows in, results out, in chunks, resumable from a checkpoint.

    read rows (numbered across every input file) -> skip what the checkpoint says is done
        -> enrich a chunk (Enricher.enrich_batches: the next chunk's parse overlaps this one's encode)
        -> hand results and rejections to the sink
        -> sink.commit (flush + fsync) -> write the checkpoint (atomically) -> next chunk

Exactly once: the checkpoint records how many input rows are done and the sink's positions
after them (bytes of each JSONL file, or Parquet part files written). A rerun with the same
job fingerprint (inputs, options, models) has the sink drop whatever a killed run wrote after
its last checkpoint and skips the rows already done, so no row is missing and none is written twice.

Sinks: ``JsonlSink`` here (bytes); the Parquet sink and the formats live in ``service/cli/batch_io.py``.
"""

from __future__ import annotations

import json
import os
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from tqdm import tqdm

from pipelines.enrichment.domain import EnrichedInteraction, Interaction

CHECKPOINT_VERSION = 2

# Enrich a stream of batches: one result list per batch, in order (Enricher.enrich_batches).
EnrichMany = Callable[[Iterator[list[Interaction]]], Iterable[list[EnrichedInteraction]]]


def each(enrich: Callable[[list[Interaction]], list[EnrichedInteraction]]) -> EnrichMany:
    """An EnrichMany that calls ``enrich`` on one batch at a time (no call for an empty batch)."""
    return lambda batches: (enrich(batch) if batch else [] for batch in batches)


@dataclass(frozen=True)
class Rejected:
    """An input row that could not become an interaction: where it is and what to fix."""

    row: int
    source: str  # "file:line"
    errors: tuple[tuple[str, str], ...]  # (field path, how to fix it)


@dataclass(frozen=True)
class Row:
    row: int
    source: str
    interaction: Interaction | None
    rejected: Rejected | None = None


@dataclass(frozen=True)
class Checkpoint:
    fingerprint: str
    rows_done: int
    enriched: int
    rejected: int
    # The sink's positions after ``rows_done`` rows (JsonlSink: bytes per file; Parquet: parts written).
    positions: dict[str, int]
    complete: bool = False
    version: int = CHECKPOINT_VERSION


class Sink(Protocol):
    """Where a batch job's results go; it writes only what ``commit`` makes durable for the checkpoint."""

    path: Path  # the output; its checkpoint lies beside it

    def has_output(self) -> bool:
        """Whether ``path`` already holds output (a job without a checkpoint must not clobber it)."""
        ...

    def open(self, positions: Mapping[str, int]) -> None:
        """Start writing after what ``positions`` vouch for, dropping anything written after them."""
        ...

    def write(self, chunk: list[Row], results: list[EnrichedInteraction]) -> None:
        """One chunk: ``results`` are those of the chunk's rows with an interaction, in order."""
        ...

    def commit(self) -> dict[str, int]:
        """Make everything written durable; the positions the checkpoint stores."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class BatchSummary:
    rows: int  # rows handled by this run
    enriched: int  # by this run
    rejected: int  # by this run
    skipped: int  # done by earlier runs (resumed)
    seconds: float
    rows_per_s: float  # interactions enriched per second by this run
    total_enriched: int  # over every run of the job
    total_rejected: int
    already_complete: bool = False


class CheckpointMismatchError(ValueError):
    """The output's checkpoint was written by a different job (other inputs, options or models)."""


def checkpoint_path(out: Path) -> Path:
    return out.with_name(out.name + ".checkpoint.json")


def errors_path(out: Path) -> Path:
    return out.with_name(out.name + ".errors.jsonl")


def load_checkpoint(out: Path) -> Checkpoint | None:
    path = checkpoint_path(out)
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("version") == 1:  # before Parquet output: a JSONL job's two byte counts
        positions = {"results": data.pop("output_bytes"), "errors": data.pop("errors_bytes")}
        data = {**data, "positions": positions, "version": CHECKPOINT_VERSION}
    if data.get("version") != CHECKPOINT_VERSION:
        raise CheckpointMismatchError(f"{path}: checkpoint version {data.get('version')} is not {CHECKPOINT_VERSION}")
    return Checkpoint(**data)


def _save_checkpoint(out: Path, checkpoint: Checkpoint) -> None:
    path = checkpoint_path(out)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        json.dump(asdict(checkpoint), f, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)  # atomic: a crash leaves the old checkpoint or the new one, never half of one


def _sync(f: IO[Any]) -> None:
    f.flush()
    os.fsync(f.fileno())


def run_batch(
    rows: Iterable[Row],
    *,
    sink: Sink,
    fingerprint: str,
    enrich_many: EnrichMany,
    chunk_size: int = 256,
    total: int | None = None,
    overwrite: bool = False,
    progress: bool = True,
) -> BatchSummary:
    """Enrich ``rows`` into ``sink``, resumably.

    Raises CheckpointMismatchError when the output has a checkpoint of another job, and FileExistsError when
    it holds output without one (pass ``overwrite`` to start over).
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    out = sink.path
    checkpoint = load_checkpoint(out)
    if checkpoint is not None and checkpoint.fingerprint != fingerprint and not overwrite:
        raise CheckpointMismatchError(
            f"{checkpoint_path(out)} belongs to another job (its inputs, options or models differ); rerun with "
            "the same arguments to resume it, or pass --overwrite to start this job over"
        )
    if overwrite:
        checkpoint = None
    elif checkpoint is None and sink.has_output():
        raise FileExistsError(
            f"{out} exists and has no checkpoint: pass --overwrite to replace it, or choose another --out"
        )
    if checkpoint is not None and checkpoint.complete:
        return BatchSummary(0, 0, 0, checkpoint.rows_done, 0.0, 0.0, checkpoint.enriched, checkpoint.rejected, True)
    state = checkpoint or Checkpoint(fingerprint, 0, 0, 0, {})
    out.parent.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    enriched = rejected = handled = 0
    pending: deque[list[Row]] = deque()  # chunks handed to enrich_many, oldest first

    def batches() -> Iterator[list[Interaction]]:
        for chunk in _chunks(_after(rows, state.rows_done), chunk_size):
            pending.append(chunk)
            yield [r.interaction for r in chunk if r.interaction is not None]

    sink.open(state.positions)
    try:
        bar = tqdm(total=total, initial=state.rows_done, desc="enrich", unit="row", disable=not progress)
        for results in enrich_many(batches()):
            chunk = pending.popleft()
            good = [r for r in chunk if r.interaction is not None]
            sink.write(chunk, results)
            positions = sink.commit()
            enriched += len(good)
            rejected += len(chunk) - len(good)
            handled += len(chunk)
            state = Checkpoint(
                fingerprint,
                state.rows_done + len(chunk),
                state.enriched + len(good),
                state.rejected + len(chunk) - len(good),
                positions,
            )
            _save_checkpoint(out, state)
            bar.update(len(chunk))
        bar.close()
    finally:
        sink.close()
    _save_checkpoint(out, Checkpoint(**{**asdict(state), "complete": True}))
    seconds = time.perf_counter() - began
    return BatchSummary(
        handled,
        enriched,
        rejected,
        state.rows_done - handled,
        seconds,
        enriched / seconds if seconds > 0 else 0.0,
        state.enriched,
        state.rejected,
    )


class JsonlSink:
    """One encoded result per line in ``path``; rejected rows in ``<path>.errors.jsonl``."""

    def __init__(self, path: Path, encode_result: Callable[[Row, EnrichedInteraction], bytes]) -> None:
        self.path, self.encode_result = path, encode_result
        self._files: dict[str, IO[bytes]] = {}

    def has_output(self) -> bool:
        return self.path.exists() and self.path.stat().st_size > 0

    def open(self, positions: Mapping[str, int]) -> None:
        for key, path in (("results", self.path), ("errors", errors_path(self.path))):
            self._files[key] = _open_at(path, positions.get(key, 0))

    def write(self, chunk: list[Row], results: list[EnrichedInteraction]) -> None:
        good = [r for r in chunk if r.interaction is not None]
        for row, result in zip(good, results, strict=True):
            self._files["results"].write(self.encode_result(row, result))
        for row in chunk:
            if row.rejected is not None:
                self._files["errors"].write(_rejection_line(row.rejected))

    def commit(self) -> dict[str, int]:
        for f in self._files.values():
            _sync(f)
        return {key: f.tell() for key, f in self._files.items()}

    def close(self) -> None:
        for f in self._files.values():
            f.close()
        self._files = {}


def _open_at(path: Path, size: int) -> IO[bytes]:
    """``path`` open for appending after truncating it to ``size`` bytes (what the checkpoint vouches for)."""
    f = path.open("r+b" if path.exists() else "w+b")
    f.truncate(size)
    f.seek(size)
    return f


def _after(rows: Iterable[Row], done: int) -> Iterator[Row]:
    for row in rows:
        if row.row >= done:
            yield row


def _chunks(rows: Iterator[Row], size: int) -> Iterator[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def rejection_errors(r: Rejected) -> list[dict[str, str]]:
    """A rejected row's violations as the output files carry them."""
    return [{"field": f, "fix": d} for f, d in r.errors]


def _rejection_line(r: Rejected) -> bytes:
    record = {"row": r.row, "source": r.source, "errors": rejection_errors(r)}
    return (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
