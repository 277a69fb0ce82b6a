"""`journeymine journey show|customers`: the map of a customer in the store the server uses, and clear errors."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from matplotlib import image as mpimg

from pipelines.enrichment.domain import Channel
from pipelines.journeys.database import default_url
from pipelines.journeys.domain import AlertRule, NewAlert, Outcome, Touchpoint, TouchpointAttributes
from pipelines.journeys.journeys import Journeys
from pipelines.journeys.pii import Redactor
from pipelines.journeys.store import JourneyStore
from service.cli import main as cli
from tests.pipelines.journey_builders import T0, tp
from tests.service.cli.test_train import no_config_file  # noqa: F401  (fixture)

AS_OF = (T0 + timedelta(days=3)).isoformat()
pytestmark = pytest.mark.usefixtures("no_config_file")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data folder whose journeys.db holds two customers, c1 on journeys j1 and j2 with one alert on j1."""
    folder = tmp_path / "data"
    store = JourneyStore.open(default_url(folder))
    touchpoints = [
        tp("t1", sentiment=-0.7, intent="disputecharge", outcome=Outcome.UNRESOLVED, journey="j1"),
        tp("t2", days=1, channel=Channel.CALL, sentiment=-0.5, outcome=Outcome.UNRESOLVED, journey="j1", hold=420),
        tp("t3", days=1.5, channel=Channel.SURVEY, sentiment=-0.8, rating=0.0, journey="j1"),
        tp("t4", days=2, sentiment=0.6, intent="track_order", outcome=Outcome.RESOLVED, journey="j2"),
        tp("u1", customer="c2", sentiment=0.4),
    ]
    alert = NewAlert(
        AlertRule.REPEAT_UNRESOLVED,
        "c1",
        T0 + timedelta(days=1),
        "second unresolved contact in journey j1",
        ("t1", "t2"),
        "j1",
    )
    store.write(touchpoints, after_insert=lambda conn, ids: ([alert], {}))
    store.close()
    return folder


def show(data_dir: Path, out: Path, *flags: str) -> int:
    return cli.main(["journey", "show", "--data-dir", str(data_dir), "--out", str(out), "--as-of", AS_OF, *flags])


def touchpoint_ids(page: str) -> list[str]:
    return re.findall(r'<tr class="touchpoint [^"]*" data-touchpoint-id="(\w+)"', page)


