"""The shared encoder on ONNX Runtime: the same merged weights as the torch encoder, exported once.

    torch (SentenceTransformerEncoder, adapter merged) --torch.onnx.export--> model.onnx (fp32)
        --models.smoothquant.smooth (the bundled statistics)--> smoothed fp32 graph, same outputs
        --onnxruntime.quantization.quantize_dynamic(per_channel=True)--> model.int8-smooth-<digest>.onnx

The export is made on first use and cached under ``EncoderConfig.onnx_dir``, keyed by the
encoder id and a digest of the adapter, so a retrained adapter is exported again. Tokenisation,
mean pooling over the attention mask and L2 normalisation match sentence-transformers, so heads
trained on torch embeddings read these unchanged. Per-channel int8 is the faithful variant:
``../shared/OFFLINE-STACK.md`` measured cosine 0.992 mean to fp32, against 0.957 per-tensor; smoothing
the activations first (``models/smoothquant.py``) takes it to 0.998 for about 5 % of int8's speed. Statistics made
for another adapter are not used: that int8 export is plain (``model.int8.onnx``), with a warning.
"""

from __future__ import annotations

import hashlib
import logging
import os
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
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
from models.smoothquant import SmoothingStats, smooth

# The bundled int8 smoothing statistics (models/training/calibrate_smoothing.py) sit beside the adapter.
SMOOTHING_DIR = Path(__file__).resolve().parent / "artifacts" / "encoder" / ENCODER_VERSION

log = logging.getLogger(__name__)

OPSET = 17


