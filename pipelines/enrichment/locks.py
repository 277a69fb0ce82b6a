"""The locks of one Enricher's models, so a batch's parse can run beside another batch's encode.

    nlp       spaCy (and the language detector, the stage caches): Enricher.prepare, redaction
    encoder   the encoder and the heads: Enricher.finish

Used as a context manager, ModelLocks holds both (nlp, then encoder): what every caller of
``Enricher.enrich`` or ``analyze`` takes. Only the server's micro-batcher holds one at a time, each
in its own thread; nobody takes ``nlp`` while holding ``encoder``, so the order cannot deadlock.
"""

from __future__ import annotations

import threading
from types import TracebackType


class ModelLocks:
    def __init__(self) -> None:
        self.nlp = threading.Lock()
        self.encoder = threading.Lock()

    def __enter__(self) -> ModelLocks:
        self.nlp.acquire()
        try:
            self.encoder.acquire()
        except BaseException:
            self.nlp.release()
            raise
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.encoder.release()
        self.nlp.release()
