"""Batch enrichment files (JSONL, CSV, Parquet) and ``journeymine enrich`` end to end with the small fake Enricher."""

from __future__ import annotations

import json

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from pipelines.enrichment.domain import Channel, EnrichOptions, SpeakerRole, Transcript
from service.cli import main as cli
from service.cli.batch_io import InputError, count_rows, read_rows
from service.config import LimitsConfig
from tests.pipelines.conftest import artifacts_dir, encoder, enricher, nlp, user_enricher  # noqa: F401

LIMITS = LimitsConfig()


def _jsonl(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows), encoding="utf-8")
    return path


def test_jsonl_rows_in_the_contract_shape(tmp_path):
    path = _jsonl(
        tmp_path / "in.jsonl",
        [
            {"id": "a", "text": "my card is lost", "channel": "CHANNEL_CHAT", "occurred_at": "2026-11-30T10:00:00Z"},
            {"id": "b", "transcript": {"turns": [{"role": "SPEAKER_ROLE_CUSTOMER", "text": "hello"}]}},
            {"id": "c", "text": "x", "channel": "CHANNEL_FAX"},
            {"id": "", "text": "no id"},
            "[1, 2]",
        ],
    )
    rows = list(read_rows([path], LIMITS))
    assert [r.row for r in rows] == [0, 1, 2, 3, 4]
    assert rows[0].interaction.channel == Channel.CHAT and rows[0].interaction.occurred_at.year == 2026
    assert isinstance(rows[1].interaction.content, Transcript)
    assert rows[1].interaction.content.turns[0].role == SpeakerRole.CUSTOMER
    assert rows[2].rejected.source.endswith("in.jsonl:3") and "CHANNEL_FAX" in rows[2].rejected.errors[0][1]
    assert rows[3].rejected.errors == (
        ("interaction.id", "is empty; give every row an id (results carry it as interaction_id)"),
    )
    assert "expected a JSON object" in rows[4].rejected.errors[0][1]
    assert count_rows([path]) == 5


def test_csv_and_parquet_rows_number_on_across_files(tmp_path):
    csv_path = tmp_path / "in.csv"
    csv_path.write_text("id,text,channel\nc1,slow delivery,chat\nc2,,email\n", encoding="utf-8")
    parquet_path = tmp_path / "in.parquet"
    pq.write_table(
        pa.Table.from_pylist([{"id": "p1", "text": "refund please", "channel": "CHANNEL_EMAIL"}]), parquet_path
    )
    rows = list(read_rows([csv_path, parquet_path], LIMITS))
    assert [(r.row, r.source.rsplit("/", 1)[-1]) for r in rows] == [
        (0, "in.csv:2"),
        (1, "in.csv:3"),
        (2, "in.parquet:1"),
    ]
    assert rows[0].interaction.channel == Channel.CHAT
    assert rows[1].rejected is not None  # empty text
    assert rows[2].interaction.channel == Channel.EMAIL
    assert count_rows([csv_path, parquet_path]) == 3


def test_unreadable_inputs_stop_before_any_work(tmp_path):
    bad = tmp_path / "in.csv"
    bad.write_text("name,body\nx,y\n", encoding="utf-8")
    with pytest.raises(InputError, match="columns id and text"):
        list(read_rows([bad], LIMITS))


@pytest.fixture
def fake_models(monkeypatch, enricher):  # noqa: F811
    monkeypatch.setenv("JOURNEYMINE_CONFIG", "")
    monkeypatch.setattr("pipelines.factory.build_enricher", lambda **kwargs: enricher)
    return enricher


def test_enrich_cli_writes_the_contract_json_and_resumes(tmp_path, capsys, fake_models):
    rows = [{"id": f"t{i}", "text": f"the parcel arrived late, attempt {i}"} for i in range(9)] + [
        {"id": "x", "text": " "}
    ]
    src = _jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out" / "signals.jsonl"
    argv = ["enrich", "--in", str(src), "--out", str(out), "--chunk-size", "4", "--json"]
    assert cli.main(argv) == 0
    summary = json.loads(capsys.readouterr().out)
    assert (summary["enriched"], summary["rejected"]) == (9, 1)
    results = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["interaction_id"] for r in results] == [f"t{i}" for i in range(9)]
    assert "sentiment" in results[0] and results[0]["models"]
    assert cli.main(argv) == 0 and json.loads(capsys.readouterr().out)["already_complete"] is True


def test_enrich_cli_bad_arguments_exit_2(tmp_path, capsys, fake_models):
    src = _jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "hi"}])
    out = tmp_path / "o.jsonl"
    assert cli.main(["enrich", "--in", str(tmp_path / "missing.jsonl"), "--out", str(out)]) == 2
    assert "file not found" in capsys.readouterr().err
    assert cli.main(["enrich", "--in", str(src), "--out", str(out), "--signals", "mood"]) == 2
    assert "valid signals are" in capsys.readouterr().err
    assert cli.main(["enrich", "--in", str(src), "--out", str(out), "--taxonomy", "nope"]) == 2
    assert "Unknown intent taxonomy" in capsys.readouterr().err


