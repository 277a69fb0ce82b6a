"""The journey map as a picture: touchpoints on a time line by channel, the score's trend, drivers and alerts.

    build_map(customer, touchpoints, alerts, as_of=..., scoring=...)  -> JourneyMap (the numbers)
    render_png(map) / render_svg(map) / render_html(map)              -> what a person looks at

The figure has four panels, drawn with matplotlib (Agg, no pyplot: no global state, safe in threads):

    channel lanes: one marker per touchpoint, coloured by sentiment,   | top drivers: score points per reason
                   labelled with intent (category) and outcome;         |
                   alerts as dashed purple lines                        |
    score trend:   the score as of every moment, its 95 % interval     | alerts: rule, time, message

The HTML page is self-contained (no network resource): the figure inline as SVG, with its text kept
as text, and tables of the touchpoints, drivers and alerts whose ids and classes name what they hold
(``tr.touchpoint.sentiment-negative``, ``tr.alert.rule-churn_risk_intent``...), so a browser test
can find them. Colours are chosen so that only the sentiment markers (and the touchpoint table's
sentiment badges) use the red and green of negative and positive.
"""

from __future__ import annotations

import html
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from matplotlib import dates as mdates
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from pipelines.enrichment.domain import Channel, SpeakerRole
from pipelines.journeys.domain import Alert, Driver, ExperienceScore, Outcome, ScorePoint, StoredTouchpoint
from pipelines.journeys.scoring import NEUTRAL, ScoringConfig, evidence_of, experience_score, score_of

# Sentiment colours (hex, and what the browser test looks for). Nothing else in the figure uses them.
SENTIMENT_COLOURS = {
    "negative": "#d62728",
    "neutral": "#9e9e9e",
    "positive": "#2ca02c",
    "mixed": "#e6a700",
    "none": "#ffffff",  # no customer words: a hollow marker
}
ALERT_COLOUR = "#6a3d9a"
SCORE_COLOUR = "#1f3b73"
BAND_COLOUR = "#9fb7e0"
# Driver bars: blue raises the score, orange lowers it (not green/red: those mean sentiment here).
DRIVER_UP, DRIVER_DOWN = "#4c72b0", "#dd8452"
# Without a label (signals from an older store row), the score's sign decides beyond this margin.
SENTIMENT_MARGIN = 0.2
CHANNEL_ORDER = tuple(Channel)
# The figure's size in inches: the PNG is this x dpi; the page scales the SVG to its width.
FIGURE_SIZE = (14.0, 7.0)
# Past this many touchpoints the lanes label only the contacts alerts name (the HTML table lists all).
LABEL_LIMIT = 30
# The trend draws each of the newest STEP_LIMIT contacts as an exact step (see build_map).
STEP_LIMIT = 120
SUFFIXES = {".html": "html", ".htm": "html", ".png": "png"}


@dataclass(frozen=True)
class JourneyMap:
    """What the map shows; every number comes from the scoring core (pipelines/journeys/scoring.py)."""

    customer_id: str
    journey_id: str  # empty: every journey of the customer
    touchpoints: tuple[StoredTouchpoint, ...]  # oldest first
    score: ExperienceScore  # as of ``score.as_of``, with its drivers
    trend: tuple[ScorePoint, ...]  # the score as of each moment from the first touchpoint on
    alerts: tuple[Alert, ...]
    top_drivers: int = 6

    def drivers(self, dimension: str = "reason") -> list[Driver]:
        """The ``top_drivers`` drivers of one dimension with the most points either way."""
        found = [d for d in self.score.drivers if d.dimension == dimension and d.key]
        return sorted(found, key=lambda d: (-abs(d.points), d.key))[: self.top_drivers]


