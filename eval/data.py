"""Labelled rows for evaluation: JSONL, CSV or TSV files, an optional label map, every extra field kept.

    {"text": "my card is lost", "label": "lost_card", "channel": "chat"}     one JSON object per line
    text,label,channel                                                      CSV / TSV with a header row

A malformed row raises ``DatasetError`` naming the file, the line and the fix.
Extra fields stay on the row (as strings) so results can be sliced by them.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FORMATS: dict[str, str] = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv", ".tsv": "tsv"}


class DatasetError(ValueError):
    """A labelled file (or label map) cannot be read; the message names the file, the line and the fix."""


@dataclass(frozen=True)
class LabelledRow:
    """One labelled text and its other fields (for slicing)."""

    text: str
    label: str
    fields: Mapping[str, str] = field(default_factory=dict)


def load_label_map(path: Path) -> dict[str, str]:
    """A JSON object mapping old label -> new label."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise DatasetError(f"{path}: label map not found") from exc
    except json.JSONDecodeError as exc:
        raise DatasetError(
            f"{path}: line {exc.lineno}: not valid JSON ({exc.msg}); a label map is one JSON object "
            '{"old label": "new label", ...}'
        ) from exc
    if not isinstance(data, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in data.items()):
        raise DatasetError(f'{path}: a label map must be a JSON object of strings {{"old label": "new label", ...}}')
    return dict(data)


def load_rows(
    path: Path,
    *,
    text_field: str = "text",
    label_field: str | None = "label",
    label_map: Mapping[str, str] | None = None,
    limit: int | None = None,
) -> list[LabelledRow]:
    """Read labelled rows from a .jsonl/.csv/.tsv file (the suffix picks the format).

    Args:
        label_field: None reads unlabelled texts (every row's label is ""), as ``journeymine topics fit`` does.
        label_map: renames gold labels; labels it does not name are kept as they are.
        limit: read at most this many rows (the first ones), None for all.
    """
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise DatasetError(
            f"{path}: unknown file type {path.suffix!r}; use one of {', '.join(sorted(FORMATS))} "
            "(JSONL: one JSON object per line)"
        )
    if not path.is_file():
        raise DatasetError(f"{path}: file not found")
    records = _jsonl(path) if fmt == "jsonl" else _delimited(path, "\t" if fmt == "tsv" else ",")
    rows: list[LabelledRow] = []
    mapping = label_map or {}
    if limit is None or limit > 0:
        for line, record in records:
            rows.append(_row(path, line, record, text_field, label_field, mapping))
            if limit is not None and len(rows) >= limit:
                break  # before reading further: lines past the limit are never parsed
    if not rows:
        raise DatasetError(f"{path}: no labelled rows")
    return rows


def _jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(
                    f"{path}: line {line_no}: not valid JSON ({exc.msg} at column {exc.colno}); "
                    'each line must be one JSON object such as {"text": "...", "label": "..."}'
                ) from exc
            if not isinstance(record, dict):
                raise DatasetError(
                    f"{path}: line {line_no}: a JSON {type(record).__name__}, not an object; "
                    'each line must be one JSON object such as {"text": "...", "label": "..."}'
                )
            yield line_no, record


def _delimited(path: Path, delimiter: str) -> Iterator[tuple[int, dict[str, Any]]]:
    # utf-8-sig: a leading BOM would otherwise become part of the first column's name.
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh, delimiter=delimiter)
        for record in reader:
            # A quoted field may span lines; report the line the row starts on.
            yield reader.line_num, record


def _row(
    path: Path,
    line: int,
    record: Mapping[str, Any],
    text_field: str,
    label_field: str | None,
    label_map: Mapping[str, str],
) -> LabelledRow:
    where = f"{path}: line {line}"
    required = ((text_field, "--text-field"), (label_field, "--label-field")) if label_field else ((text_field, ""),)
    for name, flag in required:
        if record.get(name) is None:
            fields = ", ".join(sorted(str(k) for k in record if k is not None)) or "none"
            raise DatasetError(f"{where}: no {name!r} field (fields: {fields}); add it, or name the column with {flag}")
    text = record[text_field]
    if not isinstance(text, str):
        raise DatasetError(f"{where}: {text_field!r} must be a string, got {type(text).__name__}")
    if not text.strip():
        raise DatasetError(f"{where}: {text_field!r} is empty; remove the row or give it text")
    if label_field is None:
        extra = {str(k): _as_str(v) for k, v in record.items() if k != text_field and k is not None}
        return LabelledRow(text=text, label="", fields=extra)
    label = record[label_field]
    if isinstance(label, bool) or not isinstance(label, str | int):
        raise DatasetError(f"{where}: {label_field!r} must be a string (or an integer), got {type(label).__name__}")
    label = str(label).strip()
    if not label:
        raise DatasetError(f"{where}: {label_field!r} is empty; every row needs a gold label")
    label = label_map.get(label, label)
    extra = {str(k): _as_str(v) for k, v in record.items() if k not in (text_field, label_field) and k is not None}
    return LabelledRow(text=text, label=label, fields=extra)


def _as_str(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)
