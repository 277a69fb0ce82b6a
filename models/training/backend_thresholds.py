"""Intent abstention thresholds for another encoder backend, by each head's own rule.

    python -m models.training.backend_thresholds --datasets ../shared/datasets --backend onnx-int8

The heads are trained on torch embeddings, and their abstention thresholds are tuned on them. ONNX
Runtime fp32 gives the same embeddings (cosine 1.0000), but dynamic int8 moves every embedding a little
(cosine ~0.99), and the top probabilities with it: CLINC150's out-of-scope recall sits exactly on its
0.80 target at the torch threshold, so on int8 it falls below. This recomputes, on the backend's own
embeddings of the same dev rows, the threshold each head's training chose by (``train_heads``):

    intent.banking77         at most 1 % of in-scope dev rows abstain
    intent.customer_service  at most 5 % of in-scope dev rows (bitext + MultiDoGo dev) abstain
    intent.clinc150          best in-scope accuracy on val + oos_val with out-of-scope recall >= 0.80

and writes it into the head's metadata (``backend_thresholds``), which ``IntentStage`` reads when the
served encoder runs on that backend, with the figures at both thresholds in the model card. Weights,
temperature and the torch threshold are unchanged. Rerun after ``make train-heads``
(``make calibrate-int8``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from tqdm import tqdm

from models.encoder import EncoderConfig, build_encoder
from models.heads import LinearHead
from models.registry import ARTIFACTS_DIR
from models.training import cards
from models.training import datasets as ds
from models.training.datasets import OUT_OF_SCOPE, LabelledSet
from models.training.heads.data import load_customer_service
from models.training.heads.thresholds import BANKING77_ABSTAIN_RATE, CLINC_MIN_OOS_RECALL, MAX_ABSTAIN_RATE
from models.training.metrics import label_indices, oos_threshold_sweep, predict_with_threshold, threshold_for_abstention

MODULE = "models.training.backend_thresholds"
SECTION = "Thresholds per encoder backend"
BACKENDS = ("onnx-int8",)


@dataclass(frozen=True)
class Rule:
    """How a head's training chose its threshold, and on which dev rows."""

    taxonomy: str
    dev: Callable[[Path, int], LabelledSet]
    describe: str
    max_abstain: float | None = None  # abstention rule; None: the out-of-scope recall rule
    version: str = "v2"


RULES = (
    Rule(
        "banking77",
        lambda root, seed: ds.load_banking77(root, seed=seed)["dev"],
        f"at most {BANKING77_ABSTAIN_RATE:.0%} of in-scope dev rows abstain",
        BANKING77_ABSTAIN_RATE,
    ),
    Rule(
        "customer_service",
        lambda root, seed: load_customer_service(root, seed).dev,
        f"at most {MAX_ABSTAIN_RATE:.0%} of in-scope dev rows (bitext + MultiDoGo dev) abstain",
        MAX_ABSTAIN_RATE,
        # The default (curated) taxonomy; v2's int8 threshold stays as committed with it.
        "v3",
    ),
    Rule(
        "clinc150",
        lambda root, seed: (lambda s: s["val"] + s["oos_val"])(ds.load_clinc150(root)),
        f"best in-scope accuracy on val + oos_val with out-of-scope recall >= {CLINC_MIN_OOS_RECALL:.2f}",
    ),
)


def targets(head: LinearHead, labels: Sequence[str]) -> tuple[np.ndarray, int]:
    """Each row's label index in the head, out-of-scope rows as ``oos``; and ``oos`` (the head's
    out_of_scope class, or one past its labels when it has none: abstaining is the only right answer)."""
    oos = head.labels.index(OUT_OF_SCOPE) if OUT_OF_SCOPE in head.labels else len(head.labels)
    in_scope = [label for label in labels if label != OUT_OF_SCOPE]
    y = np.full(len(labels), oos, dtype=np.int64)
    y[[i for i, label in enumerate(labels) if label != OUT_OF_SCOPE]] = label_indices(in_scope, head.labels)
    return y, oos


def figures(head: LinearHead, proba: np.ndarray, labels: Sequence[str], threshold: float) -> dict[str, float]:
    """In-scope abstain rate, in-scope accuracy with the threshold and (with OOS rows) OOS recall."""
    y, oos = targets(head, labels)
    in_scope = y != oos
    pred = predict_with_threshold(proba, threshold, oos)
    out = {
        "in_scope_abstain_rate": float((proba.max(axis=1) < threshold)[in_scope].mean()),
        "in_scope_accuracy": float((pred[in_scope] == y[in_scope]).mean()),
    }
    if (~in_scope).any():
        out["oos_recall"] = float((pred[~in_scope] == oos).mean())
    return {k: round(v, 4) for k, v in out.items()}


