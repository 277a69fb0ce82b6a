"""eval.bench.enrich's ratios: the issue's bars computed from the figures of one run."""

from __future__ import annotations

import re

from eval.bench.enrich import ratios, side_by_side


def _report() -> dict:
    return {
        "data": "test",
        "in_process_onnx-int8": {
            "texts_per_s": 300.0,
            "texts_per_s_unpipelined": 250.0,
            "texts_per_s_without_entities": 450.0,
            "texts_per_s_free_parse": 480.0,
            "encoder_only_texts_per_s": 600.0,
        },
        "latency": {
            "short_texts": "10 of 20 at most 25 tokens",
            "single_text_latency_ms_8_clients_p50": 20.0,
            "single_text_latency_ms_8_clients_p99": 29.0,
        },
    }


def test_full_enrichment_the_lean_and_the_free_parse_over_the_encoder_pass_and_the_latency_spread():
    out = ratios(_report(), "onnx-int8")
    assert out["onnx-int8_full_over_encoder_only"] == 0.5
    assert out["onnx-int8_without_entities_over_encoder_only"] == 0.75
    assert out["onnx-int8_free_parse_over_encoder_only"] == 0.8
    assert out["single_text_p99_over_p50"] == 1.45


def test_the_table_shows_the_lean_and_free_parse_rates_and_the_latency_part():
    report = _report()
    report["ratios"] = ratios(report, "onnx-int8")
    table = side_by_side(report)
    assert re.search(r"in-process onnx-int8 without entities; with a free parse texts/s +450.0; 480.0", table)
    assert "20.0 / 29.0" in table
    assert "single_text_p99_over_p50" in table
