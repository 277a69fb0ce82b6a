"""`journeymine eval` in-process: --json prints exactly one JSON object; bad input exits 2 naming the line."""

from __future__ import annotations

import json

import pytest

from service.cli import main as cli
from tests.eval.conftest import write_jsonl

# A user's sentiment rows that read the fake default head's words the other way round ("love" negative, "terrible"
# positive); each label's rows share a word, so the training recipe's held-out rows are predictable.
REVERSED = {
    "negative": ["I love this", "love it", "so much love", "love the colour", "love love love"],
    "neutral": ["the box", "a box arrived", "box on monday", "the box is here", "one box"],
    "positive": ["terrible service", "terrible app", "so terrible", "terrible terrible", "a terrible day"],
}


@pytest.fixture
def fake_models(monkeypatch, enricher):
    """build_enricher returns the small fake Enricher (the real one is exercised by the slow tests)."""
    monkeypatch.setenv("JOURNEYMINE_CONFIG", "")
    monkeypatch.setattr("pipelines.factory.build_enricher", lambda **kwargs: enricher)
    return enricher


def test_json_prints_exactly_one_object(tmp_path, capsys, fake_models, sentiment_rows):
    data = write_jsonl(tmp_path / "d.jsonl", sentiment_rows)
    code = cli.main(
        ["eval", "sentiment", "--data", str(data), "--json", "--baseline", "vader", "--slice-by", "channel"]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert out.endswith("\n") and out.count("\n") == 1
    result = json.loads(out)
    assert isinstance(result, dict)
    for key in ("n", "accuracy", "macro_f1", "macro_recall", "ece"):
        assert key in result
    assert result["n"] == 5
    assert result["restricted_to"] == ["negative", "positive"]
    assert set(result["slices"]["channel"]) == {"chat", "email"}
    assert result["baselines"]["vader"]["n"] == 5


def test_intent_json_has_the_oos_keys_and_stdout_stays_clean_if_a_library_prints(
    tmp_path, capsys, fake_models, monkeypatch
):
    original = fake_models.enrich

    def noisy(*args, **kwargs):
        print("a library printing to stdout")
        return original(*args, **kwargs)

    monkeypatch.setattr(fake_models, "enrich", noisy)
    data = write_jsonl(
        tmp_path / "d.jsonl",
        [{"text": "I lost my card", "label": "card_lost"}, {"text": "tell me a joke", "label": "out_of_scope"}],
    )
    assert cli.main(["eval", "intent", "--data", str(data), "--model", "banking77", "--json"]) == 0
    captured = capsys.readouterr()
    result = json.loads(captured.out)
    for key in ("in_scope_accuracy", "oos_recall", "oos_precision", "auroc"):
        assert key in result
    assert result["model"] == "intent.banking77.v2"
    assert "a library printing to stdout" in captured.err


def test_table_without_json_and_report_dir(tmp_path, capsys, fake_models, sentiment_rows):
    data = write_jsonl(tmp_path / "d.jsonl", sentiment_rows)
    assert cli.main(["eval", "sentiment", "--data", str(data), "--report", str(tmp_path / "rep"), "--limit", "3"]) == 0
    out = capsys.readouterr().out
    assert "sentiment sentiment.v4 on" in out and "(3 rows)" in out
    assert "| accuracy |" in out
    assert (tmp_path / "rep" / "report.md").is_file() and (tmp_path / "rep" / "confusion_matrix.png").is_file()


def test_sentiment_of_a_model_trained_by_journeymine_train(tmp_path, capsys, monkeypatch, artifacts_dir, nlp, encoder):
    """`journeymine train sentiment --name reviews`, then `journeymine eval sentiment --model reviews`."""
    from models.registry import ModelRegistry
    from pipelines.enrichment.domain import ModelRef
    from pipelines.enrichment.enricher import Enricher

    monkeypatch.setenv("JOURNEYMINE_CONFIG", "")
    monkeypatch.setenv("JOURNEYMINE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setattr("pipelines.factory.build_encoder", lambda config=None: encoder)

    def small_enricher(*, user_dir, **kwargs):  # the fake models, and the user folder the command passes
        registry = ModelRegistry(artifacts_dir=artifacts_dir, user_dir=user_dir, encoder_id="encoder.hashing.test")
        return Enricher(encoder=encoder, registry=registry, nlp=nlp, nlp_model=ModelRef("nlp.blank_en", "test"))

    monkeypatch.setattr("pipelines.factory.build_enricher", small_enricher)
    train = write_jsonl(tmp_path / "train.jsonl", [{"text": t, "label": k} for k, ts in REVERSED.items() for t in ts])
    assert cli.main(["train", "sentiment", "--data", str(train), "--name", "reviews"]) == 0
    out = capsys.readouterr().out
    assert "saved sentiment.reviews.v1" in out and 'options.sentiment_model = "reviews"' in out
    assert "journeymine eval sentiment --model reviews" in out

    # Gold labels the user head gets right and the default head gets wrong.
    gold = write_jsonl(
        tmp_path / "gold.jsonl",
        [{"text": "I love this", "label": "negative"}, {"text": "terrible service", "label": "positive"}],
    )
    assert cli.main(["eval", "sentiment", "--data", str(gold), "--model", "reviews", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["model"], result["n"], result["accuracy"]) == ("sentiment.reviews.v1", 2, 1.0)
    assert cli.main(["eval", "sentiment", "--data", str(gold), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["model"], result["accuracy"]) == ("sentiment.v4", 0.0)
    assert cli.main(["eval", "sentiment", "--data", str(gold), "--model", "review", "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Valid sentiment model names are: permissive, reviews, sentiment" in captured.err


def test_label_map_and_csv_fields(tmp_path, capsys, fake_models):
    data = tmp_path / "d.csv"
    data.write_text("utterance,stars\nterrible service,1\ngreat service thanks,5\n")
    label_map = tmp_path / "map.json"
    label_map.write_text('{"1": "negative", "5": "positive"}')
    argv = ["eval", "sentiment", "--data", str(data), "--text-field", "utterance", "--label-field", "stars"]
    assert cli.main([*argv, "--label-map", str(label_map), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["labels"] == ["negative", "positive"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["eval", "topics"], "topics need at least 10 labelled rows, got 1"),
        (["eval", "topics", "--baseline", "vader"], "unknown baseline 'vader' for task 'topics'"),
        (["eval", "score"], "d.jsonl:1: customer_id must be a non-empty string"),
        (["eval", "sentiment", "--baseline", "logreg"], "unknown baseline 'logreg' for task 'sentiment'"),
        (["eval", "intent", "--model", "nope"], "Unknown intent taxonomy: 'nope'"),
        (["eval", "sentiment", "--model", "nope"], "Unknown sentiment model: 'nope'. Valid sentiment model names"),
        (["eval", "intent", "--baseline", "logreg"], "pass --baseline-train FILE"),
        (["eval", "sentiment", "--limit", "0"], "--limit must be at least 1"),
    ],
)
def test_errors_exit_2_with_a_message_and_nothing_on_stdout(tmp_path, capsys, fake_models, argv, message):
    data = write_jsonl(tmp_path / "d.jsonl", [{"text": "I lost my card", "label": "card_lost"}])
    assert cli.main([*argv, "--data", str(data), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err


def test_malformed_line_exits_2_naming_file_and_line(tmp_path, capsys, fake_models):
    data = tmp_path / "d.jsonl"
    data.write_text('{"text": "fine", "label": "negative"}\n{"text": "broken", "label": \n')
    assert cli.main(["eval", "sentiment", "--data", str(data), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"{data}: line 2: not valid JSON" in captured.err


def test_unknown_task_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["eval", "emotion", "--data", "x.jsonl"])
    assert info.value.code == 2
    assert "invalid choice: 'emotion'" in capsys.readouterr().err


@pytest.mark.slow
def test_real_models_banking77_json(tmp_path, capsys, monkeypatch):
    """The issue's acceptance command with the shipped models: one JSON object with the intent keys."""
    monkeypatch.setenv("JOURNEYMINE_CONFIG", "")
    data = write_jsonl(
        tmp_path / "x.jsonl",
        [
            {"text": "I still have not received my new card", "label": "card_arrival"},
            {"text": "How do I activate my card?", "label": "activate_my_card"},
            {"text": "My card payment was declined", "label": "declined_card_payment"},
        ],
    )
    assert cli.main(["eval", "intent", "--data", str(data), "--model", "banking77", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["model"] == "intent.banking77.v2" and result["n"] == 3
    assert result["argmax_accuracy"] == 1.0


def test_score_task_prints_one_json_object_and_explains(tmp_path, capsys, fake_models):
    rows = [
        {
            "customer_id": f"c{i}",
            "gold": gold,
            "touchpoints": [{"id": f"t{i}", "channel": "chat", "occurred_at": "2024-01-01T00:00:00Z", "text": text}],
        }
        for i, (gold, text) in enumerate(
            [(5, "great, thank you"), (1, "terrible service"), (3, "my parcel"), (4, "ok")]
        )
    ]
    data = write_jsonl(tmp_path / "journeys.jsonl", rows)
    assert cli.main(["eval", "score", "--data", str(data), "--json", "--explain", "c1"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["task"] == "score" and result["n"] == 4
    assert {"spearman", "kendall", "auc", "dissatisfied_below"} <= set(result["metrics"])
    assert result["explained"][0]["customer_id"] == "c1"


def test_score_task_bad_file_exits_2_naming_the_line(tmp_path, capsys, fake_models):
    data = tmp_path / "bad.jsonl"
    data.write_text('{"customer_id": "a", "gold": 1, "touchpoints": []}\n', encoding="utf-8")
    assert cli.main(["eval", "score", "--data", str(data), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "bad.jsonl:1" in captured.err


ASPECT_ROWS = [
    {"text": "The agent was lovely but the refund took weeks.", "aspect": "agent", "start": 4, "end": 9},
    {"text": "The agent was lovely but the refund took weeks.", "aspect": "refund", "start": 29, "end": 35},
    {"text": "The app is great.", "aspect": "app", "start": 4, "end": 7},
]


def test_aspect_json_scores_each_span_and_the_sentence_baseline(tmp_path, capsys, fake_models):
    from pipelines.enrichment.aspects import AspectStage
    from tests.pipelines.conftest import FakeAspectModel

    fake = FakeAspectModel()
    fake_models._aspects = AspectStage(model=fake)
    labels = ["positive", "negative", "positive"]
    data = write_jsonl(tmp_path / "a.jsonl", [dict(r, label=g) for r, g in zip(ASPECT_ROWS, labels, strict=True)])
    assert cli.main(["eval", "aspect", "--data", str(data), "--json", "--baseline", "sentence"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1
    result = json.loads(out)
    assert result["task"] == "aspect" and result["model"] == "aspect.v1"
    assert (result["n"], result["sentences"], result["accuracy"], result["macro_f1"]) == (3, 2, 1.0, 1.0)
    assert set(result["per_class"]) >= {"negative", "positive"}
    # One pass per sentence: the two aspects of the first sentence went in one query.
    assert [len(q.spans) for q in fake.queries] == [2, 1]
    # Sentence-level sentiment gives both aspects of a sentence the same label, so it cannot be right on both.
    assert result["baselines"]["sentence"]["accuracy"] < 1.0 and result["baselines"]["sentence"]["n"] == 3


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"start": 4, "end": 99}, "rows[0].end: span [4, 99) is not inside the text"),
        ({"aspect": "agnet"}, "rows[0].aspect: is 'agnet' but text[4:9] is 'agent'"),
        ({"label": "mixed"}, "rows[0].label: is 'mixed'; use one of negative, neutral, positive"),
        ({"start": "x"}, "rows[0].start: start and end must be integer"),
    ],
)
def test_aspect_bad_rows_exit_2_naming_the_row(tmp_path, capsys, fake_models, row, message):
    data = write_jsonl(tmp_path / "a.jsonl", [{**ASPECT_ROWS[0], "label": "positive", **row}])
    assert cli.main(["eval", "aspect", "--data", str(data), "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and message in captured.err
