"""Emerging issues: topics (categories) and places whose volume this week is unusually high.

Definition (docs/architecture.md "Emerging issues"): for a reference day *R* (default today in
Asia/Jakarta), *this week* is the 7 days ``R-6 … R``; its history is the same 7-day windows of
the previous ``ADUAN_TRENDS_WEEKS`` weeks (default 8). For each category and each place (the
kecamatan of the complaint's region, or the region itself when the complaint names only a
kabupaten/kota) we count the complaints submitted in each window. An item is *emerging* when

- this week's count is at least ``ADUAN_TRENDS_MIN_COUNT`` (default 5), and
- seeing so many is unlikely at the usual rate: the Poisson upper tail
  ``P(X >= count | mean)`` is below ``ADUAN_TRENDS_P_VALUE`` (default 0.01), where the mean is the
  weekly average of the history, but at least ``ADUAN_TRENDS_MEAN_FLOOR`` (default 1), so a new
  topic or place (history 0) needs the minimum count and nothing less.

Emerging items are ranked by the ratio ``count / mean`` (highest first; then by count), at most
``ADUAN_TRENDS_LIMIT`` (default 10) per kind.

On the dashboard the panel follows the chosen period (``reference_for``): a period that is over
is analysed in its last 7 days (the week ending on its last day, ``?day=``), the current or a
later one in this week; the table then says which week it shows, and "see the complaints"
lists that week's.

Scope, as on the dashboards: the province, or an agency with its sub-units counted by lead
agency (``selectors.agency_ids``). The counts are aggregates like every dashboard figure; the
list "see the complaints" (``trend_complaints``) shows, of the complaints behind a trend, those
the viewer may open (``complaints.selectors.complaint_list``), keyset-paged.

Cost: the counts come from ``DailyCount`` (complaints per day by lead agency, category and place,
kept by the rollup follower like every dashboard figure): two queries over ``7 * (weeks + 1)``
days of it, whatever the number of complaints (docs/benchmarks.md; ``counts_direct`` is the same
by GROUP BY over the complaints, for tests and the benchmark). The dashboard page itself loads
the panel as a separate request (htmx, with a plain link without JavaScript), as it loads its
charts as images, so the page's own queries stay fixed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import Substr
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from aduan.agencies.models import Agency, Category, Region
from aduan.backoffice.access import forbidden, menu_context, staff_page, works_with_complaints
from aduan.complaints import selectors as complaint_selectors
from aduan.complaints.models import Complaint
from aduan.complaints.policies import staff_roles
from aduan.core import clock
from aduan.core.calendar import JAKARTA, local_date
from aduan.core.errors import InvalidInput
from aduan.core.pagination import keyset_page
from aduan.monitoring.facts import PLACE_CODE_LENGTH
from aduan.monitoring.models import DailyCount
from aduan.monitoring.selectors import Period, agency_ids

CATEGORY = "category"
PLACE = "place"
KINDS = (CATEGORY, PLACE)
# A kecamatan's Kemendagri code ("13.71.01") is the first 8 characters of its villages' codes.
DISTRICT_CODE_LENGTH = 8
PLACE_CODE = re.compile(r"^\d{2}\.\d{2}(\.\d{2})?$")
PAGE_SIZE = 20
LIST_ORDER = ("-submitted_at", "-id")


@dataclass(frozen=True)
class TrendSettings:
    weeks: int = 8
    min_count: int = 5
    p_value: float = 0.01
    mean_floor: float = 1.0
    limit: int = 10

    @classmethod
    def from_settings(cls, **overrides: Any) -> TrendSettings:
        values: dict[str, Any] = {
            "weeks": getattr(settings, "ADUAN_TRENDS_WEEKS", cls.weeks),
            "min_count": getattr(settings, "ADUAN_TRENDS_MIN_COUNT", cls.min_count),
            "p_value": getattr(settings, "ADUAN_TRENDS_P_VALUE", cls.p_value),
            "mean_floor": getattr(settings, "ADUAN_TRENDS_MEAN_FLOOR", cls.mean_floor),
            "limit": getattr(settings, "ADUAN_TRENDS_LIMIT", cls.limit),
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        config = cls(
            weeks=int(values["weeks"]),
            min_count=int(values["min_count"]),
            p_value=float(values["p_value"]),
            mean_floor=float(values["mean_floor"]),
            limit=int(values["limit"]),
        )
        if config.weeks < 1 or config.min_count < 1 or config.mean_floor <= 0:
            raise ValueError("trend settings: weeks, min_count and mean_floor must be positive")
        return config


# --- the statistics ------------------------------------------------------------------------


def poisson_upper_tail(count: int, mean: float) -> float:
    """``P(X >= count)`` for ``X`` Poisson with this mean (``mean > 0``)."""
    if count <= 0:
        return 1.0
    # scipy comes with scikit-learn (a dependency); imported here, only when a panel is drawn.
    from scipy.special import pdtrc

    return float(pdtrc(count - 1, mean))  # P(X > count - 1)


@dataclass(frozen=True)
class Window:
    """This week (days ``first … last``, Asia/Jakarta) and the weeks of history before it."""

    reference: date
    weeks: int

    @property
    def first(self) -> date:
        return self.reference - timedelta(days=6)

    @property
    def last(self) -> date:
        return self.reference

    def first_day(self, week: int) -> date:
        """The first day of window ``week`` (0: this week, 1: the week before, …)."""
        return self.first - timedelta(weeks=week)

    def start_of(self, week: int) -> datetime:
        """Where window ``week`` begins (0: this week, 1: the week before, …)."""
        return datetime.combine(self.first_day(week), time.min, tzinfo=JAKARTA)

    @property
    def end(self) -> datetime:
        return datetime.combine(self.reference + timedelta(days=1), time.min, tzinfo=JAKARTA)


@dataclass(frozen=True)
class Trend:
    kind: str  # CATEGORY or PLACE
    value: str  # category id or region code
    label: str
    count: int
    mean: float  # weekly average over the history
    ratio: float  # count / max(mean, floor)
    p_value: float
    url: str = ""


def counts(window: Window, agency: Agency | None, kind: str) -> dict[str, list[int]]:
    """Complaints per item and week (index 0: this week) in the scope, from the daily counts:
    at most ``7 * (weeks + 1)`` days times the items seen on each, summed by week in SQL."""
    week = Case(
        *(
            When(day__gte=window.first_day(index), then=Value(index))
            for index in range(window.weeks + 1)
        ),
        output_field=IntegerField(),
    )
    rows = (
        DailyCount.objects.filter(
            agency_id__in=agency_ids(agency),
            dim=kind,
            day__gte=window.first_day(window.weeks),
            day__lte=window.last,
        )
        .annotate(week=week)
        .values("value", "week")
        .annotate(n=Sum("received"))
        .values_list("value", "week", "n")
    )
    out: dict[str, list[int]] = {}
    for value, index, n in rows:
        if n:
            out.setdefault(value, [0] * (window.weeks + 1))[index] += int(n)
    return out


def counts_direct(window: Window, agency: Agency | None, kind: str) -> dict[str, list[int]]:
    """The same as :func:`counts` by GROUP BY over the complaints (for tests and the benchmark:
    on a large table this reads every complaint of the weeks, hundreds of milliseconds)."""
    complaints = Complaint.objects.filter(
        submitted_at__gte=window.start_of(window.weeks), submitted_at__lt=window.end
    )
    if agency is not None:
        complaints = complaints.filter(lead_agency_id__in=agency_ids(agency))
    week = Case(
        *(
            When(submitted_at__gte=window.start_of(index), then=Value(index))
            for index in range(window.weeks + 1)
        ),
        output_field=IntegerField(),
    )
    if kind == CATEGORY:
        item: Any = F("category_id")
        complaints = complaints.filter(category_id__isnull=False)
    else:
        item = Substr("region_id", 1, DISTRICT_CODE_LENGTH)
        complaints = complaints.filter(region_id__isnull=False).exclude(region_id="")
    rows = (
        complaints.order_by()
        .annotate(item=item, week=week)
        .values("item", "week")
        .annotate(n=Count("id"))
        .values_list("item", "week", "n")
    )
    out: dict[str, list[int]] = {}
    for value, index, n in rows:
        if value:
            out.setdefault(str(value), [0] * (window.weeks + 1))[index] += n
    return out


def _labels(kind: str, values: list[str]) -> dict[str, str]:
    if kind == CATEGORY:
        ids = [int(v) for v in values]
        return {
            str(pk): name
            for pk, name in Category.objects.filter(pk__in=ids).values_list("pk", "name")
        }
    out = {}
    for code, name, parent in Region.objects.filter(pk__in=values).values_list(
        "code", "name", "parent__name"
    ):
        # "Padang Barat, Kota Padang": a kecamatan's name alone is often not unique.
        out[code] = f"{name}, {parent}" if parent and len(code) >= DISTRICT_CODE_LENGTH else name
    return out


def emerging(
    *,
    agency: Agency | None = None,
    reference: date | None = None,
    kinds: tuple[str, ...] = KINDS,
    **overrides: Any,
) -> dict[str, list[Trend]]:
    """Emerging categories and places for the province or an agency (with its sub-units), in
    the week ending on ``reference`` (default today, Asia/Jakarta); see the module docstring."""
    config = TrendSettings.from_settings(**overrides)
    window = Window(reference or local_date(clock.now()), config.weeks)
    out: dict[str, list[Trend]] = {}
    for kind in kinds:
        found = []
        for value, weekly in counts(window, agency, kind).items():
            count = weekly[0]
            if count < config.min_count:
                continue
            mean = sum(weekly[1:]) / config.weeks
            rate = max(mean, config.mean_floor)
            if count <= rate:
                continue
            p_value = poisson_upper_tail(count, rate)
            if p_value < config.p_value:
                found.append((value, count, mean, count / rate, p_value))
        found.sort(key=lambda row: (-row[3], -row[1], row[0]))
        found = found[: config.limit]
        labels = _labels(kind, [row[0] for row in found])
        out[kind] = [
            Trend(
                kind=kind,
                value=value,
                label=labels.get(value, value),
                count=count,
                mean=mean,
                ratio=ratio,
                p_value=p_value,
                url=complaints_url(kind, value, window, agency),
            )
            for value, count, mean, ratio, p_value in found
        ]
    return out


# --- the complaints behind a trend ---------------------------------------------------------


def complaints_url(kind: str, value: str, window: Window, agency: Agency | None) -> str:
    params: dict[str, Any] = {
        kind: value,
        "from": window.first.isoformat(),
        "to": window.last.isoformat(),
    }
    if agency is not None:
        params["agency"] = agency.pk
    return reverse("monitoring:trend_complaints") + "?" + urlencode(params)


def place_filter(code: str) -> Q:
    """Complaints counted in a place (``facts``: the region code cut to the kecamatan): for a
    kecamatan the region itself or any under it (codes nest by prefix); for a kabupaten/kota
    only the complaints that name no kecamatan, i.e. the region itself."""
    if len(code) < PLACE_CODE_LENGTH:
        return Q(region_id=code)
    return Q(region_id=code) | Q(region__code__startswith=code + ".")


def trend_complaints(
    user: Any,
    *,
    first: date,
    last: date,
    category_id: int | None = None,
    place: str | None = None,
    agency: Agency | None = None,
) -> QuerySet[Complaint]:
    """The complaints behind a trend that ``user`` may open (scoped like every staff list)."""
    if (category_id is None) == (place is None):
        raise ValueError("give a category or a place")
    start = datetime.combine(first, time.min, tzinfo=JAKARTA)
    end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=JAKARTA)
    complaints = complaint_selectors.complaint_list(user, as_staff=True).filter(
        submitted_at__gte=start, submitted_at__lt=end
    )
    if agency is not None:
        complaints = complaints.filter(lead_agency_id__in=agency_ids(agency))
    if category_id is not None:
        return complaints.filter(category_id=category_id)
    assert place is not None
    return complaints.filter(place_filter(place))


# --- web: the panel and the list -----------------------------------------------------------


class TrendFilterForm(forms.Form):
    agency = forms.IntegerField(required=False, min_value=1)
    day = forms.DateField(label=_("Week ending on"), required=False)

    def clean_day(self) -> date | None:
        value: date | None = self.cleaned_data.get("day")
        if value is not None and not date(2000, 1, 1) <= value <= local_date(clock.now()):
            raise forms.ValidationError(_("Choose a day between 2000 and today."))
        return value


class TrendComplaintsForm(forms.Form):
    category = forms.IntegerField(required=False, min_value=1)
    place = forms.RegexField(regex=PLACE_CODE, required=False)
    first = forms.DateField(label=_("From"))
    last = forms.DateField(label=_("To"))
    agency = forms.IntegerField(required=False, min_value=1)

    def __init__(self, data: Any) -> None:
        data = data.copy()
        # "from" is a Python keyword: the query string says from/to, the form first/last.
        data["first"], data["last"] = data.get("from", ""), data.get("to", "")
        super().__init__(data)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (cleaned.get("category") is None) == (not cleaned.get("place")):
            raise forms.ValidationError(_("Give either a category or a place."))
        first, last = cleaned.get("first"), cleaned.get("last")
        if any(day and not date(2000, 1, 1) <= day <= date(2100, 12, 31) for day in (first, last)):
            raise forms.ValidationError(_("Choose a date between 2000 and 2100."))
        if first and last and first > last:
            raise forms.ValidationError(_("The first day must not be after the last."))
        return cleaned


def _scoped_agency(request: HttpRequest, agency_id: int | None) -> tuple[bool, Agency | None]:
    """(allowed, agency): the dashboard's scope rules (``views.dashboard_scope``)."""
    from aduan.monitoring.views import dashboard_scope

    scope = dashboard_scope(request.user)
    if agency_id is None:
        if not scope.province and scope.default is None:
            return False, None
        return True, scope.default
    agency = scope.by_id.get(agency_id)
    return agency is not None, agency


