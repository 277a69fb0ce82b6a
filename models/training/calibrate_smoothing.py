"""Activation statistics for the int8 encoder's smoothing (SmoothQuant), from training texts only.

    python -m models.training.calibrate_smoothing --datasets ../shared/datasets

Runs the fp32 ONNX export over 1,500 GoEmotions train texts and 500 Banking77 train texts (its train part:
the dev slice the intent head is measured on is left out), one text per run, and keeps each weight MatMul
input's per-channel max |X| (``models.smoothquant.calibrate``). Writes ``smoothquant.npz`` and
``smoothquant.json`` beside the encoder's adapter (``models/artifacts/encoder/v2``), which the int8 export
then uses (``models/onnx_encoder.py``), and the "int8 smoothing" section of the encoder's card, with the
cosine to fp32 of plain and smoothed int8 on 600 other train texts.

alpha 0.8 was chosen on train-text fidelity alone, before any dev set was scored (an exploratory sweep,
2026-12-02, with a calibration sample drawn the same way from all of Banking77's train.csv; mean cosine to
fp32 on 600 other train texts: 0.5: 0.9847, 0.65: 0.9965, 0.8: 0.9979, 0.9: 0.9976, 1.0: 0.9975; plain
int8 0.9928). Run it after
``make finetune-encoder`` (``make calibrate-int8`` runs it, then the intent thresholds on the new int8).
"""

from __future__ import annotations

import argparse
import random
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from models.encoder import ADAPTER_DIR, EncoderConfig
from models.onnx_encoder import _adapter_digest, export_onnx, pooled_embeddings
from models.smoothquant import SmoothingStats, calibrate, smooth
from models.training import cards
from models.training import datasets as ds

MODULE = "models.training.calibrate_smoothing"
SECTION = "int8 smoothing (SmoothQuant)"
ALPHA = 0.8
SEED = 1234
GOEMOTIONS_TEXTS, BANKING77_TEXTS = 1500, 500
FIDELITY_TEXTS, FIDELITY_SEED = 600, 777


def calibration_texts(root: Path, seed: int = SEED) -> tuple[list[str], list[str]]:
    """(calibration texts, other train texts for the fidelity check): both from train splits only."""
    rng = random.Random(seed)
    goemotions = ds.load_goemotions_3class(root)["train"].texts
    banking = ds.load_banking77(root)["train"].texts
    calibration = rng.sample(goemotions, GOEMOTIONS_TEXTS) + rng.sample(banking, BANKING77_TEXTS)
    used = set(calibration)
    others = [t for t in goemotions[::7] + banking[::7] if t not in used]
    return calibration, random.Random(FIDELITY_SEED).sample(others, FIDELITY_TEXTS)


def fidelity(model: Path, reference: np.ndarray, token_ids: Sequence[Sequence[int]]) -> tuple[float, float]:
    """Mean and 1st-percentile cosine to ``reference`` of ``model``'s embeddings, one text per run."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    embeddings = _embed(session, token_ids)
    cosine = (embeddings * reference).sum(axis=1)
    return float(cosine.mean()), float(np.percentile(cosine, 1))


def _embed(session: Any, token_ids: Sequence[Sequence[int]]) -> np.ndarray:
    """One text per run, as the service runs int8."""
    inputs = {i.name for i in session.get_inputs()}
    return np.vstack([pooled_embeddings(session, inputs, [list(row)]) for row in token_ids])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=Path, required=True, help="the folder holding goemotions/, banking77/ ...")
    parser.add_argument("--out", type=Path, default=ADAPTER_DIR, help="where the statistics go (the encoder's folder)")
    args = parser.parse_args(argv)
    if not args.datasets.is_dir():
        parser.error(f"--datasets {args.datasets}: not a directory (it holds goemotions/, banking77/, ...)")
    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    fp32, tokenizer = export_onnx(EncoderConfig(), int8=False)
    texts, held_out = calibration_texts(args.datasets)
    ids = tokenizer(texts, truncation=True, max_length=EncoderConfig().max_seq_length)["input_ids"]
    with tqdm(total=len(ids), desc="calibrating", unit="text") as progress:
        maxima = calibrate(fp32, ids, progress=progress)
    metadata = {
        "command": f"python -m {MODULE} --datasets <datasets>",
        "date": cards.today(),
        "calibration": f"{GOEMOTIONS_TEXTS} GoEmotions train_3class + {BANKING77_TEXTS} Banking77 train (seed {SEED})",
        "adapter_digest": _adapter_digest(ADAPTER_DIR),
        "tensors": len(maxima),
    }
    stats = SmoothingStats(maxima, ALPHA, metadata)

    held_ids = tokenizer(held_out, truncation=True, max_length=EncoderConfig().max_seq_length)["input_ids"]
    reference = _embed(ort.InferenceSession(str(fp32), providers=["CPUExecutionProvider"]), held_ids)
    with tempfile.TemporaryDirectory() as tmp:
        plain, smoothed_fp32, smoothed = Path(tmp, "plain.onnx"), Path(tmp, "smooth.onnx"), Path(tmp, "int8.onnx")
        quantize_dynamic(str(fp32), str(plain), per_channel=True, weight_type=QuantType.QInt8)
        onnx.save(smooth(fp32, stats), str(smoothed_fp32))
        quantize_dynamic(str(smoothed_fp32), str(smoothed), per_channel=True, weight_type=QuantType.QInt8)
        figures = {
            "fp32_smoothed": fidelity(smoothed_fp32, reference, held_ids),
            "int8_plain": fidelity(plain, reference, held_ids),
            "int8_smoothed": fidelity(smoothed, reference, held_ids),
        }
    stats.metadata["fidelity_cosine_mean_p1"] = {k: [round(v, 5) for v in pair] for k, pair in figures.items()}
    stats.save(args.out)
    rows = [[name, mean, p1] for name, (mean, p1) in figures.items()]
    body = (
        f"Written by `python -m {MODULE} --datasets <datasets>` (`make calibrate-int8`), {metadata['date']}. "
        "Before dynamic int8 quantisation the fp32 graph is smoothed (`models/smoothquant.py`, SmoothQuant, "
        f"alpha {ALPHA}): each MatMul's per-channel activation range, measured on {metadata['calibration']} "
        "(`smoothquant.npz`), is moved into its weights, which int8 quantises per channel. The smoothed fp32 "
        "graph computes what the original does. Cosine to fp32 on "
        f"{FIDELITY_TEXTS} other train texts, one text per run:\n\n"
        + cards.table(["model", "mean cosine", "1st percentile"], rows)
    )
    if (args.out / cards.CARD_FILE).is_file():
        cards.replace_section(args.out / cards.CARD_FILE, SECTION, body)
    print(cards.table(["model", "mean cosine to fp32", "1st percentile"], rows))


if __name__ == "__main__":
    main()
