"""``journeymine health``: ask a server's gRPC health service whether it is SERVING (the container health check).

    journeymine health                                   # 127.0.0.1:<server.port>, plaintext
    journeymine health --address 10.0.0.5:50051 --service journeymine.v1.JourneyService
    journeymine health --ca-file ca.crt                  # the server uses TLS; verify it against this CA
    journeymine health --server-name api.example.com     # the certificate's name, when not the address's host

Exit status 0 when the server answers SERVING, 1 otherwise (NOT_SERVING, unreachable, timed out).
Health needs no token. With ``tls.cert_file`` set, the check speaks TLS (trusting ``--ca-file``, or
the server's own certificate when none is given). A server with mutual TLS needs ``--cert-file`` and
``--key-file`` as well.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from service.config import Settings


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``health`` subcommand to the ``journeymine`` parser."""
    p = subparsers.add_parser("health", help="exit 0 when the server's gRPC health service says SERVING")
    p.add_argument("--address", metavar="HOST:PORT", help="server address (default 127.0.0.1:<server.port>)")
    p.add_argument("--service", default="", help="a service name to check (default: the whole server)")
    p.add_argument("--timeout", type=float, default=3.0, metavar="S", help="give up after S seconds (default 3)")
    p.add_argument("--ca-file", type=Path, help="CA that signed the server's certificate (TLS)")
    p.add_argument("--cert-file", type=Path, help="client certificate (mutual TLS)")
    p.add_argument("--key-file", type=Path, help="client key (mutual TLS)")
    p.add_argument("--server-name", help="the name the server's certificate carries, when not the address's host")
    p.add_argument("--config", type=Path, metavar="FILE", help="TOML settings file (overrides JOURNEYMINE_CONFIG)")
    p.set_defaults(handler=run, overrides=lambda args: {})


def _channel(args: argparse.Namespace, settings: Settings, address: str) -> grpc.Channel:
    tls = settings.tls
    if not (tls.enabled or args.ca_file):
        return grpc.insecure_channel(address)
    ca = args.ca_file or tls.cert_file
    cert = args.cert_file or (tls.cert_file if tls.mutual else None)
    key = args.key_file or (tls.key_file if tls.mutual else None)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=ca.read_bytes() if ca else None,
        private_key=key.read_bytes() if key else None,
        certificate_chain=cert.read_bytes() if cert else None,
    )
    options = [("grpc.ssl_target_name_override", args.server_name)] if args.server_name else []
    return grpc.secure_channel(address, credentials, options=options)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Check health once; print the status; exit 0 only for SERVING."""
    address = args.address or f"127.0.0.1:{settings.server.port}"
    try:
        with _channel(args, settings, address) as channel:
            reply = health_pb2_grpc.HealthStub(channel).Check(
                health_pb2.HealthCheckRequest(service=args.service), timeout=args.timeout
            )
    except grpc.RpcError as err:
        print(f"{address}: {err.code().name}: {err.details()}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"{address}: {exc}", file=sys.stderr)
        return 1
    status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    print(f"{address}: {status}")
    return 0 if reply.status == health_pb2.HealthCheckResponse.SERVING else 1
