"""The ``journeymine`` command: one subcommand per job, each a few lines that delegate to the core.

    journeymine serve  [--host H] [--port N] [--workers N] [--config FILE]
    journeymine health [--address HOST:PORT] [--timeout S]   (service/cli/health.py; exit 0 when SERVING)
    journeymine models [--config FILE]
    journeymine enrich --in FILE... --out FILE   (service/cli/enrich.py)
    journeymine journey show --customer ID [--journey ID] --out map.html|map.png   (service/cli/journey.py)

Settings come from defaults < the TOML file (--config or JOURNEYMINE_CONFIG) <
JOURNEYMINE_* environment variables < flags. To add a subcommand (train, eval,
topics, enrich), write a ``_cmd_<name>(args, settings)`` function and one entry
in ``_build_parser``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from service.cli import enrich as cli_enrich
from service.cli import evaluate as cli_eval
from service.cli import health as cli_health
from service.cli import journey as cli_journey
from service.cli import topics as cli_topics
from service.cli import train as cli_train
from service.config import Settings, build_configured_enricher, load_settings
from service.logs import configure_logging


def _cmd_serve(args: argparse.Namespace, settings: Settings) -> int:
    from models.errors import ModelNotLoadedError
    from service.server import STARTUP_ERRORS, BindError, serve

    try:
        serve(settings)
    except (BindError, ModelNotLoadedError, *STARTUP_ERRORS) as exc:  # problems the operator can fix: no traceback
        logging.getLogger("journeymine").error("not starting: %s", exc)
        return 1
    return 0


def _cmd_models(args: argparse.Namespace, settings: Settings) -> int:
    from pipelines.factory import catalog

    enricher = build_configured_enricher(settings)
    json.dump(dataclasses.asdict(catalog(enricher)), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


def _serve_overrides(args: argparse.Namespace) -> dict[str, Any]:
    flags = {"host": args.host, "port": args.port, "max_workers": args.workers}
    server = {key: value for key, value in flags.items() if value is not None}
    return {"server": server} if server else {}


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="journeymine", description=__doc__.splitlines()[0])
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, metavar="FILE", help="TOML settings file (overrides JOURNEYMINE_CONFIG)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", parents=[common], help="run the gRPC server until SIGTERM/SIGINT")
    serve.add_argument("--host", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to bind; 0 picks a free one (default 50051)")
    serve.add_argument("--workers", type=int, metavar="N", help="RPC worker threads (default 8)")
    serve.set_defaults(handler=_cmd_serve, overrides=_serve_overrides)

    models = sub.add_parser("models", parents=[common], help="print the loaded models and taxonomies as JSON")
    models.set_defaults(handler=_cmd_models, overrides=lambda args: {})
    cli_train.register(sub)
    cli_eval.register(sub)
    cli_topics.register(sub)
    cli_enrich.register(sub)
    cli_health.register(sub)
    cli_journey.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``journeymine`` command."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    overrides: Callable[[argparse.Namespace], dict[str, Any]] = args.overrides
    try:
        settings = load_settings(args.config, **overrides(args))
    except (FileNotFoundError, ValidationError) as exc:
        parser.error(str(exc))
    log_format = settings.logging.format
    json_lines = log_format == "json" or (log_format == "auto" and args.command == "serve")
    configure_logging(settings.log_level, json_lines=json_lines, config=settings.logging)
    handler: Callable[[argparse.Namespace, Settings], int] = args.handler
    return handler(args, settings)