def test_show_writes_a_page_of_the_customers_touchpoints_score_and_alerts(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "maps" / "c1.html"
    assert show(data_dir, out, "--customer", "c1") == 0
    page = out.read_text()
    assert touchpoint_ids(page) == ["t1", "t2", "t3", "t4"]
    assert 'data-customer-id="c1"' in page and "second unresolved contact in journey j1" in page
    score = float(re.search(r'data-score="([\d.]+)"', page).group(1))  # type: ignore[union-attr]
    assert 0 < score < 50  # three negative, unresolved contacts weigh more than the resolved one
    said = capsys.readouterr().out
    assert f"wrote {out} (html): customer c1, 4 touchpoints, score {score:.0f}" in said and "1 alert" in said


def test_the_map_shows_what_the_service_recorded_and_the_alerts_it_raised(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Recorded through the journey core RecordTouchpoints calls (structured contacts: no model needed),
    # so the alerts are the ones the service's rules raise, not seeded ones.
    folder = tmp_path / "data"
    store = JourneyStore.open(default_url(folder))
    core = Journeys(store=store, enrich=None, redactor=Redactor(nlp=None), clock=lambda: T0 + timedelta(days=3))
    contacts = [
        ("r1", 0.0, Channel.CHAT, Outcome.UNRESOLVED, TouchpointAttributes()),
        ("r2", 1.0, Channel.CALL, Outcome.TRANSFERRED, TouchpointAttributes(hold_seconds=420)),
        ("r3", 1.5, Channel.SURVEY, Outcome.UNSPECIFIED, TouchpointAttributes(rating=1, rating_min=0, rating_max=10)),
        ("r4", 2.0, Channel.CALL, Outcome.CANCELLATION, TouchpointAttributes()),
    ]
    for tp_id, days, channel, outcome, attributes in contacts:
        touchpoint = Touchpoint(
            tp_id, "c7", channel, T0 + timedelta(days=days), "j1", "billing", outcome, attributes=attributes
        )
        core.record([touchpoint])
    raised = core.list_alerts(customer_id="c7")
    store.close()
    assert raised, "a cancellation after unresolved contacts raised no alert"

    out = tmp_path / "c7.html"
    assert show(folder, out, "--customer", "c7") == 0
    page = out.read_text()
    assert touchpoint_ids(page) == ["r1", "r2", "r3", "r4"]
    assert "rated 1 of 0-10" in page  # the survey's label in the figure
    shown = re.findall(r'<tr class="alert rule-(\w+)" data-alert-id="(\d+)"', page)
    assert shown == [(a.rule.value, str(a.id)) for a in sorted(raised, key=lambda a: (a.occurred_at, a.id))]
    assert f"{len(raised)} alert" in capsys.readouterr().out


def test_one_journey_leaves_out_the_others_touchpoints_and_alerts(data_dir: Path, tmp_path: Path) -> None:
    assert show(data_dir, tmp_path / "j2.html", "--customer", "c1", "--journey", "j2") == 0
    page = (tmp_path / "j2.html").read_text()
    assert touchpoint_ids(page) == ["t4"]
    assert "No alerts raised" in page
    assert show(data_dir, tmp_path / "j1.html", "--customer", "c1", "--journey", "j1") == 0
    assert touchpoint_ids((tmp_path / "j1.html").read_text()) == ["t1", "t2", "t3"]


def test_as_of_leaves_out_later_touchpoints(data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "early.html"
    argv = ["journey", "show", "--data-dir", str(data_dir), "--customer", "c1", "--out", str(out)]
    assert cli.main([*argv, "--as-of", (T0 + timedelta(hours=30)).isoformat()]) == 0
    assert touchpoint_ids(out.read_text()) == ["t1", "t2"]


def test_png_by_suffix_or_by_flag(data_dir: Path, tmp_path: Path) -> None:
    assert show(data_dir, tmp_path / "c1.png", "--customer", "c1") == 0
    assert show(data_dir, tmp_path / "c1.img", "--customer", "c1", "--format", "png") == 0
    for name in ("c1.png", "c1.img"):
        raw = (tmp_path / name).read_bytes()
        assert raw.startswith(b"\x89PNG\r\n\x1a\n")
        image = mpimg.imread(tmp_path / name, format="png")
        assert image.shape[:2] == (770, 1540) and image[..., :3].std() > 0.05  # 14 x 7 in at 110 dpi, not blank


def test_the_config_file_points_at_the_store(data_dir: Path, tmp_path: Path) -> None:
    config = tmp_path / "journeymine.toml"
    config.write_text(f'[journeys]\nurl = "{default_url(data_dir)}"\n')
    out = tmp_path / "c2.html"
    argv = ["journey", "show", "--config", str(config), "--customer", "c2", "--out", str(out), "--as-of", AS_OF]
    assert cli.main(argv) == 0
    assert touchpoint_ids(out.read_text()) == ["u1"]


def test_an_unknown_customer_exits_2_naming_it_and_how_to_list_customers(
    data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "nobody.html"
    assert show(data_dir, out, "--customer", "nobody") == 2
    err = capsys.readouterr().err
    assert "no customer 'nobody' in the journey store" in err
    assert "it holds 2 customers, e.g. c1, c2" in err and "journeymine journey customers" in err
    assert not out.exists()
    assert show(data_dir, out, "--customer", "c1", "--journey", "j9") == 2
    assert "customer 'c1' has no touchpoints in journey 'j9'; their journeys: j1, j2" in capsys.readouterr().err


def test_customers_lists_the_stored_customers(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["journey", "customers", "--data-dir", str(data_dir)]) == 0
    assert capsys.readouterr().out.split() == ["c1", "c2"]


def test_a_bad_suffix_or_no_store_exits_2_and_creates_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere"
    assert show(missing, tmp_path / "map.pdf", "--customer", "c1") == 2
    assert "'.pdf'; valid suffixes are: .html, .htm, .png (or pass --format html|png)" in capsys.readouterr().err
    assert show(missing, tmp_path / "map.html", "--customer", "c1") == 2
    assert f"no journey store at {missing / 'journeys.db'}" in capsys.readouterr().err
    assert not missing.exists()  # a read-only command does not leave an empty store behind