def build_map(
    customer_id: str,
    touchpoints: Sequence[StoredTouchpoint],
    alerts: Sequence[Alert] = (),
    *,
    journey_id: str = "",
    as_of: datetime | None = None,
    scoring: ScoringConfig | None = None,
    samples: int = 160,
    top_drivers: int = 6,
) -> JourneyMap:
    """The map of ``touchpoints`` (one customer, oldest first, none after ``as_of``; default: now).

    The trend is the score as of ``samples`` moments from the first touchpoint to a little after the last
    (the decay pulls it back to 50 between contacts), plus just before and at every touchpoint, so each
    contact shows as the step it is. Raises ValueError without touchpoints: there is nothing to draw.
    """
    if not touchpoints:
        raise ValueError(f"customer {customer_id!r} has no touchpoints to map")
    config = scoring or ScoringConfig()
    ordered = sorted(touchpoints, key=lambda t: (t.occurred_at, t.id))
    as_of = as_of or datetime.now(UTC)
    score = experience_score(customer_id, ordered, as_of=as_of, journey_id=journey_id, config=config)
    evidence = evidence_of(ordered, config)
    first, last = ordered[0].occurred_at, ordered[-1].occurred_at
    end = min(as_of, last + max((last - first) * 0.08, timedelta(hours=2)))
    end = max(end, last)
    moments = {first - timedelta(milliseconds=1), end}
    step = (end - first) / max(samples - 1, 1)
    moments.update(first + step * i for i in range(samples))
    # Each sample costs one pass over the evidence: steps for the newest STEP_LIMIT contacts keep a long
    # history (max_history is 1000) to a few seconds; older ones still show on the sampled grid.
    for tp in ordered[-STEP_LIMIT:]:
        moments.update({tp.occurred_at - timedelta(milliseconds=1), tp.occurred_at})
    trend = []
    for at in sorted(moments):
        value, low, high, _ = score_of(evidence, at, config)
        trend.append(ScorePoint(at, value, low, high))
    return JourneyMap(
        customer_id=customer_id,
        journey_id=journey_id,
        touchpoints=tuple(ordered),
        score=score,
        trend=tuple(trend),
        alerts=tuple(sorted(alerts, key=lambda a: (a.occurred_at, a.id))),
        top_drivers=top_drivers,
    )


def sentiment_class(tp: StoredTouchpoint) -> str:
    """negative, neutral, positive, mixed, or none (no customer words to read)."""
    label = tp.signals.sentiment_label
    if label in SENTIMENT_COLOURS and label != "none":
        return label
    value = tp.signals.sentiment
    if value is None:
        return "none"
    if value <= -SENTIMENT_MARGIN:
        return "negative"
    return "positive" if value >= SENTIMENT_MARGIN else "neutral"


def intent_text(tp: StoredTouchpoint) -> str:
    """``intent (category)``; the category only where the signals carry one (a taxonomy with categories)."""
    intent = tp.signals.intent
    category = getattr(tp.signals, "intent_category", "")  # issue 21's taxonomy adds it; older rows lack it
    if not intent:
        return f"({category})" if category else "no intent"
    return f"{intent} ({category})" if category else intent


def rating_text(tp: StoredTouchpoint) -> str:
    """``rated 1 of 0-10`` (a rating attribute with its scale) or ``rated 10%`` (a survey's rescaled rating); or ""."""
    a = tp.attributes
    if a.rating is not None and a.rating_min is not None and a.rating_max is not None:
        return f"rated {a.rating:g} of {a.rating_min:g}-{a.rating_max:g}"
    return f"rated {tp.signals.rating:.0%}" if tp.signals.rating is not None else ""


def output_format(path_name: str, fmt: str | None = None) -> str:
    """``html`` or ``png``, from ``fmt`` or the file's suffix; ValueError names the valid ones."""
    if fmt is not None:
        if fmt not in set(SUFFIXES.values()):
            raise ValueError(f"unknown format {fmt!r}; valid formats are: html, png")
        return fmt
    suffix = "." + path_name.rsplit(".", 1)[-1].lower() if "." in path_name else ""
    if suffix not in SUFFIXES:
        raise ValueError(
            f"cannot tell the format of {path_name!r} from its suffix {suffix or '(none)'!r}; "
            f"valid suffixes are: {', '.join(SUFFIXES)} (or pass --format html|png)"
        )
    return SUFFIXES[suffix]


# --- the figure ------------------------------------------------------------------------------------


def figure(m: JourneyMap) -> Figure:
    """The map as a matplotlib figure (not attached to pyplot)."""
    fig = Figure(figsize=FIGURE_SIZE, layout="constrained")
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(2, 2, width_ratios=(2.6, 1.0), height_ratios=(1.15, 1.0))
    lanes = fig.add_subplot(grid[0, 0])
    trend = fig.add_subplot(grid[1, 0], sharex=lanes)
    drivers = fig.add_subplot(grid[0, 1])
    alerts = fig.add_subplot(grid[1, 1])
    title = f"Customer {m.customer_id}" + (f" · journey {m.journey_id}" if m.journey_id else "")
    fig.suptitle(
        f"{title} — score {m.score.score:.0f} (95 % interval {m.score.low:.0f}-{m.score.high:.0f}) "
        f"as of {_when(m.score.as_of)}",
        fontsize=13,
    )
    _draw_lanes(lanes, m)
    _draw_trend(trend, m)
    _draw_drivers(drivers, m)
    _draw_alerts(alerts, m)
    return fig


