"""Batch enrichment files: JSONL, CSV and Parquet rows in, JSONL results out, in the gRPC contract's shape.

Input rows (every format):
    JSONL / Parquet   an Interaction as the contract's JSON mapping: {"id": "t1", "text": "...",
                      "channel": "CHANNEL_CHAT", "customer_id": "c1", "occurred_at": "2026-11-30T10:00:00Z"}
                      or "transcript": {"turns": [{"role": "SPEAKER_ROLE_CUSTOMER", "text": "..."}]}, "email", ...
    CSV               one text per row: columns id and text, optionally customer_id, journey_id, channel
                      (CHANNEL_CHAT or chat), occurred_at, language
Each row is checked exactly like an Enrich request (service/rpc/enrichment/validation.py); a bad row is rejected into
``<out>.errors.jsonl`` with its file, line and every field violation, and the job goes on.

Output, by the suffix of ``--out``:
    .jsonl            one EnrichedInteraction per line, as the contract's JSON (``preserving_proto_field_name``);
                      rejected rows in ``<out>.errors.jsonl``
    .parquet          a directory of Parquet part files (what Ray Data writes too), one row per input row
                      with RESULT_SCHEMA's columns: the same JSON in ``enriched``, a few flat columns for SQL,
                      and ``errors`` set (``enriched`` null) on rejected rows
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from google.protobuf import json_format

from journeymine.v1 import interaction_pb2 as ix_pb
from models.errors import InvalidInputError
from pipelines.batch import JsonlSink, Rejected, Row, rejection_errors
from pipelines.enrichment.domain import EnrichedInteraction, EnrichOptions
from service.config import LimitsConfig
from service.rpc.convert import enriched_to_proto, interaction_from_proto
from service.rpc.enrichment.validation import Violations, validate_interaction

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
            yield parse_record(number, f"{path}:{source}", record, limits)
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
                yield row_no, parquet_record(record)


def _csv_record(raw: dict[str, str]) -> dict[str, Any]:
    record: dict[str, Any] = {k: v for k, v in raw.items() if k in CSV_FIELDS and v not in (None, "")}
    channel = record.get("channel")
    if channel and not channel.upper().startswith("CHANNEL_"):
        record["channel"] = f"CHANNEL_{channel.upper()}"
    return record


def parquet_record(record: dict[str, Any]) -> dict[str, Any]:
    """A Parquet row as an Interaction mapping: columns a row leaves null are absent."""
    return {k: v for k, v in record.items() if v is not None}


def parse_record(number: int, source: str, record: dict[str, Any] | str, limits: LimitsConfig) -> Row:
    """One input row, parsed and checked exactly like an Enrich request; a bad row comes back rejected."""
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


def result_json(result: EnrichedInteraction) -> str:
    """The contract's EnrichedInteraction JSON, one line, keys sorted: what every output format carries."""
    data = json_format.MessageToDict(enriched_to_proto(result), preserving_proto_field_name=True)
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def encode_result(row: Row, result: EnrichedInteraction) -> bytes:
    """One JSONL output line."""
    return (result_json(result) + "\n").encode("utf-8")


# The Parquet output's columns (both engines). `enriched` is the whole result; the flat columns
# are the headline signals, for SQL over the files without parsing JSON.
RESULT_COLUMNS: tuple[tuple[str, str], ...] = (
    ("interaction_id", "string"),
    ("source", "string"),  # local engine "file:line"; Ray engine the file
    ("sentiment", "string"),
    ("sentiment_score", "float64"),
    ("intent", "string"),
    ("intent_confidence", "float64"),
    ("topic", "string"),
    ("enriched", "string"),  # the contract's EnrichedInteraction JSON; null on rejected rows
    ("errors", "string"),  # JSON list of {"field", "fix"} on rejected rows; null on enriched ones
)


def result_schema() -> Any:
    """RESULT_COLUMNS as a pyarrow schema."""
    import pyarrow as pa

    return pa.schema([(name, getattr(pa, kind)()) for name, kind in RESULT_COLUMNS])


