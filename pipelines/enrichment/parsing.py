"""The spaCy parse of each part, here or in a child process: sentence spans and entities.

    InProcessParser    ``nlp.pipe`` in this process (tests, one-core hosts, a caller's own pipeline)
    SubprocessParser   the same pipeline in a spawned child process. spaCy runs on one core and holds the
                       GIL for much of its work, so in this process it would leave the other core idle
                       while it parses; in its own process it parses one batch (Enricher.prepare) while
                       this process encodes the previous one (Enricher.finish).

Both return what ``parse_doc`` makes of each Doc, so their results are identical. A parse runs only the
components its outputs need (``skipped_components``): sentences alone come from the dependency parser on
the shared tok2vec, so a call that asks for neither entities nor aspects skips the tagger, the attribute
ruler and the entity recognizer (its own tok2vec: half the parse), about 1.6 -> 0.6 ms of CPU a short
text on the AMD EPYC kind (numpy's matrix product, ``models.nlp.load_nlp``), with the same sentences.
``submit`` sends a batch and returns at once; ``result()`` of what it returned waits for the parse. The
server's micro-batcher sends the next batch before it has the previous batch's parse back, so the child
starts on it as soon as it is done with the last one instead of waiting for this process to collect the
result and send again (measured at 16 clients sending one short text per call: about 265 -> 300 texts/s).
A child does not load torch (spaCy's thinc imports it when it is installed; the English pipeline never uses
it): about 145 MB resident instead of 330, and a second less to start.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ParsedText:
    """One text's parse: stripped sentence spans, and entities and aspect candidates (only when asked for)."""

    sentences: tuple[tuple[int, int], ...]  # (start, end) character offsets, in order
    entities: tuple[tuple[str, str, int, int], ...] = ()  # pipelines.enrichment.entities.entity_tuples
    aspects: tuple[Any, ...] = ()  # pipelines.enrichment.aspects.Candidate: noun chunks that name a thing


def parse_doc(doc: Any, *, with_entities: bool, with_aspects: bool = False) -> ParsedText:
    from pipelines.enrichment.aspects import noun_chunk_candidates
    from pipelines.enrichment.entities import entity_tuples

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


# Sentence boundaries come from the dependency parser, which reads the shared tok2vec and nothing the tagger,
# the attribute ruler or the entity recognizer write: without them it splits the same sentences. Entities
# (named entities and noun-chunk key phrases) and aspect candidates (noun chunks, their part of speech and
# entity type) need every component.
SENTENCE_ONLY_SKIPS = ("tagger", "attribute_ruler", "ner")


def skipped_components(pipe_names: Sequence[str], *, with_entities: bool, with_aspects: bool) -> list[str]:
    """The pipeline components a parse for these outputs does not need (run with ``nlp.pipe(disable=...)``)."""
    if with_entities or with_aspects:
        return []
    return [name for name in SENTENCE_ONLY_SKIPS if name in pipe_names]


class PendingParse(Protocol):
    """A submitted parse; ``result()`` waits for it and returns one ParsedText per text, or raises."""

    def result(self) -> list[ParsedText]: ...


class Parser(Protocol):
    def parse(self, texts: Sequence[str], *, with_entities: bool, with_aspects: bool = False) -> list[ParsedText]: ...

    def submit(self, texts: Sequence[str], *, with_entities: bool, with_aspects: bool = False) -> PendingParse: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class _Parsed:
    parsed: list[ParsedText]

    def result(self) -> list[ParsedText]:
        return self.parsed


class InProcessParser:
    """Not thread-safe (spaCy is not): callers hold the Enricher's nlp lock. ``submit`` parses before it returns."""

    def __init__(self, nlp: Any, *, batch_size: int = 64) -> None:
        self.nlp, self.batch_size = nlp, batch_size

    def parse(self, texts: Sequence[str], *, with_entities: bool, with_aspects: bool = False) -> list[ParsedText]:
        skip = skipped_components(self.nlp.pipe_names, with_entities=with_entities, with_aspects=with_aspects)
        docs = self.nlp.pipe(texts, batch_size=self.batch_size, disable=skip)
        return [parse_doc(d, with_entities=with_entities, with_aspects=with_aspects) for d in docs]

    def submit(self, texts: Sequence[str], *, with_entities: bool, with_aspects: bool = False) -> PendingParse:
        return _Parsed(self.parse(texts, with_entities=with_entities, with_aspects=with_aspects))

    def close(self) -> None:
        pass