def reference_for(period: Period) -> date | None:
    """The day the dashboard's panel looks back from for ``period``: its last day once it is
    over; None (today, this week) while it lasts or before it begins."""
    return _past_day(period.last_day)


def panel_url(agency: Agency | None, day: date | None = None) -> str:
    params: dict[str, Any] = {}
    if agency is not None:
        params["agency"] = agency.pk
    if day is not None:
        params["day"] = day.isoformat()
    return reverse("monitoring:trends") + (f"?{urlencode(params)}" if params else "")


def _past_day(day: date) -> date | None:
    """``day`` if it is before today; None for today or later (the panel's "this week")."""
    return day if day < local_date(clock.now()) else None


@require_safe
@never_cache
@staff_page(works=False)
def trends(request: HttpRequest) -> HttpResponse:
    """The emerging-issues panel: a fragment for the dashboard (htmx), or a page of its own."""
    form = TrendFilterForm(request.GET)
    if not form.is_valid():
        context = {**menu_context(request, "dashboard"), "trend_form": form}
        return render(request, "monitoring/trends.html", context, status=400)
    allowed, agency = _scoped_agency(request, form.cleaned_data["agency"])
    if not allowed:
        return forbidden(request)
    config = TrendSettings.from_settings()
    reference = form.cleaned_data["day"] or local_date(clock.now())
    window = Window(reference, config.weeks)
    found = emerging(agency=agency, reference=reference)
    context = {
        "trends": found,
        "trend_tables": [
            ("trends-categories", _("Topics (categories)"), _("Category"), found[CATEGORY]),
            ("trends-places", _("Places (kecamatan)"), _("Place"), found[PLACE]),
        ],
        "trend_window": window,
        "trend_settings": config,
        "trend_agency": agency,
        "trend_percent": f"{100 * config.p_value:g}",
        "trends_day": _past_day(reference),
    }
    if getattr(request, "htmx", False):
        return render(request, "monitoring/_trends.html", context)
    context.update(menu_context(request, "dashboard"))
    return render(request, "monitoring/trends.html", context)


