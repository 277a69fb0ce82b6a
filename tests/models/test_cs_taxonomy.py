"""The curated customer-service taxonomy: the table is complete and consistent, and the shipped head follows it."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from models.heads import LinearHead
from models.registry import ARTIFACTS_DIR, DEFAULTS
from models.training import datasets as ds
from models.training.datasets import OUT_OF_SCOPE
from models.training.heads import cs_taxonomy
from models.training.heads.cs_taxonomy import CATEGORIES, DROP, INTENT_BY_NAME, INTENTS, SOURCE_LABELS

# The category ids the issue asked for, plus the one the table adds (products_services, reason in CATEGORIES).
ALLOWED_CATEGORIES = {
    "billing_payments",
    "account",
    "orders_delivery",
    "returns_refunds",
    "technical",
    "complaints",
    "service_agent",
    "leaving",
    "small_talk",
    "products_services",
}
DATASETS = Path(os.environ.get("JOURNEYMINE_DATASETS") or Path(__file__).resolve().parents[3] / "shared" / "datasets")


@pytest.fixture(scope="module")
def v3() -> LinearHead:
    return LinearHead.load(ARTIFACTS_DIR / "intent" / "customer_service" / "v3")


def test_categories_are_the_allowed_ids_and_every_intent_has_one() -> None:
    assert set(CATEGORIES) == ALLOWED_CATEGORIES
    assert len(INTENT_BY_NAME) == len(INTENTS), "an intent name appears twice"
    for intent in INTENTS:
        assert intent.category in CATEGORIES, intent
        assert intent.definition.endswith("."), intent
    # every category is used
    assert {i.category for i in INTENTS} == set(CATEGORIES)


def test_every_source_label_maps_to_an_intent_out_of_scope_or_drop_with_a_reason() -> None:
    keys = [(s.dataset, s.label) for s in SOURCE_LABELS]
    assert len(keys) == len(set(keys)), [k for k, n in Counter(keys).items() if n > 1]
    for s in SOURCE_LABELS:
        assert s.dataset in ("bitext", "multidogo")
        assert s.target in INTENT_BY_NAME or s.target in (OUT_OF_SCOPE, DROP), s
        assert bool(s.why_dropped) == (s.target == DROP), s
    # every curated intent is fed by at least one source label
    assert {s.target for s in SOURCE_LABELS} - {DROP, OUT_OF_SCOPE} == set(INTENT_BY_NAME)


def test_duplicates_merged_and_leaving_is_not_cancelling_an_order() -> None:
    bitext, mdg = cs_taxonomy.mapping("bitext"), cs_taxonomy.mapping("multidogo")
    assert bitext["change_order"] == mdg["changeorder"] == "change_order"
    assert bitext["delete_account"] == mdg["closeaccount"] == mdg["cancelserviceintent"] == "cancel_account"
    assert INTENT_BY_NAME["cancel_account"].category == "leaving"
    assert INTENT_BY_NAME["cancel_order"].category == "orders_delivery"
    assert {mdg[label] for label in ("orderpizzaintent", "orderburgerintent", "getboardingpass")} == {DROP}


def test_the_table_covers_every_label_v2_served() -> None:
    """v2 served the source labels (except those too rare), so each must have a row in the table."""
    v2 = LinearHead.load(ARTIFACTS_DIR / "intent" / "customer_service" / "v2")
    mapped = set(cs_taxonomy.mapping("bitext")) | set(cs_taxonomy.mapping("multidogo"))
    assert set(v2.labels) - mapped == set()


@pytest.mark.datasets
def test_the_table_covers_every_label_of_the_training_sets() -> None:
    if not DATASETS.is_dir():
        pytest.skip(f"needs the labelled datasets at {DATASETS} (set JOURNEYMINE_DATASETS)")
    bitext = ds.load_bitext(DATASETS)
    mdg = ds.load_multidogo(DATASETS)
    assert cs_taxonomy.unmapped("bitext", set(bitext["train"].labels) | set(bitext["dev"].labels)) == []
    assert cs_taxonomy.unmapped("multidogo", set(mdg["train"].labels) | set(mdg["dev"].labels)) == []


def test_the_default_taxonomy_is_v3() -> None:
    assert DEFAULTS["intent"] == "intent.customer_service.v3"


def test_every_label_of_the_shipped_head_has_an_allowed_category(v3: LinearHead) -> None:
    categories = v3.metadata["categories"]
    assert set(categories) == set(v3.labels) - {OUT_OF_SCOPE}
    assert set(categories.values()) <= ALLOWED_CATEGORIES
    for label, category in categories.items():
        assert INTENT_BY_NAME[label].category == category
    assert set(v3.metadata["definitions"]) == set(categories)


def test_the_shipped_head_skips_its_small_talk_when_pooling(v3: LinearHead) -> None:
    small_talk = {label for label, c in v3.metadata["categories"].items() if c == "small_talk"}
    assert set(v3.metadata["dialogue_acts"]) == small_talk
    assert {"greeting", "goodbye", "thanks", "confirm", "reject", "provide_details"} == small_talk
    assert OUT_OF_SCOPE in v3.labels  # still a trained class


def test_the_card_lists_every_label_and_every_dropped_source_label(v3: LinearHead) -> None:
    card = (ARTIFACTS_DIR / "intent" / "customer_service" / "v3" / "MODEL_CARD.md").read_text()
    for label in v3.labels:
        assert f"| `{label}` |" in card, label
    for s in SOURCE_LABELS:
        if s.target == DROP:
            assert f"| {s.dataset}:{s.label} |" in card, s.label
    assert "Dev figures beside v2" in card


def test_the_seed_rows_are_few_curated_and_not_the_card_examples() -> None:
    from models.training.heads.customer_service import EXAMPLES

    rows = [(label, text) for label, texts in cs_taxonomy.SEED_ROWS.items() for text in texts]
    assert 0 < len(rows) <= 50  # a seed set, not a data set
    assert {label for label, _ in rows} <= set(INTENT_BY_NAME)
    assert len({text for _, text in rows}) == len(rows)
    normalised = {text.lower().strip(" .") for _, text in rows}
    assert not normalised & {text.lower().strip(" .") for text in EXAMPLES}
