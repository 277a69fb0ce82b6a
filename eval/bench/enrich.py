"""Benchmark: enrichment throughput in-process, over gRPC and as a batch job, side by side, in one run.

    python -m eval.bench.enrich                      # everything (`make bench`), ~10 minutes on 2 cores
    python -m eval.bench.enrich --only in-process    # parts: in-process, encoders, naive, server, batch
    python -m eval.bench.enrich --backend onnx-int8 --server-backend onnx-int8 --batch-n 100000

Texts are the first N Banking77 training utterances when the datasets folder is
there (short customer texts, ~12 words), else a built-in set of varied templates.

- in-process: full enrichment (every signal) per encoder backend, through ``Enricher.enrich_batches``
  (what the batch job runs), the same through plain ``enrich`` calls one batch at a time, the same
  without entities (the parse then runs only the dependency parser), the same with a free parse (the
  blank pipeline's rule sentences, no entities: the ceiling any faster parse could reach), and the
  encoder pass alone (where the backends differ);
- encoders: the encoder pass alone per backend again, the backends taking turns over three rounds (median
  each), so the int8 / fp32 ratio compares runs seconds apart, not minutes (this machine's speed drifts);
- naive: the three-pass stack below, on the same texts;
- latency: only the server part's p50/p99 of one text per call at 8 clients, on a server of its own;
- server: ``journeymine serve`` in a subprocess: start to health SERVING, resident memory, texts/s with
  1, 4 and 16 clients sending one text per call and 16 clients sending 16, latency p50/p99 at 8 clients
  of a single short text (at most 25 tokens, the issue's short text) and of any text of the set;
- batch: ``journeymine enrich`` in a subprocess over ``--batch-n`` texts (cycled), end to end.

``--naive`` also times the stack a user would assemble without journeymine, on the same texts:
a sentiment classifier, a separate intent classifier (both on sentence-transformers, torch) and
``BERTopic.transform``, each encoding every text again (three encoder passes; the BERTopic model is
fitted first, untimed, on the same texts with the published all-MiniLM-L6-v2). Its classifiers are
the shipped heads, so the comparison isolates the passes and BERTopic's UMAP + HDBSCAN assignment,
not head quality.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from models.encoder import EncoderConfig

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
    from pipelines.enrichment.domain import DEFAULT_SIGNALS, EnrichOptions, Interaction, PlainText, SignalKind
    from pipelines.factory import build_enricher

    t0 = time.perf_counter()
    enricher = build_enricher(encoder_config=EncoderConfig(backend=backend))
    load_s = time.perf_counter() - t0
    interactions = [Interaction(id=str(i), content=PlainText(t)) for i, t in enumerate(texts)]
    enricher.enrich(interactions[:64])  # warm-up: first-call allocations, spaCy/torch lazy init
    batches = [interactions[i : i + 64] for i in range(0, len(interactions), 64)]
    encoder = enricher.encoder
    before = getattr(encoder, "texts_encoded", 0)
    t0 = time.perf_counter()
    for _ in enricher.enrich_batches(batches):
        pass
    pipelined = time.perf_counter() - t0
    encoded = getattr(encoder, "texts_encoded", 0) - before
    t0 = time.perf_counter()
    for batch in batches:
        enricher.enrich(batch)
    one_at_a_time = time.perf_counter() - t0
    # Without entities the parse needs only the dependency parser for sentences (pipelines/enrichment/parsing.py).
    lean = EnrichOptions(signals=DEFAULT_SIGNALS - {SignalKind.ENTITIES})
    t0 = time.perf_counter()
    for _ in enricher.enrich_batches(batches, lean):
        pass
    without_entities = time.perf_counter() - t0
    free_parse = _with_free_parse(enricher, batches)
    texts_only = sorted(set(texts))  # the encoder pass alone, where the backends differ
    t0 = time.perf_counter()
    for i in range(0, len(texts_only), 64):
        encoder.encode(texts_only[i : i + 64])
    encoder_only = time.perf_counter() - t0
    return {
        "texts": len(texts),
        "seconds": round(pipelined, 2),
        "texts_per_s": round(len(texts) / pipelined, 1),
        "texts_per_s_unpipelined": round(len(texts) / one_at_a_time, 1),
        "texts_per_s_without_entities": round(len(texts) / without_entities, 1),
        "texts_per_s_free_parse": round(len(texts) / free_parse, 1),
        "encoder_only_texts_per_s": round(len(texts_only) / encoder_only, 1),
        "encoder_passes_per_text": round(encoded / len(texts), 3),
        "model_load_s": round(load_s, 1),
        "rss_mib": round(rss_mib(), 0),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0),
    }


def _with_free_parse(enricher: Any, batches: list[list[Any]]) -> float:
    """Seconds of full enrichment of ``batches`` with the cheapest parse there is, the blank pipeline (rule
    sentences, no entities) in a parser process of its own: what the rest of enrichment costs, so the
    most that any faster parse could bring."""
    from models.nlp import BLANK_PACKAGE
    from pipelines.enrichment.parsing import SubprocessParser

    parser, free = enricher.parser, SubprocessParser(package=BLANK_PACKAGE, batch_size=enricher.config.parse_batch_size)
    enricher.parser = free
    try:
        enricher.enrich(batches[0])  # warm-up, as for the full parse
        t0 = time.perf_counter()
        for _ in enricher.enrich_batches(batches):
            pass
        return time.perf_counter() - t0
    finally:
        enricher.parser = parser
        free.close()


SENTIMENT_MODELS = ("sentiment.v2", "sentiment", "permissive")  # the previous default, today's, the permissive one


def bench_sentiment_models(texts: list[str], rounds: int = 3) -> dict[str, float]:
    """In-process full enrichment with each shipped sentiment model, rounds interleaved on one enricher.

    Every model is a linear head on the shared embeddings, so the difference is the cost of the head alone.
    """
    from pipelines.enrichment.domain import EnrichOptions, Interaction, PlainText
    from pipelines.factory import build_enricher

    enricher = build_enricher()
    interactions = [Interaction(id=str(i), content=PlainText(t)) for i, t in enumerate(texts)]
    batches = [interactions[i : i + 64] for i in range(0, len(interactions), 64)]
    options = {name: EnrichOptions(sentiment_model=name) for name in SENTIMENT_MODELS}
    for o in options.values():
        enricher.enrich(interactions[:64], o)  # warm-up, and every head loaded before timing
    seconds = dict.fromkeys(SENTIMENT_MODELS, 0.0)
    for _ in range(rounds):
        for name, o in options.items():
            t0 = time.perf_counter()
            for batch in batches:
                enricher.enrich(batch, o)
            seconds[name] += time.perf_counter() - t0
    enricher.close()
    out = {f"{name}_texts_per_s": round(rounds * len(texts) / seconds[name], 1) for name in SENTIMENT_MODELS}
    out["v3_over_v2"] = round(seconds["sentiment.v2"] / seconds["sentiment"], 3)
    return out


def bench_encoders(texts: list[str], rounds: int = 3) -> dict[str, float]:
    """The encoder pass alone per backend, the backends taking turns for ``rounds`` rounds; the median of each."""
    from pipelines.factory import build_encoder

    unique = sorted(set(texts))
    encoders = {backend: build_encoder(EncoderConfig(backend=backend)) for backend in ("torch", "onnx", "onnx-int8")}
    for encoder in encoders.values():
        encoder.encode(unique[:64])  # warm-up
    rates: dict[str, list[float]] = {backend: [] for backend in encoders}
    for _ in range(rounds):
        for backend, encoder in encoders.items():
            t0 = time.perf_counter()
            for i in range(0, len(unique), 64):
                encoder.encode(unique[i : i + 64])
            rates[backend].append(len(unique) / (time.perf_counter() - t0))
    out: dict[str, float] = {f"{b}_texts_per_s": round(statistics.median(r), 1) for b, r in rates.items()}
    return {**out, "texts": len(unique), "rounds": rounds}


def bench_naive(texts: list[str]) -> dict[str, float]:
    """Three services, three passes: sentiment, intent, then BERTopic.transform, each on every text."""
    from bertopic import BERTopic

    from models.encoder import build_encoder, build_pretrained_encoder
    from pipelines.factory import build_enricher

    enricher = build_enricher()
    sentiment, intent = enricher.sentiment, enricher.intent_stage(None)
    encoder = build_encoder(EncoderConfig(backend="torch"))  # sentence-transformers, as a user would run it
    model = build_pretrained_encoder()._model  # the SentenceTransformer a user would load
    topics = BERTopic(embedding_model=model)
    topics.fit(texts, model.encode(texts, batch_size=64))  # untimed: a fitted model is the starting point
    t0 = time.perf_counter()
    for i in range(0, len(texts), 64):
        batch = texts[i : i + 64]
        sentiment.predict(encoder.encode(batch))
        intent.predict(encoder.encode(batch))
        topics.transform(batch)  # encodes again with its embedding model, then UMAP + HDBSCAN
    elapsed = time.perf_counter() - t0
    return {"texts": len(texts), "seconds": round(elapsed, 2), "texts_per_s": round(len(texts) / elapsed, 1)}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(port: int, backend: str, stdout: Any = subprocess.DEVNULL) -> subprocess.Popen[bytes]:
    exe = Path(sys.executable).with_name("journeymine")
    env = {**os.environ, "JOURNEYMINE_MODELS__ENCODER__BACKEND": backend}
    return subprocess.Popen([str(exe), "serve", "--port", str(port)], stdout=stdout, env=env)


def wait_serving(channel: Any, proc: subprocess.Popen[bytes], timeout_s: float = 300) -> None:
    """Poll health on ``channel`` until SERVING; raise if ``proc`` exits or ``timeout_s`` passes first."""
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    health = health_pb2_grpc.HealthStub(channel)
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            status = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=2).status
            if status == health_pb2.HealthCheckResponse.SERVING:
                return
        except grpc.RpcError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError("server did not become SERVING")
        time.sleep(0.05)


def bench_server(texts: list[str], backend: str) -> dict[str, Any]:
    import grpc

    from journeymine.v1 import enrichment_service_pb2 as pb
    from journeymine.v1 import enrichment_service_pb2_grpc as pb_grpc
    from journeymine.v1 import interaction_pb2

    port = _free_port()
    t0 = time.perf_counter()
    proc = _serve(port, backend)
    try:
        # Reconnect fast while the server starts: the default backoff (1 s, growing) would be counted as start time.
        fast_retry = [("grpc.initial_reconnect_backoff_ms", 20), ("grpc.max_reconnect_backoff_ms", 50)]
        channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=fast_retry)
        wait_serving(channel, proc)
        ready_s = time.perf_counter() - t0
        stub = pb_grpc.EnrichmentServiceStub(channel)
        rss_idle = rss_mib(proc.pid)
        _concurrent(stub, texts[:64], 4)  # warm-up
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
        report: dict[str, Any] = {
            "backend": backend,
            "start_to_serving_s": round(ready_s, 1),
            "grpc_texts_per_s_1_client_batches_of_64": round(len(texts) / elapsed, 1),
            "server_rss_idle_mib": round(rss_idle, 0),
        }
        # Many clients, one short text per call: what server micro-batching is for.
        for clients in (1, 4, 16):
            rate, _ = _concurrent(stub, texts, clients)
            report[f"grpc_texts_per_s_{clients}_clients_single_text"] = round(rate, 1)
        # Journey pipelines send many interactions per call: 16 clients, 16 texts each.
        rate, _ = _concurrent(stub, texts, 16, per_call=16)
        report["grpc_texts_per_s_16_clients_16_texts_per_call"] = round(rate, 1)
        report.update(latency_at_8_clients(stub, texts))
        report["server_rss_after_mib"] = round(rss_mib(proc.pid), 0)
        # The spaCy parser process (pipelines/enrichment/parsing.py) is part of the server's footprint.
        report["server_and_parser_rss_after_mib"] = round(rss_mib(proc.pid) + sum(map(rss_mib, _children(proc.pid))), 0)
        return report
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def latency_at_8_clients(stub: Any, texts: list[str]) -> dict[str, Any]:
    """p50/p99 ms of one text per call at 8 clients: the issue's short texts (at most 25 tokens), then any text."""
    short = short_texts(texts)
    report: dict[str, Any] = {"short_texts": f"{len(short)} of {len(texts)} at most {SHORT_TOKENS} tokens"}
    for name, sample in (("single_text", short[:1600]), ("any_text", texts[:1600])):
        _, latencies = _concurrent(stub, sample, 8)
        report[f"{name}_latency_ms_8_clients_p50"] = round(_percentile(latencies, 50), 1)
        report[f"{name}_latency_ms_8_clients_p99"] = round(_percentile(latencies, 99), 1)
    return report


