"""Dataset loaders against ../shared/datasets (skipped when absent), plus the missing-file error."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from models.training import datasets as ds

REPO_ROOT = Path(__file__).resolve().parents[2]
DATASETS = Path(os.environ.get("JOURNEYMINE_DATASETS", REPO_ROOT.parent / "shared" / "datasets"))

needs_datasets = pytest.mark.skipif(
    not DATASETS.is_dir(), reason=f"shared datasets not found at {DATASETS} (set JOURNEYMINE_DATASETS)"
)
pytestmark = [pytest.mark.datasets]


def test_missing_file_error_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"banking77.train\.csv"):
        ds.load_banking77(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"data_full_train_val\.json"):
        ds.load_clinc150(tmp_path)


def test_labelled_set_rejects_misaligned_columns() -> None:
    with pytest.raises(ValueError, match="2 texts but 1 labels"):
        ds.LabelledSet(["a", "b"], ["x"])


@needs_datasets
def test_banking77_dev_slice_is_stratified_and_fixed() -> None:
    splits = ds.load_banking77(DATASETS)
    train, dev = splits["train"], splits["dev"]
    assert (len(train), len(dev)) == (9002, 1001)
    assert len(train.label_set) == len(dev.label_set) == 77
    assert not set(zip(train.texts, train.labels, strict=True)) & set(zip(dev.texts, dev.labels, strict=True))
    assert ds.load_banking77(DATASETS)["dev"].texts == dev.texts
    assert ds.load_banking77(DATASETS, seed=1)["dev"].texts != dev.texts


@needs_datasets
def test_clinc150_splits_and_out_of_scope_name() -> None:
    splits = ds.load_clinc150(DATASETS)
    assert {k: len(v) for k, v in splits.items()} == {"train": 15000, "val": 3000, "oos_train": 100, "oos_val": 100}
    assert len(splits["train"].label_set) == 150
    assert splits["oos_train"].label_set == splits["oos_val"].label_set == ["out_of_scope"]
    assert Counter(splits["val"].labels).most_common(1)[0][1] == 20


@needs_datasets
def test_bitext_merges_releases_without_duplicates() -> None:
    splits = ds.load_bitext(DATASETS)
    train, dev = splits["train"], splits["dev"]
    # 8,175 + 21,534 rows minus cross- and within-release duplicates.
    assert 29_000 < len(train) + len(dev) < 29_709
    assert len(train.label_set) == len(dev.label_set) == 27
    assert "check_invoices" not in train.label_set
    assert not set(train.texts) & set(dev.texts)
    assert len(set(train.texts)) == len(train)


@needs_datasets
def test_multidogo_turn_level() -> None:
    splits = ds.load_multidogo(DATASETS)
    train, dev = splits["train"], splits["dev"]
    assert 80_000 < len(train) < 81_680 and 11_400 < len(dev) < 11_590
    labels = set(train.labels)
    assert {"openinggreeting", "thankyou", "contentonly", "out_of_scope", "reportlostcard"} <= labels
    assert "outofdomain" not in labels and not any("<div>" in lb for lb in labels)
    assert all(text and "\n" not in text for text in train.texts)
    only_airline = ds.load_multidogo(DATASETS, domains=("airline",))["train"]
    assert "orderpizzaintent" not in only_airline.labels and "bookflight" in only_airline.labels
    with pytest.raises(ValueError, match="valid domains are"):
        ds.load_multidogo(DATASETS, domains=("banking",))


@needs_datasets
def test_sentiment_sets() -> None:
    go = ds.load_goemotions_3class(DATASETS)
    assert (len(go["train"]), len(go["dev"])) == (36172, 4547)
    assert go["train"].label_set == list(ds.SENTIMENT_LABELS)
    sst = ds.load_sst2_dev(DATASETS)["dev"]
    assert Counter(sst.labels) == {"positive": 444, "negative": 428}
    tweet = ds.load_tweeteval_val(DATASETS)["val"]
    assert Counter(tweet.labels) == {"neutral": 869, "positive": 819, "negative": 312}
    dyna = ds.load_dynasent_dev(DATASETS)
    assert Counter(dyna["r1_dev"].labels) == {"negative": 1200, "neutral": 1200, "positive": 1200}
    assert len(dyna["r2_dev"]) == 720


@needs_datasets
def test_sentiment_corpus_trains_on_80_percent_of_dynasent_r1_and_holds_out_the_rest() -> None:
    corpus = ds.load_sentiment_corpus(DATASETS, seed=42)
    heldout, r2 = corpus["dynasent_r1_heldout"], corpus["dynasent_r2_dev"]
    assert len(corpus["train"]) == 36172 + 2880 and len(heldout) == 720 and len(r2) == 720
    assert Counter(heldout.labels) == {"negative": 240, "neutral": 240, "positive": 240}
    # No held-out sentence is trained on (DynaSent r1 has no duplicate sentences across the split).
    assert not set(heldout.texts) & set(corpus["train"].texts[36172:])
    assert corpus["dev"].texts == ds.load_goemotions_3class(DATASETS)["dev"].texts
    assert ds.load_sentiment_corpus(DATASETS, seed=42)["dynasent_r1_heldout"].texts == heldout.texts


@needs_datasets
def test_small_talk_is_short_distinct_neutral_and_dev_is_unseen() -> None:
    talk = ds.load_small_talk(DATASETS)
    train, dev = talk["train"], talk["dev"]
    assert len(train) > 1000 and len(dev) > 100
    assert set(train.labels) == set(dev.labels) == {"neutral"}
    assert all(len(t.split()) <= ds.SMALL_TALK_MAX_WORDS for t in train.texts + dev.texts)
    lowered = [t.lower() for t in train.texts]
    assert len(set(lowered)) == len(lowered) and not set(lowered) & {t.lower() for t in dev.texts}
    assert {"thanks", "hi"} <= set(lowered)


def test_register_halves_share_no_intent() -> None:
    # Half "b" must hold only intents the "a" half never trains on, or its score is not a probe of unseen intents.
    for rule in (ds.REGISTER_PROBLEMS, ds.REGISTER_QUESTIONS):
        for source, (half_a, half_b) in rule.items():
            assert half_a and half_b, source
            assert not set(half_a) & set(half_b), source
    for source in ds.REGISTER_PROBLEMS:
        problems = set().union(*ds.REGISTER_PROBLEMS[source])
        assert not problems & set().union(*ds.REGISTER_QUESTIONS[source]), source


@needs_datasets
def test_service_register_labels_problems_negative_and_questions_neutral() -> None:
    register = ds.load_service_register(DATASETS)
    assert set(register) == {"problems_a", "questions_a", "problems_b", "questions_b"}
    for key, data in register.items():
        assert set(data.labels) == {"negative" if key.startswith("problems") else "neutral"}, key
        lowered = [t.lower() for t in data.texts]
        assert len(lowered) == len(set(lowered)) > 1000, key
    b77 = ds.load_banking77(DATASETS)["train"]
    rows = list(zip(b77.texts, b77.labels, strict=True))
    charged_twice = {t for t, y in rows if y == "transaction_charged_twice"}
    assert charged_twice and charged_twice <= set(register["problems_b"].texts)
    assert not charged_twice & set(register["problems_a"].texts)
    refunds = {t for t, y in rows if y == "Refund_not_showing_up"}
    assert refunds and refunds <= set(register["problems_b"].texts)


def test_service_register_refuses_an_intent_the_data_lacks(monkeypatch: pytest.MonkeyPatch) -> None:
    pool = ds.LabelledSet(["my card was declined", "what is the rate"], ["declined_card_payment", "exchange_rate"])
    splits = {"train": pool, "dev": ds.LabelledSet([], [])}
    monkeypatch.setattr(ds, "load_banking77", lambda root: splits)
    monkeypatch.setattr(ds, "load_bitext", lambda root: splits)
    monkeypatch.setattr(ds, "load_multidogo", lambda root: splits)
    with pytest.raises(ValueError, match=r"banking77: register intents .* not in the data"):
        ds.load_service_register(Path("unused"))
