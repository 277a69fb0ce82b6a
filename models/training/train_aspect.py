"""Train the aspect-polarity model (``aspect.v1``) on MAMS ATSA: a LoRA adapter + a linear span head.

Run (about 15 minutes on 2 CPU cores)::

    python -m models.training.train_aspect --datasets ../shared/datasets

MAMS (Jiang et al. 2019, Apache-2.0) puts two or more aspects of different polarity in
every sentence, so sentence-level sentiment cannot do well on it by construction. The
model starts from the shared encoder (all-MiniLM-L6-v2 with the ``encoder.v2`` adapter
merged), adds LoRA adapters on every linear layer, and classifies each aspect from
[mean token state under the aspect span ; mean token state of the sentence]
(``models.aspect.pool_features``): one forward pass per sentence, whatever its number of
aspects. Only MAMS train is trained on, for a fixed number of epochs (nothing is picked on
val); the figures on MAMS val (dev) are measured through the serving path
(``models.aspect.AspectModel``) and written into the model card.
"""

from __future__ import annotations

import argparse
import json
import random
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from models.aspect import LABELS, WEIGHTS_FILE, AspectModel, AspectQuery, pool_features, write_meta
from models.training import cards
from models.training.finetune_encoder import LORA_TARGETS, portable_adapter

MODULE = "models.training.train_aspect"
DEFAULT_OUT = Path("models/artifacts/aspect/v1")
DEFAULT_SEED = 42
MAMS_LICENSE = "Apache-2.0"


@dataclass(frozen=True)
class AspectExample:
    """One MAMS ATSA sentence with its aspect terms: spans ``[start, end)`` and gold polarities."""

    text: str
    spans: tuple[tuple[int, int], ...]
    terms: tuple[str, ...]
    labels: tuple[str, ...]


def load_mams_atsa(path: Path) -> list[AspectExample]:
    """Sentences of one MAMS ATSA XML file (``train.xml``, ``val.xml``), aspects in document order."""
    out = []
    for sentence in ET.parse(path).getroot().iter("sentence"):
        text = sentence.findtext("text") or ""
        spans, terms, labels = [], [], []
        for term in sentence.iter("aspectTerm"):
            polarity = term.get("polarity", "")
            if polarity not in LABELS:
                continue
            start, end = int(term.get("from", "0")), int(term.get("to", "0"))
            spans.append((start, end))
            terms.append(text[start:end])
            labels.append(polarity)
        if spans:
            out.append(AspectExample(text, tuple(spans), tuple(terms), tuple(labels)))
    return out


def mams_split(root: Path, split: str) -> list[AspectExample]:
    """MAMS ATSA ``train`` or ``val`` under the shared datasets folder."""
    return load_mams_atsa(root / "mams_absa" / "ATSA" / f"{split}.xml")


@dataclass(frozen=True)
class AspectTrainConfig:
    """Everything that decides the model; written into ``aspect.json``."""

    epochs: int = 4
    batch_size: int = 16  # sentences per step (about 42 aspects)
    max_length: int = 128
    lora_rank: int = 16
    lora_alpha: int = 32
    lora_dropout: float = 0.1
    lr_lora: float = 5e-4
    lr_head: float = 2e-3
    warmup_fraction: float = 0.06
    weight_decay: float = 0.01
    feature_dropout: float = 0.1
    seed: int = DEFAULT_SEED


