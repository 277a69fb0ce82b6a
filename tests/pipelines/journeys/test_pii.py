from __future__ import annotations

import time
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest

from models.nlp import FALLBACK_NAME, load_nlp
from pipelines.enrichment.domain import ContentPart
from pipelines.journeys.pii import KINDS, PLACEHOLDERS, RedactedText, Redactor, luhn_valid


@pytest.fixture(scope="module")
def redactor() -> Redactor:
    return Redactor(nlp=None)


def redact(redactor: Redactor, text: str) -> RedactedText:
    return redactor.redact([(ContentPart.TEXT, 0, text)])[0]


def found(redactor: Redactor, text: str) -> list[tuple[str, str]]:
    """(kind, original value) of each redaction, checking the invariants every result must hold."""
    result = redact(redactor, text)
    check_result(text, result)
    return [(r.kind, text[r.start : r.end]) for r in result.redactions]


def check_result(text: str, result: RedactedText) -> None:
    starts = [r.start for r in result.redactions]
    assert starts == sorted(starts)
    rebuilt, cursor = [], 0
    for r in result.redactions:
        assert r.placeholder == PLACEHOLDERS[r.kind] == f"[{r.kind}]"
        assert cursor <= r.start < r.end <= len(text)
        rebuilt += [text[cursor : r.start], r.placeholder]
        cursor = r.end
        value = text[r.start : r.end]
        assert value.strip() == value and value
        assert value not in result.text  # the raw value never survives
    assert "".join([*rebuilt, text[cursor:]]) == result.text


# --- Luhn ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "digits",
    ["4111111111111111", "5555555555554444", "378282246310005", "6011111111111117", "4012888888881881", "79927398713"],
)
def test_luhn_valid_numbers(digits: str) -> None:
    assert luhn_valid(digits)


@pytest.mark.parametrize("digits", ["4111111111111112", "5555555555554443", "79927398710", "", "4111 1111", "٤١١١"])
def test_luhn_invalid_numbers(digits: str) -> None:
    assert not luhn_valid(digits)


# --- each kind: positives ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("Email me at maria.gonzalez@example.co.uk please", "maria.gonzalez@example.co.uk"),
        ("contact: j_doe+billing@mail-server.example.com.", "j_doe+billing@mail-server.example.com"),
        ("écrivez à josé@exemple.fr", "josé@exemple.fr"),
    ],
)
def test_email(redactor: Redactor, text: str, value: str) -> None:
    assert found(redactor, text) == [("EMAIL", value)]
    assert "[EMAIL]" in redact(redactor, text).text


@pytest.mark.parametrize(
    "phone",
    [
        "+44 20 7946 0958",
        "(415) 555-0132",
        "415-555-0132",
        "415.555.0132",
        "+1 415 555 0132",
        "+1 (415) 555-0132",
        "+44 (0)20 7946 0958",
        "+4915112345678",
        "020 7946 0958",
        "06 12 34 56 78",
        "030/1234567",
        "1 415 555 0132",
        "4155550132",
    ],
)
def test_phone_forms(redactor: Redactor, phone: str) -> None:
    text = f"You can reach me on {phone} after five."
    assert found(redactor, text) == [("PHONE", phone)]
    assert redact(redactor, text).text == "You can reach me on [PHONE] after five."


@pytest.mark.parametrize(
    "card",
    ["4111 1111 1111 1111", "4111-1111-1111-1111", "4111111111111111", "5555 5555 5555 4444", "3782 822463 10005"],
)
def test_luhn_valid_card(redactor: Redactor, card: str) -> None:
    text = f"my card {card} was declined"
    assert found(redactor, text) == [("CARD_NUMBER", card)]
    assert redact(redactor, text).text == "my card [CARD_NUMBER] was declined"


def test_card_inside_a_longer_run_of_groups(redactor: Redactor) -> None:
    # A quantity before and an expiry after the card do not hide it.
    assert found(redactor, "qty 3 4111 1111 1111 1111 12 26") == [("CARD_NUMBER", "4111 1111 1111 1111")]


@pytest.mark.parametrize("ssn", ["123-45-6789", "078-05-1120", "665-12-3456"])
def test_ssn(redactor: Redactor, ssn: str) -> None:
    assert found(redactor, f"SSN is {ssn}.") == [("SSN", ssn)]