@require_safe
@never_cache
@staff_page(works=False)
def complaints(request: HttpRequest) -> HttpResponse:
    """The complaints behind one trend that the viewer may open, newest first, keyset-paged."""
    form = TrendComplaintsForm(request.GET)
    base = {**menu_context(request, "dashboard"), "form": form}
    if not form.is_valid():
        return render(request, "monitoring/trend_complaints.html", base, status=400)
    data = form.cleaned_data
    allowed, agency = _scoped_agency(request, data["agency"])
    if not allowed:
        return forbidden(request)
    queryset = trend_complaints(
        request.user,
        first=data["first"],
        last=data["last"],
        category_id=data["category"],
        place=data["place"] or None,
        agency=agency,
    )
    try:
        page = keyset_page(
            queryset, ordering=LIST_ORDER, cursor=request.GET.get("cursor") or None, size=PAGE_SIZE
        )
    except InvalidInput as error:
        context = {"error": error, "first_page": request.path, **menu_context(request, "dashboard")}
        return render(request, "backoffice/bad_cursor.html", context, status=400)
    if data["category"] is not None:
        subject = (
            Category.objects.filter(pk=data["category"]).values_list("name", flat=True).first()
        )
    else:
        subject = _labels(PLACE, [data["place"]]).get(data["place"])
    links = {}
    for name, cursor in (("next_url", page.next_cursor), ("previous_url", page.previous_cursor)):
        if cursor:
            params = request.GET.copy()
            params["cursor"] = cursor
            links[name] = f"?{params.urlencode()}"
    context = {
        **base,
        **links,
        "page": page,
        "rows": list(page),
        "subject": subject or data["category"] or data["place"],
        "first": data["first"],
        "last": data["last"],
        "trend_agency": agency,
        "trends_url": panel_url(agency, _past_day(data["last"])),
        # Monitors see public complaints only and open no workspace: link the public pages.
        "public_links": not works_with_complaints(staff_roles(request.user)),
    }
    return render(request, "monitoring/trend_complaints.html", context)
