"""Batch enrichment files: JSONL, CSV and Parquet rows in, JSONL results out, in the gRPC contract's shape.

Input rows (every format):
    JSONL / Parquet   an Interaction as the contract's JSON mapping: {"id": "t1", "text": "...",
                      "channel": "CHANNEL_CHAT", "customer_id": "c1", "occurred_at": "2026-11-30T10:00:00Z"}
                      or "transcript": {"turns": [{"role": "SPEAKER_ROLE_CUSTOMER", "text": "..."}]}, "email", ...
    CSV               one text per row: columns id and text, optionally customer_id, journey_id, channel
                      (CHANNEL_CHAT or chat), occurred_at, language
Each row is checked exactly like an Enrich request (service/validation.py); a bad row is rejected into
``<out>.errors.jsonl`` with its file, line and every field violation, and the job goes on.

Output: one EnrichedInteraction per line, as the contract's JSON (``preserving_proto_field_name``).
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from google.protobuf import json_format

from journeymine.v1 import interaction_pb2 as ix_pb
from models.errors import InvalidInputError
from pipelines.batch import Rejected, Row
from pipelines.domain import EnrichedInteraction, EnrichOptions
from service.config import LimitsConfig
from service.convert import enriched_to_proto, interaction_from_proto
from service.validation import Violations, validate_interaction

FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}
CSV_FIELDS = ("id", "text", "customer_id", "journey_id", "channel", "occurred_at", "language")


class InputError(ValueError):
    """An input file cannot be read at all (missing, unknown format): the job does not start."""


def format_of(path: Path) -> str:
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise InputError(f"{path}: unknown format {path.suffix!r}; use one of {', '.join(sorted(FORMATS))}")
    return kind


def check_inputs(paths: Sequence[Path]) -> None:
    for path in paths:
        if not path.is_file():
            raise InputError(f"{path}: file not found")
        format_of(path)


def count_rows(paths: Sequence[Path]) -> int | None:
    """Rows in the inputs (for the progress bar): lines of text files, Parquet metadata."""
    total = 0
    for path in paths:
        if format_of(path) == "parquet":
            import pyarrow.parquet as pq

            total += pq.ParquetFile(path).metadata.num_rows
        else:
            with path.open("rb") as f:
                lines = sum(1 for line in f if line.strip())
            total += lines - 1 if format_of(path) == "csv" else lines
    return total


def read_rows(paths: Sequence[Path], limits: LimitsConfig) -> Iterator[Row]:
    """Every input row, numbered from 0 across the files in order, parsed and validated."""
    number = 0
    for path in paths:
        for source, record in _records(path):
            yield _row(number, f"{path}:{source}", record, limits)
            number += 1


def _records(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    """(line or row number, mapping) per row; a string instead of a mapping says why the row is unreadable."""
    kind = format_of(path)
    if kind == "jsonl":
        with path.open(encoding="utf-8") as f:
            for line_no, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                try:
                    record = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield line_no, f"not valid JSON ({exc.msg} at column {exc.colno}); one JSON object per line"
                    continue
                yield line_no, record if isinstance(record, dict) else "expected a JSON object (an Interaction)"
    elif kind == "csv":
        with path.open(encoding="utf-8", newline="") as f:
            reader = csv.DictReader(f)
            missing = [c for c in ("id", "text") if c not in (reader.fieldnames or [])]
            if missing:
                raise InputError(f"{path}: CSV needs a header with columns id and text (missing: {', '.join(missing)})")
            for line_no, raw in enumerate(reader, start=2):
                yield line_no, _csv_record(raw)
    else:
        import pyarrow.parquet as pq

        row_no = 0
        for batch in pq.ParquetFile(path).iter_batches(batch_size=1024):
            for record in batch.to_pylist():
                row_no += 1
                yield row_no, {k: v for k, v in record.items() if v is not None}


def _csv_record(raw: dict[str, str]) -> dict[str, Any]:
    record: dict[str, Any] = {k: v for k, v in raw.items() if k in CSV_FIELDS and v not in (None, "")}
    channel = record.get("channel")
    if channel and not channel.upper().startswith("CHANNEL_"):
        record["channel"] = f"CHANNEL_{channel.upper()}"
    return record


def _row(number: int, source: str, record: dict[str, Any] | str, limits: LimitsConfig) -> Row:
    if isinstance(record, str):
        return Row(number, source, None, Rejected(number, source, (("row", record),)))
    message = ix_pb.Interaction()
    try:
        json_format.ParseDict(record, message)
    except json_format.ParseError as exc:
        return Row(number, source, None, Rejected(number, source, (("row", f"{exc}; see the Interaction message"),)))
    v = Violations()
    validate_interaction(v, "interaction", message, limits)
    if not message.id:
        v.add("interaction.id", "is empty; give every row an id (results carry it as interaction_id)")
    try:
        v.raise_if_any()
    except InvalidInputError as exc:
        return Row(
            number, source, None, Rejected(number, source, tuple((x.field, x.description) for x in exc.violations))
        )
    return Row(number, source, interaction_from_proto(message))


def encode_result(row: Row, result: EnrichedInteraction) -> bytes:
    """One output line: the contract's EnrichedInteraction JSON."""
    data = json_format.MessageToDict(enriched_to_proto(result), preserving_proto_field_name=True)
    return (json.dumps(data, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def fingerprint(paths: Sequence[Path], options: EnrichOptions, models: Sequence[str]) -> str:
    """What makes two runs the same job: the inputs (path, size, mtime), the options, the models."""
    parts: list[Any] = [[str(p.resolve()), p.stat().st_size, p.stat().st_mtime_ns] for p in paths]
    parts.append(
        {
            "signals": sorted(s.value for s in options.signals),
            "taxonomy": options.intent_taxonomy,
            "intent_top_k": options.intent_top_k,
            "topics_top_k": options.topics_top_k,
            "topic_model": options.topic_model,
        }
    )
    parts.append(sorted(models))
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
