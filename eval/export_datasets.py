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

Labelled journeys for ``journeymine eval score`` (one ``{"customer_id", "gold", "touchpoints"}`` per
line; each touchpoint ``{"id", "channel": "chat", "occurred_at", "turns": [{"speaker", "text"}]}``
with speaker CUSTOMER or AGENT; timestamps are synthetic, ISO-8601 UTC):

- ``uss_sgd_journeys`` / ``uss_mwoz_journeys``: USS (Sun et al. 2021), one customer per dialogue
  (``sgd-000000``, ``mwoz-000000`` by dialogue index) with one touchpoint at 2024-01-01T00:00Z +
  index minutes; USER turns are CUSTOMER, SYSTEM turns AGENT. gold = mean of the dialogue's
  OVERALL annotator ratings (1-5). The OVERALL line, the action labels and the per-turn ratings
  are not written.
- ``uss_dev_journeys``: the same, for only the SGD and MultiWOZ dialogues the satisfaction head
  (``models/training/heads/satisfaction.py``) holds out as dev, so its score figures are on unseen dialogues.
- ``star_customer_journeys``: STAR, one customer per ``user_worker_id`` with >= 3 dialogues that
  have turns; each such dialogue is a touchpoint, in dialogue_id order one hour apart from
  2024-01-01T00:00Z. The satisfaction proxy of a dialogue is
  d = mean of whichever are available of: user_says_agent_calm_helpful (1/0),
  user_says_task_success (1/0), completion == "Complete" (1/0, always available);
  gold = mean of d over the customer's dialogues (in [0, 1]). Dialogues without turns (mostly
  early disconnects) have nothing to score and are left out of both. STAR users follow scripted,
  often deliberately unhappy personas: the proxy reflects instructions more than experience.
- ``star_dialogue_journeys``: STAR, one customer per dialogue (``star-dialogue-000002``) with gold = d,
  only dialogues with turns and at least one user-questionnaire answer (calm/helpful or task success).

``mams_atsa_dev``: MAMS ATSA val (Apache-2.0), one ``{"text", "aspect", "start", "end", "label", "sentence"}``
row per aspect term, for ``journeymine eval aspect`` (the aspect model trains on MAMS train only).

``--only NAME ...`` writes just those files (or groups: banking77, clinc150, customer_service, star_intent, mams).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from models.training import datasets as ds
from models.training.heads import cs_taxonomy
from models.training.heads.data import load_customer_service
from models.training.train_heads import DEFAULT_SEED

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
Records = list[dict[str, Any]]


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


# --- labelled journeys for `journeymine eval score` ----------------------------------------------

JOURNEY_EPOCH = datetime(2024, 1, 1, tzinfo=UTC)  # synthetic: the sources carry no timestamps
USS_SPEAKERS = {"USER": "CUSTOMER", "SYSTEM": "AGENT"}
STAR_SPEAKERS = {"user": "CUSTOMER", "agent": "AGENT"}
STAR_MIN_DIALOGUES = 3  # per customer in star_customer_journeys


def _timestamp(offset: timedelta) -> str:
    return (JOURNEY_EPOCH + offset).strftime("%Y-%m-%dT%H:%M:%SZ")


def _touchpoint(tp_id: str, occurred_at: str, turns: list[dict[str, str]]) -> dict[str, Any]:
    return {"id": tp_id, "channel": "chat", "occurred_at": occurred_at, "turns": turns}


def uss_journeys(root: Path, corpus: str, *, only: set[int] | None = None) -> list[dict[str, Any]]:
    """One journey per USS dialogue of ``corpus`` (SGD or MWOZ); gold = mean OVERALL rating (1-5).

    ``only``: the dialogue indices to write (default all). Speaker and text of each turn are kept, never the
    ratings or action labels.
    """
    prefix = corpus.lower()
    journeys = []
    for i, dialogue in enumerate(ds.load_uss(root, corpus)):
        if only is not None and i not in only:
            continue
        turns = [{"speaker": USS_SPEAKERS[t.role], "text": t.text} for t in dialogue.turns]
        customer = f"{prefix}-{i:06d}"
        touchpoint = _touchpoint(f"{customer}-1", _timestamp(timedelta(minutes=i)), turns)
        journeys.append(
            {"customer_id": customer, "gold": statistics.fmean(dialogue.overall), "touchpoints": [touchpoint]}
        )
    return journeys


def uss_dev_journeys(root: Path) -> list[dict[str, Any]]:
    """``uss_journeys`` of only the dialogues the satisfaction head never trained on (its dev 20 %), both corpora."""
    from models.training.heads.satisfaction import dev_indices

    held = dev_indices(root)
    return [j for corpus in ds.USS_CORPORA for j in uss_journeys(root, corpus, only=held[corpus])]