def bench_latency(texts: list[str], backend: str) -> dict[str, Any]:
    """``latency_at_8_clients`` alone, on a server of its own (the ``server`` part measures it too)."""
    import grpc

    from journeymine.v1 import enrichment_service_pb2_grpc as pb_grpc

    port = _free_port()
    proc = _serve(port, backend)
    try:
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        wait_serving(channel, proc)
        stub = pb_grpc.EnrichmentServiceStub(channel)
        _concurrent(stub, texts[:64], 4)  # warm-up
        return {"backend": backend, **latency_at_8_clients(stub, texts)}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


SHORT_TOKENS = 25


def short_texts(texts: list[str]) -> list[str]:
    """The texts of at most SHORT_TOKENS encoder tokens (special tokens included)."""
    from transformers import AutoTokenizer

    from models.encoder import default_model_path

    tokenizer = AutoTokenizer.from_pretrained(str(default_model_path()))
    return [t for t in texts if len(tokenizer(t)["input_ids"]) <= SHORT_TOKENS]


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


def bench_batch(texts: list[str], n: int, backend: str) -> dict[str, Any]:
    """``journeymine enrich`` over ``n`` texts (the bench texts, cycled, each row its own id), end to end."""
    import tempfile

    exe = Path(sys.executable).with_name("journeymine")
    env = {**os.environ, "JOURNEYMINE_MODELS__ENCODER__BACKEND": backend}
    with tempfile.TemporaryDirectory(prefix="jm-bench-batch-") as tmp:
        src, out = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        with src.open("w", encoding="utf-8") as f:
            for i in range(n):
                f.write(json.dumps({"id": f"r{i}", "text": texts[i % len(texts)]}) + "\n")
        t0 = time.perf_counter()
        done = subprocess.run(
            [str(exe), "enrich", "--in", str(src), "--out", str(out), "--json"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        wall = time.perf_counter() - t0
        summary = json.loads(done.stdout)
        lines = sum(1 for _ in out.open("rb"))
    return {
        "backend": backend,
        "rows": n,
        "rows_written": lines,
        "texts_per_s_enriching": round(summary["rows_per_s"], 1),
        "wall_s_incl_model_load": round(wall, 1),
        "texts_per_s_wall": round(n / wall, 1),
    }


def _concurrent(stub: Any, texts: list[str], clients: int, per_call: int = 1) -> tuple[float, list[float]]:
    """(texts/s, per-call latencies in ms) with ``clients`` threads each sending ``per_call`` texts per call."""
    from concurrent.futures import ThreadPoolExecutor

    from journeymine.v1 import enrichment_service_pb2 as pb
    from journeymine.v1 import interaction_pb2

    calls = [range(i, min(i + per_call, len(texts))) for i in range(0, len(texts), per_call)]

    def worker(k: int) -> list[float]:
        out = []
        for call in calls[k::clients]:
            request = pb.EnrichRequest(
                interactions=[interaction_pb2.Interaction(id=str(i), text=texts[i]) for i in call]
            )
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


PARTS = ("in-process", "sentiment-models", "encoders", "naive", "server", "latency", "batch")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="number of texts (default 2000)")
    default_datasets = Path(os.environ.get("JOURNEYMINE_DATASETS", "../shared/datasets"))
    parser.add_argument("--datasets", type=Path, default=default_datasets, help="where banking77/ lives")
    parser.add_argument("--only", action="append", choices=PARTS, help="run only these parts (repeatable)")
    parser.add_argument(
        "--backend",
        action="append",
        choices=["torch", "onnx", "onnx-int8"],
        help="in-process encoder backend(s) (default: all three)",
    )
    parser.add_argument(
        "--server-backend",
        default=EncoderConfig().backend,
        help="the server's and batch job's backend (default: the default)",
    )
    parser.add_argument("--batch-n", type=int, default=20_000, help="rows for the batch job (default 20000)")
    args = parser.parse_args(argv)
    parts = set(args.only or PARTS)
    texts, source = load_texts(args.n, args.datasets)
    report: dict[str, Any] = {"data": source, "cpu_count": os.cpu_count()}
    if "in-process" in parts:
        for backend in args.backend or ["torch", "onnx", "onnx-int8"]:
            report[f"in_process_{backend}"] = bench_in_process(texts, backend)
    if "sentiment-models" in parts:
        report["sentiment_models"] = bench_sentiment_models(texts)
    if "encoders" in parts:
        report["encoders_interleaved"] = bench_encoders(texts)
    if "naive" in parts:
        report["naive_three_pass"] = bench_naive(texts)
    if "server" in parts:
        report["server"] = bench_server(texts, args.server_backend)
    if "latency" in parts and "server" not in parts:  # the server part measures it already
        report["latency"] = bench_latency(texts, args.server_backend)
    if "batch" in parts:
        report["batch"] = bench_batch(texts, args.batch_n, args.server_backend)
    report["ratios"] = ratios(report, args.server_backend)
    print(json.dumps(report, indent=2))
    sys.stderr.write(side_by_side(report) + "\n")
    return 0


def ratios(report: dict[str, Any], served: str) -> dict[str, float]:
    """The issue's bars as ratios of the figures measured in this run (those it has)."""
    rate = {k.removeprefix("in_process_"): v["texts_per_s"] for k, v in report.items() if k.startswith("in_process_")}
    fp32 = max((rate[b] for b in ("torch", "onnx") if b in rate), default=None)
    out: dict[str, float] = {}
    naive = report.get("naive_three_pass", {}).get("texts_per_s")
    if naive and fp32:
        out["fp32_full_over_naive"] = round(fp32 / naive, 2)
    if naive and "onnx-int8" in rate:
        out["int8_full_over_naive"] = round(rate["onnx-int8"] / naive, 2)
    if fp32 and "onnx-int8" in rate:
        out["int8_over_fp32"] = round(rate["onnx-int8"] / fp32, 2)
    encoder_rate = {
        k.removeprefix("in_process_"): v["encoder_only_texts_per_s"]
        for k, v in report.items()
        if k.startswith("in_process_")
    }
    if "onnx" in encoder_rate and "onnx-int8" in encoder_rate:
        out["int8_over_fp32_encoder_only"] = round(encoder_rate["onnx-int8"] / encoder_rate["onnx"], 2)
    for backend, value in rate.items():  # the bar: full enrichment at 0.6 of the encoder pass alone or more
        if encoder_rate.get(backend):
            out[f"{backend}_full_over_encoder_only"] = round(value / encoder_rate[backend], 2)
            for name in ("without_entities", "free_parse"):  # the lean parse; no parse cost (the ceiling)
                other = report[f"in_process_{backend}"].get(f"texts_per_s_{name}")
                if other:
                    out[f"{backend}_{name}_over_encoder_only"] = round(other / encoder_rate[backend], 2)
    interleaved = report.get("encoders_interleaved")
    if interleaved:
        out["int8_over_fp32_encoder_only_interleaved"] = round(
            interleaved["onnx-int8_texts_per_s"] / interleaved["onnx_texts_per_s"], 2
        )
    server, batch = report.get("server"), report.get("batch")
    latency = server or report.get("latency")
    if latency:  # the bar: p99 at most 1.5 times p50
        out["single_text_p99_over_p50"] = round(
            latency["single_text_latency_ms_8_clients_p99"] / latency["single_text_latency_ms_8_clients_p50"], 2
        )
    if server and served in rate:
        out["grpc_16_clients_over_in_process"] = round(
            server["grpc_texts_per_s_16_clients_single_text"] / rate[served], 2
        )
        out["grpc_16_clients_16_texts_per_call_over_in_process"] = round(
            server["grpc_texts_per_s_16_clients_16_texts_per_call"] / rate[served], 2
        )
    if batch and served in rate:
        out["batch_over_in_process"] = round(batch["texts_per_s_enriching"] / rate[served], 2)
    return out


def side_by_side(report: dict[str, Any]) -> str:
    """The headline figures as a table (stderr; stdout keeps the one JSON object)."""
    rows = [("data", report["data"])]
    for key, value in report.items():
        if key.startswith("in_process_"):
            rows.append(
                (
                    f"in-process {key.removeprefix('in_process_')} texts/s (unpipelined; encoder only)",
                    f"{value['texts_per_s']} ({value['texts_per_s_unpipelined']}; {value['encoder_only_texts_per_s']})",
                )
            )
            rows.append(
                (
                    f"in-process {key.removeprefix('in_process_')} without entities; with a free parse texts/s",
                    f"{value['texts_per_s_without_entities']}; {value['texts_per_s_free_parse']}",
                )
            )
    interleaved = report.get("encoders_interleaved")
    if interleaved:
        rows.append(
            (
                f"encoder pass alone, taking turns, median of {interleaved['rounds']}: torch / onnx / onnx-int8",
                " / ".join(str(interleaved[f"{b}_texts_per_s"]) for b in ("torch", "onnx", "onnx-int8")),
            )
        )
    if "naive_three_pass" in report:
        rows.append(("naive three-pass stack texts/s", report["naive_three_pass"]["texts_per_s"]))
    server = report.get("server")
    if server:
        rows += [
            (
                f"gRPC ({server['backend']}) texts/s at 1 / 4 / 16 clients",
                " / ".join(str(server[f"grpc_texts_per_s_{c}_clients_single_text"]) for c in (1, 4, 16)),
            ),
            ("gRPC texts/s at 16 clients, 16 texts per call", server["grpc_texts_per_s_16_clients_16_texts_per_call"]),
            (
                f"single short text at 8 clients p50 / p99 ms ({server['short_texts']})",
                f"{server['single_text_latency_ms_8_clients_p50']} / {server['single_text_latency_ms_8_clients_p99']}",
            ),
            (
                "any text of the set at 8 clients p50 / p99 ms",
                f"{server['any_text_latency_ms_8_clients_p50']} / {server['any_text_latency_ms_8_clients_p99']}",
            ),
            ("start to SERVING s", server["start_to_serving_s"]),
            (
                "server resident MiB idle / after / with parser",
                f"{server['server_rss_idle_mib']} / {server['server_rss_after_mib']} / "
                f"{server['server_and_parser_rss_after_mib']}",
            ),
        ]
    latency = report.get("latency")
    if latency:
        p50, p99 = (latency[f"single_text_latency_ms_8_clients_p{q}"] for q in (50, 99))
        rows.append((f"single short text at 8 clients p50 / p99 ms ({latency['short_texts']})", f"{p50} / {p99}"))
    batch = report.get("batch")
    if batch:
        rows.append((f"batch job ({batch['backend']}) {batch['rows']} rows texts/s", batch["texts_per_s_enriching"]))
    rows += [(name, value) for name, value in report.get("ratios", {}).items()]
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


if __name__ == "__main__":
    sys.exit(main())
