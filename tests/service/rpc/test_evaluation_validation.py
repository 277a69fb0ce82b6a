"""Evaluate stream validation in-process: order, config, rows and the row limit."""

from __future__ import annotations

import pytest

from journeymine.v1 import evaluation_service_pb2 as ev_pb
from models.errors import InvalidInputError, NotFoundError
from service.config import LimitsConfig
from service.rpc.evaluation.validation import validate_evaluate_end, validate_evaluate_message
from service.rpc.handlers import UndecodableRequest

LIMITS = LimitsConfig(max_eval_rows=3, max_chars_per_text=50)


def check(message, *, index=1, configured=True, rows=0, train_rows=0):
    return validate_evaluate_message(
        message, index=index, configured=configured, rows=rows, train_rows=train_rows, limits=LIMITS
    )


def fields_of(exc: InvalidInputError) -> dict[str, str]:
    return {v.field: v.description for v in exc.violations}


def row(text="hello", label="greeting"):
    return ev_pb.EvaluateRequest(row=ev_pb.LabelledRow(text=text, label=label))


def test_a_good_stream_passes():
    config = ev_pb.EvaluateRequest(config=ev_pb.EvaluateConfig(task="intent", baseline="logreg", slice_by=["channel"]))
    assert check(config, index=0, configured=False) is config
    assert check(row(), rows=2) is not None
    train = ev_pb.EvaluateRequest(baseline_train_row=ev_pb.LabelledRow(text="hi", label="greeting"))
    assert check(train, train_rows=2) is train


def test_row_limit_is_invalid_argument_with_the_row_path():
    with pytest.raises(InvalidInputError) as info:
        check(row(), rows=3)
    assert "at most 3 rows (max_eval_rows)" in fields_of(info.value)["rows[3]"]
    train = ev_pb.EvaluateRequest(baseline_train_row=ev_pb.LabelledRow(text="hi", label="greeting"))
    with pytest.raises(InvalidInputError) as info:
        check(train, train_rows=3)
    assert "baseline training rows" in fields_of(info.value)["baseline_train_rows[3]"]


def test_row_text_and_label_violations_are_collected():
    with pytest.raises(InvalidInputError) as info:
        check(row(text="x" * 51, label=" "), rows=1)
    fields = fields_of(info.value)
    assert "has 51 characters; at most 50" in fields["rows[1].text"]
    assert "every row needs a gold label" in fields["rows[1].label"]


def test_config_checks():
    with pytest.raises(InvalidInputError) as info:
        check(ev_pb.EvaluateRequest(config=ev_pb.EvaluateConfig(task="")), index=0, configured=False)
    assert "name a task: sentiment, intent" in fields_of(info.value)["config.task"]
    with pytest.raises(NotFoundError):
        check(ev_pb.EvaluateRequest(config=ev_pb.EvaluateConfig(task="emotion")), index=0, configured=False)
    bad = ev_pb.EvaluateConfig(task="sentiment", baseline="logreg", slice_by=[""], label_map={"": "x"})
    with pytest.raises(InvalidInputError) as info:
        check(ev_pb.EvaluateRequest(config=bad), index=0, configured=False)
    assert set(fields_of(info.value)) == {"config.baseline", "config.slice_by[0]", "config.label_map"}
    with pytest.raises(InvalidInputError) as info:
        check(ev_pb.EvaluateRequest(config=ev_pb.EvaluateConfig(task="intent")), configured=True)
    assert "second EvaluateConfig" in fields_of(info.value)["config"]


def test_empty_message_undecodable_bytes_and_stream_end():
    with pytest.raises(InvalidInputError) as info:
        check(ev_pb.EvaluateRequest())
    assert "is empty" in fields_of(info.value)["event"]
    with pytest.raises(InvalidInputError) as info:
        check(UndecodableRequest("EvaluateRequest", "invalid UTF-8"), index=4)
    assert "request (message 4)" in fields_of(info.value)
    with pytest.raises(InvalidInputError):
        validate_evaluate_end(configured=True, rows=0)
    validate_evaluate_end(configured=True, rows=1)