def star_dialogue_value(dialogue: Mapping[str, Any]) -> float:
    """STAR's per-dialogue satisfaction proxy d in [0, 1].

    d = mean of whichever are available of: user_says_agent_calm_helpful (1/0),
    user_says_task_success (1/0) and completion == "Complete" (1/0; always available).
    """
    values = [
        float(dialogue[k])
        for k in ("user_says_agent_calm_helpful", "user_says_task_success")
        if dialogue[k] is not None
    ]
    values.append(float(dialogue["completion"] == "Complete"))
    return statistics.fmean(values)


def _star_scorable(root: Path) -> list[tuple[dict[str, Any], list[dict[str, str]]]]:
    """(dialogue, turns) for every STAR dialogue with at least one non-empty turn, in dialogue_id order."""
    path = root / "star_dialogues" / "star_dev.jsonl"
    if not path.is_file():
        raise FileNotFoundError(f"dataset file missing: {path}")
    out = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            dialogue = json.loads(line)
            turns = [
                {"speaker": STAR_SPEAKERS[t["speaker"]], "text": t["text"].strip()}
                for t in dialogue["turns"]
                if t["text"].strip()
            ]
            if turns:  # a dialogue without turns (mostly an early disconnect) has nothing to score
                out.append((dialogue, turns))
    return sorted(out, key=lambda pair: pair[0]["dialogue_id"])


def star_customer_journeys(root: Path) -> list[dict[str, Any]]:
    """One journey per STAR user_worker_id with >= 3 dialogues; gold = mean over them of star_dialogue_value."""
    by_customer: dict[str, list[tuple[dict[str, Any], list[dict[str, str]]]]] = defaultdict(list)
    for dialogue, turns in _star_scorable(root):
        by_customer[dialogue["user_worker_id"]].append((dialogue, turns))
    journeys = []
    for worker, dialogues in sorted(by_customer.items()):
        if len(dialogues) < STAR_MIN_DIALOGUES:
            continue
        touchpoints = [
            _touchpoint(f"star-{d['dialogue_id']:06d}", _timestamp(timedelta(hours=k)), turns)
            for k, (d, turns) in enumerate(dialogues)
        ]
        # Customer-level satisfaction proxy: the mean of the per-dialogue proxy d (see star_dialogue_value).
        gold = statistics.fmean(star_dialogue_value(d) for d, _ in dialogues)
        journeys.append({"customer_id": f"star-{worker}", "gold": gold, "touchpoints": touchpoints})
    return journeys


def star_dialogue_journeys(root: Path) -> list[dict[str, Any]]:
    """One journey per STAR dialogue that has a user-questionnaire answer; gold = star_dialogue_value."""
    journeys = []
    for i, (dialogue, turns) in enumerate(
        (d, t)
        for d, t in _star_scorable(root)
        if d["user_says_agent_calm_helpful"] is not None or d["user_says_task_success"] is not None
    ):
        customer = f"star-dialogue-{dialogue['dialogue_id']:06d}"
        touchpoint = _touchpoint(f"star-{dialogue['dialogue_id']:06d}", _timestamp(timedelta(minutes=i)), turns)
        journeys.append({"customer_id": customer, "gold": star_dialogue_value(dialogue), "touchpoints": [touchpoint]})
    return journeys


def gold_summary(golds: list[float]) -> str:
    """One line: n, mean, quartiles and range of the gold scores, and their counts when there are few distinct ones."""
    if not golds:
        return "no gold scores"
    q1, median, q3 = statistics.quantiles(golds, n=4, method="inclusive") if len(golds) > 1 else (golds[0],) * 3
    text = (
        f"gold mean {statistics.fmean(golds):.3f}, min {min(golds):.3f}, q1 {q1:.3f}, median {median:.3f}, "
        f"q3 {q3:.3f}, max {max(golds):.3f}"
    )
    counts = Counter(round(g, 2) for g in golds)
    if len(counts) <= 12:
        text += "; counts " + ", ".join(f"{v:g}: {n}" for v, n in sorted(counts.items()))
    return text


# --- writing ----------------------------------------------------------------------------------------


def rows(data: ds.LabelledSet, **fields: str) -> list[dict[str, str]]:
    return [{"text": t, "label": label, **fields} for t, label in zip(data.texts, data.labels, strict=True)]


def write(out: Path, name: str, records: Iterable[Mapping[str, Any]]) -> None:
    path = out / f"{name}.jsonl"
    golds: list[float] = []
    with path.open("w") as f:
        n = 0
        for r in records:
            f.write(json.dumps(r) + "\n")
            n += 1
            if "gold" in r:
                golds.append(float(r["gold"]))
    if golds:
        print(f"{path}: {n} journeys; {gold_summary(golds)}", file=sys.stderr)
    else:
        print(f"{path}: {n} rows", file=sys.stderr)


def _banking77(root: Path) -> dict[str, Records]:
    b = ds.load_banking77(root)
    return {"banking77_train": rows(b["train"]), "banking77_dev": rows(b["dev"])}


def _clinc150(root: Path) -> dict[str, Records]:
    c = ds.load_clinc150(root)
    return {
        "clinc150_train": rows(c["train"]) + rows(c["oos_train"]),
        "clinc150_dev": rows(c["val"], split="val") + rows(c["oos_val"], split="oos_val"),
    }


