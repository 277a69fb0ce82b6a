"""EvaluationService.Evaluate over a real channel with the real models: figures, health, and bad streams."""

from __future__ import annotations

import json

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from eval.data import LabelledRow
from eval.tasks import EvalConfig, evaluate
from journeymine.v1 import evaluation_service_pb2 as ev_pb
from journeymine.v1 import evaluation_service_pb2_grpc as ev_grpc
from tests.service.helpers import expect_error

pytestmark = pytest.mark.slow

SERVICE = "journeymine.v1.EvaluationService"
ROWS = [
    ("I still have not received my new card", "card_arrival", "chat"),
    ("How do I activate my card?", "activate_my_card", "chat"),
    ("My card payment was declined at the shop", "declined_card_payment", "email"),
    ("What is the capital of Peru?", "out_of_scope", "email"),
    ("I was charged twice for the same coffee", "transaction_charged_twice", "chat"),
]


@pytest.fixture(scope="module")
def ev_stub(channel: grpc.Channel) -> ev_grpc.EvaluationServiceStub:
    return ev_grpc.EvaluationServiceStub(channel)


def stream(config: ev_pb.EvaluateConfig | None, rows=ROWS, extra=()):
    if config is not None:
        yield ev_pb.EvaluateRequest(config=config)
    for text, label, channel in rows:
        yield ev_pb.EvaluateRequest(row=ev_pb.LabelledRow(text=text, label=label, fields={"channel": channel}))
    yield from extra


def test_intent_figures_match_the_offline_core(ev_stub, enricher):
    config = ev_pb.EvaluateConfig(task="intent", model="banking77", slice_by=["channel"])
    response = ev_stub.Evaluate(stream(config))
    offline = evaluate(
        [LabelledRow(t, lab, {"channel": c}) for t, lab, c in ROWS],
        EvalConfig("intent", model="banking77", slice_by=("channel",)),
        enricher=enricher,
    )
    assert response.task == "intent"
    assert (response.model.name, response.model.version) == ("intent.banking77", "v2")
    m = response.metrics
    assert m.n == 5
    assert m.accuracy == pytest.approx(offline["accuracy"])
    assert m.macro_f1 == pytest.approx(offline["macro_f1"])
    assert m.in_scope_accuracy == pytest.approx(offline["in_scope_accuracy"])
    assert m.HasField("ece") and m.ece == pytest.approx(offline["ece"])
    assert m.HasField("auroc") and m.HasField("oos_recall")
    report = json.loads(response.report_json)
    assert report["n"] == 5 and set(report["slices"]["channel"]) == {"chat", "email"}
    assert {c.label for c in response.per_class} == set(report["per_class"])


def test_sentiment_with_label_map_and_vader_baseline(ev_stub):
    config = ev_pb.EvaluateConfig(task="sentiment", label_map={"1": "positive", "0": "negative"}, baseline="vader")
    rows = [("I love this, thank you so much!", "1", "web"), ("This is the worst service ever.", "0", "web")]
    response = ev_stub.Evaluate(stream(config, rows))
    assert response.metrics.accuracy == 1.0
    assert "vader" in response.baselines
    vader = response.baselines["vader"]
    assert vader.n == 2 and not vader.HasField("ece")  # VADER has no probabilities
    assert json.loads(response.report_json)["restricted_to"] == ["negative", "positive"]


def test_health_reports_the_service(channel):
    health = health_pb2_grpc.HealthStub(channel)
    status = health.Check(health_pb2.HealthCheckRequest(service=SERVICE)).status
    assert status == health_pb2.HealthCheckResponse.SERVING


def test_row_before_config_is_invalid_argument(ev_stub):
    _, fields = expect_error(lambda: ev_stub.Evaluate(stream(None)), grpc.StatusCode.INVALID_ARGUMENT)
    assert "no EvaluateConfig came first" in fields["config"]


def test_empty_text_names_the_row(ev_stub):
    rows = [ROWS[0], ("   ", "card_arrival", "chat")]
    config = ev_pb.EvaluateConfig(task="intent", model="banking77")
    _, fields = expect_error(lambda: ev_stub.Evaluate(stream(config, rows)), grpc.StatusCode.INVALID_ARGUMENT)
    assert "rows[1].text" in fields


