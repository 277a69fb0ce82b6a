"""EnrichmentServicer in-process: the servicer raises domain errors and returns protos; no status codes."""

from __future__ import annotations

import pytest

from journeymine.v1 import enrichment_service_pb2 as svc_pb
from journeymine.v1 import signals_pb2 as sig_pb
from models.errors import InvalidInputError, NotFoundError
from service.config import LimitsConfig
from service.rpc.enrichment.servicer import EnrichmentServicer, method_handlers
from tests.service.helpers import AGENT, CUSTOMER, request_of, text_interaction

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def servicer(enricher) -> EnrichmentServicer:
    return EnrichmentServicer(enricher=enricher, limits=LimitsConfig(max_stream_turns=2))


def stream_of(*turns: tuple[int, str], **start: object) -> list[svc_pb.EnrichStreamRequest]:
    first = svc_pb.EnrichStreamRequest(start=svc_pb.StreamStart(interaction_id="live", **start))
    return [first] + [svc_pb.EnrichStreamRequest(turn={"role": role, "text": text}) for role, text in turns]


def test_enrich_returns_one_result_per_interaction(servicer):
    reply = servicer.Enrich(request_of(text_interaction(id="a"), text_interaction(id="b")), context=None)
    assert isinstance(reply, svc_pb.EnrichResponse)
    assert [r.interaction_id for r in reply.results] == ["a", "b"]


def test_bad_input_raises_the_domain_error(servicer):
    with pytest.raises(InvalidInputError) as info:
        servicer.Enrich(svc_pb.EnrichRequest(), context=None)
    assert info.value.violations[0].field == "interactions"


def test_unknown_taxonomy_raises_not_found_with_the_field(servicer):
    with pytest.raises(NotFoundError) as info:
        servicer.Enrich(request_of(text_interaction(), intent_taxonomy="nope"), context=None)
    assert info.value.field == "options.intent_taxonomy"
    assert "banking77" in info.value.available


def test_unknown_topic_model_raises_not_found_with_the_field(servicer):
    with pytest.raises(NotFoundError) as info:
        # Even with topics not requested: a typo must not pass silently.
        servicer.Enrich(request_of(text_interaction(), topic_model="nope", signals=[sig_pb.SIGNAL_SENTIMENT]), None)
    assert info.value.field == "options.topic_model"
    assert "customer_service" in info.value.available


def test_stream_turns_are_capped_by_max_stream_turns(servicer):
    messages = stream_of((CUSTOMER, "My card was declined."), (AGENT, "Let me check."), (CUSTOMER, "Thanks."))
    updates = servicer.EnrichStream(iter(messages), context=None)
    assert next(updates).turn.turn_index == 0
    assert next(updates).turn.turn_index == 1
    with pytest.raises(InvalidInputError) as info:
        next(updates)
    assert info.value.violations[0].field == "turn"
    assert "at most 2" in info.value.violations[0].description


def test_stream_taxonomy_is_resolved_at_the_start(servicer):
    updates = servicer.EnrichStream(iter(stream_of(options=svc_pb.EnrichOptions(intent_taxonomy="x"))), context=None)
    with pytest.raises(NotFoundError) as info:
        next(updates)
    assert info.value.field == "start.options.intent_taxonomy"


def test_get_models(servicer):
    reply = servicer.GetModels(svc_pb.GetModelsRequest(), context=None)
    assert {t.name for t in reply.taxonomies} == {"customer_service", "banking77", "clinc150"}


def test_method_handlers_cover_the_contract(servicer):
    methods = svc_pb.DESCRIPTOR.services_by_name["EnrichmentService"].methods
    handlers = method_handlers(servicer)
    assert set(handlers) == {m.name for m in methods}
    for m in methods:
        h = handlers[m.name]
        assert (h.request_streaming, h.response_streaming) == (m.client_streaming, m.server_streaming)
