"""Hypothesis strategies for every request message, built from the messages' descriptors.

Each field may be absent or set; strings are random unicode (surrogates excluded: protobuf refuses to
hold them), empty, whitespace or longer than any limit; enums take out-of-range numbers; timestamps
go far outside the valid range; repeated fields are short, empty or longer than the limits (a long
list repeats one generated element, so a 120-turn transcript costs one turn to generate).
"""

from __future__ import annotations

import functools
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.message_factory import GetMessageClass
from hypothesis import strategies as st

MAX_DEPTH = 6
HUGE = 6_000  # beyond the test server's limits.max_chars_per_text (5,000)

_INT_RANGES = {
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SINT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1),
    FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1),
}

texts = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.sampled_from(["", " ", "\t\n", "ok", "I was charged twice and nobody answers.", "\u0000", "\U0001f600" * 3]),
    st.integers(HUGE, HUGE + 10).map(lambda n: "é" * n),
)


def _ints(low: int, high: int) -> st.SearchStrategy[int]:
    small = st.integers(max(low, -3), min(high, 300))
    return st.one_of(small, st.sampled_from([low, high, 0]), st.integers(low, high))


def _scalar(field: FieldDescriptor) -> st.SearchStrategy[Any]:
    kind = field.type
    if kind == FieldDescriptor.TYPE_STRING:
        return texts
    if kind == FieldDescriptor.TYPE_BYTES:
        return st.binary(max_size=32)
    if kind == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if kind == FieldDescriptor.TYPE_DOUBLE:
        return st.floats(allow_nan=True, allow_infinity=True)
    if kind == FieldDescriptor.TYPE_FLOAT:
        return st.floats(allow_nan=True, allow_infinity=True, width=32)
    if kind == FieldDescriptor.TYPE_ENUM:
        known = [v.number for v in field.enum_type.values]
        return st.one_of(st.sampled_from(known), st.integers(-5, 120))  # out-of-range values too
    low, high = _INT_RANGES[kind]
    return _ints(low, high)


def _timestamps() -> st.SearchStrategy[dict[str, int]]:
    seconds = st.one_of(
        st.integers(1_600_000_000, 1_900_000_000),  # plausible
        st.sampled_from([0, -1, -62_135_596_801, 253_402_300_800, 2**63 - 1, -(2**63)]),  # outside 0001-9999
        st.integers(-(2**63), 2**63 - 1),
    )
    return st.fixed_dictionaries({}, optional={"seconds": seconds, "nanos": _ints(-(2**31), 2**31 - 1)})


def _lists(
    element: st.SearchStrategy[Any], repeated: st.SearchStrategy[Any] | None, depth: int
) -> st.SearchStrategy[list[Any]]:
    """Short lists of ``element``, or (``repeated`` given) one ``repeated`` value many times."""
    short = st.lists(element, max_size=3 if depth < 3 else 2)
    if repeated is None:
        return short
    return st.one_of(short, repeated.flatmap(lambda e: st.integers(11, 120).map(lambda n: [e] * n)))


@functools.cache
def field_values(descriptor: Descriptor, depth: int = 0, long_lists: bool = True) -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments for the message class of ``descriptor``: any subset of its fields.

    ``long_lists``: whether a repeated field may be long; inside a long list none may, so one
    message never nests a long list in a long list.
    """
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for field in descriptor.fields:
        strategy = _field(field, depth, long_lists)
        if strategy is not None:
            optional[field.name] = strategy
    return st.fixed_dictionaries({}, optional=optional)


def _field(field: FieldDescriptor, depth: int, long_lists: bool) -> st.SearchStrategy[Any] | None:
    message = field.message_type
    if message is not None and message.GetOptions().map_entry:
        key, value = message.fields_by_name["key"], message.fields_by_name["value"]
        if value.message_type is not None:
            return None
        return st.one_of(
            st.dictionaries(_scalar(key), _scalar(value), max_size=3),
            st.integers(5, 80).map(lambda n: {f"k{i}": "v" for i in range(n)}),
        )
    if message is not None:
        if depth >= MAX_DEPTH:
            return None
        element: st.SearchStrategy[Any]
        repeated: st.SearchStrategy[Any] | None = None
        if message.full_name == "google.protobuf.Timestamp":
            element = _timestamps()
        else:
            element = field_values(message, depth + 1, long_lists)
            if long_lists:
                repeated = field_values(message, depth + 1, False)
    else:
        element = _scalar(field)
        repeated = element if long_lists else None
    return _lists(element, repeated, depth) if field.is_repeated else element


def messages(descriptor: Descriptor) -> st.SearchStrategy[Message]:
    """Messages of ``descriptor``'s type with fuzzed fields (a value protobuf refuses leaves its field unset)."""
    cls = GetMessageClass(descriptor)
    return field_values(descriptor).map(lambda kwargs: _build(cls, kwargs))


def _build(cls: type[Message], kwargs: dict[str, Any]) -> Message:
    try:
        return cls(**kwargs)
    except (ValueError, TypeError, OverflowError):
        # One value protobuf itself rejects (say a float in an int field after a map): set field by field.
        message = cls()
        for name, value in kwargs.items():
            try:
                message.MergeFrom(cls(**{name: value}))
            except (ValueError, TypeError, OverflowError):
                continue
        return message