class ParserProcessError(RuntimeError):
    """The parser process failed to start or died; the message says why."""


@dataclass(eq=False)
class _Request:
    """One batch sent to the child; ``answer`` is ("ok", parsed), ("error", spaCy's error) or ("lost", why)."""

    message: tuple[list[str], bool, bool]
    sends: int = 0
    answer: tuple[str, Any] | None = None


@dataclass(frozen=True, eq=False)
class _Sent:
    parser: SubprocessParser
    request: _Request

    def result(self) -> list[ParsedText]:
        return self.parser._result(self.request)


class SubprocessParser:
    """spaCy (``models.nlp.load_nlp(package)``) in a spawned child; thread-safe; each batch is sent again once
    to a restarted child if the child dies.

    Batches are answered in the order they were sent; whichever caller waits first reads the answers in
    front of its own and leaves them on their requests. ``model_name`` is what the child loaded (the full
    pipeline, or the blank fallback), to check against the name this process records on signals.
    """

    def __init__(self, *, package: str | None = None, batch_size: int = 64, start_timeout_s: float = 300.0) -> None:
        self.package, self.batch_size, self.start_timeout_s = package, batch_size, start_timeout_s
        # _lock: the child process, the sending end and _pending. _recv_lock: the receiving end. A thread that
        # holds _lock never waits for _recv_lock, so the two cannot deadlock.
        self._lock = threading.Lock()
        self._recv_lock = threading.Lock()
        self._pending: deque[_Request] = deque()  # sent and not answered yet, in the order sent
        self._proc: subprocess.Popen[bytes] | None = None
        self._conn: Any = None
        self.model_name = ""
        self._start()

    def _start(self) -> None:
        # A fresh interpreter (``python -m pipelines.enrichment.parsing``), not a fork: this process may run gRPC and
        # torch threads, and a spawned multiprocessing child would re-import the caller's main module.
        ours, theirs = socket.socketpair()
        command = [sys.executable, "-m", "pipelines.enrichment.parsing", "--fd", str(theirs.fileno()), "--batch-size"]
        command += [str(self.batch_size), *(["--package", self.package] if self.package else [])]
        self._proc = subprocess.Popen(command, pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL)
        theirs.close()
        self._conn = Connection(ours.detach())
        self._ready = False

    def wait_ready(self) -> str:
        """Block until the child has loaded its pipeline; its model name."""
        if self._ready:  # without the receiving lock, which a caller waiting for an answer holds
            return self.model_name
        with self._recv_lock:
            return self._wait_ready()

    def _wait_ready(self) -> str:  # under _recv_lock
        if not self._ready:
            if not self._conn.poll(self.start_timeout_s):
                raise ParserProcessError(f"the spaCy parser process did not start in {self.start_timeout_s:.0f}s")
            try:
                kind, payload = self._recv()
            except (EOFError, OSError) as exc:
                raise ParserProcessError(f"the spaCy parser process exited while it started: {exc!r}") from exc
            if kind != "ready":
                raise ParserProcessError(f"the spaCy parser process could not load its pipeline: {payload}")
            self.model_name, self._ready = payload, True
        return self.model_name

    def parse(self, texts: Sequence[str], *, with_entities: bool, with_aspects: bool = False) -> list[ParsedText]:
        return self.submit(texts, with_entities=with_entities, with_aspects=with_aspects).result()

    def submit(self, texts: Sequence[str], *, with_entities: bool, with_aspects: bool = False) -> PendingParse:
        """Send ``texts`` to the child and return at once; ``result()`` waits for their parse."""
        request = _Request((list(texts), with_entities, with_aspects))
        if not texts:
            request.answer = ("ok", [])
            return _Sent(self, request)
        try:
            self.wait_ready()
        except ParserProcessError as exc:  # a child that died starting gets one more start
            with self._recv_lock:
                self._restart(exc)
            self.wait_ready()
        with self._lock:
            if self._proc is None:
                raise ParserProcessError("the spaCy parser process was closed")
            self._pending.append(request)
            self._send(request)
        return _Sent(self, request)

    def _send(self, request: _Request) -> None:  # under _lock
        request.sends += 1
        with contextlib.suppress(OSError):  # a dead child: the next receive finds out and sends it again
            self._conn.send(request.message)

    def _result(self, request: _Request) -> list[ParsedText]:
        while request.answer is None:
            with self._recv_lock:
                if request.answer is not None:  # read by another waiter meanwhile
                    break
                try:
                    message = self._recv()
                except (EOFError, OSError, ParserProcessError) as exc:
                    self._restart(exc)
                    continue
                with self._lock:
                    self._pending.popleft().answer = message
        kind, payload = request.answer
        if kind == "ok":
            return list(payload)
        if kind == "error":
            raise ParserProcessError(f"spaCy failed in the parser process: {payload}")
        raise ParserProcessError(payload)

    def _restart(self, exc: BaseException) -> None:  # under _recv_lock
        """Start a new child and send it every unanswered batch again, failing those already sent twice."""
        with self._lock:
            log.warning("the spaCy parser process died (%s); restarting it", type(exc).__name__)
            lost = f"the spaCy parser process died and did not restart: {type(exc).__name__}: {exc}"
            for request in [r for r in self._pending if r.sends >= 2]:
                request.answer = ("lost", lost)
            self._pending = deque(r for r in self._pending if r.answer is None)
            self._stop()
            self._start()
            try:
                self._wait_ready()
            except ParserProcessError as failed:
                for request in self._pending:
                    request.answer = ("lost", f"{lost}; restarting it failed: {failed}")
                self._pending.clear()
                return
            for request in self._pending:
                self._send(request)

    def _recv(self) -> tuple[str, Any]:
        message = self._conn.recv()
        if not (isinstance(message, tuple) and len(message) == 2):
            raise ParserProcessError(f"unexpected message from the parser process: {type(message).__name__}")
        return message[0], message[1]

    def close(self) -> None:
        with self._recv_lock, self._lock:
            self._stop()
            for request in self._pending:
                request.answer = ("lost", "the spaCy parser process was closed before it answered")
            self._pending.clear()

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
            queued, stop = _queued(conn, batch_size)
        except (EOFError, OSError):
            return
        for answer in _answers(parser, queued):
            conn.send(answer)
        if stop:
            return