def result_record(row: Row, result: EnrichedInteraction | None) -> dict[str, Any]:
    """One Parquet output row: an enriched row's signals, or a rejected row's errors."""
    record: dict[str, Any] = dict.fromkeys(name for name, _ in RESULT_COLUMNS)
    record["source"] = row.source
    if result is None:
        rejected = row.rejected or Rejected(row.row, row.source, (("row", "was not enriched"),))
        record["errors"] = json.dumps(rejection_errors(rejected), ensure_ascii=False)
        return record
    record["interaction_id"] = result.interaction_id
    if result.sentiment is not None:
        record["sentiment"] = result.sentiment.label.value
        record["sentiment_score"] = result.sentiment.score
    if result.intent is not None:
        record["intent"] = result.intent.label
        record["intent_confidence"] = result.intent.confidence
    if result.topics:
        record["topic"] = result.topics[0].label
    record["enriched"] = result_json(result)
    return record


def result_table(chunk: Sequence[Row], results: Sequence[EnrichedInteraction]) -> Any:
    """A chunk's rows (enriched and rejected, in input order) as a pyarrow Table of RESULT_COLUMNS."""
    import pyarrow as pa

    by_row = iter(results)
    records = [result_record(row, next(by_row) if row.interaction is not None else None) for row in chunk]
    return pa.Table.from_pylist(records, schema=result_schema())


class ParquetSink:
    """A directory of Parquet part files, one per checkpointed chunk (``part-00000.parquet`` ...).

    A part is written to a temporary name, fsynced and renamed, so a killed job leaves whole parts only;
    on resume the parts after the checkpoint's count are deleted.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.parts = 0

    def has_output(self) -> bool:
        return self.path.exists() and (not self.path.is_dir() or any(self.path.iterdir()))

    def open(self, positions: Mapping[str, int]) -> None:
        if self.path.exists() and not self.path.is_dir():
            raise FileExistsError(f"{self.path} is a file; Parquet output is a directory of part files")
        self.path.mkdir(parents=True, exist_ok=True)
        self.parts = positions.get("parts", 0)
        for stale in self.path.iterdir():
            if not stale.name.startswith("part-") or _part_index(stale) >= self.parts:
                stale.unlink()  # written after the last checkpoint (or a temp file of a killed run)

    def write(self, chunk: list[Row], results: list[EnrichedInteraction]) -> None:
        import pyarrow.parquet as pq

        final = self.path / f"part-{self.parts:05d}.parquet"
        tmp = final.with_name(final.name + ".tmp")
        pq.write_table(result_table(chunk, results), tmp)
        with tmp.open("rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, final)
        self.parts += 1

    def commit(self) -> dict[str, int]:
        return {"parts": self.parts}

    def close(self) -> None:
        pass


def _part_index(path: Path) -> int:
    stem = path.name.removeprefix("part-").split(".", 1)[0]
    return int(stem) if stem.isdigit() else 1 << 62


def sink_for(out: Path) -> JsonlSink | ParquetSink:
    """The sink ``--out``'s suffix asks for."""
    suffix = out.suffix.lower()
    if suffix == ".parquet":
        return ParquetSink(out)
    if suffix in (".jsonl", ".ndjson"):
        return JsonlSink(out, encode_result)
    raise InputError(f"--out {out}: unknown output format {out.suffix!r}; use .jsonl or .parquet")


def fingerprint(paths: Sequence[Path], options: EnrichOptions, models: Sequence[str]) -> str:
    """What makes two runs the same job: the inputs (path, size, mtime), the options, the models."""
    parts: list[Any] = [[str(p.resolve()), p.stat().st_size, p.stat().st_mtime_ns] for p in paths]
    chosen: dict[str, Any] = {
        "signals": sorted(s.value for s in options.signals),
        "taxonomy": options.intent_taxonomy,
        "intent_top_k": options.intent_top_k,
        "topics_top_k": options.topics_top_k,
        "topic_model": options.topic_model,
    }
    if options.sentiment_model:  # only when set, so a job begun before the option existed still resumes
        chosen["sentiment_model"] = options.sentiment_model
    parts.append(chosen)
    parts.append(sorted(models))
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
