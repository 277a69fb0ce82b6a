"""Probe (issue 20): how far does fine-tuning the encoder for sentiment get, against a frozen-encoder head?

An experiment, not a shipped recipe: it trains nothing that the service loads. It fine-tunes
all-MiniLM-L6-v2 (mean pooling + a linear 3-class layer, every weight trained) and, in the same run,
fits logistic regression on the frozen encoder's embeddings of the same rows, then scores both on
rows neither trained on:

    train   GoEmotions 3-class train + 80 % of DynaSent r1 dev (the shipped head's sets, permissive)
            [+ SST-2 train, research use: --research]
            [+ the service register's half a (problem reports negative, plain questions neutral,
               datasets.load_service_register): --complaints]
    score   GoEmotions dev, SST-2 dev (negative/positive only), TweetEval val (macro-recall),
            DynaSent r1 held-out 20 % and r2 dev, and the register's half b (intents never trained on):
            problem reports read as negative, and plain questions read as not negative.

    python -m models.training.probe_finetune_sentiment --datasets ../shared/datasets \\
        --model PATH_TO_SENTENCE_TRANSFORMERS_FOLDER [--research] [--complaints] [--epochs 2] [--json OUT]

It needs only torch, transformers, numpy and scikit-learn (so it runs on a GPU machine without the
service's stack); on 2 CPU cores an epoch over the default sets takes hours, on one GPU about a minute.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from transformers import AutoModel, AutoTokenizer, PreTrainedTokenizerBase

from models.training import datasets as ds
from models.training.datasets import SENTIMENT_LABELS, LabelledSet

NEGATIVE = SENTIMENT_LABELS.index("negative")


def scored_sets(
    root: Path, corpus: dict[str, LabelledSet], register: dict[str, LabelledSet], trained: Iterable[str]
) -> dict[str, LabelledSet]:
    """The sets the sentiment probes score, by name; register texts also in ``trained`` are left out."""
    seen = {text.lower() for text in trained}
    # Scored rows are never trained rows, even where a register text also occurs in GoEmotions or DynaSent.
    unseen = {
        key: register[key].subset(i for i, text in enumerate(register[key].texts) if text.lower() not in seen)
        for key in ("problems_b", "questions_b")
    }
    return {
        "goemotions_dev": corpus["dev"],
        "sst2_dev": ds.load_sst2_dev(root)["dev"],
        "tweeteval_val": ds.load_tweeteval_val(root)["val"],
        "dynasent_r1_heldout": corpus["dynasent_r1_heldout"],
        "dynasent_r2_dev": corpus["dynasent_r2_dev"],
        "register_problems_b": unseen["problems_b"],
        "register_questions_b": unseen["questions_b"],
    }


def build_sets(
    root: Path, *, research: bool, complaints: bool, seed: int
) -> tuple[LabelledSet, dict[str, LabelledSet]]:
    """(training rows, scored sets by name); problem and question probes carry their expected label."""
    corpus = ds.load_sentiment_corpus(root, seed=seed)
    train = corpus["train"]
    if research:
        train = train + ds.load_sst2_train(root)["train"]
    register = ds.load_service_register(root)
    if complaints:
        train = train + register["problems_a"] + register["questions_a"]
    return train, scored_sets(root, corpus, register, train.texts)


def ece(proba: np.ndarray, gold: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error of the top class, equal-width bins."""
    conf, pred = proba.max(axis=1), proba.argmax(axis=1)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in itertools.pairwise(edges):
        inside = (conf > lo) & (conf <= hi)
        if inside.any():
            total += inside.mean() * abs((pred[inside] == gold[inside]).mean() - conf[inside].mean())
    return float(total)


def figures(name: str, proba: np.ndarray, data: LabelledSet) -> dict[str, float]:
    """The figure each scored set is judged by (accuracy, macro-recall or a share), and ECE."""
    gold = np.array([SENTIMENT_LABELS.index(label) for label in data.labels])
    if name == "sst2_dev":
        keep = [SENTIMENT_LABELS.index("negative"), SENTIMENT_LABELS.index("positive")]
        sub = proba[:, keep] / proba[:, keep].sum(axis=1, keepdims=True)
        pred = np.array(keep)[sub.argmax(axis=1)]
        return {"accuracy": float((pred == gold).mean())}
    pred = proba.argmax(axis=1)
    if name == "register_problems_b":
        return {"share_negative": float((pred == NEGATIVE).mean())}
    if name == "register_questions_b":
        return {"share_not_negative": float((pred != NEGATIVE).mean())}
    if name == "small_talk_dev":
        return {"share_neutral": float((pred == SENTIMENT_LABELS.index("neutral")).mean())}
    out = {"accuracy": float((pred == gold).mean()), "ece": ece(proba, gold)}
    if name == "tweeteval_val":
        recalls = [float((pred[gold == k] == k).mean()) for k in range(3) if (gold == k).any()]
        out["macro_recall"] = float(np.mean(recalls))
    return out


