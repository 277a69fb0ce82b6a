"""``journeymine eval score``: do experience scores track what customers said about their satisfaction?

    {"customer_id": "c1", "gold": 4.0, "touchpoints": [
        {"id": "t1", "channel": "chat", "occurred_at": "2024-01-01T00:00:00Z",
         "turns": [{"speaker": "CUSTOMER", "text": "..."}, {"speaker": "AGENT", "text": "..."}]},
        {"id": "t2", "channel": "email", "occurred_at": "2024-01-03T09:00:00Z", "text": "..."}]}

Every journey goes through the service's own path: ``Journeys.record`` (enrich, redact, store in
a scratch SQLite file) then ``Journeys.score`` as of the customer's last touchpoint, so the figures
measure what ``GetCustomerScore`` returns. Gold is any number where higher means more satisfied.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tqdm import tqdm

from eval.data import DatasetError
from eval.score_metrics import score_correlation
from pipelines.enrichment.domain import Channel, Interaction, PlainText, SpeakerRole, Transcript, Turn
from pipelines.journeys.database import default_url
from pipelines.journeys.domain import ExperienceScore, StoredTouchpoint, Touchpoint
from pipelines.journeys.journeys import JourneyConfig, Journeys
from pipelines.journeys.pii import Redactor
from pipelines.journeys.store import JourneyStore

SPEAKERS = {"CUSTOMER": SpeakerRole.CUSTOMER, "USER": SpeakerRole.CUSTOMER, "AGENT": SpeakerRole.AGENT}
RECORD_BATCH = 64
MIN_FOR_CORRELATION = 3


@dataclass(frozen=True)
class LabelledJourney:
    customer_id: str
    gold: float
    touchpoints: tuple[Touchpoint, ...]


def load_journeys(path: Path, *, limit: int | None = None) -> list[LabelledJourney]:
    """The labelled journeys of a JSONL file; DatasetError names the file, line and field at fault."""
    if not Path(path).is_file():
        raise DatasetError(f"{path}: file not found")
    out: list[LabelledJourney] = []
    seen: set[str] = set()
    with Path(path).open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DatasetError(f"{where}: not valid JSON ({exc.msg}); one JSON object per line") from exc
            journey = _journey(row, where)
            if journey.customer_id in seen:
                raise DatasetError(f"{where}: customer_id {journey.customer_id!r} appears twice; one line per customer")
            seen.add(journey.customer_id)
            out.append(journey)
            if limit is not None and len(out) >= limit:
                break
    if not out:
        raise DatasetError(f"{path}: no journeys; expected one JSON object per line")
    return out


def _journey(row: Any, where: str) -> LabelledJourney:
    if not isinstance(row, dict):
        raise DatasetError(f"{where}: expected a JSON object with customer_id, gold and touchpoints")
    customer = row.get("customer_id")
    if not isinstance(customer, str) or not customer:
        raise DatasetError(f"{where}: customer_id must be a non-empty string")
    gold = row.get("gold")
    if isinstance(gold, bool) or not isinstance(gold, int | float):
        raise DatasetError(f"{where}: gold must be a number (higher = more satisfied), got {gold!r}")
    raw = row.get("touchpoints")
    if not isinstance(raw, list) or not raw:
        raise DatasetError(f"{where}: touchpoints must be a non-empty list")
    return LabelledJourney(
        customer, float(gold), tuple(_touchpoint(t, customer, f"{where}: touchpoints[{i}]") for i, t in enumerate(raw))
    )


def _touchpoint(t: Any, customer: str, where: str) -> Touchpoint:
    if not isinstance(t, dict):
        raise DatasetError(f"{where}: expected an object with id, channel, occurred_at and text or turns")
    tp_id = t.get("id")
    if not isinstance(tp_id, str) or not tp_id:
        raise DatasetError(f"{where}.id must be a non-empty string")
    try:
        channel = Channel(str(t.get("channel", "")).lower())
    except ValueError as exc:
        names = ", ".join(c.value for c in Channel if c != Channel.UNSPECIFIED)
        raise DatasetError(f"{where}.channel {t.get('channel')!r} is not a channel; use one of {names}") from exc
    try:
        occurred = datetime.fromisoformat(str(t.get("occurred_at", "")).replace("Z", "+00:00"))
    except ValueError as exc:
        raise DatasetError(f"{where}.occurred_at must be ISO-8601, e.g. 2024-01-01T09:30:00Z") from exc
    if occurred.tzinfo is None:
        occurred = occurred.replace(tzinfo=UTC)
    if "turns" in t:
        turns = t["turns"]
        if not isinstance(turns, list) or not turns:
            raise DatasetError(f"{where}.turns must be a non-empty list of {{speaker, text}}")
        parsed = []
        for j, turn in enumerate(turns):
            speaker = str(turn.get("speaker", "")).upper() if isinstance(turn, dict) else ""
            text = turn.get("text") if isinstance(turn, dict) else None
            if speaker not in SPEAKERS or not isinstance(text, str):
                raise DatasetError(f"{where}.turns[{j}] needs speaker CUSTOMER or AGENT and a text string")
            parsed.append(Turn(SPEAKERS[speaker], text))
        content: Transcript | PlainText = Transcript(tuple(parsed))
    elif isinstance(t.get("text"), str):
        content = PlainText(t["text"])
    else:
        raise DatasetError(f"{where} needs text (a string) or turns (a list)")
    interaction = Interaction(tp_id, content, customer_id=customer, channel=channel, occurred_at=occurred)
    return Touchpoint(tp_id, customer, channel, occurred, interaction=interaction)


def score_journeys(
    journeys: Sequence[LabelledJourney], core: Journeys, *, progress: bool = True
) -> tuple[list[ExperienceScore], list[str]]:
    """Record every journey's touchpoints through ``core`` and score each customer as of their last touchpoint.

    Returns the scores (in the order of ``journeys``) and the ids of the models that made the signals.
    """
    touchpoints = [tp for j in journeys for tp in j.touchpoints]
    models: set[str] = set()
    with tqdm(total=len(touchpoints), desc="record", unit="tp", disable=not progress) as bar:
        for i in range(0, len(touchpoints), RECORD_BATCH):
            batch = touchpoints[i : i + RECORD_BATCH]
            models.update(m for r in core.record(batch).results for m in r.signals.models)
            bar.update(len(batch))
    out = []
    for j in journeys:
        score = core.score(j.customer_id, as_of=max(tp.occurred_at for tp in j.touchpoints))
        if score is None:  # cannot happen: every journey has a touchpoint
            raise RuntimeError(f"customer {j.customer_id!r} was recorded but has no score")
        out.append(score)
    return out, sorted(models)


def evaluate_scores(
    journeys: Sequence[LabelledJourney],
    *,
    make_core: Callable[[JourneyStore], Journeys],
    dissatisfied_below: float | None = None,
    progress: bool = True,
    explain: Sequence[str] = (),
) -> dict[str, Any]:
    """Figures as one JSON-ready dict: correlation, AUC, the scoring config, the models that scored.

    ``explain`` names customers whose journey map and score drivers go into ``explained``.
    """
    known = {j.customer_id for j in journeys}
    missing = [c for c in explain if c not in known]
    if missing:
        raise ValueError(f"--explain {missing[0]!r} is not a customer_id of the data")
    with tempfile.TemporaryDirectory(prefix="journeymine-eval-score-") as tmp:
        store = JourneyStore.open(default_url(Path(tmp)))
        try:
            core = make_core(store)
            scores, models = score_journeys(journeys, core, progress=progress)
            by_id = {s.customer_id: s for s in scores}
            explained = [explanation(core.journey(c), by_id[c]) for c in explain]
        finally:
            store.close()
    if len(journeys) >= MIN_FOR_CORRELATION:
        metrics = score_correlation(
            [s.score for s in scores], [j.gold for j in journeys], dissatisfied_below=dissatisfied_below
        ).to_dict()
    else:  # still worth running: --explain shows why one customer scores as they do
        metrics = {"n": len(journeys), "notes": [f"correlation needs at least {MIN_FOR_CORRELATION} customers"]}
    return {
        "task": "score",
        "n": len(journeys),
        "touchpoints": sum(len(j.touchpoints) for j in journeys),
        "metrics": metrics,
        "scoring": core.config.scoring.model_dump(),
        "models": models,
        "explained": explained,
        "customers": [
            {
                "customer_id": j.customer_id,
                "gold": j.gold,
                "score": round(s.score, 3),
                "low": round(s.low, 3),
                "high": round(s.high, 3),
            }
            for j, s in zip(journeys, scores, strict=True)
        ],
    }


def explanation(journey: Sequence[StoredTouchpoint], score: ExperienceScore, *, top: int = 5) -> dict[str, Any]:
    """A customer's journey map (signals and the opening customer words, redacted) and score drivers."""
    touchpoints = []
    for tp in journey:
        # The customer's longest turn says most about the contact ("hello" openers say nothing).
        said = max((p.text for p in tp.parts if p.role == SpeakerRole.CUSTOMER), key=len, default="")
        touchpoints.append(
            {
                "id": tp.id,
                "occurred_at": tp.occurred_at.isoformat(),
                "channel": tp.channel.value,
                "outcome": tp.outcome.value,
                "sentiment": None if tp.signals.sentiment is None else round(tp.signals.sentiment, 3),
                "intent": tp.signals.intent,
                "topics": list(tp.signals.topics),
                "corrections": tp.signals.corrections,
                "agent_failures": tp.signals.agent_failures,
                "customer_said": said[:160],
            }
        )
    drivers: dict[str, list[dict[str, Any]]] = {}
    for d in score.drivers:
        if len(drivers.setdefault(d.dimension, [])) < top:
            drivers[d.dimension].append({"key": d.key, "points": round(d.points, 2), "evidence": d.evidence_count})
    return {
        "customer_id": score.customer_id,
        "score": round(score.score, 2),
        "interval": [round(score.low, 2), round(score.high, 2)],
        "touchpoints": touchpoints,
        "drivers": drivers,
        "trend": [{"at": p.at.isoformat(), "score": round(p.score, 2)} for p in score.trend],
    }


def journeys_core(enricher: Any, config: JourneyConfig | None = None) -> Callable[[JourneyStore], Journeys]:
    """A factory of Journeys on a given store that enriches with ``enricher`` (no lock: one thread)."""

    def make(store: JourneyStore) -> Journeys:
        return Journeys(store=store, enrich=enricher.enrich, redactor=Redactor(nlp=enricher.nlp), config=config)

    return make
