"""Entities and key phrases from the spaCy parse of each part."""

from __future__ import annotations

from typing import Any

from pipelines.domain import Entity, ModelRef, TextSpan
from pipelines.segment import Part

KEY_PHRASE = "KEY_PHRASE"


def entities_of(doc: Any, part: Part, model: ModelRef) -> list[Entity]:
    """Named entities, then noun-chunk key phrases that are not pronouns, bare stop words or an entity again."""
    found = [
        Entity(ent.text, ent.label_, TextSpan(part.part, part.index, ent.start_char, ent.end_char), model)
        for ent in doc.ents
    ]
    entity_spans = {(ent.start_char, ent.end_char) for ent in doc.ents}
    if doc.has_annotation("DEP"):
        for chunk in doc.noun_chunks:
            if chunk.root.pos_ == "PRON" or all(tok.is_stop or tok.is_punct for tok in chunk):
                continue
            if (chunk.start_char, chunk.end_char) in entity_spans:  # already reported as an entity
                continue
            span = TextSpan(part.part, part.index, chunk.start_char, chunk.end_char)
            found.append(Entity(chunk.text, KEY_PHRASE, span, model))
    return found
