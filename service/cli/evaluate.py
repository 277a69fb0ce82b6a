"""``journeymine eval TASK --data FILE``: score a shipped model (and a baseline) on a labelled file.

    journeymine eval intent --data dev.jsonl --model banking77 --json
    journeymine eval sentiment --data sst2.tsv --text-field content --baseline vader --report out/
    journeymine eval topics --data complaints.jsonl --baseline bertopic --json
    journeymine eval aspect --data mams_atsa_dev.jsonl --baseline sentence --json  (text, aspect, start, end, label)
    journeymine eval score --data journeys.jsonl --json          (labelled journeys; eval/score_eval.py)

With ``--json`` stdout carries exactly one JSON object (logs and the progress bar
go to stderr); otherwise a table of the headline figures. Exit status 2 for bad
input (a malformed row names its file and line), 0 otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import sys
from pathlib import Path
from typing import Any

from models.errors import JourneymineError
from service.config import Settings, build_configured_enricher

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``eval`` subcommand to the ``journeymine`` parser."""
    from eval.tasks import TASKS

    p = subparsers.add_parser(
        "eval",
        help="evaluate a model on a labelled file (JSONL, CSV, TSV)",
        description=__doc__.splitlines()[0],
    )
    tasks = sorted([*TASKS, "score"])
    p.add_argument("task", metavar="TASK", choices=tasks, help=f"one of: {', '.join(tasks)}")
    p.add_argument("--data", type=Path, required=True, metavar="FILE", help="labelled rows: .jsonl, .csv or .tsv")
    p.add_argument("--model", metavar="NAME", help="model or intent taxonomy (default: the default one)")
    p.add_argument("--text-field", default="text", metavar="F", help="field/column holding the text (default text)")
    p.add_argument("--label-field", default="label", metavar="F", help="field/column holding the label (default label)")
    p.add_argument("--label-map", type=Path, metavar="FILE", help='JSON object renaming gold labels {"old": "new"}')
    p.add_argument(
        "--slice-by", action="append", default=[], metavar="FIELD", help="also report figures per value (repeatable)"
    )
    p.add_argument(
        "--baseline",
        metavar="NAME",
        help="reference beside the model: vader (sentiment), logreg (intent), bertopic (topics), "
        "sentence (aspect: sentence-level sentiment applied to every aspect)",
    )
    p.add_argument("--baseline-train", type=Path, metavar="FILE", help="training rows for the logreg baseline")
    p.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")
    p.add_argument("--report", type=Path, metavar="DIR", help="write report.md, metrics.json and PNG plots here")
    p.add_argument("--limit", type=int, metavar="N", help="use only the first N rows of --data")
    p.add_argument("--seed", type=int, default=42, help="seed of the fits an evaluation makes (topics; default 42)")
    p.add_argument(
        "--dissatisfied-below",
        type=float,
        metavar="X",
        help="score task: gold below X counts as dissatisfied for the AUC (default: the lower quartile of gold)",
    )
    p.add_argument(
        "--explain",
        action="append",
        default=[],
        metavar="CUSTOMER_ID",
        help="score task: add this customer's journey map and score drivers to the output (repeatable)",
    )
    p.add_argument("--config", type=Path, metavar="FILE", help="TOML settings file (overrides JOURNEYMINE_CONFIG)")
    p.set_defaults(handler=run, overrides=lambda args: {})


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Load the rows and the models, evaluate, print or write the figures; 2 on bad input."""
    from eval.data import DatasetError, load_label_map, load_rows
    from eval.tasks import EvalConfig, check_baseline, get_task

    if args.limit is not None and args.limit < 1:
        return _fail(f"--limit must be at least 1, got {args.limit}")
    if args.task == "score":
        return run_score(args, settings)
    try:
        task = get_task(args.task)
        check_baseline(task, args.baseline)
        label_map = load_label_map(args.label_map) if args.label_map else None
        fields = {"text_field": args.text_field, "label_field": args.label_field, "label_map": label_map}
        rows = load_rows(args.data, limit=args.limit, **fields)
        train = load_rows(args.baseline_train, **fields) if args.baseline_train else None
    except (DatasetError, JourneymineError) as exc:
        return _fail(str(exc))
    config = EvalConfig(
        task=args.task, model=args.model, slice_by=tuple(args.slice_by), baseline=args.baseline, seed=args.seed
    )
    # Whatever a library prints must not corrupt the one JSON object on stdout.
    out = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        try:
            result = _evaluate(rows, config, train, settings)
        except JourneymineError as exc:
            return _fail(str(exc))
        result["data"] = str(args.data)
        if args.report:
            from eval.report import write_report

            for path in write_report(result, args.report):
                log.info("wrote %s", path)
    if args.json:
        out.write(json.dumps(result, sort_keys=True, allow_nan=False) + "\n")
    else:
        from eval.report import headline_table

        out.write(f"{result['task']} {result['model']} on {args.data} ({result['n']} rows)\n")
        out.write("\n".join(headline_table(result)) + "\n")
    return 0


def _evaluate(rows: list[Any], config: Any, train: list[Any] | None, settings: Settings) -> dict[str, Any]:
    from eval.tasks import evaluate
    from models.encoder import build_pretrained_encoder

    # user_dir: taxonomies trained by ``journeymine train intent`` are evaluated like shipped ones.
    enricher = build_configured_enricher(settings)
    return evaluate(
        rows,
        config,
        enricher=enricher,
        baseline_train=train,
        baseline_encoder=lambda: build_pretrained_encoder(settings.models.encoder),
    )


def run_score(args: argparse.Namespace, settings: Settings) -> int:
    """``eval score``: record and score labelled journeys, print correlation with gold."""
    import math

    from eval.data import DatasetError
    from eval.score_eval import evaluate_scores, journeys_core, load_journeys

    if args.dissatisfied_below is not None and not math.isfinite(args.dissatisfied_below):
        return _fail(f"--dissatisfied-below must be a finite number, got {args.dissatisfied_below}")
    try:
        journeys = load_journeys(args.data, limit=args.limit)
    except DatasetError as exc:
        return _fail(str(exc))
    out = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):
        enricher = build_configured_enricher(settings)
        try:
            result = evaluate_scores(
                journeys,
                make_core=journeys_core(enricher, settings.journeys),
                dissatisfied_below=args.dissatisfied_below,
                explain=args.explain,
            )
        except (ValueError, JourneymineError) as exc:
            return _fail(str(exc))
    result["data"] = str(args.data)
    if args.json:
        out.write(json.dumps(result, sort_keys=True, allow_nan=False) + "\n")
    else:
        m = result["metrics"]
        out.write(f"score on {args.data} ({result['n']} customers, {result['touchpoints']} touchpoints)\n")
        for name in ("spearman", "kendall", "auc"):
            value = m.get(name)
            out.write(f"  {name:<9} {value:.4f}\n" if isinstance(value, float) else f"  {name:<9} n/a\n")
        if "dissatisfied_below" in m:
            out.write(f"  dissatisfied: gold < {m['dissatisfied_below']} ({m['n_dissatisfied']} customers)\n")
        for note in m.get("notes", []):
            out.write(f"  note: {note}\n")
        for item in result["explained"]:
            out.write(json.dumps(item, indent=2) + "\n")
    return 0


def _fail(message: str) -> int:
    sys.stderr.write(f"journeymine eval: error: {message}\n")
    return 2
