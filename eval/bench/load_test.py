"""Load test: a real server on loopback, offered about twice what it can do, for minutes.

    python -m eval.bench.load_test --duration 180 --factor 2 --json      # measure capacity, then 2x it for 3 min
    python -m eval.bench.load_test --duration 60 --rate 40               # a fixed offered rate (calls/s)

Steps: start ``journeymine serve`` (its own SQLite store in a temp dir) as a child process; measure
capacity with ``--clients`` closed-loop callers for ``--capacity-seconds``; then send calls open-loop
at ``--factor`` x capacity (or ``--rate``) for ``--duration`` seconds, each with a deadline, and at
most ``--max-requests`` calls. Half the calls are ``RecordTouchpoints`` (``--touchpoints`` chat
touchpoints each, unique ids), half ``Enrich`` (as many interactions). The server's resident memory
is sampled every second. Afterwards every touchpoint of an OK reply must be in the store.

Passes (exit 0) when the only errors are RESOURCE_EXHAUSTED, every accepted touchpoint is stored,
and memory is flat: the mean RSS of the last fifth of the run is within ``--rss-growth`` (10 %) of
the mean of the second fifth (the first is warm-up). Client and server share the machine's CPUs.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from eval.server_process import rss_kib, served
from journeymine.v1 import enrichment_service_pb2 as svc_pb
from journeymine.v1 import enrichment_service_pb2_grpc as svc_grpc
from journeymine.v1 import interaction_pb2 as ix_pb
from journeymine.v1 import journey_service_pb2 as jr_pb
from journeymine.v1 import journey_service_pb2_grpc as jr_grpc

TEXTS = [
    "I was charged twice for my order and nobody answers my emails.",
    "Thanks, the new card arrived quickly and works fine.",
    "My parcel is three days late and the tracking page shows nothing.",
    "How do I change the address on my account?",
    "The app crashes every time I open the payments screen, this is awful.",
    "Great service today, the agent sorted it out in two minutes.",
]


@dataclass
class Tally:
    """What the client saw, updated from many threads under ``lock``."""

    codes: collections.Counter[str] = field(default_factory=collections.Counter)
    accepted: list[str] = field(default_factory=list)  # touchpoint ids of OK RecordTouchpoints replies
    unknown: list[str] = field(default_factory=list)  # ids of calls that ended DEADLINE_EXCEEDED/CANCELLED
    latencies_ms: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class Workload:
    """Makes the calls: unique touchpoint ids, alternate RecordTouchpoints and Enrich."""

    def __init__(self, channel: grpc.Channel, touchpoints: int, deadline_s: float) -> None:
        self.journeys = jr_grpc.JourneyServiceStub(channel)
        self.enrich = svc_grpc.EnrichmentServiceStub(channel)
        self.per_call, self.deadline_s = touchpoints, deadline_s
        self._n = 0
        self._guard = threading.Lock()

    def _next(self) -> int:
        with self._guard:
            self._n += 1
            return self._n

    def start(self, tally: Tally) -> grpc.Future:
        """Send one call asynchronously; its outcome lands in ``tally``."""
        n = self._next()
        began = time.perf_counter()
        if n % 2:
            ids = [f"lt-{n}-{k}" for k in range(self.per_call)]
            points = [self._touchpoint(i, n + k) for k, i in enumerate(ids)]
            request = jr_pb.RecordTouchpointsRequest(touchpoints=points)
            call = self.journeys.RecordTouchpoints.future(request, timeout=self.deadline_s)
        else:
            ids = []
            items = [ix_pb.Interaction(id=f"e-{n}-{k}", text=TEXTS[(n + k) % len(TEXTS)]) for k in range(self.per_call)]
            call = self.enrich.Enrich.future(svc_pb.EnrichRequest(interactions=items), timeout=self.deadline_s)
        call.add_done_callback(lambda f: self._done(f, ids, began, tally))
        return call

    def _touchpoint(self, tp_id: str, k: int) -> jr_pb.Touchpoint:
        turns = [ix_pb.Turn(role=ix_pb.SPEAKER_ROLE_CUSTOMER, text=TEXTS[k % len(TEXTS)])]
        return jr_pb.Touchpoint(
            id=tp_id,
            customer_id=f"c{k % 500}",
            channel=ix_pb.CHANNEL_CHAT,
            occurred_at=Timestamp(seconds=1_795_000_000 + k),
            interaction=ix_pb.Interaction(id=tp_id, transcript=ix_pb.Transcript(turns=turns)),
        )

    @staticmethod
    def _done(call: grpc.Future, ids: list[str], began: float, tally: Tally) -> None:
        code = call.code()
        with tally.lock:
            tally.codes[code.name] += 1
            if code == grpc.StatusCode.OK:
                tally.latencies_ms.append((time.perf_counter() - began) * 1000)
                tally.accepted.extend(ids)
            elif code in (grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED):
                tally.unknown.extend(ids)  # may or may not have been stored: a retry would settle it


def measure_capacity(work: Workload, clients: int, seconds: float) -> tuple[float, Tally]:
    """Completed calls per second with ``clients`` callers each waiting for its reply before the next."""
    tally = Tally()
    stop = time.monotonic() + seconds

    def caller() -> None:
        while time.monotonic() < stop:
            work.start(tally).exception()  # waits for the reply; the tally has its code

    began = time.monotonic()
    threads = [threading.Thread(target=caller) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ok = tally.codes["OK"]
    return ok / (time.monotonic() - began), tally


def offer(work: Workload, rate: float, seconds: float, max_requests: int, pid: int) -> tuple[Tally, list[int], int]:
    """Send calls at ``rate``/s for ``seconds`` (at most ``max_requests``); sample the server's RSS each second."""
    tally = Tally()
    samples: list[int] = []
    sent = 0
    began = time.monotonic()
    next_sample = began
    pending: collections.deque[grpc.Future] = collections.deque()
    while sent < max_requests:
        now = time.monotonic()
        if now - began >= seconds:
            break
        if now >= next_sample:
            samples.append(rss_kib(pid)[0])
            next_sample += 1.0
        due = int((now - began) * rate) + 1
        while sent < min(due, max_requests):
            pending.append(work.start(tally))
            sent += 1
        while pending and pending[0].done():
            pending.popleft()
        time.sleep(min(0.05, max(0.0, (sent + 1) / rate - (time.monotonic() - began))))
    for call in pending:  # each waits at most its deadline
        call.exception()
    return tally, samples, sent


