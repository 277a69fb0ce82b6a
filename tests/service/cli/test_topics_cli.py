"""`journeymine topics`: fit, refit, rename, merge and update, used at once by a running server's Enrich."""

from __future__ import annotations

import json
from pathlib import Path

import grpc
import pytest

from journeymine.v1 import enrichment_service_pb2 as svc_pb
from journeymine.v1 import enrichment_service_pb2_grpc as svc_grpc
from service.cli import main as cli
from tests.service.cli.test_train import live, no_config_file  # noqa: F401  (fixtures)
from tests.service.helpers import request_of, text_interaction

THEMES = {
    "card": ["my card was stolen", "I lost my debit card", "block my card please", "card missing since monday"],
    "refund": ["I want a refund", "give me my money back", "refund for the broken kettle", "where is my refund"],
    "delivery": ["my parcel is late", "the courier never came", "delivery is two weeks late", "package not delivered"],
    "password": ["I forgot my password", "cannot log in to my account", "reset my password", "login keeps failing"],
}
BILLING = ["I was billed twice", "wrong amount on my invoice", "double charge on my bill", "invoice shows extra fees"]


def write_texts(path: Path, texts: list[str]) -> Path:
    path.write_text("".join(json.dumps({"text": t, "channel": "chat"}) + "\n" for t in texts))
    return path


def topics(tmp_path: Path, *argv: str) -> int:
    return cli.main(["topics", *argv, "--name", "support", "--data-dir", str(tmp_path / "data")])


def enrich_topics(channel: grpc.Channel, text: str, model: str):
    stub = svc_grpc.EnrichmentServiceStub(channel)
    result = stub.Enrich(request_of(text_interaction(text), topic_model=model, topics_top_k=2)).results[0]
    return result.topics, {m.name: m.version for m in result.models}