class Classifier(torch.nn.Module):
    """The encoder, mean pooling over real tokens, a linear layer to the three sentiment labels."""

    def __init__(self, model_dir: Path) -> None:
        super().__init__()
        self.encoder = AutoModel.from_pretrained(str(model_dir), torch_dtype=torch.float32)
        self.head = torch.nn.Linear(self.encoder.config.hidden_size, len(SENTIMENT_LABELS))

    def pooled(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        hidden = self.encoder(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        return (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)

    def forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return self.head(self.pooled(batch))


def batches(
    tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], size: int, device: str, max_len: int
) -> Iterator[dict[str, torch.Tensor]]:
    """Tokenised slices of ``texts`` on ``device``."""
    for i in range(0, len(texts), size):
        chunk = list(texts[i : i + size])
        enc = tokenizer(chunk, padding=True, truncation=True, max_length=max_len, return_tensors="pt")
        yield {k: v.to(device) for k, v in enc.items()}


@torch.no_grad()
def predict(
    model: Classifier, tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], device: str, max_len: int
) -> np.ndarray:
    model.eval()
    chunks = batches(tokenizer, texts, 256, device, max_len)
    return np.vstack([torch.softmax(model(b), dim=-1).float().cpu().numpy() for b in chunks])


@torch.no_grad()
def embed(
    model: Classifier, tokenizer: PreTrainedTokenizerBase, texts: Sequence[str], device: str, max_len: int
) -> np.ndarray:
    model.eval()
    out = []
    for b in batches(tokenizer, texts, 256, device, max_len):
        v = model.pooled(b)
        out.append(torch.nn.functional.normalize(v, dim=-1).float().cpu().numpy())
    return np.vstack(out)


def run(args: argparse.Namespace) -> dict[str, object]:
    """Frozen-encoder logistic regression and the fine-tuned encoder, trained on the same rows, scored alike."""
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    train, scored = build_sets(args.datasets, research=args.research, complaints=args.complaints, seed=args.seed)
    if args.max_train and len(train) > args.max_train:  # a CPU-sized run: a random sample of the training rows
        train = train.subset(sorted(rng.permutation(len(train))[: args.max_train].tolist()))
    if args.limit:  # a smoke run: a random slice of the training rows, the first rows of each scored set
        train = train.subset(rng.permutation(len(train))[: args.limit].tolist())
        scored = {name: data.subset(range(min(args.limit, len(data)))) for name, data in scored.items()}
    tokenizer = AutoTokenizer.from_pretrained(str(args.model))
    model = Classifier(args.model).to(device)
    y = np.array([SENTIMENT_LABELS.index(label) for label in train.labels])
    result: dict[str, object] = {
        "train_rows": len(train),
        "max_train": args.max_train,
        "research": args.research,
        "complaints": args.complaints,
        "device": device,
        "epochs": args.epochs,
        "lr": args.lr,
    }

    began = time.perf_counter()
    x = embed(model, tokenizer, train.texts, device, args.max_len)
    frozen = LogisticRegression(C=args.c, max_iter=2000).fit(x, y)
    result["frozen_logreg"] = {
        name: figures(name, frozen.predict_proba(embed(model, tokenizer, data.texts, device, args.max_len)), data)
        for name, data in scored.items()
    }
    result["frozen_seconds"] = round(time.perf_counter() - began, 1)

    began = time.perf_counter()
    optimiser = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    steps = args.epochs * ((len(train) + args.batch - 1) // args.batch)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=args.lr, total_steps=steps, pct_start=0.1)
    for epoch in range(args.epochs):
        model.train()
        order = rng.permutation(len(train))
        for i in range(0, len(order), args.batch):
            idx = order[i : i + args.batch]
            texts = [train.texts[j] for j in idx]
            enc = tokenizer(texts, padding=True, truncation=True, max_length=args.max_len, return_tensors="pt")
            logits = model({k: v.to(device) for k, v in enc.items()})
            loss = torch.nn.functional.cross_entropy(logits, torch.as_tensor(y[idx], device=device))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
        print(f"epoch {epoch + 1}/{args.epochs}: last loss {loss.item():.4f}", flush=True)
    result["finetuned"] = {
        name: figures(name, predict(model, tokenizer, data.texts, device, args.max_len), data)
        for name, data in scored.items()
    }
    result["finetune_seconds"] = round(time.perf_counter() - began, 1)
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=Path, required=True, help="the folder holding goemotions/, sst2/, ...")
    parser.add_argument("--model", type=Path, required=True, help="a sentence-transformers folder (all-MiniLM-L6-v2)")
    parser.add_argument("--research", action="store_true", help="also train on SST-2 train (research-use licence)")
    parser.add_argument(
        "--complaints",
        action="store_true",
        help="also train on the service register's half a (problem reports negative, plain questions neutral)",
    )
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--max-len", type=int, default=64)
    parser.add_argument("--c", type=float, default=1.0, help="C of the frozen-encoder logistic regression")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--max-train", type=int, default=0, help="train on a random sample of this many rows (0: all); for CPU runs"
    )
    parser.add_argument("--limit", type=int, default=0, help="smoke run: at most this many rows of every set")
    args = parser.parse_args(argv)
    result = run(args)
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
