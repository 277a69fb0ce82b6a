"""Evaluate messages <-> the eval core's types: config and rows in, the figures dict out."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from eval.data import LabelledRow
from eval.report import HEADLINE_KEYS
from eval.tasks import EvalConfig
from journeymine.v1 import evaluation_service_pb2 as ev_pb
from journeymine.v1 import signals_pb2 as sig_pb

_ALWAYS = ("n", "accuracy", "macro_f1", "macro_recall")
# The other headline figures may be None (no probabilities, no out-of-scope rows): proto3 optional fields.
_OPTIONAL = tuple(key for key in HEADLINE_KEYS if key not in _ALWAYS)


def config_from_proto(msg: ev_pb.EvaluateConfig) -> tuple[EvalConfig, dict[str, str]]:
    """The eval config and the label map (old -> new)."""
    config = EvalConfig(
        task=msg.task,
        model=msg.model or None,
        slice_by=tuple(msg.slice_by),
        baseline=msg.baseline or None,
        seed=msg.seed or 42,
    )
    return config, dict(msg.label_map)


def row_from_proto(msg: ev_pb.LabelledRow, label_map: Mapping[str, str]) -> LabelledRow:
    """A labelled row with the label map applied."""
    label = msg.label.strip()
    return LabelledRow(text=msg.text, label=label_map.get(label, label), fields=dict(msg.fields))


def metrics_to_proto(figures: Mapping[str, Any]) -> ev_pb.EvaluationMetrics:
    """Headline figures; the ones that could not be computed (None) stay unset."""
    msg = ev_pb.EvaluationMetrics(
        n=int(figures["n"]),
        accuracy=float(figures["accuracy"]),
        macro_f1=float(figures["macro_f1"]),
        macro_recall=float(figures["macro_recall"]),
    )
    for key in _OPTIONAL:
        if figures.get(key) is not None:
            setattr(msg, key, float(figures[key]))
    return msg


def topic_metrics_to_proto(figures: Mapping[str, Any]) -> ev_pb.TopicMetrics:
    """A topic fit's figures (``eval.topics``)."""
    stability = figures.get("stability") or {}
    return ev_pb.TopicMetrics(
        n_topics=int(figures["n_topics"]),
        outlier_share=float(figures["outlier_share"]),
        npmi=float(figures["npmi"]),
        diversity=float(figures["diversity"]),
        nmi=float(figures["nmi"] or 0.0),
        ari=float(figures["ari"] or 0.0),
        docs_same_id=stability.get("docs_same_id"),
        ids_kept=stability.get("ids_kept"),
        fit_seconds=float(figures.get("fit_seconds", 0.0)),
    )


def evaluate_response_to_proto(result: Mapping[str, Any]) -> ev_pb.EvaluateResponse:
    """The response: typed headline figures and the whole result as JSON."""
    if result["task"] == "topics":
        return ev_pb.EvaluateResponse(
            task="topics",
            model=sig_pb.ModelRef(name=str(result["model"])),
            metrics=ev_pb.EvaluationMetrics(n=int(result["n"])),
            topic_metrics=topic_metrics_to_proto(result),
            topic_baselines={k: topic_metrics_to_proto(v) for k, v in result["baselines"].items()},
            report_json=json.dumps(result, sort_keys=True, allow_nan=False),
        )
    name, _, version = str(result["model"]).rpartition(".")
    return ev_pb.EvaluateResponse(
        task=result["task"],
        model=sig_pb.ModelRef(name=name, version=version),
        metrics=metrics_to_proto(result),
        per_class=[
            ev_pb.ClassMetrics(
                label=label, precision=c["precision"], recall=c["recall"], f1=c["f1"], support=c["support"]
            )
            for label, c in sorted(result["per_class"].items())
        ],
        baselines={name: metrics_to_proto(figures) for name, figures in result["baselines"].items()},
        report_json=json.dumps(result, sort_keys=True, allow_nan=False),
    )
