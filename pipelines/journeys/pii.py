"""PII redaction of raw customer text before it is stored: typed placeholders, spans in the original text.

Regular expressions (compiled once, at import) find emails, phone numbers, card numbers that pass the
Luhn check, US social security numbers and account-like numbers; spaCy NER finds person names when the
pipeline has an ``ner`` component. Every value is replaced by its placeholder (``[EMAIL]``, ``[PHONE]``,
...), and each replacement is reported as a :class:`~pipelines.journeys.domain.Redaction` whose span is in
code points of the *original* text.

Detection is deliberately conservative about what is *not* PII (dates, times, money amounts, short
quantities and order numbers stay) and errs towards redacting when a number is ambiguous between two
kinds of PII (it is then labelled by the precedence below, but always removed).

Precedence, per text:

1. card numbers (13-19 digits, Luhn-valid) win over every other regex kind they overlap;
2. the other regex kinds are resolved among themselves: the earlier start wins, then the longer span,
   then the more specific kind (SSN, EMAIL, IBAN, formatted PHONE, ACCOUNT_NUMBER after a context word,
   bare 10-digit PHONE, bare ACCOUNT_NUMBER); a loser that sticks out of the winner is merged into the
   winner's span, so no fragment of a detected value is ever left in the text;
3. PERSON entities come last: they are cut around the regex spans (a regex match beats a PERSON entity
   on the same characters), and what is left of them is redacted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pipelines.enrichment.domain import ContentPart
from pipelines.journeys.domain import Redaction

KINDS = ("EMAIL", "PHONE", "CARD_NUMBER", "SSN", "ACCOUNT_NUMBER", "PERSON")
PLACEHOLDERS: dict[str, str] = {kind: f"[{kind}]" for kind in KINDS}


@dataclass(frozen=True)
class RedactedText:
    """One text after redaction, with the redacted spans in original-text coordinates (code points), by start."""

    text: str
    redactions: tuple[Redaction, ...] = ()


# --- patterns ------------------------------------------------------------------------------------
# Digits are ASCII ([0-9], not \d, which also matches other scripts' digits); \w stays Unicode, so a
# number glued to a word in any script ("ref№", "café123...") is not taken for a bare number.

# Not inside a longer run: no word character, "+" or currency sign right before, and no digit before a
# single separator; after: no word character and no separator followed by a digit.
_LEAD = r"(?<![\w+$€£¥])(?<![0-9][ .\-/])"
_TRAIL = r"(?!\w)(?![ .\-/][0-9])"

_EMAIL = re.compile(r"(?<![\w.%+\-])[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[^\W\d_]{2,}")

# A maximal run of digit groups separated by single spaces or dashes: the card candidates.
_DIGIT_RUN = re.compile(r"(?<![\w+$€£¥])(?<![0-9][ \-])[0-9]+(?:[ \-][0-9]+)*")
_DIGIT_GROUP = re.compile(r"[0-9]+")
# Group layouts of card numbers printed in groups, tried inside a longer run (longest first).
_CARD_LAYOUTS: tuple[tuple[int, ...], ...] = ((4, 4, 4, 4, 3), (4, 4, 4, 4), (4, 6, 5), (4, 6, 4))

# SSN: area not 000, 666 or 9xx; group not 00; serial not 0000.
_SSN = re.compile(_LEAD + r"(?!000|666|9)[0-9]{3}-(?!00)[0-9]{2}-(?!0000)[0-9]{4}" + _TRAIL)

_PHONE = re.compile(
    _LEAD + r"(?:"
    # international: +country code, then groups (spaces, dots, dashes, a bracketed trunk or area code)
    r"(?P<intl>\+[0-9][0-9 .()\-]{5,20}[0-9])"
    # North American: (415) 555-0132, 415-555-0132, 415.555.0132, 1 415 555 0132
    r"|(?P<nanp>(?:1[ .\-]?)?(?:\([0-9]{3}\)[ .\-]?|[0-9]{3}[ .\-])[0-9]{3}[ .\-][0-9]{4})"
    # European national, trunk prefix 0: 020 7946 0958, (020) 7946 0958, 06 12 34 56 78, 030/1234567
    r"|(?P<national>(?:\(0[1-9][0-9]{0,3}\) ?|0[1-9][0-9]{0,3}[ .\-/])[0-9]{2,8}(?:[ .\-][0-9]{2,8}){0,4})"
    # unformatted: a North American 10(+1) digit number, or a 10-11 digit national number with trunk 0
    r"|(?P<bare>1?[2-9][0-9]{2}[2-9][0-9]{6}|0[1-9][0-9]{8,9})"
    r")" + _TRAIL
)
_PHONE_DOUBLE_SEPARATOR = re.compile(r"[ .\-]{2}")
_PHONE_PARENS = re.compile(r"\([0-9]{1,4}\)")

_IBAN = re.compile(
    r"(?<!\w)[A-Z]{2}[0-9]{2}(?:[A-Z0-9]{11,30}|(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?)(?!\w)",
)

# Context words after which a 6-20 digit number is an account number; up to three words may sit between
# the context word and the number ("account number is", "acct no.", "policy ID:").
_ACCOUNT_WORDS = (
    r"account|acct|acc|a/c|iban|sort[ \-]?code|routing|aba|member(?:ship)?|policy|customer|cust|client|"
    r"reference|ref|loan|mortgage|subscriber|contract"
)
_GAP = r"(?:[\s:#=.,'\u2019()\-]+[^\W\d_]+){0,3}?[\s:#=.,'\u2019()\-]*"
_ACCOUNT_CONTEXT = re.compile(
    r"(?<!\w)(?:" + _ACCOUNT_WORDS + r")s?(?!\w)" + _GAP + r"(?<!\w)(?P<num>[0-9](?:[ \-]?[0-9]){5,19})"
    r"(?!\w)(?![ \-]?[0-9])(?![.,][0-9])",
    re.IGNORECASE,
)
# After "SSN" or "social security (number)", nine digits with or without separators are an SSN.
_SSN_CONTEXT = re.compile(
    r"(?<!\w)(?:ssn|social[ \-]security(?:[ \-]n(?:umber|o))?)s?(?!\w)"
    + _GAP
    + r"(?<!\w)(?P<num>[0-9]{3}[ \-]?[0-9]{2}[ \-]?[0-9]{4})(?!\w)(?![ \-]?[0-9])(?![.,][0-9])",
    re.IGNORECASE,
)
_SSN_DIGITS = re.compile(r"(?!000|666|9)[0-9]{3}(?!00)[0-9]{2}(?!0000)[0-9]{4}")
# Any other unformatted run of nine or more digits (spaces around it are fine; no glued separators).
_BARE_NUMBER = re.compile(r"(?<![\w+$€£¥])(?<![0-9][.,\-/])[0-9]{9,}(?!\w)(?![.,\-/][0-9])")

# Dates that number patterns must not take: 2024-05-01, 01/05/2024, 05.01.24, 20240501.
_DATE = re.compile(
    r"(?:19|20)[0-9]{2}([\-./ ])(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12][0-9]|3[01])"
    r"|(?:0?[1-9]|[12][0-9]|3[01])([\-./ ])(?:0?[1-9]|[12][0-9]|3[01])\2(?:19|20)[0-9]{2}"
    r"|(?:0?[1-9]|[12][0-9]|3[01])([./])(?:0?[1-9]|[12][0-9]|3[01])\3[0-9]{2}"
    r"|(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
)
_DIGIT = re.compile(r"[0-9]")
_NOT_DIGIT = re.compile(r"[^0-9]")

# Tie-break ranks of the non-card regex kinds on the same span (lower wins).
_RANK_SSN = 0
_RANK_EMAIL = 1
_RANK_IBAN = 2
_RANK_PHONE = 3
_RANK_ACCOUNT_CONTEXT = 4
_RANK_PHONE_BARE = 5
_RANK_ACCOUNT_BARE = 6

# Components that never feed entity recognition; disabled while looking for names (when it is safe).
_NOT_FOR_NER = frozenset(
    {
        "tagger",
        "morphologizer",
        "parser",
        "senter",
        "sentencizer",
        "lemmatizer",
        "trainable_lemmatizer",
        "textcat",
        "textcat_multilabel",
        "tok2vec",
        "transformer",
        "curated_transformer",
    }
)
_ENTITY_WRITERS = frozenset({"entity_ruler", "span_ruler", "entity_linker", "spancat", "spancat_singlelabel"})

_Span = tuple[int, int, str]  # start, end, kind
_Candidate = tuple[int, int, str, int]  # start, end, kind, rank


def luhn_valid(digits: str) -> bool:
    """Whether a string of ASCII digits passes the Luhn (mod 10) check; False for anything else."""
    if not digits or not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def _is_date(value: str) -> bool:
    return _DATE.fullmatch(value) is not None


def _glued_after(text: str, end: int) -> bool:
    """Whether a word character or a decimal part follows ``end`` (so the number before it is not free-standing)."""
    if end >= len(text):
        return False
    nxt = text[end]
    if nxt.isalnum() or nxt == "_":
        return True
    return nxt in ".," and end + 1 < len(text) and "0" <= text[end + 1] <= "9"


def _card_number(digits: str) -> bool:
    return 13 <= len(digits) <= 19 and digits[0] != "0" and luhn_valid(digits)


def _cards(text: str) -> list[tuple[int, int]]:
    """Luhn-valid card numbers: a whole run of digit groups, else card-shaped group windows inside it."""
    found: list[tuple[int, int]] = []
    for m in _DIGIT_RUN.finditer(text):
        start, end = m.span()
        if end - start < 13 or _glued_after(text, end):
            continue
        run = m.group()
        if _card_number(_NOT_DIGIT.sub("", run)):
            found.append((start, end))
            continue
        groups = [(g.start(), g.end()) for g in _DIGIT_GROUP.finditer(run)]
        i = 0
        while i < len(groups):
            size = _card_window(run, groups, i)
            if size:
                found.append((start + groups[i][0], start + groups[i + size - 1][1]))
                i += size
            else:
                i += 1
    return found


def _card_window(run: str, groups: list[tuple[int, int]], i: int) -> int:
    """The number of groups from ``i`` that print a Luhn-valid card in a standard layout, or 0."""
    for layout in _CARD_LAYOUTS:
        window = groups[i : i + len(layout)]
        if len(window) < len(layout) or any(e - s != n for (s, e), n in zip(window, layout, strict=True)):
            continue
        separators = {run[window[k][1]] for k in range(len(window) - 1)}
        if len(separators) == 1 and _card_number("".join(run[s:e] for s, e in window)):
            return len(layout)
    return 0


def _valid_international(value: str) -> bool:
    digits = sum(ch.isdigit() for ch in value)
    if not 7 <= digits <= 15 or _PHONE_DOUBLE_SEPARATOR.search(value):
        return False
    rest = _PHONE_PARENS.sub("0", value)  # a bracketed group holds digits only, once and unnested
    return "(" not in rest and ")" not in rest and value.count("(") <= 1


def _phones(text: str) -> list[_Candidate]:
    found: list[_Candidate] = []
    for m in _PHONE.finditer(text):
        value = m.group()
        if _is_date(value):
            continue
        if m.group("intl") is not None:
            if not _valid_international(value):
                continue
        elif m.group("national") is not None and not 9 <= sum(ch.isdigit() for ch in value) <= 12:
            continue
        rank = _RANK_PHONE_BARE if m.group("bare") is not None else _RANK_PHONE
        found.append((m.start(), m.end(), "PHONE", rank))
    return found


def _regex_candidates(text: str) -> list[_Candidate]:
    """Every non-card regex match in ``text``, before overlaps are resolved."""
    found: list[_Candidate] = []
    if "@" in text:
        found.extend((m.start(), m.end(), "EMAIL", _RANK_EMAIL) for m in _EMAIL.finditer(text))
    if _DIGIT.search(text) is None:
        return found
    found.extend((m.start(), m.end(), "SSN", _RANK_SSN) for m in _SSN.finditer(text))
    for m in _SSN_CONTEXT.finditer(text):
        if _SSN_DIGITS.fullmatch(_NOT_DIGIT.sub("", m.group("num"))):
            found.append((m.start("num"), m.end("num"), "SSN", _RANK_SSN))
    for m in _IBAN.finditer(text):
        if 11 <= len(m.group().replace(" ", "")) - 4 <= 30:
            found.append((m.start(), m.end(), "ACCOUNT_NUMBER", _RANK_IBAN))
    found.extend(_phones(text))
    for m in _ACCOUNT_CONTEXT.finditer(text):
        if not _is_date(m.group("num")):
            found.append((m.start("num"), m.end("num"), "ACCOUNT_NUMBER", _RANK_ACCOUNT_CONTEXT))
    found.extend((m.start(), m.end(), "ACCOUNT_NUMBER", _RANK_ACCOUNT_BARE) for m in _BARE_NUMBER.finditer(text))
    return found


def _overlaps(start: int, end: int, spans: Sequence[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)


def _regex_spans(text: str) -> list[_Span]:
    """Non-overlapping regex spans of ``text``, sorted by start (see the module docstring for precedence)."""
    cards = _cards(text) if _DIGIT.search(text) is not None else []
    candidates = [c for c in _regex_candidates(text) if not (cards and _overlaps(c[0], c[1], cards))]
    candidates.sort(key=lambda c: (c[0], c[0] - c[1], c[3]))
    accepted: list[_Span] = []
    for start, end, kind, _rank in candidates:
        if accepted and start < accepted[-1][1]:
            last_start, last_end, last_kind = accepted[-1]
            if end > last_end:  # sticks out of the winner: the winner takes the whole value
                accepted[-1] = (last_start, end, last_kind)
            continue
        accepted.append((start, end, kind))
    accepted.extend((start, end, "CARD_NUMBER") for start, end in cards)
    accepted.sort()
    return accepted


def _person_pieces(text: str, start: int, end: int, taken: Sequence[_Span]) -> list[_Span]:
    """What is left of a PERSON entity outside the regex spans, trimmed to letters and digits at the edges."""
    pieces: list[_Span] = []
    cursor = start
    for s, e, _kind in taken:
        if e <= cursor or s >= end:
            continue
        if s > cursor:
            pieces.append((cursor, s, "PERSON"))
        cursor = max(cursor, e)
    if cursor < end:
        pieces.append((cursor, end, "PERSON"))
    trimmed: list[_Span] = []
    for s, e, kind in pieces:
        while s < e and not text[s].isalnum():
            s += 1
        while e > s and not text[e - 1].isalnum():
            e -= 1
        if any(ch.isalpha() for ch in text[s:e]):
            trimmed.append((s, e, kind))
    return trimmed


def _ner_disable(nlp: Any) -> tuple[str, ...]:
    """Pipeline components that can be skipped when only entities are wanted (none if unsure)."""
    factories = {name: nlp.get_pipe_meta(name).factory for name in nlp.pipe_names}
    if any(factory in _ENTITY_WRITERS for factory in factories.values()):
        return ()
    needed = {name for name, comp in nlp.pipeline if "ner" in (getattr(comp, "listening_components", None) or ())}
    return tuple(
        name for name, factory in factories.items() if name != "ner" and name not in needed and factory in _NOT_FOR_NER
    )


class Redactor:
    """Replaces PII in raw texts by typed placeholders, a batch at a time, without side effects.

    Person names come from spaCy NER and are found only when ``nlp`` has an ``ner`` pipe. With ``nlp=None``,
    or a pipeline without one (e.g. ``spacy.blank("en")``), names are skipped and every other kind is
    still redacted; this is not an error. ``finds_names`` tells which case applies.
    """

    def __init__(self, *, nlp: Any | None, kinds: Iterable[str] = KINDS, batch_size: int = 64) -> None:
        """Configure the redactor.

        Args:
            nlp: a spaCy pipeline (used for PERSON only), or None.
            kinds: the kinds to redact. Every kind is still detected, so precedence holds (a card number is
                never relabelled as an account number), but values of kinds not listed stay in the text.
            batch_size: texts per ``nlp.pipe`` batch.
        """
        chosen = frozenset(kinds)
        unknown = sorted(chosen.difference(KINDS))
        if unknown:
            raise ValueError(f"unknown PII kinds {unknown}; expected some of {list(KINDS)}")
        if batch_size < 1:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        self.kinds = chosen
        self.batch_size = batch_size
        has_ner = nlp is not None and "ner" in getattr(nlp, "pipe_names", ())
        self._nlp = nlp if has_ner and "PERSON" in chosen else None
        self._disable = _ner_disable(nlp) if self._nlp is not None else ()

    @property
    def finds_names(self) -> bool:
        """Whether PERSON entities are redacted (a pipeline with NER was given and PERSON is a chosen kind)."""
        return self._nlp is not None

    def redact(self, texts: Sequence[tuple[ContentPart, int, str]]) -> list[RedactedText]:
        """Redact a batch of texts; the result for each text does not depend on the rest of the batch.

        Args:
            texts: (part, index, raw text) triples; part and index are copied onto each redaction.

        Returns:
            One :class:`RedactedText` per input, in order.
        """
        names = self._names([text for _, _, text in texts])
        return [
            self._redact_one(part, index, text, people)
            for (part, index, text), people in zip(texts, names, strict=True)
        ]

    def _names(self, texts: list[str]) -> list[list[tuple[int, int]]]:
        """PERSON entity spans of each text: one ``nlp.pipe`` pass over the batch, or none without NER."""
        if self._nlp is None or not texts:
            return [[] for _ in texts]
        docs = self._nlp.pipe(texts, batch_size=self.batch_size, disable=list(self._disable))
        return [[(ent.start_char, ent.end_char) for ent in doc.ents if ent.label_ == "PERSON"] for doc in docs]

    def _redact_one(self, part: ContentPart, index: int, text: str, people: list[tuple[int, int]]) -> RedactedText:
        spans = _regex_spans(text) if text else []
        if people:
            taken = list(spans)
            for start, end in people:
                spans.extend(_person_pieces(text, start, end, taken))
            spans.sort()
        spans = [span for span in spans if span[2] in self.kinds]
        if not spans:
            return RedactedText(text)
        out: list[str] = []
        redactions: list[Redaction] = []
        cursor = 0
        for start, end, kind in spans:
            placeholder = PLACEHOLDERS[kind]
            out.append(text[cursor:start])
            out.append(placeholder)
            redactions.append(Redaction(kind, placeholder, part, index, start, end))
            cursor = end
        out.append(text[cursor:])
        return RedactedText("".join(out), tuple(redactions))