# --- well-formed requests with random content: they pass validation and reach the models -------------

from google.protobuf.timestamp_pb2 import Timestamp  # noqa: E402

from journeymine.v1 import enrichment_service_pb2 as svc_pb  # noqa: E402
from journeymine.v1 import interaction_pb2 as ix_pb  # noqa: E402
from journeymine.v1 import journey_service_pb2 as jr_pb  # noqa: E402
from journeymine.v1 import topics_service_pb2 as tp_pb  # noqa: E402

# Any unicode but surrogates, with at least one visible character (blank text is rightly rejected).
words = st.text(st.characters(exclude_categories=("Cs",)), min_size=1, max_size=200).filter(lambda t: t.strip())
ids = st.text("abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=1, max_size=24)
roles = st.sampled_from([ix_pb.SPEAKER_ROLE_CUSTOMER, ix_pb.SPEAKER_ROLE_AGENT, ix_pb.SPEAKER_ROLE_BOT])
channels = st.integers(0, 8)
moments = st.integers(1_700_000_000, 1_800_000_000).map(lambda s: Timestamp(seconds=s))


@st.composite
def turns(draw: st.DrawFn) -> ix_pb.Turn:
    turn = ix_pb.Turn(role=draw(roles), text=draw(words), speaker_id=draw(st.sampled_from(["", "a1", "c1"])))
    if draw(st.booleans()):
        start = draw(st.integers(0, 10**7))
        turn.start_ms, turn.end_ms = start, start + draw(st.integers(0, 10**5))
    return turn


def contents() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        words.map(lambda t: {"text": t}),
        st.lists(turns(), min_size=1, max_size=8).map(lambda ts: {"transcript": ix_pb.Transcript(turns=ts)}),
        st.builds(lambda s, b: {"email": ix_pb.Email(subject=s, body=b)}, st.one_of(st.just(""), words), words),
        st.lists(
            st.builds(
                lambda q, a, r: ix_pb.SurveyResponse(
                    question=q, answer=a, rating=r, scale=ix_pb.RatingScale(kind="nps", min=0, max=10)
                ),
                words,
                words,
                st.integers(0, 10).map(float),
            ),
            min_size=1,
            max_size=3,
        ).map(lambda rs: {"survey": ix_pb.Survey(responses=rs)}),
        words.map(lambda t: {"social": ix_pb.SocialPost(platform="x", text=t)}),
    )


@st.composite
def interactions(draw: st.DrawFn, *, dated: bool = False) -> ix_pb.Interaction:
    msg = ix_pb.Interaction(id=draw(ids), customer_id=draw(ids), channel=draw(channels), **draw(contents()))
    if dated or draw(st.booleans()):
        msg.occurred_at.CopyFrom(draw(moments))
    if draw(st.booleans()):
        msg.language = draw(st.sampled_from(["en", "de", "en-US", "fr"]))
    return msg


options = st.builds(
    svc_pb.EnrichOptions,
    signals=st.lists(st.integers(1, 4), max_size=3, unique=True),
    intent_taxonomy=st.sampled_from(["", "banking77", "clinc150", "customer_service"]),
    intent_top_k=st.integers(0, 10),
    topics_top_k=st.integers(0, 5),
    sentiment_model=st.sampled_from(["", "sentiment", "sentiment.v2", "nope"]),
)


def enrich_requests() -> st.SearchStrategy[svc_pb.EnrichRequest]:
    return st.builds(
        svc_pb.EnrichRequest, interactions=st.lists(interactions(), min_size=1, max_size=4), options=options
    )


@st.composite
def stream_calls(draw: st.DrawFn) -> list[svc_pb.EnrichStreamRequest]:
    start = svc_pb.StreamStart(interaction_id=draw(ids), customer_id=draw(ids), channel=ix_pb.CHANNEL_CALL)
    sent = [svc_pb.EnrichStreamRequest(start=start)]
    sent += [svc_pb.EnrichStreamRequest(turn=t) for t in draw(st.lists(turns(), min_size=1, max_size=6))]
    return sent


@st.composite
def record_requests(draw: st.DrawFn) -> jr_pb.RecordTouchpointsRequest:
    points = []
    for i in range(draw(st.integers(1, 4))):
        tp = jr_pb.Touchpoint(
            id=f"{draw(ids)}-{i}",
            customer_id=draw(st.sampled_from(["fz-c1", "fz-c2"])),
            channel=draw(st.integers(1, 8)),
            occurred_at=draw(moments),
            stage=draw(st.sampled_from(["", "billing", "onboarding"])),
            outcome=draw(st.integers(0, 3)),
        )
        if draw(st.booleans()):
            tp.interaction.CopyFrom(draw(interactions()))
            tp.interaction.customer_id = tp.customer_id  # the contract: empty or the touchpoint's
        points.append(tp)
    return jr_pb.RecordTouchpointsRequest(touchpoints=points)


def trend_requests() -> st.SearchStrategy[tp_pb.GetTopicTrendsRequest]:
    return st.builds(
        tp_pb.GetTopicTrendsRequest,
        interactions=st.lists(interactions(dated=True), min_size=1, max_size=6),
        bucket=st.integers(0, 2),
        by_channel=st.booleans(),
    )
