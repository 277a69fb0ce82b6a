"""``journeymine enrich`` with a tiny stand-in Enricher, for tests that kill the process mid-job.

    python -m tests.service.fake_enrich_job --in rows.jsonl --out out.jsonl --chunk-size 20

Everything but the models is the real command: reading, validation, chunking, the results and errors
files, the fsyncs and the atomic checkpoint. ``FAKE_ENRICH_DELAY_S`` slows each chunk down.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pipelines import factory
from pipelines.enrichment.domain import EnrichedInteraction, EnrichOptions, Interaction, LanguageInfo, ModelRef
from service.cli import main as cli


@dataclass
class _Registry:
    specs: dict[str, Any] = field(default_factory=lambda: {"sentiment.fake": None})


class FakeEnricher:
    encoder_model = ModelRef("encoder.fake", "v1")
    nlp_model = ModelRef("nlp.fake", "v1")

    def __init__(self) -> None:
        self.registry = _Registry()
        self.delay = float(os.environ.get("FAKE_ENRICH_DELAY_S", "0"))

    def stages_for(self, options: EnrichOptions) -> None:
        return None

    def enrich(self, interactions: list[Interaction], options: EnrichOptions) -> list[EnrichedInteraction]:
        time.sleep(self.delay)
        return [EnrichedInteraction(i.id, LanguageInfo("en", 1.0, "declared", True)) for i in interactions]

    def enrich_batches(self, batches: Iterable[list[Interaction]], options: EnrichOptions) -> Iterator[list[Any]]:
        for batch in batches:
            yield self.enrich(batch, options)


if __name__ == "__main__":
    factory.build_enricher = lambda **kwargs: FakeEnricher()  # type: ignore[assignment,return-value]
    sys.exit(cli.main(["enrich", *sys.argv[1:]]))
