"""Markdown helpers for the MODEL_CARD.md written next to every trained artifact."""

from __future__ import annotations

import datetime as dt
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

CARD_FILE = "MODEL_CARD.md"


def command_line(module: str) -> str:
    """The command that is running now, as a copy-pasteable ``python -m`` line."""
    return " ".join(["python", "-m", module, *(shlex.quote(arg) for arg in sys.argv[1:])])


def today() -> str:
    """Today's UTC date, ISO format."""
    return dt.datetime.now(dt.UTC).date().isoformat()


def fmt(value: object, digits: int = 4) -> str:
    """Floats rounded for tables; everything else through ``str``."""
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A GitHub markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(fmt(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def write_card(directory: Path, title: str, sections: Sequence[tuple[str, str]]) -> Path:
    """Write ``MODEL_CARD.md`` with a title and (heading, body) sections; returns its path."""
    parts = [f"# {title}", ""]
    for heading, body in sections:
        parts += [f"## {heading}", "", body.strip(), ""]
    path = directory / CARD_FILE
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(parts))
    return path


def replace_section(card: Path, heading: str, body: str) -> None:
    """Put ``## heading`` with ``body`` at the end of ``card``, in place of the section of that name if any."""
    text = card.read_text(encoding="utf-8")
    marker = f"\n## {heading}\n"
    if marker in text:
        before, _, after = text.partition(marker)
        rest = after.split("\n## ", 1)
        text = before + (("\n## " + rest[1]) if len(rest) > 1 else "")
    card.write_text(text.rstrip("\n") + f"\n{marker}\n{body}\n", encoding="utf-8")
