"""``journeymine eval score``: the labelled-journey loader and the record-then-score path."""

from __future__ import annotations

import json

import pytest

from eval.data import DatasetError
from eval.score_eval import evaluate_scores, load_journeys
from pipelines.enrichment.domain import SpeakerRole, Transcript
from pipelines.journeys.journeys import Journeys
from pipelines.journeys.pii import Redactor
from tests.pipelines.journeys.test_journeys import FakeEnricher


def _write(tmp_path, rows):
    path = tmp_path / "journeys.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    return path


def _row(customer, gold, *texts):
    return {
        "customer_id": customer,
        "gold": gold,
        "touchpoints": [
            {
                "id": f"{customer}-{i}",
                "channel": "chat",
                "occurred_at": f"2024-01-0{i + 1}T00:00:00Z",
                "turns": [{"speaker": "CUSTOMER", "text": t}, {"speaker": "AGENT", "text": "ok"}],
            }
            for i, t in enumerate(texts)
        ],
    }


def test_loader_reads_turns_and_text(tmp_path):
    rows = [
        _row("a", 5, "thanks"),
        {
            **_row("b", 1),
            "touchpoints": [
                {"id": "b-0", "channel": "email", "occurred_at": "2024-01-01T10:00:00+00:00", "text": "angry"}
            ],
        },
    ]
    journeys = load_journeys(_write(tmp_path, rows))
    assert [j.customer_id for j in journeys] == ["a", "b"]
    content = journeys[0].touchpoints[0].interaction.content
    assert isinstance(content, Transcript) and content.turns[0].role == SpeakerRole.CUSTOMER
    assert journeys[1].touchpoints[0].occurred_at.tzinfo is not None


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"customer_id": "", "gold": 1, "touchpoints": []}, "customer_id"),
        ({"customer_id": "a", "gold": "high", "touchpoints": []}, "gold must be a number"),
        ({"customer_id": "a", "gold": 1, "touchpoints": []}, "non-empty list"),
        ({**_row("a", 1, "x"), "touchpoints": [{"id": "t", "channel": "fax", "occurred_at": "2024-01-01"}]}, "channel"),
        ({**_row("a", 1, "x"), "touchpoints": [{"id": "t", "channel": "chat", "occurred_at": "soon"}]}, "ISO-8601"),
        (
            {
                **_row("a", 1, "x"),
                "touchpoints": [
                    {
                        "id": "t",
                        "channel": "chat",
                        "occurred_at": "2024-01-01",
                        "turns": [{"speaker": "BOT", "text": "x"}],
                    }
                ],
            },
            "CUSTOMER or AGENT",
        ),
    ],
)
def test_loader_names_line_and_field(tmp_path, row, message):
    with pytest.raises(DatasetError, match=message) as err:
        load_journeys(_write(tmp_path, [row]))
    assert "journeys.jsonl:1" in str(err.value)


def test_duplicate_customer_is_an_error(tmp_path):
    with pytest.raises(DatasetError, match="appears twice"):
        load_journeys(_write(tmp_path, [_row("a", 1, "x"), _row("a", 2, "y")]))


def test_scores_track_gold_through_the_record_and_score_path(tmp_path):
    rows = [
        _row("happy1", 5, "thanks", "thanks a lot"),
        _row("happy2", 4, "thanks"),
        _row("meh", 3, "where is my parcel"),
        _row("sad1", 2, "this is terrible"),
        _row("sad2", 1, "angry", "terrible, I will cancel"),
    ]
    fake = FakeEnricher()
    result = evaluate_scores(
        load_journeys(_write(tmp_path, rows)),
        make_core=lambda store: Journeys(store=store, enrich=fake.enrich, redactor=Redactor(nlp=None)),
        progress=False,
    )
    assert result["n"] == 5 and result["touchpoints"] == 7
    metrics = result["metrics"]
    assert metrics["spearman"] > 0.8 and metrics["auc"] == 1.0
    by_customer = {c["customer_id"]: c["score"] for c in result["customers"]}
    assert by_customer["happy1"] > by_customer["meh"] > by_customer["sad2"]
    assert result["models"] == ["sentiment.test"]


def test_explain_returns_the_journey_map_and_drivers(tmp_path):
    fake = FakeEnricher()
    rows = [_row("a", 1, "terrible, call me at 415-555-0132", "angry"), _row("b", 5, "thanks"), _row("c", 3, "ok")]
    result = evaluate_scores(
        load_journeys(_write(tmp_path, rows)),
        make_core=lambda store: Journeys(store=store, enrich=fake.enrich, redactor=Redactor(nlp=None)),
        progress=False,
        explain=["a"],
    )
    (item,) = result["explained"]
    assert item["customer_id"] == "a" and [t["id"] for t in item["touchpoints"]] == ["a-0", "a-1"]
    assert "[PHONE]" in item["touchpoints"][0]["customer_said"]
    assert sum(d["points"] for d in item["drivers"]["touchpoint"]) == pytest.approx(item["score"] - 50, abs=0.02)
    with pytest.raises(ValueError, match="not a customer_id"):
        evaluate_scores(load_journeys(_write(tmp_path, rows)), make_core=lambda s: None, explain=["zz"])


def test_one_customer_is_scored_and_explained_without_a_correlation(tmp_path):
    fake = FakeEnricher()
    result = evaluate_scores(
        load_journeys(_write(tmp_path, [_row("solo", 2, "terrible")])),
        make_core=lambda store: Journeys(store=store, enrich=fake.enrich, redactor=Redactor(nlp=None)),
        progress=False,
        explain=["solo"],
    )
    assert result["metrics"] == {"n": 1, "notes": ["correlation needs at least 3 customers"]}
    assert result["explained"][0]["score"] < 50
