"""Entities and key phrases from the spaCy parse of each part."""

from __future__ import annotations

from typing import Any

from pipelines.enrichment.domain import Entity, ModelRef, TextSpan
from pipelines.enrichment.segment import Part

KEY_PHRASE = "KEY_PHRASE"


def entity_tuples(doc: Any) -> list[tuple[str, str, int, int]]:
    """(text, label, start, end) of the named entities, then of the noun-chunk key phrases that are not
    pronouns, bare stop words or an entity again. Plain tuples: they cross from the parser process."""
    found = [(ent.text, ent.label_, ent.start_char, ent.end_char) for ent in doc.ents]
    entity_spans = {(ent.start_char, ent.end_char) for ent in doc.ents}
    if doc.has_annotation("DEP"):
        for chunk in doc.noun_chunks:
            if chunk.root.pos_ == "PRON" or all(tok.is_stop or tok.is_punct for tok in chunk):
                continue
            if (chunk.start_char, chunk.end_char) in entity_spans:  # already reported as an entity
                continue
            found.append((chunk.text, KEY_PHRASE, chunk.start_char, chunk.end_char))
    return found


def entities_from(found: list[tuple[str, str, int, int]], part: Part, model: ModelRef) -> list[Entity]:
    """``entity_tuples`` as the part's Entities."""
    return [
        Entity(text, label, TextSpan(part.part, part.index, start, end), model) for text, label, start, end in found
    ]


def entities_of(doc: Any, part: Part, model: ModelRef) -> list[Entity]:
    """Named entities, then noun-chunk key phrases, of the part that ``doc`` parsed."""
    return entities_from(entity_tuples(doc), part, model)
