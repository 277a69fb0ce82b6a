"""Wait until a server's gRPC health service says SERVING; print the milliseconds since its start.

    python container/wait_serving.py --address 127.0.0.1:50051 --started-ns "$(date +%s%N)" --pid "$!"

One process polling every 50 ms: `journeymine health` per poll would add its own start-up (seconds on a busy
machine) to the figure. Exit 1 when the process ``--pid`` exits first or ``--timeout`` passes.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def alive(pid: int | None) -> bool:
    """Whether process ``pid`` still runs (always true without one)."""
    if pid is None:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    """Poll until SERVING; print the elapsed milliseconds since ``--started-ns``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="127.0.0.1:50051")
    parser.add_argument("--started-ns", type=int, default=None, help="the server's start, ns since the epoch")
    parser.add_argument("--pid", type=int, default=None, help="give up when this process exits")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds")
    args = parser.parse_args(argv)
    started = args.started_ns if args.started_ns is not None else time.time_ns()
    deadline = time.monotonic() + args.timeout
    while True:
        # A fresh channel per poll: a channel whose connection was refused waits out gRPC's reconnect backoff
        # (1 s, 1.6 s, 2.6 s ...) before it tries again, which would add seconds to the figure.
        with grpc.insecure_channel(args.address) as channel:
            try:
                reply = health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1.0)
                if reply.status == health_pb2.HealthCheckResponse.SERVING:
                    print((time.time_ns() - started) // 1_000_000)
                    return 0
            except grpc.RpcError:
                pass  # not listening yet, or NOT_SERVING
        if not alive(args.pid):
            print(f"process {args.pid} exited before {args.address} was SERVING", file=sys.stderr)
            return 1
        if time.monotonic() > deadline:
            print(f"{args.address} not SERVING after {args.timeout:.0f} s", file=sys.stderr)
            return 1
        time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(main())
