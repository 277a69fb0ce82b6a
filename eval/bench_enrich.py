"""Benchmark: in-process enrichment throughput, encoder passes per text, resident memory.

    python -m eval.bench_enrich [--n 2000] [--datasets ../shared/datasets] [--server] [--backend B ...] [--naive]

Texts are the first N Banking77 training utterances when the datasets folder is
there (short customer texts, ~12 words), else a built-in set of varied templates.
With ``--server`` it also starts ``journeymine serve`` in a subprocess and reports
the server's resident memory after it has enriched the same texts over gRPC.

``--naive`` also times the stack a user would assemble without journeymine, on the same texts:
a sentiment classifier, a separate intent classifier and ``BERTopic.transform``, each encoding
every text again (three encoder passes; the BERTopic model is fitted first, untimed, on the same
texts with the published all-MiniLM-L6-v2). Its classifiers are the shipped heads, so the
comparison isolates the passes and BERTopic's UMAP + HDBSCAN assignment, not head quality.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import resource
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

SUBJECTS = ["my card", "the app", "my refund", "the delivery", "your agent", "the invoice", "my account", "the router"]
PREDICATES = [
    "still has not arrived after two weeks",
    "keeps crashing when I log in",
    "was charged twice this month",
    "was really helpful, thank you",
    "is blocked and I do not know why",
    "works fine now, thanks a lot",
    "needs to be updated with my new address",
    "is the worst experience I have had",
]


def builtin_texts(n: int) -> list[str]:
    combos = itertools.cycle(itertools.product(SUBJECTS, PREDICATES, range(1000)))
    return [f"{s.capitalize()} {p} (ref {k})." for s, p, k in itertools.islice(combos, n)]


def load_texts(n: int, datasets: Path) -> tuple[list[str], str]:
    path = datasets / "banking77" / "train.csv"
    if path.is_file():
        with path.open(newline="") as f:
            rows = [row["text"] for row in csv.DictReader(f)]
        return rows[:n], f"first {n} Banking77 train texts"
    return builtin_texts(n), f"{n} built-in template texts"


def rss_mib(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_in_process(texts: list[str], backend: str = "torch") -> dict[str, float]:
    from models.encoder import EncoderConfig
    from pipelines.domain import Interaction, PlainText
    from pipelines.factory import build_enricher

    t0 = time.perf_counter()
    enricher = build_enricher(encoder_config=EncoderConfig(backend=backend))
    load_s = time.perf_counter() - t0
    interactions = [Interaction(id=str(i), content=PlainText(t)) for i, t in enumerate(texts)]
    enricher.enrich(interactions[:64])  # warm-up: first-call allocations, spaCy/torch lazy init
    encoder = enricher.encoder
    before = getattr(encoder, "texts_encoded", 0)
    t0 = time.perf_counter()
    batch = 64
    for i in range(0, len(interactions), batch):
        enricher.enrich(interactions[i : i + batch])
    elapsed = time.perf_counter() - t0
    encoded = getattr(encoder, "texts_encoded", 0) - before
    return {
        "texts": len(texts),
        "seconds": round(elapsed, 2),
        "texts_per_s": round(len(texts) / elapsed, 1),
        "encoder_passes_per_text": round(encoded / len(texts), 3),
        "model_load_s": round(load_s, 1),
        "rss_mib": round(rss_mib(), 0),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0),
    }


def bench_naive(texts: list[str]) -> dict[str, float]:
    """Three services, three passes: sentiment, intent, then BERTopic.transform, each on every text."""
    from bertopic import BERTopic

    from pipelines.factory import build_enricher, build_pretrained_encoder

    enricher = build_enricher()
    sentiment, intent = enricher.sentiment, enricher.intent_stage(None)
    model = build_pretrained_encoder()._model  # the SentenceTransformer a user would load
    topics = BERTopic(embedding_model=model)
    topics.fit(texts, model.encode(texts, batch_size=64))  # untimed: a fitted model is the starting point
    t0 = time.perf_counter()
    for i in range(0, len(texts), 64):
        batch = texts[i : i + 64]
        sentiment.predict(enricher.encoder.encode(batch))
        intent.predict(enricher.encoder.encode(batch))
        topics.transform(batch)  # encodes again with its embedding model, then UMAP + HDBSCAN
    elapsed = time.perf_counter() - t0
    return {"texts": len(texts), "seconds": round(elapsed, 2), "texts_per_s": round(len(texts) / elapsed, 1)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def bench_server(texts: list[str]) -> dict[str, float]:
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    from journeymine.v1 import enrichment_service_pb2 as pb
    from journeymine.v1 import enrichment_service_pb2_grpc as pb_grpc
    from journeymine.v1 import interaction_pb2

    port = _free_port()
    exe = Path(sys.executable).with_name("journeymine")
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(exe), "serve", "--port", str(port)], stdout=subprocess.DEVNULL)
    try:
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        health = health_pb2_grpc.HealthStub(channel)
        deadline = time.monotonic() + 300
        while True:
            try:
                status = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=2).status
                if status == health_pb2.HealthCheckResponse.SERVING:
                    break
            except grpc.RpcError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("server did not become SERVING")
            time.sleep(0.2)
        ready_s = time.perf_counter() - t0
        stub = pb_grpc.EnrichmentServiceStub(channel)
        rss_idle = rss_mib(proc.pid)
        t0 = time.perf_counter()
        for i in range(0, len(texts), 64):
            request = pb.EnrichRequest(
                interactions=[
                    interaction_pb2.Interaction(id=str(i + j), customer_id="bench", text=t)
                    for j, t in enumerate(texts[i : i + 64])
                ]
            )
            stub.Enrich(request, timeout=120)
        elapsed = time.perf_counter() - t0
        report: dict[str, float] = {
            "start_to_serving_s": round(ready_s, 1),
            "grpc_texts_per_s_1_client_batches_of_64": round(len(texts) / elapsed, 1),
            "server_rss_idle_mib": round(rss_idle, 0),
        }
        # Many clients, one short text per call: what server micro-batching is for.
        for clients in (1, 4, 16):
            rate, _ = _concurrent(stub, texts, clients)
            report[f"grpc_texts_per_s_{clients}_clients_single_text"] = round(rate, 1)
        _, latencies = _concurrent(stub, texts[:800], 8)
        report["single_text_latency_ms_8_clients_p50"] = round(_percentile(latencies, 50), 1)
        report["single_text_latency_ms_8_clients_p99"] = round(_percentile(latencies, 99), 1)
        report["server_rss_after_mib"] = round(rss_mib(proc.pid), 0)
        return report
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def _concurrent(stub: Any, texts: list[str], clients: int) -> tuple[float, list[float]]:
    """(texts/s, per-call latencies in ms) with ``clients`` threads each sending one text per call."""
    from concurrent.futures import ThreadPoolExecutor

    from journeymine.v1 import enrichment_service_pb2 as pb
    from journeymine.v1 import interaction_pb2

    def worker(k: int) -> list[float]:
        out = []
        for i in range(k, len(texts), clients):
            request = pb.EnrichRequest(interactions=[interaction_pb2.Interaction(id=str(i), text=texts[i])])
            began = time.perf_counter()
            stub.Enrich(request, timeout=120)
            out.append((time.perf_counter() - began) * 1000)
        return out

    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        latencies = [x for part in pool.map(worker, range(clients)) for x in part]
    return len(texts) / (time.perf_counter() - t0), latencies


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="number of texts (default 2000)")
    default_datasets = Path(os.environ.get("JOURNEYMINE_DATASETS", "../shared/datasets"))
    parser.add_argument("--datasets", type=Path, default=default_datasets, help="where banking77/ lives")
    parser.add_argument("--server", action="store_true", help="also measure a real server over gRPC")
    parser.add_argument(
        "--backend", action="append", choices=["torch", "onnx", "onnx-int8"], help="encoder backend(s) (default torch)"
    )
    parser.add_argument("--naive", action="store_true", help="also time the naive three-pass stack")
    args = parser.parse_args(argv)
    texts, source = load_texts(args.n, args.datasets)
    report: dict[str, object] = {"data": source, "cpu_count": os.cpu_count()}
    backends = args.backend or ["torch"]
    for backend in backends:
        key = "in_process" if backend == "torch" else f"in_process_{backend}"
        report[key] = bench_in_process(texts, backend)
    if args.naive:
        report["naive_three_pass"] = naive = bench_naive(texts)
        full = report.get("in_process")
        if isinstance(full, dict):
            report["full_over_naive"] = round(full["texts_per_s"] / naive["texts_per_s"], 2)
    if args.server:
        report["server"] = bench_server(texts)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
