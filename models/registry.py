"""The one registry of shipped models: versioned names -> where the artifact lives and how it loads.

Names carry versions (``intent.banking77.v1``) and every signal records the
``ModelRef`` of the model that produced it. ``tests/models/test_registry.py``
snapshots this table, so adding or renaming a model is a deliberate change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.errors import ModelNotLoadedError, NotFoundError
from models.heads import LinearHead
from models.topic_model import TopicModel

ARTIFACTS_DIR = Path(__file__).resolve().parent / "artifacts"


@dataclass(frozen=True)
class ModelSpec:
    kind: str  # "sentiment" | "intent" | "topics"
    name: str  # "intent.banking77"
    version: str  # "v1"
    path: str  # relative to the artifacts dir
    description: str
    loader: Callable[[Path], Any]

    @property
    def id(self) -> str:
        return f"{self.name}.{self.version}"

    @property
    def short_name(self) -> str:
        """Name without its kind prefix: the taxonomy / topic model name callers use."""
        prefix = f"{self.kind}."
        return self.name[len(prefix) :] if self.name.startswith(prefix) else self.name


SPECS: tuple[ModelSpec, ...] = (
    ModelSpec(
        "sentiment",
        "sentiment",
        "v1",
        "sentiment/v1",
        "3-class sentiment (negative/neutral/positive) head on all-MiniLM-L6-v2",
        LinearHead.load,
    ),
    ModelSpec(
        "intent",
        "intent.customer_service",
        "v1",
        "intent/customer_service/v1",
        "general customer-service intents (bitext + MultiDoGo) with abstention",
        LinearHead.load,
    ),
    ModelSpec(
        "intent",
        "intent.banking77",
        "v1",
        "intent/banking77/v1",
        "Banking77: 77 fine-grained banking intents",
        LinearHead.load,
    ),
    ModelSpec(
        "intent",
        "intent.clinc150",
        "v1",
        "intent/clinc150/v1",
        "CLINC150: 150 intents in 10 domains with out-of-scope detection",
        LinearHead.load,
    ),
    ModelSpec(
        "topics",
        "topics.customer_service",
        "v1",
        "topics/customer_service/v1",
        "customer-service topics fitted with BERTopic, served by nearest centroid",
        TopicModel.load,
    ),
)

DEFAULTS: dict[str, str] = {
    "sentiment": "sentiment.v1",
    "intent": "intent.customer_service.v1",
    "topics": "topics.customer_service.v1",
}

REGISTRY: dict[str, ModelSpec] = {spec.id: spec for spec in SPECS}


class ModelRegistry:
    """Loads and caches artifacts by id; resolves taxonomy and topic-model names."""

    def __init__(self, *, artifacts_dir: Path = ARTIFACTS_DIR, specs: tuple[ModelSpec, ...] = SPECS) -> None:
        self.artifacts_dir = artifacts_dir
        self.specs = {spec.id: spec for spec in specs}
        self._loaded: dict[str, Any] = {}

    def load(self, model_id: str) -> Any:
        if model_id not in self.specs:
            raise NotFoundError("model", model_id, list(self.specs))
        if model_id not in self._loaded:
            spec = self.specs[model_id]
            self._loaded[model_id] = spec.loader(self.artifacts_dir / spec.path)
        return self._loaded[model_id]

    def load_all(self) -> None:
        """Load every registered artifact now, so a missing file fails at start-up, not mid-request."""
        for model_id in self.specs:
            self.load(model_id)

    def of_kind(self, kind: str) -> list[ModelSpec]:
        return [s for s in self.specs.values() if s.kind == kind]

    def resolve(self, kind: str, short_name: str | None, *, field: str | None = None) -> ModelSpec:
        """The latest version of ``kind`` called ``short_name`` (None: the default)."""
        if short_name is None or short_name == "":
            default = DEFAULTS.get(kind)
            if default is None or default not in self.specs:
                raise ModelNotLoadedError(f"no default {kind} model is registered")
            return self.specs[default]
        matches = sorted(
            (s for s in self.of_kind(kind) if short_name in (s.short_name, s.id)),
            key=lambda s: int(s.version.lstrip("v") or 0),
        )
        if not matches:
            names = sorted({s.short_name for s in self.of_kind(kind)})
            raise NotFoundError("intent taxonomy" if kind == "intent" else f"{kind} model", short_name, names, field)
        return matches[-1]

    def is_default(self, spec: ModelSpec) -> bool:
        return DEFAULTS.get(spec.kind) == spec.id
