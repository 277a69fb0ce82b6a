"""Conversational effort: customer turns that reject or correct what the agent just said.

A customer who has to say "No, that's not right, I need four tickets" or "Please find
something else" is doing work the agent should have spared them. Sentiment models rightly
read such turns as neutral, so the score counts them as effort instead (docs/scoring.md).

The detector is a small English lexicon, kept transparent on purpose: a turn is a correction
when it opens with a refusal or a correction ("no", "nope", "not ...", "that's not",
"wrong", "I said", "actually") or asks for another try ("try again", "something else",
"not what I asked", "instead"). Only turns that follow an agent turn count.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pipelines.domain import SpeakerRole

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


def is_correction(text: str) -> bool:
    """Whether one customer turn rejects or corrects what came before it."""
    return bool(_CORRECTION.search(text))


def corrections(turns: Sequence[tuple[SpeakerRole, str]]) -> int:
    """Customer turns that follow an agent (or bot) turn and reject or correct it."""
    count = 0
    previous = SpeakerRole.UNSPECIFIED
    for role, text in turns:
        if role == SpeakerRole.CUSTOMER and previous in (SpeakerRole.AGENT, SpeakerRole.BOT) and is_correction(text):
            count += 1
        previous = role
    return count
