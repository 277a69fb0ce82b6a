"""``journeymine topics``: fit, refit, update and edit topic models in the user model registry.

    journeymine topics fit     --data FILE --name NAME [--text-field F] [--n-topics K]
    journeymine topics update  --data FILE --name NAME          add topics for what the model does not explain
    journeymine topics rename  --name NAME --topic ID --label TEXT
    journeymine topics merge   --name NAME --topics ID [ID ...] --into ID
    journeymine topics trends  --data FILE [--model NAME] [--bucket day|week] [--by-channel] [--json]

Every command writes the next version ``<data_dir>/models/topics/<NAME>/v<N>``; a running server
with the same ``data_dir`` uses it at once (``Enrich`` with ``options.topic_model = NAME``). ``fit``
on a name that already has versions is a refit: topics that still exist keep their ids and labels
(renames included), merges hold, new topics get new ids and retired ones are recorded. ``trends``
reads interactions (one JSON object per line, the gRPC contract's ``Interaction`` in its JSON form,
each with ``occurred_at``), enriches them and prints what ``TopicsService.GetTopicTrends`` returns. Texts are
read as ``journeymine eval`` reads them (JSONL, CSV, TSV); their embeddings come from the shared
encoder and are cached under ``<data_dir>/cache``. The recipe is ``models/training/topics/fit.py``.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from service.cli.train import data_dir_overrides, user_embedder, user_registry
from service.config import Settings, build_configured_enricher


def register(subparsers: Any) -> None:
    """Add ``topics fit|update|rename|merge`` to the ``journeymine`` parser's subcommands."""
    topics = subparsers.add_parser("topics", help="fit, refit, update, rename and merge topic models")
    commands = topics.add_subparsers(dest="topics_command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--name", required=True, help="topic model name: letters, digits, '_' or '-'")
        p.add_argument("--data-dir", type=Path, metavar="DIR", help="data folder (default: settings data_dir)")
        p.add_argument("--config", type=Path, metavar="FILE", help="TOML settings file (overrides JOURNEYMINE_CONFIG)")
        p.set_defaults(overrides=data_dir_overrides)

    for name, help_text in (
        ("fit", "fit a topic model on a file of texts (a refit when NAME exists: ids are kept)"),
        ("update", "add topics for the texts the latest version does not explain; existing topics stay"),
    ):
        p = commands.add_parser(name, help=help_text, description=help_text)
        p.add_argument(
            "--data", type=Path, required=True, metavar="FILE", help=".jsonl, .csv or .tsv with a text field"
        )
        p.add_argument("--text-field", default="text", metavar="F", help="text field / column (default text)")
        p.add_argument("--n-topics", type=int, metavar="K", help="number of clusters (default: sqrt(n / 2), 5-100)")
        common(p)
        p.set_defaults(handler=_cmd_fit if name == "fit" else _cmd_update)
    p = commands.add_parser("trends", help="topic counts, share and sentiment over time; emerging topics")
    p.add_argument("--data", type=Path, required=True, metavar="FILE", help="JSONL of Interaction messages")
    p.add_argument("--model", metavar="NAME", help="topic model (default: the default one)")
    p.add_argument("--bucket", choices=("day", "week"), default="day", help="period of the trends (default day)")
    p.add_argument("--by-channel", action="store_true", help="split the trends per channel")
    p.add_argument("--window-days", type=int, default=0, metavar="N", help="emerging test window (default 7)")
    p.add_argument("--baseline-days", type=int, default=0, metavar="N", help="emerging test baseline (default 28)")
    p.add_argument("--json", action="store_true", help="print one JSON object (default: a summary)")
    p.add_argument("--data-dir", type=Path, metavar="DIR", help="data folder (default: settings data_dir)")
    p.add_argument("--config", type=Path, metavar="FILE", help="TOML settings file (overrides JOURNEYMINE_CONFIG)")
    p.set_defaults(handler=_cmd_trends, overrides=data_dir_overrides)
    p = commands.add_parser("rename", help="give a topic a label of your own (kept on refits)")
    p.add_argument("--topic", type=int, required=True, metavar="ID", help="topic id")
    p.add_argument("--label", required=True, help="the new label")
    common(p)
    p.set_defaults(handler=_cmd_rename)
    p = commands.add_parser("merge", help="fold topics into one (kept on refits)")
    p.add_argument("--topics", type=int, nargs="+", required=True, metavar="ID", help="topic ids to fold")
    p.add_argument("--into", type=int, required=True, metavar="ID", help="the topic that absorbs them")
    common(p)
    p.set_defaults(handler=_cmd_merge)


def _fail(args: argparse.Namespace, exc: Exception) -> int:
    print(f"journeymine topics {args.topics_command}: error: {exc}", file=sys.stderr)
    return 2


