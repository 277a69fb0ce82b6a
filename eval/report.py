"""Write an eval result to a folder: report.md, metrics.json and PNG plots (matplotlib, Agg backend).

report.md                 headline figures beside each baseline, per-class table, slices
metrics.json              the whole result, as ``journeymine eval --json`` prints it
confusion_matrix.png      rows = gold, columns = predicted, row-normalised
reliability_diagram.png   accuracy against confidence per ECE bin
per_class_f1.png          F1 per gold label, worst first
topic_sizes.png           (topics) documents per topic, largest first, instead of the three plots above
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from eval.metrics import SLICE_KEYS

HEADLINE_KEYS = (*SLICE_KEYS, "throughput_texts_per_s")
TOPIC_KEYS = ("n", "n_topics", "outlier_share", "npmi", "diversity", "nmi", "ari", "fit_seconds", "assign_texts_per_s")
# Beyond this many labels the confusion matrix drops its tick labels (they would overlap).
MAX_TICK_LABELS = 40


def write_report(result: Mapping[str, Any], directory: Path) -> list[Path]:
    """Write every report file into ``directory`` (created if needed); returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    metrics_path = directory / "metrics.json"
    metrics_path.write_text(json.dumps(result, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    if result.get("task") == "topics":
        plots = [_topic_sizes_png(result, directory / "topic_sizes.png")]
    else:
        plots = [
            _confusion_png(result, directory / "confusion_matrix.png"),
            _reliability_png(result, directory / "reliability_diagram.png"),
            _per_class_png(result, directory / "per_class_f1.png"),
        ]
    report_path = directory / "report.md"
    report_path.write_text(markdown(result, [p.name for p in plots]), encoding="utf-8")
    return [report_path, metrics_path, *plots]


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.1f}" if value >= 10 else f"{value:.4f}"
    return str(value)


def headline_table(result: Mapping[str, Any]) -> list[str]:
    """Markdown rows: one column for the model, one per baseline."""
    columns = [(str(result.get("model", "model")), result)]
    columns += [(f"baseline {name}", figures) for name, figures in result.get("baselines", {}).items()]
    keys = [k for k in _keys(result) if any(k in figures for _, figures in columns)]
    lines = ["| figure | " + " | ".join(name for name, _ in columns) + " |", "|---" * (len(columns) + 1) + "|"]
    lines += [f"| {k} | " + " | ".join(_fmt(figures.get(k)) for _, figures in columns) + " |" for k in keys]
    return lines


def _keys(result: Mapping[str, Any]) -> tuple[str, ...]:
    return TOPIC_KEYS if result.get("task") == "topics" else HEADLINE_KEYS


def markdown(result: Mapping[str, Any], plots: list[str]) -> str:
    """The human-readable report."""
    out = [f"# Evaluation: {result.get('task')} — {result.get('model')}", ""]
    if result.get("data"):
        out += [f"Data: `{result['data']}`", ""]
    if result.get("restricted_to"):
        out += [f"Scored over the labels present: {', '.join(result['restricted_to'])}.", ""]
    out += ["## Headline", "", *headline_table(result), ""]
    for name, figures in result.get("baselines", {}).items():
        if figures.get("trained"):
            trained = ", ".join(f"{k} {_fmt(v)}" for k, v in figures["trained"].items())
            out += [f"Baseline `{name}`: {trained}.", ""]
    if result.get("per_class"):
        out += ["## Per class", "", "| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
        for label, c in sorted(result["per_class"].items()):
            out.append(f"| {label} | {c['precision']:.4f} | {c['recall']:.4f} | {c['f1']:.4f} | {c['support']} |")
        out.append("")
    if result.get("topics"):
        out += ["## Topics", "", "| id | label | size | keywords |", "|---|---|---|---|"]
        for t in result["topics"]:
            out.append(f"| {t['id']} | {t['label']} | {t['size']} | {', '.join(t['keywords'])} |")
        out.append("")
    for field_name, values in result.get("slices", {}).items():
        out += [f"## Slices by `{field_name}`", ""]
        keys = [k for k in _keys(result) if any(k in v for v in values.values())]
        out += ["| value | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
        out += [f"| {value} | " + " | ".join(_fmt(v.get(k)) for k in keys) + " |" for value, v in values.items()]
        out.append("")
    out += ["## Plots", ""] + [f"![{p}]({p})" for p in plots] + [""]
    return "\n".join(out)


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _confusion_png(result: Mapping[str, Any], path: Path) -> Path:
    plt = _pyplot()
    labels = result["confusion"]["labels"]
    matrix = np.asarray(result["confusion"]["matrix"], dtype=np.float64).reshape(len(labels), len(labels))
    norm = matrix / np.clip(matrix.sum(axis=1, keepdims=True), 1, None)
    size = min(4 + 0.25 * len(labels), 24)
    fig, ax = plt.subplots(figsize=(size, size))
    image = ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="share of gold row")
    if len(labels) <= MAX_TICK_LABELS:
        ax.set_xticks(range(len(labels)), labels, rotation=90, fontsize=8)
        ax.set_yticks(range(len(labels)), labels, fontsize=8)
        if len(labels) <= 10:
            for i in range(len(labels)):
                for j in range(len(labels)):
                    ax.text(j, i, int(matrix[i, j]), ha="center", va="center", fontsize=8)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    ax.set_title(f"Confusion matrix: {result.get('model')}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _reliability_png(result: Mapping[str, Any], path: Path) -> Path:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    bins = [b for b in result.get("reliability", []) if b["count"]]
    if bins:
        centres = [(b["lower"] + b["upper"]) / 2 for b in bins]
        width = bins[0]["upper"] - bins[0]["lower"]
        ax.bar(centres, [b["accuracy"] for b in bins], width=width * 0.9, alpha=0.7, label="accuracy")
        ax.plot([b["confidence"] for b in bins], [b["accuracy"] for b in bins], marker="o", color="C1")
        ax.set_title(f"Reliability (ECE {result['ece']:.4f})")
    else:
        ax.set_title("Reliability: no probabilities")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("confidence (top probability)")
    ax.set_ylabel("accuracy")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _per_class_png(result: Mapping[str, Any], path: Path) -> Path:
    per_class = {k: v for k, v in result.get("per_class", {}).items() if v["support"] > 0}
    ordered = sorted(per_class.items(), key=lambda kv: kv[1]["f1"])
    return _barh_png(
        path,
        [k for k, _ in ordered],
        [v["f1"] for _, v in ordered],
        xlabel="F1",
        title=f"Per-class F1: {result.get('model')}",
        xlim=(0, 1),
    )


def _topic_sizes_png(result: Mapping[str, Any], path: Path) -> Path:
    ordered = sorted(result.get("topics", []), key=lambda t: t["size"])
    return _barh_png(
        path,
        [f"{t['id']}: {t['label']}" for t in ordered],
        [t["size"] for t in ordered],
        xlabel="documents",
        title=f"Topic sizes ({result.get('n_topics')} topics, {result.get('outlier_share', 0):.1%} without one)",
    )


def _barh_png(
    path: Path,
    labels: list[str],
    values: list[float],
    *,
    xlabel: str,
    title: str,
    xlim: tuple[float, float] | None = None,
) -> Path:
    """One horizontal bar per label, in the order given (the first at the bottom)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, max(3, 0.2 * len(labels) + 1)))
    ax.barh(labels, values, color="C0")
    if xlim is not None:
        ax.set_xlim(*xlim)
    ax.set_xlabel(xlabel)
    ax.tick_params(axis="y", labelsize=7 if len(labels) > 30 else 9)
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