@pytest.mark.parametrize("text", ["my ssn 123456789", "Social Security number: 123 45 6789"])
def test_ssn_after_context_word(redactor: Redactor, text: str) -> None:
    assert [kind for kind, _ in found(redactor, text)] == ["SSN"]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("my account number is 12345678", "12345678"),
        ("Acct no. 99887766 please", "99887766"),
        ("a/c 00123456", "00123456"),
        ("sort code 12-34-56", "12-34-56"),
        ("Routing number: 021000021", "021000021"),
        ("member ID 7654321", "7654321"),
        ("POLICY #55512345", "55512345"),
        ("customer number 10020030", "10020030"),
        ("reference: 445566", "445566"),
        ("my account, it\u2019s 31415926", "31415926"),
        ("ACCOUNT 4111 1111 1111 1112", "4111 1111 1111 1112"),  # Luhn-invalid 16 digits after context
        ("account number 4155550132", "4155550132"),  # the customer says it is an account
    ],
)
def test_account_after_context_word(redactor: Redactor, text: str, value: str) -> None:
    assert found(redactor, text) == [("ACCOUNT_NUMBER", value)]


@pytest.mark.parametrize("number", ["123456789", "000123456789", "4111111111111112", "12345678901234567890123"])
def test_bare_long_number_is_account(redactor: Redactor, number: str) -> None:
    assert found(redactor, f"it says {number} on the letter") == [("ACCOUNT_NUMBER", number)]


@pytest.mark.parametrize(
    "iban", ["GB82 WEST 1234 5698 7654 32", "DE89370400440532013000", "FR1420041010050500013M02606"]
)
def test_iban_is_account(redactor: Redactor, iban: str) -> None:
    assert found(redactor, f"pay into {iban} today") == [("ACCOUNT_NUMBER", iban)]


# --- negatives ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I ordered on 2024-05-01 and again on 01/05/2024, 05.01.2024 and 20240501.",
        "The call was at 10:30, then 14.45, and lasted 12:05:33.",
        "I paid $1,250.00, then €99.99 and £1,000,000 and $1250000000.",
        "Ordered 3 items, order #12345, 2 x 150 units, qty 12, order 1234567.",
        "Invoice total 1234567890.50 and ratio 0.123456789.",
        "Open 9-5, call between 100 and 200 times, years 2019-2024, pages 100-1000.",
        "The model code A123456789 and ref A123456789 and version 1.2.3.",
        "Card 4111 1111 1111 1112 failed.",  # Luhn-invalid, spaced, no account context
        "account opened on 2024-05-01 for 12 years",  # a date after a context word
        "not SSNs: 000-12-3456, 666-12-3456, 912-34-5678, 123-00-4567, 123-45-0000",
        "user at example dot com, @handle, a@b",
        "AB12 THIS WILL NEVER WORK",
        "Nothing sensitive here at all.",
    ],
)
def test_not_pii(redactor: Redactor, text: str) -> None:
    assert found(redactor, text) == []
    assert redact(redactor, text).text == text


@pytest.mark.parametrize(
    "text",
    [
        "12345678901234567890",  # a phone is not matched inside a longer digit run (it is one account number)
        "4111 1111 1111 1112 4155",
    ],
)
def test_no_phone_inside_longer_runs(redactor: Redactor, text: str) -> None:
    assert "PHONE" not in [kind for kind, _ in found(redactor, text)]


def test_adversarial_text_is_linear(redactor: Redactor) -> None:
    # A backtracking email pattern took over a minute on this (every "a" was a possible start).
    texts = ["a" * 50_000 + "@" + "b." * 20_000, "1 " * 20_000, "account " * 10_000 + "1", "+1 (" * 10_000]
    start = time.perf_counter()
    results = redactor.redact([(ContentPart.TEXT, i, text) for i, text in enumerate(texts)])
    assert time.perf_counter() - start < 5.0
    assert all(r.redactions == () for r in results)


def test_empty_text(redactor: Redactor) -> None:
    assert redactor.redact([(ContentPart.TEXT, 0, "")]) == [RedactedText("", ())]
    assert redactor.redact([]) == []


# --- precedence and overlaps --------------------------------------------------------------------------


def test_card_beats_phone_and_account(redactor: Redactor) -> None:
    for text in ["account 4111111111111111", "card: 4111 1111 1111 1111", "phone 5555555555554444"]:
        assert [kind for kind, _ in found(redactor, text)] == ["CARD_NUMBER"], text