def threshold_by_rule(rule: Rule, head: LinearHead, proba: np.ndarray, labels: Sequence[str]) -> float:
    """The threshold ``rule`` picks on these probabilities (what ``train_heads`` ran on torch's)."""
    y, oos = targets(head, labels)
    if rule.max_abstain is not None:
        return threshold_for_abstention(proba[y != oos].max(axis=1), rule.max_abstain)
    threshold, _ = oos_threshold_sweep(proba, y, oos, min_oos_recall=CLINC_MIN_OOS_RECALL)
    return threshold


def calibrate(
    root: Path, backend: str, artifacts: Path, command: str, only: Sequence[str] | None = None
) -> list[list[object]]:
    """Write ``backend_thresholds[backend]`` into the intent heads under ``artifacts`` (``only`` these
    taxonomies, default all); the summary rows."""
    rules = [rule for rule in RULES if only is None or rule.taxonomy in only]
    encoder = build_encoder(EncoderConfig(backend=backend))  # type: ignore[arg-type]
    summary: list[list[object]] = []
    for rule in tqdm(rules, desc=f"intent heads on {backend}", unit="head"):
        directory = artifacts / "intent" / rule.taxonomy / rule.version
        head = LinearHead.load(directory)
        dev = rule.dev(root, int(head.metadata.get("seed", 42)))
        texts = list(dev.texts)
        x = np.vstack([encoder.encode(texts[i : i + 256]) for i in range(0, len(texts), 256)])
        proba = head.predict_proba(x)
        assert head.threshold is not None, f"{head.name} has no threshold"
        threshold = threshold_by_rule(rule, head, proba, dev.labels)
        at_torch, at_own = figures(head, proba, dev.labels, head.threshold), figures(head, proba, dev.labels, threshold)
        head.metadata.setdefault("backend_thresholds", {})[backend] = round(threshold, 6)
        head.metadata.setdefault("backend_threshold_figures", {})[backend] = {
            "dev_rows": len(texts),
            "at_torch_threshold": at_torch,
            "at_backend_threshold": at_own,
        }
        head.save(directory)
        _write_card_section(directory / "MODEL_CARD.md", head, rule, command)
        summary.append([head.name, backend, head.threshold, round(threshold, 4), at_torch, at_own])
    return summary


def _write_card_section(card: Path, head: LinearHead, rule: Rule, command: str) -> None:
    rows = []
    for backend, threshold in sorted(head.metadata.get("backend_thresholds", {}).items()):
        figs = head.metadata["backend_threshold_figures"][backend]
        assert head.threshold is not None
        for name, key, value in (
            ("torch", "at_torch_threshold", head.threshold),
            (backend, "at_backend_threshold", threshold),
        ):
            f = figs[key]
            row = [f["in_scope_abstain_rate"], f["in_scope_accuracy"], f.get("oos_recall", "-")]
            rows.append([backend, f"{name}'s: {value:.4f}", figs["dev_rows"], *row])
    body = (
        f"Written by `python -m {MODULE} {command}` (`make calibrate-int8`). The threshold above was tuned on "
        f"torch embeddings; ONNX Runtime fp32 reproduces them, int8 moves them slightly, so a server on that "
        f"backend uses the threshold the same rule ({rule.describe}) picks on its own embeddings of the same "
        "dev rows. Figures on that backend's embeddings:\n\n"
        + cards.table(
            ["backend", "threshold", "dev rows", "in-scope abstain rate", "in-scope accuracy", "OOS recall"], rows
        )
    )
    cards.replace_section(card, SECTION, body)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=Path, required=True, help="the folder holding banking77/, clinc150/ ...")
    parser.add_argument("--backend", choices=BACKENDS, default="onnx-int8")
    parser.add_argument("--artifacts", type=Path, default=ARTIFACTS_DIR, help="models/artifacts (default: bundled)")
    taxonomies = [rule.taxonomy for rule in RULES]
    parser.add_argument("--only", help=f"comma list of taxonomies to calibrate (default all: {','.join(taxonomies)})")
    args = parser.parse_args(argv)
    if not args.datasets.is_dir():
        parser.error(f"--datasets {args.datasets}: not a directory (it holds banking77/, clinc150/, ...)")
    only = [t.strip() for t in args.only.split(",") if t.strip()] if args.only else None
    unknown = sorted(set(only or ()) - set(taxonomies))
    if unknown:
        parser.error(f"--only: unknown taxonomies {unknown}. Valid taxonomies are: {', '.join(taxonomies)}")
    # The card records the command for all heads; --only just limits which are recalibrated this run.
    command = f"--datasets <datasets> --backend {args.backend}"
    rows = calibrate(args.datasets, args.backend, args.artifacts, command, only)
    print(cards.table(["head", "backend", "torch threshold", "backend threshold", "at torch's", "at its own"], rows))


if __name__ == "__main__":
    main()
