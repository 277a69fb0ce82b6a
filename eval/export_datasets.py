"""Export the labelled sets in ../shared/datasets as JSONL for `journeymine eval` (never into the repo).

    python -m eval.export_datasets --datasets ../shared/datasets --out /tmp/jm/data

Writes, one ``{"text", "label", ...}`` object per line: banking77_{train,dev} (the recipe's
stratified dev slice), clinc150_{train,dev} (dev = val + oos_val, field ``split``),
customer_service_train and multidogo_dev / bitext_dev (exactly the default taxonomy's
training rows and dev rows, field ``domain``), goemotions_dev, sst2_dev, tweeteval_val and
dynasent_dev (field ``round``). These are the files the model cards' eval commands read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path

from models.training import datasets as ds
from models.training.train_heads import DEFAULT_SEED, load_customer_service

REPO = Path(__file__).resolve().parents[1]


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
    dyna = ds.load_dynasent_dev(root)
    write(out, "dynasent_dev", rows(dyna["r1_dev"], round="r1") + rows(dyna["r2_dev"], round="r2"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
