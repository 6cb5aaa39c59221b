"""Dashboard figures as people read them: formatted numbers, and charts with their data tables.

Pure functions over what ``aduan.monitoring.selectors`` returns (no database access), so the
dashboard page and the chart images (``/staf/dasbor/grafik/<name>.<svg|png>``) build the same
chart from the same figures: the page shows its data table, the image endpoint renders it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from aduan.complaints.models import Clock
from aduan.monitoring.charts import BAR, HBAR, LINE, Chart
from aduan.monitoring.selectors import (
    COMPLIANCE_KINDS,
    AgencyCompliance,
    BreakdownRow,
    Compliance,
    Period,
    TrendPoint,
    YearRow,
)

EMPTY = "—"
# A horizontal bar chart stays readable up to this many bars; its data table lists every row.
CHART_ROWS = 15


def percent(value: float | None) -> str:
    """``87,5 %`` in Indonesian, ``87.5 %`` in English; "—" when there is nothing to divide."""
    if value is None:
        return EMPTY
    return f"{number_format(round(value, 1), 1)} %"


def number(value: float | int | None, decimals: int = 0) -> str:
    if value is None:
        return EMPTY
    return number_format(value, decimals, force_grouping=True)


def duration(hours: float | None) -> str:
    """A median duration: in hours up to two days, in days beyond."""
    if hours is None:
        return EMPTY
    if hours < 48:
        value = round(hours, 1)
        return ngettext("%(count)s hour", "%(count)s hours", 1 if value == 1 else 2) % {
            "count": number_format(value, 1)
        }
    days = round(hours / 24, 1)
    return ngettext("%(count)s day", "%(count)s days", 1 if days == 1 else 2) % {
        "count": number_format(days, 1)
    }


def rating(value: float | None) -> str:
    return EMPTY if value is None else number_format(round(value, 2), 2)


def month_label(month: date) -> str:
    return date_format(month, "M Y")


def period_label(period: Period) -> str:
    """The period as people say it (2026, Q1 2026, March 2026), in the reader's language."""
    if period.month:
        return date_format(period.first_month, "F Y")
    if period.quarter:
        return _("Q%(quarter)s %(year)s") % {"quarter": period.quarter, "year": period.year}
    return str(period.year)


@dataclass(frozen=True)
class ChartView:
    """One chart on the dashboard: what to draw, how to describe it, and its data as a table."""

    name: str
    chart: Chart
    alt: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    note: str = ""


def _alt(kind: str, title: str, truncated: bool) -> str:
    shape = {
        BAR: _("Bar chart"),
        HBAR: _("Horizontal bar chart"),
        LINE: _("Line chart"),
    }[kind]
    text = _("%(shape)s: %(title)s. The figures are in the data table next to it.") % {
        "shape": shape,
        "title": title,
    }
    if truncated:
        text += " " + _("The chart shows the first %(count)s rows; the table shows all.") % {
            "count": CHART_ROWS
        }
    return text


def monthly_chart(points: Sequence[TrendPoint], year: int) -> ChartView:
    title = _("Complaints received and resolved per month, %(year)s") % {"year": year}
    labels = [month_label(p.month) for p in points]
    chart = Chart(
        kind=BAR,
        title=title,
        labels=labels,
        series={
            _("Received"): [float(p.received) for p in points],
            _("Resolved"): [float(p.resolved) for p in points],
        },
        ylabel=_("Complaints"),
    )
    rows = [
        [label, number(p.received), number(p.resolved)]
        for label, p in zip(labels, points, strict=True)
    ]
    return ChartView(
        "monthly",
        chart,
        _alt(BAR, title, False),
        [_("Month"), _("Received"), _("Resolved (of those received)")],
        rows,
    )


def _target_complaints(row: YearRow) -> float | None:
    return float(row.target.complaints) if row.target is not None else None


def _target_resolved(row: YearRow) -> float | None:
    return float(row.target.resolved_percent) if row.target is not None else None


def yearly_received_chart(rows: Sequence[YearRow]) -> ChartView:
    title = _("Complaints received per year, against the action-plan target")
    has_targets = any(row.target is not None for row in rows)
    chart = Chart(
        kind=LINE,
        title=title,
        labels=[str(row.year) for row in rows],
        series={_("Received"): [float(row.received) for row in rows]},
        reference={_("Target"): [_target_complaints(row) for row in rows]} if has_targets else {},
        ylabel=_("Complaints"),
    )
    table = [
        [
            str(row.year),
            number(row.received),
            number(row.target.complaints) if row.target is not None else EMPTY,
            percent(row.received_vs_target),
        ]
        for row in rows
    ]
    return ChartView(
        "received-yearly",
        chart,
        _alt(LINE, title, False),
        [_("Year"), _("Received"), _("Target"), _("Received / target")],
        table,
    )