def test_unknown_task_is_not_found_and_score_says_where_it_runs(ev_stub):
    _, fields = expect_error(
        lambda: ev_stub.Evaluate(stream(ev_pb.EvaluateConfig(task="emotion"))), grpc.StatusCode.NOT_FOUND
    )
    assert "valid eval task names are: aspect, intent, score, sentiment, topics" in fields["config.task"]
    _, fields = expect_error(
        lambda: ev_stub.Evaluate(stream(ev_pb.EvaluateConfig(task="score"))), grpc.StatusCode.INVALID_ARGUMENT
    )
    assert "run `journeymine eval score --data FILE`" in fields["config.task"]


def test_unknown_taxonomy_and_unknown_labels(ev_stub):
    config = ev_pb.EvaluateConfig(task="intent", model="nope")
    err, _ = expect_error(lambda: ev_stub.Evaluate(stream(config)), grpc.StatusCode.NOT_FOUND)
    assert "Valid intent taxonomy names are: " in err.details()
    config = ev_pb.EvaluateConfig(task="intent", model="banking77")
    rows = [("What's the weather?", "weather_query", "chat")]
    _, fields = expect_error(lambda: ev_stub.Evaluate(stream(config, rows)), grpc.StatusCode.INVALID_ARGUMENT)
    assert "'weather_query'" in fields["label"]


def test_empty_stream_and_config_without_rows(ev_stub):
    _, fields = expect_error(lambda: ev_stub.Evaluate(iter(())), grpc.StatusCode.INVALID_ARGUMENT)
    assert "the stream was empty" in fields["config"]
    config = ev_pb.EvaluateConfig(task="sentiment")
    _, fields = expect_error(lambda: ev_stub.Evaluate(stream(config, rows=())), grpc.StatusCode.INVALID_ARGUMENT)
    assert "no labelled rows" in fields["rows"]


def test_logreg_without_training_rows(ev_stub):
    config = ev_pb.EvaluateConfig(task="intent", model="banking77", baseline="logreg")
    _, fields = expect_error(lambda: ev_stub.Evaluate(stream(config)), grpc.StatusCode.INVALID_ARGUMENT)
    assert "baseline_train" in fields


TOPIC_ROWS = [
    *((t, "card", "chat") for t in ["my card was stolen", "I lost my debit card", "block my card", "card missing"]),
    *(
        (t, "refund", "chat")
        for t in ["I want a refund", "money back please", "refund the kettle", "where is my refund"]
    ),
    *((t, "delivery", "email") for t in ["parcel is late", "courier never came", "package not delivered"]),
]


def test_topics_task_returns_topic_figures_and_bertopic_beside_them(ev_stub):
    config = ev_pb.EvaluateConfig(task="topics", baseline="bertopic", seed=3)
    response = ev_stub.Evaluate(stream(config, TOPIC_ROWS))
    assert response.task == "topics" and response.metrics.n == 11
    topics = response.topic_metrics
    assert topics.n_topics >= 2 and topics.outlier_share <= 0.10 + 1e-9 and 0 <= topics.nmi <= 1
    assert topics.HasField("docs_same_id") and topics.HasField("ids_kept")
    assert set(response.topic_baselines) == {"bertopic"} and not response.topic_baselines["bertopic"].HasField(
        "ids_kept"
    )
    report = json.loads(response.report_json)
    assert report["n_topics"] == topics.n_topics and report["seed"] == 3
    _, fields = expect_error(
        lambda: ev_stub.Evaluate(stream(ev_pb.EvaluateConfig(task="topics", seed=-1), TOPIC_ROWS)),
        grpc.StatusCode.INVALID_ARGUMENT,
    )
    assert "a whole number >= 0" in fields["config.seed"]


def test_aspect_task_over_the_wire_reads_spans_from_row_fields(ev_stub):
    text = "The waiter was lovely but the soup was cold."
    rows = [
        ev_pb.LabelledRow(text=text, label="positive", fields={"aspect": "waiter", "start": "4", "end": "10"}),
        ev_pb.LabelledRow(text=text, label="negative", fields={"aspect": "soup", "start": "30", "end": "34"}),
    ]
    config = ev_pb.EvaluateConfig(task="aspect", baseline="sentence")
    response = ev_stub.Evaluate(
        iter([ev_pb.EvaluateRequest(config=config), *(ev_pb.EvaluateRequest(row=r) for r in rows)])
    )
    assert response.task == "aspect" and (response.model.name, response.model.version) == ("aspect", "v1")
    assert response.metrics.n == 2 and response.metrics.accuracy == 1.0
    # One sentence-level label for both aspects: at most one of them can be right.
    assert response.baselines["sentence"].accuracy <= 0.5
    assert json.loads(response.report_json)["sentences"] == 1
