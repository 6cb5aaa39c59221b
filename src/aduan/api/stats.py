"""``GET /api/v1/stats/summary``: the public headline figures (issue 5), without a key.

Everything comes from ``aduan.monitoring.selectors`` (the rollups: a few hundred rows at most,
never the complaints), so the cost of a request does not grow with the number of complaints.
Only aggregates leave here: counts, percentages, medians and the names of public bodies,
categories, channels and regions; never a complaint's text or a person's data. Confidential and
supervisory complaints are counted like any other (a count is not personal data).
"""

from __future__ import annotations

from typing import Any

from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from aduan.agencies.models import Agency, Category
from aduan.api.base import LANGUAGE_HEADER, ApiView, parse
from aduan.api.serializers import CodeField, S
from aduan.monitoring import selectors
from aduan.monitoring.periods import FIRST_YEAR, max_year
from aduan.monitoring.selectors import BreakdownRow, Period

# Public figures may be cached this long (seconds); the rollups follow within a few seconds.
MAX_AGE = 5
YEAR_HELP = (
    "Year the complaints were received (Asia/Jakarta), from 2000 to next year; the current year "
    "without it"
)


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


# --- input --------------------------------------------------------------------------------------


def _year_field() -> serializers.IntegerField:
    # The upper bound moves with the calendar, so the field is made per request (and per schema).
    return serializers.IntegerField(
        required=False, min_value=FIRST_YEAR, max_value=max_year(), help_text=YEAR_HELP
    )


class StatsSummaryIn(S):
    year = _year_field()
    quarter = serializers.IntegerField(
        required=False, min_value=1, max_value=4, help_text="Only this quarter of the year"
    )
    month = serializers.IntegerField(
        required=False, min_value=1, max_value=12, help_text="Only this month of the year"
    )
    agency = CodeField(
        required=False,
        slug_field="code",
        queryset=Agency.objects.all(),
        error_messages={"does_not_exist": gettext_lazy("There is no agency with this code.")},
        help_text="Code of an agency (GET agencies/): its figures, its sub-units included",
    )

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        fields = super().get_fields()
        fields["year"] = _year_field()
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("quarter") and attrs.get("month"):
            raise exceptions.ValidationError({"month": [_("Give a quarter or a month, not both.")]})
        return attrs


# --- output -------------------------------------------------------------------------------------


class StatsRowOut(S):
    code = serializers.CharField(
        allow_null=True,
        help_text="channel or kind key, category code, Kemendagri code of the regency/city, "
        "agency code; null for 'none' (no category, no region given, not yet dispatched)",
    )
    label = serializers.CharField()
    received = serializers.IntegerField()
    resolved = serializers.IntegerField()
    resolved_percent = serializers.FloatField(allow_null=True)


class StatsTargetOut(S):
    complaints = serializers.IntegerField(help_text="Complaints the action plan expects")
    resolved_percent = serializers.FloatField(help_text="% resolved the action plan expects")
    is_baseline = serializers.BooleanField()


class StageMediansOut(S):
    verify = serializers.FloatField(allow_null=True, help_text="submitted → verified")
    followup = serializers.FloatField(allow_null=True, help_text="verified → first follow-up")
    resolution = serializers.FloatField(allow_null=True, help_text="verified → resolved")
    answer = serializers.FloatField(allow_null=True, help_text="submitted → first follow-up")


class StatsSummaryOut(S):
    year = serializers.IntegerField()
    quarter = serializers.IntegerField(allow_null=True)
    month = serializers.IntegerField(allow_null=True)
    period = serializers.CharField(help_text="2024, 2024 Q2 or 2024-05")
    agency = serializers.CharField(allow_null=True, help_text="Agency code, or null: province")
    received = serializers.IntegerField()
    resolved = serializers.IntegerField(help_text="Now resolved or closed")
    resolved_percent = serializers.FloatField(allow_null=True)
    verified_on_time_percent = serializers.FloatField(
        allow_null=True, help_text="% verified within 3 working days"
    )
    first_followup_on_time_percent = serializers.FloatField(
        allow_null=True, help_text="% first follow-up within 5 working days"
    )
    resolved_on_time_percent = serializers.FloatField(
        allow_null=True, help_text="% resolved within 60 days"
    )
    backlog = serializers.IntegerField(help_text="Still open")
    overdue = serializers.IntegerField(help_text="Open with a missed deadline")
    reopen_percent = serializers.FloatField(allow_null=True)
    average_rating = serializers.FloatField(allow_null=True, help_text="1 to 5")
    satisfied_percent = serializers.FloatField(allow_null=True, help_text="% rated 4 or 5")
    median_hours = StageMediansOut(help_text="Median hours per stage (null without data)")
    active_officers = serializers.IntegerField(help_text="Officers who acted in the last 30 days")
    target = StatsTargetOut(allow_null=True, help_text="Action-plan target (province only)")
    by_channel = StatsRowOut(many=True)
    by_kind = StatsRowOut(many=True)
    by_category = StatsRowOut(many=True)
    by_region = StatsRowOut(many=True)
    by_agency = StatsRowOut(many=True, help_text="Province only: empty with ?agency=")