def yearly_resolved_chart(rows: Sequence[YearRow]) -> ChartView:
    title = _("Share of complaints resolved per year, against the action-plan target")
    has_targets = any(row.target is not None for row in rows)
    chart = Chart(
        kind=LINE,
        title=title,
        labels=[str(row.year) for row in rows],
        series={_("% resolved"): [row.resolved_percent for row in rows]},
        reference=(
            {_("Target % resolved"): [_target_resolved(row) for row in rows]} if has_targets else {}
        ),
        ylabel=_("% of complaints received"),
        percent=True,
    )
    table = [
        [
            str(row.year),
            number(row.resolved),
            percent(row.resolved_percent),
            percent(_target_resolved(row)),
        ]
        for row in rows
    ]
    return ChartView(
        "resolved-yearly",
        chart,
        _alt(LINE, title, False),
        [_("Year"), _("Resolved"), _("% resolved"), _("Target % resolved")],
        table,
    )


def breakdown_title(dim: str, period: Period) -> str:
    titles = {
        "channel": _("Complaints received by channel, %(period)s"),
        "kind": _("Complaints received by kind, %(period)s"),
        "category": _("Complaints received by category, %(period)s"),
        "region": _("Complaints received by kabupaten/kota, %(period)s"),
        "agency": _("Complaints received by lead agency, %(period)s"),
    }
    return titles[dim] % {"period": period_label(period)}


def breakdown_heading(dim: str) -> str:
    headings = {
        "channel": _("Channel"),
        "kind": _("Kind"),
        "category": _("Category"),
        "region": _("Kabupaten/kota"),
        "agency": _("Lead agency"),
    }
    return headings[dim]


def breakdown_chart(dim: str, rows: Sequence[BreakdownRow], period: Period) -> ChartView:
    title = breakdown_title(dim, period)
    shown = rows[:CHART_ROWS]
    chart = Chart(
        kind=HBAR,
        title=title,
        labels=[row.label for row in shown],
        series={_("Received"): [float(row.counts.get("received", 0)) for row in shown]},
        ylabel=_("Complaints"),
    )
    return ChartView(
        dim,
        chart,
        _alt(HBAR, title, len(rows) > CHART_ROWS),
        [breakdown_heading(dim), _("Received"), _("Resolved"), _("% resolved")],
        [
            [
                row.label,
                number(row.counts.get("received", 0)),
                number(row.counts.get("resolved", 0)),
                percent(row.resolved_percent),
            ]
            for row in rows
        ],
    )


def stage_label(kind: str) -> str:
    return str(Clock.Kind(kind).label)


def agency_compliance_chart(rows: Sequence[AgencyCompliance], period: Period) -> ChartView:
    """Deadlines kept per agency (province view), worst first as the selector orders them."""
    title = _("Deadlines kept per agency, lowest first, %(period)s") % {
        "period": period_label(period)
    }
    shown = rows[:CHART_ROWS]
    chart = Chart(
        kind=HBAR,
        title=title,
        labels=[str(row.agency) for row in shown],
        series={_("Deadlines kept"): [row.score for row in shown]},
        ylabel=_("% of deadlines kept"),
        percent=True,
    )
    return ChartView(
        "compliance",
        chart,
        _alt(HBAR, title, len(rows) > CHART_ROWS),
        [_("Agency"), _("Deadlines kept"), _("Overdue now")],
        [[str(row.agency), percent(row.score), number(row.total.overdue)] for row in rows],
    )


def stage_compliance_chart(by_kind: dict[str, Compliance], period: Period) -> ChartView:
    """Deadlines kept per stage (an agency's view)."""
    title = _("Deadlines kept per stage, %(period)s") % {"period": period_label(period)}
    kinds = [kind for kind in COMPLIANCE_KINDS if kind in by_kind]
    chart = Chart(
        kind=HBAR,
        title=title,
        labels=[stage_label(kind) for kind in kinds],
        series={_("Deadlines kept"): [by_kind[kind].percent for kind in kinds]},
        ylabel=_("% of deadlines kept"),
        percent=True,
    )
    return ChartView(
        "compliance",
        chart,
        _alt(HBAR, title, False),
        [_("Stage"), _("Kept"), _("Missed"), _("Overdue now"), _("% kept")],
        [
            [
                stage_label(kind),
                number(by_kind[kind].met),
                number(by_kind[kind].missed),
                number(by_kind[kind].overdue),
                percent(by_kind[kind].percent),
            ]
            for kind in kinds
        ],
    )