def test_bad_input_exits_2_with_the_reason(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    monkeypatch.setattr("pipelines.factory.build_encoder", lambda config=None: pytest.fail("encoder loaded"))
    assert cli.main(["topics", "fit", "--data", "x.jsonl", "--name", "customer_service"]) == 2
    assert "'customer_service' is a built-in topics model" in capsys.readouterr().err
    assert topics(tmp_path, "rename", "--topic", "1", "--label", "x") == 2
    assert "no topic model 'support'; fit one first" in capsys.readouterr().err
    assert topics(tmp_path, "fit", "--data", str(tmp_path / "missing.jsonl")) == 2
    assert "file not found" in capsys.readouterr().err


@pytest.mark.slow
def test_fit_refit_edit_and_update_are_used_by_a_running_server(
    live: grpc.Channel,  # noqa: F811
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(grpc.RpcError) as info:
        enrich_topics(live, "my card was stolen", "support")
    assert info.value.code() == grpc.StatusCode.NOT_FOUND

    data = write_texts(tmp_path / "support.jsonl", [t for ts in THEMES.values() for t in ts])
    assert topics(tmp_path, "fit", "--data", str(data), "--n-topics", "4") == 0
    out = capsys.readouterr().out
    folder = tmp_path / "data" / "models" / "topics" / "support" / "v1"
    assert f"saved topics.support.v1 (4 topics) -> {folder}" in out
    card = (folder / "MODEL_CARD.md").read_text()
    assert "journeymine topics fit --name support --data" in card and "## Topics" in card

    found, models = enrich_topics(live, "someone stole my card", "support")
    assert models["topics.support"] == "v1" and found
    card_topic = found[0].topic_id
    # At most 10 % of the fitted texts are left without a topic; the rest of the theme shares one.
    card_ids = [r[0].topic_id if r else None for r in (enrich_topics(live, t, "support")[0] for t in THEMES["card"])]
    assert card_ids.count(card_topic) >= 3, card_ids

    # A refit keeps the ids; a rename survives it.
    assert topics(tmp_path, "rename", "--topic", str(card_topic), "--label", "Lost or stolen cards") == 0
    assert topics(tmp_path, "fit", "--data", str(data), "--n-topics", "4") == 0
    out = capsys.readouterr().out
    assert "refit of topics.support.v2: 4 topics kept, 0 new [], 0 retired []" in out
    found, models = enrich_topics(live, "someone stole my card", "support")
    assert models["topics.support"] == "v3"
    assert (found[0].topic_id, found[0].label) == (card_topic, "Lost or stolen cards")

    # An update adds the new billing theme under a fresh id and leaves the others alone.
    assert topics(tmp_path, "update", "--data", str(write_texts(tmp_path / "new.jsonl", BILLING * 3))) == 0
    assert "12 of 12 texts unexplained; new topics: [4, 5]" in capsys.readouterr().out  # 12 texts: 2 clusters
    found, _ = enrich_topics(live, "I was charged twice on my invoice", "support")
    assert found[0].topic_id in (4, 5)

    listed = svc_grpc.EnrichmentServiceStub(live).GetModels(svc_pb.GetModelsRequest())
    support = [m for m in listed.topic_models if m.name == "support"]
    assert len(support) == 1 and support[0].version == "v4" and support[0].topic_count == 6


@pytest.mark.slow
def test_topics_service_lists_edits_and_trends_a_user_model(
    live: grpc.Channel,  # noqa: F811
    tmp_path: Path,
) -> None:
    from datetime import UTC, datetime, timedelta

    from google.protobuf.timestamp_pb2 import Timestamp

    from journeymine.v1 import topics_service_pb2 as tp_pb
    from journeymine.v1 import topics_service_pb2_grpc as tp_grpc
    from tests.service.helpers import bad_request_details

    stub = tp_grpc.TopicsServiceStub(live)
    default = stub.ListTopics(tp_pb.ListTopicsRequest())
    assert default.model == "topics.customer_service" and len(default.topics) >= 5

    with pytest.raises(grpc.RpcError) as info:
        stub.RenameTopic(tp_pb.RenameTopicRequest(model="customer_service", topic_id=0, label="x"))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "built-in topic model and cannot be edited" in bad_request_details(info.value)["model"]
    with pytest.raises(grpc.RpcError) as info:
        stub.ListTopics(tp_pb.ListTopicsRequest(model="nope"))
    assert info.value.code() == grpc.StatusCode.NOT_FOUND

    data = write_texts(tmp_path / "support.jsonl", [t for ts in THEMES.values() for t in ts])
    assert topics(tmp_path, "fit", "--data", str(data), "--n-topics", "4") == 0
    listed = stub.ListTopics(tp_pb.ListTopicsRequest(model="support"))
    assert (listed.model, listed.version, len(listed.topics)) == ("topics.support", "v1", 4)

    renamed = stub.RenameTopic(tp_pb.RenameTopicRequest(model="support", topic_id=0, label="First theme"))
    assert renamed.version == "v2" and {t.id: t.label for t in renamed.topics}[0] == "First theme"
    with pytest.raises(grpc.RpcError) as info:
        stub.MergeTopics(tp_pb.MergeTopicsRequest(model="support", topic_ids=[9], into=0))
    assert "no topic with id [9]" in bad_request_details(info.value)["topic_ids"]
    merged = stub.MergeTopics(tp_pb.MergeTopicsRequest(model="support", topic_ids=[1], into=0))
    assert merged.version == "v3" and [t.id for t in merged.topics] == [0, 2, 3]
    listed = stub.ListTopics(tp_pb.ListTopicsRequest(model="support"))
    assert [(a.id, a.merged_into) for a in listed.aliases] == [(1, 0)]

    # Trends: a week of card complaints, then a week where refunds appear.
    start = datetime(2026, 11, 2, tzinfo=UTC)
    interactions = []
    for day in range(14):
        texts = THEMES["card"][:2] + (THEMES["refund"] if day >= 7 else [])
        for j, text in enumerate(texts):
            ts = Timestamp()
            ts.FromDatetime(start + timedelta(days=day, hours=j))
            interaction = text_interaction(text)
            interaction.id = f"d{day}-{j}"
            interaction.occurred_at.CopyFrom(ts)
            interactions.append(interaction)
    reply = stub.GetTopicTrends(
        tp_pb.GetTopicTrendsRequest(
            model="support", interactions=interactions, bucket=tp_pb.TREND_BUCKET_WEEK, window_days=7, baseline_days=7
        )
    )
    assert reply.interactions == len(interactions) and {p.period for p in reply.trends} == {"2026-W45", "2026-W46"}
    assert reply.topic_sentiment and all(-1 <= t.mean_score <= 1 for t in reply.topic_sentiment)
    refund_topic = enrich_topics(live, THEMES["refund"][0], "support")[0][0].topic_id
    assert [e.topic_id for e in reply.emerging][:1] == [refund_topic]
    assert reply.emerging[0].baseline_count == 0 and not reply.emerging[0].HasField("growth")

    missing_time = text_interaction("my card was stolen")
    with pytest.raises(grpc.RpcError) as info:
        stub.GetTopicTrends(tp_pb.GetTopicTrendsRequest(model="support", interactions=[missing_time]))
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "interactions[0].occurred_at" in bad_request_details(info.value)


def write_interactions(path: Path, rows: list[tuple[str, str | None]]) -> Path:
    lines = []
    for i, (text, when) in enumerate(rows):
        record = {"id": f"i{i}", "channel": "CHANNEL_CHAT", "text": text}
        if when:
            record["occurredAt"] = when
        lines.append(json.dumps(record))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_trends_names_the_bad_line(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch) -> None:
    monkeypatch.setattr("pipelines.factory.build_encoder", lambda config=None: pytest.fail("encoder loaded"))
    data = write_interactions(tmp_path / "i.jsonl", [("my card was stolen", "2026-11-02T10:00:00Z"), ("hi", None)])
    assert cli.main(["topics", "trends", "--data", str(data)]) == 2
    assert f"{data}: line 2: occurred_at: is not set" in capsys.readouterr().err
    data.write_text('{"id": "x", "text": 5}\n')
    assert cli.main(["topics", "trends", "--data", str(data)]) == 2
    assert "line 1: not an Interaction in JSON form" in capsys.readouterr().err


@pytest.mark.slow
def test_trends_from_a_jsonl_of_interactions_flag_a_new_theme(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], enricher, monkeypatch
) -> None:
    monkeypatch.setattr("pipelines.factory.build_encoder", lambda config=None: enricher.encoder)
    rows = []
    for day in range(21):
        texts = THEMES["card"][:2] + (THEMES["refund"] if day >= 14 else [])
        rows += [(t, f"2026-11-{day + 1:02d}T{9 + j:02d}:00:00Z") for j, t in enumerate(texts)]
    data = write_interactions(tmp_path / "i.jsonl", rows)
    argv = ["topics", "trends", "--data", str(data), "--bucket", "week", "--window-days", "7", "--json"]
    assert cli.main([*argv, "--baseline-days", "14"]) == 0
    reply = json.loads(capsys.readouterr().out)
    assert reply["model"] == "topics.customer_service" and reply["interactions"] == len(rows)
    assert {p["period"] for p in reply["trends"]} >= {"2026-W45", "2026-W47"}
    from pipelines.enrichment.domain import Interaction, PlainText

    results = enricher.enrich([Interaction(f"r{i}", PlainText(t)) for i, t in enumerate(THEMES["refund"])])
    refund_topics = {r.topics[0].topic_id for r in results if r.topics}
    assert reply["emerging"] and {e["topic_id"] for e in reply["emerging"]} <= refund_topics
