"""EvaluationService: Evaluate is validate -> convert from proto -> call the eval core -> convert to proto.

Rows stream in after an EvaluateConfig; ``eval.tasks.evaluate`` scores them through
the same ``Enricher`` the EnrichmentService uses, taking the shared enricher lock
one batch at a time, so a long evaluation does not stall Enrich calls. Errors are
``models.errors`` types, mapped to statuses by ``service.interceptors.ErrorInterceptor``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import grpc

from eval.data import LabelledRow
from eval.tasks import EvalConfig, evaluate
from journeymine.v1 import evaluation_service_pb2 as ev_pb
from journeymine.v1 import evaluation_service_pb2_grpc as ev_grpc
from models.encoder import Encoder
from pipelines.enrichment.enricher import Enricher
from pipelines.enrichment.locks import ModelLocks
from service.config import LimitsConfig
from service.deadlines import check_deadline
from service.rpc import handlers
from service.rpc.evaluation import convert
from service.rpc.evaluation.validation import validate_evaluate_end, validate_evaluate_message
from service.rpc.handlers import UndecodableRequest

SERVICE_NAME = ev_pb.DESCRIPTOR.services_by_name["EvaluationService"].full_name


class EvaluationServicer(ev_grpc.EvaluationServiceServicer):
    """Offline-style evaluation of a shipped model on rows sent by the caller."""

    def __init__(
        self,
        *,
        enricher: Enricher,
        limits: LimitsConfig | None = None,
        lock: ModelLocks | None = None,
        baseline_encoder: Callable[[], Encoder] | None = None,
    ) -> None:
        """``baseline_encoder`` makes the logreg baseline's encoder, once, on the first run that needs it."""
        self.enricher = enricher
        self.limits = limits or LimitsConfig()
        # Shared with the EnrichmentService: the Enricher is not thread-safe.
        self._lock = lock or ModelLocks()
        self._make_baseline_encoder = baseline_encoder or (lambda: enricher.encoder)
        self._baseline_encoder: Encoder | None = None
        self._baseline_guard = threading.Lock()

    def _baseline(self) -> Encoder:
        with self._baseline_guard:
            if self._baseline_encoder is None:
                self._baseline_encoder = self._make_baseline_encoder()
            return self._baseline_encoder

    def Evaluate(
        self, request_iterator: Iterator[ev_pb.EvaluateRequest | UndecodableRequest], context: grpc.ServicerContext
    ) -> ev_pb.EvaluateResponse:
        config: EvalConfig | None = None
        label_map: dict[str, str] = {}
        rows: list[LabelledRow] = []
        train: list[LabelledRow] = []
        for index, message in enumerate(request_iterator):
            check_deadline(context, f"row message {index}")
            message = validate_evaluate_message(
                message,
                index=index,
                configured=config is not None,
                rows=len(rows),
                train_rows=len(train),
                limits=self.limits,
            )
            event = message.WhichOneof("event")
            if event == "config":
                config, label_map = convert.config_from_proto(message.config)
            elif event == "row":
                rows.append(convert.row_from_proto(message.row, label_map))
            else:
                train.append(convert.row_from_proto(message.baseline_train_row, label_map))
        validate_evaluate_end(configured=config is not None, rows=len(rows))
        assert config is not None  # validate_evaluate_end rejects a stream without one
        check_deadline(context, "reading the rows")
        result = evaluate(
            rows,
            config,
            enricher=self.enricher,
            baseline_train=train or None,
            baseline_encoder=self._baseline,
            lock=self._lock,
        )
        return convert.evaluate_response_to_proto(result)


def method_handlers(servicer: EvaluationServicer) -> dict[str, grpc.RpcMethodHandler]:
    """The service's methods with tolerant deserialisers (bad UTF-8 -> INVALID_ARGUMENT, not INTERNAL)."""
    return {"Evaluate": handlers.stream_unary(servicer.Evaluate, ev_pb.EvaluateRequest)}
