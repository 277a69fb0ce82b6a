"""Labelled-file loaders: formats, field names, label maps, and errors that name the file and line."""

from __future__ import annotations

import pytest

from eval.data import DatasetError, LabelledRow, load_label_map, load_rows
from tests.eval.conftest import write_jsonl


def test_jsonl_keeps_extra_fields_as_strings(tmp_path):
    path = write_jsonl(
        tmp_path / "d.jsonl",
        [
            {"text": "my card is lost", "label": "card_lost", "channel": "chat", "rating": 3},
            {"text": "refund please", "label": "refund", "meta": {"a": 1}},
        ],
    )
    rows = load_rows(path)
    assert rows == [
        LabelledRow("my card is lost", "card_lost", {"channel": "chat", "rating": "3"}),
        LabelledRow("refund please", "refund", {"meta": '{"a": 1}'}),
    ]


def test_blank_lines_are_skipped_and_line_numbers_still_count(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "a", "label": "x"}\n\n{"text": "b"}\n')
    with pytest.raises(DatasetError, match=r"d\.jsonl: line 3: no 'label' field .*--label-field"):
        load_rows(path)


def test_csv_and_tsv_with_named_columns_and_a_label_map(tmp_path):
    csv_path = tmp_path / "d.csv"
    csv_path.write_text('utterance,intent,channel\n"hi, there",greet,chat\nrefund me,refund,email\n')
    rows = load_rows(csv_path, text_field="utterance", label_field="intent", label_map={"greet": "greeting"})
    assert [(r.text, r.label, r.fields["channel"]) for r in rows] == [
        ("hi, there", "greeting", "chat"),
        ("refund me", "refund", "email"),
    ]
    tsv_path = tmp_path / "d.tsv"
    tsv_path.write_text("content\tlabel\nit was great\t1\nit was bad\t0\n")
    rows = load_rows(tsv_path, text_field="content", label_map={"1": "positive", "0": "negative"})
    assert [r.label for r in rows] == ["positive", "negative"]


def test_integer_labels_in_jsonl_become_strings(tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", [{"text": "ok", "label": 2}])
    assert load_rows(path, label_map={"2": "positive"})[0].label == "positive"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"text": "a", "label": "x"}\n{"text": "b", "label": }\n', r"line 2: not valid JSON .*one JSON object"),
        ('{"text": "a", "label": "x"}\n["b", "x"]\n', r"line 2: a JSON list, not an object"),
        (
            '{"label": "x"}\n',
            r"line 1: no 'text' field \(fields: label\); add it, or name the column with --text-field",
        ),
        ('{"text": "   ", "label": "x"}\n', r"line 1: 'text' is empty; remove the row or give it text"),
        ('{"text": "a", "label": ""}\n', r"line 1: 'label' is empty"),
        ('{"text": "a", "label": null}\n', r"line 1: no 'label' field"),
        ('{"text": 5, "label": "x"}\n', r"line 1: 'text' must be a string, got int"),
        ('{"text": "a", "label": [1]}\n', r"line 1: 'label' must be a string"),
    ],
)
def test_malformed_jsonl_rows_name_file_line_and_fix(tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    with pytest.raises(DatasetError, match=message) as info:
        load_rows(path)
    assert str(path) in str(info.value)


def test_csv_row_missing_a_column_names_its_line(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("text,label\nfine,x\nno label here\n")
    with pytest.raises(DatasetError, match=r"d\.csv: line 3: no 'label' field"):
        load_rows(path)


def test_csv_without_the_text_column_lists_the_columns(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("utterance,label\nhello,x\n")
    with pytest.raises(DatasetError, match=r"line 2: no 'text' field \(fields: label, utterance\)"):
        load_rows(path)


def test_limit_reads_only_the_first_rows_and_stops_before_a_later_bad_line(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "a", "label": "x"}\n{"text": "b", "label": "y"}\nnot json\n')
    assert [r.text for r in load_rows(path, limit=2)] == ["a", "b"]


def test_unknown_suffix_missing_file_and_empty_file(tmp_path):
    with pytest.raises(DatasetError, match=r"unknown file type '\.txt'; use one of .*\.jsonl"):
        load_rows(tmp_path / "d.txt")
    with pytest.raises(DatasetError, match="file not found"):
        load_rows(tmp_path / "missing.jsonl")
    (tmp_path / "empty.jsonl").write_text("\n")
    with pytest.raises(DatasetError, match="no labelled rows"):
        load_rows(tmp_path / "empty.jsonl")


def test_label_map_file(tmp_path):
    good = tmp_path / "map.json"
    good.write_text('{"0": "negative", "1": "positive"}')
    assert load_label_map(good) == {"0": "negative", "1": "positive"}
    bad = tmp_path / "bad.json"
    bad.write_text('{"0": "negative",\n "1": }')
    with pytest.raises(DatasetError, match=r"bad\.json: line 2: not valid JSON"):
        load_label_map(bad)
    wrong = tmp_path / "list.json"
    wrong.write_text('["negative"]')
    with pytest.raises(DatasetError, match="must be a JSON object of strings"):
        load_label_map(wrong)
