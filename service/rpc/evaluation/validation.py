"""Validation of Evaluate streams: message order, the config, and each row, against ``LimitsConfig``.

Paths name what to fix: ``config.task``, ``rows[12].text``, ``baseline_train_rows[3].label``.
Like ``service.rpc.enrichment.validation``, descriptions name bad numbers and names, never the caller's text.
"""

from __future__ import annotations

from eval.tasks import TASKS, UnavailableTask, check_baseline, get_task
from journeymine.v1 import evaluation_service_pb2 as ev_pb
from models.errors import InvalidInputError, NotFoundError
from service.config import LimitsConfig
from service.rpc.fields import Violations, check_decoded
from service.rpc.handlers import UndecodableRequest


def validate_evaluate_message(
    message: ev_pb.EvaluateRequest | UndecodableRequest,
    *,
    index: int,
    configured: bool,
    rows: int,
    train_rows: int,
    limits: LimitsConfig,
) -> ev_pb.EvaluateRequest:
    """Message number ``index`` of an Evaluate stream, checked against the stream's order and the limits.

    Args:
        configured: whether an EvaluateConfig was already accepted.
        rows: rows accepted so far; train_rows: baseline training rows accepted so far.
    """
    message = check_decoded(message, field=f"request (message {index})")
    v = Violations()
    event = message.WhichOneof("event")
    where = f"message {index}"
    if event is None:
        v.add("event", f"{where} is empty; send an EvaluateConfig first, then one LabelledRow per message")
    elif event == "config":
        if configured:
            v.add("config", f"{where} is a second EvaluateConfig; send it once, as the first message")
        else:
            _config(v, message.config)
    elif not configured:
        v.add("config", f"{where} is a row, but no EvaluateConfig came first; send the config as the first message")
    elif event == "row":
        _row(v, f"rows[{rows}]", message.row, rows, limits)
    else:
        _row(v, f"baseline_train_rows[{train_rows}]", message.baseline_train_row, train_rows, limits)
    v.raise_if_any()
    return message


def validate_evaluate_end(*, configured: bool, rows: int) -> None:
    """At the end of the stream: a config and at least one row must have come."""
    if not configured:
        raise InvalidInputError.single("config", "the stream was empty; send an EvaluateConfig, then labelled rows")
    if rows == 0:
        raise InvalidInputError.single("rows", "no labelled rows came after the config; send at least one row")


def _config(v: Violations, config: ev_pb.EvaluateConfig) -> None:
    names = ", ".join(n for n, t in TASKS.items() if not isinstance(t, UnavailableTask))
    if not config.task:
        v.add("config.task", f"is empty; name a task: {names}")
        return
    # Unknown names -> NOT_FOUND listing the tasks; tasks of later issues -> INVALID_ARGUMENT saying which.
    try:
        task = get_task(config.task)
    except NotFoundError as exc:
        raise NotFoundError(exc.kind, exc.name, exc.available, "config.task") from None
    except InvalidInputError as exc:
        for violation in exc.violations:
            v.add(f"config.{violation.field}", violation.description)
        return
    try:
        check_baseline(task, config.baseline)
    except InvalidInputError as exc:
        v.add("config.baseline", exc.violations[0].description)
    if config.seed < 0:
        v.add("config.seed", f"is {config.seed}; use 0 (the default, 42) or a whole number >= 0")
    for i, name in enumerate(config.slice_by):
        if not name.strip():
            v.add(f"config.slice_by[{i}]", "is empty; name a row field such as channel")
    for old, new in config.label_map.items():
        if not old.strip() or not new.strip():
            v.add("config.label_map", "has an empty label; map one non-empty label to another")
            break


def _row(v: Violations, path: str, row: ev_pb.LabelledRow, count: int, limits: LimitsConfig) -> None:
    cap = limits.max_eval_rows
    if count >= cap:
        kind = "rows" if path.startswith("rows") else "baseline training rows"
        v.add(path, f"would be row {count + 1}; an Evaluate stream takes at most {cap} {kind} (max_eval_rows)")
        return
    if not row.text.strip():
        v.add(f"{path}.text", "is empty or whitespace; every row needs text")
    elif len(row.text) > limits.max_chars_per_text:
        v.add(
            f"{path}.text",
            f"has {len(row.text)} characters; at most {limits.max_chars_per_text} (max_chars_per_text)",
        )
    if not row.label.strip():
        v.add(f"{path}.label", "is empty; every row needs a gold label")
