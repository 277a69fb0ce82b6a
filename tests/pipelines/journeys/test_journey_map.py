"""The journey map: its numbers come from the scoring core, its page and picture show them (a real browser looks)."""

from __future__ import annotations

import dataclasses
import io
import re
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image as mpimg

from pipelines.enrichment.domain import Channel
from pipelines.journeys import journey_map as jm
from pipelines.journeys.database import default_url
from pipelines.journeys.domain import Alert, AlertRule, NewAlert, Outcome, StoredTouchpoint, TouchpointSignals
from pipelines.journeys.scoring import ScoringConfig, evidence_of, experience_score, score_of
from pipelines.journeys.store import JourneyStore
from tests.browser import dump_dom, find_chromium, screenshot
from tests.pipelines.journey_builders import T0, tp

AS_OF = T0 + timedelta(days=3)


def angry_repeat_caller() -> list[StoredTouchpoint]:
    """Issue 21's journey: an unresolved chat, an unresolved call after a long hold, a 1-of-10 survey; then a fix."""
    return [
        tp("t1", sentiment=-0.7, intent="disputecharge", outcome=Outcome.UNRESOLVED, journey="j1"),
        tp("t2", days=1, channel=Channel.CALL, sentiment=-0.5, outcome=Outcome.UNRESOLVED, journey="j1", hold=420),
        tp("t3", days=1.5, channel=Channel.SURVEY, sentiment=-0.8, rating=0.0, journey="j1"),
        tp("t4", days=2, sentiment=0.6, intent="thanks", outcome=Outcome.RESOLVED, journey="j1"),
    ]


def happy_buyer() -> list[StoredTouchpoint]:
    return [
        tp("h1", customer="c2", sentiment=0.5, intent="track_order", outcome=Outcome.RESOLVED),
        tp("h2", customer="c2", days=1, channel=Channel.SURVEY, sentiment=0.8, rating=0.9),
    ]


def repeat_alert(customer: str = "c1") -> Alert:
    return Alert(
        7,
        AlertRule.REPEAT_UNRESOLVED,
        customer,
        raised_at=T0 + timedelta(days=1),
        occurred_at=T0 + timedelta(days=1),
        message="second unresolved contact in journey j1 within 7 days",
        touchpoint_ids=("t1", "t2"),
        journey_id="j1",
        details={"matched": "journey_stage"},
    )


# --- the numbers ---------------------------------------------------------------------------------