def test_enrich_cli_sentiment_model_picks_a_user_head(tmp_path, capsys, monkeypatch, user_enricher):  # noqa: F811
    monkeypatch.setenv("JOURNEYMINE_CONFIG", "")
    monkeypatch.setattr("pipelines.factory.build_enricher", lambda **kwargs: user_enricher)
    src = _jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "I love this"}, {"id": "b", "text": "I hate this"}])
    outs = {}
    for name in ("reviews", None):
        out = tmp_path / f"{name}.jsonl"
        extra = ["--sentiment-model", name] if name else []
        assert cli.main(["enrich", "--in", str(src), "--out", str(out), "--json", *extra]) == 0
        outs[name] = [json.loads(line) for line in out.read_text().splitlines()]
    capsys.readouterr()
    mine, default = outs["reviews"], outs[None]
    # The user head (tests/pipelines/conftest.py REVIEWS_DATA) reads the words the other way round.
    assert [r["sentiment"]["label"] for r in mine] == ["SENTIMENT_LABEL_NEGATIVE", "SENTIMENT_LABEL_POSITIVE"]
    assert [r["sentiment"]["label"] for r in default] == ["SENTIMENT_LABEL_POSITIVE", "SENTIMENT_LABEL_NEGATIVE"]
    assert {(r["sentiment"]["model"]["name"], r["sentiment"]["model"]["version"]) for r in mine} == {
        ("sentiment.reviews", "v1")
    }
    assert {"name": "sentiment.reviews", "version": "v1"} in mine[0]["models"]

    out = tmp_path / "nope.jsonl"
    assert cli.main(["enrich", "--in", str(src), "--out", str(out), "--sentiment-model", "review"]) == 2
    err = capsys.readouterr().err
    assert "Unknown sentiment model: 'review'. Valid sentiment model names are: permissive, reviews, sentiment" in err
    assert not out.exists()


def _interrupted_after(chunks: int, enrich):
    calls = {"n": 0}

    def enrich_then_die(interactions):
        calls["n"] += 1
        if calls["n"] > chunks:
            raise KeyboardInterrupt  # the operator's ^C, or a killed process
        return enrich(interactions)

    return enrich_then_die


def test_parquet_output_is_a_row_per_input_row_and_resumes_exactly_once(tmp_path, fake_models):
    from pipelines.batch import each, run_batch
    from service.cli.batch_io import RESULT_COLUMNS, ParquetSink, fingerprint

    rows = [{"id": f"t{i}", "text": f"the parcel arrived late, attempt {i}"} for i in range(10)]
    rows[4] = {"id": "bad", "text": "x", "channel": "CHANNEL_FAX"}
    src = _jsonl(tmp_path / "in.jsonl", rows)
    out = tmp_path / "signals.parquet"

    def job(enrich):
        return run_batch(
            read_rows([src], LIMITS),
            sink=ParquetSink(out),
            fingerprint=fingerprint([src], EnrichOptions(), ["m"]),
            enrich_many=each(enrich),
            chunk_size=3,
            progress=False,
        )

    enrich = lambda interactions: fake_models.enrich(interactions, EnrichOptions())  # noqa: E731
    with pytest.raises(KeyboardInterrupt):
        job(_interrupted_after(2, enrich))
    assert sorted(p.name for p in out.iterdir()) == ["part-00000.parquet", "part-00001.parquet"]
    (out / "part-00002.parquet.tmp").write_bytes(b"half a part")  # what a kill mid-write leaves
    summary = job(enrich)
    assert summary.skipped == 6 and summary.total_enriched == 9 and summary.total_rejected == 1
    table = pq.read_table(out)
    assert table.column_names == [name for name, _ in RESULT_COLUMNS]
    records = table.to_pylist()
    assert [r["source"].rsplit(":", 1)[-1] for r in records] == [str(i) for i in range(1, 11)]  # each row once
    bad = records[4]
    assert bad["enriched"] is None and "CHANNEL_FAX" in json.loads(bad["errors"])[0]["fix"]
    good = records[0]
    assert good["errors"] is None and good["interaction_id"] == "t0"
    full = json.loads(good["enriched"])
    assert (
        full["interaction_id"] == "t0"
        and good["sentiment"] == full["sentiment"]["label"].removeprefix("SENTIMENT_LABEL_").lower()
    )


def test_enrich_cli_parquet_out_and_unknown_out_format(tmp_path, capsys, fake_models):
    src = _jsonl(tmp_path / "in.jsonl", [{"id": "a", "text": "my refund is late"}])
    out = tmp_path / "o.parquet"
    assert cli.main(["enrich", "--in", str(src), "--out", str(out), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["enriched"] == 1
    assert pq.read_table(out).column("interaction_id").to_pylist() == ["a"]
    assert cli.main(["enrich", "--in", str(src), "--out", str(tmp_path / "o.csv")]) == 2
    assert "use .jsonl or .parquet" in capsys.readouterr().err
    assert cli.main(["enrich", "--engine", "ray", "--in", str(src), "--out", str(tmp_path / "r.parquet")]) == 2
    assert "the ray engine reads Parquet" in capsys.readouterr().err
