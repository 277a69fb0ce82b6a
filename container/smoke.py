"""Call a running journeymine server the way a client does: Enrich one text, record one touchpoint.

    python container/smoke.py --address 127.0.0.1:50051

Exit status 0 when both calls answer OK with the signals a client relies on (a sentiment label, an intent, a
stored touchpoint with its signals); the image test (container/test.sh) runs it against the server in the image.
"""

from __future__ import annotations

import argparse
import sys
import time

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from journeymine.v1 import enrichment_service_pb2 as enrich_pb
from journeymine.v1 import enrichment_service_pb2_grpc as enrich_grpc
from journeymine.v1 import interaction_pb2 as ix_pb
from journeymine.v1 import journey_service_pb2 as journey_pb
from journeymine.v1 import journey_service_pb2_grpc as journey_grpc
from journeymine.v1 import signals_pb2 as signals_pb

TEXT = "I was charged twice for my card this month and nobody answers the phone. Please refund me."


def check(ok: bool, what: str) -> None:
    """Fail the smoke test with ``what`` unless ``ok``."""
    if not ok:
        raise SystemExit(f"FAIL: {what}")


def main(argv: list[str] | None = None) -> int:
    """Run both calls against ``--address``; print what came back."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="127.0.0.1:50051")
    parser.add_argument("--timeout", type=float, default=60.0, help="per call, seconds (the first call warms up)")
    args = parser.parse_args(argv)

    with grpc.insecure_channel(args.address) as channel:
        start = time.perf_counter()
        reply = enrich_grpc.EnrichmentServiceStub(channel).Enrich(
            enrich_pb.EnrichRequest(interactions=[ix_pb.Interaction(id="smoke-1", text=TEXT)]), timeout=args.timeout
        )
        check(len(reply.results) == 1, f"Enrich returned {len(reply.results)} results for 1 interaction")
        result = reply.results[0]
        check(result.interaction_id == "smoke-1", f"Enrich answered for {result.interaction_id!r}")
        check(result.sentiment.label != signals_pb.SENTIMENT_LABEL_UNSPECIFIED, "Enrich gave no sentiment label")
        label = signals_pb.SentimentLabel.Name(result.sentiment.label)
        check(bool(result.intent.label), "Enrich gave no intent")
        check(len(result.models) > 0, "Enrich named no models")
        print(
            f"Enrich OK in {1000 * (time.perf_counter() - start):.0f} ms: sentiment {label} "
            f"({result.sentiment.score:+.2f}), intent {result.intent.label!r}, {len(result.models)} models"
        )

        start = time.perf_counter()
        touchpoint = journey_pb.Touchpoint(
            id=f"smoke-{time.time_ns()}",
            customer_id="smoke-customer",
            channel=ix_pb.CHANNEL_EMAIL,
            occurred_at=Timestamp(seconds=int(time.time())),
            stage="billing",
            interaction=ix_pb.Interaction(id="smoke-2", email=ix_pb.Email(subject="Double charge", body=TEXT)),
        )
        recorded = journey_grpc.JourneyServiceStub(channel).RecordTouchpoints(
            journey_pb.RecordTouchpointsRequest(touchpoints=[touchpoint]), timeout=args.timeout
        )
        check(recorded.stored == 1, f"RecordTouchpoints stored {recorded.stored} of 1")
        stored = recorded.results[0]
        check(stored.status == journey_pb.RECORD_STATUS_STORED, f"touchpoint status {stored.status}")
        check(stored.signals.HasField("sentiment"), "the stored touchpoint has no sentiment")
        print(
            f"RecordTouchpoints OK in {1000 * (time.perf_counter() - start):.0f} ms: stored {recorded.stored}, "
            f"sentiment {stored.signals.sentiment:+.2f}, intent {stored.signals.intent!r}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
