"""``journeymine journey``: look at one customer's journey as the service stored it.

    journeymine journey show --customer ID [--journey ID] [--as-of TIME] --out map.html|map.png [--format html|png]
    journeymine journey customers                 the customers the store holds (one id a line)

Both read the journey store ``journeymine serve`` writes: ``journeys.url`` from the settings, or the
embedded SQLite file ``<data_dir>/journeys.db`` (``--data-dir`` / ``--config`` as for the other
commands). ``show`` draws the touchpoints on a time line by channel (sentiment, intent, outcome),
the score's trend with its interval, the top drivers and the alerts; the drawing is
``pipelines/journeys/journey_map.py``. The HTML page is self-contained (the figure inline as SVG,
plus tables); the PNG is the figure alone.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from service.cli.train import data_dir_overrides
from service.config import Settings

# The exit status of a call the user can fix (unknown customer, bad suffix, no store): argparse's own.
USAGE = 2


class _Usage(Exception):
    """A problem with the command line or what it names; the message says how to fix it."""


def register(subparsers: Any) -> None:
    """Add ``journey show|customers`` to the ``journeymine`` parser's subcommands."""
    journey = subparsers.add_parser("journey", help="draw a customer's journey map (HTML or PNG) from the store")
    commands = journey.add_subparsers(dest="journey_command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--data-dir", type=Path, metavar="DIR", help="data folder (default: settings data_dir)")
        p.add_argument("--config", type=Path, metavar="FILE", help="TOML settings file (overrides JOURNEYMINE_CONFIG)")
        p.set_defaults(overrides=data_dir_overrides)

    help_text = "render one customer's touchpoints, score trend, drivers and alerts to HTML or PNG"
    show = commands.add_parser("show", help=help_text, description=help_text)
    show.add_argument("--customer", required=True, metavar="ID", help="customer id")
    show.add_argument("--journey", default="", metavar="ID", help="only this journey (default: all of them)")
    show.add_argument("--out", type=Path, required=True, metavar="FILE", help="map.html or map.png")
    show.add_argument("--format", choices=("html", "png"), help="output format (default: from the --out suffix)")
    show.add_argument(
        "--as-of", type=_moment, metavar="TIME", help="ISO time of the score; later touchpoints are left out (now)"
    )
    common(show)
    show.set_defaults(handler=_cmd_show)
    customers = commands.add_parser("customers", help="list the customers the journey store holds")
    common(customers)
    customers.set_defaults(handler=_cmd_customers)


def _moment(text: str) -> datetime:
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an ISO time, e.g. 2026-11-30T18:00:00Z") from None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)  # a time without a zone is UTC


def store_url(settings: Settings) -> str:
    """The store ``journeymine serve`` uses with these settings."""
    from pipelines.journeys.database import default_url

    return settings.journeys.url or default_url(settings.data_dir)


def _open_store(settings: Settings) -> Any:
    import sqlalchemy as sa

    from pipelines.journeys.store import JourneyStore

    url = store_url(settings)
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        raise _Usage(f"journeys.url {url!r} is not a database URL") from None
    database = parsed.database or ""
    # Opening would create an empty SQLite file: say where the store was looked for instead.
    if parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:") and not Path(database).is_file():
        raise _Usage(
            f"no journey store at {database}; record touchpoints with a server using the same data_dir "
            "(journeymine serve, JourneyService.RecordTouchpoints), or pass --data-dir / --config"
        )
    # The schema check at open logs every Alembic plugin at INFO: noise on a read-only command's terminal.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return JourneyStore.open(url)


def _cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    from models.errors import StorageUnavailableError
    from pipelines.journeys import journey_map

    try:
        fmt = journey_map.output_format(args.out.name, args.format)
        store = _open_store(settings)
        try:
            found = _journey(store, settings, args.customer, args.journey, args.as_of)
        finally:
            store.close()
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_bytes(journey_map.render(found, fmt))
    except (_Usage, ValueError) as exc:
        print(f"journeymine journey show: error: {exc}", file=sys.stderr)
        return USAGE
    except (StorageUnavailableError, OSError) as exc:
        print(f"journeymine journey show: error: {exc}", file=sys.stderr)
        return 1
    score, alerts = found.score, len(found.alerts)
    print(
        f"wrote {args.out} ({fmt}): customer {args.customer}"
        + (f" journey {args.journey}" if args.journey else "")
        + f", {len(found.touchpoints)} touchpoints, score {score.score:.0f} "
        f"({score.low:.0f}-{score.high:.0f}) as of {score.as_of:%Y-%m-%d %H:%M} UTC, "
        f"{alerts} alert{'' if alerts == 1 else 's'}"
    )
    return 0


def _journey(store: Any, settings: Settings, customer: str, journey_id: str, as_of: datetime | None) -> Any:
    """The JourneyMap of one customer (and journey) as of ``as_of``; _Usage names what exists when nothing does."""
    from pipelines.journeys import journey_map

    as_of = as_of or datetime.now(UTC)
    end = as_of + timedelta(milliseconds=1)  # touchpoints at as_of count, as in GetCustomerScore
    cfg = settings.journeys
    touchpoints = store.touchpoints([customer], journey_id=journey_id, end=end, limit=cfg.max_history)[customer]
    if not touchpoints:
        raise _Usage(_nothing_found(store, customer, journey_id, as_of))
    shown = {t.id for t in touchpoints}
    alerts = [
        a
        for a in _all_alerts(store, customer)
        if a.occurred_at <= as_of and (not journey_id or a.journey_id == journey_id or shown & set(a.touchpoint_ids))
    ]
    return journey_map.build_map(customer, touchpoints, alerts, journey_id=journey_id, as_of=as_of, scoring=cfg.scoring)


def _all_alerts(store: Any, customer: str) -> list[Any]:
    out: list[Any] = []
    after = 0
    while True:
        page = store.alerts(customer_id=customer, after_id=after, limit=500)
        out.extend(page)
        if len(page) < 500:
            return out
        after = page[-1].id


def _nothing_found(store: Any, customer: str, journey_id: str, as_of: datetime) -> str:
    everything = store.touchpoints([customer])[customer]
    if everything:
        journeys = sorted({t.journey_id or "(none)" for t in everything})
        first = min(t.occurred_at for t in everything)
        if journey_id and not any(t.journey_id == journey_id for t in everything):
            return f"customer {customer!r} has no touchpoints in journey {journey_id!r}; their journeys: " + ", ".join(
                journeys
            )
        return f"customer {customer!r} has no touchpoints up to --as-of {as_of:%Y-%m-%d %H:%M}; the first is at {first}"
    customers = store.customers_between(None, None)
    held = (
        f"it holds {len(customers)} customers, e.g. {', '.join(customers[:5])}"
        if customers
        else "it holds no customers yet"
    )
    return (
        f"no customer {customer!r} in the journey store at {store.safe_url}; {held} "
        "(list them with: journeymine journey customers)"
    )


def _cmd_customers(args: argparse.Namespace, settings: Settings) -> int:
    from models.errors import StorageUnavailableError

    try:
        store = _open_store(settings)
        try:
            customers = store.customers_between(None, None)
        finally:
            store.close()
    except _Usage as exc:
        print(f"journeymine journey customers: error: {exc}", file=sys.stderr)
        return USAGE
    except StorageUnavailableError as exc:
        print(f"journeymine journey customers: error: {exc}", file=sys.stderr)
        return 1
    for customer in customers:
        print(customer)
    return 0
