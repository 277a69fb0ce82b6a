"""MODEL_CARD.md of a topic model: its sections (command, fit settings, history, topics) and the writer."""

from __future__ import annotations

from typing import Any

from models.topic_model import TopicModel
from models.training import cards


def topic_card_sections(model: TopicModel, *, command: str) -> list[tuple[str, str]]:
    """MODEL_CARD.md sections of a user topic model: command, fit settings, lineage and edits, topics."""
    fit = model.metadata.get("fit", {})
    settings = [[k, v] for k, v in sorted(fit.items())]
    settings += [["threshold (cosine)", model.threshold], ["temperature", model.temperature]]
    settings += [["without a topic at fit", f"{model.metadata.get('outlier_share', 0):.1%}"]]
    sections = [
        ("Command", f"```\n{command}\n```\n\nWritten {cards.today()} (UTC)."),
        ("Fit", cards.table(["setting", "value"], settings)),
    ]
    history = []
    lineage = model.metadata.get("lineage")
    if lineage:
        history.append(
            f"Refit of `{lineage['previous']}`: kept {lineage['kept']}, new {lineage['new']}, "
            f"retired {lineage['retired']}, folded into merge targets {lineage['folded'] or 'none'}."
        )
    relabelled = {}
    for edit in model.metadata.get("edits", []):
        if edit.get("op") == "relabel":
            # The previous labels go in the Topics table; the history keeps the how.
            relabelled = {int(k): v for k, v in edit.get("previous", {}).items()}
            how = {k: v for k, v in edit.items() if k != "previous"}
            history.append(f"- {how} ({len(relabelled)} labels changed; previous labels in the Topics table)")
        else:
            history.append(f"- {edit}")
    if model.metadata.get("retired"):
        history.append(f"Retired so far: {model.metadata['retired']}.")
    if history:
        sections.append(("History", "\n".join(history)))
    sections.append(
        (
            "Topics",
            cards.table(
                ["id", "label", *(["previous label"] if relabelled else []), "size", "keywords"],
                [
                    [
                        t.id,
                        t.label,
                        *([relabelled.get(t.id, t.label)] if relabelled else []),
                        t.size,
                        ", ".join(t.keywords),
                    ]
                    for t in model.topics
                ],
            ),
        )
    )
    return sections


def write_topic_card(folder: Any, model: TopicModel, *, command: str) -> None:
    """Write ``MODEL_CARD.md`` for ``model`` into ``folder``."""
    cards.write_card(folder, f"{model.name} {model.version} — topic model", topic_card_sections(model, command=command))