def _embed(args: argparse.Namespace, settings: Settings) -> tuple[list[Any], Any, Any]:
    """The rows of ``--data``, their embeddings and the (cached) embedder, which also embeds label phrases."""
    from eval.data import load_rows

    rows = load_rows(args.data, text_field=args.text_field, label_field=None)
    embedder = user_embedder(settings)
    return rows, embedder.embed([r.text for r in rows], desc="encode"), embedder


def _command_line(args: argparse.Namespace) -> str:
    parts = ["journeymine", "topics", args.topics_command, "--name", args.name]
    for flag in ("data", "text_field", "n_topics", "topic", "label", "into"):
        value = getattr(args, flag, None)
        if value is not None:
            parts += [f"--{flag.replace('_', '-')}", str(value)]
    if getattr(args, "topics", None):
        parts += ["--topics", *map(str, args.topics)]
    return shlex.join(parts)


def _publish(
    registry: Any, args: argparse.Namespace, build: Callable[[str], Any], describe: Callable[[Any], list[str]]
) -> int:
    from pipelines.topics.admin import publish

    spec, model = publish(registry, args.name, build, command=_command_line(args))
    _report(registry, spec, model, describe(model))
    return 0


def _report(registry: Any, spec: Any, model: Any, lines: list[str]) -> None:
    print(f"saved {spec.id} ({len(model.topics)} topics) -> {registry.path_of(spec)}")
    for line in lines:
        print(f"  {line}")


def _cmd_fit(args: argparse.Namespace, settings: Settings) -> int:
    from eval.data import DatasetError
    from models.errors import JourneymineError
    from models.training.topics.fit import TopicFitConfig, fit_topic_model
    from pipelines.topics.admin import latest_user_topic_model

    began = time.perf_counter()
    registry = user_registry(settings)
    try:
        config = TopicFitConfig(n_topics=args.n_topics)
        previous = latest_user_topic_model(registry, args.name)  # validates the name first
        rows, x, embedder = _embed(args, settings)
        texts = [r.text for r in rows]
        meta = {"encoder": embedder.encoder_id, "source": "user", "trained_on": [str(args.data)], "rows": len(rows)}

        def label_embed(phrases: Any) -> Any:
            return embedder.embed(list(phrases), desc="label phrases")

        def build(version: str) -> Any:
            # Labels are phrases of the topics' texts ("double charge"); carried topics keep theirs (renames too).
            fit = fit_topic_model(
                texts,
                x,
                name=f"topics.{args.name}",
                version=version,
                config=config,
                previous=previous,
                metadata=meta,
                label_embed=label_embed,
            )
            return fit.model

        def describe(model: Any) -> list[str]:
            lines = [
                f"{model.metadata['outlier_share']:.1%} of {len(texts)} texts without a topic (threshold "
                f"{model.threshold:.3f}); {time.perf_counter() - began:.1f}s"
            ]
            lineage = model.metadata.get("lineage")
            if lineage:
                lines.append(
                    f"refit of {lineage['previous']}: {len(lineage['kept'])} topics kept, {len(lineage['new'])} new "
                    f"{lineage['new']}, {len(lineage['retired'])} retired {lineage['retired']}"
                )
            lines.append(f'use it: Enrich with options.topic_model = "{args.name}"')
            return lines

        return _publish(registry, args, build, describe)
    except (JourneymineError, DatasetError, ValueError, FileExistsError) as exc:
        return _fail(args, exc)


def _cmd_update(args: argparse.Namespace, settings: Settings) -> int:
    from eval.data import DatasetError
    from models.errors import JourneymineError
    from models.training.topics.edits import partial_update
    from models.training.topics.fit import TopicFitConfig
    from pipelines.topics.admin import latest_user_topic_model

    registry = user_registry(settings)
    try:
        previous = latest_user_topic_model(registry, args.name)
        if previous is None:
            raise ValueError(f"no topic model {args.name!r} to update; fit one first (journeymine topics fit)")
        rows, x, _ = _embed(args, settings)
        texts = [r.text for r in rows]
        result: dict[str, Any] = {}

        def build(version: str) -> Any:
            update = partial_update(previous, texts, x, version=version, config=TopicFitConfig(n_topics=args.n_topics))
            result["update"] = update
            return update.model

        def describe(model: Any) -> list[str]:
            update = result["update"]
            return [f"{update.unexplained} of {len(texts)} texts unexplained; new topics: {list(update.new_ids)}"]

        return _publish(registry, args, build, describe)
    except (JourneymineError, DatasetError, ValueError, FileExistsError) as exc:
        return _fail(args, exc)


