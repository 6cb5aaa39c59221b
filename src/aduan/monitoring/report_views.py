"""Periodic reports, press-release drafts and reprimand letters (/staf/laporan-berkala/).

Thin: the figures and documents come from ``aduan.monitoring.reports`` (rollups only, so a PDF
is built while the person waits). Who may produce what:

- leadership, coordinators, system administrators and monitors: the province's and any
  agency's reports and press releases;
- agency operators, liaison officers and the Inspectorate: their own agency's (and its
  sub-units') only, as on the dashboard;
- reprimand letters: leadership, coordinators and system administrators.

Everyone else gets 403, guests the sign-in page; the TOTP step is enforced before this by
``StaffSecurityMiddleware``. Nothing here writes, so there is no audit event.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.utils.dates import MONTHS
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from aduan.accounts.models import AGENCY_ROLES, Role
from aduan.agencies.models import Agency
from aduan.backoffice.access import forbidden, menu_context, staff_page
from aduan.complaints.policies import StaffRoles, staff_roles
from aduan.core import clock
from aduan.core.calendar import local_date
from aduan.monitoring import reports
from aduan.monitoring.periods import FIRST_YEAR, YEAR_TOO_EARLY, YEAR_TOO_LATE, max_year
from aduan.monitoring.selectors import Period

WIDE_ROLES = (Role.LEADERSHIP, Role.COORDINATOR, Role.ADMIN, Role.MONITOR)
# The roles held in one agency (operator, liaison officer, Inspectorate; accounts.models
# AGENCY_ROLES) report on that agency and its sub-units, the scope of their dashboard.
REPRIMAND_ROLES = (Role.LEADERSHIP, Role.COORDINATOR, Role.ADMIN)
PDF_TYPE = "application/pdf"
TEXT_TYPE = "text/plain; charset=utf-8"


def sees_province(roles: StaffRoles) -> bool:
    """May produce the province's report and any agency's."""
    return any(role in roles.instansi_wide for role in WIDE_ROLES)


def may_reprimand(roles: StaffRoles) -> bool:
    return any(role in roles.instansi_wide for role in REPRIMAND_ROLES)


def report_agencies(roles: StaffRoles) -> QuerySet[Agency]:
    """The agencies whose reports the person may produce."""
    if sees_province(roles):
        return Agency.objects.all()
    condition = Q(pk__in=[])
    for role in AGENCY_ROLES:
        for path in roles.agency_paths.get(role, ()):
            condition |= Q(path__startswith=path)
    return Agency.objects.filter(condition)


def uses_reports(roles: StaffRoles) -> bool:
    return sees_province(roles) or any(roles.agency_paths.get(role) for role in AGENCY_ROLES)


class PeriodForm(forms.Form):
    """The period and scope of a report, read from the query string."""

    period_type = forms.ChoiceField(
        label=_("Period"),
        choices=[("month", _("Month")), ("quarter", _("Quarter")), ("year", _("Year"))],
    )
    year = forms.IntegerField(label=_("Year"))
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        choices=[("", "—")] + [(str(q), reports.ROMAN[q - 1]) for q in range(1, 5)],
        coerce=int,
        required=False,
        empty_value=None,
    )
    month = forms.TypedChoiceField(
        label=_("Month"),
        choices=[("", "—")] + [(str(m), name) for m, name in MONTHS.items()],
        coerce=int,
        required=False,
        empty_value=None,
    )
    agency = forms.ModelChoiceField(
        label=_("Agency"),
        queryset=Agency.objects.none(),
        to_field_name="code",
        required=False,
    )

    def __init__(self, *args: Any, roles: StaffRoles, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.roles = roles
        year = self.fields["year"]
        last_year = max_year()
        year.validators = [
            MinValueValidator(FIRST_YEAR, message=YEAR_TOO_EARLY),
            MaxValueValidator(last_year, message=YEAR_TOO_LATE),
        ]
        year.widget.attrs.update({"min": FIRST_YEAR, "max": last_year})
        field = self.fields["agency"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = report_agencies(roles).order_by("name")
        if sees_province(roles):
            field.empty_label = str(_("Whole province"))
        else:
            field.required = True
            field.empty_label = None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("period_type")
        if kind == "quarter" and not data.get("quarter"):
            self.add_error("quarter", _("Choose a quarter."))
        if kind == "month" and not data.get("month"):
            self.add_error("month", _("Choose a month."))
        return data

    def chosen_period(self) -> Period:
        data = self.cleaned_data
        kind = data["period_type"]
        return Period(
            data["year"],
            quarter=data["quarter"] if kind == "quarter" else None,
            month=data["month"] if kind == "month" else None,
        )

    def chosen_agency(self) -> Agency | None:
        agency = self.cleaned_data.get("agency")
        return agency if isinstance(agency, Agency) else None


def _initial() -> dict[str, Any]:
    today: date = local_date(clock.now())
    return {
        "period_type": "quarter",
        "year": today.year,
        "quarter": (today.month - 1) // 3 + 1,
        "month": today.month,
    }


def _form(request: HttpRequest) -> PeriodForm:
    roles = staff_roles(request.user)
    if "year" in request.GET:
        return PeriodForm(request.GET, roles=roles)
    initial = _initial()
    if not sees_province(roles):
        own = report_agencies(roles).order_by("path").first()
        initial["agency"] = own.code if own is not None else ""
    return PeriodForm(initial, roles=roles)


def period_label(period: Period) -> str:
    """The period in the page's language (the documents themselves are in Indonesian)."""
    if period.month:
        return date_format(date(period.year, period.month, 1), "F Y")
    if period.quarter:
        return str(_("Q%(quarter)s %(year)s") % {"quarter": period.quarter, "year": period.year})
    return str(period.year)