def _draw_lanes(ax: Axes, m: JourneyMap) -> None:
    channels = [c for c in CHANNEL_ORDER if any(t.channel == c for t in m.touchpoints)]
    lane = {c: i for i, c in enumerate(channels)}
    many = len(m.touchpoints) > LABEL_LIMIT
    for kind, colour in SENTIMENT_COLOURS.items():
        mine = [tp for tp in m.touchpoints if sentiment_class(tp) == kind]
        if mine:
            ax.scatter(
                [_x(tp.occurred_at) for tp in mine],
                [lane[tp.channel] for tp in mine],
                s=90 if many else 240,
                color=colour,
                edgecolors="#222222",
                linewidths=1.0 if many else 1.2,
                zorder=3,
                gid=f"markers-{kind}",
            )
    # Past LABEL_LIMIT contacts the labels would overprint: only those an alert names keep theirs.
    named = {i for a in m.alerts for i in a.touchpoint_ids}
    labelled = [tp for tp in m.touchpoints if not many or tp.id in named][-LABEL_LIMIT:]
    # Labels alternate above and below the marker within a lane, so neighbours in time do not overprint.
    seen: dict[Channel, int] = {}
    for tp in labelled:
        y = lane[tp.channel]
        n = seen[tp.channel] = seen.get(tp.channel, -1) + 1
        above = n % 2 == 0
        facts = [intent_text(tp), *([tp.outcome.value] if tp.outcome != Outcome.UNSPECIFIED else []), rating_text(tp)]
        ax.annotate(
            "\n".join(f for f in facts if f),
            (_x(tp.occurred_at), y),
            xytext=(0, 16 if above else -16),
            textcoords="offset points",
            ha="center",
            va="bottom" if above else "top",
            fontsize=8.5,
            zorder=4,
        )
    for i, alert in enumerate(m.alerts):
        ax.axvline(_x(alert.occurred_at), color=ALERT_COLOUR, linestyle="--", linewidth=1.2, zorder=1)
        if i >= LABEL_LIMIT:
            continue
        ax.annotate(
            f"⚠ {alert.rule.value}",
            (_x(alert.occurred_at), 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(3, -3),
            textcoords="offset points",
            ha="left",
            va="top",
            fontsize=8,
            color=ALERT_COLOUR,
        )
    ax.set_yticks(range(len(channels)), [c.value for c in channels])
    ax.set_ylim(-0.8, len(channels) - 0.2)
    what = "label: intent, outcome" + (" of the contacts alerts name" if many else "")
    ax.set_title(f"Touchpoints by channel (colour: sentiment; {what})", fontsize=10, loc="left")
    ax.grid(axis="x", color="#e5e5e5")
    ax.tick_params(labelbottom=False)
    # The legend lists only the colours on the map: a journey without a negative contact shows no red at all.
    shown = {sentiment_class(tp) for tp in m.touchpoints}
    for kind in (k for k in SENTIMENT_COLOURS if k in shown):
        label = kind if kind != "none" else "no customer words"
        ax.scatter([], [], s=80, color=SENTIMENT_COLOURS[kind], edgecolors="#222222", label=label)
    # Above the plot's right corner, beside the title: inside it would cover the bottom lane's labels.
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8, ncols=5, frameon=False, borderaxespad=0.1)


def _draw_trend(ax: Axes, m: JourneyMap) -> None:
    at = [_x(p.at) for p in m.trend]
    ax.fill_between(at, [p.low for p in m.trend], [p.high for p in m.trend], color=BAND_COLOUR, alpha=0.5, lw=0)
    ax.plot(at, [p.score for p in m.trend], color=SCORE_COLOUR, linewidth=2, label="score")
    ax.axhline(NEUTRAL, color="#777777", linewidth=0.8, linestyle=":")
    ax.set_ylim(0, 100)
    ax.set_ylabel("experience score")
    ax.set_title("Score over time, with its 95 % interval (50 = neutral)", fontsize=10, loc="left")
    ax.grid(color="#eeeeee")
    locator = mdates.AutoDateLocator(tz=UTC)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=UTC))
    first, last = m.trend[0].at, m.trend[-1].at
    pad = max((last - first) * 0.04, timedelta(minutes=30))
    ax.set_xlim(_x(first - pad), _x(last + pad))


