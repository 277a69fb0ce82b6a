"""Fixtures for eval tests: the small fake Enricher of tests/pipelines (hashing encoder, tiny heads) and files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# Fixtures are found by name: importing them here makes them available to tests/eval.
from tests.pipelines.conftest import artifacts_dir, encoder, enricher, nlp, user_enricher  # noqa: F401


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def sentiment_rows() -> list[dict]:
    return [
        {"text": "terrible service, I hate this", "label": "negative", "channel": "chat"},
        {"text": "awful broken app", "label": "negative", "channel": "email"},
        {"text": "great service thanks", "label": "positive", "channel": "chat"},
        {"text": "I love this, wonderful helpful agent", "label": "positive", "channel": "email"},
        {"text": "excellent, happy now", "label": "positive", "channel": "chat"},
    ]
