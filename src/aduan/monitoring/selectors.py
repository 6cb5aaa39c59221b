"""Dashboard figures, read from the rollups (a few hundred rows at most, never the complaints).

A view picks a :class:`Period` (a year, a quarter or a month) and optionally an agency (with its
sub-units); every function here answers for that choice. Figures are about the complaints
*received* in the period (see ``aduan.monitoring.models``). Percentages are ``None`` when there is
nothing to divide by, so a page can say "no data" instead of "0 %".
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from aduan.accounts.models import Membership, Role
from aduan.agencies.models import Agency, Category, Region
from aduan.complaints.models import Channel, Clock, Kind, Status
from aduan.core import clock
from aduan.core.calendar import local_date
from aduan.monitoring.facts import HOUR_BUCKETS, STAGES
from aduan.monitoring.models import (
    ALL_AGENCIES,
    NO_AGENCY,
    ClockRollup,
    Rollup,
    StaffActivity,
    StageHistogram,
    Target,
)

DIMENSIONS = ("channel", "kind", "category", "region", "status", "agency")
COMPLIANCE_KINDS = (
    Clock.Kind.VERIFY,
    Clock.Kind.FIRST_FOLLOWUP,
    Clock.Kind.FOLLOWUP,
    Clock.Kind.RESOLUTION,
)


@dataclass(frozen=True)
class Period:
    """A calendar year, or one quarter or month of it (Asia/Jakarta)."""

    year: int
    quarter: int | None = None
    month: int | None = None

    def __post_init__(self) -> None:
        if self.quarter is not None and not 1 <= self.quarter <= 4:
            raise ValueError("quarter")
        if self.month is not None and not 1 <= self.month <= 12:
            raise ValueError("month")

    @property
    def first_month(self) -> date:
        if self.month:
            return date(self.year, self.month, 1)
        if self.quarter:
            return date(self.year, 3 * self.quarter - 2, 1)
        return date(self.year, 1, 1)

    @property
    def last_month(self) -> date:
        if self.month:
            return date(self.year, self.month, 1)
        if self.quarter:
            return date(self.year, 3 * self.quarter, 1)
        return date(self.year, 12, 1)

    @property
    def last_day(self) -> date:
        following = self.last_month + timedelta(days=31)  # some day of the next month
        return following.replace(day=1) - timedelta(days=1)

    def months(self) -> list[date]:
        first, last = self.first_month.month, self.last_month.month
        return [date(self.year, month, 1) for month in range(first, last + 1)]

    @property
    def label(self) -> str:
        if self.month:
            return f"{self.year}-{self.month:02d}"
        if self.quarter:
            return f"{self.year} Q{self.quarter}"
        return str(self.year)

    @classmethod
    def current(cls) -> Period:
        return cls(local_date(clock.now()).year)


def agency_ids(agency: Agency | None) -> list[int]:
    """The rollup rows to add up: the province rows, or the agency and its sub-units.

    The sub-units are read once per agency object: a page asks for them in every figure."""
    if agency is None:
        return [ALL_AGENCIES]
    ids: list[int] | None = agency.__dict__.get("_subtree_ids")
    if ids is None:
        ids = agency.__dict__["_subtree_ids"] = list(agency.subtree().values_list("pk", flat=True))
    return ids


def _rows(model: Any, period: Period, agency: Agency | None) -> QuerySet[Any]:
    return model.objects.filter(
        agency_id__in=agency_ids(agency),
        month__gte=period.first_month,
        month__lte=period.last_month,
    )


def _ratio(part: int, whole: int) -> float | None:
    return 100.0 * part / whole if whole else None


@dataclass(frozen=True)
class Compliance:
    """Deadlines of one kind: kept, missed, and still running past due."""

    met: int = 0
    missed: int = 0
    overdue: int = 0

    @property
    def decided(self) -> int:
        return self.met + self.missed + self.overdue

    @property
    def percent(self) -> float | None:
        return _ratio(self.met, self.decided)


@dataclass(frozen=True)
class Summary:
    period: Period
    agency: Agency | None
    counts: dict[str, int]
    compliance: dict[str, Compliance]
    medians: dict[str, float | None]
    active_officers: int
    target: Target | None = None

    def __getattr__(self, name: str) -> int:
        try:
            return self.__dict__["counts"][name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def resolved_percent(self) -> float | None:
        return _ratio(self.counts["resolved"], self.counts["received"])

    @property
    def reopen_percent(self) -> float | None:
        return _ratio(self.counts["reopened"], self.counts["resolved_once"])

    @property
    def average_rating(self) -> float | None:
        rated = self.counts["rated"]
        return self.counts["rating_sum"] / rated if rated else None

    @property
    def satisfied_percent(self) -> float | None:
        return _ratio(self.counts["satisfied"], self.counts["rated"])

    @property
    def verified_on_time_percent(self) -> float | None:
        return self.compliance[Clock.Kind.VERIFY].percent

    @property
    def first_followup_on_time_percent(self) -> float | None:
        return self.compliance[Clock.Kind.FIRST_FOLLOWUP].percent

    @property
    def resolved_on_time_percent(self) -> float | None:
        return self.compliance[Clock.Kind.RESOLUTION].percent


def _sum(queryset: QuerySet[Any], counters: tuple[str, ...]) -> dict[str, int]:
    totals = queryset.aggregate(**{name: Sum(name) for name in counters})
    return {name: int(totals[name] or 0) for name in counters}


def counts(period: Period, agency: Agency | None = None) -> dict[str, int]:
    return _sum(_rows(Rollup, period, agency).filter(dim="total"), Rollup.COUNTERS)


def compliance(period: Period, agency: Agency | None = None) -> dict[str, Compliance]:
    out: dict[str, Compliance] = {str(kind): Compliance() for kind in COMPLIANCE_KINDS}
    rows = (
        _rows(ClockRollup, period, agency)
        .values("kind")
        .annotate(met_=Sum("met"), missed_=Sum("missed"), overdue_=Sum("overdue"))
    )
    for row in rows:
        out[row["kind"]] = Compliance(row["met_"], row["missed_"], row["overdue_"])
    return out


def histogram_quantile(counts_by_bucket: dict[int, int], q: float = 0.5) -> float | None:
    """The q-quantile in hours, interpolated inside its bucket (None without data)."""
    total = sum(counts_by_bucket.values())
    if not total:
        return None
    rank = q * total
    seen = 0
    for bucket in range(len(HOUR_BUCKETS)):
        count = counts_by_bucket.get(bucket, 0)
        if count and seen + count >= rank:
            lower = HOUR_BUCKETS[bucket - 1] if bucket else 0.0
            upper = HOUR_BUCKETS[bucket]
            if upper == float("inf"):
                return float(lower)
            return lower + (upper - lower) * (rank - seen) / count
        seen += count
    return None  # pragma: no cover


def stage_medians(period: Period, agency: Agency | None = None) -> dict[str, float | None]:
    """Median hours per stage: submitted→verified, verified→first follow-up, verified→resolved,
    and ``answer``: submitted→first follow-up (what the reporter waits for)."""
    buckets: dict[str, dict[int, int]] = {stage: {} for stage in STAGES}
    rows = (
        _rows(StageHistogram, period, agency).values("stage", "bucket").annotate(total=Sum("count"))
    )
    for row in rows:
        buckets[row["stage"]][row["bucket"]] = int(row["total"])
    return {stage: histogram_quantile(buckets[stage]) for stage in STAGES}


def staff_users(agency: Agency | None = None) -> QuerySet[Membership]:
    memberships = Membership.objects.exclude(role=Role.ADMIN)
    if agency is not None:
        memberships = memberships.filter(agency__path__startswith=agency.path)
    return memberships


def active_officers(agency: Agency | None = None, days: int = 30) -> int:
    """Officers (any staff role but system administrators) who acted in the last ``days``."""
    since = clock.now() - timedelta(days=days)
    users = staff_users(agency).values("user_id")
    return StaffActivity.objects.filter(last_seen__gte=since, user_id__in=users).count()


def target_for(year: int) -> Target | None:
    return Target.objects.filter(year=year).first()


def summary(period: Period, agency: Agency | None = None) -> Summary:
    return Summary(
        period=period,
        agency=agency,
        counts=counts(period, agency),
        compliance=compliance(period, agency),
        medians=stage_medians(period, agency),
        active_officers=active_officers(agency),
        target=target_for(period.year) if agency is None else None,
    )


@dataclass
class BreakdownRow:
    value: str
    label: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def resolved_percent(self) -> float | None:
        return _ratio(self.counts.get("resolved", 0), self.counts.get("received", 0))


def _labels(dim: str, values: list[str]) -> dict[str, str]:
    if dim == "channel":
        return {v: str(Channel(v).label) if v in Channel.values else v for v in values}
    if dim == "kind":
        return {v: str(Kind(v).label) if v in Kind.values else v for v in values}
    if dim == "status":
        return {v: str(Status(v).label) if v in Status.values else v for v in values}
    if dim == "category":
        ids = [int(v) for v in values if v.isdigit() and v != "0"]
        names = dict(Category.objects.filter(pk__in=ids).values_list("pk", "name"))
        return {v: names.get(int(v), str(_("Uncategorised"))) if v.isdigit() else v for v in values}
    if dim == "agency":
        ids = [int(v) for v in values if v.lstrip("-").isdigit() and int(v) > 0]
        names = dict(Agency.objects.filter(pk__in=ids).values_list("pk", "name"))
        return {v: names.get(int(v), str(_("Not yet dispatched"))) for v in values}
    if dim == "region":
        regions = dict(Region.objects.filter(pk__in=values).values_list("pk", "name"))
        return {v: regions.get(v, str(_("No region given"))) for v in values}
    raise ValueError(dim)


def breakdown(
    period: Period,
    dim: str,
    agency: Agency | None = None,
    counters: tuple[str, ...] = ("received", "resolved", "backlog", "overdue"),
) -> list[BreakdownRow]:
    """Complaints received in the period by one dimension, largest first."""
    if dim not in DIMENSIONS:
        raise ValueError(dim)
    if dim == "agency" and agency is not None:
        raise ValueError("the agency breakdown is province-wide")
    rows = (
        _rows(Rollup, period, agency)
        .filter(dim=dim)
        .values("value")
        .annotate(**{name + "_": Sum(name) for name in counters})
    )
    found = [
        BreakdownRow(r["value"], "", {name: int(r[name + "_"] or 0) for name in counters})
        for r in rows
    ]
    found = [row for row in found if row.counts.get(counters[0], 0)]
    labels = _labels(dim, [row.value for row in found])
    for row in found:
        row.label = labels[row.value]
    found.sort(key=lambda row: (-row.counts[counters[0]], row.label))
    return found


@dataclass(frozen=True)
class TrendPoint:
    month: date
    received: int
    resolved: int


def monthly(period: Period, agency: Agency | None = None) -> list[TrendPoint]:
    """Received and resolved per month of the period (months without complaints included)."""
    rows = {
        r["month"]: r
        for r in _rows(Rollup, period, agency)
        .filter(dim="total")
        .values("month")
        .annotate(received_=Sum("received"), resolved_=Sum("resolved"))
    }
    points = []
    for month in period.months():
        row = rows.get(month)
        points.append(
            TrendPoint(
                month, int(row["received_"]) if row else 0, int(row["resolved_"]) if row else 0
            )
        )
    return points


@dataclass(frozen=True)
class YearRow:
    year: int
    received: int
    resolved: int
    target: Target | None

    @property
    def resolved_percent(self) -> float | None:
        return _ratio(self.resolved, self.received)

    @property
    def received_vs_target(self) -> float | None:
        if self.target is None or not self.target.complaints:
            return None
        return 100.0 * self.received / self.target.complaints


def yearly(
    agency: Agency | None = None, first: int | None = None, last: int | None = None
) -> list[YearRow]:
    """Received and % resolved per year, next to the action-plan target of that year."""
    targets = {t.year: t for t in Target.objects.all()}
    per_year: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    rows = (
        Rollup.objects.filter(agency_id__in=agency_ids(agency), dim="total")
        .values("month")
        .annotate(received_=Sum("received"), resolved_=Sum("resolved"))
    )
    for row in rows:
        year = row["month"].year
        per_year[year][0] += int(row["received_"])
        per_year[year][1] += int(row["resolved_"])
    years = set(per_year) | (set(targets) if agency is None else set())
    if not years:
        years = {local_date(clock.now()).year}
    start = first if first is not None else min(years)
    end = last if last is not None else max(max(years), local_date(clock.now()).year)
    return [
        YearRow(
            year,
            per_year[year][0],
            per_year[year][1],
            targets.get(year) if agency is None else None,
        )
        for year in range(start, end + 1)
    ]


@dataclass(frozen=True)
class AgencyCompliance:
    agency: Agency
    by_kind: dict[str, Compliance]

    @property
    def total(self) -> Compliance:
        return Compliance(
            sum(c.met for c in self.by_kind.values()),
            sum(c.missed for c in self.by_kind.values()),
            sum(c.overdue for c in self.by_kind.values()),
        )

    @property
    def score(self) -> float | None:
        """The share of its deadlines the agency kept (%), over every kind."""
        return self.total.percent


def compliance_by_agency(period: Period) -> list[AgencyCompliance]:
    """Every agency that owed deadlines in the period, worst score first."""
    per: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0, 0]))
    rows = (
        ClockRollup.objects.filter(month__gte=period.first_month, month__lte=period.last_month)
        .exclude(agency_id__in=[ALL_AGENCIES, NO_AGENCY])
        .values("agency_id", "kind")
        .annotate(met_=Sum("met"), missed_=Sum("missed"), overdue_=Sum("overdue"))
    )
    for row in rows:
        per[row["agency_id"]][row["kind"]] = [row["met_"], row["missed_"], row["overdue_"]]
    agencies = Agency.objects.in_bulk(list(per))
    out = [
        AgencyCompliance(
            agencies[pk], {kind: Compliance(*values) for kind, values in kinds.items()}
        )
        for pk, kinds in per.items()
        if pk in agencies
    ]
    out.sort(key=lambda a: (a.score if a.score is not None else 101.0, a.agency.name))
    return out


@dataclass(frozen=True)
class Connectedness:
    """Agencies that can act on a dispatch: with an operator and a liaison officer assigned."""

    connected: list[Agency]
    missing: list[Agency]

    @property
    def percent(self) -> float | None:
        return _ratio(len(self.connected), len(self.connected) + len(self.missing))


def connectedness() -> Connectedness:
    agencies = list(Agency.objects.filter(is_active=True).order_by("name"))
    roles: dict[int, set[str]] = defaultdict(set)
    for agency_id, role in Membership.objects.filter(
        Q(role=Role.OPERATOR) | Q(role=Role.LIAISON), user__is_active=True
    ).values_list("agency_id", "role"):
        roles[agency_id].add(role)
    connected = [a for a in agencies if {Role.OPERATOR, Role.LIAISON} <= roles[a.pk]]
    missing = [a for a in agencies if a not in connected]
    return Connectedness(connected, missing)


def overdue_by_agency() -> list[tuple[int | None, int]]:
    """Open complaints with a flagged overdue deadline per lead agency (None: not dispatched),
    over every period, most first: the province rows, a few thousand at most."""
    rows = (
        Rollup.objects.filter(agency_id=ALL_AGENCIES, dim="agency")
        .values("value")
        .annotate(total=Sum("overdue"))
        .filter(total__gt=0)
    )
    counts = [(int(row["value"]) or None, int(row["total"])) for row in rows]
    counts.sort(key=lambda item: (-item[1], item[0] or 0))
    return counts
