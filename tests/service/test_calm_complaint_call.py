"""Issue 20's acceptance call, with the shipped models: a customer calmly reports a problem three times, thanks the
agent, and the call must still count against the experience score."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipelines.enrichment.domain import (
    Channel,
    EnrichOptions,
    Interaction,
    SentimentLabel,
    SpeakerRole,
    Transcript,
    Turn,
)
from pipelines.enrichment.enricher import Enricher
from pipelines.journeys.database import default_url
from pipelines.journeys.domain import Touchpoint
from pipelines.journeys.journeys import Journeys
from pipelines.journeys.pii import Redactor
from pipelines.journeys.store import JourneyStore

C, A = SpeakerRole.CUSTOMER, SpeakerRole.AGENT
TURNS = [
    (A, "Thank you for calling, this is Sam. How can I help you today?"),
    (C, "Hi Sam. My internet has been down since yesterday morning."),
    (A, "I'm sorry to hear that. Can I have your account number please?"),
    (C, "Sure, it's 4471 2203."),
    (A, "Thank you. I can see your account. Have you restarted the router?"),
    (C, "Yes, I restarted it twice yesterday and once this morning. It still doesn't connect."),
    (A, "Okay. Let me run a line test from here."),
    (C, "Okay."),
    (A, "The line test shows no fault on our side."),
    (C, "The connection is still not working though. This is the third outage this month."),
    (A, "I understand. I can book an engineer visit for you."),
    (C, "When is the earliest visit?"),
    (A, "The earliest slot is next Tuesday between 8 and 12."),
    (C, "That's five days without internet, and I work from home."),
    (A, "I'm sorry, that is the earliest we have."),
    (C, "I was also charged for the full month even though the service keeps failing."),
    (A, "I can add a credit of ten pounds to your account."),
    (C, "Alright. Please book the Tuesday visit then."),
    (A, "Done, the engineer is booked for Tuesday. Is there anything else?"),
    (C, "No, that's all. Thank you for your help, Sam."),
]
AT = datetime(2026, 12, 1, tzinfo=UTC)
CALL = Interaction(
    "calm-call",
    Transcript(tuple(Turn(role, text, role.value) for role, text in TURNS)),
    customer_id="cust",
    channel=Channel.CALL,
    occurred_at=AT,
)


def test_a_calm_complaint_call_scores_below_neutral(enricher: Enricher, tmp_path: Path) -> None:
    assert len(TURNS) == 20
    (result,) = enricher.enrich([CALL], EnrichOptions())
    assert result.sentiment is not None and result.sentiment.score < -0.1
    assert result.satisfaction is not None and result.satisfaction.score < 0
    store = JourneyStore.open(default_url(tmp_path))
    try:
        journeys = Journeys(store=store, enrich=enricher.enrich, redactor=Redactor(nlp=None), clock=lambda: AT)
        journeys.record([Touchpoint("calm-call", "cust", Channel.CALL, AT, interaction=CALL)])
        score = journeys.score("cust", as_of=AT)
    finally:
        store.close()
    assert score is not None and score.score < 50
    components = {d.key: d.points for d in score.drivers if d.dimension == "component"}
    assert components["sentiment"] < 0 and components["satisfaction"] < 0


@pytest.mark.xfail(
    strict=True,
    reason="issue 20, open: sentiment v4 (v3's weights) reads this call's document as neutral (score about -0.16); "
    "the calm outage reports are unlike the register's banking and retail problems",
)
def test_a_calm_complaint_call_reads_negative(enricher: Enricher) -> None:
    (result,) = enricher.enrich([CALL], EnrichOptions())
    assert result.sentiment is not None and result.sentiment.label == SentimentLabel.NEGATIVE
