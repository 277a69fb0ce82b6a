"""``journeymine train intent|sentiment``: train a head on a labelled file into the user model registry.

    journeymine train intent    --data FILE --name NAME [--text-field F] [--label-field F] [--label-map FILE]
                                [--seed N] [--data-dir DIR] [--config FILE]
    journeymine train sentiment --data FILE --name NAME [same options]

The model lands in ``<data_dir>/models/<kind>/<NAME>/v<N>`` (the next version); a
running server with the same ``data_dir`` uses it at once. The recipe lives in
``models/training/user_heads.py``; rows are read by ``eval/data.py``, the loader
``journeymine eval`` uses, so both commands accept exactly the same files.
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path
from typing import Any

from service.config import Settings

KINDS: dict[str, str] = {
    "intent": "train a new intent taxonomy (labels are yours; out_of_scope rows teach abstention)",
    "sentiment": "train a sentiment head (labels among negative, neutral, positive)",
}


def register(subparsers: Any) -> None:
    """Add ``train intent`` and ``train sentiment`` to the ``journeymine`` parser's subcommands."""
    train = subparsers.add_parser("train", help="train an intent taxonomy or sentiment head on your labelled data")
    kinds = train.add_subparsers(dest="kind", required=True, metavar="KIND")
    for kind, help_text in KINDS.items():
        p = kinds.add_parser(kind, help=help_text, description=help_text)
        p.add_argument("--data", type=Path, required=True, metavar="FILE", help=".jsonl, .csv or .tsv labelled rows")
        p.add_argument("--name", required=True, help="model name: letters, digits, '_' or '-'")
        p.add_argument("--text-field", default="text", metavar="F", help="text field / column (default text)")
        p.add_argument("--label-field", default="label", metavar="F", help="label field / column (default label)")
        p.add_argument("--label-map", type=Path, metavar="FILE", help='JSON object renaming labels {"old": "new"}')
        p.add_argument("--seed", type=int, default=42, help="held-out split and solver seed (default 42)")
        p.add_argument("--data-dir", type=Path, metavar="DIR", help="data folder (default: settings data_dir)")
        p.add_argument("--config", type=Path, metavar="FILE", help="TOML settings file (overrides JOURNEYMINE_CONFIG)")
        p.set_defaults(handler=_cmd_train, overrides=data_dir_overrides)


def data_dir_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """``--data-dir`` as a settings override (shared by the commands that write user models)."""
    return {"data_dir": args.data_dir} if args.data_dir is not None else {}


def user_registry(settings: Settings) -> Any:
    """The model registry of the built-in artifacts and the user model folder of ``settings``."""
    from models.registry import ARTIFACTS_DIR, ModelRegistry

    return ModelRegistry(
        artifacts_dir=settings.models.artifacts_dir or ARTIFACTS_DIR, user_dir=settings.user_models_dir
    )


def user_embedder(settings: Settings) -> Any:
    """The shared encoder behind the embedding cache under ``<data_dir>/cache/embeddings``."""
    from models.training.embeddings import CachedEmbedder
    from pipelines.factory import build_encoder, encoder_id

    encoder = build_encoder(settings.models.encoder)
    return CachedEmbedder(
        cache_dir=settings.data_dir / "cache" / "embeddings",
        encoder_factory=lambda: encoder,
        encoder_id=encoder_id(encoder),
    )


def _command_line(args: argparse.Namespace) -> str:
    parts = ["journeymine", "train", args.kind, "--data", str(args.data), "--name", args.name]
    for flag, value, default in (
        ("--text-field", args.text_field, "text"),
        ("--label-field", args.label_field, "label"),
        ("--label-map", args.label_map, None),
        ("--seed", args.seed, 42),
    ):
        if value != default:
            parts += [flag, str(value)]
    return shlex.join(parts)


def _cmd_train(args: argparse.Namespace, settings: Settings) -> int:
    from eval.data import DatasetError, load_label_map, load_rows
    from models.errors import JourneymineError
    from models.training.datasets import LabelledSet
    from models.training.user_heads import (
        DataSource,
        check_rows,
        file_sha256,
        save_user_head,
        single_row_labels,
        train_user_head,
    )

    began = time.perf_counter()
    registry = user_registry(settings)
    try:
        # Everything that can be checked cheaply is checked before the encoder loads.
        registry.validate_user_name(args.kind, args.name)
        label_map = load_label_map(args.label_map) if args.label_map else None
        rows = load_rows(args.data, text_field=args.text_field, label_field=args.label_field, label_map=label_map)
        data = LabelledSet([r.text for r in rows], [r.label for r in rows])
        check_rows(args.kind, data)
        single = single_row_labels(data)
        if single:
            shown = ", ".join(single[:20]) + (f" and {len(single) - 20} more" if len(single) > 20 else "")
            print(
                f"journeymine train {args.kind}: warning: {len(single)} label(s) have a single row; they are trained "
                f"on but not held out, so the held-out figures do not cover them (add examples to fix): {shown}",
                file=sys.stderr,
            )
        embedder = user_embedder(settings)
        source = DataSource(
            path=str(args.data),
            sha256=file_sha256(args.data),
            text_field=args.text_field,
            label_field=args.label_field,
            label_map=str(args.label_map) if args.label_map else None,
        )
        trained = train_user_head(
            args.kind, args.name, data, embedder=embedder, source=source, command=_command_line(args), seed=args.seed
        )
        spec = registry.publish_user_model(
            args.kind, args.name, lambda folder, version: save_user_head(trained, folder, version)
        )
    except (JourneymineError, DatasetError, FileExistsError) as exc:
        print(f"journeymine train {args.kind}: error: {exc}", file=sys.stderr)
        return 2
    figures = trained.figures
    summary = f"held-out accuracy {figures['accuracy']:.4f}"
    if args.kind == "intent":
        summary += (
            f", with abstention {figures['accuracy_with_abstention']:.4f}"
            f" (in-scope abstain rate {figures['in_scope_abstain_rate']:.4f}"
            + (f", out-of-scope recall {figures['oos_recall']:.4f}" if "oos_recall" in figures else "")
            + ")"
        )
    path = registry.path_of(spec)
    print(f"saved {spec.id} ({len(data)} rows, {len(trained.head.labels)} labels) -> {path}")
    print(f"  {summary}; model card {path / 'MODEL_CARD.md'}; {time.perf_counter() - began:.1f}s")
    if args.kind == "intent":
        print(f'  use it: Enrich with options.intent_taxonomy = "{args.name}" (a running server picks it up)')
    else:
        print(
            f'  use it: Enrich with options.sentiment_model = "{args.name}" (a running server picks it up), '
            f"journeymine enrich --sentiment-model {args.name}, journeymine eval sentiment --model {args.name}"
        )
    return 0