def test_the_trend_is_the_scoring_cores_score_at_every_moment() -> None:
    config = ScoringConfig()
    history = angry_repeat_caller()
    m = jm.build_map("c1", history, [repeat_alert()], as_of=AS_OF, scoring=config)
    evidence = evidence_of(history, config)
    for point in m.trend[:: max(1, len(m.trend) // 20)]:
        assert (point.score, point.low, point.high) == pytest.approx(score_of(evidence, point.at, config)[:3])
        assert point.low <= point.score <= point.high
    assert m.score == experience_score("c1", history, as_of=AS_OF, config=config)
    # Each contact is a step: just before t1 the score is the prior's 50, at t1 (negative, unresolved) it is lower.
    at = {p.at: p.score for p in m.trend}
    assert at[T0 - timedelta(milliseconds=1)] == pytest.approx(50.0)
    assert at[T0] < 40
    # The resolved, positive t4 lifts it.
    t4 = history[3].occurred_at
    assert at[t4] > at[t4 - timedelta(milliseconds=1)]
    assert m.trend[0].at < T0 and m.trend[-1].at >= t4


def test_top_drivers_are_the_largest_either_way_and_sum_with_the_rest_to_score_minus_50() -> None:
    m = jm.build_map("c1", angry_repeat_caller(), as_of=AS_OF, top_drivers=3)
    top = m.drivers("reason")
    assert len(top) == 3
    every = [d for d in m.score.drivers if d.dimension == "reason"]
    assert sum(d.points for d in every) == pytest.approx(m.score.score - 50)
    assert [abs(d.points) for d in top] == sorted((abs(d.points) for d in every), reverse=True)[:3]
    assert top[0].key == "survey rating" and top[0].points < 0


def test_a_long_history_labels_only_the_contacts_alerts_name() -> None:
    history = [tp(f"t{i}", days=i / 4, sentiment=0.1, intent=f"intent_{i:02d}_") for i in range(jm.LABEL_LIMIT + 10)]
    alert = dataclasses.replace(repeat_alert(), touchpoint_ids=("t3", "t4"))
    svg = jm.render_svg(jm.build_map("c1", history, [alert], as_of=AS_OF))
    labels = sorted(set(re.findall(r"intent_\d\d_", svg)))
    assert labels == ["intent_03_", "intent_04_"]
    short = jm.render_svg(jm.build_map("c1", history[: jm.LABEL_LIMIT], as_of=AS_OF))
    assert len(set(re.findall(r"intent_\d\d_", short))) == jm.LABEL_LIMIT


def test_no_touchpoints_is_an_error_that_names_the_customer() -> None:
    with pytest.raises(ValueError, match="'c9' has no touchpoints"):
        jm.build_map("c9", [])


def test_sentiment_class_reads_the_label_then_the_score() -> None:
    def with_signals(**signals: object) -> StoredTouchpoint:
        return dataclasses.replace(tp("x"), signals=TouchpointSignals(**signals))  # type: ignore[arg-type]

    assert jm.sentiment_class(with_signals(sentiment=0.9, sentiment_label="negative")) == "negative"
    assert jm.sentiment_class(with_signals(sentiment=0.1, sentiment_label="mixed")) == "mixed"
    assert jm.sentiment_class(with_signals(sentiment=-0.4)) == "negative"
    assert jm.sentiment_class(with_signals(sentiment=0.1)) == "neutral"
    assert jm.sentiment_class(with_signals(sentiment=0.3)) == "positive"
    assert jm.sentiment_class(with_signals()) == "none"


def test_intent_shows_its_category_when_the_signals_carry_one() -> None:
    # Signals of a taxonomy with categories (issue 21 adds TouchpointSignals.intent_category); older ones lack it.
    with_category = dataclasses.make_dataclass(
        "WithCategory", [("intent_category", str, "")], bases=(TouchpointSignals,), frozen=True
    )
    plain = tp("x", intent="cancel_account")
    categorised = dataclasses.replace(plain, signals=with_category(intent="cancel_account", intent_category="leaving"))
    assert jm.intent_text(plain) == "cancel_account"
    assert jm.intent_text(categorised) == "cancel_account (leaving)"
    assert jm.intent_text(tp("y")) == "no intent"
    page = jm.render_html(jm.build_map("c1", [categorised], as_of=AS_OF))
    assert '<td class="category">leaving</td>' in page
    assert "cancel_account (leaving)" in page  # the figure's label, kept as SVG text


@pytest.mark.parametrize(
    ("name", "fmt", "expected"),
    [("map.html", None, "html"), ("MAP.PNG", None, "png"), ("map.htm", None, "html"), ("map.out", "png", "png")],
)
def test_output_format_from_the_suffix_or_the_flag(name: str, fmt: str | None, expected: str) -> None:
    assert jm.output_format(name, fmt) == expected


def test_an_unknown_suffix_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match=r"'\.pdf'; valid suffixes are: \.html, \.htm, \.png"):
        jm.output_format("map.pdf")
    with pytest.raises(ValueError, match=r"suffix '\(none\)'"):
        jm.output_format("map")
    with pytest.raises(ValueError, match="valid formats are: html, png"):
        jm.output_format("map.html", "svg")


# --- the page and the picture ----------------------------------------------------------------------


def test_the_page_is_self_contained_and_names_what_it_shows() -> None:
    page = jm.render_html(jm.build_map("c1", angry_repeat_caller(), [repeat_alert()], journey_id="j1", as_of=AS_OF))
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page), "the page loads something from a network"
    assert "<link" not in page and "<script" not in page and "@import" not in page
    rows = re.findall(r'<tr class="touchpoint sentiment-(\w+)" data-touchpoint-id="(\w+)"', page)
    assert rows == [("negative", "t1"), ("negative", "t2"), ("negative", "t3"), ("positive", "t4")]
    assert '<tr class="alert rule-repeat_unresolved" data-alert-id="7">' in page
    assert "second unresolved contact in journey j1 within 7 days" in page
    assert '<tr class="driver driver-down" data-dimension="reason"><td>reason</td><td class="key">survey rating' in page
    assert page.count("<svg") == 1 and "disputecharge" in page.split("<svg")[1]  # labels are text in the figure
    assert 'id="score" data-score="' in page


