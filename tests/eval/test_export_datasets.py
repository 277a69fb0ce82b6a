from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from eval.export_datasets import REPO, main

DATASETS = Path(os.environ.get("JOURNEYMINE_DATASETS", REPO.parent / "shared" / "datasets"))


def test_refuses_to_write_inside_the_repo() -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--datasets", str(DATASETS), "--out", str(REPO / "exports")])
    assert exit_info.value.code == 2
    assert not (REPO / "exports").exists()


@pytest.mark.datasets
@pytest.mark.slow
def test_exports_every_eval_file(tmp_path: Path) -> None:
    if not DATASETS.is_dir():
        pytest.skip(f"shared datasets not found at {DATASETS} (set JOURNEYMINE_DATASETS)")
    assert main(["--datasets", str(DATASETS), "--out", str(tmp_path)]) == 0
    counts = {p.stem: len(p.read_text().splitlines()) for p in tmp_path.glob("*.jsonl")}
    assert counts["banking77_dev"] == 1001 and counts["clinc150_dev"] == 3100 and counts["sst2_dev"] == 872
    first = json.loads((tmp_path / "clinc150_dev.jsonl").read_text().splitlines()[0])
    assert set(first) == {"text", "label", "split"}
    # The same rows as the 406 / 453 measured for the `train intent` bar (closing note of issue 3).
    assert counts["star_intent_train"] == 406 and counts["star_intent_test"] == 453
    assert counts["dynasent_dev"] == 720 + 720  # held-out 20 % of round 1, all of round 2
    assert counts["mams_atsa_dev"] == 1332  # MAMS ATSA val: 500 sentences, 1,332 aspect terms


@pytest.mark.datasets
def test_mams_rows_are_eval_aspect_rows(tmp_path: Path) -> None:
    if not (DATASETS / "mams_absa").is_dir():
        pytest.skip(f"MAMS not found under {DATASETS} (set JOURNEYMINE_DATASETS)")
    assert main(["--datasets", str(DATASETS), "--out", str(tmp_path), "--only", "mams"]) == 0
    rows = [json.loads(line) for line in (tmp_path / "mams_atsa_dev.jsonl").read_text().splitlines()]
    assert len(rows) == 1332 and {r["label"] for r in rows} == {"negative", "neutral", "positive"}
    assert all(r["text"][r["start"] : r["end"]] == r["aspect"] for r in rows)
    # Every MAMS sentence has aspects of at least two polarities: the hard case for sentence-level sentiment.
    by_sentence: dict[str, set[str]] = {}
    for r in rows:
        by_sentence.setdefault(r["sentence"], set()).add(r["label"])
    assert len(by_sentence) == 500 and all(len(labels) >= 2 for labels in by_sentence.values())


# --- labelled journeys for `journeymine eval score`, on tiny synthetic copies of the sources -----------------

USS_SGD = (
    "\n"
    "USER\tI need a flight to Boston.\tINFORM_INTENT\t3,3,3\n"
    "SYSTEM\tWhen do you want to leave?\tREQUEST\t\n"
    "USER\tTomorrow morning.\tINFORM\t2,3,2\n"
    "SYSTEM\tI booked it.\tNOTIFY_SUCCESS\t\n"
    "USER\tOVERALL\t\t4,3,5\n"
    "\n"
    "USER\tThis is useless.\tINFORM\t1,2,1\n"
    "SYSTEM\tSorry about that.\tGOODBYE\t\n"
    "USER\tOVERALL\t\t1,2\n"
)


def star_dialogue(dialogue_id: int, worker: str, calm: bool | None, success: bool | None, completion: str) -> dict:
    turns = [
        {"speaker": "user", "text": f"hello from dialogue {dialogue_id}"},
        {"speaker": "agent", "text": "How can I help?", "action_label": "hello"},
        {"speaker": "user", "text": "  "},  # blank turns are dropped
    ]
    return {
        "dialogue_id": dialogue_id,
        "user_worker_id": worker,
        "completion": completion,
        "user_says_agent_calm_helpful": calm,
        "user_says_task_success": success,
        "wizard_says_user_aggressive_or_annoyed": False,
        "turns": turns,
    }


