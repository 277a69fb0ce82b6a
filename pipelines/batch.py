"""Batch enrichment: rows in, results out, in chunks, resumable from a checkpoint.

    read rows (numbered across every input file) -> skip what the checkpoint says is done
        -> enrich a chunk (one Enricher.enrich call) -> append results and rejections
        -> flush + fsync -> write the checkpoint (atomically) -> next chunk

Exactly once: the checkpoint records how many input rows are done and how many bytes of each
output file they produced. A rerun with the same job fingerprint (inputs, options, models)
truncates the outputs to those byte counts (dropping whatever a killed run wrote after its last
checkpoint) and skips the rows already done, so no row is missing and none is written twice.

Formats live in ``service/batch_io.py``; this module sees domain Interactions and bytes.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from tqdm import tqdm

from pipelines.domain import EnrichedInteraction, Interaction

CHECKPOINT_VERSION = 1


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
    output_bytes: int
    errors_bytes: int
    enriched: int
    rejected: int
    complete: bool = False
    version: int = CHECKPOINT_VERSION


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
    out: Path,
    fingerprint: str,
    enrich: Callable[[list[Interaction]], list[EnrichedInteraction]],
    encode_result: Callable[[Row, EnrichedInteraction], bytes],
    chunk_size: int = 256,
    total: int | None = None,
    overwrite: bool = False,
    progress: bool = True,
) -> BatchSummary:
    """Enrich ``rows`` into ``out`` (one encoded result per line) and ``<out>.errors.jsonl``, resumably.

    Raises CheckpointMismatchError when ``out`` has a checkpoint of another job, and FileExistsError when
    ``out`` exists without one (pass ``overwrite`` to start over).
    """
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, got {chunk_size}")
    checkpoint = load_checkpoint(out)
    if checkpoint is not None and checkpoint.fingerprint != fingerprint and not overwrite:
        raise CheckpointMismatchError(
            f"{checkpoint_path(out)} belongs to another job (its inputs, options or models differ); rerun with "
            "the same arguments to resume it, or pass --overwrite to start this job over"
        )
    if overwrite:
        checkpoint = None
    elif checkpoint is None and out.exists() and out.stat().st_size > 0:
        raise FileExistsError(
            f"{out} exists and has no checkpoint: pass --overwrite to replace it, or choose another --out"
        )
    if checkpoint is not None and checkpoint.complete:
        return BatchSummary(0, 0, 0, checkpoint.rows_done, 0.0, 0.0, checkpoint.enriched, checkpoint.rejected, True)
    state = checkpoint or Checkpoint(fingerprint, 0, 0, 0, 0, 0)
    out.parent.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    enriched = rejected = handled = 0
    with _resume(out, state.output_bytes) as results, _resume(errors_path(out), state.errors_bytes) as errors:
        bar = tqdm(total=total, initial=state.rows_done, desc="enrich", unit="row", disable=not progress)
        for chunk in _chunks(_after(rows, state.rows_done), chunk_size):
            good = [r for r in chunk if r.interaction is not None]
            outputs = enrich([r.interaction for r in good if r.interaction is not None]) if good else []
            for row, result in zip(good, outputs, strict=True):
                results.write(encode_result(row, result))
            for row in chunk:
                if row.rejected is not None:
                    errors.write(_rejection_line(row.rejected))
            _sync(results)
            _sync(errors)
            enriched += len(good)
            rejected += len(chunk) - len(good)
            handled += len(chunk)
            state = Checkpoint(
                fingerprint,
                state.rows_done + len(chunk),
                results.tell(),
                errors.tell(),
                state.enriched + len(good),
                state.rejected + len(chunk) - len(good),
            )
            _save_checkpoint(out, state)
            bar.update(len(chunk))
        bar.close()
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


class _resume:
    """Open ``path`` for appending after truncating it to ``size`` bytes (what the checkpoint vouches for)."""

    def __init__(self, path: Path, size: int) -> None:
        self.path, self.size = path, size

    def __enter__(self) -> IO[bytes]:
        mode = "r+b" if self.path.exists() else "w+b"
        self.file = self.path.open(mode)
        self.file.truncate(self.size)
        self.file.seek(self.size)
        return self.file

    def __exit__(self, *exc: object) -> None:
        self.file.close()


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


def _rejection_line(r: Rejected) -> bytes:
    record = {"row": r.row, "source": r.source, "errors": [{"field": f, "fix": d} for f, d in r.errors]}
    return (json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")
