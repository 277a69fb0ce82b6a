from __future__ import annotations

from pipelines.enrichment.domain import (
    ContentPart,
    Email,
    Interaction,
    PlainText,
    SocialPost,
    SpeakerRole,
    Survey,
    SurveyResponse,
    Transcript,
    Turn,
)
from pipelines.enrichment.segment import email_reply_end, parts_of

BODY = """Hi team,

My refund still has not arrived and I am really annoyed.

Best regards,
Jane Doe
Senior Buyer, ACME

On Mon, 3 Nov 2026 at 10:00, Support <support@example.com> wrote:
> Thank you for contacting us, your refund is on its way!
> We love our customers.
"""


def test_email_cut_before_signature_and_quote() -> None:
    end = email_reply_end(BODY)
    kept = BODY[:end]
    assert kept.endswith("really annoyed.")
    assert "Best regards" not in kept and "love our customers" not in kept


def test_email_quote_without_signature() -> None:
    body = "Still broken.\n> previous message\n> more"
    assert body[: email_reply_end(body)] == "Still broken."


def test_email_without_quotes_kept_whole() -> None:
    body = "The app crashes every time I open it.\nPlease fix."
    assert email_reply_end(body) == len(body)


def test_sign_off_early_in_a_long_mail_is_not_a_signature() -> None:
    lines = ["Thanks,", *[f"line {i} of the complaint" for i in range(20)]]
    body = "\n".join(lines)
    assert email_reply_end(body) == len(body)


def test_parts_of_every_content_kind() -> None:
    email = parts_of(Interaction("e", Email("Refund", BODY)))
    assert [p.part for p in email] == [ContentPart.EMAIL_SUBJECT, ContentPart.EMAIL_BODY]
    survey = parts_of(Interaction("s", Survey((SurveyResponse("Why?", "slow"), SurveyResponse("NPS", "", rating=3.0)))))
    assert [(p.part, p.index, p.text) for p in survey] == [(ContentPart.SURVEY_ANSWER, 0, "slow")]
    social = parts_of(Interaction("p", SocialPost("@acme down again", platform="x")))
    assert social[0].part == ContentPart.SOCIAL_TEXT and social[0].role == SpeakerRole.CUSTOMER
    plain = parts_of(Interaction("t", PlainText("hello")))
    assert plain[0].part == ContentPart.TEXT
    turns = parts_of(
        Interaction("c", Transcript((Turn(SpeakerRole.AGENT, "hi", "a1"), Turn(SpeakerRole.CUSTOMER, "yo", "c1"))))
    )
    assert [(p.index, p.role, p.speaker_id) for p in turns] == [
        (0, SpeakerRole.AGENT, "a1"),
        (1, SpeakerRole.CUSTOMER, "c1"),
    ]