@pytest.fixture
def fake_datasets(tmp_path: Path) -> Path:
    root = tmp_path / "datasets"
    (root / "uss_user_satisfaction").mkdir(parents=True)
    (root / "uss_user_satisfaction" / "SGD.txt").write_text(USS_SGD, encoding="utf-8")
    (root / "uss_user_satisfaction" / "MWOZ.txt").write_text(USS_SGD.replace("Boston", "Cambridge"), encoding="utf-8")
    dialogues = [
        # worker "a": 3 dialogues with turns (+ one without) -> a customer; listed out of dialogue_id order
        star_dialogue(8, "a", True, None, "Complete"),  # d = mean(1, 1) = 1
        star_dialogue(2, "a", True, False, "Complete"),  # d = mean(1, 0, 1) = 2/3
        star_dialogue(4, "a", None, None, "EarlyDisconnectDuringDialogue"),  # d = 0 (completion only)
        {**star_dialogue(6, "a", None, None, "EarlyDisconnectDuringDialogue"), "turns": []},  # nothing to score
        # worker "b": only 2 dialogues -> not a customer
        star_dialogue(10, "b", False, False, "Complete"),  # d = 1/3
        star_dialogue(12, "b", True, True, "Complete"),  # d = 1
    ]
    (root / "star_dialogues").mkdir()
    (root / "star_dialogues" / "star_dev.jsonl").write_text("".join(json.dumps(d) + "\n" for d in dialogues))
    return root


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_uss_journeys(fake_datasets: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert (
        main(["--datasets", str(fake_datasets), "--out", str(out), "--only", "uss_sgd_journeys,uss_mwoz_journeys"]) == 0
    )
    assert sorted(p.name for p in out.iterdir()) == ["uss_mwoz_journeys.jsonl", "uss_sgd_journeys.jsonl"]
    sgd = read_jsonl(out / "uss_sgd_journeys.jsonl")
    assert [j["customer_id"] for j in sgd] == ["sgd-000000", "sgd-000001"]
    assert [j["gold"] for j in sgd] == [pytest.approx(4.0), pytest.approx(1.5)]  # mean of the OVERALL ratings
    first = sgd[0]
    assert set(first) == {"customer_id", "gold", "touchpoints"} and len(first["touchpoints"]) == 1
    touchpoint = first["touchpoints"][0]
    assert touchpoint["channel"] == "chat" and touchpoint["occurred_at"] == "2024-01-01T00:00:00Z"
    assert sgd[1]["touchpoints"][0]["occurred_at"] == "2024-01-01T00:01:00Z"
    assert touchpoint["turns"] == [
        {"speaker": "CUSTOMER", "text": "I need a flight to Boston."},
        {"speaker": "AGENT", "text": "When do you want to leave?"},
        {"speaker": "CUSTOMER", "text": "Tomorrow morning."},
        {"speaker": "AGENT", "text": "I booked it."},
    ]
    text = (out / "uss_sgd_journeys.jsonl").read_text()
    assert "OVERALL" not in text and "3,3,3" not in text and "INFORM" not in text  # no ratings, no actions
    assert read_jsonl(out / "uss_mwoz_journeys.jsonl")[0]["customer_id"] == "mwoz-000000"
    err = capsys.readouterr().err
    assert "uss_sgd_journeys.jsonl: 2 journeys; gold mean 2.750" in err


def test_uss_malformed_file_names_the_line(tmp_path: Path) -> None:
    from models.training.datasets import load_uss

    bad = tmp_path / "uss_user_satisfaction" / "SGD.txt"
    bad.parent.mkdir()
    bad.write_text("USER\thello\tINFORM\t3,3\nSYSTEM\thi\n")
    with pytest.raises(ValueError, match="line 2: expected ROLE"):
        load_uss(tmp_path, "SGD")
    bad.write_text("USER\thello\tINFORM\t3,3\n\nUSER\tOVERALL\t\t3\n")
    with pytest.raises(ValueError, match="starting at line 1 has no OVERALL"):
        load_uss(tmp_path, "SGD")
    bad.write_text("USER\thello\tINFORM\t3,x\nUSER\tOVERALL\t\t3\n")
    with pytest.raises(ValueError, match="line 1: ratings '3,x' are not integers"):
        load_uss(tmp_path, "SGD")


def test_star_customer_and_dialogue_journeys(fake_datasets: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    only = ["--only", "star_customer_journeys", "star_dialogue_journeys"]
    assert main(["--datasets", str(fake_datasets), "--out", str(out), *only]) == 0
    customers = read_jsonl(out / "star_customer_journeys.jsonl")
    assert [c["customer_id"] for c in customers] == ["star-a"]  # "b" has only 2 dialogues
    a = customers[0]
    assert a["gold"] == pytest.approx((1 + 2 / 3 + 0) / 3)
    assert [t["id"] for t in a["touchpoints"]] == ["star-000002", "star-000004", "star-000008"]  # dialogue_id order
    assert [t["occurred_at"] for t in a["touchpoints"]] == [
        "2024-01-01T00:00:00Z",
        "2024-01-01T01:00:00Z",
        "2024-01-01T02:00:00Z",
    ]
    assert a["touchpoints"][0]["turns"] == [
        {"speaker": "CUSTOMER", "text": "hello from dialogue 2"},
        {"speaker": "AGENT", "text": "How can I help?"},
    ]
    dialogues = read_jsonl(out / "star_dialogue_journeys.jsonl")
    # Only dialogues with a user-questionnaire answer (and turns): 2, 8, 10, 12.
    assert {d["customer_id"]: d["gold"] for d in dialogues} == {
        "star-dialogue-000002": pytest.approx(2 / 3),
        "star-dialogue-000008": pytest.approx(1.0),
        "star-dialogue-000010": pytest.approx(1 / 3),
        "star-dialogue-000012": pytest.approx(1.0),
    }
    assert all(len(d["touchpoints"]) == 1 and d["touchpoints"][0]["channel"] == "chat" for d in dialogues)
    assert "action_label" not in (out / "star_dialogue_journeys.jsonl").read_text()


def test_star_dialogue_value() -> None:
    from eval.export_datasets import star_dialogue_value

    base = {"user_says_agent_calm_helpful": None, "user_says_task_success": None, "completion": "Complete"}
    assert star_dialogue_value(base) == 1.0
    assert star_dialogue_value({**base, "completion": "DisconnectDuringDialogue"}) == 0.0
    assert star_dialogue_value({**base, "user_says_agent_calm_helpful": False}) == 0.5
    assert star_dialogue_value({**base, "user_says_agent_calm_helpful": True, "user_says_task_success": False}) == (
        pytest.approx(2 / 3)
    )


def test_only_rejects_unknown_names(fake_datasets: Path, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--datasets", str(fake_datasets), "--out", str(tmp_path / "out"), "--only", "no_such_set"])
    assert exit_info.value.code == 2
    assert not (tmp_path / "out").exists()


@pytest.mark.datasets
def test_exports_journeys_from_the_real_sets(tmp_path: Path) -> None:
    if not DATASETS.is_dir():
        pytest.skip(f"shared datasets not found at {DATASETS} (set JOURNEYMINE_DATASETS)")
    names = ["uss_sgd_journeys", "uss_mwoz_journeys", "star_customer_journeys", "star_dialogue_journeys"]
    assert main(["--datasets", str(DATASETS), "--out", str(tmp_path), "--only", *names]) == 0
    journeys = {name: read_jsonl(tmp_path / f"{name}.jsonl") for name in names}
    assert {name: len(js) for name, js in journeys.items()} == {
        "uss_sgd_journeys": 1000,
        "uss_mwoz_journeys": 1000,
        "star_customer_journeys": 78,
        "star_dialogue_journeys": 2928,
    }
    assert all(1 <= j["gold"] <= 5 for name in names[:2] for j in journeys[name])
    assert all(0 <= j["gold"] <= 1 for name in names[2:] for j in journeys[name])
    assert all(len(j["touchpoints"]) >= 3 for j in journeys["star_customer_journeys"])
    assert main(["--datasets", str(DATASETS), "--out", str(tmp_path), "--only", "uss_dev_journeys"]) == 0
    dev = read_jsonl(tmp_path / "uss_dev_journeys.jsonl")
    assert len(dev) == 400  # the satisfaction head's dev 20 % of each corpus's 1,000 dialogues
    every = {j["customer_id"]: j for name in names[:2] for j in journeys[name]}
    assert all(every[j["customer_id"]] == j for j in dev)
