"""``evaluate`` for topics: a fit on the set's texts, scored against its labels, through the fake enricher."""

from __future__ import annotations

import json

import pytest

from eval.data import LabelledRow
from eval.report import write_report
from eval.tasks import EvalConfig, evaluate
from models.errors import InvalidInputError

THEMES = {
    "card": "my card was lost and stolen card blocked",
    "refund": "refund my money back refund please",
    "delivery": "delivery parcel late courier delivery",
}


def themed_rows(per_theme: int = 12) -> list[LabelledRow]:
    rows = []
    for label, words in THEMES.items():
        for i in range(per_theme):
            channel = "chat" if i % 2 else "email"
            rows.append(LabelledRow(f"{words} {' '.join(words.split()[: 1 + i % 3])}", label, {"channel": channel}))
    return rows


def test_topics_figures_stability_and_slices(enricher):
    result = evaluate(themed_rows(), EvalConfig("topics", slice_by=("channel",)), enricher=enricher)
    assert result["task"] == "topics" and result["n"] == 36
    assert result["outlier_share"] <= 0.10 + 1e-9
    # The three themes are separable even for a hashing encoder: every theme lands in its own topics.
    assert result["nmi"] > 0.6 and result["ari"] > 0.3
    assert 0.0 <= result["diversity"] <= 1.0 and -1.0 <= result["npmi"] <= 1.0
    # A refit on 90 % of the texts keeps the topics: every id, and the id of (almost) every text.
    assert result["stability"]["refit_share"] == 0.9 and result["stability"]["ids_kept"] == 1.0
    assert result["stability"]["docs_same_id"] >= 0.9
    assert result["assign_texts_per_s"] > 0 and result["n_topics"] == len(result["topics"])
    assert set(result["slices"]["channel"]) == {"chat", "email"}
    assert result["slices"]["channel"]["chat"]["n"] == 18
    json.dumps(result, allow_nan=False)


def test_topics_report_has_the_topic_table_and_size_plot(enricher, tmp_path):
    result = evaluate(themed_rows(), EvalConfig("topics"), enricher=enricher)
    paths = write_report(result, tmp_path)
    assert sorted(p.name for p in paths) == ["metrics.json", "report.md", "topic_sizes.png"]
    report = (tmp_path / "report.md").read_text()
    assert "| n_topics |" in report and "## Topics" in report and "## Per class" not in report


def test_too_few_rows_and_unknown_baseline_are_clear_errors(enricher):
    with pytest.raises(InvalidInputError, match="at least 10 labelled rows, got 3"):
        evaluate(themed_rows()[:3], EvalConfig("topics"), enricher=enricher)
    with pytest.raises(InvalidInputError, match="valid baselines are: bertopic"):
        evaluate(themed_rows(), EvalConfig("topics", baseline="vader"), enricher=enricher)


@pytest.mark.slow
def test_bertopic_default_baseline_runs_side_by_side(enricher):
    result = evaluate(themed_rows(20), EvalConfig("topics", baseline="bertopic"), enricher=enricher)
    figures = result["baselines"]["bertopic"]
    assert figures["n"] == 60 and {"nmi", "outlier_share", "n_topics", "diversity"} <= set(figures)