def _adapter_digest(adapter: Path | None) -> str:
    """The adapter's weights and config (``adapter_*``), not the card or statistics beside them."""
    if adapter is None:
        return "none"
    digest = hashlib.sha256()
    for path in sorted(adapter.glob("adapter_*")):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def export_onnx(config: EncoderConfig, *, int8: bool, adapter_path: Path | None = ADAPTER_DIR) -> tuple[Path, Any]:
    """The cached ONNX file for this encoder (exported and quantised if missing) and its tokenizer.

    Once exported, only the tokenizer is loaded: no torch model, so start-up is fast and lean. Processes
    that start together on a fresh cache (Ray actors on one node, a server beside a batch job) export it
    once: the first takes a lock file in the cache folder, the others wait for it and load its files.
    """
    from filelock import FileLock, Timeout
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(default_model_path()))
    folder = Path(config.onnx_dir) / f"{ENCODER_NAME}.{ENCODER_VERSION}-{_adapter_digest(adapter_path)}"
    fp32 = folder / "model.onnx"
    stats = smoothing_for(adapter_path) if int8 else None
    quantised = folder / ("model.int8.onnx" if stats is None else f"model.int8-smooth-{stats_digest(stats)}.onnx")
    wanted = quantised if int8 else fp32
    if wanted.is_file():
        return wanted, tokenizer
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(folder / "export.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        log.info("another process is exporting the encoder to %s; waiting for it", folder)
        lock.acquire()
    try:
        if not fp32.is_file():
            _export_fp32(config, adapter_path, tokenizer, fp32)
        if int8 and not quantised.is_file():
            _quantise(fp32, stats, quantised)
    finally:
        lock.release()
    return wanted, tokenizer


def _export_fp32(config: EncoderConfig, adapter_path: Path | None, tokenizer: Any, fp32: Path) -> None:
    """torch.onnx.export of the merged encoder to ``fp32`` (under the export lock)."""
    import torch

    torch_encoder = SentenceTransformerEncoder(config=config, adapter_path=adapter_path)
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
    tmp = fp32.with_name(f"{fp32.name}.tmp")
    try:
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
    finally:
        tmp.unlink(missing_ok=True)
    log.info("exported the encoder to %s", fp32)


def _quantise(fp32: Path, stats: SmoothingStats | None, quantised: Path) -> None:
    """Dynamic per-channel int8 of ``fp32`` (smoothed first when ``stats`` is given) to ``quantised``."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    smoothed = fp32.with_name("model.smooth.onnx.tmp")
    tmp = quantised.with_name(f"{quantised.name}.tmp")
    try:
        source = fp32
        if stats is not None:
            onnx.save(smooth(fp32, stats), str(smoothed))
            source = smoothed
        quantize_dynamic(str(source), str(tmp), per_channel=True, weight_type=QuantType.QInt8)
        tmp.replace(quantised)
    finally:  # a failed quantisation leaves no half-written graph behind
        smoothed.unlink(missing_ok=True)
        tmp.unlink(missing_ok=True)
    log.info("quantised the encoder to %s", quantised)


def smoothing_for(adapter_path: Path | None) -> SmoothingStats | None:
    """The bundled smoothing statistics, if they were made for this adapter (``make calibrate-int8``)."""
    stats = SmoothingStats.load(SMOOTHING_DIR)
    if stats is None:
        return None
    if stats.metadata.get("adapter_digest") != _adapter_digest(adapter_path):
        log.warning(
            "the int8 smoothing statistics in %s were made for another encoder adapter: quantising without "
            "them (less faithful); run `make calibrate-int8` after retraining the adapter",
            SMOOTHING_DIR,
        )
        return None
    return stats


def stats_digest(stats: SmoothingStats) -> str:
    digest = hashlib.sha256(repr(stats.alpha).encode())
    for name in sorted(stats.maxima):
        digest.update(name.encode())
        digest.update(stats.maxima[name].tobytes())
    return digest.hexdigest()[:12]


class OnnxEncoder:
    """The v2 encoder on ONNX Runtime (CPU), fp32 or dynamic int8.

    A call's texts are tokenised once, sorted by length and cut into small chunks; ``onnx_parallel`` runs
    (one per core by default), each on ``threads`` intra-op threads (one by default), encode the chunks at
    once. ONNX Runtime releases the GIL while it runs and a session may be run from several threads.
    """

    name = ENCODER_NAME
    version = ENCODER_VERSION

    def __init__(self, *, config: EncoderConfig | None = None, int8: bool = True) -> None:
        import onnxruntime as ort

        self.config = config or EncoderConfig()
        path, self._tokenizer = export_onnx(self.config, int8=int8)
        options = ort.SessionOptions()
        options.intra_op_num_threads = self.config.threads if self.config.threads > 0 else 1
        options.inter_op_num_threads = 1
        if not self.config.onnx_spinning:
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self._session.get_inputs()}
        self.parallel = self.config.onnx_parallel if self.config.onnx_parallel > 0 else len(os.sched_getaffinity(0))
        self._pool = ThreadPoolExecutor(self.parallel, thread_name_prefix="onnx") if self.parallel > 1 else None
        self._pad_id = int(self._tokenizer.pad_token_id or 0)
        self.int8 = int8
        self.backend = "onnx-int8" if int8 else "onnx"
        self.dim = 384
        self.texts_encoded = 0

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        tokens = self._tokenizer(list(texts), truncation=True, max_length=self.config.max_seq_length, padding=False)
        ids: list[list[int]] = tokens["input_ids"]
        # Length-sorted chunks: padding only to the longest of similar texts. About four chunks per run
        # keeps every run busy to the end; more than four texts a chunk bought nothing when measured.
        # Dynamic int8 quantises activations with one scale per run, so a text's embedding would depend on
        # the texts sharing its run (a sentiment probability moved by 0.02): int8 runs one text at a time,
        # so a result never depends on what else was batched with it. Measured cost: in-process int8
        # enrichment 448 -> 343 texts/s on 2,000 Banking77 texts.
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        size = 1 if self.int8 else max(1, min(4, self.config.batch_size, -(-len(order) // (4 * self.parallel))))
        chunks = [order[start : start + size] for start in range(0, len(order), size)]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if self._pool is None or len(chunks) == 1:
            pooled = [self._run([ids[i] for i in chunk]) for chunk in chunks]
        else:
            pooled = list(self._pool.map(lambda chunk: self._run([ids[i] for i in chunk]), chunks))
        for chunk, vectors in zip(chunks, pooled, strict=True):
            out[chunk] = vectors
        self.texts_encoded += len(texts)
        return out

    def _run(self, ids: list[list[int]]) -> np.ndarray:
        return pooled_embeddings(self._session, self._inputs, ids, self._pad_id)


def pooled_embeddings(session: Any, inputs: set[str], ids: list[list[int]], pad_id: int = 0) -> np.ndarray:
    """Mean-pooled, L2-normalised embeddings of token id lists, padded to the longest, in one run of
    ``session`` (whose input names are ``inputs``)."""
    width = max(len(row) for row in ids)
    input_ids = np.full((len(ids), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(ids), width), dtype=np.int64)
    for row, tokens in enumerate(ids):
        input_ids[row, : len(tokens)] = tokens
        mask[row, : len(tokens)] = 1
    feeds = {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(input_ids)}
    hidden = session.run(None, {k: v for k, v in feeds.items() if k in inputs})[0]
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
    return pooled
