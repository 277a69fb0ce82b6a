"""Aspect sentiment stage: what each sentence is about, and which way it leans on each of those things.

    candidates (spaCy noun chunks + topic keywords found in the sentence)
        -> polarity per aspect (``models.aspect.AspectModel``: one pass per sentence)
        -> AspectSentiment per mention, attributed to the part's speaker role
        -> AspectSummary per (aspect, role) for the interaction

Candidates come from the parse the enricher already made (no second spaCy call). The model
is batch-first and reads each sentence alone, so an interaction's aspects are the same
whatever else is in the call.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from models.aspect import LABELS, AspectQuery
from pipelines.enrichment.domain import (
    AspectSentiment,
    AspectSummary,
    ModelRef,
    Sentiment,
    SentimentLabel,
    SpeakerRole,
    TextSpan,
)

NOUN_CHUNK = "noun_chunk"
TOPIC_KEYWORD = "topic_keyword"
# Leading words that do not name the thing: "the refund", "my card", "this agent" -> refund, card, agent.
_LEADING_POS = {"DET", "PRON", "PART", "PUNCT"}
# Noun chunks that are times, amounts or counts ("three weeks", "$20") are not things a customer rates.
_NOT_ASPECTS = {"DATE", "TIME", "CARDINAL", "ORDINAL", "QUANTITY", "PERCENT", "MONEY"}
# Nouns of conversation itself (spaCy tags "Thanks" and "Mm" as nouns): small talk, not a thing to rate.
_SMALL_TALK = {
    "thanks",
    "thank",
    "bye",
    "goodbye",
    "hello",
    "hi",
    "hey",
    "mm",
    "hm",
    "hmm",
    "uh",
    "um",
    "way",
    "okay",
    "ok",
}


class AspectScorer(Protocol):
    """What the stage needs of a model: ``models.aspect.AspectModel`` or a test fake."""

    name: str
    version: str

    def predict_proba(self, queries: Sequence[AspectQuery]) -> list[np.ndarray]: ...


@dataclass(frozen=True)
class Candidate:
    """An aspect mention found in a part, before scoring; offsets are into the part's text."""

    start: int
    end: int
    text: str
    key: str
    source: str


def noun_chunk_candidates(doc: Any) -> list[Candidate]:
    """Noun chunks that name a thing (not pronouns, stop words, times or amounts), leading determiners dropped."""
    if not doc.has_annotation("DEP"):
        return []
    out = []
    for chunk in doc.noun_chunks:
        if chunk.root.pos_ == "PRON" or all(tok.is_stop or tok.is_punct for tok in chunk):
            continue
        if chunk.root.ent_type_ in _NOT_ASPECTS or chunk.root.lower_ in _SMALL_TALK:
            continue
        tokens = list(chunk)
        while tokens and tokens[0].pos_ in _LEADING_POS:
            tokens = tokens[1:]
        if not tokens:
            continue
        key = " ".join([*(t.text.lower() for t in tokens[:-1]), _singular(tokens[-1])])
        start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
        out.append(Candidate(start, end, doc.text[start:end], key, NOUN_CHUNK))
    return out


def _singular(token: Any) -> str:
    """The lower-cased singular of a noun, so "refunds" and "refund" share a summary row.

    The service's spaCy pipeline runs without its lemmatizer; plural nouns (tag NNS) lose their
    regular ending, irregular ones keep their form.
    """
    word = token.lower_
    if token.lemma_ and token.lemma_ != token.text:
        return str(token.lemma_).lower()
    if token.tag_ != "NNS" or len(word) <= 3:
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def keyword_candidates(text: str, keywords: Iterable[str], taken: Sequence[Candidate]) -> list[Candidate]:
    """Whole-word, case-insensitive occurrences of topic keywords not already inside a noun-chunk aspect."""
    out: list[Candidate] = []
    for keyword in sorted(set(k.lower() for k in keywords if k.strip())):
        for match in re.finditer(rf"(?<!\w){re.escape(keyword)}(?!\w)", text, flags=re.IGNORECASE):
            s, e = match.span()
            if any(c.start <= s and e <= c.end for c in (*taken, *out)):
                continue
            out.append(Candidate(s, e, text[s:e], keyword, TOPIC_KEYWORD))
    return out


class AspectStage:
    """Scores candidates of sentences; batch-first, no side effects."""

    def __init__(self, *, model: AspectScorer) -> None:
        self.model_impl = model
        self.model = ModelRef(model.name, model.version)

    def predict_proba(self, queries: Sequence[AspectQuery]) -> list[np.ndarray]:
        """(len(spans), 3) negative/neutral/positive probabilities per query: the model, nothing added."""
        return self.model_impl.predict_proba(queries)

    def score(
        self,
        sentences: Sequence[tuple[TextSpan, str]],
        candidates: Sequence[Candidate],
        *,
        role: SpeakerRole,
        speaker_id: str,
    ) -> list[AspectSentiment]:
        """Every candidate lying inside one of the part's ``sentences``, with its polarity, in text order."""
        grouped: list[tuple[TextSpan, str, list[Candidate]]] = []
        for span, text in sentences:
            inside = sorted((c for c in candidates if span.start <= c.start and c.end <= span.end), key=_order)
            if inside:
                grouped.append((span, text, inside))
        queries = [
            AspectQuery(text, tuple((c.start - span.start, c.end - span.start) for c in inside))
            for span, text, inside in grouped
        ]
        proba = self.model_impl.predict_proba(queries) if queries else []
        out = []
        for (span, _, inside), rows in zip(grouped, proba, strict=True):
            for c, p in zip(inside, rows, strict=True):
                out.append(
                    AspectSentiment(
                        text=c.text,
                        aspect=c.key,
                        source=c.source,
                        span=TextSpan(span.part, span.index, c.start, c.end),
                        sentence=span,
                        role=role,
                        speaker_id=speaker_id,
                        sentiment=self.sentiment(p),
                    )
                )
        return out

    def sentiment(self, proba: np.ndarray) -> Sentiment:
        neg, neu, pos = (float(x) for x in proba)
        return Sentiment(SentimentLabel(LABELS[int(np.argmax(proba))]), neg, neu, pos, pos - neg, self.model)


def _order(c: Candidate) -> tuple[int, int]:
    return (c.start, c.end)


def summarize_aspects(aspects: Sequence[AspectSentiment]) -> tuple[AspectSummary, ...]:
    """Polarity counts per (aspect, speaker role), most mentioned first (ties by aspect, then role)."""
    groups: dict[tuple[str, SpeakerRole], list[AspectSentiment]] = defaultdict(list)
    for a in aspects:
        groups[(a.aspect, a.role)].append(a)
    out = []
    for (aspect, role), mentions in groups.items():
        labels = [m.sentiment.label for m in mentions]
        out.append(
            AspectSummary(
                aspect=aspect,
                role=role,
                mentions=len(mentions),
                negative=labels.count(SentimentLabel.NEGATIVE),
                neutral=labels.count(SentimentLabel.NEUTRAL),
                positive=labels.count(SentimentLabel.POSITIVE),
                score=float(np.mean([m.sentiment.score for m in mentions])),
            )
        )
    return tuple(sorted(out, key=lambda s: (-s.mentions, s.aspect, s.role)))
