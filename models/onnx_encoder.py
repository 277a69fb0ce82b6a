"""The shared encoder on ONNX Runtime: the same merged weights as the torch encoder, exported once.

    torch (SentenceTransformerEncoder, adapter merged) --torch.onnx.export--> model.onnx (fp32)
        --onnxruntime.quantization.quantize_dynamic(per_channel=True)--> model.int8.onnx

The export is made on first use and cached under ``EncoderConfig.onnx_dir``, keyed by the
encoder id and a digest of the adapter, so a retrained adapter is exported again. Tokenisation,
mean pooling over the attention mask and L2 normalisation match sentence-transformers, so heads
trained on torch embeddings read these unchanged. Per-channel int8 is the faithful variant:
``../shared/OFFLINE-STACK.md`` measured cosine 0.992 mean to fp32, against 0.957 per-tensor.
"""

from __future__ import annotations

import hashlib
import logging
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from models.encoder import (
    ADAPTER_DIR,
    ENCODER_NAME,
    ENCODER_VERSION,
    EncoderConfig,
    SentenceTransformerEncoder,
    default_model_path,
)

log = logging.getLogger(__name__)

OPSET = 17


def _adapter_digest(adapter: Path | None) -> str:
    if adapter is None:
        return "none"
    digest = hashlib.sha256()
    for path in sorted(adapter.glob("*")):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def export_onnx(config: EncoderConfig, *, int8: bool, adapter_path: Path | None = ADAPTER_DIR) -> tuple[Path, Any]:
    """The cached ONNX file for this encoder (exported and quantised if missing) and its tokenizer.

    Once exported, only the tokenizer is loaded: no torch model, so start-up is fast and lean.
    """
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(default_model_path()))
    folder = Path(config.onnx_dir) / f"{ENCODER_NAME}.{ENCODER_VERSION}-{_adapter_digest(adapter_path)}"
    fp32 = folder / "model.onnx"
    if not fp32.is_file():
        import torch

        torch_encoder = SentenceTransformerEncoder(config=config, adapter_path=adapter_path)

        folder.mkdir(parents=True, exist_ok=True)
        bert: Any = torch_encoder._model[0].auto_model
        bert.eval()

        class _Hidden(torch.nn.Module):
            """Keyword arguments to the transformer: its positional order is not stable across releases."""

            def __init__(self) -> None:
                super().__init__()
                self.bert = bert

            def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
                return self.bert(
                    input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
                ).last_hidden_state

        model = _Hidden().eval()
        sample = tokenizer(["an example text", "another one here"], padding=True, return_tensors="pt")
        names = ["input_ids", "attention_mask", "token_type_ids"]
        axes = {n: {0: "batch", 1: "tokens"} for n in names}
        axes["last_hidden_state"] = {0: "batch", 1: "tokens"}
        tmp = folder / "model.onnx.tmp"
        # Tracing warns about shape-dependent branches in the attention-mask code; with dynamic axes the
        # exported graph is checked against torch by tests/models/test_onnx_encoder.py instead.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model,
                tuple(sample[n] for n in names),
                str(tmp),
                input_names=names,
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=OPSET,
                dynamo=False,
            )
        tmp.replace(fp32)
        log.info("exported the encoder to %s", fp32)
    if not int8:
        return fp32, tokenizer
    quantised = folder / "model.int8.onnx"
    if not quantised.is_file():
        from onnxruntime.quantization import QuantType, quantize_dynamic

        tmp = folder / "model.int8.onnx.tmp"
        quantize_dynamic(str(fp32), str(tmp), per_channel=True, weight_type=QuantType.QInt8)
        tmp.replace(quantised)
        log.info("quantised the encoder to %s", quantised)
    return quantised, tokenizer


class OnnxEncoder:
    """The v2 encoder on ONNX Runtime (CPU), fp32 or dynamic int8."""

    name = ENCODER_NAME
    version = ENCODER_VERSION

    def __init__(self, *, config: EncoderConfig | None = None, int8: bool = True) -> None:
        import onnxruntime as ort

        self.config = config or EncoderConfig()
        path, self._tokenizer = export_onnx(self.config, int8=int8)
        options = ort.SessionOptions()
        if self.config.threads > 0:
            options.intra_op_num_threads = self.config.threads
        if not self.config.onnx_spinning:
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.backend = "onnx-int8" if int8 else "onnx"
        self.dim = 384
        self.texts_encoded = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # Length-sorted batches: padding only to the longest text of similar texts.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        size = self.config.batch_size
        for start in range(0, len(order), size):
            idx = order[start : start + size]
            batch = self._tokenizer(
                [texts[i] for i in idx],
                padding=True,
                truncation=True,
                max_length=self.config.max_seq_length,
                return_tensors="np",
            )
            feeds = {k: v.astype(np.int64) for k, v in batch.items() if k in self._inputs}
            hidden = self._session.run(None, feeds)[0]
            mask = batch["attention_mask"][..., None].astype(np.float32)
            pooled = (hidden * mask).sum(axis=1) / np.clip(mask.sum(axis=1), 1e-9, None)
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            out[idx] = pooled
        self.texts_encoded += len(texts)
        return out