def _edit(args: argparse.Namespace, settings: Settings, what: str) -> int:
    from models.errors import JourneymineError
    from pipelines.topics import admin as topic_admin

    registry = user_registry(settings)
    try:
        if topic_admin.latest_user_topic_model(registry, args.name) is None:
            raise ValueError(f"no topic model {args.name!r}; fit one first (journeymine topics fit)")
        if args.topics_command == "rename":
            spec, model = topic_admin.rename(
                registry, args.name, args.topic, args.label, command=_command_line(args), field="--name"
            )
        else:
            spec, model = topic_admin.merge(
                registry, args.name, args.topics, args.into, command=_command_line(args), field="--name"
            )
    except (JourneymineError, ValueError, FileExistsError) as exc:
        return _fail(args, exc)
    _report(registry, spec, model, [what])
    return 0


def _cmd_rename(args: argparse.Namespace, settings: Settings) -> int:
    return _edit(args, settings, f"topic {args.topic} is now {args.label!r}")


def _cmd_merge(args: argparse.Namespace, settings: Settings) -> int:
    return _edit(args, settings, f"topics {sorted(set(args.topics) - {args.into})} merged into {args.into}")


def read_interactions(path: Path) -> tuple[list[Any], list[int]]:
    """Interaction messages from a JSONL file, with the line each came from; ValueError names a bad line."""
    from google.protobuf import json_format

    from journeymine.v1 import interaction_pb2 as ix_pb

    messages, lines = [], []
    if not path.is_file():
        raise ValueError(f"{path}: file not found")
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                messages.append(json_format.Parse(line, ix_pb.Interaction()))
            except json_format.ParseError as exc:
                raise ValueError(
                    f"{path}: line {number}: not an Interaction in JSON form ({exc}); e.g. "
                    '{"id": "t1", "channel": "CHANNEL_CHAT", "occurredAt": "2026-11-30T10:00:00Z", "text": "..."}'
                ) from None
            lines.append(number)
    if not messages:
        raise ValueError(f"{path}: no interactions")
    return messages, lines


def _cmd_trends(args: argparse.Namespace, settings: Settings) -> int:
    import re

    from google.protobuf import json_format
    from tqdm import tqdm

    from journeymine.v1 import topics_service_pb2 as tp_pb
    from models.errors import InvalidInputError, JourneymineError
    from pipelines.topics import trends as topic_trends
    from service.rpc.convert import interaction_from_proto
    from service.rpc.topics.servicer import emerging_config, trends_to_proto
    from service.rpc.topics.validation import validate_trends

    try:
        messages, lines = read_interactions(args.data)
        bucket = tp_pb.TREND_BUCKET_WEEK if args.bucket == "week" else tp_pb.TREND_BUCKET_DAY
        request = tp_pb.GetTopicTrendsRequest(
            model=args.model or "",
            interactions=messages,
            bucket=bucket,
            by_channel=args.by_channel,
            window_days=args.window_days,
            baseline_days=args.baseline_days,
        )
        try:
            # A file is not a request: the per-request cap does not apply, every other limit does.
            limits = settings.limits.model_copy(update={"max_trend_interactions": len(messages)})
            validate_trends(request, limits)
        except InvalidInputError as exc:
            first = exc.violations[0]
            match = re.match(r"^interactions\[(\d+)\]\.?(.*)$", first.field)
            where = f"line {lines[int(match.group(1))]}: {match.group(2)}" if match else first.field
            raise ValueError(f"{args.data}: {where}: {first.description}") from None
        enricher = build_configured_enricher(settings)
        stage = enricher.topic_stage(args.model or None, field="--model")
        with tqdm(total=len(messages), desc="enrich", unit="interaction", file=sys.stderr) as bar:
            events = topic_trends.enriched_events(
                enricher,
                [interaction_from_proto(m) for m in messages],
                topic_model=stage.model.id,
                progress=bar.update,
            )
        reply = trends_to_proto(stage.model, events, args.bucket, args.by_channel, emerging_config(request))
    except (JourneymineError, ValueError) as exc:
        return _fail(args, exc)
    if args.json:
        print(json_format.MessageToJson(reply, indent=None, preserving_proto_field_name=True))
        return 0
    print(f"{reply.interactions} interactions, topic model {reply.model} {reply.version}")
    print("most negative topics:")
    for t in list(reply.topic_sentiment)[:5]:
        print(f"  {t.topic_id:>4}  {t.label:40.40}  n={t.count:<5} mean sentiment {t.mean_score:+.2f}")
    print("emerging topics:" if reply.emerging else "emerging topics: none")
    for e in reply.emerging:
        growth = f"{e.growth:.1f}x" if e.HasField("growth") else "new"
        print(f"  {e.topic_id:>4}  {e.label:40.40}  {e.window_count} in the window ({growth}), p={e.p_value:.2g}")
    return 0