def test_email_containing_a_phone_is_one_email(redactor: Redactor) -> None:
    text = "write to 415-555-0132@example.com or j.4155550132@example.com"
    assert found(redactor, text) == [("EMAIL", "415-555-0132@example.com"), ("EMAIL", "j.4155550132@example.com")]


def test_ssn_beats_account_on_the_same_span(redactor: Redactor) -> None:
    assert found(redactor, "account holder SSN 123-45-6789") == [("SSN", "123-45-6789")]


def test_formatted_phone_beats_account_context(redactor: Redactor) -> None:
    assert found(redactor, "call my account manager at 415-555-0132") == [("PHONE", "415-555-0132")]


def test_several_kinds_in_one_text(redactor: Redactor) -> None:
    text = "Email a@example.com, call (415) 555-0132, card 4111111111111111, SSN 123-45-6789, acct 99887766."
    result = redact(redactor, text)
    check_result(text, result)
    assert result.text == "Email [EMAIL], call [PHONE], card [CARD_NUMBER], SSN [SSN], acct [ACCOUNT_NUMBER]."
    assert [r.kind for r in result.redactions] == ["EMAIL", "PHONE", "CARD_NUMBER", "SSN", "ACCOUNT_NUMBER"]


def test_spans_are_code_points_after_unicode(redactor: Redactor) -> None:
    text = "Café ☕ 😡 — naïve 東京: call 415-555-0132, mail ü@exämple.de"
    result = redact(redactor, text)
    check_result(text, result)
    phone, email = result.redactions
    assert (phone.start, phone.end) == (text.index("415"), text.index("415") + len("415-555-0132"))
    assert text[email.start : email.end] == "ü@exämple.de"
    assert result.text == "Café ☕ 😡 — naïve 東京: call [PHONE], mail [EMAIL]"


def test_part_and_index_are_copied(redactor: Redactor) -> None:
    (result,) = redactor.redact([(ContentPart.TURN, 7, "call 415-555-0132")])
    assert [(r.part, r.index) for r in result.redactions] == [(ContentPart.TURN, 7)]


# --- batching, kinds, configuration --------------------------------------------------------------------

BATCH = [
    "Hi, this is Maria Gonzalez calling about my bill",
    "call +44 20 7946 0958 or mail maria@example.com",
    "",
    "card 4111 1111 1111 1111, acct 99887766, on 2024-05-01 for $1,250.00",
    "Thank you for calling Acme Bank, this is Sarah. My SSN is 123-45-6789.",
    "IBAN GB82 WEST 1234 5698 7654 32 — Café ☕ 415.555.0132",
    "nothing to see",
]


def test_batch_equals_one_at_a_time(redactor: Redactor) -> None:
    items = [(ContentPart.TURN, i, text) for i, text in enumerate(BATCH)]
    assert redactor.redact(items) == [redactor.redact([item])[0] for item in items]
    assert redactor.redact(items[::-1]) == redactor.redact(items)[::-1]


def test_kinds_not_chosen_stay_but_keep_precedence() -> None:
    only_accounts = Redactor(nlp=None, kinds=["ACCOUNT_NUMBER"])
    text = "card 4111111111111111, acct 99887766, mail a@example.com"
    result = redact(only_accounts, text)
    # The card is still recognised as a card, so it is not relabelled as an account number.
    assert result.text == "card 4111111111111111, acct [ACCOUNT_NUMBER], mail a@example.com"


def test_bad_configuration() -> None:
    with pytest.raises(ValueError, match="unknown PII kinds"):
        Redactor(nlp=None, kinds=["EMAIL", "ADDRESS"])
    with pytest.raises(ValueError, match="batch_size"):
        Redactor(nlp=None, batch_size=0)


def test_no_nlp_or_no_ner_skips_names() -> None:
    assert not Redactor(nlp=None).finds_names
    blank = SimpleNamespace(pipe_names=["sentencizer"])
    assert not Redactor(nlp=blank).finds_names
    assert redact(Redactor(nlp=blank), "Hi, this is Maria Gonzalez").text == "Hi, this is Maria Gonzalez"


# --- PERSON with a stand-in pipeline (fast): the resolution rules --------------------------------------


@dataclass
class FakeEnt:
    start_char: int
    end_char: int
    label_: str = "PERSON"