def train(examples: Sequence[AspectExample], config: AspectTrainConfig, out: Path) -> dict[str, Any]:
    """Train the adapter and head on ``examples``; save both under ``out``; return training figures."""
    import torch
    import torch.nn.functional as F
    from peft import LoraConfig, get_peft_model
    from sentence_transformers import SentenceTransformer

    from models.encoder import ADAPTER_DIR, ENCODER_NAME, ENCODER_VERSION, _merge_adapter, default_model_path

    torch.manual_seed(config.seed)
    rng = random.Random(config.seed)
    st = SentenceTransformer(str(default_model_path()), device="cpu")
    assert ADAPTER_DIR is not None
    _merge_adapter(st, ADAPTER_DIR)
    tokenizer = st.tokenizer
    base: Any = st[0].auto_model
    lora = LoraConfig(
        r=config.lora_rank,
        lora_alpha=config.lora_alpha,
        lora_dropout=config.lora_dropout,
        target_modules=list(LORA_TARGETS),
        bias="none",
    )
    model = get_peft_model(base, lora)
    dim = int(base.config.hidden_size)
    head = torch.nn.Linear(2 * dim, len(LABELS))
    lora_params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(
        [
            {"params": lora_params, "lr": config.lr_lora, "weight_decay": config.weight_decay},
            {"params": list(head.parameters()), "lr": config.lr_head, "weight_decay": config.weight_decay},
        ]
    )
    base_lrs = [g["lr"] for g in optimizer.param_groups]
    steps_per_epoch = (len(examples) + config.batch_size - 1) // config.batch_size
    total = steps_per_epoch * config.epochs
    warmup = max(1, int(total * config.warmup_fraction))
    model.train()
    started = time.perf_counter()
    bar = tqdm(total=total, desc="aspect fine-tune", unit="step")
    running, step, aspects_seen = 0.0, 0, 0
    for _ in range(config.epochs):
        order = list(range(len(examples)))
        rng.shuffle(order)
        for begin in range(0, len(order), config.batch_size):
            batch = [examples[i] for i in order[begin : begin + config.batch_size]]
            queries = [AspectQuery(e.text, e.spans) for e in batch]
            enc = tokenizer(
                [e.text for e in batch],
                padding=True,
                truncation=True,
                max_length=config.max_length,
                return_offsets_mapping=True,
                return_tensors="pt",
            )
            offsets = [[(int(s), int(e)) for s, e in row] for row in enc.pop("offset_mapping").tolist()]
            hidden = model(**enc).last_hidden_state
            feats = F.dropout(pool_features(hidden, enc["attention_mask"], offsets, queries), config.feature_dropout)
            gold = torch.tensor([LABELS.index(label) for e in batch for label in e.labels], dtype=torch.long)
            loss = F.cross_entropy(head(feats), gold)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_([*lora_params, *head.parameters()], 1.0)
            factor = (step + 1) / warmup if step < warmup else max(0.0, (total - step) / max(1, total - warmup))
            for group, lr in zip(optimizer.param_groups, base_lrs, strict=True):
                group["lr"] = lr * factor
            optimizer.step()
            step += 1
            aspects_seen += len(gold)
            running = 0.98 * running + 0.02 * float(loss.detach()) if step > 1 else float(loss.detach())
            bar.update(1)
            if step % 20 == 0:
                bar.set_postfix(loss=f"{running:.3f}")
    bar.close()
    seconds = time.perf_counter() - started

    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out))
    portable_adapter(out)
    from safetensors.numpy import save_file

    save_file(
        {
            "weight": head.weight.detach().numpy().astype(np.float32),
            "bias": head.bias.detach().numpy().astype(np.float32),
        },
        str(out / WEIGHTS_FILE),
    )
    write_meta(
        out,
        {
            "name": "aspect",
            "version": out.name,
            "labels": list(LABELS),
            "max_length": config.max_length,
            "metadata": {
                "encoder": f"{ENCODER_NAME}.{ENCODER_VERSION}",
                "base_adapter": "encoder.v2",
                "features": "[mean token state under the aspect span ; mean token state of the sentence]",
                "config": asdict(config),
                "trained_on": "MAMS ATSA train",
            },
        },
    )
    return {
        "train_seconds": round(seconds, 1),
        "sentences_per_second": round(len(examples) * config.epochs / seconds, 1),
        "aspects_per_second": round(aspects_seen / seconds, 1),
        "steps": step,
        "trainable_parameters": int(sum(p.numel() for p in lora_params) + sum(p.numel() for p in head.parameters())),
    }