def _queued(conn: Any, batch_size: int) -> tuple[list[tuple[list[str], bool, bool]], bool]:
    """The next request, with those already queued behind it until they hold ``batch_size`` texts or more; and
    whether to stop (a None was read).

    The server sends many small batches when its callers send one text each (16 clients: a few texts a
    batch), and spaCy costs about twice as much a text in batches of 4 as in batches of 64: while the child
    parses one, the next ones queue up, and it parses them together.
    """
    message = conn.recv()
    if message is None:
        return [], True
    queued, size = [message], len(message[0])
    while size < batch_size and conn.poll():
        following = conn.recv()
        if following is None:
            return queued, True
        queued.append(following)
        size += len(following[0])
    return queued, False


def _answers(parser: Parser, queued: list[tuple[list[str], bool, bool]]) -> list[tuple[str, Any]]:
    """One answer per queued request, in order: their texts parsed in one ``nlp.pipe`` where they can be.

    Requests are merged only with others that need the same components, so a merged parse runs exactly
    what each would have run alone; a merged parse that fails is run again request by request, so an
    error is answered only to the request whose texts caused it.
    """
    answers: list[tuple[str, Any]] = []
    for group in _runs(queued):
        texts = [text for request in group for text in request[0]]
        _, with_entities, with_aspects = group[0]
        try:
            parsed = parser.parse(texts, with_entities=with_entities, with_aspects=with_aspects)
        except BaseException as exc:
            if len(group) == 1:
                answers.append(("error", f"{type(exc).__name__}: {exc}"))
                continue
            answers += [answer for request in group for answer in _answers(parser, [request])]
            continue
        start = 0
        for request in group:
            answers.append(("ok", parsed[start : start + len(request[0])]))
            start += len(request[0])
    return answers


def _runs(queued: list[tuple[list[str], bool, bool]]) -> list[list[tuple[list[str], bool, bool]]]:
    """``queued`` cut into runs of consecutive requests with the same (with_entities, with_aspects)."""
    runs: list[list[tuple[list[str], bool, bool]]] = []
    for request in queued:
        if runs and runs[-1][0][1:] == request[1:]:
            runs[-1].append(request)
        else:
            runs.append([request])
    return runs


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
    # Run the imported module's copy, so what the child pickles is
    # pipelines.enrichment.parsing.ParsedText, not __main__'s.
    from pipelines.enrichment import parsing

    parsing._main()
