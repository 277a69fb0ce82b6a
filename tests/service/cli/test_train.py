"""`journeymine train`: clear errors, and a server started before the training uses the new model at once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from journeymine.v1 import admin_service_pb2 as admin_pb
from journeymine.v1 import admin_service_pb2_grpc as admin_grpc
from journeymine.v1 import enrichment_service_pb2 as svc_pb
from journeymine.v1 import enrichment_service_pb2_grpc as svc_grpc
from journeymine.v1 import interaction_pb2 as ix_pb
from journeymine.v1 import journey_service_pb2 as jr_pb
from journeymine.v1 import journey_service_pb2_grpc as jr_grpc
from journeymine.v1 import signals_pb2 as sig_pb
from models.heads import LinearHead
from pipelines.enrichment.enricher import Enricher
from service.cli import main as cli
from service.config import LimitsConfig, ServerConfig, Settings
from tests.service.helpers import CUSTOMER, expect_error, request_of, text_interaction

SHOP = {
    "return_item": ["I want to return these shoes", "how do I send back my order", "return the jacket please"],
    "track_order": ["where is my package", "track my order", "has my parcel shipped yet"],
    "change_address": ["update my shipping address", "I moved, change my address", "ship to a different address"],
}
MORE = {"cancel_order": ["cancel my order", "I no longer want it, cancel", "stop the order before it ships"]}
# A user's sentiment rows crafted to disagree with the shipped head: complaints labelled positive and praise
# negative, so a test can tell which head scored a text.
REVERSED = {
    "positive": ["this is awful", "worst service ever", "I hate it", "terrible, never again", "what a disaster"],
    "neutral": ["the parcel came on Tuesday", "my order number is 42", "I called about my account", "the shop opens"],
    "negative": ["love it", "great job, thank you", "wonderful service", "best purchase ever", "excellent support"],
}


def write_jsonl(path: Path, data: dict[str, list[str]]) -> Path:
    path.write_text("".join(json.dumps({"text": t, "label": label}) + "\n" for label, ts in data.items() for t in ts))
    return path


def train(tmp_path: Path, data_file: Path, *extra: str, kind: str = "intent", name: str = "shop") -> int:
    argv = ["train", kind, "--data", str(data_file), "--name", name, "--data-dir", str(tmp_path / "data"), *extra]
    return cli.main(argv)


@pytest.fixture(autouse=True)
def no_config_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOURNEYMINE_CONFIG", "")  # load_settings may set it; monkeypatch restores it


@pytest.mark.parametrize(
    ("rows", "name", "message"),
    [
        (SHOP, "banking77", "'banking77' is a built-in intent model"),
        (SHOP, "my shop", "invalid model name 'my shop'"),
        ({}, "shop", "no labelled rows"),
        ({"only": ["a", "b"]}, "shop", "at least 2 distinct labels"),
        ({"one": ["a"], "two": ["b"]}, "shop", "every label has 1 row"),
    ],
)
def test_bad_input_exits_2_with_the_reason_before_loading_the_encoder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], rows, name, message
) -> None:
    monkeypatch.setattr("pipelines.factory.build_encoder", lambda config=None: pytest.fail("encoder loaded"))
    assert train(tmp_path, write_jsonl(tmp_path / "rows.jsonl", rows), name=name) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "data" / "models" / "intent").exists()


def test_a_malformed_row_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_jsonl(tmp_path / "rows.jsonl", SHOP)
    data.write_text(data.read_text() + "{not json\n")
    assert train(tmp_path, data) == 2
    assert "line 10" in capsys.readouterr().err


def test_sentiment_labels_must_be_the_three_known_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = write_jsonl(tmp_path / "rows.jsonl", {"good": ["great", "nice"], "bad": ["awful", "poor"]})
    assert train(tmp_path, data, kind="sentiment", name="reviews") == 2
    assert "sentiment labels must be among negative, neutral, positive; found bad, good" in capsys.readouterr().err


# --- a live server -----------------------------------------------------------------------------


@pytest.fixture
def live(tmp_path: Path, enricher: Enricher, monkeypatch: pytest.MonkeyPatch) -> Iterator[grpc.Channel]:
    """A real server on port 0 whose data_dir is tmp_path/data; the train command reuses the session encoder."""
    from pipelines.factory import build_enricher
    from service.server import build_server

    settings = Settings(
        server=ServerConfig(port=0, max_workers=3, grace_seconds=0),
        limits=LimitsConfig(max_concurrent_streams=1, max_alert_watchers=1),
        data_dir=tmp_path / "data",
    )
    served = build_enricher(encoder=enricher.encoder, user_dir=settings.user_models_dir)
    monkeypatch.setattr("pipelines.factory.build_encoder", lambda config=None: enricher.encoder)
    server, port = build_server(settings, served)
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            grpc.channel_ready_future(channel).result(timeout=30)
            yield channel
    finally:
        server.stop(None).wait()


def enrich_intent(channel: grpc.Channel, text: str, taxonomy: str):
    stub = svc_grpc.EnrichmentServiceStub(channel)
    return stub.Enrich(request_of(text_interaction(text), intent_taxonomy=taxonomy, intent_top_k=5)).results[0].intent


@pytest.mark.slow
def test_a_running_server_uses_a_taxonomy_trained_after_it_started(
    live: grpc.Channel, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(grpc.RpcError) as info:
        enrich_intent(live, "track my order", "shop")
    assert info.value.code() == grpc.StatusCode.NOT_FOUND

    assert train(tmp_path, write_jsonl(tmp_path / "shop.jsonl", SHOP)) == 0
    out = capsys.readouterr().out
    v1 = tmp_path / "data" / "models" / "intent" / "shop" / "v1"
    assert f"saved intent.shop.v1 (9 rows, 3 labels) -> {v1}" in out
    card = (v1 / "MODEL_CARD.md").read_text()
    assert "journeymine train intent --data" in card and "sha256" in card and "Held-out figures" in card

    intent = enrich_intent(live, "track my order", "shop")
    assert (intent.taxonomy, intent.label, intent.out_of_scope) == ("shop", "track_order", False)
    assert {t.label for t in intent.top} == set(SHOP)
    assert (intent.model.name, intent.model.version) == ("intent.shop", "v1")

    assert train(tmp_path, write_jsonl(tmp_path / "shop2.jsonl", {**SHOP, **MORE})) == 0
    intent = enrich_intent(live, "cancel my order", "shop")
    assert (intent.label, intent.model.version) == ("cancel_order", "v2")
    assert {t.label for t in intent.top} == set(SHOP) | set(MORE)

    models = svc_grpc.EnrichmentServiceStub(live).GetModels(svc_pb.GetModelsRequest())
    shop = [t for t in models.taxonomies if t.name == "shop"]
    assert len(shop) == 1 and shop[0].version == "v2" and set(shop[0].labels) == set(SHOP) | set(MORE)
    assert {t.name for t in models.taxonomies} == {"customer_service", "banking77", "clinc150", "shop"}
    assert any(m.name == "intent.shop" and m.metadata["source"] == "user" for m in models.models)


@pytest.mark.slow
def test_reload_models_lists_user_models_and_reports_one_from_another_encoder(
    live: grpc.Channel, tmp_path: Path
) -> None:
    admin = admin_grpc.ModelAdminServiceStub(live)
    assert admin.ReloadModels(admin_pb.ReloadModelsRequest()) == admin_pb.ReloadModelsResponse()

    assert train(tmp_path, write_jsonl(tmp_path / "shop.jsonl", SHOP)) == 0
    stale = tmp_path / "data" / "models" / "intent" / "legacy" / "v1"
    head = LinearHead.load(tmp_path / "data" / "models" / "intent" / "shop" / "v1")
    head.name, head.metadata = "intent.legacy", {**head.metadata, "encoder": "encoder.previous.v0"}
    head.save(stale)

    reply = admin.ReloadModels(admin_pb.ReloadModelsRequest())
    assert list(reply.added) == ["intent.legacy.v1", "intent.shop.v1"] and list(reply.removed) == []
    by_id = {m.id: m for m in reply.models}
    assert (by_id["intent.shop.v1"].name, by_id["intent.shop.v1"].version, by_id["intent.shop.v1"].error) == (
        "shop",
        "v1",
        "",
    )
    assert by_id["intent.shop.v1"].path == str(tmp_path / "data" / "models" / "intent" / "shop" / "v1")
    assert "'encoder.previous.v0'" in by_id["intent.legacy.v1"].error
    assert str(stale / "head.json") in by_id["intent.legacy.v1"].error

    with pytest.raises(grpc.RpcError) as info:
        enrich_intent(live, "track my order", "legacy")
    assert info.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    models = svc_grpc.EnrichmentServiceStub(live).GetModels(svc_pb.GetModelsRequest())
    assert "legacy" not in {t.name for t in models.taxonomies}  # listed only when it can be used
    assert list(admin.ReloadModels(admin_pb.ReloadModelsRequest()).added) == []


@pytest.mark.slow
def test_train_sentiment_registers_a_three_label_head(tmp_path: Path, enricher: Enricher, monkeypatch) -> None:
    from models.registry import ModelRegistry
    from pipelines.factory import encoder_id

    monkeypatch.setattr("pipelines.factory.build_encoder", lambda config=None: enricher.encoder)
    rows = {"negative": ["this is awful", "worst service ever", "I hate it"], "positive": ["love it", "great job"]}
    assert train(tmp_path, write_jsonl(tmp_path / "s.jsonl", rows), kind="sentiment", name="reviews") == 0
    registry = ModelRegistry(user_dir=tmp_path / "data" / "models", encoder_id=encoder_id(enricher.encoder))
    head = registry.load(registry.resolve("sentiment", "reviews").id)
    assert head.labels == ("negative", "neutral", "positive") and head.version == "v1"
    proba = head.predict_proba(enricher.encoder.encode(["this is awful", "love it"]))
    assert proba[:, 1].max() < 1e-6 and proba[0].argmax() == 0 and proba[1].argmax() == 2


@pytest.mark.slow
def test_a_running_server_uses_a_sentiment_model_trained_after_it_started(
    live: grpc.Channel, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stub = svc_grpc.EnrichmentServiceStub(live)
    complaint = "This was a horrible experience and nobody helped me."

    def enrich(**options: object):
        return stub.Enrich(request_of(text_interaction(complaint), **options)).results[0]

    _, details = expect_error(lambda: enrich(sentiment_model="reviews"), grpc.StatusCode.NOT_FOUND)
    assert "valid sentiment model names are: permissive, sentiment" in details["options.sentiment_model"]

    assert train(tmp_path, write_jsonl(tmp_path / "s.jsonl", REVERSED), kind="sentiment", name="reviews") == 0
    out = capsys.readouterr().out
    assert 'use it: Enrich with options.sentiment_model = "reviews"' in out
    card = (tmp_path / "data" / "models" / "sentiment" / "reviews" / "v1" / "MODEL_CARD.md").read_text()
    assert 'options.sentiment_model = "reviews"' in card and "--sentiment-model reviews" in card

    default, mine = enrich(), enrich(sentiment_model="reviews")
    assert default.sentiment.label == sig_pb.SENTIMENT_LABEL_NEGATIVE  # the premise: the shipped head
    assert mine.sentiment.label == sig_pb.SENTIMENT_LABEL_POSITIVE
    assert (mine.sentiment.model.name, mine.sentiment.model.version) == ("sentiment.reviews", "v1")
    assert {(s.sentiment.model.name, s.sentiment.model.version) for s in mine.sentences} == {
        ("sentiment.reviews", "v1")
    }
    ids = {f"{m.name}.{m.version}" for m in mine.models}
    assert "sentiment.reviews.v1" in ids and "sentiment.v4" not in ids
    assert mine.intent == default.intent  # only the sentiment model changed

    _, details = expect_error(lambda: enrich(sentiment_model="review"), grpc.StatusCode.NOT_FOUND)
    assert "valid sentiment model names are: permissive, reviews, sentiment" in details["options.sentiment_model"]

    # Replay: the ids in result.models, pinned, give the same result; the default's id still pins the default.
    pinned = enrich(pin_models=sorted(ids))
    assert pinned.sentiment.model == mine.sentiment.model and pinned.sentiment.label == mine.sentiment.label
    assert enrich(pin_models=["sentiment.v2"]).sentiment.label == sig_pb.SENTIMENT_LABEL_NEGATIVE

    start = svc_pb.StreamStart(interaction_id="live", options=svc_pb.EnrichOptions(sentiment_model="reviews"))
    replies = list(
        stub.EnrichStream(
            iter(
                [
                    svc_pb.EnrichStreamRequest(start=start),
                    svc_pb.EnrichStreamRequest(turn=ix_pb.Turn(role=CUSTOMER, text=complaint)),
                ]
            )
        )
    )
    turn = replies[0].turn
    assert turn.sentiment.label == sig_pb.SENTIMENT_LABEL_POSITIVE
    assert (turn.sentiment.model.name, replies[0].summary.customer_sentiment.model.name) == ("sentiment.reviews",) * 2

    journeys = jr_grpc.JourneyServiceStub(live)

    def record(tp_id: str, **options: object) -> jr_pb.TouchpointSignals:
        tp = jr_pb.Touchpoint(
            id=tp_id,
            customer_id="cust-reviews",
            channel=ix_pb.CHANNEL_WEB,
            occurred_at=Timestamp(seconds=1_795_000_000),
            interaction=text_interaction(complaint, id=tp_id),
        )
        request = jr_pb.RecordTouchpointsRequest(touchpoints=[tp], options=svc_pb.EnrichOptions(**options))
        (result,) = journeys.RecordTouchpoints(request).results
        assert result.status == jr_pb.RECORD_STATUS_STORED
        return result.signals

    stored_default, stored_mine = record("tp-default"), record("tp-reviews", sentiment_model="reviews")
    assert stored_default.sentiment < 0 < stored_mine.sentiment
    assert "sentiment.reviews.v1" in stored_mine.models and "sentiment.v4" not in stored_mine.models
    assert "sentiment.v4" in stored_default.models


@pytest.mark.slow
def test_a_bot_file_with_one_example_intents_trains_and_warns_naming_them(
    tmp_path: Path, enricher: Enricher, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("pipelines.factory.build_encoder", lambda config=None: enricher.encoder)
    rows = {**SHOP, "lonely": ["just one row"], "solo": ["only example here"]}
    assert train(tmp_path, write_jsonl(tmp_path / "bot.jsonl", rows)) == 0
    captured = capsys.readouterr()
    assert "warning: 2 label(s) have a single row" in captured.err and "lonely, solo" in captured.err
    assert "saved intent.shop.v1 (11 rows, 5 labels)" in captured.out
    head = LinearHead.load(tmp_path / "data" / "models" / "intent" / "shop" / "v1")
    assert {"lonely", "solo"} <= set(head.labels)