def _private(response: HttpResponseBase) -> HttpResponseBase:
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _page(request: HttpRequest, form: PeriodForm, status: int = 200, **extra: Any) -> HttpResponse:
    roles = form.roles
    context: dict[str, Any] = {
        "form": form,
        "may_reprimand": may_reprimand(roles),
        **menu_context(request, "reports"),
        **extra,
    }
    if form.is_valid():
        period = form.chosen_period()
        agency = form.chosen_agency()
        context.update(
            period=period,
            period_title=period_label(period),
            agency=agency,
            query=_query(form),
            report_filename=reports.report_filename(period, agency),
        )
        if may_reprimand(roles):
            context.update(
                reprimands=[
                    {
                        "reprimand": reprimand,
                        "score": reports.format_percent(reprimand.current.score),
                        "previous_score": reports.format_percent(reprimand.previous.score),
                        "query": _query(form, agency=reprimand.agency),
                    }
                    for reprimand in reports.reprimands(period)
                ],
                previous_title=period_label(reports.previous_period(period)),
                threshold=reports.format_percent(reports.reprimand_threshold()),
                min_missed=reports.reprimand_min_missed(),
            )
    if "year" in request.GET and not form.is_valid() and status == 200:
        status = 400  # as the documents and the dashboards answer the same parameters
    return render(request, "monitoring/reports/index.html", context, status=status)


def _query(form: PeriodForm, agency: Agency | None = None) -> str:
    from urllib.parse import urlencode

    data = form.cleaned_data
    params: dict[str, Any] = {"period_type": data["period_type"], "year": data["year"]}
    if data["period_type"] == "quarter":
        params["quarter"] = data["quarter"]
    if data["period_type"] == "month":
        params["month"] = data["month"]
    chosen = agency or form.chosen_agency()
    if chosen is not None:
        params["agency"] = chosen.code
    return urlencode(params)


def _checked(request: HttpRequest) -> tuple[PeriodForm | None, HttpResponse | None]:
    """The valid form of a download request, or the page that says what is wrong."""
    roles = staff_roles(request.user)
    if not uses_reports(roles):
        return None, forbidden(request)
    form = PeriodForm(request.GET, roles=roles)
    if not form.is_valid():
        agency_errors = form.errors.get("agency")
        if agency_errors and request.GET.get("agency") and not sees_province(roles):
            # An agency outside the person's scope: not theirs to report on.
            return None, forbidden(request)
        return None, _page(request, form, status=400)
    return form, None


@staff_page(works=False)
def index(request: HttpRequest) -> HttpResponseBase:
    """The form (period and agency) with links to the documents, and the reprimand list."""
    roles = staff_roles(request.user)
    if not uses_reports(roles):
        return forbidden(request)
    return _private(_page(request, _form(request)))


@staff_page(works=False)
def report_pdf(request: HttpRequest) -> HttpResponseBase:
    form, refusal = _checked(request)
    if form is None:
        assert refusal is not None
        return refusal
    period, agency = form.chosen_period(), form.chosen_agency()
    data = reports.collect(period, agency)
    response = HttpResponse(reports.report_pdf(data), content_type=PDF_TYPE)
    filename = reports.report_filename(period, agency)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(response)


@staff_page(works=False)
def press_release(request: HttpRequest) -> HttpResponseBase:
    """The draft as editable text on a page, or (``?format=txt``) as a text file."""
    form, refusal = _checked(request)
    if form is None:
        assert refusal is not None
        return refusal
    period, agency = form.chosen_period(), form.chosen_agency()
    release = reports.press_release(reports.collect(period, agency))
    if request.GET.get("format") == "txt":
        response = HttpResponse(release.as_text(), content_type=TEXT_TYPE)
        filename = reports.press_release_filename(period, agency)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return _private(response)
    context = {
        "release": release,
        "text": release.as_text(),
        "period_title": period_label(period),
        "agency": agency,
        "query": _query(form),
        **menu_context(request, "reports"),
    }
    return _private(render(request, "monitoring/reports/press_release.html", context))


@staff_page(works=False)
def reprimand_letter(request: HttpRequest) -> HttpResponseBase:
    """The draft letter for one agency that qualifies in the period (404 if it does not)."""
    roles = staff_roles(request.user)
    if not may_reprimand(roles):
        return forbidden(request)
    form, refusal = _checked(request)
    if form is None:
        assert refusal is not None
        return refusal
    agency = form.chosen_agency()
    if agency is None:
        raise Http404
    period = form.chosen_period()
    reprimand = reports.reprimand_for(period, agency)
    if reprimand is None:
        raise Http404
    response = HttpResponse(reports.letter_pdf(reprimand), content_type=PDF_TYPE)
    filename = reports.letter_filename(period, agency)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(response)
