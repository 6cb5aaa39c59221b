"""Staff dashboards (/staf/dasbor/): figures, charts and the action-plan targets.

Thin: every figure comes from ``aduan.monitoring.selectors`` (rollups, never the complaints),
charts and tables from ``aduan.monitoring.presenters``, target changes go through
``aduan.monitoring.services``. The page only reads rollups; each chart is a separate image
request (``chart``) that reads the same selectors and renders with matplotlib. No response
is cached (the rollups follow each change on commit, so a reload shows it); a drawn chart is
kept by ``aduan.monitoring.chart_cache`` under a hash of its content, so the same figures are
drawn once and new figures are drawn at once.

Who sees what: leadership, coordinators, monitors and administrators see the province and may
pick any agency; operators, liaison officers and the Inspectorate see their own agencies (with
their sub-units) only, and asking for another agency is refused (403).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import urlencode
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from aduan.accounts.models import AGENCY_ROLES, Role
from aduan.agencies.models import Agency
from aduan.backoffice.access import forbidden, menu_context, staff_page
from aduan.complaints.policies import staff_roles
from aduan.core import clock
from aduan.core.calendar import local_date
from aduan.core.errors import DomainError
from aduan.monitoring import charts, presenters, selectors, trends
from aduan.monitoring.chart_cache import render_cached
from aduan.monitoring.forms import DashboardFilterForm, TargetFormSet
from aduan.monitoring.models import Target
from aduan.monitoring.presenters import ChartView
from aduan.monitoring.selectors import Period
from aduan.monitoring.services import TargetValues, may_edit_targets, targets_set

PROVINCE_ROLES = (Role.LEADERSHIP, Role.COORDINATOR, Role.MONITOR, Role.ADMIN)
BREAKDOWN_CHARTS = ("channel", "kind", "category", "region")


# --- who sees what -------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a person may look at: the province (and any agency), or their own agencies."""

    province: bool
    agencies: list[Agency]
    default: Agency | None

    @property
    def by_id(self) -> dict[int, Agency]:
        return {agency.pk: agency for agency in self.agencies}


def _tree_order(agencies: list[Agency]) -> list[Agency]:
    """Alphabetical, with each agency's sub-units right under it."""
    names = {agency.path: agency.name.casefold() for agency in agencies}

    def key(agency: Agency) -> tuple[str, ...]:
        parts = agency.path.strip("/").split("/")
        prefixes = ["/" + "/".join(parts[: i + 1]) + "/" for i in range(len(parts))]
        return tuple(names.get(prefix, "") for prefix in prefixes)

    return sorted(agencies, key=key)


def dashboard_scope(user: Any) -> Scope:
    roles = staff_roles(user)
    if any(role in roles.instansi_wide for role in PROVINCE_ROLES):
        return Scope(True, _tree_order(list(Agency.objects.all())), None)
    paths = sorted({path for role in AGENCY_ROLES for path in roles.agency_paths.get(role, ())})
    if not paths:
        return Scope(False, [], None)
    subtree = Q()
    for path in paths:
        subtree |= Q(path__startswith=path)
    agencies = _tree_order(list(Agency.objects.filter(subtree)))
    own = [agency for agency in agencies if agency.path in paths]
    return Scope(False, agencies, own[0] if own else None)


# --- filters -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    period: Period
    agency: Agency | None

    @property
    def query(self) -> str:
        """The filters as a query string, for chart images and links."""
        params: dict[str, Any] = {"year": self.period.year}
        if self.period.quarter:
            params["quarter"] = self.period.quarter
        if self.period.month:
            params["month"] = self.period.month
        if self.agency is not None:
            params["agency"] = self.agency.pk
        return urlencode(params)


class Refused(Exception):
    """The person asked for an agency outside their scope."""


