"""Public statistics (issue 5): ``/statistik/`` and its charts, without signing in.

Every figure comes from ``aduan.monitoring.selectors`` (the rollups, a few hundred rows at most;
never a query over the complaints), so a visit costs the same few queries however many
complaints there are. Only aggregates are shown: counts, percentages, medians, and the names of
public bodies, categories, channels and regions; never a complaint's text or a person's data.
Confidential and supervisory complaints are counted like any other (a count is not personal
data); the page says so.

The rollups follow every change within seconds, so the page and the charts may be cached for
:data:`MAX_AGE` seconds only. A rendered chart is kept in the cache under a hash of its data
(and texts) by ``aduan.monitoring.chart_cache``, shared with the staff dashboard: the same
figures are drawn once, and new figures get a new key at once. The year is one from 2000 to
next year (``aduan.monitoring.periods``), so nobody can make the server draw charts for
thousands of empty years.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from aduan.monitoring import charts, selectors
from aduan.monitoring.chart_cache import render_cached
from aduan.monitoring.periods import year_problem
from aduan.monitoring.selectors import BreakdownRow, Period
from aduan.portal.views import duration_text

MAX_AGE = 5  # seconds: figures must be fresh within 5 s
CHART_ROWS = 15  # bars drawn per breakdown chart (the table lists every row)
BREAKDOWN_COUNTERS = ("received", "resolved")


# --- the period ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """The period asked for, or the message saying what is wrong with the request."""

    period: Period
    year_raw: str
    quarter_raw: str
    error: str | None = None


def parse_period(request: HttpRequest) -> Choice:
    """``?year=YYYY`` (default: this year) and optional ``&quarter=1..4``."""
    current = Period.current()
    year_raw = request.GET.get("year", "").strip()
    quarter_raw = request.GET.get("quarter", "").strip()
    year = current.year
    if year_raw:
        if not (year_raw.isascii() and year_raw.isdigit() and len(year_raw) == 4):
            message = _("The year must be four digits, for example %(example)s.") % {
                "example": current.year
            }
            return Choice(current, year_raw[:10], quarter_raw[:10], message)
        year = int(year_raw)
        problem = year_problem(year)
        if problem:
            return Choice(current, year_raw, quarter_raw[:10], problem)
    quarter = None
    if quarter_raw:
        if quarter_raw not in ("1", "2", "3", "4"):
            message = _("The quarter must be 1, 2, 3 or 4.")
            return Choice(current, year_raw, quarter_raw[:10], message)
        quarter = int(quarter_raw)
    return Choice(Period(year, quarter), year_raw, quarter_raw)


def period_text(period: Period) -> str:
    """The period in words, in the current language."""
    if period.month:
        return formats.date_format(date(period.year, period.month, 1), "YEAR_MONTH_FORMAT")
    if period.quarter:
        return _("quarter %(quarter)s of %(year)s") % {
            "quarter": period.quarter,
            "year": period.year,
        }
    return str(period.year)


def _query(period: Period) -> str:
    params: dict[str, int] = {"year": period.year}
    if period.quarter:
        params["quarter"] = period.quarter
    return urlencode(params)


# --- charts -------------------------------------------------------------------------------------


def _month_label(month: date) -> str:
    return formats.date_format(month, "M")


def _breakdown_chart(dim: str, title: str) -> Callable[[Period], charts.Chart]:
    def build(period: Period) -> charts.Chart:
        rows = selectors.breakdown(period, dim, counters=BREAKDOWN_COUNTERS)[:CHART_ROWS]
        return charts.Chart(
            kind=charts.HBAR,
            title=f"{title} · {period_text(period)}",
            labels=[row.label for row in rows],
            series={
                _("Received"): [row.counts["received"] for row in rows],
                _("Resolved"): [row.counts["resolved"] for row in rows],
            },
            ylabel=_("Reports"),
        )

    return build


def _monthly_chart(period: Period) -> charts.Chart:
    points = selectors.monthly(period)
    return charts.Chart(
        kind=charts.LINE,
        title=_("Reports per month · %(period)s") % {"period": period_text(period)},
        labels=[_month_label(point.month) for point in points],
        series={
            _("Received"): [point.received for point in points],
            _("Resolved"): [point.resolved for point in points],
        },
        ylabel=_("Reports"),
    )


def _target_complaints_chart(period: Period) -> charts.Chart:
    years = selectors.yearly()
    return charts.Chart(
        kind=charts.BAR,
        title=_("Reports received per year and the action-plan target"),
        labels=[str(row.year) for row in years],
        series={_("Received"): [row.received for row in years]},
        reference={_("Target"): [row.target.complaints if row.target else None for row in years]},
        ylabel=_("Reports"),
    )


def _target_resolved_chart(period: Period) -> charts.Chart:
    years = selectors.yearly()
    return charts.Chart(
        kind=charts.BAR,
        title=_("Share resolved per year and the action-plan target"),
        labels=[str(row.year) for row in years],
        series={_("Resolved"): [row.resolved_percent for row in years]},
        reference={
            _("Target"): [
                float(row.target.resolved_percent) if row.target else None for row in years
            ]
        },
        percent=True,
    )


# name in the URL -> builder. Titles are looked up when drawn (in the visitor's language).
CHARTS: dict[str, Callable[[Period], charts.Chart]] = {
    "bulanan": _monthly_chart,
    "target-laporan": _target_complaints_chart,
    "target-selesai": _target_resolved_chart,
    "kanal": lambda period: _breakdown_chart("channel", _("Reports by channel"))(period),
    "jenis": lambda period: _breakdown_chart("kind", _("Reports by kind"))(period),
    "kategori": lambda period: _breakdown_chart("category", _("Reports by category"))(period),
    "wilayah": lambda period: _breakdown_chart("region", _("Reports by regency/city"))(period),
    "instansi": lambda period: _breakdown_chart("agency", _("Reports by agency"))(period),
}


def _fresh_for_a_few_seconds(response: HttpResponse, *, private: bool) -> HttpResponse:
    if private:
        patch_cache_control(response, private=True, max_age=MAX_AGE)
    else:
        patch_cache_control(response, public=True, max_age=MAX_AGE)
    # The language comes from a cookie (core.middleware.LanguageMiddleware).
    patch_vary_headers(response, ("Cookie",))
    return response


@require_safe
def statistics_chart(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    """One chart of the statistics page as SVG or PNG (same ``?year=&quarter=`` as the page)."""
    if name not in CHARTS or fmt not in charts.FORMATS:
        raise Http404
    choice = parse_period(request)
    if choice.error:
        return HttpResponse(choice.error, status=400, content_type="text/plain; charset=utf-8")
    body = render_cached(CHARTS[name](choice.period), fmt)
    response = HttpResponse(body, content_type=charts.FORMATS[fmt])
    response["X-Content-Type-Options"] = "nosniff"
    if request.GET.get("download"):
        response["Content-Disposition"] = (
            f'attachment; filename="statistik-{name}-{choice.period.label.replace(" ", "-")}.{fmt}"'
        )
    return _fresh_for_a_few_seconds(response, private=False)


# --- the page -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A chart on the page: its image URLs, text alternative and the table beside it."""

    name: str
    title: str
    alt: str
    svg: str
    png: str
    svg_download: str
    png_download: str


