"""--report DIR: report.md, metrics.json and three PNGs, from a result dict."""

from __future__ import annotations

import json

from eval.data import LabelledRow
from eval.report import write_report
from eval.tasks import EvalConfig, evaluate

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def test_report_files_are_written(tmp_path, enricher):
    data = [
        LabelledRow("terrible service", "negative", {"channel": "chat"}),
        LabelledRow("I love this", "positive", {"channel": "email"}),
        LabelledRow("my account number is ten", "neutral", {"channel": "chat"}),
    ]
    result = evaluate(data, EvalConfig("sentiment", slice_by=("channel",), baseline="vader"), enricher=enricher)
    written = write_report(result, tmp_path / "out")
    names = sorted(p.name for p in written)
    assert names == sorted(
        ["report.md", "metrics.json", "confusion_matrix.png", "reliability_diagram.png", "per_class_f1.png"]
    )
    for path in written:
        if path.suffix == ".png":
            assert path.read_bytes()[:8] == PNG_MAGIC and path.stat().st_size > 1000
    assert json.loads((tmp_path / "out" / "metrics.json").read_text()) == json.loads(json.dumps(result))
    report = (tmp_path / "out" / "report.md").read_text()
    assert "| figure | sentiment.v4 | baseline vader |" in report
    assert f"| accuracy | {result['accuracy']:.4f} | {result['baselines']['vader']['accuracy']:.4f} |" in report
    assert "## Slices by `channel`" in report
    assert "![reliability_diagram.png](reliability_diagram.png)" in report