def stored_ids(db: Path, ids: list[str]) -> set[str]:
    """Which of ``ids`` the server's SQLite store holds."""
    found: set[str] = set()
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(r[0] for r in conn.execute(f"SELECT id FROM touchpoints WHERE id IN ({marks})", chunk))
    return found


def run(args: argparse.Namespace) -> dict[str, Any]:
    """The whole test: spawn, measure, offer, check; the figures as one dict."""
    with tempfile.TemporaryDirectory(prefix="jm-load-") as tmp:
        data, log = Path(tmp) / "data", Path(tmp) / "server.log"
        env = {"JOURNEYMINE_DATA_DIR": str(data), "JOURNEYMINE_LOG_LEVEL": "INFO"}
        with served(log, env) as (port, proc):
            channel = grpc.insecure_channel(f"127.0.0.1:{port}")
            work = Workload(channel, args.touchpoints, args.deadline)
            rss_start = rss_kib(proc.pid)[0]
            capacity, warm = measure_capacity(work, args.clients, args.capacity_seconds)
            rate = args.rate or max(1.0, args.factor * capacity)
            began = time.monotonic()
            tally, samples, sent = offer(work, rate, args.duration, args.max_requests, proc.pid)
            elapsed = time.monotonic() - began
            rss_end, rss_peak = rss_kib(proc.pid)
            channel.close()
        accepted = warm.accepted + tally.accepted
        present = stored_ids(data / "journeys.db", accepted)
    fifth = max(1, len(samples) // 5)
    early = statistics.fmean(samples[fifth : 2 * fifth] or samples[:1])
    late = statistics.fmean(samples[-fifth:])
    errors = {code: n for code, n in tally.codes.items() if code != "OK"}
    lat = sorted(tally.latencies_ms)
    report = {
        "capacity_calls_per_s": round(capacity, 2),
        "offered_calls_per_s": round(rate, 2),
        "seconds": round(elapsed, 1),
        "calls_sent": sent,
        "codes": dict(tally.codes),
        "errors_by_code": errors,
        "touchpoints_per_call": args.touchpoints,
        "touchpoints_accepted": len(accepted),
        "touchpoints_stored_of_accepted": len(present),
        "touchpoints_unknown_outcome": len(warm.unknown) + len(tally.unknown),
        "ok_latency_ms_p50": round(lat[len(lat) // 2], 1) if lat else None,
        "ok_latency_ms_p99": round(lat[int(len(lat) * 0.99)], 1) if lat else None,
        "rss_mib": {
            "start": round(rss_start / 1024, 1),
            "second_fifth_mean": round(early / 1024, 1),
            "last_fifth_mean": round(late / 1024, 1),
            "end": round(rss_end / 1024, 1),
            "peak": round(rss_peak / 1024, 1),
        },
        "rss_growth": round(late / early - 1, 4),
        "capacity_phase": {"codes": dict(warm.codes)},
    }
    report["passed"] = (
        set(errors) <= {"RESOURCE_EXHAUSTED"}
        and len(present) == len(accepted)
        and report["rss_growth"] <= args.rss_growth
    )
    return report


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``python -m eval.bench.load_test``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=180, help="seconds of overload (default 180)")
    parser.add_argument("--factor", type=float, default=2.0, help="offered rate as a multiple of capacity")
    parser.add_argument("--rate", type=float, help="offered calls/s (overrides --factor)")
    parser.add_argument("--capacity-seconds", type=float, default=30, help="closed-loop capacity measurement")
    parser.add_argument("--clients", type=int, default=8, help="closed-loop callers for the capacity measurement")
    parser.add_argument("--touchpoints", type=int, default=4, help="touchpoints (or interactions) per call")
    parser.add_argument("--deadline", type=float, default=30, help="each call's deadline, seconds")
    parser.add_argument("--max-requests", type=int, default=1_000_000, help="stop after this many calls")
    parser.add_argument("--rss-growth", type=float, default=0.10, help="allowed late/early RSS growth")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    report = run(args)
    if args.json:
        print(json.dumps(report, sort_keys=True))
    else:
        for key, value in report.items():
            print(f"{key:32} {value}")
    return 0 if report["passed"] else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