# --- view ---------------------------------------------------------------------------------------


def _rows(found: list[BreakdownRow], codes: dict[str, str | None] | None = None) -> list[Any]:
    return [
        {
            "code": codes.get(row.value) if codes is not None else (row.value or None),
            "label": row.label,
            "received": row.counts["received"],
            "resolved": row.counts["resolved"],
            "resolved_percent": _round(row.resolved_percent),
        }
        for row in found
    ]


def _codes(model: type[Agency] | type[Category], found: list[BreakdownRow]) -> dict[str, Any]:
    """Breakdown values (ids) to public codes, in one query."""
    ids = [int(row.value) for row in found if row.value.isdigit() and int(row.value) > 0]
    codes = dict(model.objects.filter(pk__in=ids).values_list("pk", "code"))
    return {row.value: codes.get(int(row.value)) if row.value.isdigit() else None for row in found}


def summary_data(period: Period, agency: Agency | None) -> dict[str, Any]:
    """The public summary of ``period`` (province-wide, or one agency with its sub-units)."""
    figures = selectors.summary(period, agency)
    target = figures.target
    counters = ("received", "resolved")
    categories = selectors.breakdown(period, "category", agency, counters)
    agencies = [] if agency is not None else selectors.breakdown(period, "agency", None, counters)
    return {
        "year": period.year,
        "quarter": period.quarter,
        "month": period.month,
        "period": period.label,
        "agency": agency.code if agency is not None else None,
        "received": figures.received,
        "resolved": figures.resolved,
        "resolved_percent": _round(figures.resolved_percent),
        "verified_on_time_percent": _round(figures.verified_on_time_percent),
        "first_followup_on_time_percent": _round(figures.first_followup_on_time_percent),
        "resolved_on_time_percent": _round(figures.resolved_on_time_percent),
        "backlog": figures.backlog,
        "overdue": figures.overdue,
        "reopen_percent": _round(figures.reopen_percent),
        "average_rating": _round(figures.average_rating),
        "satisfied_percent": _round(figures.satisfied_percent),
        "median_hours": {stage: _round(hours) for stage, hours in figures.medians.items()},
        "active_officers": figures.active_officers,
        "target": None
        if target is None
        else {
            "complaints": target.complaints,
            "resolved_percent": float(target.resolved_percent),
            "is_baseline": target.is_baseline,
        },
        "by_channel": _rows(selectors.breakdown(period, "channel", agency, counters)),
        "by_kind": _rows(selectors.breakdown(period, "kind", agency, counters)),
        "by_category": _rows(categories, _codes(Category, categories)),
        "by_region": _rows(selectors.breakdown(period, "region", agency, counters)),
        "by_agency": _rows(agencies, _codes(Agency, agencies)),
    }


class StatsSummaryView(ApiView):
    """Public headline figures for a year, quarter or month: no API key, no sign-in."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        summary="Public statistics (no API key needed)",
        description="Figures about the complaints received in the period (Asia/Jakarta), read "
        "from the rollups: counts, percentages (null when there is nothing to divide by), "
        "medians in hours. Aggregates only, no personal data; confidential and supervisory "
        "complaints are counted. Cacheable for 5 seconds.",
        parameters=[StatsSummaryIn, LANGUAGE_HEADER],
        responses={200: StatsSummaryOut},
    )
    def get(self, request: Request) -> Response:
        params = parse(StatsSummaryIn, request.query_params)
        period = Period(
            params.get("year") or Period.current().year,
            quarter=params.get("quarter"),
            month=params.get("month"),
        )
        data = summary_data(period, params.get("agency"))
        return Response(StatsSummaryOut(data).data)

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == 200:
            response["Cache-Control"] = f"public, max-age={MAX_AGE}"
            patch_vary_headers(response, ("Accept-Language",))
        return response