def _read_filters(request: HttpRequest, scope: Scope) -> tuple[DashboardFilterForm, Filters | None]:
    """The filter form and, when it is valid, the filters; raises Refused for a foreign agency."""
    form = DashboardFilterForm(
        request.GET,
        agencies=scope.agencies,
        province=scope.province,
        current_year=local_date(clock.now()).year,
    )
    if not scope.province and scope.default is None:
        raise Refused
    if not form.is_valid():
        raw_agency = request.GET.get("agency", "")
        if "agency" in form.errors and not scope.province and raw_agency.strip().isdigit():
            raise Refused
        return form, None
    agency_id = form.cleaned_data.get("agency")
    agency = scope.by_id[agency_id] if agency_id else scope.default
    return form, Filters(form.period(), agency)


def _no_store(response: HttpResponseBase) -> HttpResponseBase:
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- the dashboard page --------------------------------------------------------------------


def _base_context(request: HttpRequest, scope: Scope, form: DashboardFilterForm) -> dict[str, Any]:
    return {
        **menu_context(request, "dashboard"),
        "form": form,
        "scope": scope,
        "may_edit_targets": may_edit_targets(request.user),
    }


def _chart_entry(view: ChartView, filters: Filters) -> dict[str, Any]:
    return {"view": view, "query": filters.query}


@require_safe
@never_cache
@staff_page(works=False)
def dashboard(request: HttpRequest) -> HttpResponse:
    """Figures for a period and the province or one agency, from the rollups only."""
    scope = dashboard_scope(request.user)
    try:
        form, filters = _read_filters(request, scope)
    except Refused:
        return forbidden(request)
    context = _base_context(request, scope, form)
    if filters is None:
        return render(request, "monitoring/dashboard.html", context, status=400)
    period, agency = filters.period, filters.agency
    summary = selectors.summary(period, agency)
    year_period = Period(period.year)
    years = selectors.yearly(agency)
    breakdowns = {dim: selectors.breakdown(period, dim, agency) for dim in BREAKDOWN_CHARTS}
    connected = selectors.connectedness()
    trends_day = trends.reference_for(period)
    if agency is None:
        by_agency = selectors.breakdown(period, "agency")
        agency_scores = selectors.compliance_by_agency(period)
        compliance_chart = presenters.agency_compliance_chart(agency_scores, period)
        missing = connected.missing
    else:
        by_agency = []
        agency_scores = []
        compliance_chart = presenters.stage_compliance_chart(summary.compliance, period)
        missing = [a for a in connected.missing if a.path.startswith(agency.path)]
    chart_views = [
        presenters.monthly_chart(selectors.monthly(year_period, agency), period.year),
        presenters.yearly_received_chart(years),
        presenters.yearly_resolved_chart(years),
        *(presenters.breakdown_chart(dim, breakdowns[dim], period) for dim in BREAKDOWN_CHARTS),
        compliance_chart,
    ]
    context.update(
        {
            "filters": filters,
            "period_label": presenters.period_label(period),
            "summary": summary,
            "medians": [
                (_("Submission to verification"), presenters.duration(summary.medians["verify"])),
                (
                    _("Verification to first follow-up"),
                    presenters.duration(summary.medians["followup"]),
                ),
                (
                    _("Verification to resolution"),
                    presenters.duration(summary.medians["resolution"]),
                ),
            ],
            "stages": [
                (presenters.stage_label(kind), value) for kind, value in summary.compliance.items()
            ],
            "years": years,
            "regions": breakdowns["region"],
            "by_agency": by_agency,
            "agency_scores": agency_scores,
            "compliance_kinds": [
                (kind, presenters.stage_label(kind)) for kind in selectors.COMPLIANCE_KINDS[1:]
            ],
            "connected": connected,
            "connected_total": len(connected.connected) + len(connected.missing),
            "missing": missing,
            "charts": [_chart_entry(view, filters) for view in chart_views],
            "query": filters.query,
            "period_query": Filters(period, None).query,
            "trends_url": trends.panel_url(agency, trends_day),
            "trends_day": trends_day,
        }
    )
    return render(request, "monitoring/dashboard.html", context)


# --- chart images --------------------------------------------------------------------------


def _compliance(filters: Filters) -> ChartView:
    if filters.agency is None:
        return presenters.agency_compliance_chart(
            selectors.compliance_by_agency(filters.period), filters.period
        )
    return presenters.stage_compliance_chart(
        selectors.compliance(filters.period, filters.agency), filters.period
    )


