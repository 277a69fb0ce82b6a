"""The spaCy parse of each part, here or in a child process: sentence spans and entities.

    InProcessParser    ``nlp.pipe`` in this process (tests, one-core hosts, a caller's own pipeline)
    SubprocessParser   the same pipeline in a spawned child process. spaCy runs on one core and holds the
                       GIL for much of its work, so in this process it would leave the other core idle
                       while it parses; in its own process it parses one batch (Enricher.prepare) while
                       this process encodes the previous one (Enricher.finish).

Both return what ``parse_doc`` makes of each Doc, so their results are identical. A child does not load
torch (spaCy's thinc imports it when it is installed; the English pipeline never uses it): about 145 MB
resident instead of 330, and a second less to start.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ParsedText:
    """One text's parse: stripped sentence spans, and entities and aspect candidates (only when asked for)."""

    sentences: tuple[tuple[int, int], ...]  # (start, end) character offsets, in order
    entities: tuple[tuple[str, str, int, int], ...] = ()  # pipelines.entities.entity_tuples
    aspects: tuple[Any, ...] = ()  # pipelines.aspects.Candidate: noun chunks that name a thing


def parse_doc(doc: Any, *, with_entities: bool, with_aspects: bool = False) -> ParsedText:
    from pipelines.aspects import noun_chunk_candidates
    from pipelines.entities import entity_tuples

    sentences = []
    for sent in doc.sents:
        stripped = sent.text.strip()
        if not stripped:
            continue
        start = sent.start_char + (len(sent.text) - len(sent.text.lstrip()))
        sentences.append((start, start + len(stripped)))
    entities = tuple(entity_tuples(doc)) if with_entities else ()
    aspects = tuple(noun_chunk_candidates(doc)) if with_aspects else ()
    return ParsedText(tuple(sentences), entities, aspects)


class Parser(Protocol):
    def parse(self, texts: Sequence[str], *, with_entities: bool, with_aspects: bool = False) -> list[ParsedText]: ...

    def close(self) -> None: ...


class InProcessParser:
    def __init__(self, nlp: Any, *, batch_size: int = 64) -> None:
        self.nlp, self.batch_size = nlp, batch_size

    def parse(self, texts: Sequence[str], *, with_entities: bool, with_aspects: bool = False) -> list[ParsedText]:
        docs = self.nlp.pipe(texts, batch_size=self.batch_size)
        return [parse_doc(d, with_entities=with_entities, with_aspects=with_aspects) for d in docs]

    def close(self) -> None:
        pass


class ParserProcessError(RuntimeError):
    """The parser process failed to start or died; the message says why."""


class SubprocessParser:
    """spaCy (``models.nlp.load_nlp(package)``) in a spawned child; thread-safe; restarts a dead child once.

    ``model_name`` is what the child loaded (the full pipeline, or the blank fallback), to check against the
    name this process records on signals.
    """

    def __init__(self, *, package: str | None = None, batch_size: int = 64, start_timeout_s: float = 300.0) -> None:
        self.package, self.batch_size, self.start_timeout_s = package, batch_size, start_timeout_s
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = None
        self._conn: Any = None
        self.model_name = ""
        self._start()

    def _start(self) -> None:
        # A fresh interpreter (``python -m pipelines.parsing``), not a fork: this process may run gRPC and
        # torch threads, and a spawned multiprocessing child would re-import the caller's main module.
        ours, theirs = socket.socketpair()
        command = [sys.executable, "-m", "pipelines.parsing", "--fd", str(theirs.fileno()), "--batch-size"]
        command += [str(self.batch_size), *(["--package", self.package] if self.package else [])]
        self._proc = subprocess.Popen(command, pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL)
        theirs.close()
        self._conn = Connection(ours.detach())
        self._ready = False

    def wait_ready(self) -> str:
        """Block until the child has loaded its pipeline; its model name."""
        if not self._ready:
            if not self._conn.poll(self.start_timeout_s):
                raise ParserProcessError(f"the spaCy parser process did not start in {self.start_timeout_s:.0f}s")
            kind, payload = self._recv()
            if kind != "ready":
                raise ParserProcessError(f"the spaCy parser process could not load its pipeline: {payload}")
            self.model_name, self._ready = payload, True
        return self.model_name

    def parse(self, texts: Sequence[str], *, with_entities: bool, with_aspects: bool = False) -> list[ParsedText]:
        if not texts:
            return []
        with self._lock:
            for attempt in (1, 2):
                try:
                    self.wait_ready()
                    self._conn.send((list(texts), with_entities, with_aspects))
                    kind, payload = self._recv()
                    break
                except (EOFError, BrokenPipeError, ConnectionResetError, ParserProcessError) as exc:
                    if attempt == 2:
                        raise ParserProcessError(f"the spaCy parser process died and did not restart: {exc}") from exc
                    log.warning("the spaCy parser process died (%s); restarting it", type(exc).__name__)
                    self._stop()
                    self._start()
        if kind != "ok":
            raise ParserProcessError(f"spaCy failed in the parser process: {payload}")
        return list(payload)

    def _recv(self) -> tuple[str, Any]:
        message = self._conn.recv()
        if not (isinstance(message, tuple) and len(message) == 2):
            raise ParserProcessError(f"unexpected message from the parser process: {type(message).__name__}")
        return message[0], message[1]

    def close(self) -> None:
        with self._lock:
            self._stop()

    def _stop(self) -> None:
        if self._proc is None:
            return
        with contextlib.suppress(OSError, ValueError):  # the child may be gone already
            self._conn.send(None)
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait(timeout=5)
        self._conn.close()
        self._proc = None

    def __del__(self) -> None:  # a parser dropped without close() must not leave its child behind
        with contextlib.suppress(Exception):
            if self._proc is not None and self._proc.poll() is None:
                self._proc.kill()
                self._proc.wait(timeout=5)


def _serve(conn: Any, package: str | None, batch_size: int) -> None:
    """The child: load the pipeline, then parse batches until told to stop (None) or the parent goes away."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # spaCy's small matrices run faster on one BLAS thread
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    try:
        from models.nlp import SPACY_PACKAGE, load_nlp

        nlp, name = load_nlp(package or SPACY_PACKAGE)
    except BaseException as exc:  # reported to the parent, which raises it
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", name))
    parser = InProcessParser(nlp, batch_size=batch_size)
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        texts, with_entities, with_aspects = message
        try:
            conn.send(("ok", parser.parse(texts, with_entities=with_entities, with_aspects=with_aspects)))
        except BaseException as exc:
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


def _main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="journeymine's spaCy parser process (started by SubprocessParser)")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--package")
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args(argv)
    # spaCy's thinc imports torch when it is installed: ~185 MB resident and a second of start-up that the
    # English pipeline never uses. None in sys.modules makes ``import torch`` fail, so thinc goes without it.
    sys.modules.setdefault("torch", None)  # type: ignore[arg-type]
    _serve(Connection(args.fd), args.package, args.batch_size)


if __name__ == "__main__":
    # Run the imported module's copy, so what the child pickles is pipelines.parsing.ParsedText, not __main__'s.
    from pipelines import parsing

    parsing._main()