def _draw_drivers(ax: Axes, m: JourneyMap) -> None:
    top = m.drivers("reason")
    ax.set_title("Top drivers (score points)", fontsize=10, loc="left")
    if not top:
        ax.text(0.5, 0.5, "no evidence", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    names = [d.key for d in reversed(top)]
    points = [d.points for d in reversed(top)]
    ax.barh(names, points, color=[DRIVER_UP if p >= 0 else DRIVER_DOWN for p in points])
    ax.axvline(0, color="#444444", linewidth=0.8)
    ax.tick_params(axis="y", labelsize=8.5)
    for y, p in enumerate(points):
        ax.annotate(
            f"{p:+.1f}",
            (p, y),
            xytext=(3 if p >= 0 else -3, 0),
            textcoords="offset points",
            ha="left" if p >= 0 else "right",
            va="center",
            fontsize=8,
        )
    limit = max(abs(p) for p in points) * 1.35 or 1.0
    ax.set_xlim(-limit, limit)


def _draw_alerts(ax: Axes, m: JourneyMap) -> None:
    ax.set_axis_off()
    ax.set_title(f"Alerts ({len(m.alerts)})", fontsize=10, loc="left")
    if not m.alerts:
        ax.text(0, 0.9, "none raised", fontsize=9, transform=ax.transAxes, va="top")
        return
    lines = []
    for alert in m.alerts[:6]:
        message = alert.message if len(alert.message) <= 60 else alert.message[:57] + "..."
        lines.append(f"⚠ {alert.rule.value}  {_when(alert.occurred_at)}\n   {message}")
    if len(m.alerts) > 6:
        lines.append(f"... and {len(m.alerts) - 6} more")
    ax.text(0, 0.95, "\n".join(lines), fontsize=8.5, transform=ax.transAxes, va="top", color=ALERT_COLOUR, wrap=True)


# --- outputs -----------------------------------------------------------------------------------


def render_png(m: JourneyMap, *, dpi: int = 110) -> bytes:
    buffer = io.BytesIO()
    figure(m).savefig(buffer, format="png", dpi=dpi, metadata={"Software": None})
    return buffer.getvalue()


def render_svg(m: JourneyMap) -> str:
    """The figure as an ``<svg>`` element (no XML prolog), its text kept as text: searchable, selectable."""
    import matplotlib

    buffer = io.StringIO()
    # Local overrides, not a global rcParams change: another figure in the process keeps its defaults.
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "journey-map"}):
        figure(m).savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def render(m: JourneyMap, fmt: str) -> bytes:
    """``html`` (UTF-8) or ``png`` bytes."""
    if fmt == "png":
        return render_png(m)
    if fmt == "html":
        return render_html(m).encode("utf-8")
    raise ValueError(f"unknown format {fmt!r}; valid formats are: html, png")


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 16px 24px; color: #222; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 18px 0 6px; }
.score { margin: 0 0 8px; } figure { margin: 0; } figure svg { width: 100%; height: auto; }
table { border-collapse: collapse; font-size: 13px; } td, th { padding: 3px 8px; border-bottom: 1px solid #ddd;
text-align: left; vertical-align: top; } .num { text-align: right; font-variant-numeric: tabular-nums; }
.badge { display: inline-block; width: 0.8em; height: 0.8em; border: 1px solid #222; border-radius: 50%;
margin-right: 4px; } .alert td.rule { color: #6a3d9a; font-weight: 600; } .empty { color: #666; }
"""


def render_html(m: JourneyMap) -> str:
    """A self-contained page: the figure as inline SVG and tables of touchpoints, drivers and alerts."""
    e = html.escape
    journey = f" · journey {e(m.journey_id)}" if m.journey_id else ""
    s = m.score
    rows = []
    for tp in m.touchpoints:
        kind = sentiment_class(tp)
        value = "" if tp.signals.sentiment is None else f"{tp.signals.sentiment:+.2f}"
        category = getattr(tp.signals, "intent_category", "")
        rows.append(
            f'<tr class="touchpoint sentiment-{kind}" data-touchpoint-id="{e(tp.id)}">'
            f'<td>{e(_when(tp.occurred_at))}</td><td class="channel">{e(tp.channel.value)}</td>'
            f'<td class="id">{e(tp.id)}</td><td>{e(tp.journey_id)}</td><td>{e(tp.stage)}</td>'
            f'<td class="sentiment"><span class="badge" style="background:{SENTIMENT_COLOURS[kind]}"></span>'
            f"{e(kind)} {value}</td>"
            f'<td class="intent">{e(tp.signals.intent)}</td><td class="category">{e(category)}</td>'
            f'<td class="outcome">{e(tp.outcome.value)}</td><td class="excerpt">{e(_excerpt(tp))}</td></tr>'
        )
    driver_rows = [
        f'<tr class="driver driver-{"up" if d.points >= 0 else "down"}" data-dimension="{e(d.dimension)}">'
        f'<td>{e(d.dimension)}</td><td class="key">{e(d.key)}</td><td class="num">{d.points:+.1f}</td>'
        f'<td class="num">{d.evidence_count}</td></tr>'
        for dimension in ("reason", "component", "intent")
        for d in m.drivers(dimension)
    ]
    alert_rows = [
        f'<tr class="alert rule-{e(a.rule.value)}" data-alert-id="{a.id}"><td class="num">{a.id}</td>'
        f'<td class="rule">{e(a.rule.value)}</td><td>{e(_when(a.occurred_at))}</td>'
        f'<td class="message">{e(a.message)}</td><td>{e(", ".join(a.touchpoint_ids))}</td>'
        f"<td>{e('; '.join(f'{k}={v}' for k, v in sorted(a.details.items())))}</td></tr>"
        for a in m.alerts
    ]
    alerts = (
        _table("alerts-table", ("id", "rule", "occurred", "message", "touchpoints", "details"), alert_rows)
        if alert_rows
        else '<p class="empty">No alerts raised for this customer.</p>'
    )
    drivers = (
        _table("drivers-table", ("dimension", "driver", "points", "evidence"), driver_rows)
        if driver_rows
        else '<p class="empty">No evidence moved the score.</p>'
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Journey map · customer {e(m.customer_id)}</title><style>{_STYLE}</style></head>\n"
        f'<body><main id="journey-map" data-customer-id="{e(m.customer_id)}" data-journey-id="{e(m.journey_id)}">\n'
        f"<h1>Journey map · customer {e(m.customer_id)}{journey}</h1>\n"
        f'<p class="score" id="score" data-score="{s.score:.1f}" data-low="{s.low:.1f}" data-high="{s.high:.1f}">'
        f"Experience score <strong>{s.score:.0f}</strong> (95 % interval {s.low:.0f}&ndash;{s.high:.0f}) as of "
        f"{e(_when(s.as_of))}, from {s.touchpoint_count} touchpoints and {s.evidence_count} pieces of evidence.</p>\n"
        f'<figure id="map-figure">{render_svg(m)}</figure>\n'
        f'<section id="touchpoints"><h2>Touchpoints ({len(m.touchpoints)})</h2>\n'
        + _table("touchpoints-table", _TOUCHPOINT_COLUMNS, rows)
        + f'</section>\n<section id="drivers"><h2>Top drivers</h2>\n{drivers}</section>\n'
        f'<section id="alerts"><h2>Alerts ({len(m.alerts)})</h2>\n{alerts}</section>\n</main></body></html>\n'
    )


_TOUCHPOINT_COLUMNS = (
    "occurred (UTC)",
    "channel",
    "id",
    "journey",
    "stage",
    "sentiment",
    "intent",
    "category",
    "outcome",
    "text",
)


def _table(table_id: str, headers: Sequence[str], rows: Sequence[str]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>\n' + "\n".join(rows) + "\n</tbody></table>\n"


def _excerpt(tp: StoredTouchpoint, limit: int = 140) -> str:
    """The customer's first stored (redacted) words: the store keeps no raw text."""
    words = [p.text for p in tp.parts if p.role in (SpeakerRole.CUSTOMER, SpeakerRole.UNSPECIFIED) and p.text]
    text = " ".join(words).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _x(at: datetime) -> float:
    """A time as matplotlib's date number (the axes' date locator and formatter read them back as UTC)."""
    return float(mdates.date2num(at))


def _when(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M")