def _pixels_near(image: np.ndarray, colour: str, tolerance: int = 40) -> int:
    """How many pixels are within ``tolerance`` (per channel, 0-255) of ``colour``."""
    rgb = np.asarray([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    pixels = image[..., :3].astype(float)
    if pixels.max() <= 1.0:  # matplotlib reads PNGs as floats in [0, 1]
        pixels = pixels * 255
    return int((np.abs(pixels - rgb).max(axis=-1) <= tolerance).sum())


def test_the_png_shows_red_only_for_negative_contacts() -> None:
    angry = mpimg.imread(io.BytesIO(jm.render_png(jm.build_map("c1", angry_repeat_caller(), as_of=AS_OF))))
    happy = mpimg.imread(io.BytesIO(jm.render_png(jm.build_map("c2", happy_buyer(), as_of=AS_OF))))
    assert angry.shape[:2] == (round(jm.FIGURE_SIZE[1] * 110), round(jm.FIGURE_SIZE[0] * 110))
    red, green = jm.SENTIMENT_COLOURS["negative"], jm.SENTIMENT_COLOURS["positive"]
    # Three negative markers and one positive, each colour also once in the legend.
    assert _pixels_near(angry, red) > 2 * _pixels_near(angry, green) > 0
    assert _pixels_near(happy, red) == 0 and _pixels_near(happy, green) > 0


# --- in a real browser -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def chromium() -> str:
    binary, reason = find_chromium()
    if binary is None:
        pytest.skip(reason)
    return binary


def _seeded_store(tmp_path: Path) -> JourneyStore:
    """A SQLite store holding both customers' touchpoints and the repeat caller's alert, written as the service does."""
    store = JourneyStore.open(default_url(tmp_path / "data"))
    alert = repeat_alert()
    new = NewAlert(alert.rule, "c1", alert.occurred_at, alert.message, alert.touchpoint_ids, "j1", alert.details)
    store.write([*angry_repeat_caller(), *happy_buyer()], after_insert=lambda conn, ids: ([new], {}))
    return store


def _page(tmp_path: Path, store: JourneyStore, customer: str) -> Path:
    touchpoints = store.touchpoints([customer])[customer]
    page = tmp_path / f"{customer}.html"
    page.write_text(
        jm.render_html(jm.build_map(customer, touchpoints, store.alerts(customer_id=customer), as_of=AS_OF))
    )
    return page


@pytest.mark.browser
def test_chromium_shows_the_touchpoints_alerts_and_sentiment_colours(chromium: str, tmp_path: Path) -> None:
    store = _seeded_store(tmp_path)
    try:
        angry, happy = _page(tmp_path, store, "c1"), _page(tmp_path, store, "c2")
    finally:
        store.close()

    dom = dump_dom(chromium, angry)
    rows = re.findall(r'<tr class="touchpoint sentiment-(\w+)" data-touchpoint-id="(\w+)"', dom)
    assert rows == [("negative", "t1"), ("negative", "t2"), ("negative", "t3"), ("positive", "t4")]
    assert re.search(r'<tr class="alert rule-repeat_unresolved" data-alert-id="\d+">', dom)
    assert "second unresolved contact in journey j1 within 7 days" in dom
    assert re.search(r"<text[^>]*>[^<]*disputecharge", dom), "the figure's intent label is not in the rendered SVG"

    shot = mpimg.imread(screenshot(chromium, angry, tmp_path / "c1.png"))
    assert shot.shape[:2] == (1000, 1400)
    flat = shot[..., :3].reshape(-1, 3)
    assert flat.std() > 0.05 and len(np.unique(flat, axis=0)) > 50, "the screenshot is blank"
    red, green = jm.SENTIMENT_COLOURS["negative"], jm.SENTIMENT_COLOURS["positive"]
    red_pixels, green_pixels = _pixels_near(shot, red), _pixels_near(shot, green)
    # Three negative markers (about 300 px each at this size) and badges; one positive marker and badge.
    assert red_pixels > 600 and green_pixels > 150 and red_pixels > 2 * green_pixels

    control = mpimg.imread(screenshot(chromium, happy, tmp_path / "c2.png"))
    assert _pixels_near(control, red) == 0, "red on a page with no negative contact"
    assert _pixels_near(control, green) > 150