def _customer_service(root: Path) -> dict[str, Records]:
    data = load_customer_service(root, DEFAULT_SEED)
    kept = set(data.train.labels)
    # MultiDoGo dev per domain, its labels read through the curated table as the default taxonomy's dev rows are.
    table = cs_taxonomy.mapping("multidogo")
    multidogo = [
        {**r, "label": table[r["label"]]}
        for domain in ds.MULTIDOGO_DOMAINS
        for r in rows(ds.load_multidogo(root, domains=[domain])["dev"], domain=domain)
        if table.get(r["label"]) in kept
    ]
    return {
        "customer_service_train": rows(data.train + data.seed_rows),  # the hand-written rows too
        "bitext_dev": rows(data.bitext_dev, domain="bitext"),
        "multidogo_dev": multidogo,
    }


def _dynasent(root: Path) -> dict[str, Records]:
    # Only DynaSent's held-out rows: the shipped sentiment models train on 80 % of round 1.
    senti = ds.load_sentiment_corpus(root, seed=DEFAULT_SEED)
    return {"dynasent_dev": rows(senti["dynasent_r1_heldout"], round="r1") + rows(senti["dynasent_r2_dev"], round="r2")}


def mams_atsa_rows(root: Path, split: str) -> Records:
    """MAMS ATSA as ``journeymine eval aspect`` rows: one per aspect term, in document order."""
    from models.training.train_aspect import mams_split

    return [
        {"text": e.text, "aspect": term, "start": start, "end": end, "label": label, "sentence": str(i)}
        for i, e in enumerate(mams_split(root, split))
        for term, (start, end), label in zip(e.terms, e.spans, e.labels, strict=True)
    ]


def _star_intent(root: Path) -> dict[str, Records]:
    train, test = star_intent_sets(root)
    return {"star_intent_train": train, "star_intent_test": test}


# Export groups in writing order: group name -> (the files it writes, how to build them from the datasets root).
EXPORTS: dict[str, tuple[tuple[str, ...], Callable[[Path], dict[str, Records]]]] = {
    "banking77": (("banking77_train", "banking77_dev"), _banking77),
    "clinc150": (("clinc150_train", "clinc150_dev"), _clinc150),
    "customer_service": (("customer_service_train", "bitext_dev", "multidogo_dev"), _customer_service),
    "goemotions_dev": (
        ("goemotions_dev",),
        lambda root: {"goemotions_dev": rows(ds.load_goemotions_3class(root)["dev"])},
    ),
    "sst2_dev": (("sst2_dev",), lambda root: {"sst2_dev": rows(ds.load_sst2_dev(root)["dev"])}),
    "tweeteval_val": (("tweeteval_val",), lambda root: {"tweeteval_val": rows(ds.load_tweeteval_val(root)["val"])}),
    "dynasent_dev": (("dynasent_dev",), _dynasent),
    "star_intent": (("star_intent_train", "star_intent_test"), _star_intent),
    "mams": (("mams_atsa_dev",), lambda root: {"mams_atsa_dev": mams_atsa_rows(root, "val")}),
    "uss_sgd_journeys": (("uss_sgd_journeys",), lambda root: {"uss_sgd_journeys": uss_journeys(root, "SGD")}),
    "uss_mwoz_journeys": (("uss_mwoz_journeys",), lambda root: {"uss_mwoz_journeys": uss_journeys(root, "MWOZ")}),
    "uss_dev_journeys": (("uss_dev_journeys",), lambda root: {"uss_dev_journeys": uss_dev_journeys(root)}),
    "star_customer_journeys": (
        ("star_customer_journeys",),
        lambda root: {"star_customer_journeys": star_customer_journeys(root)},
    ),
    "star_dialogue_journeys": (
        ("star_dialogue_journeys",),
        lambda root: {"star_dialogue_journeys": star_dialogue_journeys(root)},
    ),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=Path, default=Path("../shared/datasets"))
    parser.add_argument("--out", type=Path, required=True, help="output folder (outside the repo)")
    names = sorted({n for files, _ in EXPORTS.values() for n in files} | set(EXPORTS))
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="NAME",
        help=f"write only these files or groups (default: all): {', '.join(names)}",
    )
    args = parser.parse_args(argv)
    out = args.out.resolve()
    if out == REPO or REPO in out.parents:
        parser.error(f"--out {out} is inside the repository; the labelled sets are never committed")
    selected = {n for arg in args.only or [] for n in arg.split(",") if n}
    unknown = sorted(selected - set(names))
    if unknown:
        parser.error(f"--only: unknown export(s) {', '.join(unknown)}; choose from {', '.join(names)}")
    out.mkdir(parents=True, exist_ok=True)
    for group, (files, build) in EXPORTS.items():
        wanted = [f for f in files if not selected or group in selected or f in selected]
        if not wanted:
            continue
        built = build(args.datasets)
        for name in wanted:
            write(out, name, built[name])
    return 0


if __name__ == "__main__":
    sys.exit(main())
