"""The load test, short: a real server offered three times its measured capacity for a few seconds."""

from __future__ import annotations

import pytest

from eval.bench import load_test


@pytest.mark.slow
def test_overload_is_refused_with_resource_exhausted_and_loses_no_accepted_touchpoint():
    report = load_test.run(
        load_test.build_parser().parse_args(
            ["--duration", "10", "--capacity-seconds", "5", "--factor", "3", "--rss-growth", "0.25"]
        )
    )
    assert report["errors_by_code"].keys() == {"RESOURCE_EXHAUSTED"}, report  # overloaded, and nothing else went wrong
    assert report["touchpoints_accepted"] > 0
    assert report["touchpoints_stored_of_accepted"] == report["touchpoints_accepted"]
    assert report["touchpoints_unknown_outcome"] == 0
    assert report["passed"], report
