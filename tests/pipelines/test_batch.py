"""The resumable batch runner: an interrupted job rerun continues with no row missing or repeated."""

from __future__ import annotations

import json

import pytest

from pipelines.batch import (
    CheckpointMismatchError,
    JsonlSink,
    Rejected,
    Row,
    checkpoint_path,
    each,
    errors_path,
    load_checkpoint,
    run_batch,
)
from pipelines.enrichment.domain import EnrichedInteraction, Interaction, LanguageInfo, PlainText


def _rows(n: int, bad: frozenset[int] = frozenset()) -> list[Row]:
    out = []
    for i in range(n):
        if i in bad:
            out.append(Row(i, f"in.jsonl:{i + 1}", None, Rejected(i, f"in.jsonl:{i + 1}", (("text", "is empty"),))))
        else:
            out.append(Row(i, f"in.jsonl:{i + 1}", Interaction(f"t{i}", PlainText(f"text {i}"))))
    return out


def _enrich(interactions: list[Interaction]) -> list[EnrichedInteraction]:
    return [EnrichedInteraction(i.id, LanguageInfo("en", 1.0, "declared", True)) for i in interactions]


def _encode(row: Row, result: EnrichedInteraction) -> bytes:
    return (json.dumps({"row": row.row, "id": result.interaction_id}) + "\n").encode()


def _ids(path) -> list[str]:
    return [json.loads(line)["id"] for line in path.read_text().splitlines()]


def _run(out, rows, **kw):
    return run_batch(
        rows,
        sink=JsonlSink(out, _encode),
        fingerprint="job-1",
        enrich_many=each(kw.pop("enrich", _enrich)),
        chunk_size=kw.pop("chunk_size", 4),
        progress=False,
        **kw,
    )


def test_one_run_writes_every_good_row_once_and_rejects_the_bad(tmp_path):
    out = tmp_path / "out.jsonl"
    summary = _run(out, _rows(10, bad=frozenset({3, 7})))
    assert _ids(out) == [f"t{i}" for i in range(10) if i not in (3, 7)]
    rejected = [json.loads(line) for line in errors_path(out).read_text().splitlines()]
    assert [r["row"] for r in rejected] == [3, 7] and rejected[0]["errors"] == [{"field": "text", "fix": "is empty"}]
    assert (summary.enriched, summary.rejected, summary.skipped) == (8, 2, 0)
    assert json.loads(checkpoint_path(out).read_text())["complete"] is True


def test_an_interrupted_job_resumes_with_no_row_missing_or_repeated(tmp_path):
    out = tmp_path / "out.jsonl"
    calls = {"n": 0}

    def dies_on_third_chunk(interactions):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the operator's ^C, or a killed process
        return _enrich(interactions)

    with pytest.raises(KeyboardInterrupt):
        _run(out, _rows(22, bad=frozenset({5})), enrich=dies_on_third_chunk)
    assert len(_ids(out)) == 7  # two chunks of 4, one of them with a rejected row
    # a killed process may also leave a half-written line after the last checkpoint
    with out.open("ab") as f:
        f.write(b'{"row": 8, "id": "t8"')
    summary = _run(out, _rows(22, bad=frozenset({5})))
    assert _ids(out) == [f"t{i}" for i in range(22) if i != 5]
    assert summary.skipped == 8 and summary.enriched == 14 and summary.total_enriched == 21
    assert summary.total_rejected == 1 and len(errors_path(out).read_text().splitlines()) == 1


def test_a_complete_job_rerun_does_nothing(tmp_path):
    out = tmp_path / "out.jsonl"
    _run(out, _rows(5))
    before = out.read_bytes()
    summary = _run(out, _rows(5))
    assert summary.already_complete and summary.rows == 0 and out.read_bytes() == before


def test_another_job_on_the_same_output_is_refused_unless_overwrite(tmp_path):
    out = tmp_path / "out.jsonl"
    _run(out, _rows(5))
    with pytest.raises(CheckpointMismatchError, match="belongs to another job"):
        run_batch(
            _rows(6), sink=JsonlSink(out, _encode), fingerprint="job-2", enrich_many=each(_enrich), progress=False
        )
    summary = run_batch(
        _rows(6),
        sink=JsonlSink(out, _encode),
        fingerprint="job-2",
        enrich_many=each(_enrich),
        progress=False,
        overwrite=True,
    )
    assert summary.enriched == 6 and _ids(out) == [f"t{i}" for i in range(6)]


def test_an_existing_output_without_checkpoint_is_not_clobbered(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text("precious\n")
    with pytest.raises(FileExistsError, match="--overwrite"):
        _run(out, _rows(2))
    assert out.read_text() == "precious\n"


def test_a_version_1_checkpoint_resumes_as_byte_positions(tmp_path):
    out = tmp_path / "out.jsonl"
    _run(out, _rows(8), chunk_size=4)
    first_chunk = out.read_bytes()[: len(out.read_bytes()) // 2]
    out.write_bytes(first_chunk + b'{"half": ')
    errors_path(out).write_bytes(b"")
    v1 = {"fingerprint": "job-1", "rows_done": 4, "output_bytes": len(first_chunk), "errors_bytes": 0}
    checkpoint_path(out).write_text(json.dumps({**v1, "enriched": 4, "rejected": 0, "complete": False, "version": 1}))
    assert load_checkpoint(out).positions == {"results": len(first_chunk), "errors": 0}
    summary = _run(out, _rows(8), chunk_size=4)
    assert summary.skipped == 4 and _ids(out) == [f"t{i}" for i in range(8)]