def scores(gold: Sequence[str], pred: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro-F1 and per-class precision/recall/F1 over the three polarities."""
    per_class: dict[str, dict[str, float]] = {}
    for label in LABELS:
        tp = sum(g == p == label for g, p in zip(gold, pred, strict=True))
        fp = sum(p == label != g for g, p in zip(gold, pred, strict=True))
        fn = sum(g == label != p for g, p in zip(gold, pred, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = {"precision": precision, "recall": recall, "f1": f1, "support": float(tp + fn)}
    accuracy = sum(g == p for g, p in zip(gold, pred, strict=True)) / max(1, len(gold))
    return {
        "n": len(gold),
        "accuracy": accuracy,
        "macro_f1": float(np.mean([c["f1"] for c in per_class.values()])),
        "per_class": per_class,
    }


def evaluate_model(model: AspectModel, examples: Sequence[AspectExample]) -> tuple[dict[str, Any], float]:
    """Figures of ``model`` on ``examples`` through the serving path, and the aspects scored per second."""
    started = time.perf_counter()
    proba = model.predict_proba([AspectQuery(e.text, e.spans) for e in examples])
    seconds = time.perf_counter() - started
    pred = [LABELS[int(i)] for p in proba for i in p.argmax(axis=1)]
    gold = [label for e in examples for label in e.labels]
    return scores(gold, pred), len(gold) / seconds


def record_dev_figures(out: Path, dev: dict[str, Any]) -> None:
    """Add the MAMS val figures to ``aspect.json``, where the regression gate reads them."""
    meta = json.loads((out / "aspect.json").read_text(encoding="utf-8"))
    meta["metadata"]["dev"] = {
        "set": "MAMS ATSA val",
        "n": dev["n"],
        "accuracy": round(dev["accuracy"], 4),
        "macro_f1": round(dev["macro_f1"], 4),
    }
    write_meta(out, meta)


def write_card(
    out: Path,
    config: AspectTrainConfig,
    n_train: tuple[int, int],
    figures: dict[str, Any],
    dev: dict[str, Any],
) -> None:
    """``MODEL_CARD.md`` beside the adapter."""
    per_class = [
        [label, c["precision"], c["recall"], c["f1"], int(c["support"])] for label, c in dev["per_class"].items()
    ]
    sections = [
        ("Command", f"```\n{cards.command_line(MODULE)}\n```\n\nTrained {cards.today()} (UTC)."),
        (
            "What it is",
            "Aspect (target) polarity: all-MiniLM-L6-v2 with the shared `encoder.v2` adapter merged, an aspect "
            "LoRA adapter on every linear layer, and a linear softmax head over [mean token state under the "
            "aspect span ; sentence mean]. One forward pass per sentence scores all of its aspects.",
        ),
        (
            "Training data",
            cards.table(
                ["dataset", "split", "license", "sentences", "aspects"],
                [["MAMS ATSA", "train", MAMS_LICENSE, n_train[0], n_train[1]]],
            )
            + "\n\nMAMS val is held out (dev figures below); nothing was picked on it. The MAMS test split is "
            "kept apart, outside the repository.",
        ),
        ("Hyper-parameters", cards.table(["setting", "value"], [[k, v] for k, v in asdict(config).items()])),
        (
            "Dev figures (MAMS ATSA val)",
            f"accuracy {dev['accuracy']:.4f}, macro-F1 {dev['macro_f1']:.4f} over {dev['n']} aspects\n\n"
            + cards.table(["label", "precision", "recall", "F1", "support"], per_class)
            + "\n\nReproduce through the service's own path: `python -m eval.export_datasets --datasets "
            "../shared/datasets --out /tmp/jm/data --only mams` then "
            "`journeymine eval aspect --data /tmp/jm/data/mams_atsa_dev.jsonl --json`.",
        ),
        (
            "Cost",
            f"Trained in {figures['train_seconds']:.0f} s ({figures['sentences_per_second']} sentences/s, "
            f"{figures['aspects_per_second']} aspects/s). Serving: {figures.get('dev_aspects_per_second', 0):.1f} "
            "aspects/s on MAMS val (one unpadded forward pass per sentence; the extra cost per aspect is "
            "1 / that rate, shared by a sentence's aspects).",
        ),
    ]
    cards.write_card(out, f"aspect {out.name} — aspect-term polarity (MAMS ATSA)", sections)


def main(argv: Sequence[str] | None = None) -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, required=True, help="the shared datasets folder (../shared/datasets)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="artifact folder")
    parser.add_argument("--epochs", type=int, default=AspectTrainConfig.epochs)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--limit", type=int, default=0, help="train on the first N sentences only (smoke runs)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    args = parser.parse_args(argv)
    if not (args.datasets / "mams_absa" / "ATSA" / "train.xml").is_file():
        raise SystemExit(f"MAMS ATSA not found under {args.datasets}/mams_absa/ATSA")
    if args.threads > 0:
        import torch

        torch.set_num_threads(args.threads)
    config = AspectTrainConfig(epochs=args.epochs, seed=args.seed)
    train_rows = mams_split(args.datasets, "train")
    if args.limit > 0:
        train_rows = train_rows[: args.limit]
    dev_rows = mams_split(args.datasets, "val")
    n_train = (len(train_rows), sum(len(e.spans) for e in train_rows))
    print(f"MAMS ATSA train: {n_train[0]} sentences / {n_train[1]} aspects; val: {len(dev_rows)} sentences")
    figures = train(train_rows, config, args.out)
    dev, rate = evaluate_model(AspectModel.load(args.out), dev_rows)
    figures["dev_aspects_per_second"] = round(rate, 1)
    record_dev_figures(args.out, dev)
    write_card(args.out, config, n_train, figures, dev)
    print(json.dumps({"train": figures, "dev": dev}, indent=2))


if __name__ == "__main__":
    main()