def _breakdown(dim: str) -> Callable[[Filters], ChartView]:
    def build(filters: Filters) -> ChartView:
        rows = selectors.breakdown(filters.period, dim, filters.agency)
        return presenters.breakdown_chart(dim, rows, filters.period)

    return build


CHARTS: dict[str, Callable[[Filters], ChartView]] = {
    "monthly": lambda f: presenters.monthly_chart(
        selectors.monthly(Period(f.period.year), f.agency), f.period.year
    ),
    "received-yearly": lambda f: presenters.yearly_received_chart(selectors.yearly(f.agency)),
    "resolved-yearly": lambda f: presenters.yearly_resolved_chart(selectors.yearly(f.agency)),
    **{dim: _breakdown(dim) for dim in BREAKDOWN_CHARTS},
    "compliance": _compliance,
}


def _filename(name: str, filters: Filters, fmt: str) -> str:
    parts = ["aduan", name, slugify(filters.period.label)]
    if filters.agency is not None:
        parts.append(slugify(filters.agency.code) or str(filters.agency.pk))
    return "-".join(parts) + "." + fmt


@require_safe
@never_cache
@staff_page(works=False)
def chart(request: HttpRequest, name: str, fmt: str) -> HttpResponseBase:
    """One chart as SVG or PNG, for the same filters as the page (``?download=1``: a file)."""
    build = CHARTS.get(name)
    if build is None or fmt not in charts.FORMATS:
        raise Http404
    scope = dashboard_scope(request.user)
    try:
        form, filters = _read_filters(request, scope)
    except Refused:
        return forbidden(request)
    if filters is None:
        problems = "; ".join(str(message) for errors in form.errors.values() for message in errors)
        text = _("The filters are not valid: %(problems)s") % {"problems": problems}
        return _no_store(HttpResponse(text, status=400, content_type="text/plain; charset=utf-8"))
    response = HttpResponse(
        render_cached(build(filters).chart, fmt), content_type=charts.FORMATS[fmt]
    )
    if fmt == "svg":
        # Opened on its own, the image must not run anything.
        response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="{_filename(name, filters, fmt)}"'
    return _no_store(response)


# --- action-plan targets -------------------------------------------------------------------


def _target_initial() -> list[dict[str, Any]]:
    return [
        {
            "year": target.year,
            "complaints": target.complaints,
            "resolved_percent": target.resolved_percent,
            "is_baseline": target.is_baseline,
        }
        for target in Target.objects.order_by("year")
    ]


@require_http_methods(["GET", "HEAD", "POST"])
@never_cache
@staff_page(works=False)
def targets(request: HttpRequest) -> HttpResponse:
    """Set the action-plan targets per year (administrators and leadership)."""
    if not may_edit_targets(request.user):
        return forbidden(request)
    initial = _target_initial()
    status = 200
    if request.method == "POST":
        formset = TargetFormSet(request.POST, initial=initial)
        if formset.is_valid():
            values = [
                TargetValues(
                    year=form.cleaned_data["year"],
                    complaints=form.cleaned_data["complaints"],
                    resolved_percent=form.cleaned_data["resolved_percent"],
                )
                for form in formset.forms
                if form.cleaned_data
            ]
            try:
                changed = targets_set(actor=request.user, values=values)
            except DomainError as error:
                messages.error(request, str(error))
                status = 400
            else:
                if changed:
                    messages.success(
                        request,
                        ngettext(
                            "Target saved for %(years)s.",
                            "Targets saved for %(years)s.",
                            len(changed),
                        )
                        % {"years": ", ".join(str(t.year) for t in changed)},
                    )
                else:
                    messages.info(request, _("Nothing was changed."))
                return redirect("monitoring:targets")
        else:
            status = 400
    else:
        formset = TargetFormSet(initial=initial)
    rows = [(form, form.initial.get("is_baseline", False)) for form in formset.forms]
    context = {**menu_context(request, "dashboard"), "formset": formset, "rows": rows}
    return render(request, "monitoring/targets.html", context, status=status)
