"""Export the labelled sets in ../shared/datasets as JSONL for `journeymine eval` (never into the repo).

    python -m eval.export_datasets --datasets ../shared/datasets --out /tmp/jm/data

Writes, one ``{"text", "label", ...}`` object per line: banking77_{train,dev} (the recipe's
stratified dev slice), clinc150_{train,dev} (dev = val + oos_val, field ``split``),
customer_service_train and multidogo_dev / bitext_dev (exactly the default taxonomy's
training rows and dev rows, field ``domain``), goemotions_dev, sst2_dev, tweeteval_val and
dynasent_dev (field ``round``; the 20 % of round 1 the sentiment models do not train on, and all
of round 2). These are the files the model cards' eval commands read.

``star_intent_{train,test}`` is the "new taxonomy from a small real set" benchmark for
``journeymine train intent``: the first substantive user turn of each single-task STAR
dialogue (MIT), labelled with its task; 16 tasks are in scope (30 + 30 rows each at most)
and every other task is ``out_of_scope`` (60 train / 100 test rows). STAR is never trained
on by the shipped models or the encoder, so the set is unseen for them.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from models.training import datasets as ds
from models.training.train_heads import DEFAULT_SEED, load_customer_service

REPO = Path(__file__).resolve().parents[1]
STAR_IN_SCOPE: tuple[str, ...] = (
    "bank_balance",
    "bank_fraud_report",
    "ride_book",
    "ride_status",
    "ride_change",
    "hotel_book",
    "hotel_search",
    "hotel_service_request",
    "plane_book",
    "plane_search",
    "doctor_schedule",
    "doctor_followup",
    "apartment_search",
    "apartment_schedule",
    "restaurant_book",
    "restaurant_search",
)
STAR_ROWS_PER_TASK = 30
STAR_OOS_ROWS = (60, 100)  # train, test
STAR_MIN_WORDS = 4
STAR_SEED = 0


def star_intent_sets(root: Path) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """(train, test) rows from STAR's single-task dialogues: first user turn of >= 4 words, labelled by task."""
    by_label: dict[str, list[str]] = defaultdict(list)
    path = root / "star_dialogues" / "star_dev.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"dataset file missing: {path}")
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            dialogue = json.loads(line)
            if dialogue["multitask"] or len(dialogue["tasks"]) != 1:
                continue
            users = [t["text"].strip() for t in dialogue["turns"] if t["speaker"] == "user"]
            text = next((u for u in users if len(u.split()) >= STAR_MIN_WORDS), None)
            if text is None:
                continue
            task = dialogue["tasks"][0]
            by_label[task if task in STAR_IN_SCOPE else ds.OUT_OF_SCOPE].append(text)
    rng = random.Random(STAR_SEED)
    train: list[dict[str, str]] = []
    test: list[dict[str, str]] = []
    for label, texts in sorted(by_label.items()):
        unique = sorted(set(texts))
        rng.shuffle(unique)
        if label == ds.OUT_OF_SCOPE:
            n_train, n_test = STAR_OOS_ROWS
        else:
            n_train = min(STAR_ROWS_PER_TASK, len(unique) // 2)
            n_test = min(STAR_ROWS_PER_TASK, len(unique) - n_train)
        train += [{"text": t, "label": label} for t in unique[:n_train]]
        test += [{"text": t, "label": label} for t in unique[n_train : n_train + n_test]]
    return train, test


def rows(data: ds.LabelledSet, **fields: str) -> list[dict[str, str]]:
    return [{"text": t, "label": label, **fields} for t, label in zip(data.texts, data.labels, strict=True)]


def write(out: Path, name: str, records: Iterable[dict[str, str]]) -> None:
    path = out / f"{name}.jsonl"
    with path.open("w") as f:
        n = sum(1 for r in records if f.write(json.dumps(r) + "\n"))
    print(f"{path}: {n} rows", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--out", type=Path, required=True, help="output folder (outside the repo)")
    args = parser.parse_args(argv)
    out = args.out.resolve()
    if out == REPO or REPO in out.parents:
        parser.error(f"--out {out} is inside the repository; the labelled sets are never committed")
    out.mkdir(parents=True, exist_ok=True)
    root = args.datasets
    b = ds.load_banking77(root)
    write(out, "banking77_train", rows(b["train"]))
    write(out, "banking77_dev", rows(b["dev"]))
    c = ds.load_clinc150(root)
    write(out, "clinc150_train", rows(c["train"]) + rows(c["oos_train"]))
    write(out, "clinc150_dev", rows(c["val"], split="val") + rows(c["oos_val"], split="oos_val"))
    train, bitext_dev, _, _, _ = load_customer_service(root, DEFAULT_SEED)
    write(out, "customer_service_train", rows(train))
    write(out, "bitext_dev", rows(bitext_dev, domain="bitext"))
    kept = set(train.labels)
    write(
        out,
        "multidogo_dev",
        [
            r
            for domain in ds.MULTIDOGO_DOMAINS
            for r in rows(ds.load_multidogo(root, domains=[domain])["dev"], domain=domain)
            if r["label"] in kept
        ],
    )
    write(out, "goemotions_dev", rows(ds.load_goemotions_3class(root)["dev"]))
    write(out, "sst2_dev", rows(ds.load_sst2_dev(root)["dev"]))
    write(out, "tweeteval_val", rows(ds.load_tweeteval_val(root)["val"]))
    # Only DynaSent's held-out rows: the shipped sentiment models train on 80 % of round 1.
    senti = ds.load_sentiment_corpus(root, seed=DEFAULT_SEED)
    write(
        out,
        "dynasent_dev",
        rows(senti["dynasent_r1_heldout"], round="r1") + rows(senti["dynasent_r2_dev"], round="r2"),
    )
    star_train, star_test = star_intent_sets(root)
    write(out, "star_intent_train", star_train)
    write(out, "star_intent_test", star_test)
    return 0


if __name__ == "__main__":
    sys.exit(main())
