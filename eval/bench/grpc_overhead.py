"""What a unary gRPC call costs the server by itself: grpcio's sync server against its asyncio server (grpc.aio).

    python -m eval.bench.grpc_overhead                  # 8,000 calls from 16 client threads, each server twice
    python -m eval.bench.grpc_overhead --calls 20000 --clients 8

Each server answers a trivial handler (a 3 kB reply, the size of a one-text Enrich answer) and nothing else:
no interceptors, no conversion, no model. The clients run in a process of their own, so the server's CPU
(user + system, from ``os.times``) is its alone. The servers take turns, ``--rounds`` times each. This is
the floor of the per-call overhead that ``eval.bench.cpu_split`` measures for a whole Enrich call, and the
figure that says whether moving the service to grpc.aio would lower it (docs/speed.md).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import threading
import time
from concurrent import futures

import grpc

METHOD = "/journeymine.bench.Echo/Call"
REPLY = b"x" * 3000
REQUEST = b"r" * 200


def _cpu_s() -> float:
    times = os.times()
    return times.user + times.system


def _clients(port: int, calls: int, clients: int) -> float:
    """Run the clients in a child process; calls per second they saw."""
    command = [sys.executable, "-m", "eval.bench.grpc_overhead", "--client", str(port), "--calls", str(calls)]
    out = subprocess.run([*command, "--clients", str(clients)], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def _measure(port: int, calls: int, clients: int) -> tuple[float, float]:
    """(server CPU µs per call, calls/s) of ``calls`` calls to the server on ``port``, after a warm-up. The
    server runs in this process, so this process's CPU time is the server's."""
    _clients(port, min(calls, 1000), clients)  # warm-up
    before = _cpu_s()
    rate = _clients(port, calls, clients)
    return (_cpu_s() - before) / calls * 1e6, rate


def _client_main(port: int, calls: int, clients: int) -> None:
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    call = channel.unary_unary(METHOD)
    call(REQUEST, timeout=30)

    def worker() -> None:
        for _ in range(calls // clients):
            call(REQUEST, timeout=30)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    t0 = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(round(calls // clients * clients / (time.perf_counter() - t0), 1))


def _handlers(behaviour: object) -> grpc.GenericRpcHandler:
    service, method = METHOD.strip("/").split("/")
    handler = grpc.unary_unary_rpc_method_handler(behaviour)  # type: ignore[arg-type]
    return grpc.method_handlers_generic_handler(service, {method: handler})


def sync_server(calls: int, clients: int) -> tuple[float, float]:
    """(server CPU µs per call, calls/s) of grpc.server with a thread pool, as journeymine serves."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=32))
    server.add_generic_rpc_handlers([_handlers(lambda request, context: REPLY)])
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        return _measure(port, calls, clients)
    finally:
        server.stop(None)


def aio_server(calls: int, clients: int) -> tuple[float, float]:
    """(server CPU µs per call, calls/s) of grpc.aio.server, the handler a coroutine on its event loop."""

    async def reply(request: bytes, context: object) -> bytes:
        return REPLY

    async def run() -> tuple[float, float]:
        server = grpc.aio.server()
        server.add_generic_rpc_handlers([_handlers(reply)])
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        try:  # in a worker thread: the event loop must stay free to serve the calls
            return await asyncio.get_running_loop().run_in_executor(None, _measure, port, calls, clients)
        finally:
            await server.stop(None)

    return asyncio.run(run())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=8000, help="calls per measurement (default 8000)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent client threads (default 16)")
    parser.add_argument("--rounds", type=int, default=2, help="measurements of each server, taking turns")
    parser.add_argument("--client", type=int, metavar="PORT", help=argparse.SUPPRESS)  # the clients' process
    args = parser.parse_args(argv)
    if args.calls < args.clients or min(args.clients, args.rounds) < 1:
        parser.error("--calls must be at least --clients, and --clients and --rounds at least 1")
    if args.client is not None:
        _client_main(args.client, args.calls, args.clients)
        return 0
    print(f"{args.calls} unary calls from {args.clients} client threads in another process; server CPU per call")
    for round_ in range(1, args.rounds + 1):
        for name, run in (("sync (thread pool)", sync_server), ("grpc.aio", aio_server)):
            micros, rate = run(args.calls, args.clients)
            print(f"  round {round_}  {name:<18}  {micros:6.0f} µs a call   {rate:8.1f} calls/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
