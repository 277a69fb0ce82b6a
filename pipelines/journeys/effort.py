"""Conversational effort read from the words: customers correcting the agent, agents unable to help.

A customer who has to say "No, that's not right, I need four tickets" or "Please find
something else" is doing work the agent should have spared them. Sentiment models rightly
read such turns as neutral, so the score counts them as effort instead (docs/scoring.md).
Likewise an agent who says "Sorry, I can't find any flights" has not resolved the contact,
however politely: with no outcome given, the score reads that as an inferred unresolved outcome.

The detector is a small English lexicon, kept transparent on purpose: a turn is a correction
when it opens with a refusal or a correction ("no", "nope", "not ...", "that's not",
"wrong", "I said", "actually") or asks for another try ("try again", "something else",
"not what I asked", "instead"). Only turns that follow an agent turn count.

A "no" that closes a conversation is not a correction: polite closings ("No problem", "No worries",
"Not bad at all", "No thanks, that's all") never count, and neither does any "no..." answering an
agent's "Anything else?" (a customer declining more help is done, not correcting).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipelines.enrichment.domain import SpeakerRole

_OPENERS = (
    r"no\b",
    r"nope\b",
    r"nah\b",
    r"not\b",
    r"that'?s not\b",
    r"that is not\b",
    r"wrong\b",
    r"incorrect\b",
    r"i said\b",
    r"i already (said|told)\b",
    r"actually\b",
)
_ANYWHERE = (
    r"not (right|correct|what i (asked|wanted|said|meant))",
    r"that'?s wrong",
    r"try again",
    r"(find|show|give me|search for) (me )?(something|anything|some|other|another) ?(else|other|options?)?",
    r"something else",
    r"\binstead\b",
    r"(didn'?t|doesn'?t|does not|did not|still not) (work|help)",
    r"you (misunderstood|got it wrong)",
)
_CORRECTION = re.compile(
    r"^\W*(?:" + "|".join(_OPENERS) + r")|" + "|".join(_ANYWHERE),
    re.IGNORECASE,
)


# Openers that say "no" without rejecting anything: closings, thanks, reassurance.
_CLOSING = re.compile(
    r"^\W*(?:"
    r"no (?:problem|prob|worries|worry|rush|need|bother)\b"
    r"|not (?:a problem|an issue|bad|too bad)\b"
    r"|not at all\W*$"
    r"|no,? (?:thanks?|thank you|ty)\b"
    r"|(?:no|nope|nah),? (?:that'?s|that is|it'?s|i'?m|i am|we'?re|nothing)"
    r" ?(?:all|everything|it|fine|good|great|perfect|ok(?:ay)?|all set|set|else|more)\b"
    r")",
    re.IGNORECASE,
)
# An agent offering more help: a "no" after it declines the offer.
_OFFER = re.compile(
    r"\b(?:anything|something) (?:else|more)\b|\bis that (?:all|everything)\b|\b(?:help|assist) you with\b",
    re.IGNORECASE,
)


_INABILITY = re.compile(
    r"\b(sorry|unfortunately)\b.*"
    r"\b(can'?t|cannot|unable|couldn'?t|not (able|available|possible|find)|no (results|availability))"
    r"|\b(unable to|i can'?t|i cannot|i couldn'?t|not authori[sz]ed)\b",
    re.IGNORECASE,
)


def is_inability(text: str) -> bool:
    """Whether an agent turn says the agent cannot do what was asked."""
    return bool(_INABILITY.search(text))


def agent_failures(turns: Sequence[tuple[SpeakerRole, str]]) -> int:
    """Agent (or bot) turns that say the agent cannot do what was asked."""
    return sum(role in (SpeakerRole.AGENT, SpeakerRole.BOT) and is_inability(text) for role, text in turns)


def is_correction(text: str, *, after: str = "") -> bool:
    """Whether one customer turn rejects or corrects what came before it.

    Args:
        after: the agent turn it answers; a "no" to an offer of more help is not a correction.
    """
    if _CLOSING.search(text):
        return False
    if after and _OFFER.search(after) and not re.search("|".join(_ANYWHERE), text, re.IGNORECASE):
        return False
    return bool(_CORRECTION.search(text))


def corrections(turns: Sequence[tuple[SpeakerRole, str]]) -> int:
    """Customer turns that follow an agent (or bot) turn and reject or correct it."""
    count = 0
    previous, previous_text = SpeakerRole.UNSPECIFIED, ""
    for role, text in turns:
        agent_before = previous in (SpeakerRole.AGENT, SpeakerRole.BOT)
        if role == SpeakerRole.CUSTOMER and agent_before and is_correction(text, after=previous_text):
            count += 1
        previous, previous_text = role, text
    return count
