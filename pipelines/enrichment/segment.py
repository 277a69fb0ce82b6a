"""Turn an interaction into the text parts that get scored, with their speaker roles.

Each part keeps its position (``ContentPart`` + index) so that sentence and
entity offsets point into the caller's original text. Emails are cut before
quoted replies and signatures, so old threads and sign-offs do not dominate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipelines.enrichment.domain import (
    ContentPart,
    Email,
    Interaction,
    PlainText,
    SocialPost,
    SpeakerRole,
    Survey,
    Transcript,
)


@dataclass(frozen=True)
class Part:
    """One scored stretch of text: a turn, an email body, a survey answer, ..."""

    part: ContentPart
    index: int
    text: str
    role: SpeakerRole
    speaker_id: str = ""


# A line that starts the quoted history of an email thread.
_QUOTE_HEADER = re.compile(
    r"^\s*(>|On .{0,200}wrote:\s*$|-{2,}\s*Original Message\s*-{2,}|-{2,}\s*Forwarded message|"
    r"From:\s.+|Sent from my \w+|Get Outlook for)",
    re.IGNORECASE,
)
# A line that starts a signature block.
_SIGNATURE = re.compile(
    r"^\s*(--\s*$|__+\s*$|(best|kind|warm)(est)?\s+regards\b|regards,?\s*$|sincerely,?\s*$|cheers,?\s*$|"
    r"thanks,\s*$|thank you,\s*$|best,\s*$)",
    re.IGNORECASE,
)
# Sign-offs only count as a signature near the end of the message.
_SIGNATURE_TAIL_LINES = 8


def email_reply_end(body: str) -> int:
    """Character offset where the new reply in ``body`` ends (quotes and signature excluded)."""
    lines = body.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    cut = len(lines)
    for i, line in enumerate(lines):
        if _QUOTE_HEADER.match(line):
            cut = i
            break
    for i in range(max(0, cut - _SIGNATURE_TAIL_LINES), cut):
        if _SIGNATURE.match(lines[i]) and any(ln.strip() for ln in lines[:i]):
            cut = i
            break
    end = offsets[cut]
    return len(body[:end].rstrip())


def parts_of(interaction: Interaction) -> list[Part]:
    """The parts of an interaction that carry words to score, in reading order."""
    content = interaction.content
    customer = SpeakerRole.CUSTOMER
    parts: list[Part]
    match content:
        case Transcript(turns=turns):
            parts = [Part(ContentPart.TURN, i, t.text, t.role, t.speaker_id) for i, t in enumerate(turns)]
        case Email(subject=subject, body=body):
            parts = [
                Part(ContentPart.EMAIL_SUBJECT, 0, subject, customer),
                Part(ContentPart.EMAIL_BODY, 0, body[: email_reply_end(body)], customer),
            ]
        case Survey(responses=responses):
            parts = [Part(ContentPart.SURVEY_ANSWER, i, r.answer, customer) for i, r in enumerate(responses)]
        case SocialPost(text=text):
            parts = [Part(ContentPart.SOCIAL_TEXT, 0, text, customer)]
        case PlainText(text=text):
            parts = [Part(ContentPart.TEXT, 0, text, customer)]
    return [p for p in parts if p.text.strip()]


def customer_parts(parts: list[Part]) -> list[Part]:
    """Parts in the customer's own words (all parts, for channels without speakers)."""
    return [p for p in parts if p.role == SpeakerRole.CUSTOMER]
