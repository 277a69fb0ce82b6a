"""The customer's own words read piece by piece, for the alert rules: sentence intents and one embedding.

The enricher's summary has a document intent, which abstains when one contact mixes two things
("Second time calling about the double charge, still not fixed. I want to cancel my account."
is ``out_of_scope`` as a whole), and per-turn intents, which abstain the same way for a turn of
several sentences. This reader runs the same encoder and intent head over each customer sentence,
so "I want to cancel my account." is read on its own, and pools the sentences' embeddings into one
unit vector of the contact: what "close in the encoder's space" compares (repeat contacts).

It costs one more encoder pass over the customer's sentences of each recorded touchpoint.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from models.encoder import Encoder
from pipelines.enrichment.domain import ContentPart
from pipelines.enrichment.intent import IntentStage
from pipelines.journeys.domain import CustomerIntent

if TYPE_CHECKING:
    from pipelines.enrichment.enricher import Enricher


@dataclass(frozen=True)
class Piece:
    """One customer sentence; ``classify`` False: its intent is known already (a one-sentence turn)."""

    part: ContentPart
    index: int
    sentence: int
    text: str
    classify: bool = True


@dataclass(frozen=True)
class Reading:
    intents: tuple[CustomerIntent, ...] = ()  # in scope only, in text order
    embedding: tuple[float, ...] = ()  # unit length; empty without text


class CustomerTextReader:
    """Batch-first: ``read`` encodes every piece of a batch in one pass; no side effects."""

    def __init__(self, *, encoder: Encoder, intent_stage: Callable[[str | None], IntentStage]) -> None:
        self.encoder = encoder
        self.intent_stage = intent_stage

    @classmethod
    def of(cls, enricher: Enricher) -> CustomerTextReader:
        """A reader on the enricher's encoder and intent heads (the ones its signals came from)."""
        return cls(encoder=enricher.encoder, intent_stage=enricher.intent_stage)

    def read(self, docs: Sequence[tuple[str | None, Sequence[Piece]]], top_k: int = 1) -> list[Reading]:
        """One Reading per (taxonomy, pieces): None reads with the default taxonomy."""
        texts = [p.text for _, pieces in docs for p in pieces]
        if not texts:
            return [Reading() for _ in docs]
        embeddings = self.encoder.encode(texts)
        out = []
        row = 0
        for taxonomy, pieces in docs:
            rows = embeddings[row : row + len(pieces)]
            row += len(pieces)
            if not pieces:
                out.append(Reading())
                continue
            mean = rows.mean(axis=0)
            norm = float(np.linalg.norm(mean))
            vector = tuple(float(x) for x in mean / norm) if norm > 0 else ()
            wanted = [i for i, p in enumerate(pieces) if p.classify]
            intents: list[CustomerIntent] = []
            if wanted:
                stage = self.intent_stage(taxonomy)
                for i, intent in zip(wanted, stage.predict(rows[wanted], top_k), strict=True):
                    if intent.out_of_scope:
                        continue
                    p = pieces[i]
                    intents.append(
                        CustomerIntent(p.part, p.index, p.sentence, intent.label, intent.category, intent.confidence)
                    )
            out.append(Reading(tuple(intents), vector))
        return out