@dataclass
class FakeNlp:
    """Tags given substrings as entities; records the calls to ``pipe``."""

    entities: dict[str, str]
    pipe_names: list[str] = field(default_factory=lambda: ["ner"])
    calls: list[tuple[list[str], int | None]] = field(default_factory=list)

    @property
    def pipeline(self) -> list[tuple[str, object]]:
        return [("ner", object())]

    def get_pipe_meta(self, name: str) -> SimpleNamespace:
        return SimpleNamespace(factory=name)

    def pipe(self, texts, batch_size=None, disable=()):
        texts = list(texts)
        self.calls.append((texts, batch_size))
        for text in texts:
            ents = [
                FakeEnt(text.index(s), text.index(s) + len(s), label) for s, label in self.entities.items() if s in text
            ]
            yield SimpleNamespace(ents=ents)


def test_person_from_ner_one_pipe_call_per_batch() -> None:
    nlp = FakeNlp({"Maria Gonzalez": "PERSON", "Acme Bank": "ORG"})
    redactor = Redactor(nlp=nlp, batch_size=16)
    texts = ["Hi, this is Maria Gonzalez calling", "Acme Bank, Maria Gonzalez speaking", "no names"]
    results = redactor.redact([(ContentPart.TURN, i, t) for i, t in enumerate(texts)])
    assert [r.text for r in results] == ["Hi, this is [PERSON] calling", "Acme Bank, [PERSON] speaking", "no names"]
    assert nlp.calls == [(texts, 16)]


def test_regex_beats_person_on_the_same_span() -> None:
    redactor = Redactor(nlp=FakeNlp({"maria@example.com": "PERSON"}))
    assert found(redactor, "mail maria@example.com now") == [("EMAIL", "maria@example.com")]


def test_person_overlapping_a_regex_span_is_cut_around_it() -> None:
    redactor = Redactor(nlp=FakeNlp({"Maria maria@example.com": "PERSON"}))
    text = "ask Maria maria@example.com now"
    assert found(redactor, text) == [("PERSON", "Maria"), ("EMAIL", "maria@example.com")]
    assert redact(redactor, text).text == "ask [PERSON] [EMAIL] now"


def test_person_kind_not_chosen_skips_ner() -> None:
    nlp = FakeNlp({"Maria": "PERSON"})
    redactor = Redactor(nlp=nlp, kinds=[k for k in KINDS if k != "PERSON"])
    assert not redactor.finds_names
    assert redact(redactor, "Maria here").text == "Maria here" and nlp.calls == []


# --- PERSON with the real spaCy pipeline (slow) -----------------------------------------------------------


@pytest.fixture(scope="module")
def spacy_nlp():
    nlp, name = load_nlp()
    if name == FALLBACK_NAME:
        pytest.skip(f"spaCy pipeline not installed: load_nlp() fell back to {FALLBACK_NAME}, which has no NER")
    return nlp


@pytest.mark.slow
def test_person_with_spacy(spacy_nlp) -> None:
    redactor = Redactor(nlp=spacy_nlp)
    assert redactor.finds_names
    text = "Hi, this is Maria Gonzalez calling about my bill"
    assert found(redactor, text) == [("PERSON", "Maria Gonzalez")]
    assert redact(redactor, text).text == "Hi, this is [PERSON] calling about my bill"


@pytest.mark.slow
def test_person_with_spacy_alongside_regex_kinds(spacy_nlp) -> None:
    redactor = Redactor(nlp=spacy_nlp)
    text = "My name is John Smith, email john.smith@example.com, phone 415-555-0132."
    assert found(redactor, text) == [
        ("PERSON", "John Smith"),
        ("EMAIL", "john.smith@example.com"),
        ("PHONE", "415-555-0132"),
    ]


@pytest.mark.slow
def test_spacy_batch_equals_one_at_a_time_and_full_pipeline(spacy_nlp) -> None:
    redactor = Redactor(nlp=spacy_nlp, batch_size=3)
    items = [(ContentPart.TURN, i, text) for i, text in enumerate(BATCH)]
    batched = redactor.redact(items)
    assert batched == [redactor.redact([item])[0] for item in items]
    # Skipping the components NER does not use changes no entity.
    for (_, _, text), result in zip(items, batched, strict=True):
        check_result(text, result)
        people = [(e.start_char, e.end_char) for e in spacy_nlp(text).ents if e.label_ == "PERSON"]
        assert [(r.start, r.end) for r in result.redactions if r.kind == "PERSON"] == people
