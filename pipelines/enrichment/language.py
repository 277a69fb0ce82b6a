"""Language identification: flag text the English-only models do not cover.

Rule (documented in docs/signals.md): a caller-declared language wins; otherwise
py3langid decides, but only when it is sure (text with at least ``min_chars``
letters and probability >= ``min_confidence``) or when most letters are in a
non-Latin script. Short or ambiguous text ("hi", "ok") is assumed English,
because langid cannot tell and refusing it would drop most chat turns.
"""

from __future__ import annotations

import unicodedata
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ConfigDict

from pipelines.enrichment.domain import LanguageInfo


class LanguageConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    supported: tuple[str, ...] = ("en",)
    min_chars: int = 20
    min_confidence: float = 0.9
    # Share of letters outside the Latin script above which text is not English.
    max_non_latin_share: float = 0.5


def _primary_subtag(tag: str) -> str:
    return tag.strip().replace("_", "-").split("-")[0].lower()


def _non_latin_share(text: str) -> tuple[int, float]:
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0, 0.0
    non_latin = sum(1 for c in letters if not unicodedata.name(c, "").startswith("LATIN"))
    return len(letters), non_latin / len(letters)


class LanguageDetector:
    """Decides the language of a text and whether the models support it."""

    def __init__(self, *, config: LanguageConfig | None = None) -> None:
        self.config = config or LanguageConfig()

    @cached_property
    def _identifier(self) -> Any:
        from py3langid.langid import MODEL_FILE, LanguageIdentifier

        return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)

    def detect(self, text: str, declared: str = "") -> LanguageInfo:
        cfg = self.config
        if declared.strip():
            code = _primary_subtag(declared)
            return LanguageInfo(code=code, confidence=1.0, source="declared", supported=code in cfg.supported)
        n_letters, non_latin = _non_latin_share(text)
        if n_letters and non_latin > cfg.max_non_latin_share:
            code, prob = self._identifier.classify(text)
            return LanguageInfo(code=str(code), confidence=float(prob), source="detected", supported=False)
        if n_letters >= cfg.min_chars:
            code, prob = self._identifier.classify(text)
            if float(prob) >= cfg.min_confidence:
                return LanguageInfo(
                    code=str(code), confidence=float(prob), source="detected", supported=str(code) in cfg.supported
                )
        return LanguageInfo(code=cfg.supported[0], confidence=0.0, source="assumed", supported=True)
