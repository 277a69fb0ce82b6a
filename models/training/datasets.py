"""Typed loaders for the labelled sets under ``../shared/datasets`` (the root is always passed in).

Every loader returns ``{split_name: LabelledSet}``. Files are read as published
(see each folder's SOURCE.md); the only transformations are the ones named in
the loader's docstring, so a model card can describe its data exactly.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from models.satisfaction import LABELS as SATISFACTION_LABELS

OUT_OF_SCOPE = "out_of_scope"
SENTIMENT_LABELS: tuple[str, ...] = ("negative", "neutral", "positive")
MULTIDOGO_DOMAINS: tuple[str, ...] = ("airline", "fastfood", "finance", "insurance", "media", "software")
# MultiDoGo's dialogue-management intents, shared by all six domains.
MULTIDOGO_DIALOGUE_ACTS: tuple[str, ...] = (
    "openinggreeting",
    "closinggreeting",
    "thankyou",
    "confirmation",
    "rejection",
    "contentonly",
    "outofdomain",
)
# The 2020 bitext release spells one intent in the plural; both releases mean the same intent.
BITEXT_LABEL_ALIASES: dict[str, str] = {"check_invoices": "check_invoice"}
DEFAULT_DEV_FRACTION = 0.1
DEFAULT_SEED = 42


@dataclass(frozen=True)
class LabelledSet:
    """Aligned texts and string labels of one split."""

    texts: list[str]
    labels: list[str]

    def __post_init__(self) -> None:
        if len(self.texts) != len(self.labels):
            raise ValueError(f"LabelledSet: {len(self.texts)} texts but {len(self.labels)} labels")

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def label_set(self) -> list[str]:
        """Distinct labels, sorted."""
        return sorted(set(self.labels))

    def subset(self, indices: Iterable[int]) -> LabelledSet:
        """The rows at ``indices``, in that order."""
        idx = list(indices)
        return LabelledSet([self.texts[i] for i in idx], [self.labels[i] for i in idx])

    def __add__(self, other: LabelledSet) -> LabelledSet:
        return LabelledSet(self.texts + other.texts, self.labels + other.labels)


def _require(path: Path) -> Path:
    if not path.is_file():
        raise FileNotFoundError(
            f"dataset file missing: {path} (pass the shared datasets folder, e.g. --datasets ../shared/datasets)"
        )
    return path


def _read_csv(path: Path, *, delimiter: str = ",") -> list[dict[str, str]]:
    # utf-8-sig: the bitext CSVs start with a BOM that would otherwise end up in the first header name.
    with _require(path).open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def _column(rows: Sequence[dict[str, str]], name: str, path: Path) -> list[str]:
    if rows and name not in rows[0]:
        raise ValueError(f"{path}: no column {name!r}; columns are {sorted(rows[0])}")
    return [row[name] for row in rows]


def stratified_holdout(
    data: LabelledSet, *, fraction: float = DEFAULT_DEV_FRACTION, seed: int = DEFAULT_SEED
) -> tuple[LabelledSet, LabelledSet]:
    """Split into (train, dev) with ``fraction`` of every label in dev, reproducibly for ``seed``."""
    indices = np.arange(len(data))
    train_idx, dev_idx = train_test_split(indices, test_size=fraction, random_state=seed, stratify=data.labels)
    return data.subset(sorted(train_idx.tolist())), data.subset(sorted(dev_idx.tolist()))


def load_banking77(
    root: Path, *, dev_fraction: float = DEFAULT_DEV_FRACTION, seed: int = DEFAULT_SEED
) -> dict[str, LabelledSet]:
    """Banking77 train.csv split into train and a stratified dev slice (only train is published here)."""
    path = root / "banking77" / "train.csv"
    rows = _read_csv(path)
    full = LabelledSet(_column(rows, "text", path), _column(rows, "category", path))
    train, dev = stratified_holdout(full, fraction=dev_fraction, seed=seed)
    return {"train": train, "dev": dev}


def load_clinc150(root: Path) -> dict[str, LabelledSet]:
    """CLINC150 (data_full) train / val / oos_train / oos_val; ``oos`` is renamed ``out_of_scope``."""
    path = _require(root / "clinc150" / "data_full_train_val.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    splits: dict[str, LabelledSet] = {}
    for split in ("train", "val", "oos_train", "oos_val"):
        if split not in data:
            raise ValueError(f"{path}: no split {split!r}; splits are {sorted(data)}")
        pairs = data[split]
        labels = [OUT_OF_SCOPE if label == "oos" else label for _, label in pairs]
        splits[split] = LabelledSet([text for text, _ in pairs], labels)
    return splits


def load_bitext(
    root: Path, *, dev_fraction: float = DEFAULT_DEV_FRACTION, seed: int = DEFAULT_SEED
) -> dict[str, LabelledSet]:
    """Both bitext releases (intent column), duplicates dropped, split into train and a stratified dev slice.

    ``check_invoices`` (2020 release) is renamed ``check_invoice`` (2022 release): 27 intents in all.
    """
    folder = root / "bitext_cs_intent"
    texts: list[str] = []
    labels: list[str] = []
    seen: set[str] = set()
    # The 183 utterances shared by the two releases would otherwise leak from train into dev.
    for name in ("bitext_8k_2022.csv", "bitext_20k_2020.csv"):
        path = folder / name
        rows = _read_csv(path)
        for text, label in zip(_column(rows, "utterance", path), _column(rows, "intent", path), strict=True):
            text = text.strip()
            if not text or text in seen:
                continue
            seen.add(text)
            texts.append(text)
            label = label.strip()
            labels.append(BITEXT_LABEL_ALIASES.get(label, label))
    train, dev = stratified_holdout(LabelledSet(texts, labels), fraction=dev_fraction, seed=seed)
    return {"train": train, "dev": dev}


def load_multidogo(root: Path, *, domains: Sequence[str] = MULTIDOGO_DOMAINS) -> dict[str, LabelledSet]:
    """MultiDoGo turn-level train/dev over ``domains``.

    Multi-intent rows (label contains ``<div>``) are dropped, ``outofdomain`` becomes ``out_of_scope``
    and whitespace (including embedded newlines) is collapsed.
    """
    unknown = sorted(set(domains) - set(MULTIDOGO_DOMAINS))
    if unknown:
        raise ValueError(f"unknown MultiDoGo domains {unknown}; valid domains are {list(MULTIDOGO_DOMAINS)}")
    base = root / "multidogo" / "data" / "paper_splits" / "splits_annotated_at_turn_level"
    splits: dict[str, LabelledSet] = {}
    for split in ("train", "dev"):
        texts: list[str] = []
        labels: list[str] = []
        for domain in domains:
            path = base / domain / f"{split}.tsv"
            # Some utterances hold quoted embedded newlines, so a line-by-line read would split rows.
            rows = _read_csv(path, delimiter="\t")
            for text, label in zip(_column(rows, "utterance", path), _column(rows, "intent", path), strict=True):
                text, label = " ".join(text.split()), label.strip()
                if not text or not label or "<div>" in label:
                    continue
                texts.append(text)
                labels.append(OUT_OF_SCOPE if label == "outofdomain" else label)
        splits[split] = LabelledSet(texts, labels)
    return splits


def load_goemotions_3class(root: Path) -> dict[str, LabelledSet]:
    """GoEmotions derived 3-class sentiment (negative / neutral / positive) train and dev."""
    splits: dict[str, LabelledSet] = {}
    for split in ("train", "dev"):
        path = root / "goemotions" / f"{split}_3class.csv"
        rows = _read_csv(path)
        splits[split] = LabelledSet(_column(rows, "text", path), _column(rows, "label", path))
    return splits


def _load_sst2(root: Path, split: str, text_column: str) -> LabelledSet:
    path = root / "sst2" / f"{split}.tsv"
    rows = _read_csv(path, delimiter="\t")
    names = {"0": "negative", "1": "positive"}
    labels = [names[v.strip()] for v in _column(rows, "label", path)]
    return LabelledSet(_column(rows, text_column, path), labels)


def load_sst2_dev(root: Path) -> dict[str, LabelledSet]:
    """SST-2 dev, binary: 0 -> negative, 1 -> positive."""
    return {"dev": _load_sst2(root, "dev", "content")}


def load_sst2_train(root: Path) -> dict[str, LabelledSet]:
    """SST-2 train (sentences and their sub-phrases), binary: 0 -> negative, 1 -> positive. Research use."""
    return {"train": _load_sst2(root, "train", "sentence")}


def load_tweeteval_val(root: Path) -> dict[str, LabelledSet]:
    """TweetEval sentiment val, labels named through mapping.txt."""
    folder = root / "tweeteval_sentiment"
    mapping: dict[str, str] = {}
    for line in _require(folder / "mapping.txt").read_text(encoding="utf-8").splitlines():
        if line.strip():
            key, name = line.split("\t")
            mapping[key.strip()] = name.strip()
    texts = _require(folder / "val_text.txt").read_text(encoding="utf-8").splitlines()
    raw = [v.strip() for v in _require(folder / "val_labels.txt").read_text(encoding="utf-8").splitlines()]
    raw = [v for v in raw if v]
    if len(texts) != len(raw):
        raise ValueError(f"{folder}: {len(texts)} tweets but {len(raw)} labels")
    return {"val": LabelledSet([t.strip() for t in texts], [mapping[v] for v in raw])}


def load_dynasent_dev(root: Path) -> dict[str, LabelledSet]:
    """DynaSent round 1 and round 2 dev (flattened CSVs), keys ``r1_dev`` and ``r2_dev``."""
    splits: dict[str, LabelledSet] = {}
    for split in ("r1_dev", "r2_dev"):
        path = root / "dynasent" / f"{split}.csv"
        rows = _read_csv(path)
        splits[split] = LabelledSet(_column(rows, "text", path), _column(rows, "label", path))
    return splits


# Share of DynaSent round 1 dev trained on by the shipped sentiment models; the rest, and all of round 2, stay held out.
DYNASENT_TRAIN_FRACTION = 0.8


def load_sentiment_corpus(root: Path, *, seed: int = DEFAULT_SEED) -> dict[str, LabelledSet]:
    """The shipped sentiment models' data: GoEmotions 3-class plus DynaSent (both permissively licensed).

    ``train`` is GoEmotions train + a stratified ``DYNASENT_TRAIN_FRACTION`` of DynaSent round 1 dev
    (business-review sentences, the product-feedback register GoEmotions' Reddit comments lack);
    ``dynasent_r1_train`` is that DynaSent part alone; ``dev`` is GoEmotions dev;
    ``dynasent_r1_heldout`` (the rest of round 1) and ``dynasent_r2_dev`` are never trained on.
    """
    go = load_goemotions_3class(root)
    dyna = load_dynasent_dev(root)
    dyna_train, dyna_heldout = stratified_holdout(dyna["r1_dev"], fraction=1 - DYNASENT_TRAIN_FRACTION, seed=seed)
    return {
        "train": go["train"] + dyna_train,
        "dynasent_r1_train": dyna_train,
        "dev": go["dev"],
        "dynasent_r1_heldout": dyna_heldout,
        "dynasent_r2_dev": dyna["r2_dev"],
    }


def _distinct(texts: Iterable[str]) -> list[str]:
    """Stripped texts, first occurrence of each (case-insensitive), empties dropped."""
    seen: set[str] = set()
    out: list[str] = []
    for text in texts:
        key = text.strip().lower()
        if key and key not in seen:
            seen.add(key)
            out.append(text.strip())
    return out


# MultiDoGo dialogue acts that are politeness or procedure, not an opinion about the service.
SMALL_TALK_ACTS: tuple[str, ...] = ("openinggreeting", "closinggreeting", "thankyou", "confirmation")
SMALL_TALK_MAX_WORDS = 6


def load_small_talk(root: Path) -> dict[str, LabelledSet]:
    """Customer small talk labelled neutral: MultiDoGo turns of the ``SMALL_TALK_ACTS`` of at most 6 words.

    Distinct texts (case-insensitive) per split; dev keeps only texts absent from train. The target domain's
    "hi", "thanks", "ok", "bye" carry no sentiment about the experience, while GoEmotions labels gratitude
    positive; these rows teach the shipped sentiment head the service's convention.
    """
    mdg = load_multidogo(root)
    seen: set[str] = set()
    splits: dict[str, LabelledSet] = {}
    for split in ("train", "dev"):
        short = [
            text
            for text, label in zip(mdg[split].texts, mdg[split].labels, strict=True)
            if label in SMALL_TALK_ACTS and len(text.split()) <= SMALL_TALK_MAX_WORDS
        ]
        texts = [text for text in _distinct(short) if text.lower() not in seen]
        seen.update(text.lower() for text in texts)
        splits[split] = LabelledSet(texts, ["neutral"] * len(texts))
    return splits


# As stated in each folder's SOURCE.md; model cards quote these.
LICENSES: dict[str, str] = {
    "banking77": "CC BY 4.0",
    "clinc150": "CC BY 3.0",
    "bitext_cs_intent": "CDLA-Sharing-1.0",
    "multidogo": "CDLA-Permissive-1.0",
    "goemotions": "Apache-2.0",
    "sst2": "no explicit license (research use)",
    "tweeteval_sentiment": "no explicit license (research use)",
    "dynasent": "CC BY 4.0",
    "uss_user_satisfaction": "annotations: no explicit license (research use); dialogues CC BY-SA 4.0 / MIT",
}


# --- The service register: customer turns that report a problem (negative) or ask a plain question (neutral) ---
#
# A reviewable rule, by intent name: a customer who reports that something went wrong is having a bad experience,
# even in calm, factual words; a customer asking how something works is not. Each list is split in two halves by
# intent, so a model trained on half "a" can be scored on intents it never saw (half "b").
REGISTER_PROBLEMS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "banking77": (
        (
            "card_not_working",
            "declined_transfer",
            "pending_transfer",
            "card_swallowed",
            "wrong_amount_of_cash_received",
            "card_payment_not_recognised",
            "extra_charge_on_statement",
            "failed_transfer",
            "declined_cash_withdrawal",
            "top_up_failed",
            "balance_not_updated_after_bank_transfer",
            "lost_or_stolen_card",
        ),
        (
            "declined_card_payment",
            "Refund_not_showing_up",
            "transfer_not_received_by_recipient",
            "compromised_card",
            "cash_withdrawal_not_recognised",
            "direct_debit_payment_not_recognised",
            "transaction_charged_twice",
            "reverted_card_payment?",
            "pin_blocked",
            "contactless_not_working",
            "unable_to_verify_identity",
            "top_up_reverted",
        ),
    ),
    "bitext_cs_intent": (("complaint", "payment_issue"), ("registration_problems",)),
    "multidogo": (("reportlostcard", "disputecharge"), ("reportbrokenphone", "reportbrokensoftware")),
}
REGISTER_QUESTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "banking77": (
        (
            "exchange_rate",
            "supported_cards_and_currencies",
            "fiat_currency_support",
            "age_limit",
            "country_support",
            "top_up_limits",
            "order_physical_card",
            "getting_virtual_card",
            "visa_or_mastercard",
            "receiving_money",
            "change_pin",
            "card_delivery_estimate",
        ),
        (
            "atm_support",
            "apple_pay_or_google_pay",
            "automatic_top_up",
            "disposable_card_limits",
            "get_physical_card",
            "getting_spare_card",
            "transfer_timing",
            "verify_my_identity",
            "edit_personal_details",
            "activate_my_card",
        ),
    ),
    "bitext_cs_intent": (
        (
            "check_invoice",
            "get_invoice",
            "set_up_shipping_address",
            "place_order",
            "track_order",
            "change_order",
            "check_refund_policy",
            "delivery_options",
            "delivery_period",
        ),
        (
            "check_cancellation_fee",
            "create_account",
            "change_shipping_address",
            "check_payment_methods",
            "newsletter_subscription",
            "edit_account",
            "switch_account",
            "recover_password",
            "track_refund",
        ),
    ),
    "multidogo": (
        (
            "changeseatassignment",
            "getboardingpass",
            "getseatinfo",
            "bookflight",
            "orderpizzaintent",
            "orderdrinkintent",
            "ordersaladintent",
            "orderburgerintent",
            "updateaddress",
        ),
        (
            "checkbalance",
            "transfermoney",
            "getproofofinsurance",
            "checkclaimstatus",
            "startserviceintent",
            "softwareupdate",
            "startorder",
            "expensereport",
        ),
    ),
}
REGISTER_HALVES: tuple[str, ...] = ("a", "b")
# MultiDoGo files "ok", "yes", "k" under task intents too; a turn this short reports nothing.
REGISTER_MIN_WORDS = 3


def load_service_register(root: Path) -> dict[str, LabelledSet]:
    """Customer-service turns labelled by ``REGISTER_PROBLEMS`` (negative) and ``REGISTER_QUESTIONS`` (neutral).

    Sources, all permissively licensed: Banking77 train (both slices), both bitext releases, MultiDoGo train turns.
    Keys ``problems_a``, ``questions_a``, ``problems_b``, ``questions_b``: half "a" of each list may be trained
    on, half "b" holds only intents absent from "a" and is for scoring. Texts have at least ``REGISTER_MIN_WORDS``
    words and are distinct: a text (case-insensitive) that falls under two keys is dropped from both.
    """
    b77, bitext = load_banking77(root), load_bitext(root)
    pools = {
        "banking77": b77["train"] + b77["dev"],
        "bitext_cs_intent": bitext["train"] + bitext["dev"],
        "multidogo": load_multidogo(root)["train"],
    }
    raw: dict[str, tuple[list[str], str]] = {}
    rules = (("problems", REGISTER_PROBLEMS, "negative"), ("questions", REGISTER_QUESTIONS, "neutral"))
    for kind, rule, label in rules:
        for half_index, half in enumerate(REGISTER_HALVES):
            texts: list[str] = []
            for source, pool in pools.items():
                wanted = set(rule[source][half_index])
                missing = wanted - set(pool.labels)
                if missing:
                    raise ValueError(f"{source}: register intents {sorted(missing)} not in the data; fix the rule")
                texts += [text for text, intent in zip(pool.texts, pool.labels, strict=True) if intent in wanted]
            kept = [text for text in _distinct(texts) if len(text.split()) >= REGISTER_MIN_WORDS]
            raw[f"{kind}_{half}"] = (kept, label)
    # A text filed under more than one key ("I need to change my address" as a question and as a problem) says
    # nothing reliable about either, and would leak from a training half into a scored one: it is dropped.
    owners = Counter(text.lower() for texts, _ in raw.values() for text in texts)
    out: dict[str, LabelledSet] = {}
    for key, (texts, label) in raw.items():
        unique = [text for text in texts if owners[text.lower()] == 1]
        out[key] = LabelledSet(unique, [label] * len(unique))
    return out


# --- USS (Sun et al. 2021): service dialogues with 1-5 satisfaction per user turn and per dialogue ---------------

USS_ROLES: tuple[str, ...] = ("USER", "SYSTEM")
USS_CORPORA: tuple[str, ...] = ("SGD", "MWOZ")  # the two task-oriented service corpora in the shared folder


@dataclass(frozen=True)
class UssTurn:
    """One line of a USS dialogue: ``role`` USER or SYSTEM; ``ratings`` are the annotators' 1-5 (user turns only)."""

    role: str
    text: str
    ratings: tuple[int, ...] = ()

    @property
    def label(self) -> str:
        """3-class satisfaction of a rated user turn: the annotators' mean rounded (Python's round, as USS's
        SOURCE.md counts are), < 3, = 3 or > 3."""
        if not self.ratings:
            raise ValueError("only a rated user turn has a satisfaction label")
        level = round(sum(self.ratings) / len(self.ratings))
        return SATISFACTION_LABELS[0 if level < 3 else 1 if level == 3 else 2]


@dataclass(frozen=True)
class UssDialogue:
    turns: tuple[UssTurn, ...]
    overall: tuple[int, ...]  # the dialogue-level OVERALL ratings


def load_uss(root: Path, corpus: str) -> list[UssDialogue]:
    """Every dialogue of ``uss_user_satisfaction/<corpus>.txt`` as published.

    Lines are ``ROLE<TAB>text<TAB>action<TAB>ratings``; dialogues are blank-line separated and end with
    ``USER<TAB>OVERALL<TAB><TAB>ratings``. Lines with empty text are skipped (they carry nothing to read).
    """
    if corpus not in USS_CORPORA:
        raise ValueError(f"unknown USS corpus {corpus!r}; expected one of {USS_CORPORA}")
    path = _require(root / "uss_user_satisfaction" / f"{corpus}.txt")
    dialogues: list[UssDialogue] = []
    turns: list[UssTurn] = []
    start = 0
    with path.open(encoding="utf-8") as fh:
        for line_no, line in enumerate(fh, start=1):
            line = line.rstrip("\r\n")
            if not line.strip():
                if turns:
                    raise ValueError(f"{path}: dialogue starting at line {start} has no OVERALL line")
                continue
            if not turns:
                start = line_no
            parts = line.split("\t")
            if len(parts) != 4 or parts[0] not in USS_ROLES:
                raise ValueError(
                    f"{path}: line {line_no}: expected ROLE<TAB>text<TAB>action<TAB>ratings, ROLE USER|SYSTEM"
                )
            role, text, rated = parts[0], parts[1].strip(), parts[3].strip()
            try:
                ratings = tuple(int(r) for r in rated.split(",")) if rated else ()
            except ValueError as exc:
                raise ValueError(f"{path}: line {line_no}: ratings {rated!r} are not integers") from exc
            if role == "USER" and text == "OVERALL":
                if not turns:
                    raise ValueError(f"{path}: line {line_no}: OVERALL line without a dialogue before it")
                dialogues.append(UssDialogue(tuple(turns), ratings))
                turns = []
            elif text:
                turns.append(UssTurn(role, text, ratings if role == "USER" else ()))
    if turns:
        raise ValueError(f"{path}: dialogue starting at line {start} has no OVERALL line")
    return dialogues
