"""Structured logs: one JSON object per line, each stamped with the request id of the call it belongs to.

    {"ts": "2026-12-02T01:02:03.456Z", "level": "INFO", "logger": "service.telemetry",
     "message": "rpc done", "request_id": "3f2a...", "method": "/journeymine.v1.JourneyService/RecordTouchpoints",
     "code": "OK", "duration_ms": 41.2}

What callers said never reaches a log: messages name methods, fields, ids and counts, never text;
an exception is logged as its type and stack frames (file, line, function), without its message,
which could quote a request (``KeyError(text)``). ``logging.exception_messages = true`` puts the
messages back for debugging on a machine where that is allowed.
"""

from __future__ import annotations

import contextvars
import json
import logging
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)
_method: contextvars.ContextVar[str | None] = contextvars.ContextVar("method", default=None)

# LogRecord attributes that are not extras passed by the caller.
_HANDLER_NAME = "journeymine"
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime", "taskName"}


class LoggingConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # "auto": JSON for `journeymine serve`, plain lines for the interactive commands.
    format: Literal["auto", "json", "text"] = "auto"
    # Exception messages may quote a request's text; off, only the type and stack frames are logged.
    exception_messages: bool = False


def current_request_id() -> str | None:
    """The request id of the call this thread is serving, if any."""
    return _request_id.get()


@contextmanager
def request_scope(request_id: str, method: str) -> Iterator[None]:
    """Stamp every log line written inside with ``request_id`` and ``method``."""
    rid, meth = _request_id.set(request_id), _method.set(method)
    try:
        yield
    finally:
        _request_id.reset(rid)
        _method.reset(meth)


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, request id, method, extras, exception."""

    def __init__(self, *, exception_messages: bool = False) -> None:
        super().__init__()
        self.exception_messages = exception_messages

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id, method = _request_id.get(), _method.get()
        if request_id:
            entry["request_id"] = request_id
        if method:
            entry["method"] = method
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool | None) else str(value)
        if record.exc_info and record.exc_info[0] is not None:
            entry["exception"] = describe_exception(record.exc_info, messages=self.exception_messages)
        return json.dumps(entry, ensure_ascii=False)


def describe_exception(exc_info: Any, *, messages: bool) -> dict[str, Any]:
    """An exception as type, stack frames and cause type; its message only when ``messages``."""
    exc_type, exc, tb = exc_info
    found: dict[str, Any] = {"type": f"{exc_type.__module__}.{exc_type.__qualname__}"}
    if messages:
        found["message"] = str(exc)
    found["stack"] = [f"{f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(tb)]
    cause = (exc.__cause__ or exc.__context__) if exc is not None else None
    if cause is not None:
        found["cause"] = f"{type(cause).__module__}.{type(cause).__qualname__}"
    return found


class TextFormatter(logging.Formatter):
    """Plain lines for people at a terminal; the request id is appended when there is one."""

    def __init__(self, *, exception_messages: bool = False) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")
        self.exception_messages = exception_messages

    def formatException(self, ei: Any) -> str:
        found = describe_exception(ei, messages=self.exception_messages)
        head = found["type"] + (f": {found['message']}" if "message" in found else "")
        return "\n".join([head, *(f"  {frame}" for frame in found["stack"])])

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        request_id = _request_id.get()
        return f"{line} [request {request_id}]" if request_id else line


def configure_logging(level: str, *, json_lines: bool, config: LoggingConfig | None = None) -> None:
    """Send every log record to stderr, as JSON lines or plain text, at ``level``.

    Replaces only a handler an earlier call installed; others (a test's log capture) stay.
    """
    config = config or LoggingConfig()
    formatter: logging.Formatter
    if json_lines:
        formatter = JsonFormatter(exception_messages=config.exception_messages)
    else:
        formatter = TextFormatter(exception_messages=config.exception_messages)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    handler.set_name(_HANDLER_NAME)
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.captureWarnings(True)  # library warnings become log records too: one format on stderr