def _figure(name: str, title: str, period: Period, alt: str = "") -> Figure:
    base = reverse("portal:statistics_chart", args=[name, "svg"])
    png = reverse("portal:statistics_chart", args=[name, "png"])
    query = _query(period)
    return Figure(
        name=name,
        title=title,
        alt=alt
        or _("Chart: %(title)s. The same figures are in the table below it.") % {"title": title},
        svg=f"{base}?{query}",
        png=f"{png}?{query}",
        svg_download=f"{base}?{query}&download=1",
        png_download=f"{png}?{query}&download=1",
    )


@dataclass(frozen=True)
class Breakdown:
    """One "by …" table of the page, with its chart."""

    id: str
    title: str
    column: str
    rows: list[BreakdownRow]
    figure: Figure


@require_safe
def statistics(request: HttpRequest) -> HttpResponse:
    """Headline figures, targets against realisation, breakdowns and the monthly trend."""
    choice = parse_period(request)
    period = choice.period
    years = selectors.yearly()
    year_options = sorted({row.year for row in years} | {period.year}, reverse=True)
    context: dict[str, object] = {
        "choice": choice,
        "period": period,
        "period_text": period_text(period),
        "year_options": year_options,
        "quarter_options": [(q, _("Quarter %(quarter)s") % {"quarter": q}) for q in range(1, 5)],
        "error": choice.error,
    }
    if choice.error:
        response = render(request, "portal/statistics.html", context, status=400)
        patch_cache_control(response, private=True, no_store=True)
        return response
    summary = selectors.summary(period)
    medians = summary.medians
    breakdowns = [
        Breakdown(
            dim,
            title,
            column,
            selectors.breakdown(period, dim, counters=BREAKDOWN_COUNTERS),
            _figure(chart, title, period),
        )
        for dim, chart, title, column in (
            ("channel", "kanal", _("By channel"), _("Channel")),
            ("kind", "jenis", _("By kind of report"), _("Kind")),
            ("category", "kategori", _("By category"), _("Category")),
            ("region", "wilayah", _("By regency/city"), _("Regency/city")),
            ("agency", "instansi", _("By agency"), _("Agency")),
        )
    ]
    context.update(
        {
            "summary": summary,
            "median_texts": [
                (_("from receipt to verification"), _hours_text(medians.get("verify"))),
                (
                    _("from verification to the first follow-up"),
                    _hours_text(medians.get("followup")),
                ),
                (_("from verification to resolution"), _hours_text(medians.get("resolution"))),
            ],
            "years": years,
            "target_figures": [
                _figure("target-laporan", _("Reports received per year and the target"), period),
                _figure("target-selesai", _("Share resolved per year and the target"), period),
            ],
            "monthly": selectors.monthly(period),
            "monthly_figure": _figure("bulanan", _("Reports per month"), period),
            "breakdowns": breakdowns,
        }
    )
    response = render(request, "portal/statistics.html", context)
    return _fresh_for_a_few_seconds(response, private=True)


def _hours_text(hours: float | None) -> str:
    return duration_text(timedelta(hours=hours)) if hours is not None else ""
