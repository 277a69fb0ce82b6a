"""Conversation metrics of a timed transcript: talk time, silence, overtalk, interruptions, response time.

Pure arithmetic over turn offsets, no model. The definitions (docs/conversation.md) in short:

- A turn is *timed* when it has both ``start_ms`` and ``end_ms``; only timed turns enter the
  time figures, every turn enters the counts. Gaps and overlaps are data, not errors
  (``end_ms < start_ms`` is refused earlier, by validation).
- **Talk time** of a role: the length of the union of its timed turns (a role's own overlapping
  turns count once). **Talk share**: a role's talk time over the sum of all roles' talk times.
- **Silence**: inside [first start, last end], the time no timed turn covers. ``silence_count``
  counts the silent gaps of at least ``silence_threshold_ms``; ``longest_silence_ms`` is the longest gap.
- **Overtalk**: the time two or more speakers talk at once (a speaker is ``speaker_id``, or the role
  when it is empty); ``overtalk_count`` counts the pairs of overlapping turns of different speakers.
- **Interruption**: turn B cuts in on turn A of another speaker when B starts after A starts and
  before A ends, overlaps A by at least ``interruption_min_overlap_ms`` and is still talking when A
  ends (it takes the floor). A short "mm-hm" inside A is overtalk, not an interruption.
- **Response time**: for each customer turn that the next turn in time order answers with an agent
  turn, ``agent start - customer end``, 0 when the agent started before the customer finished.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from pydantic import BaseModel, ConfigDict

from pipelines.enrichment.domain import ConversationMetrics, InterruptionCount, RoleTalk, SpeakerRole, Turn


class ConversationConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # Default for options.silence_threshold_ms: a gap at least this long counts as a silence.
    silence_threshold_ms: int = 2000
    # An overlap shorter than this at a turn boundary is overtalk, never an interruption.
    interruption_min_overlap_ms: int = 300


@dataclass(frozen=True)
class _Timed:
    index: int
    role: SpeakerRole
    speaker: str
    start: int
    end: int


def _union(intervals: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merged, sorted, disjoint intervals covering the same time."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _length(intervals: Sequence[tuple[int, int]]) -> int:
    return sum(end - start for start, end in intervals)


def _overtalk_ms(timed: Sequence[_Timed]) -> int:
    """Time covered by turns of two or more distinct speakers (a sweep over start/end events)."""
    events = sorted([(t.start, 1, t.speaker) for t in timed] + [(t.end, -1, t.speaker) for t in timed])
    active: dict[str, int] = {}
    total, last = 0, None
    for time, delta, speaker in events:
        if last is not None and sum(1 for n in active.values() if n > 0) >= 2:
            total += time - last
        active[speaker] = active.get(speaker, 0) + delta
        last = time
    return total


def conversation_metrics(
    turns: Sequence[Turn], *, silence_threshold_ms: int | None = None, config: ConversationConfig | None = None
) -> ConversationMetrics:
    """The metrics of ``turns`` (transcript order); time figures are 0 when no turn is timed."""
    config = config or ConversationConfig()
    threshold = config.silence_threshold_ms if silence_threshold_ms is None else silence_threshold_ms
    timed = sorted(
        (
            _Timed(i, t.role, t.speaker_id or t.role.value, t.start_ms, t.end_ms)
            for i, t in enumerate(turns)
            if t.start_ms is not None and t.end_ms is not None
        ),
        key=lambda t: (t.start, t.end, t.index),
    )
    covered = _union([(t.start, t.end) for t in timed])
    gaps = [b[0] - a[1] for a, b in pairwise(covered)]
    role_talk = {role: _length(_union([(t.start, t.end) for t in timed if t.role == role])) for role in SpeakerRole}
    all_talk = sum(role_talk.values())

    roles = []
    for role in SpeakerRole:
        mine = [t for t in turns if t.role == role]
        if not mine:
            continue
        mine_timed = [t for t in timed if t.role == role]
        words = sum(len(t.text.split()) for t in mine)
        roles.append(
            RoleTalk(
                role=role,
                turn_count=len(mine),
                timed_turn_count=len(mine_timed),
                word_count=words,
                talk_ms=role_talk[role],
                talk_share=role_talk[role] / all_talk if all_talk else 0.0,
                avg_turn_ms=(sum(t.end - t.start for t in mine_timed) / len(mine_timed)) if mine_timed else 0.0,
                avg_turn_words=words / len(mine),
            )
        )

    overlaps = 0
    interruptions: dict[tuple[SpeakerRole, SpeakerRole], int] = {}
    for i, a in enumerate(timed):
        for b in timed[i + 1 :]:
            if b.start >= a.end:
                break  # sorted by start: nothing later overlaps a
            if b.speaker == a.speaker:
                continue
            overlaps += 1
            overlap = min(a.end, b.end) - b.start
            if b.start > a.start and b.end > a.end and overlap >= config.interruption_min_overlap_ms:
                key = (b.role, a.role)
                interruptions[key] = interruptions.get(key, 0) + 1

    responses = [
        max(0, b.start - a.end)
        for a, b in pairwise(timed)
        if a.role == SpeakerRole.CUSTOMER and b.role == SpeakerRole.AGENT
    ]
    return ConversationMetrics(
        turn_count=len(turns),
        timed_turn_count=len(timed),
        duration_ms=(covered[-1][1] - covered[0][0]) if covered else 0,
        roles=tuple(roles),
        silence_threshold_ms=threshold,
        silence_total_ms=sum(gaps),
        longest_silence_ms=max(gaps, default=0),
        silence_count=sum(1 for g in gaps if g >= threshold),
        overtalk_ms=_overtalk_ms(timed),
        overtalk_count=overlaps,
        interruptions=tuple(
            InterruptionCount(by, on, n) for (by, on), n in sorted(interruptions.items(), key=lambda kv: kv[0])
        ),
        response_count=len(responses),
        avg_response_ms=sum(responses) / len(responses) if responses else 0.0,
        max_response_ms=max(responses, default=0),
    )
