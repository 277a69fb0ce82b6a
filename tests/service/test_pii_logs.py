"""No PII in logs: a real server, a run full of names, emails, card and phone numbers, then a grep of its log."""

from __future__ import annotations

import json
import signal

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp

from eval.server_process import served
from journeymine.v1 import enrichment_service_pb2 as svc_pb
from journeymine.v1 import enrichment_service_pb2_grpc as svc_grpc
from journeymine.v1 import interaction_pb2 as ix_pb
from journeymine.v1 import journey_service_pb2 as jr_pb
from journeymine.v1 import journey_service_pb2_grpc as jr_grpc

pytestmark = pytest.mark.slow

# Each value must never appear in the server's log, whatever the call does with it.
PII = [
    "Maria Gonzalez",
    "maria.gonzalez@example.com",
    "4111 1111 1111 1111",
    "+1 415 555 0134",
    "221B Baker Street",
    "DE89370400440532013000",
    "Zebedee Quartermaine",
    "Kowalczyk-Ng",
]
CUSTOMER_ID = "cust.maria.gonzalez@example.com"  # an id that is itself personal data
PII.append(CUSTOMER_ID)
TEXT = (
    "Hi, this is Maria Gonzalez, email maria.gonzalez@example.com, phone +1 415 555 0134. "
    "You charged my card 4111 1111 1111 1111 twice; I live at 221B Baker Street, IBAN DE89370400440532013000."
)


def _calls(channel: grpc.Channel) -> dict[str, int]:
    """Every kind of call, good and bad, carrying the PII; returns how many ended with each code."""
    enrich, journeys = svc_grpc.EnrichmentServiceStub(channel), jr_grpc.JourneyServiceStub(channel)
    codes: dict[str, int] = {}

    def call(fn, *args, **kwargs) -> None:
        try:
            result = fn(*args, timeout=60, **kwargs)
            if hasattr(result, "__iter__") and not hasattr(result, "ListFields"):
                list(result)
            code = "OK"
        except grpc.RpcError as err:
            code = err.code().name
        codes[code] = codes.get(code, 0) + 1

    text = ix_pb.Interaction(
        id="pii-1", customer_id=CUSTOMER_ID, text=TEXT, attributes={"name": "Zebedee Quartermaine"}
    )
    call(enrich.Enrich, svc_pb.EnrichRequest(interactions=[text]), metadata=(("x-request-id", "pii-enrich"),))
    call(enrich.Enrich, svc_pb.EnrichRequest(interactions=[ix_pb.Interaction(id="pii-2", text="x" * 30_000 + TEXT)]))
    call(enrich.Enrich, svc_pb.EnrichRequest(interactions=[text], options=svc_pb.EnrichOptions(intent_taxonomy=TEXT)))
    call(enrich.Enrich, svc_pb.EnrichRequest(interactions=[ix_pb.Interaction(id=TEXT[:60], text=TEXT, channel=99)]))
    turns = [
        svc_pb.EnrichStreamRequest(start=svc_pb.StreamStart(interaction_id="live-1", customer_id=CUSTOMER_ID)),
        svc_pb.EnrichStreamRequest(turn=ix_pb.Turn(role=ix_pb.SPEAKER_ROLE_CUSTOMER, text=TEXT)),
        svc_pb.EnrichStreamRequest(turn=ix_pb.Turn(role=ix_pb.SPEAKER_ROLE_AGENT, text="Thanks Maria Gonzalez.")),
        svc_pb.EnrichStreamRequest(turn=ix_pb.Turn(role=ix_pb.SPEAKER_ROLE_UNSPECIFIED, text="Kowalczyk-Ng")),
    ]
    call(enrich.EnrichStream, iter(turns))
    touchpoint = jr_pb.Touchpoint(
        id="tp-pii-1",
        customer_id=CUSTOMER_ID,
        channel=ix_pb.CHANNEL_EMAIL,
        occurred_at=Timestamp(seconds=1_795_000_000),
        interaction=ix_pb.Interaction(
            id="tp-pii-1", email=ix_pb.Email(subject="Complaint from Maria Gonzalez", body=TEXT)
        ),
    )
    call(journeys.RecordTouchpoints, jr_pb.RecordTouchpointsRequest(touchpoints=[touchpoint]))
    call(journeys.RecordTouchpoints, jr_pb.RecordTouchpointsRequest(touchpoints=[touchpoint, touchpoint]))
    call(journeys.GetJourney, jr_pb.GetJourneyRequest(customer_id=CUSTOMER_ID))
    call(journeys.GetCustomerScore, jr_pb.GetCustomerScoreRequest(customer_id=CUSTOMER_ID))
    call(journeys.GetCustomerScore, jr_pb.GetCustomerScoreRequest(customer_id="Zebedee Quartermaine"))
    return codes


def test_a_run_full_of_pii_leaves_none_of_it_in_the_json_log(tmp_path):
    log_path = tmp_path / "server.log"
    env = {"JOURNEYMINE_DATA_DIR": str(tmp_path / "data"), "JOURNEYMINE_LOG_LEVEL": "DEBUG"}
    with served(log_path, env) as (port, proc):
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            codes = _calls(channel)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    # The run did real work and hit the error paths too.
    assert codes.get("OK", 0) >= 5 and codes.get("INVALID_ARGUMENT", 0) >= 3 and codes.get("NOT_FOUND", 0) >= 2, codes
    text = log_path.read_text(encoding="utf-8")
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]  # every line is one JSON object
    leaked = [value for value in PII if value.lower() in text.lower()]
    assert not leaked, f"PII in the server log: {leaked}"
    for part in ("Gonzalez", "4111", "555 0134", "Baker", "DE8937"):
        assert part not in text
    access = [e for e in lines if e.get("logger") == "service.telemetry"]
    assert len(access) == sum(codes.values())  # one access line per call
    assert all(e.get("request_id") and e.get("method") and e.get("code") for e in access)
    assert any(e["request_id"] == "pii-enrich" and e["code"] == "OK" for e in access)
