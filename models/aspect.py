"""Aspect polarity: which way a sentence leans about each of its aspects (spans), in one pass per sentence.

The model is all-MiniLM-L6-v2 with the shared encoder's adapter merged, plus an aspect LoRA
adapter of its own (``models/artifacts/aspect/v1``, trained on MAMS ATSA by
``python -m models.training.train_aspect``). A sentence is encoded once whatever the number
of its aspects; each aspect is read as the mean of the contextual token states under its
character span, beside the sentence's mean state, by a linear softmax head over
negative / neutral / positive. Token states under one span attend to the whole sentence,
so "the agent was lovely but the refund took three weeks" reads *agent* positive and
*refund* negative from the same pass.

It is a second transformer beside the shared encoder (the shared pass pools tokens away
before any head sees them): its cost is one forward pass per sentence that has aspects,
measured in the artifact's model card.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from models.errors import ModelNotLoadedError
from models.heads import softmax
from models.storage import read_artifact

LABELS: tuple[str, ...] = ("negative", "neutral", "positive")
META_FILE = "aspect.json"
WEIGHTS_FILE = "head.safetensors"
ADAPTER_FILE = "adapter_model.safetensors"


@dataclass(frozen=True)
class AspectQuery:
    """One sentence and the character spans ``[start, end)`` of its aspects."""

    text: str
    spans: tuple[tuple[int, int], ...]


def span_token_mask(offsets: Sequence[tuple[int, int]], start: int, end: int) -> list[bool]:
    """Which tokens (by their character offsets; ``(0, 0)`` marks special tokens) overlap ``[start, end)``."""
    return [e > s and s < end and e > start for s, e in offsets]


def pool_features(
    hidden: Any, attention: Any, offsets: Sequence[Sequence[tuple[int, int]]], queries: Sequence[AspectQuery]
) -> Any:
    """(aspects, 2 * dim) features: mean state under each span, beside its sentence's mean state.

    ``hidden`` is (batch, tokens, dim), ``attention`` (batch, tokens); works on torch tensors. A span the
    tokenizer truncated away reads the sentence mean in its place.
    """
    import torch

    mask = attention.unsqueeze(-1).to(hidden.dtype)
    sentence = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    rows = []
    for b, query in enumerate(queries):
        for start, end in query.spans:
            picks = span_token_mask(offsets[b], start, end)
            idx = [i for i, p in enumerate(picks) if p]
            span = hidden[b, idx].mean(0) if idx else sentence[b]
            rows.append(torch.cat([span, sentence[b]]))
    if not rows:
        return hidden.new_zeros((0, 2 * hidden.shape[-1]))
    return torch.stack(rows)


@dataclass
class AspectModel:
    """Polarity of aspect spans; ``predict_proba`` is batch-first and has no side effects."""

    name: str
    version: str
    directory: Path
    weight: np.ndarray  # (3, 2 * dim)
    bias: np.ndarray  # (3,)
    max_length: int = 128
    batch_size: int = 32
    labels: tuple[str, ...] = LABELS
    metadata: dict[str, Any] = field(default_factory=dict)
    _model: Any = None
    _tokenizer: Any = None

    @classmethod
    def load(cls, directory: Path) -> AspectModel:
        """Read the head and check the adapter is there; the transformer itself loads on first use."""
        meta, tensors = read_artifact(directory, WEIGHTS_FILE, META_FILE)
        _check_adapter(directory)
        try:
            model = cls(
                name=meta["name"],
                version=meta["version"],
                directory=directory,
                weight=np.asarray(tensors["weight"], dtype=np.float32),
                bias=np.asarray(tensors["bias"], dtype=np.float32),
                max_length=int(meta.get("max_length", 128)),
                labels=tuple(meta["labels"]),
                metadata=dict(meta.get("metadata", {})),
            )
        except Exception as exc:
            raise ModelNotLoadedError(f"model artifact unreadable: {directory / META_FILE}: {exc!r}") from exc
        if model.labels != LABELS or model.weight.shape[0] != len(LABELS):
            raise ModelNotLoadedError(f"{directory / META_FILE}: labels must be {LABELS}, got {model.labels}")
        return model

    def _ensure_loaded(self) -> None:
        if self._model is not None:
            return
        from peft import PeftModel
        from sentence_transformers import SentenceTransformer

        from models.encoder import ADAPTER_DIR, _merge_adapter, default_model_path

        st = SentenceTransformer(str(default_model_path()), device="cpu")
        if self.metadata.get("base_adapter", "encoder.v2") and ADAPTER_DIR is not None:
            _merge_adapter(st, ADAPTER_DIR)
        transformer: Any = st[0].auto_model
        merged = PeftModel.from_pretrained(transformer, str(self.directory)).merge_and_unload()
        merged.eval()
        self._model, self._tokenizer = merged, st.tokenizer

    def predict_proba(self, queries: Sequence[AspectQuery]) -> list[np.ndarray]:
        """One (len(spans), 3) array of probabilities per query, in order.

        Every sentence runs alone (one unpadded forward pass, its own head product), so a sentence's
        figures never depend on what else is in the call: byte-identical whatever the batch composition.
        """
        out = []
        for q in queries:
            if not q.spans:
                out.append(np.zeros((0, len(LABELS)), dtype=np.float32))
                continue
            features = self.features(q)
            out.append(softmax(features @ self.weight.T + self.bias).astype(np.float32))
        return out

    def features(self, query: AspectQuery) -> np.ndarray:
        """(len(spans), 2 * dim) pooled features of one sentence's aspects."""
        import torch

        self._ensure_loaded()
        with torch.inference_mode():
            enc = self._tokenizer(
                [query.text],
                truncation=True,
                max_length=self.max_length,
                return_offsets_mapping=True,
                return_tensors="pt",
            )
            offsets = [[(int(s), int(e)) for s, e in row] for row in enc.pop("offset_mapping").tolist()]
            hidden = self._model(**enc).last_hidden_state
            return pool_features(hidden, enc["attention_mask"], offsets, [query]).numpy().astype(np.float32)


def write_meta(directory: Path, meta: dict[str, Any]) -> None:
    """The head's JSON beside its safetensors (sorted, so retrained artifacts diff well)."""
    (directory / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _check_adapter(directory: Path) -> None:
    """The adapter's two files are there and readable (the config parses, the weights' header is sound), so a
    damaged artifact fails at start-up, naming the file, although the transformer loads on first use."""
    from safetensors import safe_open

    rebuild = (
        "it ships with the repo, or `python -m models.training.train_aspect --datasets ../shared/datasets` rebuilds it"
    )
    config, weights = directory / "adapter_config.json", directory / ADAPTER_FILE
    for path in (config, weights):
        if not path.is_file():
            raise ModelNotLoadedError(f"aspect adapter file missing: {path}; {rebuild}")
    try:
        json.loads(config.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:  # unreadable, not UTF-8, or not JSON
        raise ModelNotLoadedError(f"aspect adapter file unreadable: {config}: {exc!r}; {rebuild}") from exc
    try:
        with safe_open(str(weights), framework="np") as f:
            if not list(f.keys()):
                raise ValueError("no tensors")
    except Exception as exc:
        raise ModelNotLoadedError(f"aspect adapter file unreadable: {weights}: {exc!r}; {rebuild}") from exc
