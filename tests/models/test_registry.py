"""Snapshot of the model registry: adding, renaming or re-versioning a model is a deliberate change."""

from __future__ import annotations

import pytest

from models.errors import ModelNotLoadedError, NotFoundError
from models.registry import DEFAULTS, REGISTRY, ModelRegistry

EXPECTED = {
    "sentiment.v2": ("sentiment", "sentiment/v2"),
    "sentiment.v3": ("sentiment", "sentiment/v3"),
    "sentiment.permissive.v1": ("sentiment", "sentiment/permissive/v1"),
    "sentiment.v4": ("sentiment", "sentiment/v4"),
    "sentiment.permissive.v2": ("sentiment", "sentiment/permissive/v2"),
    "intent.customer_service.v2": ("intent", "intent/customer_service/v2"),
    "intent.customer_service.v3": ("intent", "intent/customer_service/v3"),
    "intent.banking77.v2": ("intent", "intent/banking77/v2"),
    "intent.clinc150.v2": ("intent", "intent/clinc150/v2"),
    "topics.customer_service.v2": ("topics", "topics/customer_service/v2"),
    "topics.customer_service.v3": ("topics", "topics/customer_service/v3"),
    "aspect.v1": ("aspect", "aspect/v1"),
    "satisfaction.v1": ("satisfaction", "satisfaction/v1"),
}


def test_registry_snapshot() -> None:
    assert {model_id: (spec.kind, spec.path) for model_id, spec in REGISTRY.items()} == EXPECTED
    assert DEFAULTS == {
        "aspect": "aspect.v1",
        "sentiment": "sentiment.v4",
        "intent": "intent.customer_service.v3",
        "topics": "topics.customer_service.v3",
        "satisfaction": "satisfaction.v1",
    }


def test_resolve_by_short_name_and_default() -> None:
    registry = ModelRegistry()
    assert registry.resolve("intent", "banking77").id == "intent.banking77.v2"
    assert registry.resolve("intent", "intent.clinc150.v2").id == "intent.clinc150.v2"
    assert registry.resolve("intent", None).id == "intent.customer_service.v3"
    # The previous taxonomy stays loadable by its id (pinned clients, replays).
    assert registry.resolve("intent", "intent.customer_service.v2").id == "intent.customer_service.v2"
    assert registry.resolve("topics", "").id == "topics.customer_service.v3"


def test_unknown_names_list_the_valid_ones() -> None:
    registry = ModelRegistry()
    with pytest.raises(NotFoundError, match=r"Valid intent taxonomy names are: banking77, clinc150, customer_service"):
        registry.resolve("intent", "bank77", field="options.intent_taxonomy")
    with pytest.raises(NotFoundError):
        registry.load("sentiment.v9")


def test_missing_artifact_names_the_file(tmp_path) -> None:
    registry = ModelRegistry(artifacts_dir=tmp_path)
    with pytest.raises(ModelNotLoadedError, match=r"sentiment/v2/head\.safetensors"):
        registry.load("sentiment.v2")
