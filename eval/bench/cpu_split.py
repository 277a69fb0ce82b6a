"""Where the CPU goes per text over gRPC: the server, its spaCy parser process and the clients, by call shape.

    python -m eval.bench.cpu_split --datasets ../shared/datasets            # onnx-int8, 2,000 Banking77 texts
    python -m eval.bench.cpu_split --backend onnx --shape 16x1 --shape 1x64

Starts ``journeymine serve`` in a subprocess (as ``eval.bench.enrich`` does), then for each shape
(``CLIENTSxTEXTS_PER_CALL``) sends every text once and prints texts/s with the CPU milliseconds per text
of each process (from /proc, Linux only) and the share of the machine left idle. Comparing one text per
call with 64 per call shows what the per-call path costs: on a 2-core AMD EPYC without VNNI (2026-12-02)
16x1 ran at 103.6 texts/s for 10.72 (server) + 6.12 (parser) + 0.56 (clients) ms per text, 1x64 at 129.1
for 8.77 + 4.54 + 0.04, the machine 9 % and 13 % idle (the figures in docs/speed.md).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from eval.bench.enrich import _children, _concurrent, _free_port, _serve, load_texts, wait_serving

TICKS = os.sysconf("SC_CLK_TCK")


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of ``pid`` (its threads included)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def machine_idle_s() -> tuple[float, float]:
    """(all CPU seconds, idle + iowait seconds) of the machine since boot."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(values) / TICKS, (values[3] + values[4]) / TICKS


def shape(text: str) -> tuple[int, int]:
    clients, _, per_call = text.partition("x")
    try:
        parsed = int(clients), int(per_call)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--shape {text!r}: write CLIENTSxTEXTS_PER_CALL, e.g. 16x1") from None
    if min(parsed) < 1:
        raise argparse.ArgumentTypeError(f"--shape {text!r}: clients and texts per call must be at least 1")
    return parsed


def main(argv: list[str] | None = None) -> int:
    import grpc

    from journeymine.v1 import enrichment_service_pb2_grpc as pb_grpc

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="number of texts (default 2000)")
    parser.add_argument("--datasets", type=Path, default=Path("../shared/datasets"), help="where banking77/ lives")
    parser.add_argument("--backend", default="onnx-int8", choices=["torch", "onnx", "onnx-int8"])
    parser.add_argument(
        "--shape", type=shape, action="append", help="CLIENTSxTEXTS_PER_CALL (default 16x1, 1x64, 16x16)"
    )
    args = parser.parse_args(argv)
    if not Path("/proc/self/stat").exists():
        parser.error("needs Linux /proc to read each process's CPU time")
    texts, source = load_texts(args.n, args.datasets)
    port = _free_port()
    proc = _serve(port, args.backend)
    try:
        stub = pb_grpc.EnrichmentServiceStub(channel := grpc.insecure_channel(f"127.0.0.1:{port}"))
        wait_serving(channel, proc)
        _concurrent(stub, texts[:256], 16)  # warm-up
        parsers = _children(proc.pid)
        print(f"{source}, {args.backend}; CPU ms per text")
        server_side: dict[tuple[int, int], float] = {}
        for clients, per_call in args.shape or [(16, 1), (1, 64), (16, 16)]:
            server0, parser0, client0 = process_cpu_s(proc.pid), sum(map(process_cpu_s, parsers)), os.times()
            total0, idle0 = machine_idle_s()
            rate, _ = _concurrent(stub, texts, clients, per_call=per_call)
            total1, idle1 = machine_idle_s()
            client1 = os.times()
            per_text = 1000 / len(texts)
            server = (process_cpu_s(proc.pid) - server0) * per_text
            parse = (sum(map(process_cpu_s, parsers)) - parser0) * per_text
            client = (client1.user + client1.system - client0.user - client0.system) * per_text
            idle = (idle1 - idle0) / max(total1 - total0, 1e-9)
            print(
                f"{clients:>3} clients x {per_call:>3} texts per call: {rate:7.1f} texts/s  server {server:5.2f}"
                f"  parser {parse:5.2f}  clients {client:5.2f}  total {server + parse + client:5.2f}  idle {idle:4.0%}",
                flush=True,
            )
            server_side[clients, per_call] = server + parse
        if (16, 1) in server_side and (1, 64) in server_side:  # the bar: at most 1.10
            ratio = server_side[16, 1] / server_side[1, 64]
            print(f"server-side CPU per text (server + parser), 16x1 / 1x64: {ratio:.2f}")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
